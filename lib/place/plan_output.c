/*
 * What a computed plan says about each task -- CPU set, NUMA nodes and
 * environment, built when a getter first asks -- and the plan as a table
 * for people (as JSON: plan_json.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "place/plan-internal.h"

/* set in hwloc list syntax ("0-3,8"), as hwloc_bitmap_list_asprintf()
 * writes a finite set: a run of two or more is "first-last". */
static void put_list(struct hpcl__buf *b, hwloc_const_bitmap_t set)
{
    int first = hwloc_bitmap_first(set);

    while (first >= 0) {
        int last = first, next;

        while ((next = hwloc_bitmap_next(set, last)) == last + 1)
            last = next;
        hpcl__buf_uint(b, (unsigned)first);
        if (last > first) {
            hpcl__buf_put(b, "-", 1);
            hpcl__buf_uint(b, (unsigned)last);
        }
        if (next >= 0)
            hpcl__buf_put(b, ",", 1);
        first = next;
    }
}

/* A task's description is built into one block: the pointer array of
 * hpcl__plan_task_desc(), then the strings.  Offsets are kept until the
 * end, since the block moves as it grows. */
#define DESC_SLOTS (HPCL__DESC_ENV + HPCL__ENV_MAX + 1)

struct desc {
    struct hpcl__buf b;
    size_t off[DESC_SLOTS];
    unsigned n;
};

/* Start the next string; desc_end() terminates it. */
static void desc_begin(struct desc *d)
{
    d->off[d->n++] = d->b.len;
}

static void desc_end(struct desc *d)
{
    hpcl__buf_put(&d->b, "", 1);
}

/* "KEY=VALUE" as the next string. */
static void desc_kv(struct desc *d, const char *key, const char *value)
{
    desc_begin(d);
    hpcl__buf_str(&d->b, key);
    hpcl__buf_put(&d->b, "=", 1);
    hpcl__buf_str(&d->b, value);
    desc_end(d);
}

/* The CPU set (every PU of the task's cores) and the NUMA nodes of their
 * domains, as the first two strings. */
static hpcl_rc desc_sets(struct desc *d, const hpcl_plan *plan,
                         const struct hpcl__task *task)
{
    const hpcl_topo *t = plan->topo;
    hwloc_bitmap_t cpus = hwloc_bitmap_alloc(), numa = hwloc_bitmap_alloc();

    for (unsigned k = 0; cpus && numa && k < task->ncores; k++) {
        const struct hpcl__core *c =
            &t->cores[plan->task_cores[task->core_first + k]];
        const struct hpcl__domain *dom = &t->doms[c->domain];

        for (unsigned j = 0; j < c->npus; j++)
            hwloc_bitmap_set(cpus, t->pus[c->pu_first + j]);
        for (unsigned j = 0; j < dom->nnuma; j++)
            hwloc_bitmap_set(numa, t->dom_numa[dom->numa_first + j]);
    }
    if (cpus != NULL && numa != NULL) {
        desc_begin(d);
        put_list(&d->b, cpus);
        desc_end(d);
        desc_begin(d);
        put_list(&d->b, numa);
        desc_end(d);
    }
    d->b.oom |= cpus == NULL || numa == NULL;
    hwloc_bitmap_free(cpus);
    hwloc_bitmap_free(numa);
    return d->b.oom ? HPCL_E_NOMEM : HPCL_OK;
}

/* OMP_PLACES: one place per thread, "{0},{1},{112}". */
static void desc_places(struct desc *d, const hpcl_plan *plan,
                        const struct hpcl__task *task)
{
    desc_begin(d);
    hpcl__buf_str(&d->b, "OMP_PLACES=");
    for (unsigned k = 0; k < plan->threads; k++) {
        hpcl__buf_str(&d->b, k ? ",{" : "{");
        hpcl__buf_uint(&d->b, plan->task_pus[task->pu_first + k]);
        hpcl__buf_put(&d->b, "}", 1);
    }
    desc_end(d);
}

/* The device variable listing the visible indexes of the task's GPUs
 * from one vendor ("CUDA_VISIBLE_DEVICES=0,1"), if it has any; CUDA
 * numbers devices fastest first unless told PCI order. */
