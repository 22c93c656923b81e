/*
 * The placement: which cores, PUs, GPUs and NIC each task gets.
 *
 * 1. Check that the tasks fit (cores and GPUs), else say what would.
 * 2. Anchor each task: a task with GPUs picks them first (balanced over
 *    NUMA domains and packages when spreading) and is anchored in the
 *    first GPU's domain; a task without picks a domain with room.
 * 3. Number the tasks by anchor, so neighbouring ranks are neighbours.
 * 4. Pass 1: each task takes free cores local to its GPUs (or in its
 *    domain).  Pass 2: tasks still short take the nearest free cores:
 *    same domain, same package, then others; a note says so.  Doing all
 *    of pass 1 first keeps a task from taking another GPU's cores.
 * 5. Each task gets the least used NIC nearest to it.
 *
 * With oversubscription, tasks beyond what fits go in further rounds on
 * a node made free again: they share cores and GPUs with earlier ones.
 *
 * Cost: every step is linear in cores, domains or GPUs per task; free
 * cores are found with a "next free core" forest (path halving), so no
 * scan repeats over taken cores.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place/plan-internal.h"

#define MAX_TASKS 65536u

struct place {
    hpcl_plan *plan;
    const hpcl_topo *topo;
    unsigned s;        /* PUs of a core a task uses */
    unsigned c;        /* cores a task needs */
    unsigned maxc;     /* core slots per task in plan->task_cores */
    unsigned fit;      /* tasks per round */
    unsigned *nf;      /* nf[i] <= first free core >= i; nf[ncores] end */
    long *vfree;       /* per domain: cores not yet promised to a task */
    unsigned *dom_tasks, *pkg_tasks, *nic_use;
    unsigned char *gpu_used;
    unsigned *order;   /* scratch: domains in spill order */
};

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static unsigned first_free(unsigned *nf, unsigned i)
{
    while (nf[i] != i) {
        nf[i] = nf[nf[i]];
        i = nf[i];
    }
    return i;
}

/* Domains from home outwards: home, its package's others by distance in
 * the domain order, then the other packages' by distance.  Returns how
 * many were written to p->order. */
static unsigned spill_order(const struct place *p, unsigned home)
{
    const hpcl_topo *t = p->topo;
    unsigned n = 0, pkg = t->doms[home].pkg;

    for (int same = 1; same >= 0; same--)
        for (unsigned dist = 0; dist < t->ndoms; dist++)
            for (int side = -1; side <= 1; side += 2) {
                long d = (long)home + side * (long)dist;

                if ((dist == 0 && (side > 0 || !same)) || d < 0 ||
                    d >= (long)t->ndoms)
                    continue;
                if ((t->doms[d].pkg == pkg) == (same != 0))
                    p->order[n++] = (unsigned)d;
            }
    return n;
}

/* Promise n cores to a task anchored in home, spilling as pass 2 will. */
static void reserve(struct place *p, unsigned home, unsigned n)
{
    unsigned m;

    if (p->vfree[home] >= (long)n) {
        p->vfree[home] -= n;
        return;
    }
    m = spill_order(p, home);
    for (unsigned i = 0; i < m && n > 0; i++) {
        long *v = &p->vfree[p->order[i]];
        unsigned k = *v <= 0 ? 0 : *v < (long)n ? (unsigned)*v : n;

        *v -= k;
        n -= k;
    }
}

/* Spread: is domain a less loaded than b (its own tasks, then its
 * package's, then its index)? */
static int less_loaded(const struct place *p, unsigned a, unsigned b)
{
    const struct hpcl__domain *d = p->topo->doms;

    if (p->dom_tasks[a] != p->dom_tasks[b])
        return p->dom_tasks[a] < p->dom_tasks[b];
    if (p->pkg_tasks[d[a].pkg] != p->pkg_tasks[d[b].pkg])
        return p->pkg_tasks[d[a].pkg] < p->pkg_tasks[d[b].pkg];
    return a < b;
}

