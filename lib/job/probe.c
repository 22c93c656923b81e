/*
 * hpcl_probe: how busy a site is for one job description, without
 * submitting it -- Slurm's will-run answer plus the partition's queue
 * length and idle nodes.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "job/decision.h"
#include "job/job-internal.h"
#include "registry/registry.h"

/*
 * What counts as a start estimate, for every probe (hpcl_job_probe and the
 * choice of a site).  Slurm's will-run answer is not always one: for a held
 * job, and for a few seconds after any submission, slurmctld 22.05 answers a
 * start decades away (2058; the year 4706 was seen too, and
 * sbatch --test-only prints the same), and a driver that got no time at all
 * leaves 0.  Such an answer says nothing about the queue, so it must not
 * read as a site saturated for decades.  A real estimate lies within a
 * year: Slurm plans even a job with no time limit to end a year after it
 * starts, so a job queued behind one is due by then; a day's margin covers
 * the time between its answer and ours.
 */
#define START_HORIZON_S (366L * 24 * 60 * 60)

/* Slack between an answer and "now" before a later start counts. */
#define START_SLACK_S 5

/*
 * Also no estimate: a start later than now while the partition has idle
 * nodes enough for the job.  slurmctld answers will-run by playing the
 * pending jobs it has not scheduled yet (reason None or Priority, seconds
 * after they were submitted) one after another on one node, so ten quick
 * submissions to an idle site give starts 1, 2, ... 10 minutes away
 * (measured on the dev cluster).  Jobs that can run do start within
 * seconds, so idle nodes and a later start contradict each other; a site
 * whose nodes are held back for queued jobs may be misread as unknown,
 * which keeps the job home rather than sending it away.
 */
static int start_is_estimate(time_t start, time_t now,
                             const struct hpcl__jobdesc *desc,
                             const struct hpcl_probe *probe)
{
    unsigned need = desc->min_nodes > 0 ? desc->min_nodes : 1;

    if (start <= 0 || start - now > START_HORIZON_S)
        return 0;
    return start - now <= START_SLACK_S || probe->idle_nodes < need;
}

hpcl_rc hpcl__probe_at(struct hpcl__site *site, hpcl_ctx *ctx,
                       const struct hpcl__jobdesc *desc,
                       struct hpcl_probe *probe)
{
    /* Asked about a held job, Slurm gives no estimate (years away, or
     * minutes that nothing in the queue explains): the probe asks when the
     * job would start once released, which is what the choice of a site
     * needs.  A shallow copy: desc keeps what it owns. */
    struct hpcl__jobdesc released = *desc;
    time_t asked = time(NULL), answered;
    hpcl_rc rc;

    released.hold = 0;
    rc = site->ops->probe(site, ctx, &released, probe);
    answered = time(NULL);
    /* A start "now" as the site saw it at some point of the probe (the
     * REST estimate takes its now after its reads) is now as the caller
     * asked: the probe's own duration is no wait at the site. */
    if (rc == HPCL_OK && probe->start_time > asked &&
        probe->start_time <= answered)
        probe->start_time = asked;
    if (rc == HPCL_OK &&
        !start_is_estimate(probe->start_time, answered, desc, probe))
        probe->start_time = 0; /* unknown */
    return rc;
}

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
    rc = hpcl__probe_at(site, job->ctx, &desc, probe);
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
    free(probe->api_version);
    free(probe->slurm_release);
    free(probe);
}

/* 0: no estimate (see start_is_estimate). */
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

const char *hpcl_probe_api_version(const hpcl_probe *probe)
{
    return probe != NULL && probe->api_version != NULL ? probe->api_version
                                                       : "";
}

const char *hpcl_probe_slurm_release(const hpcl_probe *probe)
{
    return probe != NULL && probe->slurm_release != NULL
               ? probe->slurm_release
               : "";
}
