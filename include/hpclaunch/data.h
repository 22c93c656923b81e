/*
 * Data, price and carbon in the choice of a site (hpclaunch.conf(5),
 * ECONOMICS AND DATA): the files a job reads and writes, its deadline and
 * budget, and what the decision optimises.  See hpcl_job_set_input(3).
 */
#ifndef HPCLAUNCH_DATA_H
#define HPCLAUNCH_DATA_H

#include <stddef.h>

#include <hpclaunch/common.h>
#include <hpclaunch/job.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the decision minimises among the sites that meet the deadline and
 * the budget. */
typedef enum {
    HPCL_PREFER_START = 0, /* expected start (stage-in included); the
                            * home site while within max_wait */
    HPCL_PREFER_FINISH,    /* stage-in + wait + run time + stage-out */
    HPCL_PREFER_COST,      /* resources x run time x the site's prices */
    HPCL_PREFER_CARBON     /* energy x the site's carbon intensity */
} hpcl_prefer;

/* The files or folders the job reads (n paths, copied; relative ones are
 * taken from the current directory).  At a site other than home they are
 * copied to its data endpoint and verified before the job is submitted.
 * n 0 clears the list. */
HPCL_API hpcl_rc hpcl_job_set_input(hpcl_job *job, size_t n,
                                    const char *const *paths);

/* The files or folders the job writes that come home, verified, after it
 * ends (hpcl_job_fetch).  n 0 clears the list. */
HPCL_API hpcl_rc hpcl_job_set_output_back(hpcl_job *job, size_t n,
                                          const char *const *paths);

/* The job must be expected to finish (outputs home) by when (unix time);
 * 0: no deadline. */
HPCL_API hpcl_rc hpcl_job_set_deadline(hpcl_job *job, long long when);

/* The job's expected cost must not exceed amount (in the site file's
 * currency); negative: no budget. */
HPCL_API hpcl_rc hpcl_job_set_budget(hpcl_job *job, double amount);

/* What the decision minimises (default HPCL_PREFER_START). */
HPCL_API hpcl_rc hpcl_job_set_prefer(hpcl_job *job, hpcl_prefer prefer);

/* Bring the job's output-back files home from the site it ran at,
 * verified by SHA-256; the job must have ended.  flags must be 0. */
HPCL_API hpcl_rc hpcl_job_fetch(hpcl_job *job, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
