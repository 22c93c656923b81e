/*
 * hpcl_plan: where each task of a node runs.  Describe the tasks with the
 * typed setters (tasks, threads per task, GPUs per task, hardware threads
 * per core, distribution), call hpcl_plan_compute(), then read each task's
 * CPU set, one PU per thread, GPUs, NIC, NUMA nodes and environment.
 *
 * Rules: a task with GPUs gets cores local to them (the nearest others,
 * with a note, when too few are free); tasks never share a core unless
 * oversubscription is allowed; tasks, GPUs and cores are balanced across
 * NUMA nodes; the same input gives the same plan.  A plan that cannot be
 * met fails with HPCL_E_PLAN or HPCL_E_NOGPU and hpcl_ctx_errmsg() says
 * what does not fit and what would.
 *
 * Tasks are numbered by local rank, 0 to ntasks - 1.  Getters return
 * borrowed data valid until the plan is changed, recomputed or destroyed;
 * before a successful hpcl_plan_compute() they return NULL, -1 or 0.  A
 * task's strings are built on first use and kept in the plan, so a plan,
 * getters included, is used by one thread at a time.
 */
#ifndef HPCLAUNCH_PLAN_H
#define HPCLAUNCH_PLAN_H

#include <hpclaunch/common.h>
#include <hpclaunch/topo.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hpcl_plan hpcl_plan;

/* How tasks are laid out over packages and NUMA nodes. */
typedef enum hpcl_distribution {
    HPCL_DIST_SPREAD = 0, /* balance tasks across packages, NUMA nodes */
    HPCL_DIST_COMPACT = 1 /* fill one NUMA node before the next */
} hpcl_distribution;

/* A plan for topo (1 task, 1 thread, no GPU, 1 thread per core, spread).
 * topo must outlive the plan.  Free with hpcl_plan_destroy(). */
HPCL_API hpcl_rc hpcl_plan_create(hpcl_plan **out, hpcl_topo *topo);

/* Free a plan.  NULL is accepted. */
HPCL_API void hpcl_plan_destroy(hpcl_plan *plan);

/* Inputs.  ntasks, threads >= 1.  smt is the number of hardware threads
 * of a core to use (0: all of them).  oversubscribe non-zero lets tasks
 * share cores and GPUs when there are too few. */
HPCL_API hpcl_rc hpcl_plan_set_ntasks(hpcl_plan *plan, unsigned ntasks);
HPCL_API hpcl_rc hpcl_plan_set_threads_per_task(hpcl_plan *plan,
                                                unsigned threads);
HPCL_API hpcl_rc hpcl_plan_set_gpus_per_task(hpcl_plan *plan, unsigned gpus);
HPCL_API hpcl_rc hpcl_plan_set_smt(hpcl_plan *plan, unsigned smt);
HPCL_API hpcl_rc hpcl_plan_set_distribution(hpcl_plan *plan,
                                            hpcl_distribution dist);
HPCL_API hpcl_rc hpcl_plan_set_oversubscribe(hpcl_plan *plan,
                                             int oversubscribe);

/* Set the inputs from the environment: HPCL_THREADS_PER_TASK (else
 * OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK), HPCL_GPUS_PER_TASK (else
 * SLURM_GPUS_PER_TASK), HPCL_SMT, HPCL_DISTRIBUTION ("spread" or
 * "compact") and HPCL_OVERSUBSCRIBE; unset ones are left alone.  flags
 * must be 0. */
HPCL_API hpcl_rc hpcl_plan_set_from_env(hpcl_plan *plan, unsigned flags);

/* Compute the placement. */
HPCL_API hpcl_rc hpcl_plan_compute(hpcl_plan *plan);

/* Number of tasks of the computed plan (0 before). */
HPCL_API unsigned hpcl_plan_ntasks(const hpcl_plan *plan);

/* Task rank's CPU set: every PU of its cores, hwloc list syntax. */
HPCL_API const char *hpcl_plan_task_cpuset(const hpcl_plan *plan,
                                           unsigned rank);

/* Task rank's PUs, one per thread (OS indexes), *n of them. */
HPCL_API const unsigned *hpcl_plan_task_pus(const hpcl_plan *plan,
                                            unsigned rank, unsigned *n);

/* Task rank's NUMA nodes (OS indexes, hwloc list syntax). */
HPCL_API const char *hpcl_plan_task_numa(const hpcl_plan *plan,
                                         unsigned rank);

/* Task rank's GPUs: *n topology GPU indexes (see hpcl_topo_gpu_name). */
HPCL_API const unsigned *hpcl_plan_task_gpus(const hpcl_plan *plan,
                                             unsigned rank, unsigned *n);

/* Task rank's NIC as a topology NIC index, -1 for none. */
HPCL_API int hpcl_plan_task_nic(const hpcl_plan *plan, unsigned rank);

/* Task rank's environment: a NULL-terminated array of "KEY=VALUE"
 * (OMP_NUM_THREADS, OMP_PLACES, OMP_PROC_BIND, the GPU device variables,
 * UCX_NET_DEVICES). */
HPCL_API const char *const *hpcl_plan_task_env(const hpcl_plan *plan,
                                               unsigned rank);

/* Remarks about the computed plan (a NULL-terminated array, maybe empty):
 * cores taken away from a GPU's NUMA node, shared cores, GPUs without a
 * device variable... */
HPCL_API const char *const *hpcl_plan_notes(const hpcl_plan *plan);

/* The plan as JSON (see hpclaunch(7)) or as a table for people, in *out;
 * free() it.  flags must be 0. */
HPCL_API hpcl_rc hpcl_plan_to_json(char **out, const hpcl_plan *plan,
                                   unsigned flags);
HPCL_API hpcl_rc hpcl_plan_to_table(char **out, const hpcl_plan *plan,
                                    unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
