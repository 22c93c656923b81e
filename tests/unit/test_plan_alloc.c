/* Placement inside allocations: partial CPU and GPU sets on every real
 * topology, the GPU indexes a task sees, Slurm's step variables, Slurm's
 * CPU units (-c counts hardware threads), and messages that say why. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcl_test.h"
#include "place/plan-internal.h"
#include "topo_util.h"

#define XE8640 "dell-xe8640-2x56c-snc4-4xh100.xml"

static hpcl_ctx *ctx;

static const char *const env_vars[] = {
    "SLURM_STEP_GPUS", "SLURM_JOB_GPUS", "CUDA_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES", "ZE_AFFINITY_MASK", "GPU_DEVICE_ORDINAL",
    "SLURM_HINT", "SLURM_THREADS_PER_CORE", "HPCL_SMT", "SLURM_GPUS_ON_NODE",
    "HPCL_GPUS_PER_TASK", NULL};

static void clear_env(void)
{
    for (const char *const *v = env_vars; *v != NULL; v++)
        unsetenv(*v);
}

static int setup(void **state)
{
    (void)state;
    clear_env();
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

    if (hpcl_topo_load_xml(&t, ctx, path, 0) != HPCL_OK)
        fail_msg("%s: %s", path, hpcl_ctx_errmsg(ctx));
    return t;
}

static hpcl_plan *plan_of(hpcl_topo *t, unsigned n, unsigned c, unsigned g)
{
    hpcl_plan *p = NULL;

    assert_int_equal(hpcl_plan_create(&p, t), HPCL_OK);
    assert_int_equal(hpcl_plan_set_ntasks(p, n), HPCL_OK);
    assert_int_equal(hpcl_plan_set_threads_per_task(p, c), HPCL_OK);
    assert_int_equal(hpcl_plan_set_gpus_per_task(p, g), HPCL_OK);
    return p;
}

static int has_task_note(const hpcl_plan *p, unsigned i)
{
    char head[32];

    snprintf(head, sizeof head, "task %u:", i);
    for (const char *const *n = hpcl_plan_notes(p); *n != NULL; n++)
        if (strncmp(*n, head, strlen(head)) == 0)
            return 1;
    return 0;
}

/* Some note of the plan holds text. */
static int has_note(const hpcl_plan *p, const char *text)
{
    for (const char *const *n = hpcl_plan_notes(p); *n != NULL; n++)
        if (strstr(*n, text) != NULL)
            return 1;
    return 0;
}

/* The acceptance case: two tasks of 4 CPUs and 1 GPU in an allocation
 * of cores 0-15 (NUMA 0 and two cores of NUMA 1) and the H100s at 4e
 * (NUMA 3) and 5f (NUMA 1).  The task of 5f gets NUMA 1's two allocated
 * cores; the task of 4e has no allocated core near it, takes NUMA 0's
 * and a note says so; the tasks see the GPUs as 0 (4e) and 1 (5f). */
static void alloc_acceptance_xe8640(void **state)
{
    const char *path = shared_xml(XE8640);
    hpcl_topo *t;
    hpcl_plan *p;
    char *json = NULL;

    (void)state;
    SKIP_WITHOUT_SHARED(path);
    t = load_xml(path);
    assert_int_equal(hpcl_topo_restrict(t, "0-15,112-127",
                                        "0000:4e:00.0,0000:5f:00.0", 0),
                     HPCL_OK);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_GPU), 2);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_PU), 32);
    p = plan_of(t, 2, 4, 1);
    if (hpcl_plan_compute(p) != HPCL_OK)
        fail_msg("%s", hpcl_ctx_errmsg(ctx));
    for (unsigned i = 0; i < 2; i++) {
        unsigned n;
        const unsigned *g = hpcl_plan_task_gpus(p, i, &n);
        const char *pci = hpcl_topo_gpu_pci(t, g[0]);
        const char *cpus = hpcl_plan_task_cpuset(p, i);
        const char *const *env = hpcl_plan_task_env(p, i);
        int want = strcmp(pci, "0000:4e:00.0") == 0 ? 0 : 1;
        char var[64];

        assert_int_equal(n, 1);
        assert_int_equal(hpcl_topo_gpu_visible_index(t, g[0]), want);
        snprintf(var, sizeof var, "CUDA_VISIBLE_DEVICES=%d", want);
        for (; *env != NULL && strcmp(*env, var) != 0; env++)
            ;
        if (*env == NULL)
            fail_msg("task %u: no %s", i, var);
        if (want == 1)
            assert_string_equal(cpus, "14-15,126-127"); /* NUMA 1 */
        else {
            assert_string_equal(hpcl_plan_task_numa(p, i), "0");
            assert_true(has_task_note(p, i));
        }
    }
    assert_int_equal(hpcl_plan_to_json(&json, p, 0), HPCL_OK);
    assert_non_null(strstr(json, "\"visible_index\": 0"));
    assert_non_null(strstr(json, "\"visible_index\": 1"));
    assert_non_null(strstr(json, "\"gpu_count\": 2,"));
    assert_non_null(strstr(json, "\"node_gpu_count\": 4,"));
    free(json);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

