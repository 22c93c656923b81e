/*
 * Version skew between the libslurm hpclaunch is built with and a site's
 * slurmctld.  Slurm's RPCs carry a protocol version (one per release:
 * 22.05 is 38 << 8, 24.11 is 42 << 8), and a libslurm and a controller
 * too many releases apart refuse each other's messages.  All the caller
 * then gets from libslurm is "Unspecified error" or a lost connection;
 * the reason is only in a line libslurm logs, which the library reads
 * from the helper's stderr (slurm_child.c) and classifies here.
 */
#ifndef HPCL_BACKEND_SLURM_SKEW_H
#define HPCL_BACKEND_SLURM_SKEW_H

#include "core/core.h"

/* A log line that reports a protocol mismatch and names no number. */
#define HPCL__SKEW_UNKNOWN 1u

/* What one line of libslurm's log says about skew: the protocol version
 * it names for the other side, HPCL__SKEW_UNKNOWN when it reports a
 * mismatch without one, 0 when it is about something else. */
unsigned hpcl__slurm_skew_proto(const char *line);

/* The Slurm release ("24.11") that speaks protocol version proto, NULL
 * when proto is none this table knows. */
const char *hpcl__slurm_proto_release(unsigned proto);

/* Fail ctx with HPCL_E_UNSUPPORTED: site's controller speaks proto (from
 * hpcl__slurm_skew_proto), this build's libslurm another release; names
 * both and the fixes.  said: libslurm's words, or NULL. */
hpcl_rc hpcl__slurm_skew_fail(hpcl_ctx *ctx, const char *site,
                              unsigned proto, const char *said);

/* Fail ctx with HPCL_E_SLURM: site's controller closed the connection
 * unanswered, twice (said: the call and its error), which an older
 * release than this build's libslurm does, and so does any controller
 * that cannot verify the request's credential; names both causes and
 * their fixes. */
hpcl_rc hpcl__slurm_closed_fail(hpcl_ctx *ctx, const char *site,
                                const char *said);

#endif