static void desc_devices(struct desc *d, const hpcl_plan *plan,
                         const struct hpcl__task *task,
                         enum hpcl__vendor vendor, const char *name)
{
    const unsigned *gpus = &plan->task_gpus[task->gpu_first];
    int n = 0;

    for (unsigned k = 0; k < plan->gpus; k++) {
        const struct hpcl__dev *g = &plan->topo->gpus[gpus[k]];

        if (g->vendor != vendor)
            continue;
        if (n++ == 0 && vendor == HPCL__VENDOR_NVIDIA)
            desc_kv(d, "CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        if (n == 1) {
            desc_begin(d);
            hpcl__buf_str(&d->b, name);
        }
        hpcl__buf_str(&d->b, n == 1 ? "=" : ",");
        hpcl__buf_int(&d->b, g->visible);
    }
    if (n > 0)
        desc_end(d);
}

/* Entries in a comma-separated device list. */
static unsigned list_len(const char *list)
{
    unsigned n = 1;

    for (; *list != '\0'; list++)
        n += *list == ',';
    return n;
}

/* Task rank's share of the launcher's GPU list: all of it when the
 * launcher gave each task its own (srun per task), else entries
 * [rank * env_gpus, (rank + 1) * env_gpus). */
static void desc_launcher_gpus(struct desc *d, const hpcl_plan *plan,
                               unsigned rank)
{
    const char *p = plan->env_gpu_list;
    unsigned first = rank * plan->env_gpus, k = 0;

    if (list_len(p) == plan->env_gpus)
        first = 0;
    desc_begin(d);
    hpcl__buf_str(&d->b, plan->env_gpu_var);
    hpcl__buf_str(&d->b, "=");
    for (; *p != '\0' && k < first + plan->env_gpus; k++) {
        size_t len = strcspn(p, ",");
        if (k >= first) {
            if (k > first)
                hpcl__buf_str(&d->b, ",");
            hpcl__buf_put(&d->b, p, len);
        }
        p += len + (p[len] == ',');
    }
    desc_end(d);
}

hpcl_rc hpcl__plan_note_launcher_gpus(hpcl_plan *plan)
{
    unsigned have = list_len(plan->env_gpu_list);

    if (have != plan->env_gpus && have < plan->ntasks * plan->env_gpus)
        return hpcl__fail(plan->topo->ctx, HPCL_E_NOGPU, "no suitable GPU: "
                          "%s and the launcher's %s=%s lists %u, fewer "
                          "than %u tasks x %u GPUs",
                          plan->topo->gpu_why[0] ? plan->topo->gpu_why
                                                 : "hwloc shows no GPU on "
                                                   "this node",
                          plan->env_gpu_var, plan->env_gpu_list, have,
                          plan->ntasks, plan->env_gpus);
    if (hpcl__plan_note(plan, "%s: each task gets %u of the launcher's "
                        "%s=%s, placed without GPU locality",
                        plan->topo->gpu_why[0] ? plan->topo->gpu_why
                                               : "hwloc shows no GPU on "
                                                 "this node",
                        plan->env_gpus, plan->env_gpu_var,
                        plan->env_gpu_list) != HPCL_OK)
        return hpcl__fail(plan->topo->ctx, HPCL_E_NOMEM, "out of memory "
                          "describing the plan");
    return HPCL_OK;
}

/* The environment of one task: OpenMP, GPU device variables, UCX (at
 * most HPCL__ENV_MAX variables). */
static void desc_env(struct desc *d, const hpcl_plan *plan,
                     const struct hpcl__task *task)
{
    const struct hpcl__dev *nic =
        task->nic >= 0 ? &plan->topo->nics[task->nic] : NULL;

    desc_begin(d);
    hpcl__buf_str(&d->b, "OMP_NUM_THREADS=");
    hpcl__buf_uint(&d->b, plan->threads);
    desc_end(d);
    desc_places(d, plan, task);
    desc_kv(d, "OMP_PROC_BIND", "close");
    desc_devices(d, plan, task, HPCL__VENDOR_NVIDIA, "CUDA_VISIBLE_DEVICES");
    desc_devices(d, plan, task, HPCL__VENDOR_AMD, "ROCR_VISIBLE_DEVICES");
    desc_devices(d, plan, task, HPCL__VENDOR_INTEL, "ZE_AFFINITY_MASK");
    if (plan->env_gpus > 0)
        desc_launcher_gpus(d, plan, (unsigned)(task - plan->tasks));
    if (nic != NULL && nic->ucx[0] != '\0')
        desc_kv(d, "UCX_NET_DEVICES", nic->ucx);
}

