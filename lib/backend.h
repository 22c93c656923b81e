/*
 * A site's driver: the operations every backend (libslurm, slurmrestd)
 * provides, so that job.c and the cross-site submission loop treat sites
 * alike.  Modelled on curl's vtls (struct Curl_ssl): one const table per
 * driver, chosen when the site is opened.
 */
#ifndef HPCL_BACKEND_H
#define HPCL_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "hpcl-internal.h"
#include "job-internal.h"
#include "sites.h"

/* Receives the records of one query; see struct hpcl__jobrec. */
typedef hpcl_rc (*hpcl__jobrec_fn)(void *arg,
                                   const struct hpcl__jobrec *recs,
                                   size_t n);

struct hpcl__site;

struct hpcl__backend_ops {
    const char *driver; /* "slurm" or "slurmrestd", for messages */

    /* Submit desc (desc->comment carries "hpcl-key=<key>").  *id is the
     * new job's id.  HPCL_E_AMBIGUOUS when the request may have reached
     * the site but no answer came back: the caller must then ask
     * find_key before anything else. */
    hpcl_rc (*submit)(struct hpcl__site *site, hpcl_ctx *ctx,
                      const struct hpcl__jobdesc *desc, uint32_t *id);

    /* Load job id (ref names it in messages); pass its records to fn. */
    hpcl_rc (*query)(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                     const char *ref, hpcl__jobrec_fn fn, void *arg);

    /* Cancel job id or one task of it (task != HPCL__NO_TASK); a job that
     * already ended is not an error. */
    hpcl_rc (*cancel)(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                      uint32_t task, const char *ref);

    /* Expected start and queue figures for desc, into probe. */
    hpcl_rc (*probe)(struct hpcl__site *site, hpcl_ctx *ctx,
                     const struct hpcl__jobdesc *desc,
                     struct hpcl_probe *probe);

    /* The job whose comment carries key: *id, or HPCL_E_NOJOB when the
     * site knows no such job. */
    hpcl_rc (*find_key)(struct hpcl__site *site, hpcl_ctx *ctx,
                        const char *key, uint32_t *id);

    /* Free the backend's private state (site->state). */
    void (*close)(struct hpcl__site *site);
};

/* An open site: its configuration, its driver and the driver's state. */
struct hpcl__site {
    const struct hpcl__site_conf *conf; /* borrowed from the sites table */
    const struct hpcl__backend_ops *ops;
    void *state;                        /* owned by ops */
};

/* The drivers.  Each open fills site->ops and site->state for site->conf
 * (site->conf is set by the caller). */
hpcl_rc hpcl__slurm_site_open(struct hpcl__site *site, hpcl_ctx *ctx);
hpcl_rc hpcl__rest_site_open(struct hpcl__site *site, hpcl_ctx *ctx);

#endif
