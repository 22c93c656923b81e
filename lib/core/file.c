/* Opening files named by users (site files, tokens, slurm.conf and its
 * includes, the journal) in one way: a FIFO or a device in place of the
 * file must not block the caller or be read. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"

int hpcl__open_regular(const char *path)
{
    /* O_NONBLOCK: opening a FIFO with no writer would wait forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    int flags;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -2;
    }
    /* A regular file: reads never block anyway; drop the flag so that
     * callers see ordinary semantics. */
    if ((flags = fcntl(fd, F_GETFL)) >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

static int fail_with(int fd, char *buf, int err)
{
    free(buf);
    if (fd >= 0)
        close(fd);
    errno = err;
    return -1;
}

int hpcl__read_regular(const char *path, size_t max, char **data,
                       size_t *len)
{
    int fd = hpcl__open_regular(path);
    struct stat st;
    size_t cap, n = 0;
    char *buf;

    *data = NULL;
    *len = 0;
    if (fd < 0)
        return fd;
    if (fstat(fd, &st) != 0)
        return fail_with(fd, NULL, errno);
    /* Refused before reading: a 10 GB file named by mistake costs a
     * stat, not 10 GB. */
    if ((unsigned long long)st.st_size > max)
        return fail_with(fd, NULL, EFBIG);
    /* One byte for the NUL, one to see a file that grew past max. */
    cap = (size_t)st.st_size + 2;
    if ((buf = malloc(cap)) == NULL)
        return fail_with(fd, NULL, ENOMEM);
    for (;;) {
        ssize_t r;

        if (n == cap - 1) { /* full: the file grew while read */
            size_t grown_cap = cap > max / 2 ? max + 2 : cap * 2;
            char *grown;

            if (n > max)
                return fail_with(fd, buf, EFBIG);
            if ((grown = realloc(buf, grown_cap)) == NULL)
                return fail_with(fd, buf, ENOMEM);
            buf = grown;
            cap = grown_cap;
        }
        r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail_with(fd, buf, errno);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max)
        return fail_with(fd, buf, EFBIG);
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int hpcl__write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            errno = EIO; /* a regular file never answers 0 for len > 0 */
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

int hpcl__tail_torn(int fd)
{
    struct stat st;
    char c;

    if (fstat(fd, &st) != 0)
        return -1;
    if (st.st_size == 0)
        return 0;
    if (pread(fd, &c, 1, st.st_size - 1) != 1)
        return -1;
    return c != '\n';
}

int hpcl__open_locked(const char *path, int flags, mode_t mode)
{
    for (;;) {
        struct stat held, named;
        int fd = open(path, flags | O_CLOEXEC, mode), err;

        if (fd < 0)
            return -1;
        while (flock(fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                err = errno;
                close(fd);
                errno = err;
                return -1;
            }
        if (fstat(fd, &held) != 0 || stat(path, &named) != 0 ||
            (held.st_ino == named.st_ino && held.st_dev == named.st_dev))
            return fd; /* the caller's next step reports what is wrong */
        /* Unlocked first: a forked child may share this open file. */
        flock(fd, LOCK_UN);
        close(fd);
    }
}
