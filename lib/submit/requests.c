/*
 * The requests file (lib/submit/requests.h): each job's request as one JSON line,
 * appended beside the journal (DIR/requests, mode 0600 in the journal's
 * 0700 folder).  One file appended to, rather than a file per job: creating
 * files would make every journal sync commit their metadata too.  The
 * environment in it has had credentials removed already (lib/job/job_desc.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/jansson_load.h"
#include "submit/journal.h"
#include "submit/requests.h"

/* DIR/requests, DIR the journal's folder. */
static hpcl_rc side_path(char **out, hpcl_ctx *ctx)
{
    char *j = NULL;
    hpcl_rc rc = hpcl__journal_path(&j, ctx, ctx->sites->journal);

    *out = NULL;
    if (rc == HPCL_OK)
        rc = hpcl__journal_requests_path(out, ctx, j);
    free(j);
    return rc;
}

#define STR_FIELDS(X)                                                      \
    X(script) X(partition) X(account) X(name) X(work_dir) X(std_out)       \
    X(std_err) X(array) X(comment) X(mail_type) X(mail_user) X(gres)       \
    X(dependency) X(qos) X(constraint) X(reservation)
#define NUM_FIELDS(X)                                                      \
    X(ntasks) X(ntasks_set) X(min_nodes) X(max_nodes) X(min_cpus)          \
    X(cpus_per_task) X(ntasks_per_node) X(gpus_per_task) X(gpus_per_node)  \
    X(gpus) X(time_limit) X(mem_mib) X(mem_set) X(mem_per_cpu)             \
    X(exclusive) X(hold) X(begin) X(signal_no) X(signal_s)                 \
    X(signal_flags) X(mail_bits)

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
    if (d->argc > 0) {
        json_t *argv = json_array();
        for (int i = 0; i < d->argc; i++)
            json_array_append_new(argv, json_string(d->argv[i]));
        json_object_set_new(o, "argv", argv);
    }
    return o;
}

/* One line, appended with one write(2) under the file's lock: concurrent
 * writers' lines do not mix, and the torn-tail check and the write are
 * one step.  The file is checked (regular, 0600) as the journal is. */
static int append_line(hpcl_ctx *ctx, const char *path, const char *text)
{
    size_t len = strlen(text);
    char *line = malloc(len + 3);
    struct stat st;
    int fd, ok = 0, torn, saved;

    if (line == NULL)
        return -1;
    line[0] = '\n';
    memcpy(line + 1, text, len);
    memcpy(line + 1 + len, "\n", 2);
    /* Locked as it is opened: hpclaunch jobs --prune rewrites the file
     * under its lock (journal_prune.c). */
    fd = hpcl__open_locked(path, O_RDWR | O_APPEND | O_CREAT | O_NOCTTY |
                                     O_NONBLOCK, 0600);
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)))
        errno = EINVAL;
    else if (fd >= 0 &&
             hpcl__private_mode(ctx, fd, &st, "requests file", path) == 0) {
        /* After a torn write, a line of our own: glued to the torn one,
         * this job's request could not be read back. */
        torn = hpcl__tail_torn(fd) == 1;
        ok = hpcl__write_all(fd, line + !torn, len + 1 + torn) == 0;
    }
    saved = errno;
    if (fd >= 0)
        flock(fd, LOCK_UN); /* a forked child may share the file */
    if (fd >= 0 && close(fd) != 0 && ok)
        ok = 0, saved = errno;
    free(line);
    errno = saved;
    return ok ? 0 : -1;
}

/* The file is JSON lines: jansson is needed, and loaded on first use. */
static hpcl_rc need_jansson(hpcl_ctx *ctx)
{
    const char *why;

    if (hpcl__jansson_load(&why) != 0)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "the requests file "
                          "needs jansson: %s", why);
    return HPCL_OK;
}

