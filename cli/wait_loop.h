/* Waiting for jobs in the CLI (wait, submit --wait): one deadline for
 * all of them, state changes on stderr as they happen, and Ctrl-C
 * (SIGINT) or SIGTERM stopping the wait, never the jobs. */
#ifndef HPCL_CLI_WAIT_LOOP_H
#define HPCL_CLI_WAIT_LOOP_H

#include <stddef.h>

#include "cli.h"
#include "options.h"

/* --progress and --quiet, shared by wait and submit. */
enum { OPT_PROGRESS = OPT_CMD_FIRST + 48, OPT_QUIET };
extern const struct cli_opt cli_progress_opts[];

/* Whether to print progress: --progress (1) forces it, --quiet (-1)
 * silences it, else (0) only when stderr is a terminal. */
int cli_progress_on(int asked);

/* How a wait ended. */
enum cli_wait_end {
    CLI_WAIT_ENDED,       /* every job ended, or failed to refresh */
    CLI_WAIT_DEADLINE,    /* the deadline came first */
    CLI_WAIT_INTERRUPTED  /* SIGINT or SIGTERM: *signo says which */
};

/* Wait for jobs[0..n) of ctx (attached or submitted: they have been
 * refreshed once) until all have ended, or until deadline (a
 * CLOCK_MONOTONIC time in seconds, as cli_now(); 0: none), or a signal.
 * rc[i] is each job's last refresh.  A job whose site does not answer or
 * refuses the token is waited for still (as sbatch --wait), and that is
 * said on stderr, with cmd, when it starts and when it ends; a job whose
 * refresh fails otherwise is waited for no more.  With progress, each
 * job's state changes (and its array tasks') go to stderr: "sitea:42
 * PENDING (Resources)", "sitea:42 RUNNING on a1,a2", "sitea:42 COMPLETED
 * exit 0". */
enum cli_wait_end cli_wait_jobs(const char *cmd, hpcl_ctx *ctx,
                                hpcl_job **jobs, hpcl_rc *rc, size_t n,
                                double deadline, int progress, int *signo);

/* After CLI_WAIT_INTERRUPTED: say on stderr that each job not ended
 * keeps running, with the exact command that cancels it; returns the
 * exit status, 128 + signo as a shell's (130 for Ctrl-C). */
int cli_wait_interrupted(const char *cmd, hpcl_job **jobs, size_t n,
                         int signo);

/* The monotonic clock, in seconds. */
double cli_now(void);

#endif
