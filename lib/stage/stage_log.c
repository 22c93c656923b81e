/*
 * The transfers log (JOURNAL.transfers): one line per verified copy,
 * appended and synced before the next step relies on it, so a crash loses
 * at most the copy in flight, which rsync --partial then resumes.
 *
 *   V SITE SHA256 SIZE MTIME_NS KEY PATH   an input verified at SITE
 *   O SITE KEY PATH                        an output the job brings back
 *   B SITE SHA256 KEY PATH                 an output verified at home
 *
 * PATH is last and runs to the end of the line (it may hold blanks, never
 * a newline: stage_list.c refuses those).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage-internal.h"

hpcl_rc hpcl__stage_log_line(hpcl_ctx *ctx, const char *logpath,
                             const char *fmt, ...)
{
    char *line = NULL;
    va_list ap;
    int n, fd;
    hpcl_rc rc = HPCL_OK;

    if (logpath == NULL)
        return HPCL_OK;
    va_start(ap, fmt);
    n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    /* Locked as it is opened: hpclaunch jobs --prune rewrites the log
     * under its lock (journal_prune.c).  One write of the whole line:
     * O_APPEND keeps concurrent writers' lines whole. */
    fd = hpcl__open_locked(logpath, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0 || hpcl__write_all(fd, line, (size_t)n) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "transfers log %s: %s", logpath,
                        strerror(errno));
    if (fd >= 0)
        flock(fd, LOCK_UN); /* synced after: a prune copies what it reads */
    if (rc == HPCL_OK && fsync(fd) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "transfers log %s: %s", logpath,
                        strerror(errno));
    if (fd >= 0)
        close(fd);
    free(line);
    return rc;
}

/* The log's text (malloc'd), or NULL when there is none yet. */
static hpcl_rc slurp(char **out, hpcl_ctx *ctx, const char *logpath)
{
    FILE *f;
    size_t len = 0, cap = 0;
    char buf[65536];
    size_t n;

    *out = NULL;
    if (logpath == NULL || (f = fopen(logpath, "re")) == NULL) {
        if (logpath == NULL || errno == ENOENT)
            return HPCL_OK;
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "transfers log %s: %s",
                          logpath, strerror(errno));
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n + 1 > cap) {
            char *g = realloc(*out, cap = 2 * (len + n + 1));
            if (g == NULL) {
                fclose(f);
                free(*out);
                *out = NULL;
                return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
            }
            *out = g;
        }
        memcpy(*out + len, buf, n);
        len += n;
    }
    fclose(f);
    if (*out != NULL)
        (*out)[len] = '\0';
    return HPCL_OK;
}

/* Is there a V line for f at site? */
static int verified(const char *text, const char *site,
                    const struct hpcl__stage_file *f)
{
    char want[128];
    size_t wl;
    const char *p = text;

    snprintf(want, sizeof want, "V %s ", site);
    wl = strlen(want);
    while (p != NULL && *p != '\0') {
        const char *nl = strchr(p, '\n');
        char sha[HPCL__SHA256_HEX], key[64];
        unsigned long long size;
        long long mt;
        int used = 0;

        if (strncmp(p, want, wl) == 0 &&
            sscanf(p + wl, "%64s %llu %lld %63s %n", sha, &size, &mt, key,
                   &used) == 4 &&
            used > 0 && size == f->size && mt == f->mtime_ns) {
            size_t pl = nl != NULL ? (size_t)(nl - (p + wl + used))
                                   : strlen(p + wl + used);
            if (pl == strlen(f->path) &&
                strncmp(p + wl + used, f->path, pl) == 0)
                return 1;
        }
        p = nl != NULL ? nl + 1 : NULL;
    }
    return 0;
}

hpcl_rc hpcl__stage_verified_bytes(double *out, hpcl_ctx *ctx,
                                   const char *logpath, const char *site,
                                   const struct hpcl__stage_list *l)
{
    char *text;
    hpcl_rc rc = slurp(&text, ctx, logpath);

    *out = 0;
    if (rc != HPCL_OK || text == NULL)
        return rc;
    for (size_t i = 0; i < l->n; i++)
        if (verified(text, site, &l->f[i]))
            *out += (double)l->f[i].size;
    free(text);
    return HPCL_OK;
}

hpcl_rc hpcl__stage_verified_set(int *done, hpcl_ctx *ctx,
                                 const char *logpath, const char *site,
                                 const struct hpcl__stage_list *l)
{
    char *text;
    hpcl_rc rc = slurp(&text, ctx, logpath);

    for (size_t i = 0; i < l->n; i++)
        done[i] = rc == HPCL_OK && text != NULL &&
                  verified(text, site, &l->f[i]);
    free(text);
    return rc;
}

hpcl_rc hpcl__stage_note_outputs(hpcl_ctx *ctx, const char *logpath,
                                 const char *key, const char *site,
                                 char *const *outputs, size_t n)
{
    hpcl_rc rc = HPCL_OK;

    for (size_t i = 0; i < n && rc == HPCL_OK; i++)
        rc = hpcl__stage_log_line(ctx, logpath, "O %s %s %s\n", site, key,
                                  outputs[i]);
    return rc;
}

hpcl_rc hpcl__stage_noted_outputs(char ***out, size_t *n, char **site,
                                  hpcl_ctx *ctx, const char *logpath,
                                  const char *key)
{
    char *text, *p;
    hpcl_rc rc = slurp(&text, ctx, logpath);

    *out = NULL;
    *n = 0;
    *site = NULL;
    for (p = text; rc == HPCL_OK && p != NULL && *p != '\0';) {
        char *nl = strchr(p, '\n'), s[80], k[64];
        int used = 0;

        if (nl != NULL)
            *nl = '\0';
        if (sscanf(p, "O %79s %63s %n", s, k, &used) == 2 && used > 0 &&
            strcmp(k, key) == 0) {
            char **g = realloc(*out, (*n + 1) * sizeof *g);
            if (g == NULL || (g[*n] = strdup(p + used)) == NULL ||
                (*site == NULL && (*site = strdup(s)) == NULL)) {
                if (g != NULL)
                    *out = g;
                rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
                break;
            }
            *out = g;
            (*n)++;
        }
        p = nl != NULL ? nl + 1 : NULL;
    }
    free(text);
    return rc;
}

/* Is the file at path still as it was (size, modification time)? */
static int unchanged(const char *path, unsigned long long size, long long mt)
{
    struct stat st;

    return stat(path, &st) == 0 && (unsigned long long)st.st_size == size &&
           hpcl__stage_mtime_ns(&st) == mt;
}

int hpcl__stage_log_prunable(const char *line,
                             int (*pruned)(const char *key, void *arg),
                             void *arg)
{
    char site[80], sha[HPCL__SHA256_HEX], key[64];
    unsigned long long size;
    long long mt;
    int used = 0;

    if (sscanf(line, "V %79s %64s %llu %lld %63s %n", site, sha, &size, &mt,
               key, &used) == 5 && used > 0)
        return pruned(key, arg) && !unchanged(line + used, size, mt);
    if ((sscanf(line, "O %79s %63s %n", site, key, &used) == 2 ||
         sscanf(line, "B %79s %64s %63s %n", site, sha, key, &used) == 3) &&
        used > 0)
        return pruned(key, arg);
    return 0; /* damaged: kept, as the journal keeps its damaged lines */
}
