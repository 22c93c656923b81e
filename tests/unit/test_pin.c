/* Local rank from launcher variables; a real bind of this process. */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpclaunch.h>

#include "hpcl_test.h"
#include "topo_util.h"

static hpcl_ctx *ctx;
static cpu_set_t initial; /* the affinity to give back after each test */

static const char *const launcher_vars[] = {
    "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE",
    "PMIX_LOCAL_RANK", "PMIX_LOCAL_SIZE", "MPI_LOCALRANKID",
    "MPI_LOCALNRANKS", "SLURM_LOCALID", "SLURM_NODEID",
    "SLURM_STEP_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE",
    "SLURM_TASKS_PER_NODE", "OMP_NUM_THREADS", "OMP_PLACES",
    "OMP_PROC_BIND", "HPCL_THREADS_PER_TASK", "HPCL_GPUS_PER_TASK",
    "HPCL_SMT", "HPCL_DISTRIBUTION", "HPCL_OVERSUBSCRIBE",
    "SLURM_CPUS_PER_TASK", "SLURM_GPUS_PER_TASK", "HPCL_PINNED",
    "CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "ZE_AFFINITY_MASK",
    "GPU_DEVICE_ORDINAL"};

static int setup(void **state)
{
    (void)state;
    if (sched_getaffinity(0, sizeof initial, &initial) != 0)
        return -1;
    return hpcl_ctx_create(&ctx, 0) == HPCL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hpcl_ctx_destroy(ctx);
    return 0;
}

/* Before and after each test: no launcher variable, first affinity. */
static int clean(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof launcher_vars / sizeof *launcher_vars; i++)
        unsetenv(launcher_vars[i]);
    return sched_setaffinity(0, sizeof initial, &initial);
}

static void expect_rank(unsigned rank, unsigned size)
{
    unsigned r = 99, s = 99;

    if (hpcl_local_rank(&r, &s, ctx) != HPCL_OK)
        fail_msg("%s", hpcl_ctx_errmsg(ctx));
    assert_int_equal(r, rank);
    assert_int_equal(s, size);
}

static void expect_config_error(const char *part)
{
    unsigned r, s;

    assert_int_equal(hpcl_local_rank(&r, &s, ctx), HPCL_E_CONFIG);
    if (strstr(hpcl_ctx_errmsg(ctx), part) == NULL)
        fail_msg("\"%s\" not in \"%s\"", part, hpcl_ctx_errmsg(ctx));
}

static void local_rank_mpi_launchers(void **state)
{
    (void)state;
    expect_config_error("none of OMPI_COMM_WORLD_LOCAL_RANK, "
                        "PMIX_LOCAL_RANK, MPI_LOCALRANKID, SLURM_LOCALID");
    setenv("MPI_LOCALRANKID", "2", 1);
    setenv("MPI_LOCALNRANKS", "4", 1);
    expect_rank(2, 4);
    setenv("PMIX_LOCAL_RANK", "1", 1);
    setenv("PMIX_LOCAL_SIZE", "3", 1);
    expect_rank(1, 3);
    /* mpirun inside a batch job: Open MPI's own variables win. */
    setenv("SLURM_LOCALID", "0", 1);
    setenv("SLURM_TASKS_PER_NODE", "1", 1);
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", "5", 1);
    setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "8", 1);
    expect_rank(5, 8);
    setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "5", 1);
    expect_config_error("Open MPI: local rank 5 is not below the local "
                        "task count 5");
    unsetenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    expect_config_error("OMPI_COMM_WORLD_LOCAL_SIZE is unset");
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", "x1", 1);
    expect_config_error("OMPI_COMM_WORLD_LOCAL_RANK=\"x1\" is not a rank");
}