/* A domain for a task without GPU: one with room for the whole task,
 * else one with some room. */
static unsigned choose_domain(const struct place *p)
{
    long need[2] = {(long)p->c, 1};

    for (int k = 0; k < 2; k++) {
        unsigned best = p->topo->ndoms;

        for (unsigned d = 0; d < p->topo->ndoms; d++) {
            if (p->vfree[d] < need[k])
                continue;
            if (p->plan->dist == HPCL_DIST_COMPACT)
                return d;
            if (best == p->topo->ndoms || less_loaded(p, d, best))
                best = d;
        }
        if (best < p->topo->ndoms)
            return best;
    }
    return 0; /* the round is sized so that this is not reached */
}

/* Spread: is GPU a on a less loaded domain than GPU b?  GPUs with no
 * usable local core come last. */
static int gpu_before(const struct place *p, unsigned a, unsigned b)
{
    const struct hpcl__dev *g = p->topo->gpus;

    if ((g[a].domain < 0) != (g[b].domain < 0))
        return g[b].domain < 0;
    if (g[a].domain < 0 || g[a].domain == g[b].domain)
        return a < b;
    return less_loaded(p, (unsigned)g[a].domain, (unsigned)g[b].domain);
}

/* The free GPU nearest to GPU near (same domain, package, any); with
 * near < 0, the first one to use. */
static unsigned pick_gpu(const struct place *p, int near)
{
    const hpcl_topo *t = p->topo;
    unsigned best = t->ngpus;

    for (int tier = 0; tier < 3 && best == t->ngpus; tier++)
        for (unsigned i = 0; i < t->ngpus; i++) {
            const struct hpcl__dev *g = &t->gpus[i];

            if (p->gpu_used[i])
                continue;
            if (near >= 0 && ((tier == 0 && g->domain != t->gpus[near].domain)
                              || (tier == 1 && g->pkg != t->gpus[near].pkg)))
                continue;
            if (near >= 0 || p->plan->dist == HPCL_DIST_COMPACT) {
                best = i;
                break;
            }
            if (best == t->ngpus || gpu_before(p, i, best))
                best = i;
        }
    return best;
}

/* Step 2 for one task: its GPUs (if any), its anchor domain. */
static void anchor_task(struct place *p, struct hpcl__task *task)
{
    hpcl_plan *plan = p->plan;
    unsigned *gpus = &plan->task_gpus[task->gpu_first];
    int dom = -1;

    task->key = 0;
    for (unsigned k = 0; k < plan->gpus; k++) {
        gpus[k] = pick_gpu(p, k == 0 ? -1 : (int)gpus[0]);
        p->gpu_used[gpus[k]] = 1;
    }
    if (plan->gpus > 0) {
        task->key = gpus[0];
        dom = p->topo->gpus[gpus[0]].domain;
    }
    task->home = dom >= 0 ? (unsigned)dom : choose_domain(p);
    p->dom_tasks[task->home]++;
    p->pkg_tasks[p->topo->doms[task->home].pkg]++;
    reserve(p, task->home, p->c);
}

