/*
 * The sites of a context: the table read from the site file (lib/conf/sites.h)
 * and, for each site, its driver once opened (lib/backend/backend.h).  Sites are
 * opened lazily, on first use, so that a broken or unreachable site costs
 * nothing until a job needs it.
 */
#ifndef HPCL_SITE_H
#define HPCL_SITE_H

#include <stddef.h>

#include "backend/backend.h"
#include "core/core.h"
#include "conf/sites.h"

/* How long a site that failed to answer is not asked again, seconds. */
#define HPCL__SITE_DOWN_S 10.0

/* One site of a context: its driver and what we remember of it. */
struct hpcl__site_slot {
    struct hpcl__site site;   /* site.ops NULL until opened */
    double down_until;        /* CLOCK_MONOTONIC s; 0: not known down */
    hpcl_rc down_rc;          /* why, when down_until is set */
    char down_msg[HPCL_ERRMSG_MAX / 2];
    /* A probe of this site that a decision stopped waiting for
     * (lib/submit/choice.c): settle(arg) waits for it to end and frees
     * what it owns; called before the site is opened for anything else
     * and before it is closed, so that one thread at a time uses it. */
    void (*settle)(void *arg);
    void *settle_arg;
};

/* The context's sites, the built-in "local" when none were loaded. */
hpcl_rc hpcl__ctx_sites(hpcl_ctx *ctx, const struct hpcl__sites **out);

/* Make sites (owned) the context's table, closing what the old one had
 * opened. */
hpcl_rc hpcl__ctx_install_sites(hpcl_ctx *ctx, struct hpcl__sites *sites);

/* Index of the site called name, else HPCL_E_INVAL naming the sites. */
hpcl_rc hpcl__site_index(hpcl_ctx *ctx, const char *name, size_t *out);

/* Site i, opened (its driver ready); HPCL_E_UNSUPPORTED when its driver
 * is not in this build.  Waits first for a probe lent the site
 * (hpcl__site_lend). */
hpcl_rc hpcl__site_open(hpcl_ctx *ctx, size_t i, struct hpcl__site **out);

/* Lend opened site i to a thread still running on it: settle(arg) is
 * called once, by the next hpcl__site_open of site i or by the closing
 * of the context's sites, and must wait for that thread. */
void hpcl__site_lend(hpcl_ctx *ctx, size_t i, void (*settle)(void *arg),
                     void *arg);

/* The site's name, and whether it is the home site. */
const char *hpcl__site_name(const hpcl_ctx *ctx, size_t i);
size_t hpcl__site_home(const hpcl_ctx *ctx);

/* The home site's srun --mpi default (site file key mpi), or NULL. */
const char *hpcl__site_mpi(const hpcl_ctx *ctx);

/* Close every opened site (a new configuration); free them all. */
void hpcl__sites_close(hpcl_ctx *ctx);
void hpcl__ctx_sites_free(hpcl_ctx *ctx);

/* Known down: remember a failure to answer (rc UNREACHABLE or TIMEOUT),
 * or forget it after an answer; and ask whether site i is known down
 * (1, with why in msg). */
void hpcl__site_mark(hpcl_ctx *ctx, size_t i, hpcl_rc rc, const char *msg);
int hpcl__site_known_down(const hpcl_ctx *ctx, size_t i, const char **msg);


#endif