static void local_rank_slurm(void **state)
{
    (void)state;
    setenv("SLURM_LOCALID", "1", 1);
    expect_config_error("none of SLURM_STEP_TASKS_PER_NODE");
    setenv("SLURM_TASKS_PER_NODE", "2(x3),1", 1);
    expect_rank(1, 2); /* node 0 by default */
    setenv("SLURM_NODEID", "3", 1);
    setenv("SLURM_LOCALID", "0", 1);
    expect_rank(0, 1);
    setenv("SLURM_NODEID", "4", 1);
    expect_config_error("SLURM_TASKS_PER_NODE=\"2(x3),1\" gives no task "
                        "count for node 4");
    setenv("SLURM_NTASKS_PER_NODE", "6", 1);
    expect_rank(0, 6);
    setenv("SLURM_STEP_TASKS_PER_NODE", "4,3(x2),7", 1);
    setenv("SLURM_NODEID", "2", 1);
    expect_rank(0, 3);
    setenv("SLURM_NODEID", "3", 1);
    expect_rank(0, 7);
    setenv("SLURM_STEP_TASKS_PER_NODE", "4(x", 1);
    expect_config_error("SLURM_STEP_TASKS_PER_NODE");
    setenv("SLURM_STEP_TASKS_PER_NODE", "4", 1);
    setenv("SLURM_NODEID", "0", 1);
    setenv("SLURM_LOCALID", "4", 1);
    expect_config_error("Slurm: local rank 4 is not below");
}

static int cpu_count(void)
{
    cpu_set_t m;

    assert_int_equal(sched_getaffinity(0, sizeof m, &m), 0);
    return CPU_COUNT(&m);
}

/* A thread that exists before the bind and reports its affinity after. */
static pthread_barrier_t barrier;

static void *thread_main(void *arg)
{
    cpu_set_t *mask = arg;

    pthread_barrier_wait(&barrier); /* started */
    pthread_barrier_wait(&barrier); /* the process is bound */
    sched_getaffinity(0, sizeof *mask, mask);
    return NULL;
}

/* The last task of the node: bound to its core (all threads), OpenMP
 * variables set. */
static void pin_self_binds_process(void **state)
{
    char rank[16], size[16], places[32];
    unsigned n = (unsigned)cpu_count() < 2 ? 1 : 2;
    hpcl_topo *t = NULL;
    cpu_set_t mask, thread_mask;
    pthread_t thread;
    const char *cpuset;

    (void)state;
    snprintf(rank, sizeof rank, "%u", n - 1);
    snprintf(size, sizeof size, "%u", n);
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", rank, 1);
    setenv("OMPI_COMM_WORLD_LOCAL_SIZE", size, 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&thread, NULL, thread_main, &thread_mask);
    pthread_barrier_wait(&barrier);
    if (hpcl_pin_self(ctx, 0) != HPCL_OK)
        fail_msg("%s", hpcl_ctx_errmsg(ctx));
    pthread_barrier_wait(&barrier);
    pthread_join(thread, NULL);
    pthread_barrier_destroy(&barrier);
    /* After the bind this process sees only its own core. */
    assert_int_equal(hpcl_topo_load(&t, ctx, 0), HPCL_OK);
    assert_int_equal(hpcl_topo_count(t, HPCL_TOPO_CORE), 1);
    cpuset = getenv("OMP_PLACES");
    assert_non_null(cpuset);
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_true(CPU_EQUAL(&mask, &thread_mask));
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &mask)) {
            snprintf(places, sizeof places, "{%d}", cpu);
            break;
        }
    assert_int_equal(CPU_COUNT(&mask), hpcl_topo_count(t, HPCL_TOPO_PU));
    assert_string_equal(getenv("OMP_PLACES"), places);
    assert_string_equal(getenv("OMP_NUM_THREADS"), "1");
    assert_string_equal(getenv("OMP_PROC_BIND"), "close");
    hpcl_topo_destroy(t);
}

