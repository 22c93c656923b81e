/*
 * Expected finish, cost and carbon per site, and the choice by the job's
 * objective under its deadline and budget (lib/submit/econ.c); staging
 * the job's files where it goes (lib/submit/stage_job.c).
 */
#ifndef HPCL_ECON_H
#define HPCL_ECON_H

#include "conf/sites.h"
#include "job/decision.h"
#include "job/job-internal.h"

/* Figures for every site that answered, then the choice: d->order and
 * the rule.  HPCL_E_NOBACKEND (with every site's reason) when no site
 * meets the deadline and the budget; HPCL_E_INVAL when the job lacks what
 * its intents need (a run time). */
hpcl_rc hpcl__econ_decide(hpcl_job *job, struct hpcl__decision *d,
                          const struct hpcl__sites *s);

/* The transfers log of ctx (malloc'd): the journal's path + ".transfers";
 * NULL (HPCL_OK) without a site file. */
hpcl_rc hpcl__stage_log_path(char **out, hpcl_ctx *ctx);

/* Before job goes to site i: its inputs copied and verified there, its
 * output folders made.  HPCL_OK at home, or when it stages nothing. */
hpcl_rc hpcl__stage_job(hpcl_job *job, size_t i);

#endif
