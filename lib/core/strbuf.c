/* A growing string; see strbuf.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "strbuf.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

void hpcl__advise_huge(void *p, size_t len)
{
    uintptr_t from = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t to = ((uintptr_t)p + len) & ~(HUGE_PAGE - 1);

    /* A hint: refused or without effect where huge pages are off. */
    if (len >= HPCL__HUGE_MIN && to > from)
        (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
}

int hpcl__buf_grow(struct hpcl__buf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 256;
    char *grown;

    while (cap < b->len + n)
        cap *= 2;
    if ((grown = realloc(b->s, cap)) == NULL) {
        b->oom = 1;
        return -1;
    }
    b->s = grown;
    b->cap = cap;
    return 0;
}

void hpcl__buf_uint(struct hpcl__buf *b, unsigned long long v)
{
    char digits[24];
    size_t i = sizeof digits;

    do
        digits[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    hpcl__buf_put(b, digits + i, sizeof digits - i);
}

void hpcl__buf_int(struct hpcl__buf *b, long long v)
{
    if (v < 0)
        hpcl__buf_put(b, "-", 1);
    hpcl__buf_uint(b, v < 0 ? 0ull - (unsigned long long)v
                            : (unsigned long long)v);
}