static int task_cmp(const void *a, const void *b)
{
    const struct hpcl__task *x = a, *y = b;

    if (x->home != y->home)
        return x->home < y->home ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Give core c to the task: up to s of its PUs, as many as still needed. */
static void take_core(struct place *p, struct hpcl__task *task, unsigned c)
{
    const struct hpcl__core *core = &p->topo->cores[c];
    hpcl_plan *plan = p->plan;
    unsigned use = core->npus < p->s ? core->npus : p->s;

    if (use > plan->threads - task->got)
        use = plan->threads - task->got;
    plan->task_cores[task->core_first + task->ncores++] = c;
    for (unsigned k = 0; k < use; k++)
        plan->task_pus[task->pu_first + task->got++] =
            p->topo->pus[core->pu_first + k];
    p->nf[c] = c + 1;
}

/* Take free cores in [lo, hi) until the task has its PUs; how many. */
static unsigned take_range(struct place *p, struct hpcl__task *task,
                           unsigned lo, unsigned hi)
{
    unsigned before = task->ncores;

    for (unsigned c = first_free(p->nf, lo);
         c < hi && task->got < p->plan->threads; c = first_free(p->nf, c))
        take_core(p, task, c);
    return task->ncores - before;
}

static void pass1(struct place *p, struct hpcl__task *task)
{
    const hpcl_topo *t = p->topo;
    const unsigned *gpus = &p->plan->task_gpus[task->gpu_first];

    for (unsigned k = 0; k < p->plan->gpus; k++)
        take_range(p, task, t->gpus[gpus[k]].core_lo,
                   t->gpus[gpus[k]].core_hi);
    if (p->plan->gpus == 0)
        take_range(p, task, t->doms[task->home].core_lo,
                   t->doms[task->home].core_hi);
}

/* The start of the note for a task that pass 1 left short. */
static int note_head(char *buf, size_t len, const struct place *p,
                     unsigned rank, const struct hpcl__task *task)
{
    const hpcl_topo *t = p->topo;
    const struct hpcl__domain *home = &t->doms[task->home];
    const struct hpcl__dev *g;
    unsigned local;

    if (p->plan->gpus == 0)
        return snprintf(buf, len, "task %u: NUMA node %s has %u free "
                        "core%s; took", rank, home->name, task->ncores,
                        plural(task->ncores));
    g = &t->gpus[p->plan->task_gpus[task->gpu_first]];
    local = g->core_hi - g->core_lo;
    if (local == 0) /* usable: allowed, bound, in the allocation */
        return snprintf(buf, len, "task %u: GPU %s has no usable local "
                        "core%s; took", rank, g->name,
                        hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PU) >
                                (int)t->npus
                            ? " (its CPUs are outside the allocation)" : "");
    if (g->core_lo == home->core_lo && g->core_hi == home->core_hi)
        return snprintf(buf, len, "task %u: GPU %s's NUMA node %s has %u "
                        "free core%s; took", rank, g->name, home->name,
                        task->ncores, plural(task->ncores));
    return snprintf(buf, len, "task %u: GPU %s's %u local cores (NUMA node "
                    "%s) have %u free; took", rank, g->name, local,
                    home->name, task->ncores);
}

/* Pass 2 for one task; the note lists where the cores came from. */
static hpcl_rc pass2(struct place *p, unsigned rank)
{
    struct hpcl__task *task = &p->plan->tasks[rank];
    const hpcl_topo *t = p->topo;
    char note[HPCL_ERRMSG_MAX];
    size_t len;
    unsigned m, first = 1;

    if (task->got == p->plan->threads)
        return HPCL_OK;
    len = (size_t)note_head(note, sizeof note, p, rank, task);
    m = spill_order(p, task->home);
    for (unsigned i = 0; i < m && task->got < p->plan->threads; i++) {
        const struct hpcl__domain *d = &t->doms[p->order[i]];
        unsigned n = take_range(p, task, d->core_lo, d->core_hi);

        if (n > 0 && len < sizeof note)
            len += (size_t)snprintf(
                note + len, sizeof note - len, "%s %u from NUMA node %s (%s)",
                first ? "" : ",", n, d->name,
                p->order[i] == task->home           ? "same NUMA node"
                : d->pkg == t->doms[task->home].pkg ? "same package"
                                                    : "other package");
        first &= n == 0;
    }
    if (task->got < p->plan->threads)
        return hpcl__fail(t->ctx, HPCL_E_PLAN, "task %u: only %u of its %u "
                          "threads find a free PU", rank, task->got,
                          p->plan->threads);
    return hpcl__plan_note(p->plan, "%s", note);
}

/* How near NIC n is to core c: 0 local, 1 same domain, 2 same package,
 * 3 elsewhere. */
static unsigned nic_tier(const hpcl_topo *t, const struct hpcl__dev *n,
                         unsigned c)
{
    if (c >= n->core_lo && c < n->core_hi)
        return 0;
    if (n->domain == (int)t->cores[c].domain)
        return 1;
    return n->pkg == (int)t->cores[c].pkg ? 2 : 3;
}

