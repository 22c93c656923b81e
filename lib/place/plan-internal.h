/*
 * Private to the placement layer (lib/place/): the body of hpcl_plan and
 * what its files share.  Placement sees the topology through
 * topo/topo-internal.h and nothing above it.
 */
#ifndef HPCL_PLAN_INTERNAL_H
#define HPCL_PLAN_INTERNAL_H

#include "core/core.h"
#include "topo/topo-internal.h"

/* Most variables a task's environment holds (plan_output.c). */
#define HPCL__ENV_MAX 8

/* The strings of a task's description (hpcl__plan_task_desc): its CPU
 * set, its NUMA nodes, then its environment, NULL-terminated. */
enum { HPCL__DESC_CPUSET, HPCL__DESC_NUMA, HPCL__DESC_ENV };

/* One task of a computed plan. */
struct hpcl__task {
    unsigned home;       /* domain the task is anchored in */
    unsigned core_first; /* in hpcl_plan.task_cores */
    unsigned ncores;
    unsigned pu_first;   /* in hpcl_plan.task_pus */
    unsigned gpu_first;  /* in hpcl_plan.task_gpus (gpus_per_task each) */
    int nic;
    char **desc;         /* NULL until a getter asks; one malloc block */
    unsigned key;        /* first GPU (topology index), 0 without GPU */
    unsigned seq;        /* order of choice, to sort deterministically */
    unsigned got;        /* PUs placed so far */
};

struct hpcl_plan {
    hpcl_topo *topo;
    /* inputs */
    unsigned ntasks, threads, gpus, smt;
    hpcl_distribution dist;
    int oversubscribe;
    /* GPUs the launcher gave that hwloc does not show (no PCI data on the
     * node): each task gets env_gpus entries of env_gpu_list, the value
     * of the variable env_gpu_var (hpcl_plan_set_from_env). */
    unsigned env_gpus;
    const char *env_gpu_var;   /* static */
    char *env_gpu_list;
    /* results, valid when computed */
    int computed;
    struct hpcl__task *tasks;
    unsigned *task_cores;
    unsigned *task_pus;
    unsigned *task_gpus;
    char **notes;        /* NULL-terminated */
    unsigned nnotes;
};

/* plan_place.c: the placement itself, into an emptied plan. */
hpcl_rc hpcl__plan_place(hpcl_plan *plan);

/* plan_output.c: notes for GPUs that no device variable can select,
 * after placement. */
hpcl_rc hpcl__plan_note_vendors(hpcl_plan *plan);

/* plan_output.c: check the launcher's GPU list (env_gpus) against the
 * tasks and note where their GPUs come from, after placement. */
hpcl_rc hpcl__plan_note_launcher_gpus(hpcl_plan *plan);

/* plan_output.c: the strings of task rank (see HPCL__DESC_CPUSET), built
 * on first use and kept in the task until the plan is cleared; NULL, with
 * the context's message set, when out of memory.  A plan is used by one
 * thread at a time, so filling this through a const plan needs no lock.
 * The plan must be computed and rank below ntasks. */
char *const *hpcl__plan_task_desc(const hpcl_plan *plan, unsigned rank);

/* plan_output.c: check the arguments every output function takes
 * (hpcl_plan_to_json, hpcl_plan_to_table); *out is NULL after it. */
hpcl_rc hpcl__plan_output_check(char **out, const hpcl_plan *plan,
                                unsigned flags);

/* plan_results.c: append a formatted note to the plan. */
hpcl_rc hpcl__plan_note(hpcl_plan *plan, const char *fmt, ...)
    HPCL_PRINTF(2, 3);

/* plan_results.c: free the results of a plan and mark it not computed. */
void hpcl__plan_clear(hpcl_plan *plan);

#endif
