/*
 * hpcl_plan: inputs, results and getters.  The placement itself is in
 * plan_place.c, the per-task strings and environment in plan_output.c
 * (built when a getter first asks for them).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "place/plan-internal.h"

hpcl_rc hpcl_plan_create(hpcl_plan **out, hpcl_topo *topo)
{
    hpcl_plan *plan;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || topo == NULL)
        return HPCL_E_INVAL;
    if ((plan = calloc(1, sizeof *plan)) == NULL)
        return hpcl__fail(topo->ctx, HPCL_E_NOMEM, "out of memory");
    plan->topo = topo;
    plan->ntasks = 1;
    plan->threads = 1;
    plan->smt = 0; /* Slurm's unit: -c counts hardware threads */
    plan->dist = HPCL_DIST_SPREAD;
    *out = plan;
    return HPCL_OK;
}

void hpcl_plan_destroy(hpcl_plan *plan)
{
    if (plan == NULL)
        return;
    hpcl__plan_clear(plan);
    free(plan->env_gpu_list);
    free(plan);
}

/* A setter: a changed input discards the computed placement. */
static hpcl_rc set_input(hpcl_plan *plan, unsigned *field, unsigned value,
                         unsigned min, const char *what)
{
    if (plan == NULL)
        return HPCL_E_INVAL;
    if (value < min)
        return hpcl__fail(plan->topo->ctx, HPCL_E_INVAL,
                          "%s must be at least %u", what, min);
    hpcl__plan_clear(plan);
    *field = value;
    return HPCL_OK;
}

hpcl_rc hpcl_plan_set_ntasks(hpcl_plan *plan, unsigned ntasks)
{
    return set_input(plan, plan ? &plan->ntasks : NULL, ntasks, 1,
                     "the number of tasks");
}

hpcl_rc hpcl_plan_set_threads_per_task(hpcl_plan *plan, unsigned threads)
{
    return set_input(plan, plan ? &plan->threads : NULL, threads, 1,
                     "threads per task");
}

hpcl_rc hpcl_plan_set_gpus_per_task(hpcl_plan *plan, unsigned gpus)
{
    if (plan != NULL)
        plan->env_gpus = 0; /* asked for by count: placed from hwloc */
    return set_input(plan, plan ? &plan->gpus : NULL, gpus, 0,
                     "GPUs per task");
}

hpcl_rc hpcl_plan_set_smt(hpcl_plan *plan, unsigned smt)
{
    return set_input(plan, plan ? &plan->smt : NULL, smt, 0,
                     "threads per core");
}

hpcl_rc hpcl_plan_set_distribution(hpcl_plan *plan, hpcl_distribution dist)
{
    if (plan == NULL)
        return HPCL_E_INVAL;
    if (dist != HPCL_DIST_SPREAD && dist != HPCL_DIST_COMPACT)
        return hpcl__fail(plan->topo->ctx, HPCL_E_INVAL,
                          "unknown distribution %d", (int)dist);
    hpcl__plan_clear(plan);
    plan->dist = dist;
    return HPCL_OK;
}

hpcl_rc hpcl_plan_set_oversubscribe(hpcl_plan *plan, int oversubscribe)
{
    if (plan == NULL)
        return HPCL_E_INVAL;
    hpcl__plan_clear(plan);
    plan->oversubscribe = oversubscribe != 0;
    return HPCL_OK;
}

/* A whole decimal number in [min, 1<<20] from variable name, whose value
 * may be a comma list ("8,4" for nested OpenMP: take the first).  *value
 * is left alone when the variable is unset or empty. */
static hpcl_rc env_number(hpcl_ctx *ctx, const char *name, unsigned min,
                          unsigned *value)
{
    const char *s = getenv(name);
    char *end;
    unsigned long v;

    if (s == NULL || *s == '\0')
        return HPCL_OK;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (end == s || (*end != '\0' && *end != ',') || errno != 0 ||
        v < min || v > 1UL << 20 || s[0] == '-')
        return hpcl__fail(ctx, HPCL_E_INVAL, "%s=\"%s\": expected a number "
                          ">= %u", name, s, min);
    *value = (unsigned)v;
    return HPCL_OK;
}

/* Slurm's --gpus-per-task as SLURM_GPUS_PER_TASK: "2", or with GPU
 * types "a100:2" or "a100:1,v100:1" (the counts add up).  *value is left
 * alone when the variable is unset or empty. */