/* Every rule of a plan inside an allocation: CPUs inside it, GPUs among
 * its GPUs, no PU or GPU shared, each task near its GPU unless a note
 * says why. */
static void check_alloc_plan(const char *label, hpcl_topo *t,
                             hwloc_const_bitmap_t alloc, unsigned n,
                             unsigned c, unsigned g)
{
    hpcl_plan *p = plan_of(t, n, c, g);
    hwloc_bitmap_t all = hwloc_bitmap_alloc(), set = hwloc_bitmap_alloc();
    hwloc_bitmap_t loc = hwloc_bitmap_alloc();
    unsigned char used[256] = {0};

    if (hpcl_plan_compute(p) != HPCL_OK)
        fail_msg("%s: %ux%ux%u: %s", label, n, c, g, hpcl_ctx_errmsg(ctx));
    for (unsigned i = 0; i < n; i++) {
        unsigned ng;
        const unsigned *gp = hpcl_plan_task_gpus(p, i, &ng);

        hwloc_bitmap_list_sscanf(set, hpcl_plan_task_cpuset(p, i));
        if (!hwloc_bitmap_isincluded(set, alloc))
            fail_msg("%s: task %u CPUs %s outside the allocation", label, i,
                     hpcl_plan_task_cpuset(p, i));
        if (hwloc_bitmap_intersects(set, all))
            fail_msg("%s: task %u shares CPUs", label, i);
        hwloc_bitmap_or(all, all, set);
        assert_int_equal(ng, g);
        for (unsigned k = 0; k < ng; k++) {
            assert_true(gp[k] < t->ngpus); /* among the allocated */
            if (used[gp[k]]++)
                fail_msg("%s: GPU %u shared", label, gp[k]);
        }
        if (ng == 0)
            continue;
        hwloc_bitmap_list_sscanf(loc, hpcl_topo_gpu_locality(t, gp[0]));
        if (!hwloc_bitmap_isincluded(set, loc) && !has_task_note(p, i))
            fail_msg("%s: task %u CPUs %s not near GPU %s (%s), no note",
                     label, i, hpcl_plan_task_cpuset(p, i),
                     hpcl_topo_gpu_name(t, gp[0]),
                     hpcl_topo_gpu_locality(t, gp[0]));
    }
    hwloc_bitmap_free(all);
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(loc);
    hpcl_plan_destroy(p);
}

/* The visible indexes of each vendor's allocated GPUs are 0..k-1. */
static void check_visible(const char *label, const hpcl_topo *t)
{
    for (unsigned i = 0; i < t->ngpus; i++) {
        unsigned same = 0;

        if (t->gpus[i].visible < 0)
            continue;
        for (unsigned j = 0; j < t->ngpus; j++)
            if (t->gpus[j].vendor == t->gpus[i].vendor &&
                strcmp(t->gpus[j].pci, t->gpus[i].pci) != 0)
                same++;
        if (t->gpus[i].visible > (int)same)
            fail_msg("%s: GPU %s visible %d among %u", label,
                     t->gpus[i].name, t->gpus[i].visible, same + 1);
    }
}

