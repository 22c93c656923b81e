/* Placement: rules checked on every topology, exact plans on a few,
 * errors that say what fits, output formats, speed. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hpcl_test.h"
#include "place/plan-internal.h"
#include "topo_util.h"

static hpcl_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    return hpcl_ctx_create(&ctx, 0) == HPCL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hpcl_ctx_destroy(ctx);
    return 0;
}

static hpcl_topo *load_xml(const char *path)
{
    hpcl_topo *t = NULL;

    assert_non_null(path);
    if (hpcl_topo_load_xml(&t, ctx, path, 0) != HPCL_OK)
        fail_msg("%s: %s", path, hpcl_ctx_errmsg(ctx));
    return t;
}

static hpcl_topo *load_synthetic(const char *desc)
{
    hpcl_topo *t = NULL;

    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx, desc, 0), HPCL_OK);
    return t;
}

struct cfg {
    unsigned ntasks, threads, gpus, smt;
    hpcl_distribution dist;
};

static hpcl_plan *make_plan(hpcl_topo *t, const struct cfg *c)
{
    hpcl_plan *p = NULL;

    assert_int_equal(hpcl_plan_create(&p, t), HPCL_OK);
    assert_int_equal(hpcl_plan_set_ntasks(p, c->ntasks), HPCL_OK);
    assert_int_equal(hpcl_plan_set_threads_per_task(p, c->threads), HPCL_OK);
    assert_int_equal(hpcl_plan_set_gpus_per_task(p, c->gpus), HPCL_OK);
    assert_int_equal(hpcl_plan_set_smt(p, c->smt), HPCL_OK);
    assert_int_equal(hpcl_plan_set_distribution(p, c->dist), HPCL_OK);
    return p;
}

static char *plan_json(hpcl_plan *p)
{
    char *s = NULL;

    assert_int_equal(hpcl_plan_to_json(&s, p, 0), HPCL_OK);
    return s;
}

/* A note about task i exists. */
static int has_task_note(const hpcl_plan *p, unsigned i)
{
    char head[32];

    snprintf(head, sizeof head, "task %u:", i);
    for (const char *const *n = hpcl_plan_notes(p); *n != NULL; n++)
        if (strncmp(*n, head, strlen(head)) == 0)
            return 1;
    return 0;
}

/* hwloc core (logical index) of PU os, or the PU itself without cores. */
static unsigned core_of(hwloc_topology_t hw, unsigned os)
{
    hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(hw, os);
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(hw, HWLOC_OBJ_CORE,
                                                      pu);

    assert_non_null(pu);
    return core ? core->logical_index : 1000000 + pu->logical_index;
}

/* PUs: as many as threads, inside the cpuset, at most smt per core. */
static void check_pus(const hpcl_plan *p, const hpcl_topo *t, unsigned i,
                      hwloc_const_bitmap_t set, unsigned smt)
{
    unsigned n, cores[4096], counts[4096], nc = 0;
    const unsigned *pus = hpcl_plan_task_pus(p, i, &n);

    assert_int_equal(n, p->threads);
    for (unsigned k = 0; k < n; k++) {
        unsigned c = core_of(t->hw, pus[k]), j = 0;

        assert_true(hwloc_bitmap_isset(set, pus[k]));
        while (j < nc && cores[j] != c)
            j++;
        if (j == nc) {
            assert_true(nc < 4096);
            cores[nc] = c;
            counts[nc++] = 0;
        }
        if (++counts[j] > smt)
            fail_msg("task %u: %u PUs of one core used, smt %u", i,
                     counts[j], smt);
    }
}

/* GPUs: as asked, never shared; the cpuset inside their locality or a
 * note says why not. */
