/* sbatch's everyday options (lib/job/job_options.c) and what the resolved
 * description makes of them (lib/job/job_desc.c): the task, node and CPU
 * counts sbatch 22.05 sends, the variables its client exports, --export.
 * The live test tests/live/cli_sbatch_diff.sh compares the same against
 * sbatch itself on a real controller. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcl_test.h"
#include "job/job-internal.h"

static int setup(void **state)
{
    hpcl_ctx *ctx;

    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK)
        return -1;
    *state = ctx;
    return 0;
}

static int teardown(void **state)
{
    hpcl_ctx_destroy(*state);
    return 0;
}

static hpcl_job *new_job(void **state)
{
    const char *argv[] = {"/bin/true"};
    hpcl_job *job = NULL;

    assert_int_equal(hpcl_job_create(&job, *state), HPCL_OK);
    assert_int_equal(hpcl_job_set_command(job, 1, argv), HPCL_OK);
    return job;
}

static const char *env_get(const struct hpcl__jobdesc *d, const char *name)
{
    size_t k = strlen(name);

    for (size_t i = 0; i < d->env_count; i++)
        if (strncmp(d->env[i], name, k) == 0 && d->env[i][k] == '=')
            return d->env[i] + k + 1;
    return NULL;
}

/* One row: the options given (0: not given) and what sbatch sends. */
struct count_case {
    unsigned n, nmin, nmax, c, per_node;
    unsigned want_tasks, want_set, want_min, want_max, want_cpus;
};

static void options_counts_resolve_as_sbatch(void **state)
{
    static const struct count_case cases[] = {
        /* -n 2 -c 2: min_cpus 4, the defect that gave 1 CPU */
        {2, 0, 0, 2, 0, 2, 1, 0, 0, 4},
        {4, 0, 0, 2, 0, 4, 1, 0, 0, 8},
        {4, 1, 1, 8, 0, 4, 1, 1, 1, 32},
        /* -N 2 -c 4: one task per node, CPUs for each */
        {0, 2, 2, 4, 0, 2, 0, 2, 2, 8},
        /* -N 2 --ntasks-per-node 2 -c 2: 4 tasks */
        {0, 2, 2, 2, 2, 4, 1, 2, 2, 8},
        /* --ntasks-per-node 3 alone: one node's worth */
        {0, 0, 0, 0, 3, 3, 1, 0, 0, 3},
        /* -N 1-2 --ntasks-per-node 2: a range keeps -n unset */
        {0, 1, 2, 0, 2, 1, 0, 1, 2, 1},
        /* -N 4 -n 2: no node without a task */
        {2, 4, 4, 0, 0, 2, 1, 2, 2, 2},
        /* -N 1-4 -n 3: the maximum shrinks to the tasks */
        {3, 1, 4, 0, 0, 3, 1, 1, 3, 3},
        /* nothing given: one task, one CPU */
        {0, 0, 0, 0, 0, 1, 0, 0, 0, 1},
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct count_case *k = &cases[i];
        hpcl_job *job = new_job(state);
        struct hpcl__jobdesc d;

        assert_int_equal(hpcl_job_set_ntasks(job, k->n), HPCL_OK);
        assert_int_equal(hpcl_job_set_nodes(job, k->nmin, k->nmax), HPCL_OK);
        assert_int_equal(hpcl_job_set_cpus_per_task(job, k->c), HPCL_OK);
        assert_int_equal(hpcl_job_set_ntasks_per_node(job, k->per_node),
                         HPCL_OK);
        assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
        if (d.ntasks != k->want_tasks || d.ntasks_set != (int)k->want_set ||
            d.min_nodes != k->want_min || d.max_nodes != k->want_max ||
            d.min_cpus != k->want_cpus)
            fail_msg("case %zu: tasks %u (set %d) nodes %u-%u cpus %u; "
                     "sbatch: tasks %u (set %u) nodes %u-%u cpus %u", i,
                     d.ntasks, d.ntasks_set, d.min_nodes, d.max_nodes,
                     d.min_cpus, k->want_tasks, k->want_set, k->want_min,
                     k->want_max, k->want_cpus);
        hpcl__jobdesc_free(&d);
        hpcl_job_destroy(job);
    }
}

static void options_counts_too_large_are_refused(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobdesc d;

    assert_int_equal(hpcl_job_set_ntasks(job, 0x10000000U), HPCL_OK);
    assert_int_equal(hpcl_job_set_cpus_per_task(job, 64), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "more than Slurm"));
    hpcl_job_destroy(job);
}

