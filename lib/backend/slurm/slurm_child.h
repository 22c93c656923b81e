/*
 * The helper process of one libslurm site (see slurm_lib.h): started,
 * asked with a deadline, stopped.  Used by slurm_proxy.c only; one per
 * site and context, used by one thread at a time.
 */
#ifndef HPCL_BACKEND_SLURM_CHILD_H
#define HPCL_BACKEND_SLURM_CHILD_H

#include "backend/slurm/slurm_wire.h"
#include "conf/sites.h"
#include "core/core.h"

/* Environment variable naming the helper program, for build trees and
 * tests; the installed one is in PKGLIBEXECDIR otherwise. */
#define HPCL__HELPER_ENV "HPCL_SLURM_HELPER"
#define HPCL__HELPER_NAME "hpclaunch-slurm"

/* How long the helper may take to load slurm.conf at most (libslurm
 * retries a missing Include file for a minute). */
#define HPCL__HELPER_START_S 5.0

struct hpcl__slurm_child;

/* A stopped helper for site (borrowed); NULL when memory runs out. */
struct hpcl__slurm_child *hpcl__child_new(const struct hpcl__site_conf *site);

/* Stop the helper (if running) and free c; NULL is accepted. */
void hpcl__child_free(struct hpcl__slurm_child *c);

/* 1 when the helper runs and waits for a request.  One that ended (or
 * said something unasked) is reaped here, so that it is started again. */
int hpcl__child_ready(struct hpcl__slurm_child *c, hpcl_ctx *ctx);

/* Start the helper on slurm.conf conf (absolute) and wait for its hello,
 * until end (hpcl__now() seconds) or HPCL__HELPER_START_S, whichever is
 * first.  HPCL_E_UNSUPPORTED when the helper program is missing,
 * HPCL_E_CONFIG when libslurm cannot load conf (its words quoted). */
hpcl_rc hpcl__child_start(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                          const char *conf, double end);

/* Send req (a finished frame, still the caller's) and wait for the reply
 * until end.  On HPCL_OK *reply (malloc'd, the caller frees it) holds the
 * reply's payload after its type, *len bytes.  No reply in time or a
 * helper that ends: the helper is stopped and the result is
 * HPCL_E_AMBIGUOUS when changes (the request may have been carried out),
 * else HPCL_E_TIMEOUT or HPCL_E_SLURM; what names the request. */
hpcl_rc hpcl__child_call(struct hpcl__slurm_child *c, hpcl_ctx *ctx,
                         const struct hpcl__wbuf *req, int changes,
                         const char *what, double end,
                         unsigned char **reply, size_t *len);

/* 1 when the last hpcl__child_call failed because the helper ended (it
 * may have died before the request reached it). */
int hpcl__child_ended(const struct hpcl__slurm_child *c);

/* libslurm's "error:" and "fatal:" lines logged during the last request
 * (or start), "; "-separated, the latest kept; "" when none. */
const char *hpcl__child_said(const struct hpcl__slurm_child *c);

/* The version mismatch libslurm logged during the last request: the
 * other side's protocol version or HPCL__SKEW_UNKNOWN (slurm_skew.h),
 * with *line the line that said so; 0 when none. */
unsigned hpcl__child_skew(const struct hpcl__slurm_child *c,
                          const char **line);

#endif
