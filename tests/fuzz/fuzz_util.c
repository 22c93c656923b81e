/* Helpers of the fuzz harnesses: see fuzz_util.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort(); /* the fuzzer's own limits decide sizes, not malloc */
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int fuzz_file(char *path, size_t len, const uint8_t *data, size_t size)
{
    int fd = memfd_create("hpcl-fuzz", MFD_CLOEXEC);
    size_t off = 0;

    if (fd < 0)
        return -1;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

static void quiet(hpcl_log_level level, const char *msg, void *arg)
{
    (void)level;
    (void)msg;
    (void)arg;
}

hpcl_ctx *fuzz_ctx(void)
{
    hpcl_ctx *ctx = NULL;

    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK)
        abort();
    hpcl_ctx_set_log(ctx, quiet, NULL);
    return ctx;
}
