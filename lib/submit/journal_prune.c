/*
 * Compaction of the journal (hpclaunch jobs --prune AGE).  The journal is
 * append-only and grows by a few lines per job for ever; an entry that is
 * settled (ENDED, CANCELLED, FAILED) tells nothing the next listing needs
 * once its owner has seen it.  The file is rewritten whole: the kept
 * lines, byte for byte, into a temporary file beside it (0600, synced),
 * renamed over it, all under the journal's exclusive lock, so that a
 * crash leaves either the old file or the new one.  An appender blocked
 * on the old file's lock finds on waking that the path names another
 * file and reopens it (journal.c, locked_write): no entry is lost.
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

#include "submit/journal.h"

static int settled(const struct hpcl__jentry *e)
{
    return e->state == HPCL__J_ENDED || e->state == HPCL__J_CANCELLED ||
           e->state == HPCL__J_FAILED;
}

/* The file at path, opened and locked exclusively; -1 with errno, or -2:
 * not a regular file of ours.  Retried when another prune renamed a new
 * file over it while we waited. */
static int open_locked(const char *path)
{
    for (;;) {
        struct stat a, b;
        int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

        if (fd < 0)
            return -1;
        if (fstat(fd, &a) != 0 || !S_ISREG(a.st_mode) ||
            a.st_uid != geteuid()) {
            close(fd);
            return -2;
        }
        while (flock(fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                close(fd);
                return -1;
            }
        if (stat(path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev)
            return fd;
        flock(fd, LOCK_UN);
        close(fd);
    }
}

static int read_fd(int fd, char **data, size_t *len)
{
    struct stat st;
    size_t got = 0;

    if (fstat(fd, &st) != 0)
        return -1;
    if ((*data = malloc((size_t)st.st_size + 1)) == NULL)
        return -1;
    while (got < (size_t)st.st_size) {
        ssize_t r = pread(fd, *data + got, (size_t)st.st_size - got,
                          (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* shrunk under us: what was read */
        got += (size_t)r;
    }
    *len = got;
    return 0;
}

/* The kept lines of data into out (*outlen); *dropped the entries gone. */
static hpcl_rc keep_lines(hpcl_ctx *ctx, const char *path, const char *data,
                          size_t len, long long before, char *out,
                          size_t *outlen, size_t *dropped)
{
    struct hpcl__jsummary *s = NULL;
    char *copy = malloc(len + 1), key[HPCL__KEY_LEN + 1];
    hpcl_rc rc;

    *outlen = 0;
    *dropped = 0;
    if (copy == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    memcpy(copy, data, len);
    rc = hpcl__journal_fold(&s, ctx, path, copy, len); /* takes copy */
    if (rc != HPCL_OK)
        return rc;
    for (size_t k = 0; k < s->n; k++)
        *dropped += settled(&s->entry[k]) && s->entry[k].last < before;
    for (const char *line = data, *nl; line < data + len; line = nl + 1) {
        const struct hpcl__jentry *e;

        nl = memchr(line, '\n', (size_t)(data + len - line));
        if (nl == NULL)
            nl = data + len - 1; /* a torn tail: kept, as it was */
        if (hpcl__journal_line_key(line, (size_t)(nl - line), key) == 0 &&
            (e = hpcl__jsummary_get(s, key)) != NULL && settled(e) &&
            e->last < before)
            continue;
        memcpy(out + *outlen, line, (size_t)(nl - line) + 1);
        *outlen += (size_t)(nl - line) + 1;
    }
    hpcl__jsummary_free(s);
    return HPCL_OK;
}

/* out (len bytes) into path's place through a temporary file. */
static hpcl_rc replace(hpcl_ctx *ctx, const char *path, const char *out,
                       size_t len)
{
    char *tmp = NULL;
    hpcl_rc rc = HPCL_OK;
    int fd;

    if (asprintf(&tmp, "%s.prune-%ld", path, (long)getpid()) < 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    unlink(tmp); /* left by a prune of ours that died: pids are reused */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
              0600);
    if (fd < 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot create %s: %s", tmp,
                        strerror(errno));
    else if (fchmod(fd, 0600) != 0 || hpcl__write_all(fd, out, len) != 0 ||
             fsync(fd) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", tmp,
                        strerror(errno));
    if (fd >= 0 && close(fd) != 0 && rc == HPCL_OK)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", tmp,
                        strerror(errno));
    if (rc == HPCL_OK && rename(tmp, path) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot rename %s to %s: %s",
                        tmp, path, strerror(errno));
    if (rc == HPCL_OK)
        hpcl__journal_sync_dir(path);
    else if (fd >= 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

hpcl_rc hpcl__journal_prune(hpcl_ctx *ctx, const char *path,
                            long long before, size_t *dropped)
{
    char *data = NULL, *out = NULL;
    size_t len = 0, outlen = 0;
    hpcl_rc rc;
    int fd;

    *dropped = 0;
    if ((fd = open_locked(path)) == -1 && errno == ENOENT)
        return HPCL_OK; /* no journal: nothing to prune */
    if (fd == -2)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "journal %s is not a regular "
                          "file of yours: not pruned", path);
    if (fd < 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot open journal %s: %s",
                          path, strerror(errno));
    if (read_fd(fd, &data, &len) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot read journal %s: %s",
                        path, strerror(errno));
    else if ((out = malloc(len + 1)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    else
        rc = keep_lines(ctx, path, data, len, before, out, &outlen,
                        dropped);
    if (rc == HPCL_OK && *dropped > 0)
        rc = replace(ctx, path, out, outlen);
    if (rc != HPCL_OK)
        *dropped = 0;
    flock(fd, LOCK_UN); /* after the rename; a forked child may share fd */
    close(fd);
    free(data);
    free(out);
    return rc;
}
