/*
 * hpcl_plan_to_json(): a computed plan in the format hpclaunch(7)
 * documents (keys are only ever added).  Written with the library's own
 * writer (core/json_write.h), not jansson: `hpclaunch plan --json` and a
 * program that places and pins load hwloc alone.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_write.h"
#include "place/plan-internal.h"

/* [1, 3] from the list string "1,3". */
static void list_array(struct hpcl__jw *w, const char *list)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    int id;

    hpcl__jw_open(w, '[');
    if (set != NULL && hwloc_bitmap_list_sscanf(set, list) == 0) {
        hwloc_bitmap_foreach_begin(id, set)
            hpcl__jw_int(w, id);
        hwloc_bitmap_foreach_end();
    }
    hpcl__jw_close(w, ']');
    w->b.oom |= set == NULL;
    hwloc_bitmap_free(set);
}

static void task_gpus(struct hpcl__jw *w, const hpcl_plan *plan,
                      const struct hpcl__task *task)
{
    hpcl__jw_open(w, '[');
    for (unsigned k = 0; k < plan->gpus; k++) {
        const struct hpcl__dev *g =
            &plan->topo->gpus[plan->task_gpus[task->gpu_first + k]];

        hpcl__jw_open(w, '{');
        hpcl__jw_kstr(w, "pci", g->pci);
        hpcl__jw_kstr(w, "name", g->name);
        hpcl__jw_key(w, "visible_index"); /* null: not visible */
        if (g->visible >= 0)
            hpcl__jw_int(w, g->visible);
        else
            hpcl__jw_null(w);
        hpcl__jw_kstr(w, "vendor", hpcl__vendor_name(g->vendor));
        hpcl__jw_close(w, '}');
    }
    hpcl__jw_close(w, ']');
}

/* The task's environment as an object.  Its variables are distinct (a
 * launcher's GPU list is used only when hwloc shows no GPU). */
static void task_env(struct hpcl__jw *w, char *const *desc)
{
    hpcl__jw_open(w, '{');
    for (char *const *e = desc + HPCL__DESC_ENV; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');

        hpcl__jw_keyn(w, *e, (size_t)(eq - *e));
        hpcl__jw_str(w, eq + 1);
    }
    hpcl__jw_close(w, '}');
}

static void task_json(struct hpcl__jw *w, const hpcl_plan *plan,
                      unsigned rank, char *const *desc)
{
    const struct hpcl__task *task = &plan->tasks[rank];

    hpcl__jw_open(w, '{');
    hpcl__jw_kint(w, "local_rank", (int)rank);
    hpcl__jw_kstr(w, "cpuset", desc[HPCL__DESC_CPUSET]);
    hpcl__jw_key(w, "pus");
    hpcl__jw_open(w, '[');
    for (unsigned k = 0; k < plan->threads; k++)
        hpcl__jw_int(w, plan->task_pus[task->pu_first + k]);
    hpcl__jw_close(w, ']');
    hpcl__jw_kint(w, "cores", (int)task->ncores);
    hpcl__jw_key(w, "numa");
    list_array(w, desc[HPCL__DESC_NUMA]);
    hpcl__jw_key(w, "gpus");
    task_gpus(w, plan, task);
    hpcl__jw_kstr(w, "nic", task->nic >= 0
                                ? plan->topo->nics[task->nic].name
                                : NULL);
    hpcl__jw_key(w, "env");
    task_env(w, desc);
    hpcl__jw_close(w, '}');
}

/* What the plan was asked for, and the node it was made on. */
static void inputs_json(struct hpcl__jw *w, const hpcl_plan *plan)
{
    const unsigned *n = plan->topo->count;

    hpcl__jw_key(w, "inputs");
    hpcl__jw_open(w, '{');
    hpcl__jw_kint(w, "ntasks", (int)plan->ntasks);
    hpcl__jw_kint(w, "threads_per_task", (int)plan->threads);
    hpcl__jw_kint(w, "gpus_per_task", (int)plan->gpus);
    hpcl__jw_kint(w, "smt", (int)plan->smt);
    hpcl__jw_kstr(w, "distribution",
                  plan->dist == HPCL_DIST_COMPACT ? "compact" : "spread");
    hpcl__jw_key(w, "oversubscribe");
    hpcl__jw_bool(w, plan->oversubscribe);
    hpcl__jw_close(w, '}');
    hpcl__jw_key(w, "topology");
    hpcl__jw_open(w, '{');
    hpcl__jw_kint(w, "packages", (int)n[HPCL_TOPO_PACKAGE]);
    hpcl__jw_kint(w, "numa_nodes", (int)n[HPCL_TOPO_NUMA]);
    hpcl__jw_kint(w, "cores", (int)n[HPCL_TOPO_CORE]);
    hpcl__jw_kint(w, "pus", (int)n[HPCL_TOPO_PU]);
    /* counts are *_count: "gpus" is a list of GPUs everywhere */
    hpcl__jw_kint(w, "gpu_count", (int)n[HPCL_TOPO_GPU]);
    hpcl__jw_kint(w, "node_gpu_count", (int)plan->topo->node_gpus);
    hpcl__jw_kint(w, "nic_count", (int)n[HPCL_TOPO_NIC]);
    hpcl__jw_close(w, '}');
}

/* The whole plan; 0, or -1 when a task's description could not be
 * built (out of memory). */
static int plan_json(struct hpcl__jw *w, const hpcl_plan *plan)
{
    hpcl__jw_open(w, '{');
    /* 2: topology counts renamed gpu_count, node_gpu_count, nic_count
     * (1: gpus, node_gpus, nics), as hpclaunch-json(7) names them */
    hpcl__jw_kint(w, "version", 2);
    inputs_json(w, plan);
    hpcl__jw_key(w, "tasks");
    hpcl__jw_open(w, '[');
    for (unsigned i = 0; i < plan->ntasks; i++) {
        char *const *desc = hpcl__plan_task_desc(plan, i);

        if (desc == NULL)
            return -1;
        task_json(w, plan, i, desc);
    }
    hpcl__jw_close(w, ']');
    hpcl__jw_key(w, "notes");
    hpcl__jw_open(w, '[');
    for (unsigned i = 0; i < plan->nnotes; i++)
        hpcl__jw_str(w, plan->notes[i]);
    hpcl__jw_close(w, ']');
    hpcl__jw_close(w, '}');
    return 0;
}

hpcl_rc hpcl_plan_to_json(char **out, const hpcl_plan *plan, unsigned flags)
{
    hpcl_rc rc = hpcl__plan_output_check(out, plan, flags);
    struct hpcl__jw w;

    if (rc != HPCL_OK)
        return rc;
    hpcl__jw_init(&w, 2);
    w.b.oom |= plan_json(&w, plan) != 0;
    if ((*out = hpcl__jw_finish(&w)) == NULL)
        return hpcl__fail(plan->topo->ctx, HPCL_E_NOMEM,
                          "out of memory writing the plan as JSON");
    return HPCL_OK;
}