static hpcl_rc env_slurm_gpus(hpcl_ctx *ctx, unsigned *value)
{
    const char *s = getenv("SLURM_GPUS_PER_TASK"), *p = s;
    unsigned long total = 0;

    if (s == NULL || *s == '\0')
        return HPCL_OK;
    while (*p != '\0') {
        const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
        char *end;

        if (colon != NULL && (comma == NULL || colon < comma))
            p = colon + 1; /* skip the GPU type */
        end = (char *)p;
        errno = 0;
        if (*p >= '0' && *p <= '9')
            total += strtoul(p, &end, 10);
        if (end == p || errno != 0 || (*end != '\0' && *end != ',') ||
            (*end == ',' && end[1] == '\0') || total > 1UL << 20)
            return hpcl__fail(ctx, HPCL_E_INVAL, "SLURM_GPUS_PER_TASK=\"%s\""
                              ": expected [TYPE:]COUNT[,...]", s);
        p = *end == ',' ? end + 1 : end;
    }
    *value = (unsigned)total;
    return HPCL_OK;
}

/* GPUs asked for on a node where hwloc shows none (no PCI data, as on
 * nodes whose devices the topology cannot see): when the launcher gave
 * the task devices (Slurm sets CUDA_VISIBLE_DEVICES and friends from the
 * job's gres), each task takes its share of that list instead of
 * failing.  Returns 0, or -1 out of memory. */
static int env_launcher_gpus(hpcl_plan *plan, unsigned *gpus)
{
    static const char *const vars[] = {"CUDA_VISIBLE_DEVICES",
                                       "ROCR_VISIBLE_DEVICES",
                                       "ZE_AFFINITY_MASK",
                                       "GPU_DEVICE_ORDINAL"};
    char *copy;
    /* srun gave each task its own GPUs (hpcl_topo_restrict_from_env):
     * without a count asked for, the task keeps all it was given. */
    int own = plan->topo->gpu_why[0] != '\0' && *gpus == 0;

    if ((*gpus == 0 && !own) || plan->topo->ngpus > 0)
        return 0;
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v == NULL || *v == '\0')
            continue;
        for (const char *c = v, *end = v; own && end != NULL; c = end + 1)
            *gpus += (end = strchr(c, ',')) != NULL || *c != '\0';
        if ((copy = strdup(v)) == NULL)
            return -1;
        free(plan->env_gpu_list);
        plan->env_gpu_list = copy;
        plan->env_gpu_var = vars[i];
        plan->env_gpus = *gpus;
        *gpus = 0;
        return 0;
    }
    return 0;
}

/* Threads per core as srun takes them: SLURM_HINT (multithread: every
 * hardware thread of a core, nomultithread: one), then
 * SLURM_THREADS_PER_CORE.  *smt is left alone when neither is set. */
static hpcl_rc env_slurm_smt(hpcl_ctx *ctx, unsigned *smt)
{
    const char *hint = getenv("SLURM_HINT");

    if (hint != NULL && strcmp(hint, "multithread") == 0)
        *smt = 0;
    else if (hint != NULL && strcmp(hint, "nomultithread") == 0)
        *smt = 1;
    return env_number(ctx, "SLURM_THREADS_PER_CORE", 1, smt);
}

/* HPCL_DISTRIBUTION, checked; it is set last by the caller. */
static hpcl_rc env_distribution(hpcl_plan *plan, hpcl_distribution *dist)
{
    const char *s = getenv("HPCL_DISTRIBUTION");

    if (s == NULL || *s == '\0')
        return HPCL_OK;
    if (strcasecmp(s, "spread") == 0) {
        *dist = HPCL_DIST_SPREAD;
        return HPCL_OK;
    }
    if (strcasecmp(s, "compact") == 0) {
        *dist = HPCL_DIST_COMPACT;
        return HPCL_OK;
    }
    return hpcl__fail(plan->topo->ctx, HPCL_E_INVAL,
                      "HPCL_DISTRIBUTION=\"%s\": expected spread or compact",
                      s);
}