/* Step 5: the least used NIC nearest to the task's GPU or first core.  A
 * NIC whose ports are all down is taken only when no other is left, and
 * the plan notes when a nearer one was passed over. */
static hpcl_rc choose_nic(struct place *p, unsigned rank)
{
    struct hpcl__task *task = &p->plan->tasks[rank];
    const hpcl_topo *t = p->topo;
    unsigned anchor = p->plan->task_cores[task->core_first];
    unsigned best = 0, best_key = UINT32_MAX, down = t->nnics;

    if (p->plan->gpus > 0) {
        const struct hpcl__dev *g =
            &t->gpus[p->plan->task_gpus[task->gpu_first]];
        anchor = g->core_lo < g->core_hi ? g->core_lo : anchor;
    }
    task->nic = -1;
    if (t->nnics == 0)
        return HPCL_OK;
    for (unsigned i = 0; i < t->nnics; i++) {
        const struct hpcl__dev *n = &t->nics[i];
        unsigned tier = nic_tier(t, n, anchor);
        unsigned key = ((tier + 4u * (n->down != 0)) << 24) +
                       (p->nic_use[i] < 0xffffff ? p->nic_use[i] : 0xffffff);

        if (key < best_key) {
            best_key = key;
            best = i;
        }
        if (n->down && (down == t->nnics ||
                        tier < nic_tier(t, &t->nics[down], anchor)))
            down = i;
    }
    task->nic = (int)best;
    p->nic_use[best]++;
    if (down < t->nnics && !t->nics[best].down &&
        nic_tier(t, &t->nics[down], anchor) < best_key >> 24)
        return hpcl__plan_note(p->plan, "task %u: NIC %s is nearer but has "
                               "no active port; took %s", rank,
                               t->nics[down].name, t->nics[best].name);
    return HPCL_OK;
}

/* Place tasks [r0, r1) on a node whose cores and GPUs are all free. */
static hpcl_rc place_round(struct place *p, unsigned r0, unsigned r1)
{
    hpcl_plan *plan = p->plan;
    const hpcl_topo *t = p->topo;
    hpcl_rc rc = HPCL_OK;

    for (unsigned i = 0; i <= t->ncores; i++)
        p->nf[i] = i;
    for (unsigned d = 0; d < t->ndoms; d++) {
        p->vfree[d] = t->doms[d].core_hi - t->doms[d].core_lo;
        p->dom_tasks[d] = 0;
    }
    memset(p->pkg_tasks, 0, t->npkgs * sizeof *p->pkg_tasks);
    memset(p->gpu_used, 0, t->ngpus + 1);
    for (unsigned i = r0; i < r1; i++) {
        plan->tasks[i].seq = i;
        plan->tasks[i].gpu_first = i * plan->gpus;
        anchor_task(p, &plan->tasks[i]);
    }
    qsort(plan->tasks + r0, r1 - r0, sizeof *plan->tasks, task_cmp);
    for (unsigned i = r0; i < r1; i++) {
        plan->tasks[i].core_first = i * p->maxc;
        plan->tasks[i].pu_first = i * plan->threads;
        pass1(p, &plan->tasks[i]);
    }
    for (unsigned i = r0; i < r1 && rc == HPCL_OK; i++)
        rc = pass2(p, i);
    for (unsigned i = r0; i < r1 && rc == HPCL_OK; i++)
        rc = choose_nic(p, i);
    return rc;
}

/* The smallest number of PUs per core above s that fits the tasks. */
static unsigned smt_that_fits(const struct place *p)
{
    const hpcl_topo *t = p->topo;

    for (unsigned s = p->s + 1; s <= t->max_smt; s++)
        if ((uint64_t)p->plan->ntasks *
                ((p->plan->threads + s - 1) / s) <= t->ncores)
            return s;
    return 0;
}