static void check_gpus(const hpcl_plan *p, const hpcl_topo *t, unsigned i,
                       hwloc_const_bitmap_t set, hwloc_bitmap_t used)
{
    unsigned n;
    const unsigned *g = hpcl_plan_task_gpus(p, i, &n);
    hwloc_bitmap_t loc = hwloc_bitmap_alloc(), one = hwloc_bitmap_alloc();

    assert_int_equal(n, p->gpus);
    for (unsigned k = 0; k < n; k++) {
        assert_false(hwloc_bitmap_isset(used, g[k]));
        hwloc_bitmap_set(used, g[k]);
        hwloc_bitmap_list_sscanf(one, hpcl_topo_gpu_locality(t, g[k]));
        hwloc_bitmap_or(loc, loc, one);
    }
    if (n > 0 && !hwloc_bitmap_isincluded(set, loc) && !has_task_note(p, i))
        fail_msg("task %u: cpuset %s outside its GPUs' locality and no "
                 "note", i, hpcl_plan_task_cpuset(p, i));
    hwloc_bitmap_free(loc);
    hwloc_bitmap_free(one);
}

/* Spread over domains with room for their share: counts differ by <= 1. */
static void check_balance(const hpcl_plan *p, const hpcl_topo *t)
{
    unsigned count[1024] = {0}, lo = ~0u, hi = 0, c;
    unsigned share = (p->ntasks + t->ndoms - 1) / t->ndoms;

    if (p->dist != HPCL_DIST_SPREAD || p->gpus > 0 || t->ndoms > 1024)
        return;
    c = (p->threads + p->smt - 1) / (p->smt ? p->smt : t->max_smt);
    for (unsigned d = 0; d < t->ndoms; d++)
        if (t->doms[d].core_hi - t->doms[d].core_lo < share * c)
            return;
    for (unsigned i = 0; i < p->ntasks; i++)
        count[p->tasks[i].home]++;
    for (unsigned d = 0; d < t->ndoms; d++) {
        lo = count[d] < lo ? count[d] : lo;
        hi = count[d] > hi ? count[d] : hi;
    }
    if (hi - lo > 1)
        fail_msg("tasks per NUMA domain from %u to %u", lo, hi);
}

/* Compute c on t and check every rule; the same input again gives the
 * same JSON. */
static void check_plan(const char *label, hpcl_topo *t, const struct cfg *c)
{
    hpcl_plan *p = make_plan(t, c), *again = make_plan(t, c);
    hwloc_bitmap_t all = hwloc_bitmap_alloc(), set = hwloc_bitmap_alloc();
    hwloc_bitmap_t gpus = hwloc_bitmap_alloc();
    unsigned smt = c->smt ? c->smt : 64;
    char *j1, *j2;

    if (hpcl_plan_compute(p) != HPCL_OK)
        fail_msg("%s %ux%ux%u smt %u: %s", label, c->ntasks, c->threads,
                 c->gpus, c->smt, hpcl_ctx_errmsg(ctx));
    assert_int_equal(hpcl_plan_ntasks(p), c->ntasks);
    for (unsigned i = 0; i < c->ntasks; i++) {
        assert_int_equal(hwloc_bitmap_list_sscanf(
                             set, hpcl_plan_task_cpuset(p, i)), 0);
        if (hwloc_bitmap_intersects(all, set))
            fail_msg("%s: task %u shares PUs", label, i);
        hwloc_bitmap_or(all, all, set);
        check_pus(p, t, i, set, smt);
        check_gpus(p, t, i, set, gpus);
    }
    check_balance(p, t);
    assert_int_equal(hpcl_plan_compute(again), HPCL_OK);
    j1 = plan_json(p);
    j2 = plan_json(again);
    assert_string_equal(j1, j2);
    free(j1);
    free(j2);
    hwloc_bitmap_free(all);
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(gpus);
    hpcl_plan_destroy(p);
    hpcl_plan_destroy(again);
}

static unsigned at_least_1(unsigned n)
{
    return n ? n : 1;
}