hpcl_rc hpcl_plan_set_from_env(hpcl_plan *plan, unsigned flags)
{
    unsigned threads, gpus, smt, over;
    hpcl_distribution dist;
    hpcl_ctx *ctx;
    hpcl_rc rc;

    if (plan == NULL)
        return HPCL_E_INVAL;
    ctx = plan->topo->ctx;
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "flags must be 0, not %#x",
                          flags);
    threads = plan->threads;
    gpus = plan->gpus;
    smt = plan->smt;
    over = (unsigned)plan->oversubscribe;
    dist = plan->dist;
    /* Read all first, so that a bad value changes nothing.  The later
     * variable of a pair wins: Slurm's job options are the fallback. */
    if ((rc = env_number(ctx, "SLURM_CPUS_PER_TASK", 1, &threads)) ||
        (rc = env_number(ctx, "OMP_NUM_THREADS", 1, &threads)) ||
        (rc = env_number(ctx, "HPCL_THREADS_PER_TASK", 1, &threads)) ||
        (rc = env_slurm_gpus(ctx, &gpus)) ||
        (rc = env_number(ctx, "HPCL_GPUS_PER_TASK", 0, &gpus)) ||
        (rc = env_slurm_smt(ctx, &smt)) ||
        (rc = env_number(ctx, "HPCL_SMT", 0, &smt)) ||
        (rc = env_number(ctx, "HPCL_OVERSUBSCRIBE", 0, &over)) ||
        (rc = env_distribution(plan, &dist)))
        return rc;
    if (env_launcher_gpus(plan, &gpus) != 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    hpcl__plan_clear(plan);
    plan->threads = threads;
    plan->gpus = gpus;
    plan->smt = smt;
    plan->oversubscribe = over != 0;
    plan->dist = dist;
    return HPCL_OK;
}

hpcl_rc hpcl_plan_compute(hpcl_plan *plan)
{
    hpcl_rc rc;

    if (plan == NULL)
        return HPCL_E_INVAL;
    hpcl__plan_clear(plan);
    rc = hpcl__plan_place(plan);
    if (rc == HPCL_OK)
        rc = hpcl__plan_note_vendors(plan);
    if (rc == HPCL_OK && plan->env_gpus > 0)
        rc = hpcl__plan_note_launcher_gpus(plan);
    if (rc != HPCL_OK) {
        hpcl__plan_clear(plan);
        return rc;
    }
    plan->computed = 1;
    return HPCL_OK;
}

static const struct hpcl__task *task_at(const hpcl_plan *plan, unsigned rank)
{
    if (plan == NULL || !plan->computed || rank >= plan->ntasks)
        return NULL;
    return &plan->tasks[rank];
}

unsigned hpcl_plan_ntasks(const hpcl_plan *plan)
{
    return plan != NULL && plan->computed ? plan->ntasks : 0;
}

/* Task rank's strings, or NULL (also when out of memory building them). */
static char *const *desc_at(const hpcl_plan *plan, unsigned rank)
{
    return task_at(plan, rank) ? hpcl__plan_task_desc(plan, rank) : NULL;
}

const char *hpcl_plan_task_cpuset(const hpcl_plan *plan, unsigned rank)
{
    char *const *d = desc_at(plan, rank);
    return d ? d[HPCL__DESC_CPUSET] : NULL;
}

const unsigned *hpcl_plan_task_pus(const hpcl_plan *plan, unsigned rank,
                                   unsigned *n)
{
    const struct hpcl__task *t = task_at(plan, rank);

    if (n != NULL)
        *n = t ? plan->threads : 0;
    return t ? &plan->task_pus[t->pu_first] : NULL;
}

const char *hpcl_plan_task_numa(const hpcl_plan *plan, unsigned rank)
{
    char *const *d = desc_at(plan, rank);
    return d ? d[HPCL__DESC_NUMA] : NULL;
}

const unsigned *hpcl_plan_task_gpus(const hpcl_plan *plan, unsigned rank,
                                    unsigned *n)
{
    const struct hpcl__task *t = task_at(plan, rank);

    if (n != NULL)
        *n = t ? plan->gpus : 0;
    return t && plan->gpus > 0 ? &plan->task_gpus[t->gpu_first] : NULL;
}

int hpcl_plan_task_nic(const hpcl_plan *plan, unsigned rank)
{
    const struct hpcl__task *t = task_at(plan, rank);
    return t ? t->nic : -1;
}

const char *const *hpcl_plan_task_env(const hpcl_plan *plan, unsigned rank)
{
    char *const *d = desc_at(plan, rank);
    return d ? (const char *const *)(d + HPCL__DESC_ENV) : NULL;
}

const char *const *hpcl_plan_notes(const hpcl_plan *plan)
{
    static const char *const none[] = {NULL};

    if (plan == NULL || !plan->computed)
        return NULL;
    return plan->nnotes ? (const char *const *)plan->notes : none;
}