/* hpcl_plan_apply: the chosen task's CPUs and variables; errors. */
static void plan_apply(void **state)
{
    hpcl_topo *t = NULL, *x = NULL;
    hpcl_plan *p = NULL, *px = NULL;
    unsigned ncores;
    cpu_set_t mask;

    (void)state;
    assert_int_equal(hpcl_topo_load(&t, ctx, 0), HPCL_OK);
    ncores = hpcl_topo_count(t, HPCL_TOPO_CORE);
    assert_int_equal(hpcl_plan_create(&p, t), HPCL_OK);
    assert_int_equal(hpcl_plan_set_ntasks(p, ncores), HPCL_OK);
    assert_int_equal(hpcl_plan_apply(p, 0, 0), HPCL_E_INVAL); /* not yet */
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_int_equal(hpcl_plan_apply(p, ncores, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_plan_apply(p, 0, 2), HPCL_E_INVAL);
    /* Keeping the launcher's binding: the variables but the places. */
    assert_int_equal(sched_setaffinity(0, sizeof initial, &initial), 0);
    unsetenv("OMP_PLACES");
    assert_int_equal(hpcl_plan_apply(p, 0, HPCL_APPLY_KEEP_BINDING),
                     HPCL_OK);
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_true(CPU_EQUAL(&mask, &initial));
    assert_null(getenv("OMP_PLACES"));
    assert_string_equal(getenv("OMP_NUM_THREADS"), "1");
    assert_int_equal(hpcl_plan_apply(p, 0, 0), HPCL_OK);
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_int_equal(CPU_COUNT(&mask),
                     hpcl_topo_count(t, HPCL_TOPO_PU) / ncores);
    /* A plan for an XML topology cannot bind this machine. */
    assert_int_equal(hpcl_topo_load_xml(&x, ctx, fixture("mi300a-cpx.xml"),
                                        0), HPCL_OK);
    assert_int_equal(hpcl_plan_create(&px, x), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(px), HPCL_OK);
    assert_int_equal(hpcl_plan_apply(px, 0, 0), HPCL_E_TOPOLOGY);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "another machine"));
    hpcl_plan_destroy(px);
    hpcl_topo_destroy(x);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

static void pin_self_errors(void **state)
{
    (void)state;
    assert_int_equal(hpcl_pin_self(NULL, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_pin_self(ctx, 1), HPCL_E_INVAL);
    assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_E_CONFIG);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "no launcher"));
    /* More tasks than cores: the plan's error comes back. */
    setenv("PMIX_LOCAL_RANK", "0", 1);
    setenv("PMIX_LOCAL_SIZE", "4096", 1);
    assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_E_PLAN);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx),
                           "4096 tasks x 1 thread need 4096 cores"));
    setenv("HPCL_SMT", "two", 1);
    assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_E_INVAL);
}

/* hpcl_pin_self() as local rank 1 of 2 from a process bound to one
 * CPU: it plans over its launcher's CPUs, so with two cores or more it
 * binds to the second task's, replacing the binding; with one core the
 * plan does not fit. */