/* Built on first use, not by hpcl_plan_compute(): most callers read one
 * task (hpcl_plan_apply) or none, and formatting every task's strings
 * was most of the time of a plan.  The tasks array is not part of the
 * const plan, so a getter may fill it in. */
char *const *hpcl__plan_task_desc(const hpcl_plan *plan, unsigned rank)
{
    static char *const no_slots[DESC_SLOTS];
    struct hpcl__task *task = &plan->tasks[rank];
    struct desc d = {.n = 0};
    char **slot;

    if (task->desc != NULL)
        return task->desc;
    /* Room for the pointers first, so that they are aligned. */
    hpcl__buf_put(&d.b, (const char *)no_slots, sizeof no_slots);
    if (desc_sets(&d, plan, task) == HPCL_OK)
        desc_env(&d, plan, task);
    if (d.b.oom) {
        free(d.b.s);
        hpcl__fail(plan->topo->ctx, HPCL_E_NOMEM, "out of memory describing "
                   "task %u of the plan", rank);
        return NULL;
    }
    slot = (char **)(void *)d.b.s;
    for (unsigned i = 0; i < d.n; i++)
        slot[i] = d.b.s + d.off[i];
    return task->desc = slot;
}

/* Notes for GPUs no device variable can name.  Notes are part of the
 * computed plan, so these are made by hpcl_plan_compute(). */
hpcl_rc hpcl__plan_note_vendors(hpcl_plan *plan)
{
    hpcl_rc rc = HPCL_OK;

    for (unsigned i = 0; i < plan->ntasks && rc == HPCL_OK; i++)
        for (unsigned k = 0; k < plan->gpus && rc == HPCL_OK; k++) {
            const struct hpcl__dev *g =
                &plan->topo->gpus[plan->task_gpus[plan->tasks[i].gpu_first
                                                  + k]];

            if (g->vendor == HPCL__VENDOR_UNKNOWN)
                rc = hpcl__plan_note(plan, "task %u: GPU %s (%s) has no "
                                     "vendor information; no device "
                                     "variable selects it", i, g->name,
                                     g->pci);
        }
    if (rc != HPCL_OK)
        return hpcl__fail(plan->topo->ctx, rc, "out of memory describing "
                          "the plan");
    return HPCL_OK;
}

/* Close a memory stream opened on *buf, returning its text (NULL on
 * failure).  *buf is only valid once the stream is closed. */
static char *stream_text(FILE *f, char **buf)
{
    if (fclose(f) != 0) {
        free(*buf);
        *buf = NULL;
    }
    return *buf;
}

hpcl_rc hpcl__plan_output_check(char **out, const hpcl_plan *plan,
                                unsigned flags)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || plan == NULL)
        return HPCL_E_INVAL;
    if (flags != 0)
        return hpcl__fail(plan->topo->ctx, HPCL_E_INVAL,
                          "flags must be 0, not %#x", flags);
    if (!plan->computed)
        return hpcl__fail(plan->topo->ctx, HPCL_E_INVAL,
                          "the plan is not computed");
    return HPCL_OK;
}

/* The table's cells for one task: rank, CPU set, PUs, NUMA, GPUs, the
 * indexes the task sees them by, NIC. */
enum { COL_RANK, COL_CPUSET, COL_PUS, COL_NUMA, COL_GPU, COL_VIS, COL_NIC,
       NCOL };