/* The end of a message that the tasks do not fit, when this process's
 * own binding left it fewer CPUs than its launcher gave the node's
 * tasks: planning for the node inside one task's binding is the likely
 * cause, and the fix is the launcher's set. */
static const char *binding_hint(const hpcl_topo *t, char *buf, size_t len)
{
    if (t->bound_pus == 0)
        return "";
    snprintf(buf, len, "; this process is bound to %u of the %u CPUs its "
             "launcher may use (a launcher's binding): plan over the "
             "launcher's CPUs (hpclaunch pin, hpcl_pin_self and "
             "HPCL_TOPO_LAUNCHER_CPUS do), or start the tasks unbound "
             "(srun --cpu-bind=none, mpirun --bind-to none)", t->bound_pus,
             t->allowed_pus);
    return buf;
}

/* Where the GPUs come from, for messages: "this node has 4" or "the
 * allocation has 2 (of the node's 4)". */
static const char *gpu_source(const hpcl_topo *t, char *buf, size_t len)
{
    if (t->node_gpus != t->ngpus)
        snprintf(buf, len, "the allocation has %u (of the node's %u)",
                 t->ngpus, t->node_gpus);
    else
        snprintf(buf, len, "this node has %u", t->ngpus);
    return buf;
}

/* Step 1 for cores: fail unless the tasks fit (or may share cores),
 * saying what would fit. */
static hpcl_rc check_cores(struct place *p)
{
    const hpcl_plan *plan = p->plan;
    const hpcl_topo *t = p->topo;
    unsigned n = plan->ntasks, th = plan->threads, smt, fewer;
    uint64_t need = (uint64_t)n * p->c;
    char alt[256], hint[320];
    int len;

    if (p->c > t->ncores)
        return hpcl__fail(t->ctx, HPCL_E_PLAN, "a task of %u threads needs "
                          "%u cores (%u thread%s per core), but %u are usable;"
                          " would fit: at most %u threads per task%s", th,
                          p->c, p->s, plural(p->s), t->ncores,
                          t->ncores * p->s,
                          binding_hint(t, hint, sizeof hint));
    p->fit = t->ncores / p->c;
    if (need <= t->ncores || plan->oversubscribe)
        return HPCL_OK;
    len = snprintf(alt, sizeof alt, "%u task%s x %u thread%s", p->fit,
                   plural(p->fit), th, plural(th));
    if ((fewer = t->ncores / n * p->s) > 0)
        len += snprintf(alt + len, sizeof alt - (size_t)len,
                        ", %u tasks x %u thread%s", n, fewer, plural(fewer));
    if ((smt = smt_that_fits(p)) > 0)
        snprintf(alt + len, sizeof alt - (size_t)len, ", %u tasks x %u "
                 "threads with %u threads per core (smt %u)", n, th, smt,
                 smt);
    return hpcl__fail(t->ctx, HPCL_E_PLAN, "%u task%s x %u thread%s need "
                      "%llu cores (%u thread%s per core), but %u cores are "
                      "usable (%u PUs); would fit: %s, or oversubscription%s",
                      n, plural(n), th, plural(th), (unsigned long long)need,
                      p->s, plural(p->s), t->ncores, t->npus, alt,
                      binding_hint(t, hint, sizeof hint));
}

/* Step 1 for GPUs. */
static hpcl_rc check_gpus(struct place *p)
{
    const hpcl_plan *plan = p->plan;
    const hpcl_topo *t = p->topo;
    unsigned n = plan->ntasks, g = plan->gpus, ng = t->ngpus;
    char alt[96] = "", src[64];

    if (g == 0)
        return HPCL_OK;
    if (g > ng)
        return hpcl__fail(t->ctx, HPCL_E_NOGPU, "%u GPU%s per task asked "
                          "for, but %s GPU%s", g, plural(g),
                          gpu_source(t, src, sizeof src), plural(ng));
    if (ng / g < p->fit)
        p->fit = ng / g;
    if ((uint64_t)n * g <= ng || plan->oversubscribe)
        return HPCL_OK;
    if (ng / n > 0)
        snprintf(alt, sizeof alt, " or %u tasks x %u GPU%s", n, ng / n,
                 plural(ng / n));
    return hpcl__fail(t->ctx, HPCL_E_NOGPU, "%u tasks x %u GPU%s need %llu "
                      "GPUs, but %s; would fit: %u task%s x %u GPU%s%s, or "
                      "oversubscription", n, g, plural(g),
                      (unsigned long long)n * g,
                      gpu_source(t, src, sizeof src), ng / g, plural(ng / g),
                      g, plural(g), alt);
}

