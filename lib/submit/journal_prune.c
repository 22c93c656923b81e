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
 *
 * The files beside it lose those jobs' lines first, in the same way and
 * each under its own lock, which their appenders take as they open them
 * (hpcl__open_locked): the requests file (requests.c decides which lines
 * are the jobs') and the transfers log (stage_log.c).  A crash in between
 * leaves the entries in the journal, and the next prune drops them.
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

#include "stage/stage.h"
#include "submit/journal.h"
#include "submit/requests.h"

static int settled(const struct hpcl__jentry *e)
{
    return e->state == HPCL__J_ENDED || e->state == HPCL__J_CANCELLED ||
           e->state == HPCL__J_FAILED;
}

/* The file at path, opened and locked exclusively (hpcl__open_locked:
 * another prune may have renamed a new file over it while we waited); -1
 * with errno, or -2: not a regular file of ours. */
static int open_locked(const char *path)
{
    int fd = hpcl__open_locked(path, O_RDWR | O_NOFOLLOW | O_NOCTTY, 0);
    struct stat st;

    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
                    st.st_uid != geteuid())) {
        close(fd);
        return -2;
    }
    return fd;
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

/* What goes: the settled entries older than before. */
struct prune {
    const struct hpcl__jsummary *s;
    long long before;
};

static int pruned(const char *key, void *arg)
{
    const struct prune *p = arg;
    const struct hpcl__jentry *e = hpcl__jsummary_get(p->s, key);

    return e != NULL && settled(e) && e->last < p->before;
}

/* The kept lines of data into out (*outlen). */
static void keep_lines(const struct prune *p, const char *data, size_t len,
                       char *out, size_t *outlen)
{
    char key[HPCL__KEY_LEN + 1];

    *outlen = 0;
    for (const char *line = data, *nl; line < data + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(data + len - line));
        if (nl == NULL)
            nl = data + len - 1; /* a torn tail: kept, as it was */
        if (hpcl__journal_line_key(line, (size_t)(nl - line), key) == 0 &&
            pruned(key, (void *)p))
            continue;
        memcpy(out + *outlen, line, (size_t)(nl - line) + 1);
        *outlen += (size_t)(nl - line) + 1;
    }
}

/* A temporary file beside path, for a new copy of it: its name into *tmp
 * (malloc'd), its descriptor into *fd. */
static hpcl_rc tmp_open(hpcl_ctx *ctx, const char *path, char **tmp,
                        int *fd)
{
    if (asprintf(tmp, "%s.prune-%ld", path, (long)getpid()) < 0) {
        *tmp = NULL;
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    unlink(*tmp); /* left by a prune of ours that died: pids are reused */
    *fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
               0600);
    if (*fd >= 0 && fchmod(*fd, 0600) == 0)
        return HPCL_OK;
    hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot create %s: %s", *tmp,
               strerror(errno));
    if (*fd >= 0) {
        close(*fd);
        unlink(*tmp);
    }
    free(*tmp);
    *tmp = NULL;
    *fd = -1;
    return HPCL_E_SYSTEM;
}

/* The copy written to fd (rc: whether that went well) synced and renamed
 * over path; else removed.  Closes fd, frees tmp. */
static hpcl_rc tmp_commit(hpcl_ctx *ctx, hpcl_rc rc, int fd, char *tmp,
                          const char *path)
{
    if (rc == HPCL_OK && fsync(fd) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", tmp,
                        strerror(errno));
    if (close(fd) != 0 && rc == HPCL_OK)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", tmp,
                        strerror(errno));
    if (rc == HPCL_OK && rename(tmp, path) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot rename %s to %s: %s",
                        tmp, path, strerror(errno));
    if (rc == HPCL_OK)
        hpcl__journal_sync_dir(path);
    else
        unlink(tmp);
    free(tmp);
    return rc;
}

/* out (len bytes) into path's place through a temporary file. */
static hpcl_rc replace(hpcl_ctx *ctx, const char *path, const char *out,
                       size_t len)
{
    char *tmp;
    int fd;
    hpcl_rc rc = tmp_open(ctx, path, &tmp, &fd);

    if (rc != HPCL_OK)
        return rc;
    if (hpcl__write_all(fd, out, len) != 0)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", tmp,
                        strerror(errno));
    return tmp_commit(ctx, rc, fd, tmp, path);
}

/* A stream of its own on the file open at fd (mode as fdopen's). */
static FILE *stream_of(int fd, const char *mode)
{
    int own = dup(fd);
    FILE *f = own >= 0 ? fdopen(own, mode) : NULL;

    if (f == NULL && own >= 0)
        close(own);
    return f;
}

