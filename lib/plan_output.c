/*
 * What a computed plan says about each task -- CPU set, NUMA nodes and
 * environment -- and the plan as JSON (the format hpclaunch(7) documents;
 * keys are only ever added) or as a table for people.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "topo-internal.h"

/* Every PU of the task's cores, and the NUMA nodes of their domains. */
static hpcl_rc task_sets(const hpcl_plan *plan, struct hpcl__task *task,
                         hwloc_bitmap_t cpus, hwloc_bitmap_t numa)
{
    const hpcl_topo *t = plan->topo;

    hwloc_bitmap_zero(cpus);
    hwloc_bitmap_zero(numa);
    for (unsigned k = 0; k < task->ncores; k++) {
        const struct hpcl__core *c =
            &t->cores[plan->task_cores[task->core_first + k]];
        const struct hpcl__domain *d = &t->doms[c->domain];

        for (unsigned j = 0; j < c->npus; j++)
            hwloc_bitmap_set(cpus, t->pus[c->pu_first + j]);
        for (unsigned j = 0; j < d->nnuma; j++)
            hwloc_bitmap_set(numa, t->dom_numa[d->numa_first + j]);
    }
    if (hwloc_bitmap_list_asprintf(&task->cpuset, cpus) < 0 ||
        hwloc_bitmap_list_asprintf(&task->numa, numa) < 0)
        return HPCL_E_NOMEM;
    return HPCL_OK;
}

/* "KEY=VALUE", malloc'ed. */
static char *kv(const char *key, const char *value)
{
    size_t k = strlen(key), v = strlen(value);
    char *s = malloc(k + v + 2);

    if (s != NULL) {
        memcpy(s, key, k);
        s[k] = '=';
        memcpy(s + k + 1, value, v + 1);
    }
    return s;
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

/* The device variable listing the visible indexes of the task's GPUs
 * from one vendor ("CUDA_VISIBLE_DEVICES=0,1"); *var stays NULL when it
 * has none. */
static hpcl_rc device_var(char **var, const hpcl_plan *plan,
                          const struct hpcl__task *task,
                          enum hpcl__vendor vendor, const char *name)
{
    const unsigned *gpus = &plan->task_gpus[task->gpu_first];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = NULL;
    int n = 0;

    *var = NULL;
    for (unsigned k = 0; k < plan->gpus; k++) {
        const struct hpcl__dev *g = &plan->topo->gpus[gpus[k]];

        if (g->vendor != vendor)
            continue;
        if (f == NULL && (f = open_memstream(&buf, &len)) == NULL)
            return HPCL_E_NOMEM;
        fprintf(f, "%s%d", n++ ? "," : "", g->visible);
    }
    if (f == NULL)
        return HPCL_OK;
    if ((buf = stream_text(f, &buf)) == NULL)
        return HPCL_E_NOMEM;
    *var = kv(name, buf);
    free(buf);
    return *var != NULL ? HPCL_OK : HPCL_E_NOMEM;
}

/* OMP_PLACES: one place per thread, "{0},{1},{112}". */
static char *omp_places(const hpcl_plan *plan, const struct hpcl__task *task)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL)
        return NULL;
    fputs("OMP_PLACES=", f);
    for (unsigned k = 0; k < plan->threads; k++)
        fprintf(f, "%s{%u}", k ? "," : "",
                plan->task_pus[task->pu_first + k]);
    return stream_text(f, &buf);
}

/* The environment of one task: OpenMP, GPU device variables, UCX (at
 * most HPCL__ENV_MAX variables). */
