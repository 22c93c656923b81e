/*
 * Copies to a site and back, verified.  In: the files not verified there
 * yet go in batches (a crash loses at most one batch's work, and rsync
 * --partial keeps even that); after each rsync, sha256sum runs at the
 * site over the batch and every sum must equal the one made at home;
 * a file that differs is copied again with --ignore-times (rsync's
 * quick check would trust its size and time), at most ATTEMPTS times.
 * Only verified files are logged, and a job is submitted only when all
 * are.  Out: the same, the other way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage-internal.h"

#define ATTEMPTS 3
#define BATCH_FILES 32
#define BATCH_BYTES 8e6
#define HASH_BATCH 200

typedef char sha_t[HPCL__SHA256_HEX];

/* The root as a prefix: "" for "/". */
static const char *root_prefix(const struct hpcl__site_conf *c)
{
    return strcmp(c->econ.data_root, "/") == 0 ? "" : c->econ.data_root;
}

/* sha256sum at home of paths[0..n) into sums. */
static hpcl_rc hash_local(hpcl_ctx *ctx, char *const *paths, size_t n,
                          sha_t *sums)
{
    for (size_t at = 0; at < n; at += HASH_BATCH) {
        size_t k = n - at < HASH_BATCH ? n - at : HASH_BATCH;
        char **argv = calloc(k + 3, sizeof *argv), *out = NULL;
        hpcl_rc rc;

        if (argv == NULL)
            return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        argv[0] = "sha256sum";
        argv[1] = "--";
        memcpy(argv + 2, paths + at, k * sizeof *argv);
        rc = hpcl__stage_run(ctx, argv, &out, "hashing the files at home");
        free(argv);
        if (rc == HPCL_OK &&
            hpcl__sha_parse(out, "", paths + at, k, sums + at) < k)
            rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "sha256sum at home did not "
                            "hash every file");
        free(out);
        if (rc != HPCL_OK)
            return rc;
    }
    return HPCL_OK;
}

/* sha256sum at the site of ROOT + paths[0..n) into sums ("" if absent). */
static hpcl_rc hash_remote(struct hpcl__ssh *s, hpcl_ctx *ctx,
                           char *const *paths, size_t n, sha_t *sums)
{
    char *out = NULL, what[160];
    hpcl_rc rc;

    for (size_t i = 0; i < n; i++)
        sums[i][0] = '\0';
    snprintf(what, sizeof what, "verifying the copies at site %s", s->name);
    /* A file missing there makes sha256sum exit 1: the others' sums are
     * still printed, and the missing one differs below. */
    rc = hpcl__ssh_cmd(s, ctx, "sha256sum 2>/dev/null", root_prefix(s->site),
                       paths, n, &out, what);
    if (rc == HPCL_E_SYSTEM && out == NULL)
        rc = hpcl__ssh_cmd(s, ctx, "sha256sum 2>/dev/null; true",
                           root_prefix(s->site), paths, n, &out, what);
    if (rc == HPCL_OK)
        hpcl__sha_parse(out, root_prefix(s->site), paths, n, sums);
    free(out);
    return rc;
}

/* The --files-from list: paths relative to / (rsync -R keeps them). */
static hpcl_rc write_list(struct hpcl__ssh *s, hpcl_ctx *ctx, char *path,
                          size_t cap, char *const *paths, size_t n)
{
    FILE *f;

    snprintf(path, cap, "%s/files", s->dir);
    if ((f = fopen(path, "we")) == NULL)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "%s: %s", path,
                          strerror(errno));
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", paths[i] + 1);
    if (fclose(f) != 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "%s: %s", path,
                          strerror(errno));
    return HPCL_OK;
}

/* The start of an rsync command line, either way: archive mode, partial
 * files kept (a rerun goes on from them), checksums instead of times on
 * a retry, the site's bandwidth limit (rsync counts 1024-byte units, the
 * site file 1000) into bw, and ssh as the site's.  Returns the count. */
static int rsync_args(char **argv, struct hpcl__ssh *s, int again,
                      char bw[48])
{
    long k = (s->site->econ.bwlimit_kbps * 1000 + 1023) / 1024;
    int a = 0;

    argv[a++] = (char *)hpcl__rsync_prog();
    argv[a++] = "-a";
    argv[a++] = "--partial";
    if (again)
        argv[a++] = "--ignore-times";
    if (s->site->econ.bwlimit_kbps > 0) {
        snprintf(bw, 48, "--bwlimit=%ld", k > 0 ? k : 1);
        argv[a++] = bw;
    }
    argv[a++] = "-e";
    argv[a++] = s->rsh;
    return a;
}