hpcl_rc hpcl__sidecar_save(hpcl_ctx *ctx, const char *key, const char *site,
                           const struct hpcl__jobdesc *d)
{
    char *path = NULL, *text = NULL;
    json_t *o;
    hpcl_rc rc;

    if ((rc = need_jansson(ctx)) != HPCL_OK)
        return rc;
    o = to_json(key, site, d);
    if (o == NULL || (text = json_dumps(o, JSON_COMPACT)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    else if ((rc = side_path(&path, ctx)) == HPCL_OK &&
             append_line(ctx, path, text) != 0)
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

/* The strings of a JSON array into *out (NULL-terminated, owned), their
 * count into *count. */
static hpcl_rc take_strings(hpcl_ctx *ctx, const json_t *a, char ***out,
                            size_t *count)
{
    size_t n = json_array_size(a);

    if ((*out = calloc(n + 1, sizeof **out)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_array_get(a, i));
        if (v == NULL)
            continue;
        if (((*out)[*count] = strdup(v)) == NULL)
            return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        (*count)++;
    }
    return HPCL_OK;
}

static hpcl_rc take_argv(hpcl_ctx *ctx, struct hpcl__jobdesc *d,
                         const json_t *argv)
{
    size_t n = 0;
    hpcl_rc rc;

    if (argv == NULL)
        return HPCL_OK;
    rc = take_strings(ctx, argv, &d->argv_owned, &n);
    d->argv = d->argv_owned;
    d->argc = (int)n;
    return rc;
}

static hpcl_rc bad_number(hpcl_ctx *ctx, const char *key, const char *field)
{
    return hpcl__fail(ctx, HPCL_E_CONFIG, "cannot resubmit job %s: its stored "
                      "request's '%s' is not a number it can hold (the "
                      "requests file was edited or damaged); submit the job "
                      "again without --resubmit", key, field);
}

static hpcl_rc from_json(hpcl_ctx *ctx, const char *key, const json_t *o,
                         struct hpcl__jobdesc *d)
{
    hpcl_rc rc = HPCL_OK;

#define GET_STR(f)                                                         \
    if (rc == HPCL_OK)                                                     \
        rc = take_str(ctx, d, o, #f, &d->f);
    STR_FIELDS(GET_STR)
    /* Absent is 0; anything but an integer its field holds is refused,
     * never wrapped into another value (2^32 + 1 tasks is not 1). */
#define GET_NUM(f)                                                         \
    if (rc == HPCL_OK) {                                                   \
        const json_t *v_ = json_object_get(o, #f);                         \
        json_int_t n_ = json_integer_value(v_);                            \
        d->f = (__typeof__(d->f))n_;                                       \
        if (v_ != NULL &&                                                  \
            (!json_is_integer(v_) || (json_int_t)d->f != n_ ||             \
             (n_ < 0 && (__typeof__(d->f))-1 > 0)))                        \
            rc = bad_number(ctx, key, #f);                                 \
    }
    NUM_FIELDS(GET_NUM)
    if (rc == HPCL_OK)
        rc = take_strings(ctx, json_object_get(o, "env"), &d->env,
                          &d->env_count);
    if (rc == HPCL_OK)
        rc = take_argv(ctx, d, json_object_get(o, "argv"));
    return rc;
}

/* The last line of the requests file for key, parsed; NULL if none. */
static json_t *find_request(const char *path, const char *key)
{
    int fd = hpcl__open_regular(path);
    FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
    char *line = NULL, needle[64], *at;
    size_t cap = 0;
    json_t *found = NULL;

    if (f == NULL) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    snprintf(needle, sizeof needle, "\"key\":\"%s\"", key);
    while (getline(&line, &cap, f) >= 0) {
        if (strstr(line, needle) == NULL)
            continue;
        json_decref(found); /* a later line (a later attempt) wins */
        found = json_loads(line, 0, NULL);
        /* A line glued to a torn one (written by an older hpclaunch):
         * the request starts at its key, the first member. */
        at = strstr(line, needle);
        if (found == NULL && at > line && at[-1] == '{')
            found = json_loads(at - 1, JSON_DISABLE_EOF_CHECK, NULL);
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
    if ((rc = need_jansson(ctx)) != HPCL_OK ||
        (rc = side_path(&path, ctx)) != HPCL_OK)
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
    rc = from_json(ctx, key, o, d);
    if (rc == HPCL_OK && d->script == NULL)
        rc = hpcl__fail(ctx, HPCL_E_CONFIG, "cannot resubmit job %s: its "
                        "stored request has no batch script", key);
    json_decref(o);
    if (rc != HPCL_OK)
        hpcl__jobdesc_free(d);
    return rc;
}

int hpcl__sidecar_prunable(const char *line,
                           int (*pruned)(const char *key, void *arg),
                           void *arg)
{
    static const char member[] = "\"key\":\"";
    const char *at = line;
    int keys = 0;

    /* Member names are the only unescaped quotes followed by key":" (a
     * string value holds \" instead); a line glued to a torn one holds
     * two requests. */
    while ((at = strstr(at, member)) != NULL) {
        char key[HPCL__KEY_LEN + 1];
        size_t n;

        at += sizeof member - 1;
        n = strcspn(at, "\"");
        if (n == 0 || n > HPCL__KEY_LEN || at[n] != '"')
            return 0;
        memcpy(key, at, n);
        key[n] = '\0';
        if (!pruned(key, arg))
            return 0;
        keys++;
    }
    return keys > 0;
}
