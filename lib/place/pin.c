/*
 * Pinning the calling process: bind it to one task's CPU set and set
 * that task's environment (hpcl_plan_apply), or do everything from the
 * launcher's environment (hpcl_pin_self), unless `hpclaunch pin` did it
 * already (HPCL_PINNED).
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "place/pin_reexec.h"
#include "place/plan-internal.h"

/* Bind every thread of the process to the task's CPU set.  hwloc's
 * process binding reaches the threads that exist; threads created later
 * inherit it. */
static hpcl_rc bind_task(const hpcl_plan *plan, unsigned rank)
{
    const hpcl_topo *topo = plan->topo;
    const char *cpuset;
    hwloc_bitmap_t set;
    hpcl_rc rc = HPCL_OK;

    if (!hwloc_topology_is_thissystem(topo->hw))
        return hpcl__fail(topo->ctx, HPCL_E_TOPOLOGY, "the plan is for "
                          "another machine's topology (XML or synthetic); "
                          "load this machine's to bind");
    if ((cpuset = hpcl_plan_task_cpuset(plan, rank)) == NULL)
        return HPCL_E_NOMEM; /* the message is set */
    if ((set = hwloc_bitmap_alloc()) == NULL)
        return hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
    if (hwloc_bitmap_list_sscanf(set, cpuset) < 0)
        rc = hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
    else if (hwloc_set_cpubind(topo->hw, set, HWLOC_CPUBIND_PROCESS) < 0)
        rc = hpcl__fail(topo->ctx, HPCL_E_SYSTEM, "cannot bind task %u to "
                        "CPUs %s: %s", rank, cpuset, strerror(errno));
    hwloc_bitmap_free(set);
    return rc;
}

/* setenv() each "KEY=VALUE" of the task.  A task that keeps its
 * launcher's binding gets no OpenMP places: the planned ones lie outside
 * that binding, and the runtime binds inside the inherited one. */
static hpcl_rc set_env(const hpcl_plan *plan, unsigned rank, int keep)
{
    const char *const *env = hpcl_plan_task_env(plan, rank);

    if (env == NULL)
        return HPCL_E_NOMEM; /* the message is set */
    for (const char *const *e = env; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        char *key = strndup(*e, (size_t)(eq - *e));
        int err = key == NULL ? ENOMEM : 0;

        if (keep && key != NULL && (strcmp(key, "OMP_PLACES") == 0 ||
                                    strcmp(key, "OMP_PROC_BIND") == 0)) {
            free(key);
            continue;
        }
        if (key != NULL && setenv(key, eq + 1, 1) != 0)
            err = errno;
        free(key);
        if (err != 0)
            return hpcl__fail(plan->topo->ctx, HPCL_E_SYSTEM,
                              "cannot set %s: %s", *e, strerror(err));
    }
    return HPCL_OK;
}

hpcl_rc hpcl_plan_apply(const hpcl_plan *plan, unsigned local_rank,
                        unsigned flags)
{
    hpcl_ctx *ctx;
    hpcl_rc rc;

    if (plan == NULL)
        return HPCL_E_INVAL;
    ctx = plan->topo->ctx;
    if ((flags & ~HPCL_APPLY_KEEP_BINDING) != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "unknown flags %#x",
                          flags & ~HPCL_APPLY_KEEP_BINDING);
    if (!plan->computed)
        return hpcl__fail(ctx, HPCL_E_INVAL, "the plan is not computed");
    if (local_rank >= plan->ntasks)
        return hpcl__fail(ctx, HPCL_E_INVAL, "local rank %u is not below "
                          "the plan's %u tasks", local_rank, plan->ntasks);
    if (!(flags & HPCL_APPLY_KEEP_BINDING) &&
        (rc = bind_task(plan, local_rank)) != HPCL_OK)
        return rc;
    return set_env(plan, local_rank, (flags & HPCL_APPLY_KEEP_BINDING) != 0);
}

