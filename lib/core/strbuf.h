/*
 * A growing string, for text built piece by piece: a plan's per-task
 * strings and the placement and topology JSON.  Appending by hand, not
 * with open_memstream() and printf(): a memory stream callocs a BUFSIZ
 * buffer for each few-byte string, and a plan builds one per task.
 * A failed growth sets oom and later appends do nothing, so a caller
 * checks once, at the end.  Needs nothing else of the library, so the
 * tool may compile it in.
 */
#ifndef HPCL_CORE_STRBUF_H
#define HPCL_CORE_STRBUF_H

#include <stddef.h>
#include <string.h>

struct hpcl__buf {
    char *s; /* not NUL-terminated: append "" with its NUL for that */
    size_t len, cap;
    int oom;
};

/* Buffers of a long journal or listing (tens of megabytes) are backed
 * by huge pages where the system allows it: a 4 KiB page fault each was
 * a fifth of listing 100,000 jobs.  A hint, for len >= HPCL__HUGE_MIN;
 * only whole huge pages inside [p, p + len) are advised. */
#define HPCL__HUGE_MIN ((size_t)8 << 20)
void hpcl__advise_huge(void *p, size_t len);

/* Room for n more bytes: 0, or -1 (oom set) when out of memory. */
int hpcl__buf_grow(struct hpcl__buf *b, size_t n);

/* Inline: the plan appends a few bytes at a time, thousands of times. */
static inline void hpcl__buf_put(struct hpcl__buf *b, const char *s,
                                 size_t n)
{
    if (n == 0 || b->oom || (b->len + n > b->cap && hpcl__buf_grow(b, n)))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

static inline void hpcl__buf_str(struct hpcl__buf *b, const char *s)
{
    hpcl__buf_put(b, s, strlen(s));
}

/* Decimal integers. */
void hpcl__buf_uint(struct hpcl__buf *b, unsigned long long v);
void hpcl__buf_int(struct hpcl__buf *b, long long v);

#endif