/* One partial allocation of a topology: the PUs of the cores whose index
 * modulo `mod` is below `keep`, and every other GPU from `first`.  Plans
 * sized to it must hold all the rules. */
static void check_allocation(const char *path, const char *name,
                             unsigned mod, unsigned keep, unsigned first)
{
    hpcl_topo *t = load_xml(path);
    hwloc_bitmap_t alloc = hwloc_bitmap_alloc();
    char *cpus = NULL, gpus[1024] = "", label[256];
    unsigned len = 0, ngpus = 0, C, G;

    for (unsigned c = 0; c < t->ncores; c++)
        if (c % mod < keep)
            for (unsigned k = 0; k < t->cores[c].npus; k++)
                hwloc_bitmap_set(alloc, t->pus[t->cores[c].pu_first + k]);
    hwloc_bitmap_list_asprintf(&cpus, alloc);
    for (unsigned i = first; i < t->ngpus; i += 2)
        if (i == first || strcmp(t->gpus[i].pci, t->gpus[i - 1].pci) != 0) {
            len += (unsigned)snprintf(gpus + len, sizeof gpus - len, "%s%s",
                                      len ? "," : "", t->gpus[i].pci);
            ngpus++;
        }
    snprintf(label, sizeof label, "%s cpus %u/%u gpus from %u", name, keep,
             mod, first);
    if (hpcl_topo_restrict(t, cpus, ngpus ? gpus : NULL, 0) != HPCL_OK)
        fail_msg("%s: %s", label, hpcl_ctx_errmsg(ctx));
    assert_true(hwloc_bitmap_isequal(t->usable, alloc));
    C = t->ncores;
    G = t->ngpus;
    for (unsigned i = 0; i < G && ngpus > 0; i++)
        if (strstr(gpus, t->gpus[i].pci) == NULL)
            fail_msg("%s: GPU %s kept, not allocated", label,
                     t->gpus[i].pci);
    if (ngpus == 0)
        assert_int_equal(G, t->node_gpus);
    check_visible(label, t);
    check_alloc_plan(label, t, alloc, C, 1, 0);
    check_alloc_plan(label, t, alloc, C / 2 ? C / 2 : 1, t->max_smt, 0);
    if (G > 0) {
        check_alloc_plan(label, t, alloc, G, 1, 1);
        if (C / G >= 2)
            check_alloc_plan(label, t, alloc, G, 2 * t->max_smt, 1);
    }
    free(cpus);
    hwloc_bitmap_free(alloc);
    hpcl_topo_destroy(t);
}

static void alloc_partial_on_every_shared_topology(void **state)
{
    int n = 0;
    struct dirent **names = shared_names(&n);
    char path[4096];

    (void)state;
    SKIP_WITHOUT_SHARED(n > 0 ? shared_dir() : NULL);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", shared_dir(), names[i]->d_name);
        check_allocation(path, names[i]->d_name, 2, 1, 0); /* even cores */
        check_allocation(path, names[i]->d_name, 4, 3, 1); /* 3 of 4 */
        check_allocation(path, names[i]->d_name, 8, 2, 1); /* a quarter */
    }
    print_message("# %d topologies, 3 allocations each\n", n);
    free_names(names, n);
}