/* A set of plans sized from the topology, all of which fit. */
static void check_topology(const char *label, hpcl_topo *t)
{
    unsigned C = t->ncores, G = t->ngpus, D = t->ndoms, S = t->max_smt;
    unsigned dmin = C;
    const struct cfg *c;
    unsigned checked = 0;

    for (unsigned d = 0; d < D; d++)
        if (t->doms[d].core_hi - t->doms[d].core_lo < dmin)
            dmin = t->doms[d].core_hi - t->doms[d].core_lo;
    const struct cfg cfgs[] = {
        {1, 1, 0, 1, HPCL_DIST_SPREAD},
        {D, dmin, 0, 1, HPCL_DIST_SPREAD},
        {at_least_1(C / 2), 2, 0, 1, HPCL_DIST_SPREAD},
        {at_least_1(C / 2), 2, 0, 1, HPCL_DIST_COMPACT},
        {C, 1, 0, 1, HPCL_DIST_SPREAD},
        {at_least_1(C / 4), 4, 0, S, HPCL_DIST_SPREAD},
        {at_least_1(C / 8), 8 * S - 1, 0, 0, HPCL_DIST_COMPACT},
        {at_least_1(D / 2), 3, 0, 2, HPCL_DIST_SPREAD},
        {G, at_least_1(C / at_least_1(G)), 1, 1, HPCL_DIST_SPREAD},
        {at_least_1(G / 2), at_least_1(2 * C / at_least_1(G)), 1, 1,
         HPCL_DIST_SPREAD},
        {at_least_1(G / 2), 2, 2, 1, HPCL_DIST_SPREAD},
        {at_least_1(G / 2), 4, 1, 1, HPCL_DIST_COMPACT},
        {at_least_1(G / 3), 3, 3, 2, HPCL_DIST_COMPACT},
    };

    for (c = cfgs; c < cfgs + sizeof cfgs / sizeof cfgs[0]; c++)
        if (c->ntasks > 0 && (c->gpus == 0 || c->gpus * c->ntasks <= G) &&
            c->ntasks * ((c->threads + (c->smt ? c->smt : S) - 1) /
                         (c->smt ? (c->smt < S ? c->smt : S) : S)) <= C) {
            check_plan(label, t, c);
            checked++;
        }
    print_message("# %s: %u plans checked\n", label, checked);
}

static void plan_rules_on_every_shared_topology(void **state)
{
    int n = 0;
    struct dirent **names = shared_names(&n);

    (void)state;
    SKIP_WITHOUT_SHARED(shared_dir());
    for (int i = 0; i < n; i++) {
        hpcl_topo *t = load_xml(shared_xml(names[i]->d_name));

        check_topology(names[i]->d_name, t);
        hpcl_topo_destroy(t);
    }
    free_names(names, n);
}

static void plan_rules_on_fixtures(void **state)
{
    static const char *const synth[] = {
        "pack:2 [numa] core:8 pu:2", "pack:2 group:4 [numa] l3:1 core:6 pu:4",
        "pack:3 [numa] core:5 pu:1", "pu:4"};
    hpcl_topo *t;

    (void)state;
    t = load_xml(fixture("gpu-edge-cases.xml"));
    check_topology("gpu-edge-cases", t);
    hpcl_topo_destroy(t);
    t = load_xml(fixture("mi300a-cpx.xml"));
    check_topology("mi300a-cpx", t);
    hpcl_topo_destroy(t);
    for (size_t i = 0; i < sizeof synth / sizeof synth[0]; i++) {
        t = load_synthetic(synth[i]);
        check_topology(synth[i], t);
        hpcl_topo_destroy(t);
    }
}

/* The acceptance case: 4 tasks x 8 threads x 1 GPU on the XE8640; each
 * task gets its own H100 and 8 cores of that GPU's NUMA node. */
