/*
 * A job's intents (hpcl_job_set_input(3) and the rest): the files it reads
 * and brings back, its deadline and budget, and what the decision
 * minimises.  Kept on the job; read by the decision (lib/submit/econ.c),
 * staging (lib/submit/stage_job.c) and the description for a site
 * (staged paths named under the site's data root).
 */
#ifndef HPCL_INTENT_H
#define HPCL_INTENT_H

#include <stddef.h>
#include <time.h>

#include <stdlib.h>

#include "core/core.h" /* <hpclaunch.h>: hpcl_prefer */

struct hpcl__site_conf;

struct hpcl__intent {
    char **inputs;     /* absolute, no trailing slash */
    size_t ninputs;
    char **outputs;    /* the same */
    size_t noutputs;
    time_t deadline;   /* 0: none */
    double budget;     /* < 0: none */
    hpcl_prefer prefer;
};

/* Free what in owns (the struct itself is the job's).  Inline: job.c
 * frees a job's intents, and intent.c's setters use job.c. */
static inline void hpcl__intent_free(struct hpcl__intent *in)
{
    for (size_t i = 0; i < in->ninputs; i++)
        free(in->inputs[i]);
    for (size_t i = 0; i < in->noutputs; i++)
        free(in->outputs[i]);
    free(in->inputs);
    free(in->outputs);
    in->inputs = in->outputs = NULL;
    in->ninputs = in->noutputs = 0;
}

/* Whether the job asks for anything beyond today's rule (inputs, outputs,
 * a deadline, a budget or an objective other than start). */
int hpcl__intent_any(const struct hpcl__intent *in);

/* The name at site c of the home path p when p is, or lies under, one of
 * the job's inputs or outputs and the site has a data endpoint: the data
 * root followed by p (malloc'd, in *out); else *out is NULL. */
hpcl_rc hpcl__intent_site_path(char **out, hpcl_ctx *ctx,
                               const struct hpcl__intent *in,
                               const struct hpcl__site_conf *c,
                               const char *p);

#endif
