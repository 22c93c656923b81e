/*
 * A job's files where it goes: staged in before the submit at a site other
 * than home (lib/submit/submit.c calls this before the journal's INTENT,
 * so a crash while copying leaves no entry to settle, only verified
 * copies in the transfers log that the rerun skips), and brought back
 * after it ends (hpcl_job_fetch).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"
#include "stage/stage.h"
#include "submit/econ.h"

hpcl_rc hpcl__stage_job(hpcl_job *job, size_t i)
{
    const struct hpcl__intent *in = &job->intent;
    const struct hpcl__sites *s = job->ctx->sites;
    struct hpcl__stage_list l;
    char *log = NULL;
    hpcl_rc rc;

    if (s == NULL || i == s->home || in->ninputs + in->noutputs == 0)
        return HPCL_OK;
    if ((rc = hpcl__stage_list_make(&l, job->ctx, in->inputs,
                                    in->ninputs)) != HPCL_OK)
        return rc;
    if ((rc = hpcl__stage_log_path(&log, job->ctx)) == HPCL_OK)
        rc = hpcl__stage_in(job->ctx, log, job->key, s->site[i].name,
                            &s->site[i], &l, in->outputs, in->noutputs);
    if (rc == HPCL_OK)
        hpcl__log(job->ctx, HPCL_LOG_INFO, "staged %zu file%s (%.0f bytes) "
                  "to %s, verified", l.n, l.n == 1 ? "" : "s", l.bytes,
                  s->site[i].name);
    hpcl__stage_list_free(&l);
    free(log);
    return rc;
}

hpcl_rc hpcl_job_fetch(hpcl_job *job, unsigned flags)
{
    const struct hpcl__sites *s;
    char **outs = NULL, *site = NULL, *log = NULL;
    size_t n = 0;
    hpcl_rc rc;

    if (job == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(job->ctx);
    if (flags != 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "hpcl_job_fetch: flags "
                          "must be 0");
    if (job->id == 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "the job was not "
                          "submitted or attached: nothing to fetch");
    s = job->ctx->sites;
    if (s == NULL || job->site == s->home)
        return HPCL_OK; /* it ran where its files are */
    if ((rc = hpcl__stage_log_path(&log, job->ctx)) != HPCL_OK)
        return rc;
    /* Another process submitted it: the outputs it noted. */
    if ((rc = hpcl__stage_noted_outputs(&outs, &n, &site, job->ctx, log,
                                        job->key)) == HPCL_OK) {
        if (n == 0 && job->intent.noutputs == 0)
            rc = hpcl__fail(job->ctx, HPCL_E_INVAL, "job %s has no "
                            "output-back paths (--output-back) in the "
                            "transfers log %s", job->ref, log);
        else
            rc = hpcl__stage_out(job->ctx, log, job->key,
                                 s->site[job->site].name,
                                 &s->site[job->site],
                                 n > 0 ? outs : job->intent.outputs,
                                 n > 0 ? n : job->intent.noutputs);
    }
    for (size_t k = 0; k < n; k++)
        free(outs[k]);
    free(outs);
    free(site);
    free(log);
    return rc;
}
