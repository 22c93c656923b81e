/*
 * Pinning the calling process: bind it to one task's CPU set and set
 * that task's environment (hpcl_plan_apply), or do everything from the
 * launcher's environment (hpcl_pin_self).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo-internal.h"

/* Bind every thread of the process to the task's CPU set.  hwloc's
 * process binding reaches the threads that exist; threads created later
 * inherit it. */
static hpcl_rc bind_task(const hpcl_plan *plan, unsigned rank)
{
    const hpcl_topo *topo = plan->topo;
    const char *cpuset = plan->tasks[rank].cpuset;
    hwloc_bitmap_t set;
    hpcl_rc rc = HPCL_OK;

    if (!hwloc_topology_is_thissystem(topo->hw))
        return hpcl__fail(topo->ctx, HPCL_E_TOPOLOGY, "the plan is for "
                          "another machine's topology (XML or synthetic); "
                          "load this machine's to bind");
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

/* setenv() each "KEY=VALUE" of the task. */
static hpcl_rc set_env(const hpcl_plan *plan, unsigned rank)
{
    for (char **e = plan->tasks[rank].env; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        char *key = strndup(*e, (size_t)(eq - *e));
        int err = key == NULL ? ENOMEM : 0;

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
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "flags must be 0, not %#x",
                          flags);
    if (!plan->computed)
        return hpcl__fail(ctx, HPCL_E_INVAL, "the plan is not computed");
    if (local_rank >= plan->ntasks)
        return hpcl__fail(ctx, HPCL_E_INVAL, "local rank %u is not below "
                          "the plan's %u tasks", local_rank, plan->ntasks);
    if ((rc = bind_task(plan, local_rank)) != HPCL_OK)
        return rc;
    return set_env(plan, local_rank);
}

hpcl_rc hpcl_pin_self(hpcl_ctx *ctx, unsigned flags)
{
    hpcl_topo *topo = NULL;
    hpcl_plan *plan = NULL;
    unsigned rank, size;
    hpcl_rc rc;

    if (ctx == NULL)
        return HPCL_E_INVAL;
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "flags must be 0, not %#x",
                          flags);
    if ((rc = hpcl_local_rank(&rank, &size, ctx)) != HPCL_OK ||
        (rc = hpcl_topo_load(&topo, ctx, 0)) != HPCL_OK ||
        (rc = hpcl_plan_create(&plan, topo)) != HPCL_OK ||
        (rc = hpcl_plan_set_ntasks(plan, size)) != HPCL_OK ||
        (rc = hpcl_plan_set_from_env(plan, 0)) != HPCL_OK ||
        (rc = hpcl_plan_compute(plan)) != HPCL_OK)
        goto out;
    rc = hpcl_plan_apply(plan, rank, 0);
out:
    hpcl_plan_destroy(plan);
    hpcl_topo_destroy(topo);
    return rc;
}
