/*
 * hpcl_probe: how loaded a site's queue is for one job description --
 * when the job would start (Slurm's will-run answer), how many jobs are
 * pending in its partition and how many nodes there are idle.
 */
#ifndef HPCLAUNCH_PROBE_H
#define HPCLAUNCH_PROBE_H

#include <time.h>
#include <hpclaunch/common.h>
#include <hpclaunch/job.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hpcl_probe hpcl_probe;

/* Probe the queue for job (which is not submitted).  flags must be 0.
 * Free *out with hpcl_probe_destroy(). */
HPCL_API hpcl_rc hpcl_job_probe(hpcl_probe **out, hpcl_job *job,
                                unsigned flags);

/* Free a probe.  NULL is accepted. */
HPCL_API void hpcl_probe_destroy(hpcl_probe *probe);

/* Expected start time of the job (may be earlier than now: at once);
 * 0 when unknown: the site answered with no estimate, which does not mean
 * it is saturated. */
HPCL_API time_t hpcl_probe_start_time(const hpcl_probe *probe);

/* Nodes the job would start on (borrowed, Slurm hostlist syntax). */
HPCL_API const char *hpcl_probe_nodelist(const hpcl_probe *probe);

/* Partition the answer is for (borrowed). */
HPCL_API const char *hpcl_probe_partition(const hpcl_probe *probe);

/* Pending jobs in that partition, idle and total nodes in it. */
HPCL_API unsigned hpcl_probe_pending_jobs(const hpcl_probe *probe);
HPCL_API unsigned hpcl_probe_idle_nodes(const hpcl_probe *probe);
HPCL_API unsigned hpcl_probe_total_nodes(const hpcl_probe *probe);

/* The slurmrestd API version used with the site ("v0.0.42") and the
 * Slurm release it runs ("24.11.5"), both borrowed; "" when unknown (a
 * libslurm site, or a site that did not say). */
HPCL_API const char *hpcl_probe_api_version(const hpcl_probe *probe);
HPCL_API const char *hpcl_probe_slurm_release(const hpcl_probe *probe);

#ifdef __cplusplus
}
#endif

#endif