static hpcl_rc task_row(char *cell[NCOL], const hpcl_plan *plan,
                        unsigned rank)
{
    const struct hpcl__task *task = &plan->tasks[rank];
    char *const *desc = hpcl__plan_task_desc(plan, rank);
    hwloc_bitmap_t pus;
    size_t len = 0;
    FILE *f;

    if (desc == NULL || (pus = hwloc_bitmap_alloc()) == NULL)
        return HPCL_E_NOMEM;
    for (unsigned k = 0; k < plan->threads; k++)
        hwloc_bitmap_set(pus, plan->task_pus[task->pu_first + k]);
    if (hwloc_bitmap_list_asprintf(&cell[COL_PUS], pus) < 0)
        cell[COL_PUS] = NULL;
    hwloc_bitmap_free(pus);
    if ((f = open_memstream(&cell[COL_GPU], &len)) == NULL)
        return HPCL_E_NOMEM;
    for (unsigned k = 0; k < plan->gpus; k++) {
        const struct hpcl__dev *g =
            &plan->topo->gpus[plan->task_gpus[task->gpu_first + k]];
        fprintf(f, "%s%s (%s)", k ? ", " : "", g->name, g->pci);
    }
    if (plan->gpus == 0)
        fputc('-', f);
    cell[COL_GPU] = stream_text(f, &cell[COL_GPU]);
    if ((f = open_memstream(&cell[COL_VIS], &len)) == NULL)
        return HPCL_E_NOMEM;
    for (unsigned k = 0; k < plan->gpus; k++) {
        int v = plan->topo->gpus[plan->task_gpus[task->gpu_first + k]]
                    .visible;
        fprintf(f, v >= 0 ? "%s%d" : "%s-", k ? "," : "", v);
    }
    if (plan->gpus == 0)
        fputc('-', f);
    cell[COL_VIS] = stream_text(f, &cell[COL_VIS]);
    if ((cell[COL_RANK] = malloc(16)) != NULL)
        snprintf(cell[COL_RANK], 16, "%u", rank);
    cell[COL_CPUSET] = strdup(desc[HPCL__DESC_CPUSET]);
    cell[COL_NUMA] = strdup(desc[HPCL__DESC_NUMA]);
    cell[COL_NIC] = strdup(task->nic >= 0 ? plan->topo->nics[task->nic].name
                                          : "-");
    for (int c = 0; c < NCOL; c++)
        if (cell[c] == NULL)
            return HPCL_E_NOMEM;
    return HPCL_OK;
}

/* Print rows (header first) in aligned columns, then the notes. */
static void print_table(FILE *f, const hpcl_plan *plan, char **cells,
                        unsigned nrows)
{
    size_t width[NCOL] = {0};

    for (unsigned r = 0; r < nrows; r++)
        for (int c = 0; c < NCOL; c++)
            if (strlen(cells[r * NCOL + c]) > width[c])
                width[c] = strlen(cells[r * NCOL + c]);
    for (unsigned r = 0; r < nrows; r++)
        for (int c = 0; c < NCOL; c++)
            fprintf(f, "%-*s%s", c + 1 < NCOL ? (int)width[c] : 0,
                    cells[r * NCOL + c], c + 1 < NCOL ? "  " : "\n");
    for (unsigned i = 0; i < plan->nnotes; i++)
        fprintf(f, "note: %s\n", plan->notes[i]);
}

hpcl_rc hpcl_plan_to_table(char **out, const hpcl_plan *plan, unsigned flags)
{
    static const char *const head[NCOL] = {"RANK", "CPUSET", "PUS", "NUMA",
                                           "GPU", "VISIBLE", "NIC"};
    hpcl_rc rc = hpcl__plan_output_check(out, plan, flags);
    unsigned nrows = plan && rc == HPCL_OK ? plan->ntasks + 1 : 0;
    char **cells = calloc((size_t)nrows * NCOL + 1, sizeof *cells);
    size_t len = 0;
    FILE *f;

    if (rc == HPCL_OK && cells == NULL)
        rc = HPCL_E_NOMEM;
    for (int c = 0; c < NCOL && rc == HPCL_OK; c++)
        if ((cells[c] = strdup(head[c])) == NULL)
            rc = HPCL_E_NOMEM;
    for (unsigned i = 0; i + 1 < nrows && rc == HPCL_OK; i++)
        rc = task_row(&cells[(i + 1) * NCOL], plan, i);
    if (rc == HPCL_OK && (f = open_memstream(out, &len)) != NULL) {
        print_table(f, plan, cells, nrows);
        *out = stream_text(f, out);
    }
    if (rc == HPCL_OK && *out == NULL)
        rc = HPCL_E_NOMEM;
    for (size_t i = 0; cells != NULL && i < (size_t)nrows * NCOL; i++)
        free(cells[i]);
    free(cells);
    if (rc == HPCL_E_NOMEM)
        return hpcl__fail(plan->topo->ctx, rc, "out of memory writing the "
                          "plan as a table");
    return rc;
}
