/*
 * Which cluster a journal entry's job went to (lib/submit/cluster_id.c):
 * a site's name is only a label in one site file, and two site files may
 * give it to two clusters.
 */
#ifndef HPCL_SUBMIT_CLUSTER_ID_H
#define HPCL_SUBMIT_CLUSTER_ID_H

#include <stddef.h>

#include "core/core.h"
#include "backend/backend.h"
#include "submit/journal.h"

/* The note of a SUBMITTED or ADOPTED record, "cluster=ID" plus text
 * (may be NULL), into out; "" plus text when the site cannot say which
 * cluster it is.  Leaves ctx's error message as it was. */
void hpcl__cluster_note(char *out, size_t len, hpcl_ctx *ctx,
                        struct hpcl__site *site, const char *text);

/* Whether entry e may be reconciled with site: HPCL_OK when e names no
 * cluster (older journals) or the site's; HPCL_E_INVAL ("other cluster")
 * or another error (the site cannot say) with the reason in why. */
hpcl_rc hpcl__cluster_check(hpcl_ctx *ctx, struct hpcl__site *site,
                            const struct hpcl__jentry *e, char *why,
                            size_t len);

#endif