/* What sbatch's client puts in the job's environment. */
static void options_env_as_sbatch_exports(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobdesc d;

    unsetenv("SLURM_CPUS_PER_TASK");
    assert_int_equal(hpcl_job_set_ntasks(job, 4), HPCL_OK);
    assert_int_equal(hpcl_job_set_cpus_per_task(job, 2), HPCL_OK);
    assert_int_equal(hpcl_job_set_gpus_per_task(job, 1), HPCL_OK);
    assert_int_equal(hpcl_job_set_ntasks_per_node(job, 2), HPCL_OK);
    assert_int_equal(hpcl_job_set_dependency(job, "afterok:12"), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_string_equal(env_get(&d, "SLURM_CPUS_PER_TASK"), "2");
    assert_string_equal(env_get(&d, "SLURM_GPUS_PER_TASK"), "1");
    assert_string_equal(env_get(&d, "SLURM_NTASKS"), "4");
    assert_string_equal(env_get(&d, "SLURM_NPROCS"), "4");
    assert_string_equal(env_get(&d, "SLURM_NTASKS_PER_NODE"), "2");
    assert_string_equal(env_get(&d, "SLURM_JOB_DEPENDENCY"), "afterok:12");
    assert_non_null(env_get(&d, "SLURM_PRIO_PROCESS"));
    assert_null(env_get(&d, "SLURM_GPUS_PER_NODE"));
    assert_null(env_get(&d, "SLURM_EXPORT_ENV")); /* ALL: not exported */
    hpcl__jobdesc_free(&d);
    hpcl_job_destroy(job);
}

static size_t count_with(char **env, size_t n, const char *prefix)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += strncmp(env[i], prefix, strlen(prefix)) == 0;
    return c;
}

static void free_env(char **env, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    free(env);
}