/* Errors name the offending value and what would be right. */
static void alloc_errors_say_what(void **state)
{
    const char *path = shared_xml(XE8640);
    hpcl_topo *t;
    hpcl_plan *p;

    (void)state;
    SKIP_WITHOUT_SHARED(path);
    t = load_xml(path);
    assert_int_equal(hpcl_topo_restrict(t, "0-3,300", NULL, 0),
                     HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "CPUs 300"));
    assert_int_equal(hpcl_topo_restrict(t, "x", NULL, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_topo_restrict(t, NULL, "0000:01:00.0", 0),
                     HPCL_E_NOGPU);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "0000:4e:00.0"));
    assert_int_equal(hpcl_topo_restrict(t, NULL, "4e:00", 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_topo_restrict(t, NULL, NULL, 1), HPCL_E_INVAL);
    /* A failed restriction changed nothing. */
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_PU), 224);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_GPU), 4);
    /* Short bus ids are accepted; later restrictions keep the GPUs. */
    assert_int_equal(hpcl_topo_restrict(t, NULL, "4e:00.0", 0), HPCL_OK);
    assert_int_equal(hpcl_topo_restrict(t, "56-111,168-223", NULL, 0),
                     HPCL_OK);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_GPU), 1);
    assert_int_equal(hpcl_topo_gpu_visible_index(t, 0), 0);
    p = plan_of(t, 2, 1, 1);
    assert_int_equal(hpcl_plan_compute(p), HPCL_E_NOGPU);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "the allocation has 1 "
                                                 "(of the node's 4)"));
    hpcl_plan_destroy(p);
    /* The only GPU has no allocated core nearby: the note says so. */
    p = plan_of(t, 1, 2, 1);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_non_null(strstr(hpcl_plan_notes(p)[0], "no usable local core "
                                                  "(its CPUs are outside the "
                                                  "allocation)"));
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

/* The GPU a node index names: the same vendor's, by visible index. */
static const char *pci_of_index(const hpcl_topo *t, int idx)
{
    for (unsigned i = 0; i < t->ngpus; i++)
        if (t->gpus[i].visible == idx)
            return t->gpus[i].pci;
    return NULL;
}

/* Slurm's step variables: which GPUs, and the index each task sees. */
static void alloc_from_slurm_env(void **state)
{
    static const struct {
        const char *step, *cvd;
        int visible[2];
    } cases[] = {
        {"1,3", "0,1", {0, 1}},  /* ConstrainDevices: renumbered */
        {"1,3", "1,3", {1, 3}},  /* no constraint: the node's numbers */
        {"2,3", "0", {0, 1}},    /* per-task binding, constrained */
        {"2-3", "3", {2, 3}},    /* per-task binding, not constrained */
        {"3,1", "1,0", {1, 0}},  /* Slurm's order, paired */
    };
    const char *path = shared_xml(XE8640);
    hpcl_topo *node;

    (void)state;
    SKIP_WITHOUT_SHARED(path);
    node = load_xml(path);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hpcl_topo *t = load_xml(path);
        long a, b;

        setenv("SLURM_STEP_GPUS", cases[k].step, 1);
        setenv("CUDA_VISIBLE_DEVICES", cases[k].cvd, 1);
        if (hpcl_topo_restrict_from_env(t, 0) != HPCL_OK)
            fail_msg("%s/%s: %s", cases[k].step, cases[k].cvd,
                     hpcl_ctx_errmsg(ctx));
        assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_GPU), 2);
        sscanf(cases[k].step, "%ld%*[,-]%ld", &a, &b);
        for (unsigned i = 0; i < 2; i++) {
            const char *pci = hpcl_topo_gpu_pci(t, i);
            int want = strcmp(pci, pci_of_index(node, (int)a)) == 0
                           ? cases[k].visible[0]
                           : cases[k].visible[1];

            if (strcmp(pci, pci_of_index(node, (int)a)) != 0)
                assert_string_equal(pci, pci_of_index(node, (int)b));
            if (hpcl_topo_gpu_visible_index(t, i) != want)
                fail_msg("%s/%s: %s visible %d, not %d", cases[k].step,
                         cases[k].cvd, pci,
                         hpcl_topo_gpu_visible_index(t, i), want);
        }
        hpcl_topo_destroy(t);
    }
    /* Without SLURM_*_GPUS the device variable holds node indexes. */
    unsetenv("SLURM_STEP_GPUS");
    setenv("CUDA_VISIBLE_DEVICES", "2", 1);
    {
        hpcl_topo *t = load_xml(path);

        assert_int_equal(hpcl_topo_restrict_from_env(t, 0), HPCL_OK);
        assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_GPU), 1);
        assert_string_equal(hpcl_topo_gpu_pci(t, 0), pci_of_index(node, 2));
        assert_int_equal(hpcl_topo_gpu_visible_index(t, 0), 2);
        /* A GPU the node does not have: the message says which. */
        setenv("SLURM_JOB_GPUS", "7", 1);
        assert_int_equal(hpcl_topo_restrict_from_env(t, 0), HPCL_E_NOGPU);
        assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "SLURM_JOB_GPUS"));
        hpcl_topo_destroy(t);
    }
    clear_env();
    hpcl_topo_destroy(node);
}