static hpcl_rc rsync_in(struct hpcl__ssh *s, hpcl_ctx *ctx, char *const *paths,
                        size_t n, int again)
{
    char list[320], from[340], bw[48], dest[PATH_MAX + 16], what[160];
    char *argv[16];
    int a;
    hpcl_rc rc;

    if ((rc = write_list(s, ctx, list, sizeof list, paths, n)) != HPCL_OK)
        return rc;
    snprintf(from, sizeof from, "--files-from=%s", list);
    snprintf(dest, sizeof dest, "hpcl-site:%s/", root_prefix(s->site));
    snprintf(what, sizeof what, "copying %zu file%s to site %s", n,
             n == 1 ? "" : "s", s->name);
    a = rsync_args(argv, s, again, bw);
    argv[a++] = from;
    argv[a++] = "/";
    argv[a++] = dest;
    argv[a] = NULL;
    return hpcl__stage_run(ctx, argv, NULL, what);
}

/* One batch: copy, verify, again for what differs. */
static hpcl_rc batch_in(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *log,
                        const char *key, struct hpcl__stage_file **f,
                        size_t n)
{
    char **todo = calloc(n, sizeof *todo);
    sha_t *there = calloc(n, sizeof *there);
    struct hpcl__stage_file **tf = calloc(n, sizeof *tf);
    size_t left = n;
    hpcl_rc rc = HPCL_OK;

    if (todo == NULL || there == NULL || tf == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == HPCL_OK; i++)
        tf[i] = f[i];
    for (int t = 0; t < ATTEMPTS && left > 0 && rc == HPCL_OK; t++) {
        size_t k = 0;
        for (size_t i = 0; i < left; i++)
            todo[i] = tf[i]->path;
        if ((rc = rsync_in(s, ctx, todo, left, t > 0)) != HPCL_OK) {
            if (t + 1 < ATTEMPTS) {
                hpcl__log(ctx, HPCL_LOG_WARN, "%s; trying again",
                          hpcl_ctx_errmsg(ctx));
                rc = HPCL_OK;
            }
            continue;
        }
        if ((rc = hash_remote(s, ctx, todo, left, there)) != HPCL_OK)
            break;
        for (size_t i = 0; i < left && rc == HPCL_OK; i++) {
            if (strcmp(there[i], tf[i]->sha) == 0) {
                rc = hpcl__stage_log_line(ctx, log, "V %s %s %llu %lld %s "
                                          "%s\n", s->name, tf[i]->sha,
                                          tf[i]->size, tf[i]->mtime_ns, key,
                                          tf[i]->path);
                continue;
            }
            hpcl__log(ctx, HPCL_LOG_WARN, "staging to %s: %s differs at the "
                      "site (sha256 %.12s..., at home %.12s...): copying it "
                      "again", s->name, tf[i]->path,
                      there[i][0] ? there[i] : "none", tf[i]->sha);
            tf[k++] = tf[i];
        }
        left = k;
    }
    if (rc == HPCL_OK && left > 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "staging to site %s: %s still "
                        "differs from home after %d copies (sha256 there "
                        "%.16s, at home %.16s); the job was not submitted "
                        "there", s->name, tf[0]->path, ATTEMPTS,
                        there[0][0] ? there[0] : "none", tf[0]->sha);
    free(todo);
    free(there);
    free(tf);
    return rc;
}