static hpcl_rc task_env(hpcl_plan *plan, unsigned rank)
{
    static const struct {
        enum hpcl__vendor vendor;
        const char *name;
    } devvars[] = {{HPCL__VENDOR_NVIDIA, "CUDA_VISIBLE_DEVICES"},
                   {HPCL__VENDOR_AMD, "ROCR_VISIBLE_DEVICES"},
                   {HPCL__VENDOR_INTEL, "ZE_AFFINITY_MASK"}};
    struct hpcl__task *task = &plan->tasks[rank];
    const struct hpcl__dev *nic =
        task->nic >= 0 ? &plan->topo->nics[task->nic] : NULL;
    char num[32], **env;
    unsigned n = 0;

    if ((env = task->env = calloc(HPCL__ENV_MAX + 1, sizeof *env)) == NULL)
        return HPCL_E_NOMEM;
    snprintf(num, sizeof num, "%u", plan->threads);
    env[n++] = kv("OMP_NUM_THREADS", num);
    env[n++] = omp_places(plan, task);
    env[n++] = kv("OMP_PROC_BIND", "close");
    for (size_t v = 0; v < sizeof devvars / sizeof devvars[0]; v++) {
        char *var;

        if (device_var(&var, plan, task, devvars[v].vendor,
                       devvars[v].name) != HPCL_OK)
            return HPCL_E_NOMEM;
        /* CUDA numbers devices fastest first unless told PCI order. */
        if (var != NULL && devvars[v].vendor == HPCL__VENDOR_NVIDIA)
            env[n++] = kv("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        if (var != NULL)
            env[n++] = var;
    }
    if (nic != NULL && nic->ucx[0] != '\0')
        env[n++] = kv("UCX_NET_DEVICES", nic->ucx);
    for (unsigned i = 0; i < n; i++)
        if (env[i] == NULL)
            return HPCL_E_NOMEM;
    return HPCL_OK;
}

/* Notes for GPUs no device variable can name. */
static hpcl_rc note_unknown_vendor(hpcl_plan *plan, unsigned rank)
{
    const struct hpcl__task *task = &plan->tasks[rank];
    hpcl_rc rc = HPCL_OK;

    for (unsigned k = 0; k < plan->gpus && rc == HPCL_OK; k++) {
        const struct hpcl__dev *g =
            &plan->topo->gpus[plan->task_gpus[task->gpu_first + k]];

        if (g->vendor == HPCL__VENDOR_UNKNOWN)
            rc = hpcl__plan_note(plan, "task %u: GPU %s (%s) has no vendor "
                                 "information; no device variable selects "
                                 "it", rank, g->name, g->pci);
    }
    return rc;
}

hpcl_rc hpcl__plan_describe(hpcl_plan *plan)
{
    hwloc_bitmap_t cpus = hwloc_bitmap_alloc(), numa = hwloc_bitmap_alloc();
    hpcl_rc rc = cpus && numa ? HPCL_OK : HPCL_E_NOMEM;

    for (unsigned i = 0; i < plan->ntasks && rc == HPCL_OK; i++) {
        rc = task_sets(plan, &plan->tasks[i], cpus, numa);
        if (rc == HPCL_OK)
            rc = task_env(plan, i);
        if (rc == HPCL_OK)
            rc = note_unknown_vendor(plan, i);
    }
    hwloc_bitmap_free(cpus);
    hwloc_bitmap_free(numa);
    if (rc != HPCL_OK)
        return hpcl__fail(plan->topo->ctx, rc, "out of memory describing "
                          "the plan");
    return HPCL_OK;
}

/* Check the common arguments of the output functions. */
static hpcl_rc output_check(char **out, const hpcl_plan *plan, unsigned flags)
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

/* [1, 3] from the list string "1,3". */
static json_t *list_array(const char *list)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    json_t *a = json_array();
    int id;

    if (set != NULL && a != NULL && hwloc_bitmap_list_sscanf(set, list) == 0) {
        hwloc_bitmap_foreach_begin(id, set)
            json_array_append_new(a, json_integer(id));
        hwloc_bitmap_foreach_end();
    }
    hwloc_bitmap_free(set);
    return a;
}

static json_t *task_gpus_json(const hpcl_plan *plan,
                              const struct hpcl__task *task)
{
    json_t *a = json_array();

    for (unsigned k = 0; k < plan->gpus && a != NULL; k++) {
        const struct hpcl__dev *g =
            &plan->topo->gpus[plan->task_gpus[task->gpu_first + k]];

        json_array_append_new(
            a, json_pack("{s:s, s:s, s:i, s:s}", "pci", g->pci, "name",
                         g->name, "visible_index", g->visible, "vendor",
                         hpcl__vendor_name(g->vendor)));
    }
    return a;
}