static void plan_acceptance_xe8640(void **state)
{
    const struct cfg c = {4, 8, 1, 1, HPCL_DIST_SPREAD};
    const char *path = shared_xml("dell-xe8640-2x56c-snc4-4xh100.xml");
    hpcl_topo *t;
    hpcl_plan *p;
    hwloc_bitmap_t set, loc;

    (void)state;
    SKIP_WITHOUT_SHARED(path);
    set = hwloc_bitmap_alloc();
    loc = hwloc_bitmap_alloc();
    t = load_xml(path);
    p = make_plan(t, &c);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    for (unsigned i = 0; i < 4; i++) {
        unsigned n;
        const unsigned *g = hpcl_plan_task_gpus(p, i, &n);

        assert_int_equal(n, 1);
        assert_int_equal(g[0], i); /* distinct, in locality order */
        assert_string_equal(hpcl_plan_task_numa(p, i),
                            hpcl_topo_gpu_numa(t, g[0]));
        hwloc_bitmap_list_sscanf(set, hpcl_plan_task_cpuset(p, i));
        hwloc_bitmap_list_sscanf(loc, hpcl_topo_gpu_locality(t, g[0]));
        assert_true(hwloc_bitmap_isincluded(set, loc));
        assert_int_equal(hwloc_bitmap_weight(set), 16); /* 8 SMT2 cores */
        assert_int_equal(p->tasks[i].ncores, 8);
    }
    assert_string_equal(hpcl_plan_task_cpuset(p, 0), "14-21,126-133");
    assert_string_equal(hpcl_plan_task_cpuset(p, 3), "98-105,210-217");
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(loc);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

/* Impossible plans: the message says what does not fit and what would. */
static void expect_error(hpcl_topo *t, const struct cfg *c, hpcl_rc rc,
                         const char *const *parts)
{
    hpcl_plan *p = make_plan(t, c);

    assert_int_equal(hpcl_plan_compute(p), rc);
    for (; *parts != NULL; parts++)
        if (strstr(hpcl_ctx_errmsg(ctx), *parts) == NULL)
            fail_msg("\"%s\" not in \"%s\"", *parts, hpcl_ctx_errmsg(ctx));
    assert_null(hpcl_plan_task_cpuset(p, 0));
    assert_null(hpcl_plan_notes(p));
    hpcl_plan_destroy(p);
}

static void plan_impossible_says_what_fits(void **state)
{
    static const char *const cores[] = {
        "12 tasks x 8 threads need 96 cores", "64 cores are usable",
        "would fit: 8 tasks x 8 threads", "12 tasks x 5 threads",
        "with 2 threads per core (smt 2)", "oversubscription", NULL};
    static const char *const gpus[] = {
        "2 tasks x 3 GPUs need 6 GPUs", "this node has 4",
        "would fit: 1 task x 3 GPUs or 2 tasks x 2 GPUs", NULL};
    static const char *const nogpu[] = {"this node has 0 GPUs", NULL};
    static const char *const big[] = {"a task of 200 threads needs 100 "
                                      "cores", "at most 128 threads", NULL};
    const struct cfg c1 = {12, 8, 0, 1, HPCL_DIST_SPREAD};
    const struct cfg c2 = {2, 1, 3, 1, HPCL_DIST_SPREAD};
    const struct cfg c3 = {1, 1, 1, 1, HPCL_DIST_SPREAD};
    const struct cfg c4 = {1, 200, 0, 2, HPCL_DIST_SPREAD};
    hpcl_topo *t = load_synthetic("pack:2 [numa] core:32 pu:2");
    hpcl_topo *x = load_xml(fixture("gpu-edge-cases.xml"));

    (void)state;
    expect_error(t, &c1, HPCL_E_PLAN, cores);
    expect_error(x, &c2, HPCL_E_NOGPU, gpus);
    expect_error(t, &c3, HPCL_E_NOGPU, nogpu);
    expect_error(t, &c4, HPCL_E_PLAN, big);
    hpcl_topo_destroy(t);
    hpcl_topo_destroy(x);
}

static const char *env_of(const hpcl_plan *p, unsigned i, const char *key)
{
    size_t n = strlen(key);

    for (const char *const *e = hpcl_plan_task_env(p, i); *e != NULL; e++)
        if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* Device variables by vendor; a GPU without vendor gets a note. */
static void plan_env_per_vendor(void **state)
{
    const struct cfg c = {4, 2, 1, 1, HPCL_DIST_SPREAD};
    hpcl_topo *t = load_xml(fixture("gpu-edge-cases.xml"));
    hpcl_plan *p = make_plan(t, &c);

    (void)state;
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(env_of(p, 0, "OMP_NUM_THREADS"), "2");
    assert_string_equal(env_of(p, 0, "OMP_PLACES"), "{0},{2}");
    assert_string_equal(env_of(p, 0, "OMP_PROC_BIND"), "close");
    assert_string_equal(env_of(p, 0, "CUDA_VISIBLE_DEVICES"), "0");
    assert_string_equal(env_of(p, 0, "CUDA_DEVICE_ORDER"), "PCI_BUS_ID");
    assert_null(env_of(p, 1, "CUDA_VISIBLE_DEVICES"));
    assert_null(env_of(p, 1, "ROCR_VISIBLE_DEVICES"));
    assert_string_equal(env_of(p, 2, "CUDA_VISIBLE_DEVICES"), "1");
    assert_string_equal(env_of(p, 3, "ZE_AFFINITY_MASK"), "0");
    assert_string_equal(env_of(p, 3, "UCX_NET_DEVICES"), "mlx5_0:1");
    assert_string_equal(hpcl_plan_task_cpuset(p, 0), "0-3");
    assert_string_equal(hpcl_plan_notes(p)[0],
                        "task 1: GPU opencl0d1 (0000:2a:00.0) has no "
                        "vendor information; no device variable selects it");
    assert_null(hpcl_plan_notes(p)[1]);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

/* Partitions: one GPU each, the PCI id repeated, ROCR by RSMI index. */
static void plan_partitions(void **state)
{
    const struct cfg c = {24, 4, 1, 1, HPCL_DIST_SPREAD};
    hpcl_topo *t = load_xml(fixture("mi300a-cpx.xml"));
    hpcl_plan *p = make_plan(t, &c);
    char *text, want[16];
    json_t *j, *tasks;

    (void)state;
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_null(hpcl_plan_notes(p)[0]);
    text = plan_json(p);
    assert_non_null(j = json_loads(text, 0, NULL));
    tasks = json_object_get(j, "tasks");
    assert_int_equal(json_array_size(tasks), 24);
    for (unsigned i = 0; i < 24; i++) {
        json_t *task = json_array_get(tasks, i);
        json_t *gpu = json_array_get(json_object_get(task, "gpus"), 0);

        snprintf(want, sizeof want, "0000:%02x:00.0", 2 + 32 * (i / 6));
        assert_string_equal(json_string_value(json_object_get(gpu, "pci")),
                            want);
        assert_int_equal(json_integer_value(json_object_get(
                             gpu, "visible_index")), i);
        snprintf(want, sizeof want, "%u", i);
        assert_string_equal(env_of(p, i, "ROCR_VISIBLE_DEVICES"), want);
        assert_null(env_of(p, i, "UCX_NET_DEVICES"));
        snprintf(want, sizeof want, "hsi%u", i / 6);
        assert_string_equal(json_string_value(json_object_get(task, "nic")),
                            want);
    }
    json_decref(j);
    free(text);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

/* Too few cores near a GPU: the nearest others, same package first, and
 * the plan says so. */
static void plan_note_when_gpu_cores_short(void **state)
{
    const struct cfg c = {4, 20, 1, 1, HPCL_DIST_SPREAD};
    const struct cfg f = {3, 5, 1, 1, HPCL_DIST_SPREAD};
    const char *path = shared_xml("dell-xe8640-2x56c-snc4-4xh100.xml");
    hpcl_topo *t = load_xml(fixture("gpu-edge-cases.xml"));
    hpcl_plan *p = make_plan(t, &f);

    (void)state;
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(hpcl_plan_notes(p)[0],
                        "task 1: GPU opencl0d1's NUMA node 0 has 3 free "
                        "cores; took 2 from NUMA node 1 (other package)");
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
    SKIP_WITHOUT_SHARED(path);
    t = load_xml(path);
    p = make_plan(t, &c);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(hpcl_plan_notes(p)[0],
                        "task 0: GPU nvml1's NUMA node 1 has 14 free cores; "
                        "took 6 from NUMA node 0 (same package)");
    assert_string_equal(hpcl_plan_task_cpuset(p, 0),
                        "0-5,14-27,112-117,126-139");
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

static void plan_spread_and_compact(void **state)
{
    struct cfg c = {2, 4, 0, 1, HPCL_DIST_SPREAD};
    hpcl_topo *t = load_synthetic("pack:2 [numa] core:8 pu:2");
    hpcl_plan *p = make_plan(t, &c);

    (void)state;
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(hpcl_plan_task_cpuset(p, 0), "0-7");
    assert_string_equal(hpcl_plan_task_cpuset(p, 1), "16-23");
    assert_string_equal(hpcl_plan_task_numa(p, 1), "1");
    hpcl_plan_destroy(p);
    c.dist = HPCL_DIST_COMPACT;
    p = make_plan(t, &c);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(hpcl_plan_task_cpuset(p, 1), "8-15");
    hpcl_plan_destroy(p);
    c.smt = 2; /* two threads per core: half the cores */
    p = make_plan(t, &c);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(hpcl_plan_task_cpuset(p, 1), "4-7");
    assert_string_equal(env_of(p, 1, "OMP_PLACES"), "{4},{5},{6},{7}");
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

static void plan_oversubscribe(void **state)
{
    const struct cfg c = {4, 4, 0, 1, HPCL_DIST_SPREAD};
    hpcl_topo *t = load_synthetic("pack:1 [numa] core:8 pu:1");
    hpcl_plan *p = make_plan(t, &c);

    (void)state;
    assert_int_equal(hpcl_plan_compute(p), HPCL_E_PLAN);
    assert_int_equal(hpcl_plan_set_oversubscribe(p, 1), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(hpcl_plan_task_cpuset(p, 0), "0-3");
    assert_string_equal(hpcl_plan_task_cpuset(p, 2), "0-3");
    assert_non_null(strstr(hpcl_plan_notes(p)[0], "oversubscribed: 4 tasks "
                           "in 2 rounds"));
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

static void plan_inputs(void **state)
{
    hpcl_topo *t = load_synthetic("pack:2 [numa] core:4 pu:2");
    hpcl_plan *p = NULL;
    unsigned n = 7;

    (void)state;
    assert_int_equal(hpcl_plan_create(&p, NULL), HPCL_E_INVAL);
    assert_int_equal(hpcl_plan_create(&p, t), HPCL_OK);
    assert_int_equal(hpcl_plan_set_ntasks(p, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_plan_set_threads_per_task(p, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_plan_set_distribution(p, (hpcl_distribution)9),
                     HPCL_E_INVAL);
    assert_int_equal(hpcl_plan_set_ntasks(NULL, 1), HPCL_E_INVAL);
    assert_null(hpcl_plan_task_pus(p, 0, &n));
    assert_int_equal(n, 0);
    assert_int_equal(hpcl_plan_task_nic(p, 0), -1);
    assert_int_equal(hpcl_plan_ntasks(p), 0);
    assert_null(hpcl_plan_task_env(p, 0));
    /* From the environment; a bad value changes nothing. */
    setenv("OMP_NUM_THREADS", "3,2", 1);
    setenv("HPCL_SMT", "2", 1);
    setenv("HPCL_DISTRIBUTION", "compact", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(p->threads, 3);
    assert_int_equal(p->smt, 2);
    assert_int_equal(p->dist, HPCL_DIST_COMPACT);
    setenv("HPCL_THREADS_PER_TASK", "4", 1);
    setenv("HPCL_GPUS_PER_TASK", "-1", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "HPCL_GPUS_PER_TASK"));
    assert_int_equal(p->threads, 3);
    unsetenv("HPCL_GPUS_PER_TASK");
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(p->threads, 4);
    assert_int_equal(hpcl_plan_set_from_env(p, 2), HPCL_E_INVAL);
    unsetenv("OMP_NUM_THREADS");
    unsetenv("HPCL_SMT");
    unsetenv("HPCL_DISTRIBUTION");
    unsetenv("HPCL_THREADS_PER_TASK");
    hpcl_plan_destroy(p);
    hpcl_plan_destroy(NULL);
    hpcl_topo_destroy(t);
}

static void plan_table_and_json(void **state)
{
    const struct cfg c = {2, 2, 1, 1, HPCL_DIST_SPREAD};
    hpcl_topo *t = load_xml(fixture("gpu-edge-cases.xml"));
    hpcl_plan *p = make_plan(t, &c);
    char *text = NULL;
    json_t *j, *task;

    (void)state;
    assert_int_equal(hpcl_plan_to_table(&text, p, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_int_equal(hpcl_plan_to_json(&text, p, 4), HPCL_E_INVAL);
    assert_int_equal(hpcl_plan_to_table(&text, p, 0), HPCL_OK);
    assert_string_equal(text,
        "RANK  CPUSET  PUS    NUMA  GPU                          VISIBLE  NIC\n"
        "0     0-3     0,2    0     nvml0 (0000:17:00.0)         0        mlx5_0\n"
        "1     16-19   16,18  1     0000:b1:00.0 (0000:b1:00.0)  1        mlx5_0\n");
    free(text);
    text = plan_json(p);
    assert_non_null(j = json_loads(text, 0, NULL));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "inputs"), "ntasks")), 2);
    assert_int_equal(json_array_size(json_object_get(j, "notes")), 0);
    task = json_array_get(json_object_get(j, "tasks"), 1);
    assert_int_equal(json_integer_value(json_object_get(task, "local_rank")),
                     1);
    assert_string_equal(json_string_value(json_object_get(task, "cpuset")),
                        "16-19");
    assert_int_equal(json_array_size(json_object_get(task, "pus")), 2);
    assert_int_equal(json_integer_value(json_array_get(
                         json_object_get(task, "numa"), 0)), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(task, "env"),
                            "CUDA_VISIBLE_DEVICES")), "1");
    json_decref(j);
    free(text);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

static double seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Mean time of one hpcl_plan_compute() over a few runs. */
static double plan_time(hpcl_topo *t, const struct cfg *c)
{
    hpcl_plan *p = make_plan(t, c);
    double t0 = seconds();
    int n = 0;

    do
        assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    while (++n < 5 || seconds() - t0 < 0.05);
    hpcl_plan_destroy(p);
    return (seconds() - t0) / n;
}

/* No quadratic walk: 128 tasks on 16,384 PUs well within 10 ms in an
 * optimised build (the bound here leaves room for sanitizers). */
static void plan_speed(void **state)
{
    const struct cfg big = {128, 64, 0, 1, HPCL_DIST_SPREAD};
    const struct cfg gpu = {4, 4, 1, 1, HPCL_DIST_SPREAD};
    hpcl_topo *t = load_synthetic("pack:16 [numa] l3:16 core:32 pu:2");
    double s;

    (void)state;
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_PU), 16384);
    s = plan_time(t, &big);
    print_message("# 128 tasks x 64 threads on 16384 PUs: %.0f us\n",
                  s * 1e6);
    assert_true(s < 0.1);
    hpcl_topo_destroy(t);
    t = load_xml(fixture("gpu-edge-cases.xml"));
    s = plan_time(t, &gpu);
    print_message("# 4 tasks x 4 threads x 1 GPU, 32 PUs: %.1f us\n",
                  s * 1e6);
    assert_true(s < 0.01);
    hpcl_topo_destroy(t);
}

HPCL_TEST_MAIN(setup, teardown,
               cmocka_unit_test(plan_rules_on_fixtures),
               cmocka_unit_test(plan_rules_on_every_shared_topology),
               cmocka_unit_test(plan_acceptance_xe8640),
               cmocka_unit_test(plan_impossible_says_what_fits),
               cmocka_unit_test(plan_env_per_vendor),
               cmocka_unit_test(plan_partitions),
               cmocka_unit_test(plan_note_when_gpu_cores_short),
               cmocka_unit_test(plan_spread_and_compact),
               cmocka_unit_test(plan_oversubscribe),
               cmocka_unit_test(plan_inputs),
               cmocka_unit_test(plan_table_and_json),
               cmocka_unit_test(plan_speed))
