/*
 * Pinning: apply one task's part of a plan to the calling process (CPU
 * binding and environment variables), find the task's local rank from
 * the launcher's environment, or do it all in one call.
 */
#ifndef HPCLAUNCH_PIN_H
#define HPCLAUNCH_PIN_H

#include <hpclaunch/common.h>
#include <hpclaunch/ctx.h>
#include <hpclaunch/plan.h>

#ifdef __cplusplus
extern "C" {
#endif

/* hpcl_plan_apply() flag: keep the binding the launcher gave the
 * process; set the task's variables but OMP_PLACES and OMP_PROC_BIND. */
#define HPCL_APPLY_KEEP_BINDING 0x1u

/* Bind the calling process (all its threads, and those it creates
 * later) to the CPU set of task local_rank, replacing any binding it
 * had, and setenv() that task's variables (hpcl_plan_task_env).  The
 * plan must be computed from this machine's topology.  flags: 0 or
 * HPCL_APPLY_KEEP_BINDING. */
HPCL_API hpcl_rc hpcl_plan_apply(const hpcl_plan *plan, unsigned local_rank,
                                 unsigned flags);

/* This process's rank among the tasks of its node, and their number,
 * from the launcher's environment: Open MPI, PMIx, MPICH/Hydra, then
 * Slurm (SLURM_LOCALID with SLURM_STEP_TASKS_PER_NODE,
 * SLURM_NTASKS_PER_NODE or SLURM_TASKS_PER_NODE).  HPCL_E_CONFIG when no
 * launcher set them. */
HPCL_API hpcl_rc hpcl_local_rank(unsigned *rank, unsigned *size,
                                 hpcl_ctx *ctx);

/* All of it: local rank and size from the launcher, this machine's
 * topology over the CPUs the launcher may use (HPCL_TOPO_LAUNCHER_CPUS)
 * and the GPUs of the step (hpcl_topo_restrict_from_env), a plan with
 * ntasks = size and the other inputs from the environment
 * (hpcl_plan_set_from_env), then hpcl_plan_apply -- unless
 * `hpclaunch pin` did it (HPCL_PINNED holds the binding): then nothing.
 * flags must be 0. */
HPCL_API hpcl_rc hpcl_pin_self(hpcl_ctx *ctx, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