static json_t *task_json(const hpcl_plan *plan, unsigned rank)
{
    const struct hpcl__task *task = &plan->tasks[rank];
    json_t *pus = json_array(), *env = json_object();

    for (unsigned k = 0; k < plan->threads && pus != NULL; k++)
        json_array_append_new(
            pus, json_integer(plan->task_pus[task->pu_first + k]));
    for (char **e = task->env; *e != NULL && env != NULL; e++) {
        const char *eq = strchr(*e, '=');
        json_object_setn_new_nocheck(env, *e, (size_t)(eq - *e),
                                     json_string(eq + 1));
    }
    return json_pack("{s:i, s:s, s:o, s:i, s:o, s:o, s:o, s:o}",
                     "local_rank", (int)rank, "cpuset", task->cpuset, "pus",
                     pus, "cores", (int)task->ncores, "numa",
                     list_array(task->numa), "gpus",
                     task_gpus_json(plan, task), "nic",
                     task->nic >= 0
                         ? json_string(plan->topo->nics[task->nic].name)
                         : json_null(),
                     "env", env);
}

static json_t *plan_json(const hpcl_plan *plan)
{
    const unsigned *n = plan->topo->count;
    json_t *tasks = json_array(), *notes = json_array();

    for (unsigned i = 0; i < plan->ntasks && tasks != NULL; i++)
        json_array_append_new(tasks, task_json(plan, i));
    for (unsigned i = 0; i < plan->nnotes && notes != NULL; i++)
        json_array_append_new(notes, json_string(plan->notes[i]));
    return json_pack(
        "{s:i, s:{s:i, s:i, s:i, s:i, s:s, s:b}, "
        "s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:o, s:o}",
        "version", 1, "inputs", "ntasks", (int)plan->ntasks,
        "threads_per_task", (int)plan->threads, "gpus_per_task",
        (int)plan->gpus, "smt", (int)plan->smt, "distribution",
        plan->dist == HPCL_DIST_COMPACT ? "compact" : "spread",
        "oversubscribe", plan->oversubscribe, "topology", "packages",
        (int)n[HPCL_TOPO_PACKAGE], "numa_nodes", (int)n[HPCL_TOPO_NUMA],
        "cores", (int)n[HPCL_TOPO_CORE], "pus", (int)n[HPCL_TOPO_PU], "gpus",
        (int)n[HPCL_TOPO_GPU], "nics", (int)n[HPCL_TOPO_NIC], "tasks", tasks,
        "notes", notes);
}

hpcl_rc hpcl_plan_to_json(char **out, const hpcl_plan *plan, unsigned flags)
{
    hpcl_rc rc = output_check(out, plan, flags);
    json_t *j;

    if (rc != HPCL_OK)
        return rc;
    if ((j = plan_json(plan)) != NULL)
        *out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (*out == NULL)
        return hpcl__fail(plan->topo->ctx, HPCL_E_NOMEM,
                          "out of memory writing the plan as JSON");
    return HPCL_OK;
}

/* The table's cells for one task: rank, CPU set, PUs, NUMA, GPUs, NIC. */
enum { COL_RANK, COL_CPUSET, COL_PUS, COL_NUMA, COL_GPU, COL_NIC, NCOL };

static hpcl_rc task_row(char *cell[NCOL], const hpcl_plan *plan,
                        unsigned rank)
{
    const struct hpcl__task *task = &plan->tasks[rank];
    hwloc_bitmap_t pus = hwloc_bitmap_alloc();
    size_t len = 0;
    FILE *f;

    if (pus == NULL)
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
    if ((cell[COL_RANK] = malloc(16)) != NULL)
        snprintf(cell[COL_RANK], 16, "%u", rank);
    cell[COL_CPUSET] = strdup(task->cpuset);
    cell[COL_NUMA] = strdup(task->numa);
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
    static const char *const head[NCOL] = {"RANK", "CPUSET", "PUS",
                                           "NUMA", "GPU", "NIC"};
    hpcl_rc rc = output_check(out, plan, flags);
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
