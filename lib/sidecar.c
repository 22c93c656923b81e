/*
 * The requests file (lib/sidecar.h): each job's request as one JSON line,
 * appended beside the journal (DIR/requests, mode 0600 in the journal's
 * 0700 folder).  One file appended to, rather than a file per job: creating
 * files would make every journal sync commit their metadata too.  The
 * environment in it has had credentials removed already (lib/job_desc.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "journal.h"
#include "sidecar.h"

/* DIR/requests, DIR the journal's folder. */
static hpcl_rc side_path(char **out, hpcl_ctx *ctx)
{
    char *j = NULL;
    hpcl_rc rc;
    int n;

    if ((rc = hpcl__journal_path(&j, ctx, ctx->sites->journal)) != HPCL_OK)
        return rc;
    *strrchr(j, '/') = '\0';
    n = asprintf(out, "%s/requests", j);
    free(j);
    if (n < 0) {
        *out = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

#define STR_FIELDS(X)                                                      \
    X(script) X(partition) X(account) X(name) X(work_dir) X(std_out)       \
    X(std_err) X(array) X(comment)
#define NUM_FIELDS(X)                                                      \
    X(ntasks) X(min_nodes) X(max_nodes) X(cpus_per_task) X(gpus_per_task)  \
    X(gpus_per_node) X(time_limit) X(mem_mib) X(mem_set) X(exclusive)      \
    X(hold)

static json_t *to_json(const char *key, const char *site,
                       const struct hpcl__jobdesc *d)
{
    json_t *o = json_object(), *env = json_array();

    if (o == NULL || env == NULL) {
        json_decref(o);
        json_decref(env);
        return NULL;
    }
    json_object_set_new(o, "key", json_string(key));
    json_object_set_new(o, "site", json_string(site));
#define SET_STR(f)                                                         \
    if (d->f != NULL)                                                      \
        json_object_set_new(o, #f, json_string(d->f));
    STR_FIELDS(SET_STR)
#define SET_NUM(f) json_object_set_new(o, #f, json_integer((json_int_t)d->f));
    NUM_FIELDS(SET_NUM)
    for (size_t i = 0; i < d->env_count; i++)
        json_array_append_new(env, json_string(d->env[i]));
    json_object_set_new(o, "env", env);
    return o;
}

/* One line, appended with one write(2): concurrent writers' lines do not
 * mix (O_APPEND writes to a regular file are atomic on Linux). */
static int append_line(const char *path, const char *text)
{
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    int fd, ok;

    if (line == NULL)
        return -1;
    memcpy(line, text, len);
    memcpy(line + len, "\n", 2);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    ok = fd >= 0 && write(fd, line, len + 1) == (ssize_t)(len + 1);
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    free(line);
    return ok ? 0 : -1;
}

hpcl_rc hpcl__sidecar_save(hpcl_ctx *ctx, const char *key, const char *site,
                           const struct hpcl__jobdesc *d)
{
    char *path = NULL, *text = NULL;
    json_t *o = to_json(key, site, d);
    hpcl_rc rc;

    if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    else if ((rc = side_path(&path, ctx)) == HPCL_OK &&
             append_line(path, text) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", path,
                        strerror(errno));
    json_decref(o);
    free(text);
    free(path);
    return rc;
}

static hpcl_rc take_str(hpcl_ctx *ctx, struct hpcl__jobdesc *d,
                        const json_t *o, const char *name, const char **field)
{
    const char *v = json_string_value(json_object_get(o, name));
    char *copy;

    if (v == NULL)
        return HPCL_OK;
    if ((copy = strdup(v)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    d->owned[d->n_owned++] = copy;
    *field = copy;
    return HPCL_OK;
}

static hpcl_rc take_env(hpcl_ctx *ctx, struct hpcl__jobdesc *d,
                        const json_t *env)
{
    size_t n = json_array_size(env);

    if ((d->env = calloc(n + 1, sizeof *d->env)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_array_get(env, i));
        if (v == NULL)
            continue;
        if ((d->env[d->env_count] = strdup(v)) == NULL)
            return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        d->env_count++;
    }
    return HPCL_OK;
}

static hpcl_rc from_json(hpcl_ctx *ctx, const json_t *o,
                         struct hpcl__jobdesc *d)
{
    hpcl_rc rc = HPCL_OK;

#define GET_STR(f)                                                         \
    if (rc == HPCL_OK)                                                     \
        rc = take_str(ctx, d, o, #f, &d->f);
    STR_FIELDS(GET_STR)
#define GET_NUM(f)                                                         \
    d->f = (__typeof__(d->f))json_integer_value(json_object_get(o, #f));
    NUM_FIELDS(GET_NUM)
    if (rc == HPCL_OK)
        rc = take_env(ctx, d, json_object_get(o, "env"));
    return rc;
}

/* The last line of the requests file for key, parsed; NULL if none. */
static json_t *find_request(const char *path, const char *key)
{
    FILE *f = fopen(path, "re");
    char *line = NULL, needle[64];
    size_t cap = 0;
    json_t *found = NULL;

    if (f == NULL)
        return NULL;
    snprintf(needle, sizeof needle, "\"key\":\"%s\"", key);
    while (getline(&line, &cap, f) >= 0) {
        if (strstr(line, needle) == NULL)
            continue;
        json_decref(found); /* a later line (a later attempt) wins */
        found = json_loads(line, 0, NULL);
    }
    free(line);
    fclose(f);
    return found;
}

hpcl_rc hpcl__sidecar_load(hpcl_ctx *ctx, const char *key,
                           char site[HPCL__SITE_NAME_MAX + 1],
                           struct hpcl__jobdesc *d)
{
    char *path = NULL;
    json_t *o;
    const char *s;
    hpcl_rc rc;

    memset(d, 0, sizeof *d);
    if ((rc = side_path(&path, ctx)) != HPCL_OK)
        return rc;
    o = find_request(path, key);
    if (o == NULL) {
        rc = hpcl__fail(ctx, HPCL_E_CONFIG, "cannot resubmit job %s: its "
                        "request was not kept in %s", key, path);
        free(path);
        return rc;
    }
    free(path);
    s = json_string_value(json_object_get(o, "site"));
    snprintf(site, HPCL__SITE_NAME_MAX + 1, "%s", s ? s : "");
    rc = from_json(ctx, o, d);
    if (rc == HPCL_OK && d->script == NULL)
        rc = hpcl__fail(ctx, HPCL_E_CONFIG, "cannot resubmit job %s: its "
                        "stored request has no batch script", key);
    json_decref(o);
    if (rc != HPCL_OK)
        hpcl__jobdesc_free(d);
    return rc;
}