/* srun --gpus-per-task gives each task only its own GPUs in
 * SLURM_STEP_GPUS: with all the node's GPUs in the step the set is known
 * anyway; otherwise the tasks plan CPUs without GPUs, each keeps what
 * srun gave it, and the note says why. */
static void alloc_per_task_gpus(void **state)
{
    const char *path = shared_xml(XE8640);
    hpcl_topo *t;
    hpcl_plan *p;
    const char *const *env;

    (void)state;
    SKIP_WITHOUT_SHARED(path);
    setenv("SLURM_STEP_GPUS", "2", 1);
    setenv("CUDA_VISIBLE_DEVICES", "2", 1);
    setenv("SLURM_GPUS_ON_NODE", "4", 1);
    t = load_xml(path);
    assert_int_equal(hpcl_topo_restrict_from_env(t, 0), HPCL_OK);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_GPU), 4);
    hpcl_topo_destroy(t);
    setenv("SLURM_GPUS_ON_NODE", "2", 1);
    setenv("HPCL_GPUS_PER_TASK", "1", 1);
    t = load_xml(path);
    assert_int_equal(hpcl_topo_restrict_from_env(t, 0), HPCL_OK);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_GPU), 0);
    p = plan_of(t, 2, 1, 0);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    if (hpcl_plan_compute(p) != HPCL_OK)
        fail_msg("%s", hpcl_ctx_errmsg(ctx));
    assert_true(has_note(p, "srun gave each task its own GPUs "
                            "(SLURM_STEP_GPUS=2 of the step's "
                            "SLURM_GPUS_ON_NODE=2 here)"));
    for (unsigned i = 0; i < 2; i++) {
        for (env = hpcl_plan_task_env(p, i);
             *env != NULL && strcmp(*env, "CUDA_VISIBLE_DEVICES=2") != 0;
             env++)
            ;
        assert_non_null(*env);
    }
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
    clear_env();
}

/* -c counts CPUs as Slurm does: on an SMT-2 node -n 2 -c 8 is 4 cores a
 * task by default (as srun without --hint), 8 cores with
 * --hint=nomultithread or --threads-per-core=1. */
static void slurm_cpu_units(void **state)
{
    hpcl_topo *t = NULL;
    hpcl_plan *p;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();

    (void)state;
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx,
                                              "pack:1 core:8 pu:2", 0),
                     HPCL_OK);
    p = plan_of(t, 2, 8, 0);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    for (unsigned i = 0; i < 2; i++) {
        hwloc_bitmap_list_sscanf(set, hpcl_plan_task_cpuset(p, i));
        assert_int_equal(hwloc_bitmap_weight(set), 8);
        assert_int_equal(p->tasks[i].ncores, 4);
    }
    assert_int_equal(hpcl_plan_set_smt(p, 1), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_E_PLAN);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "need 16 cores"));
    /* srun's variables: SLURM_HINT, then SLURM_THREADS_PER_CORE. */
    assert_int_equal(hpcl_plan_set_smt(p, 0), HPCL_OK);
    setenv("SLURM_HINT", "nomultithread", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(p->smt, 1);
    setenv("SLURM_THREADS_PER_CORE", "2", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(p->smt, 2);
    clear_env();
    setenv("SLURM_HINT", "multithread", 1);
    assert_int_equal(hpcl_plan_set_smt(p, 1), HPCL_OK);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(p->smt, 0);
    clear_env();
    hwloc_bitmap_free(set);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

HPCL_TEST_MAIN(setup, teardown,
               cmocka_unit_test(alloc_acceptance_xe8640),
               cmocka_unit_test(alloc_partial_on_every_shared_topology),
               cmocka_unit_test(alloc_errors_say_what),
               cmocka_unit_test(alloc_from_slurm_env),
               cmocka_unit_test(alloc_per_task_gpus),
               cmocka_unit_test(slurm_cpu_units))
