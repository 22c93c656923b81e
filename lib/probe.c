/*
 * hpcl_probe: how busy a site is for one job description, without
 * submitting it -- Slurm's will-run answer plus the partition's queue
 * length and idle nodes.
 */
#include "config.h"

#include <stdlib.h>

#include "job-internal.h"
#include "site.h"

/* The job's forced site, else home. */
static hpcl_rc probe_site(hpcl_job *job, struct hpcl_probe *probe)
{
    struct hpcl__jobdesc desc;
    struct hpcl__site *site;
    size_t i = hpcl__site_home(job->ctx);
    hpcl_rc rc;

    if ((job->site_name != NULL &&
         (rc = hpcl__site_index(job->ctx, job->site_name, &i)) != HPCL_OK) ||
        (rc = hpcl__site_open(job->ctx, i, &site)) != HPCL_OK ||
        (rc = hpcl__jobdesc_site(&desc, job, i, NULL)) != HPCL_OK)
        return rc;
    rc = site->ops->probe(site, job->ctx, &desc, probe);
    hpcl__site_mark(job->ctx, i, rc, hpcl_ctx_errmsg(job->ctx));
    hpcl__jobdesc_free(&desc);
    return rc;
}

hpcl_rc hpcl_job_probe(hpcl_probe **out, hpcl_job *job, unsigned flags)
{
    hpcl_probe *probe;
    hpcl_rc rc;

    if (out == NULL || job == NULL)
        return job != NULL ? hpcl__fail(job->ctx, HPCL_E_INVAL,
                                        "hpcl_job_probe: out is NULL")
                           : HPCL_E_INVAL;
    *out = NULL;
    hpcl__clear_error(job->ctx);
    if (flags != 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "hpcl_job_probe: flags "
                          "must be 0 (got %#x)", flags);
    if ((probe = calloc(1, sizeof *probe)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    if ((rc = probe_site(job, probe)) != HPCL_OK) {
        hpcl_probe_destroy(probe);
        return rc;
    }
    *out = probe;
    return HPCL_OK;
}

void hpcl_probe_destroy(hpcl_probe *probe)
{
    if (probe == NULL)
        return;
    free(probe->nodelist);
    free(probe->partition);
    free(probe);
}

time_t hpcl_probe_start_time(const hpcl_probe *probe)
{
    return probe != NULL ? probe->start_time : (time_t)0;
}

const char *hpcl_probe_nodelist(const hpcl_probe *probe)
{
    return probe != NULL && probe->nodelist != NULL ? probe->nodelist : "";
}

const char *hpcl_probe_partition(const hpcl_probe *probe)
{
    return probe != NULL && probe->partition != NULL ? probe->partition
                                                     : "";
}

unsigned hpcl_probe_pending_jobs(const hpcl_probe *probe)
{
    return probe != NULL ? probe->pending_jobs : 0;
}

unsigned hpcl_probe_idle_nodes(const hpcl_probe *probe)
{
    return probe != NULL ? probe->idle_nodes : 0;
}

unsigned hpcl_probe_total_nodes(const hpcl_probe *probe)
{
    return probe != NULL ? probe->total_nodes : 0;
}