static hpcl_rc make_output_dirs(struct hpcl__ssh *s, hpcl_ctx *ctx,
                                char *const *outputs, size_t n)
{
    char **dirs = calloc(n ? n : 1, sizeof *dirs), what[160];
    hpcl_rc rc = HPCL_OK;
    struct stat st;

    if (dirs == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == HPCL_OK; i++) {
        /* A folder at home is made there too; for a file, its folder. */
        char *c = strdup(outputs[i]);
        if (c == NULL)
            rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        else if (stat(outputs[i], &st) == 0 && S_ISDIR(st.st_mode))
            dirs[i] = c;
        else {
            char *slash = strrchr(c, '/');
            if (slash != NULL && slash != c)
                *slash = '\0';
            else if (slash != NULL)
                slash[1] = '\0';
            dirs[i] = c;
        }
    }
    snprintf(what, sizeof what, "making the output folders at site %s",
             s->name);
    if (rc == HPCL_OK && n > 0)
        rc = hpcl__ssh_cmd(s, ctx, "mkdir -p --", root_prefix(s->site), dirs,
                           n, NULL, what);
    for (size_t i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
    return rc;
}

static int by_size(const void *a, const void *b)
{
    const struct hpcl__stage_file *x = *(struct hpcl__stage_file *const *)a;
    const struct hpcl__stage_file *y = *(struct hpcl__stage_file *const *)b;

    return (x->size > y->size) - (x->size < y->size);
}

static hpcl_rc stage_in_files(struct hpcl__ssh *s, hpcl_ctx *ctx,
                              const char *log, const char *key,
                              const struct hpcl__stage_list *l)
{
    int *done = calloc(l->n ? l->n : 1, sizeof *done);
    struct hpcl__stage_file **todo = calloc(l->n ? l->n : 1, sizeof *todo);
    char **paths = calloc(l->n ? l->n : 1, sizeof *paths);
    sha_t *sums = calloc(l->n ? l->n : 1, sizeof *sums);
    size_t m = 0;
    hpcl_rc rc = HPCL_OK;

    if (done == NULL || todo == NULL || paths == NULL || sums == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if (rc == HPCL_OK)
        rc = hpcl__stage_verified_set(done, ctx, log, s->name, l);
    for (size_t i = 0; i < l->n && rc == HPCL_OK; i++)
        if (!done[i]) {
            todo[m] = &l->f[i];
            paths[m++] = l->f[i].path;
        }
    if (rc == HPCL_OK && m < l->n)
        hpcl__log(ctx, HPCL_LOG_INFO, "staging to %s: %zu of %zu files "
                  "verified there already", s->name, l->n - m, l->n);
    if (rc == HPCL_OK && m > 0)
        rc = hash_local(ctx, paths, m, sums);
    for (size_t i = 0; i < m && rc == HPCL_OK; i++)
        memcpy(todo[i]->sha, sums[i], sizeof sums[i]);
    /* Small files first, in batches of at most BATCH_FILES files or
     * BATCH_BYTES: the many small ones are verified (and logged) before a
     * large one's long copy, which a crash may then interrupt alone. */
    qsort(todo, m, sizeof *todo, by_size);
    for (size_t at = 0, k; at < m && rc == HPCL_OK; at += k) {
        double bytes = 0;
        for (k = 0; at + k < m && k < BATCH_FILES &&
                    (k == 0 || bytes + (double)todo[at + k]->size <=
                                   BATCH_BYTES);
             k++)
            bytes += (double)todo[at + k]->size;
        rc = batch_in(s, ctx, log, key, todo + at, k);
    }
    free(done);
    free(todo);
    free(paths);
    free(sums);
    return rc;
}

hpcl_rc hpcl__stage_in(hpcl_ctx *ctx, const char *logpath, const char *key,
                       const char *site, const struct hpcl__site_conf *c,
                       const struct hpcl__stage_list *l, char *const *outputs,
                       size_t noutputs)
{
    struct hpcl__ssh s;
    hpcl_rc rc;

    if ((rc = hpcl__ssh_open(&s, ctx, site, c)) != HPCL_OK)
        return rc;
    rc = stage_in_files(&s, ctx, logpath, key, l);
    if (rc == HPCL_OK)
        rc = make_output_dirs(&s, ctx, outputs, noutputs);
    if (rc == HPCL_OK)
        rc = hpcl__stage_note_outputs(ctx, logpath, key, site, outputs,
                                      noutputs);
    hpcl__ssh_close(&s);
    return rc;
}

/* --- back home --------------------------------------------------------- */

/* The files under output p at the site and their sums, from one
 * `find | sha256sum` there: paths (home names) and sums, n of them. */
static hpcl_rc list_remote(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *p,
                           char ***paths, sha_t **sums, size_t *n)
{
    const char *root = root_prefix(s->site);
    char *out = NULL, *arg = (char *)p, what[160], *line;
    size_t rl = strlen(root);
    hpcl_rc rc;

    *paths = NULL;
    *sums = NULL;
    *n = 0;
    snprintf(what, sizeof what, "listing output %s at site %s", p, s->name);
    /* find's predicates come after the quoted path: a shell there. */
    rc = hpcl__ssh_cmd(s, ctx, "sh -c 'find \"$1\" -type f -exec "
                       "sha256sum {} +' sh", root, &arg, 1, &out, what);
    if (rc == HPCL_E_SYSTEM) {
        char why[HPCL_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", hpcl_ctx_errmsg(ctx));
        return hpcl__fail(ctx, rc, "output %s is not at site %s (under its "
                          "data root %s): did the job write it? (%s)", p,
                          s->name, s->site->econ.data_root, why);
    }
    for (line = out; rc == HPCL_OK && line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (strlen(line) > 66 + rl && strncmp(line + 66, root, rl) == 0) {
            char **gp = realloc(*paths, (*n + 1) * sizeof *gp);
            sha_t *gs = gp != NULL ? realloc(*sums, (*n + 1) * sizeof *gs)
                                   : NULL;
            if (gp != NULL)
                *paths = gp;
            if (gs != NULL)
                *sums = gs;
            if (gp == NULL || gs == NULL ||
                (gp[*n] = strdup(line + 66 + rl)) == NULL) {
                rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
                break;
            }
            memcpy(gs[*n], line, 64);
            gs[*n][64] = '\0';
            (*n)++;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    free(out);
    return rc;
}

static hpcl_rc rsync_out(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *p,
                         int again)
{
    char src[PATH_MAX + 16], *dir = strdup(p), what[160], bw[48];
    char *argv[12];
    int a;
    hpcl_rc rc;

    if (dir == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    snprintf(src, sizeof src, "hpcl-site:%s%s", root_prefix(s->site), p);
    snprintf(what, sizeof what, "copying %s back from site %s", p, s->name);
    a = rsync_args(argv, s, again, bw);
    argv[a++] = src;
    argv[a++] = dirname(dir);
    argv[a] = NULL;
    rc = hpcl__stage_run(ctx, argv, NULL, what);
    free(dir);
    return rc;
}

static hpcl_rc fetch_one(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *log,
                         const char *key, const char *p)
{
    char **paths = NULL;
    sha_t *there = NULL, *here = NULL;
    size_t n = 0, bad = 0;
    hpcl_rc rc = list_remote(s, ctx, p, &paths, &there, &n);

    if (rc == HPCL_OK && (here = calloc(n ? n : 1, sizeof *here)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (int t = 0; t < ATTEMPTS && rc == HPCL_OK; t++) {
        if ((rc = rsync_out(s, ctx, p, t > 0)) != HPCL_OK ||
            (rc = hash_local(ctx, paths, n, here)) != HPCL_OK)
            break;
        bad = n;
        for (size_t i = 0; i < n; i++)
            if (strcmp(here[i], there[i]) == 0)
                bad--;
            else
                hpcl__log(ctx, HPCL_LOG_WARN, "fetching from %s: %s differs "
                          "at home: copying it again", s->name, paths[i]);
        if (bad == 0)
            break;
    }
    if (rc == HPCL_OK && bad > 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "fetching %s from site %s: %zu "
                        "file%s still differ%s after %d copies", p, s->name,
                        bad, bad == 1 ? "" : "s", bad == 1 ? "s" : "",
                        ATTEMPTS);
    for (size_t i = 0; i < n && rc == HPCL_OK; i++)
        rc = hpcl__stage_log_line(ctx, log, "B %s %s %s %s\n", s->name,
                                  here[i], key, paths[i]);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(there);
    free(here);
    return rc;
}

hpcl_rc hpcl__stage_out(hpcl_ctx *ctx, const char *logpath, const char *key,
                        const char *site, const struct hpcl__site_conf *c,
                        char *const *outputs, size_t noutputs)
{
    struct hpcl__ssh s;
    hpcl_rc rc;

    if ((rc = hpcl__ssh_open(&s, ctx, site, c)) != HPCL_OK)
        return rc;
    for (size_t i = 0; i < noutputs && rc == HPCL_OK; i++)
        rc = fetch_one(&s, ctx, logpath, key, outputs[i]);
    hpcl__ssh_close(&s);
    return rc;
}