static void expect_launcher_plan(const cpu_set_t *bound)
{
    hpcl_topo *t = NULL;
    hpcl_plan *p = NULL;
    cpu_set_t mask;
    unsigned cores;

    assert_int_equal(hpcl_topo_load(&t, ctx, HPCL_TOPO_LAUNCHER_CPUS),
                     HPCL_OK);
    cores = hpcl_topo_count(t, HPCL_TOPO_CORE);
    assert_int_equal(sched_setaffinity(0, sizeof *bound, bound), 0);
    if (cores < 2) {
        assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_E_PLAN);
        hpcl_topo_destroy(t);
        return;
    }
    /* Planned inside this process's own binding, the two tasks do not
     * fit, and the library's message says why and what to do. */
    {
        hpcl_topo *own = NULL;
        hpcl_plan *q = NULL;

        assert_int_equal(hpcl_topo_load(&own, ctx, 0), HPCL_OK);
        assert_int_equal(hpcl_plan_create(&q, own), HPCL_OK);
        assert_int_equal(hpcl_plan_set_ntasks(q, 2), HPCL_OK);
        assert_int_equal(hpcl_plan_compute(q), HPCL_E_PLAN);
        assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "this process is "
                               "bound to 1 of the"));
        assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "--cpu-bind=none"));
        hpcl_plan_destroy(q);
        hpcl_topo_destroy(own);
    }
    assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_OK);
    assert_int_equal(hpcl_plan_create(&p, t), HPCL_OK);
    assert_int_equal(hpcl_plan_set_ntasks(p, 2), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_int_equal((unsigned)CPU_COUNT(&mask),
                     hpcl_topo_count(t, HPCL_TOPO_PU) / cores);
    assert_string_equal(getenv("OMP_PLACES"), hpcl_plan_task_env(p, 1)[1]
                                                  + strlen("OMP_PLACES="));
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

/* Bound by `hpclaunch pin` (HPCL_PINNED = the binding, or a set that
 * holds it): hpcl_pin_self keeps the binding and plans nothing -- here a
 * plan would fail, on a topology restricted to one core for two tasks. */
static void pin_self_keeps_wrapper_binding(void **state)
{
    char list[16];
    cpu_set_t one, mask;
    int cpu = 0;

    (void)state;
    while (!CPU_ISSET(cpu, &initial))
        cpu++;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    snprintf(list, sizeof list, "%d", cpu);
    setenv("HPCL_PINNED", list, 1);
    /* No launcher variable at all: nothing is planned. */
    assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_OK);
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", "1", 1);
    setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "2", 1);
    assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_OK);
    assert_int_equal(sched_getaffinity(0, sizeof mask, &mask), 0);
    assert_true(CPU_EQUAL(&mask, &one));
    /* Narrower than recorded, as an OpenMP runtime binds the initial
     * thread to its first place: still pinned. */
    snprintf(list, sizeof list, "%d-%d", cpu, cpu + 1);
    setenv("HPCL_PINNED", list, 1);
    assert_int_equal(hpcl_pin_self(ctx, 0), HPCL_OK);
    /* A binding outside the one recorded: plan as usual, over the CPUs
     * of the launcher (this test's parent), not the one CPU this
     * process is bound to -- as under Open MPI's default binding. */
    snprintf(list, sizeof list, "%d", cpu + 1);
    setenv("HPCL_PINNED", list, 1);
    expect_launcher_plan(&one);
    setenv("HPCL_PINNED", "not a cpuset", 1);
    expect_launcher_plan(&one);
    unsetenv("HPCL_PINNED");
    expect_launcher_plan(&one);
}

/* Threads and GPUs per task from the environment, Slurm's variables
 * last: SLURM_CPUS_PER_TASK < OMP_NUM_THREADS < HPCL_THREADS_PER_TASK,
 * SLURM_GPUS_PER_TASK < HPCL_GPUS_PER_TASK. */
static unsigned env_threads(hpcl_plan *p)
{
    unsigned n = 0;

    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_non_null(hpcl_plan_task_pus(p, 0, &n));
    return n;
}

static void expect_gpu_error(hpcl_plan *p, const char *part)
{
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_E_NOGPU);
    if (strstr(hpcl_ctx_errmsg(ctx), part) == NULL)
        fail_msg("\"%s\" not in \"%s\"", part, hpcl_ctx_errmsg(ctx));
}

static void plan_env_slurm_fallbacks(void **state)
{
    hpcl_topo *t = NULL;
    hpcl_plan *p = NULL;

    (void)state;
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx, "pack:1 core:8 pu:1",
                                              0), HPCL_OK);
    assert_int_equal(hpcl_plan_create(&p, t), HPCL_OK);
    setenv("SLURM_CPUS_PER_TASK", "3", 1);
    assert_int_equal(env_threads(p), 3);
    setenv("OMP_NUM_THREADS", "2", 1);
    assert_int_equal(env_threads(p), 2);
    setenv("HPCL_THREADS_PER_TASK", "4", 1);
    assert_int_equal(env_threads(p), 4);
    setenv("SLURM_GPUS_PER_TASK", "1", 1);
    expect_gpu_error(p, "1 GPU per task asked for");
    setenv("SLURM_GPUS_PER_TASK", "a100:1,v100:2", 1);
    expect_gpu_error(p, "3 GPUs per task asked for");
    setenv("HPCL_GPUS_PER_TASK", "0", 1);
    assert_int_equal(env_threads(p), 4);
    setenv("SLURM_GPUS_PER_TASK", "a100:", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "SLURM_GPUS_PER_TASK"));
    setenv("SLURM_GPUS_PER_TASK", "1,", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_E_INVAL);
    setenv("SLURM_GPUS_PER_TASK", "2", 1);
    setenv("SLURM_CPUS_PER_TASK", "0", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_E_INVAL);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

