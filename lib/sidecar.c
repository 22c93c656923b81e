/*
 * Sidecar files (lib/sidecar.h): a job's request as JSON beside the
 * journal, mode 0600 in a 0700 folder.  The environment in it has had
 * credentials removed already (lib/job_desc.c).
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

/* DIR/jobs[/KEY.json], DIR the journal's folder; key NULL: the folder. */
static hpcl_rc side_path(char **out, hpcl_ctx *ctx, const char *key)
{
    char *j = NULL, *slash;
    hpcl_rc rc;
    int n;

    if ((rc = hpcl__journal_path(&j, ctx, ctx->sites->journal)) != HPCL_OK)
        return rc;
    slash = strrchr(j, '/');
    *slash = '\0';
    n = key != NULL ? asprintf(out, "%s/jobs/%s.json", j, key)
                    : asprintf(out, "%s/jobs", j);
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

hpcl_rc hpcl__sidecar_save(hpcl_ctx *ctx, const char *key, const char *site,
                           const struct hpcl__jobdesc *d)
{
    char *dir = NULL, *path = NULL;
    json_t *o = to_json(key, site, d);
    hpcl_rc rc = HPCL_OK;
    int fd = -1;

    if (o == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if ((rc = side_path(&dir, ctx, NULL)) == HPCL_OK &&
        (rc = side_path(&path, ctx, key)) == HPCL_OK) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot create %s: %s", dir,
                            strerror(errno));
        else if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                            0600)) < 0 ||
                 json_dumpfd(o, fd, JSON_COMPACT) != 0)
            rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", path,
                            strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    json_decref(o);
    free(dir);
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

hpcl_rc hpcl__sidecar_load(hpcl_ctx *ctx, const char *key,
                           char site[HPCL__SITE_NAME_MAX + 1],
                           struct hpcl__jobdesc *d)
{
    char *path = NULL;
    json_error_t jerr;
    json_t *o;
    const char *s;
    hpcl_rc rc;

    memset(d, 0, sizeof *d);
    if ((rc = side_path(&path, ctx, key)) != HPCL_OK)
        return rc;
    if ((o = json_load_file(path, 0, &jerr)) == NULL) {
        rc = hpcl__fail(ctx, HPCL_E_CONFIG, "cannot resubmit job %s: its "
                        "request was not kept (%s: %s)", key, path,
                        jerr.text);
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