static void options_export_filters_like_sbatch(void **state)
{
    char *base[] = {"PATH=/usr/bin", "HOME=/root", "SLURM_CONF=/x",
                    "FOO=caller", "BAR=2", NULL};
    hpcl_job *job = new_job(state);
    char **env;
    size_t n;

    /* NONE: only SLURM_* variables. */
    assert_int_equal(hpcl_job_set_export(job, "NONE"), HPCL_OK);
    assert_int_equal(hpcl__job_build_env(job, base, &env, &n), HPCL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(env[0], "SLURM_CONF=/x");
    free_env(env, n);
    /* A list: the names given, NAME=VALUE literally, and SLURM_*. */
    assert_int_equal(hpcl_job_set_export(job, "PATH,FOO=mine"), HPCL_OK);
    assert_int_equal(hpcl__job_build_env(job, base, &env, &n), HPCL_OK);
    assert_int_equal(n, 3);
    assert_int_equal(count_with(env, n, "PATH=/usr/bin"), 1);
    assert_int_equal(count_with(env, n, "FOO=mine"), 1);
    assert_int_equal(count_with(env, n, "FOO=caller"), 0);
    assert_int_equal(count_with(env, n, "HOME="), 0);
    free_env(env, n);
    /* ALL with a value: everything, plus the value. */
    assert_int_equal(hpcl_job_set_export(job, "ALL,EXTRA=1"), HPCL_OK);
    assert_int_equal(hpcl__job_build_env(job, base, &env, &n), HPCL_OK);
    assert_int_equal(n, 6);
    assert_int_equal(count_with(env, n, "EXTRA=1"), 1);
    free_env(env, n);
    /* ALL with a value for a variable the caller has: one, the value. */
    assert_int_equal(hpcl_job_set_export(job, "ALL,FOO=mine"), HPCL_OK);
    assert_int_equal(hpcl__job_build_env(job, base, &env, &n), HPCL_OK);
    assert_int_equal(n, 5);
    assert_int_equal(count_with(env, n, "FOO="), 1);
    assert_int_equal(count_with(env, n, "FOO=mine"), 1);
    free_env(env, n);
    /* hpcl_job_setenv() wins over the list's value. */
    assert_int_equal(hpcl_job_setenv(job, "FOO", "set"), HPCL_OK);
    assert_int_equal(hpcl__job_build_env(job, base, &env, &n), HPCL_OK);
    assert_int_equal(count_with(env, n, "FOO="), 1);
    assert_int_equal(count_with(env, n, "FOO=set"), 1);
    free_env(env, n);
    assert_int_equal(hpcl_job_set_export(job, "A,,B"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_export(job, "1X"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_export(job, "=v"), HPCL_E_INVAL);
    hpcl_job_destroy(job);
}

static void options_export_sets_what_srun_reads(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobdesc d;

    assert_int_equal(hpcl_job_set_export(job, "NONE"), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_string_equal(env_get(&d, "SLURM_EXPORT_ENV"), "NONE");
    assert_string_equal(env_get(&d, "SLURM_GET_USER_ENV"), "1");
    assert_null(env_get(&d, "PATH"));
    hpcl__jobdesc_free(&d);
    hpcl_job_destroy(job);
}

static void options_mail_types(void **state)
{
    hpcl_job *job = new_job(state);

    (void)state;
    assert_int_equal(hpcl__mail_bits("BEGIN"), 0x1);
    assert_int_equal(hpcl__mail_bits("end,FAIL"), 0x2 | 0x4);
    assert_int_equal(hpcl__mail_bits("ALL"), 0x1 | 0x2 | 0x4 | 0x8 | 0x100 |
                                                 0x400);
    assert_int_equal(hpcl__mail_bits("TIME_LIMIT_90,ARRAY_TASKS"),
                     0x20 | 0x200);
    assert_int_equal(hpcl__mail_bits("BEGIN,NONE"), 0);
    assert_int_equal(hpcl__mail_bits("BEGIN,SOMETIMES"), -1);
    assert_int_equal(hpcl_job_set_mail_type(job, "END,FAIL"), HPCL_OK);
    assert_int_equal(hpcl_job_set_mail_type(job, "LATER"), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "LATER"));
    hpcl_job_destroy(job);
}

static void options_values_checked(void **state)
{
    hpcl_job *job = new_job(state);

    assert_int_equal(hpcl_job_set_gres(job, "gpu:a100:1,nvme:1"), HPCL_OK);
    assert_int_equal(hpcl_job_set_gres(job, "none"), HPCL_OK);
    assert_null(job->gres);
    assert_int_equal(hpcl_job_set_gres(job, "gpu:2 ; rm"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_gres(job, "gpu:"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_signal(job, 10, 120, 0), HPCL_OK);
    assert_int_equal(hpcl_job_set_signal(job, 65, 60, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_signal(job, 10, 70000, 0), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_signal(job, 10, 60, 8), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_mpi(job, "pmi2"), HPCL_OK);
    assert_int_equal(hpcl_job_set_mpi(job, "pmix; rm -rf"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_begin(job, -5), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_time_limit(job, HPCL_TIME_UNLIMITED),
                     HPCL_OK);
    assert_int_equal(hpcl_job_set_qos(job, ""), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_batch_script(job, "echo no shebang\n"),
                     HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_batch_script(job, "#!/bin/sh\r\ntrue\r\n"),
                     HPCL_E_INVAL);
    hpcl_job_destroy(job);
}

/* --mem and --mem-per-cpu exclude each other: the last one wins. */
static void options_memory_last_wins(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobdesc d;

    assert_int_equal(hpcl_job_set_mem(job, 4000), HPCL_OK);
    assert_int_equal(hpcl_job_set_mem_per_cpu(job, 100), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_true(d.mem_set && d.mem_per_cpu && d.mem_mib == 100);
    hpcl__jobdesc_free(&d);
    assert_int_equal(hpcl_job_set_mem(job, 0), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_true(d.mem_set && !d.mem_per_cpu && d.mem_mib == 0);
    hpcl__jobdesc_free(&d);
    hpcl_job_destroy(job);
}

/* --gres as sbatch sends it, after --gpus-per-node's. */
static void options_gres_prefixed(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobdesc d;

    assert_int_equal(hpcl_job_set_gres(job, "gpu:2,gres:nvme:1"), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_string_equal(d.gres, "gres:gpu:2,gres:nvme:1");
    hpcl__jobdesc_free(&d);
    hpcl_job_destroy(job);
}

/* A script of the caller's: its arguments, and sbatch's default name. */
static void options_batch_script_desc(void **state)
{
    const char *argv[] = {"run.sh", "in put", "-v"};
    hpcl_job *job = NULL;
    struct hpcl__jobdesc d;

    assert_int_equal(hpcl_job_create(&job, *state), HPCL_OK);
    assert_int_equal(hpcl_job_set_batch_script(job, "#!/bin/sh\nexit 0\n"),
                     HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_string_equal(d.name, "sbatch");
    assert_int_equal(d.argc, 0);
    hpcl__jobdesc_free(&d);
    assert_int_equal(hpcl_job_set_command(job, 3, argv), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_int_equal(d.argc, 3);
    assert_string_equal(d.argv[1], "in put");
    assert_string_equal(d.name, "run.sh");
    hpcl__jobdesc_free(&d);
    hpcl_job_destroy(job);
}

HPCL_TEST_MAIN(setup, teardown,
               cmocka_unit_test(options_counts_resolve_as_sbatch),
               cmocka_unit_test(options_counts_too_large_are_refused),
               cmocka_unit_test(options_env_as_sbatch_exports),
               cmocka_unit_test(options_export_filters_like_sbatch),
               cmocka_unit_test(options_export_sets_what_srun_reads),
               cmocka_unit_test(options_mail_types),
               cmocka_unit_test(options_values_checked),
               cmocka_unit_test(options_memory_last_wins),
               cmocka_unit_test(options_gres_prefixed),
               cmocka_unit_test(options_batch_script_desc))
