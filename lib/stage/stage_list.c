/*
 * A job's input files as they are at home: walked once, sizes and
 * modification times (the transfers log's key for "verified there
 * already"), and their SHA-256 by the same sha256sum that checks the
 * copies at the site, so both ends hash alike.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage/stage-internal.h"

long long hpcl__stage_mtime_ns(const struct stat *st)
{
    return (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/* Nobody stages more than this from one job by hand; a walk that finds
 * more has probably been given / or a home folder. */
#define MAX_FILES 100000

void hpcl__stage_list_free(struct hpcl__stage_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->f[i].path);
    free(l->f);
    memset(l, 0, sizeof *l);
}

static hpcl_rc add(struct hpcl__stage_list *l, hpcl_ctx *ctx,
                   const char *path, const struct stat *st)
{
    struct hpcl__stage_file *g;

    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->f[i].path, path) == 0)
            return HPCL_OK; /* named twice, or inside a named folder */
    if (l->n >= MAX_FILES)
        return hpcl__fail(ctx, HPCL_E_INVAL, "the inputs hold more than %d "
                          "files: name fewer, or pack them in an archive",
                          MAX_FILES);
    if ((g = realloc(l->f, (l->n + 1) * sizeof *g)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    l->f = g;
    g += l->n;
    memset(g, 0, sizeof *g);
    if ((g->path = strdup(path)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    g->size = (unsigned long long)st->st_size;
    g->mtime_ns = hpcl__stage_mtime_ns(st);
    l->bytes += (double)st->st_size;
    l->n++;
    return HPCL_OK;
}

static hpcl_rc walk(struct hpcl__stage_list *l, hpcl_ctx *ctx,
                    const char *path, int depth)
{
    struct stat st;
    struct dirent *de;
    DIR *dir;
    hpcl_rc rc = HPCL_OK;

    /* sha256sum's output escapes these; the log is one line per file. */
    if (strpbrk(path, "\n\\") != NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "input '%s': a newline or "
                          "backslash in a staged path is not supported",
                          path);
    if (lstat(path, &st) != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "input %s: %s", path,
                          strerror(errno));
    if (S_ISREG(st.st_mode))
        return add(l, ctx, path, &st);
    if (!S_ISDIR(st.st_mode))
        return hpcl__fail(ctx, HPCL_E_INVAL, "input %s is neither a "
                          "regular file nor a folder (links are not "
                          "followed): name its target", path);
    if (depth > 64)
        return hpcl__fail(ctx, HPCL_E_INVAL, "input %s: folders nested more "
                          "than 64 deep", path);
    if ((dir = opendir(path)) == NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "input %s: %s", path,
                          strerror(errno));
    while (rc == HPCL_OK && (de = readdir(dir)) != NULL) {
        char *sub;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
            rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
        else {
            rc = walk(l, ctx, sub, depth + 1);
            free(sub);
        }
    }
    closedir(dir);
    return rc;
}

hpcl_rc hpcl__stage_list_make(struct hpcl__stage_list *out, hpcl_ctx *ctx,
                              char *const *paths, size_t n)
{
    hpcl_rc rc = HPCL_OK;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n && rc == HPCL_OK; i++)
        rc = walk(out, ctx, paths[i], 0);
    if (rc != HPCL_OK)
        hpcl__stage_list_free(out);
    return rc;
}
