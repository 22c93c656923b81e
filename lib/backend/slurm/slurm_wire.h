/*
 * The wire between the libslurm driver in the library (slurm_proxy.c) and
 * its helper process (libexec/slurm_helper.c), which both compile this
 * module.  One frame is a 4-byte length in host order (both ends are the
 * same build on the same machine: the hello checks it) and that many
 * bytes: a 1-byte type, then fields.  Numbers are 4 or 8 bytes in host
 * order; a string is a 4-byte length counting its NUL (0: NULL), then its
 * bytes and the NUL, so that a reader points into the frame instead of
 * copying.
 *
 *   helper -> library, once:  HELLO  u32 version, str hpclaunch version,
 *                                    u32 rc, str message
 *   library -> helper:        SUBMIT desc | QUERY u32 id, str ref |
 *                             CANCEL u32 id, u32 task, str ref |
 *                             PROBE desc | FIND_KEY str key |
 *                             ACCT u32 id, u32 accounting, str key |
 *                             IDENT
 *   helper -> library:        REPLY  u32 rc, str message, u32 n logs of
 *                                    (u32 level, str line), then when rc
 *                                    is 0: SUBMIT/FIND_KEY u32 id; QUERY
 *                                    u32 n, n records; PROBE the probe;
 *                                    ACCT the accounting record; IDENT
 *                                    str the cluster's identity
 */
#ifndef HPCL_BACKEND_SLURM_WIRE_H
#define HPCL_BACKEND_SLURM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

/* The helper's end of the socketpair. */
#define HPCL__WIRE_FD 3

/* Bumped whenever a frame's layout changes. */
#define HPCL__WIRE_VERSION 2 /* 2: LIST carries the wanted ids */

/* No frame is larger: a corrupt length must not allocate gigabytes. */
#define HPCL__WIRE_MAX (64u << 20)

enum hpcl__wire_type {
    HPCL__W_SUBMIT = 1,
    HPCL__W_QUERY,
    HPCL__W_CANCEL,
    HPCL__W_PROBE,
    HPCL__W_FIND_KEY,
    HPCL__W_ACCT, /* lib/backend/slurm/slurm_acct.c */
    HPCL__W_IDENT, /* slurm_acct.c too */
    HPCL__W_LIST,  /* the wanted jobs (u32 count, ids), few requests */
    HPCL__W_HELLO = 0x40,
    HPCL__W_REPLY
};

/* A frame being built.  A failed allocation is remembered (failed) and
 * reported once, by hpcl__wire_end. */
struct hpcl__wbuf {
    unsigned char *data;
    size_t len;
    size_t cap;
    int failed;
};

/* A frame being read; bad is set by the first read past its end or of a
 * malformed string, and every later read then gives 0 or NULL. */
struct hpcl__rbuf {
    const unsigned char *p;
    size_t left;
    int bad;
};

/* Start a frame of type t (the length is filled in by hpcl__wire_end). */
void hpcl__wire_begin(struct hpcl__wbuf *b, enum hpcl__wire_type t);
void hpcl__wire_u32(struct hpcl__wbuf *b, uint32_t v);
void hpcl__wire_i64(struct hpcl__wbuf *b, int64_t v);
void hpcl__wire_str(struct hpcl__wbuf *b, const char *s);
/* A frame's tail built apart (a reply's results, written while libslurm's
 * answer is at hand), then appended to a frame. */
void hpcl__wire_begin_part(struct hpcl__wbuf *b);
void hpcl__wire_append(struct hpcl__wbuf *b, const struct hpcl__wbuf *part);
/* 0, or -1 when an allocation failed (then b is freed). */
int hpcl__wire_end(struct hpcl__wbuf *b);
void hpcl__wire_free(struct hpcl__wbuf *b);

/* Reading the payload of a frame (after its length). */
void hpcl__wire_reader(struct hpcl__rbuf *r, const void *data, size_t len);
uint32_t hpcl__wire_get_u32(struct hpcl__rbuf *r);
int64_t hpcl__wire_get_i64(struct hpcl__rbuf *r);
const char *hpcl__wire_get_str(struct hpcl__rbuf *r);

/* A job description.  get fills d with strings borrowed from the frame
 * and env/argv arrays it allocates: free them with
 * hpcl__wire_desc_release(d).  -1 when the frame is malformed or memory
 * runs out. */
void hpcl__wire_put_desc(struct hpcl__wbuf *b, const struct hpcl__jobdesc *d);
int hpcl__wire_get_desc(struct hpcl__rbuf *r, struct hpcl__jobdesc *d);
void hpcl__wire_desc_release(struct hpcl__jobdesc *d);

/* One job record; get borrows its strings from the frame. */
void hpcl__wire_put_rec(struct hpcl__wbuf *b, const struct hpcl__jobrec *rec);
void hpcl__wire_get_rec(struct hpcl__rbuf *r, struct hpcl__jobrec *rec);

/* Probe figures; get copies the strings (the probe owns them). -1 when
 * memory runs out. */
void hpcl__wire_put_probe(struct hpcl__wbuf *b, const struct hpcl_probe *p);
int hpcl__wire_get_probe(struct hpcl__rbuf *r, struct hpcl_probe *p);

/* What accounting holds of one job. */
void hpcl__wire_put_acct(struct hpcl__wbuf *b, const struct hpcl__acct *a);
void hpcl__wire_get_acct(struct hpcl__rbuf *r, struct hpcl__acct *a);

#endif