/* The value of name in task rank's environment, or NULL. */
static const char *task_var(const hpcl_plan *p, unsigned rank,
                            const char *name)
{
    const char *const *env = hpcl_plan_task_env(p, rank);
    size_t k = strlen(name);

    for (; env != NULL && *env != NULL; env++)
        if (strncmp(*env, name, k) == 0 && (*env)[k] == '=')
            return *env + k + 1;
    return NULL;
}

/* A node whose GPUs hwloc cannot see, and a launcher that gave some:
 * each task takes its share of the launcher's list. */
static void plan_env_launcher_gpus(void **state)
{
    hpcl_topo *t = NULL;
    hpcl_plan *p = NULL;

    (void)state;
    assert_int_equal(hpcl_topo_load_synthetic(&t, ctx, "pack:1 core:8 pu:1",
                                              0), HPCL_OK);
    assert_int_equal(hpcl_plan_create(&p, t), HPCL_OK);
    assert_int_equal(hpcl_plan_set_ntasks(p, 3), HPCL_OK);
    setenv("SLURM_GPUS_PER_TASK", "1", 1);
    /* mpirun's ranks see the node's whole list */
    setenv("CUDA_VISIBLE_DEVICES", "4,5,6", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(task_var(p, 0, "CUDA_VISIBLE_DEVICES"), "4");
    assert_string_equal(task_var(p, 2, "CUDA_VISIBLE_DEVICES"), "6");
    assert_non_null(strstr(hpcl_plan_notes(p)[0], "hwloc shows no GPU"));
    /* srun gave each task its own */
    setenv("CUDA_VISIBLE_DEVICES", "7", 1);
    assert_int_equal(hpcl_plan_set_from_env(p, 0), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_OK);
    assert_string_equal(task_var(p, 1, "CUDA_VISIBLE_DEVICES"), "7");
    /* two GPUs each from a list of four: too few for three tasks */
    setenv("SLURM_GPUS_PER_TASK", "2", 1);
    setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3", 1);
    expect_gpu_error(p, "lists 4, fewer than 3 tasks x 2 GPUs");
    /* asked for by count: placed from hwloc, which has none */
    assert_int_equal(hpcl_plan_set_gpus_per_task(p, 1), HPCL_OK);
    assert_int_equal(hpcl_plan_compute(p), HPCL_E_NOGPU);
    hpcl_plan_destroy(p);
    hpcl_topo_destroy(t);
}

HPCL_TEST_MAIN(setup, teardown,
               cmocka_unit_test_setup_teardown(local_rank_mpi_launchers,
                                               clean, clean),
               cmocka_unit_test_setup_teardown(local_rank_slurm, clean,
                                               clean),
               cmocka_unit_test_setup_teardown(pin_self_binds_process, clean,
                                               clean),
               cmocka_unit_test_setup_teardown(plan_apply, clean, clean),
               cmocka_unit_test_setup_teardown(pin_self_errors, clean,
                                               clean),
               cmocka_unit_test_setup_teardown(pin_self_keeps_wrapper_binding,
                                               clean, clean),
               cmocka_unit_test_setup_teardown(plan_env_launcher_gpus, clean,
                                               clean),
               cmocka_unit_test_setup_teardown(plan_env_slurm_fallbacks,
                                               clean, clean))
