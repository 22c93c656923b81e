/*
 * The requests file: what each submitted job's request was, kept beside
 * the journal (DIR/requests, DIR the journal's folder, one JSON line per
 * attempt) so that a job lost by its site can be resubmitted on request
 * (hpclaunch jobs --resubmit).  Written before the INTENT, not synced: a
 * request lost in a crash only means that job cannot be resubmitted,
 * which is then said.
 */
#ifndef HPCL_SIDECAR_H
#define HPCL_SIDECAR_H

#include "job/job-internal.h"
#include "conf/sites.h"

/* Store desc (as sent to site) under key. */
hpcl_rc hpcl__sidecar_save(hpcl_ctx *ctx, const char *key, const char *site,
                           const struct hpcl__jobdesc *desc);

/* Load the request stored under key into desc (free it with
 * hpcl__jobdesc_free) and its site's name into site. */
hpcl_rc hpcl__sidecar_load(hpcl_ctx *ctx, const char *key,
                           char site[HPCL__SITE_NAME_MAX + 1],
                           struct hpcl__jobdesc *desc);

/* Whether a line of the requests file (NUL-terminated) may go when the
 * jobs for which pruned(key, arg) is 1 leave the journal: every request
 * in it is one of theirs.  A line without a key stays. */
int hpcl__sidecar_prunable(const char *line,
                           int (*pruned)(const char *key, void *arg),
                           void *arg);

#endif