/* The calling thread's CPU affinity into set; -1 on failure.  The mask
 * grows until the kernel's fits (machines with more than 1024 CPUs). */
static int current_affinity(hwloc_bitmap_t set)
{
    for (int ncpus = 1024; ncpus <= 1 << 20; ncpus *= 2) {
        cpu_set_t *mask = CPU_ALLOC((size_t)ncpus);
        size_t size = CPU_ALLOC_SIZE((size_t)ncpus);
        int rc;

        if (mask == NULL)
            return -1;
        rc = sched_getaffinity(0, size, mask);
        if (rc == 0) {
            hwloc_bitmap_zero(set);
            for (int cpu = 0; cpu < ncpus; cpu++)
                if (CPU_ISSET_S((size_t)cpu, size, mask))
                    hwloc_bitmap_set(set, (unsigned)cpu);
        }
        CPU_FREE(mask);
        if (rc == 0 || errno != EINVAL)
            return rc;
    }
    return -1;
}

/* Whether `hpclaunch pin` bound this process already: HPCL_PINNED holds
 * the CPU set it applied, and the calling thread is still bound inside
 * it -- to all of it, or to the first OpenMP place, where an OpenMP
 * runtime binds the initial thread before main().  Planning again would
 * be wrong, not just slow: the topology this process sees is restricted
 * to its binding, so every task would plan for its own few cores. */
static int already_pinned(void)
{
    const char *pinned = getenv("HPCL_PINNED");
    hwloc_bitmap_t want, have;
    int inside = 0;

    if (pinned == NULL || *pinned == '\0')
        return 0;
    want = hwloc_bitmap_alloc();
    have = hwloc_bitmap_alloc();
    if (want != NULL && have != NULL &&
        hwloc_bitmap_list_sscanf(want, pinned) == 0 &&
        current_affinity(have) == 0)
        inside = !hwloc_bitmap_iszero(have) &&
                 hwloc_bitmap_isincluded(have, want);
    hwloc_bitmap_free(want);
    hwloc_bitmap_free(have);
    return inside;
}

hpcl_rc hpcl_pin_self(hpcl_ctx *ctx, unsigned flags)
{
    hpcl_topo *topo = NULL;
    hpcl_plan *plan = NULL;
    enum hpcl__reexec reexec;
    cpu_set_t before, after; /* the thread's binding around the apply */
    int have_before;
    unsigned rank, size;
    hpcl_rc rc;

    if (ctx == NULL)
        return HPCL_E_INVAL;
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "flags must be 0, not %#x",
                          flags);
    if (already_pinned())
        return HPCL_OK;
    if ((rc = hpcl__pin_reexec_mode(ctx, &reexec)) != HPCL_OK ||
        (rc = hpcl_local_rank(&rank, &size, ctx)) != HPCL_OK ||
        (rc = hpcl_topo_load(&topo, ctx, HPCL_TOPO_LAUNCHER_CPUS)) ||
        (rc = hpcl_topo_restrict_from_env(topo, 0)) != HPCL_OK ||
        (rc = hpcl_plan_create(&plan, topo)) != HPCL_OK ||
        (rc = hpcl_plan_set_ntasks(plan, size)) != HPCL_OK ||
        (rc = hpcl_plan_set_from_env(plan, 0)) != HPCL_OK ||
        (rc = hpcl_plan_compute(plan)) != HPCL_OK)
        goto out;
    have_before = sched_getaffinity(0, sizeof before, &before) == 0;
    rc = hpcl_plan_apply(plan, rank, 0);
    /* OpenMP from the first line of main: pin_reexec.c. */
    if (rc == HPCL_OK)
        rc = hpcl__pin_reexec(ctx, reexec, hpcl_plan_task_cpuset(plan, rank),
                              have_before &&
                                  sched_getaffinity(0, sizeof after,
                                                    &after) == 0 &&
                                  !CPU_EQUAL(&before, &after));
out:
    hpcl_plan_destroy(plan);
    hpcl_topo_destroy(topo);
    return rc;
}