static void place_free(struct place *p)
{
    free(p->nf);
    free(p->vfree);
    free(p->dom_tasks);
    free(p->pkg_tasks);
    free(p->nic_use);
    free(p->gpu_used);
    free(p->order);
}

/* Allocate the plan's result arrays and the working state. */
static hpcl_rc place_alloc(struct place *p)
{
    hpcl_plan *plan = p->plan;
    const hpcl_topo *t = p->topo;
    size_t n = plan->ntasks;

    p->maxc = plan->threads < t->ncores ? plan->threads : t->ncores;
    plan->tasks = calloc(n, sizeof *plan->tasks);
    plan->task_cores = calloc(n * p->maxc, sizeof *plan->task_cores);
    plan->task_pus = calloc(n * plan->threads, sizeof *plan->task_pus);
    plan->task_gpus = calloc(n * plan->gpus + 1, sizeof *plan->task_gpus);
    p->nf = calloc(t->ncores + 1, sizeof *p->nf);
    p->vfree = calloc(t->ndoms, sizeof *p->vfree);
    p->dom_tasks = calloc(t->ndoms, sizeof *p->dom_tasks);
    p->order = calloc(t->ndoms, sizeof *p->order);
    p->pkg_tasks = calloc(t->npkgs, sizeof *p->pkg_tasks);
    p->nic_use = calloc(t->nnics + 1, sizeof *p->nic_use);
    p->gpu_used = calloc(t->ngpus + 1, 1);
    if (!plan->tasks || !plan->task_cores || !plan->task_pus ||
        !plan->task_gpus || !p->nf || !p->vfree || !p->dom_tasks ||
        !p->order || !p->pkg_tasks || !p->nic_use || !p->gpu_used)
        return hpcl__fail(t->ctx, HPCL_E_NOMEM, "out of memory placing %u "
                          "tasks", plan->ntasks);
    return HPCL_OK;
}

hpcl_rc hpcl__plan_place(hpcl_plan *plan)
{
    struct place p = {.plan = plan, .topo = plan->topo};
    const hpcl_topo *t = plan->topo;
    unsigned rounds = 0;
    hpcl_rc rc;

    if (plan->ntasks > MAX_TASKS)
        return hpcl__fail(t->ctx, HPCL_E_PLAN, "%u tasks asked for; at most "
                          "%u per node", plan->ntasks, MAX_TASKS);
    p.s = plan->smt == 0 || plan->smt > t->max_smt ? t->max_smt : plan->smt;
    p.c = (plan->threads + p.s - 1) / p.s;
    if ((rc = check_cores(&p)) != HPCL_OK || (rc = check_gpus(&p)) ||
        (rc = place_alloc(&p)))
        goto out;
    for (unsigned r0 = 0; r0 < plan->ntasks && rc == HPCL_OK; rounds++) {
        unsigned r1 = plan->ntasks - r0 < p.fit ? plan->ntasks : r0 + p.fit;

        rc = place_round(&p, r0, r1);
        r0 = r1;
    }
    if (rc == HPCL_OK && rounds > 1)
        rc = hpcl__plan_note(plan, "oversubscribed: %u tasks in %u rounds of "
                             "at most %u; tasks of different rounds share "
                             "cores%s", plan->ntasks, rounds, p.fit,
                             plan->gpus ? " and GPUs" : "");
out:
    place_free(&p);
    return rc;
}