/* The file beside the journal at path (what: its name in messages)
 * without the lines prunable() says go, read and written a line at a
 * time (the requests file holds every job's script), under its lock. */
static hpcl_rc prune_beside(hpcl_ctx *ctx, const char *what,
                            const char *path, const struct prune *p,
                            int (*prunable)(const char *line,
                                            int (*)(const char *, void *),
                                            void *))
{
    int fd = open_locked(path), out = -1;
    FILE *in = NULL, *copy = NULL;
    char *line = NULL, *tmp = NULL;
    size_t cap = 0, dropped = 0;
    ssize_t n;
    hpcl_rc rc;

    if (fd == -1 && errno == ENOENT)
        return HPCL_OK; /* none yet */
    if (fd < 0)
        return hpcl__fail(ctx, HPCL_E_SYSTEM, fd == -2 ? "%s %s is not a "
                          "regular file of yours: nothing pruned" : "cannot "
                          "open %s %s: %s", what, path, strerror(errno));
    if ((rc = tmp_open(ctx, path, &tmp, &out)) == HPCL_OK &&
        ((in = stream_of(fd, "r")) == NULL ||
         (copy = stream_of(out, "w")) == NULL))
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot prune %s %s: %s", what,
                        path, strerror(errno));
    while (rc == HPCL_OK && (n = getline(&line, &cap, in)) > 0) {
        int whole = line[n - 1] == '\n';

        line[n - whole] = '\0'; /* a torn tail is kept, as it was */
        if (whole && prunable(line, pruned, (void *)p)) {
            dropped++;
            continue;
        }
        line[n - whole] = '\n';
        if (fwrite(line, 1, (size_t)n, copy) != (size_t)n)
            rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", tmp,
                            strerror(errno));
    }
    if (rc == HPCL_OK && ferror(in))
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot read %s %s: %s", what,
                        path, strerror(errno));
    if (copy != NULL && fclose(copy) != 0 && rc == HPCL_OK)
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot write %s: %s", tmp,
                        strerror(errno));
    if (out >= 0) {
        if (rc == HPCL_OK && dropped == 0) { /* nothing to drop: as it is */
            close(out);
            unlink(tmp);
            free(tmp);
        } else {
            rc = tmp_commit(ctx, rc, out, tmp, path);
        }
    }
    if (in != NULL)
        fclose(in);
    free(line);
    flock(fd, LOCK_UN); /* after the rename; a forked child may share fd */
    close(fd);
    return rc;
}

/* The requests file and the transfers log beside the journal at path
 * without the lines of the jobs that go. */
static hpcl_rc prune_files_beside(hpcl_ctx *ctx, const char *path,
                                  const struct prune *p)
{
    char *requests = NULL, *transfers = NULL;
    hpcl_rc rc = hpcl__journal_requests_path(&requests, ctx, path);

    if (rc == HPCL_OK)
        rc = prune_beside(ctx, "requests file", requests, p,
                          hpcl__sidecar_prunable);
    if (rc == HPCL_OK &&
        (rc = hpcl__journal_transfers_path(&transfers, ctx, path)) == HPCL_OK)
        rc = prune_beside(ctx, "transfers log", transfers, p,
                          hpcl__stage_log_prunable);
    free(requests);
    free(transfers);
    return rc;
}

hpcl_rc hpcl__journal_prune(hpcl_ctx *ctx, const char *path,
                            long long before, size_t *dropped)
{
    struct hpcl__jsummary *s = NULL;
    struct prune p = {.before = before};
    char *data = NULL, *copy = NULL, *out = NULL;
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
    else if ((out = malloc(len + 1)) == NULL ||
             (copy = malloc(len + 1)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    else {
        memcpy(copy, data, len);
        rc = hpcl__journal_fold(&s, ctx, path, copy, len); /* takes copy */
    }
    p.s = s;
    for (size_t k = 0; rc == HPCL_OK && k < s->n; k++)
        *dropped += pruned(s->entry[k].key, &p);
    if (rc == HPCL_OK && *dropped > 0 &&
        (rc = prune_files_beside(ctx, path, &p)) == HPCL_OK) {
        keep_lines(&p, data, len, out, &outlen);
        rc = replace(ctx, path, out, outlen);
    }
    if (rc != HPCL_OK)
        *dropped = 0;
    flock(fd, LOCK_UN); /* after the rename; a forked child may share fd */
    close(fd);
    hpcl__jsummary_free(s);
    free(data);
    free(out);
    return rc;
}
