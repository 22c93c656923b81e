/* The job handle: setters and validation, references, environment,
 * state names, status folding and output path expansion. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    hpcl_job *job = NULL;

    assert_int_equal(hpcl_job_create(&job, *state), HPCL_OK);
    return job;
}

static void job_create_defaults(void **state)
{
    hpcl_job *job = new_job(state);

    assert_null(hpcl_job_ref(job));
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_UNKNOWN);
    assert_string_equal(hpcl_job_reason(job), "");
    assert_string_equal(hpcl_job_nodelist(job), "");
    assert_string_equal(hpcl_job_output_path(job), "");
    assert_int_equal(hpcl_job_exit_code(job), -1);
    assert_int_equal(hpcl_job_create(NULL, *state), HPCL_E_INVAL);
    hpcl_job_destroy(job);
    hpcl_job_destroy(NULL);
}

static void job_command_validation(void **state)
{
    hpcl_job *job = new_job(state);
    const char *ok[] = {"/bin/echo", "a"};
    const char *empty[] = {""};
    const char *hole[] = {"x", NULL};

    assert_int_equal(hpcl_job_set_command(job, 0, ok), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "no program given"));
    assert_int_equal(hpcl_job_set_command(job, 1, empty), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_command(job, 2, hole), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_command(job, 2, ok), HPCL_OK);
    assert_string_equal(hpcl_ctx_errmsg(*state), "");
    /* Replacing frees the old copy (ASan checks it). */
    assert_int_equal(hpcl_job_set_command(job, 1, ok), HPCL_OK);
    assert_int_equal(job->argc, 1);
    hpcl_job_destroy(job);
}

static void job_submit_without_command_fails(void **state)
{
    hpcl_job *job = new_job(state);
    char *script = (char *)1;

    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "no program given"));
    assert_int_equal(hpcl_job_script(&script, job), HPCL_E_INVAL);
    assert_null(script);
    /* 1 is HPCL_SUBMIT_DRY_RUN; other bits are refused. */
    assert_int_equal(hpcl_job_submit(job, 0x100), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "flags"));
    hpcl_job_destroy(job);
}

static void job_numeric_setters(void **state)
{
    hpcl_job *job = new_job(state);

    assert_int_equal(hpcl_job_set_ntasks(job, 8), HPCL_OK);
    assert_int_equal(hpcl_job_set_ntasks(job, 0xfffffffeU), HPCL_E_INVAL);
    assert_int_equal(job->ntasks, 8);
    assert_int_equal(hpcl_job_set_nodes(job, 2, 0), HPCL_OK);
    assert_int_equal(job->max_nodes, 2);
    assert_int_equal(hpcl_job_set_nodes(job, 2, 4), HPCL_OK);
    assert_int_equal(hpcl_job_set_nodes(job, 4, 2), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "4-2"));
    assert_int_equal(hpcl_job_set_nodes(job, 0, 3), HPCL_E_INVAL);
    assert_int_equal(job->min_nodes, 2);
    assert_int_equal(job->max_nodes, 4);
    assert_int_equal(hpcl_job_set_cpus_per_task(job, 4), HPCL_OK);
    assert_int_equal(hpcl_job_set_cpus_per_task(job, 70000), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_gpus_per_task(job, 1), HPCL_OK);
    assert_int_equal(hpcl_job_set_gpus_per_node(job, 4), HPCL_OK);
    assert_int_equal(hpcl_job_set_time_limit(job, 30), HPCL_OK);
    assert_int_equal(hpcl_job_set_mem(job, 0), HPCL_OK);
    assert_true(job->mem_set);
    assert_int_equal(hpcl_job_set_mem(job, UINT64_MAX), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_exclusive(job, 7), HPCL_OK);
    assert_int_equal(job->exclusive, 1);
    assert_int_equal(hpcl_job_set_hold(job, 1), HPCL_OK);
    assert_int_equal(hpcl_job_set_launcher(job, HPCL_LAUNCHER_MPIRUN),
                     HPCL_OK);
    assert_int_equal(hpcl_job_set_launcher(job, (hpcl_launcher)9),
                     HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_ntasks(NULL, 1), HPCL_E_INVAL);
    hpcl_job_destroy(job);
}

static void job_string_setters(void **state)
{
    hpcl_job *job = new_job(state);

    assert_int_equal(hpcl_job_set_partition(job, "batch"), HPCL_OK);
    assert_string_equal(job->partition, "batch");
    assert_int_equal(hpcl_job_set_partition(job, NULL), HPCL_OK);
    assert_null(job->partition);
    assert_int_equal(hpcl_job_set_partition(job, ""), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_name(job, "a\nb"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_account(job, "proj"), HPCL_OK);
    assert_int_equal(hpcl_job_set_output(job, "out-%j.txt"), HPCL_OK);
    assert_int_equal(hpcl_job_set_error(job, "err-%j.txt"), HPCL_OK);
    assert_int_equal(hpcl_job_set_array(job, "0-15%4"), HPCL_OK);
    assert_int_equal(hpcl_job_set_array(job, "1,3,5"), HPCL_OK);
    assert_int_equal(hpcl_job_set_array(job, "0-7;rm"), HPCL_E_INVAL);
    /* sbatch's grammar, whole: a range that Slurm would refuse later is
     * refused here (a usage error of the CLI, not a site's refusal). */
    {
        const char *good[] = {"7", "0-15:2", "1-3:2,7%2", "0-0"};
        const char *bad[] = {"", "1-x", "5-1", "1-", "-3", "1-3:0", "%4",
                             "1,3,", "1,,2", "0-15%0", "1234567890"};
        for (size_t i = 0; i < sizeof good / sizeof *good; i++)
            assert_int_equal(hpcl_job_set_array(job, good[i]), HPCL_OK);
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
            assert_int_equal(hpcl_job_set_array(job, bad[i]), HPCL_E_INVAL);
        assert_int_equal(hpcl_job_set_array(job, "1,3,5"), HPCL_OK);
    }
    assert_string_equal(job->array, "1,3,5"); /* kept on error */
    assert_int_equal(hpcl_job_set_workdir(job, "/scratch/x"), HPCL_OK);
    assert_string_equal(job->workdir, "/scratch/x");
    hpcl_job_destroy(job);
}

static void job_relative_workdir_is_made_absolute(void **state)
{
    hpcl_job *job = new_job(state);
    char *cwd = getcwd(NULL, 0), want[4096];

    snprintf(want, sizeof want, "%s/sub/dir", cwd);
    assert_int_equal(hpcl_job_set_workdir(job, "sub/dir"), HPCL_OK);
    assert_string_equal(job->workdir, want);
    free(cwd);
    hpcl_job_destroy(job);
}

static void job_ref_parsing(void **state)
{
    uint32_t id, task;

    assert_int_equal(hpcl__parse_ref(*state, "local:4242", &id, &task),
                     HPCL_OK);
    assert_int_equal(id, 4242);
    assert_int_equal(task, HPCL__NO_TASK);
    assert_int_equal(hpcl__parse_ref(*state, "17", &id, &task), HPCL_OK);
    assert_int_equal(id, 17);
    assert_int_equal(hpcl__parse_ref(*state, "local:17_3", &id, &task),
                     HPCL_OK);
    assert_int_equal(task, 3);
    assert_int_equal(hpcl__parse_ref(*state, "x:12", &id, &task),
                     HPCL_E_INVAL);
    assert_string_equal(hpcl_ctx_errmsg(*state),
                        "unknown site 'x' in job reference 'x:12' "
                        "(sites: local)");
    const char *bad[] = {"",        "local:",  ":12",      "12abc",
                         "-1",      "0",       " 12",      "local:12:3",
                         "4294967296", "99999999999", "12_",   "12_x",
                         "LOCAL:12", "local:+5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hpcl__parse_ref(*state, bad[i], &id, &task),
                         HPCL_E_INVAL);
    assert_int_equal(hpcl__parse_ref(*state, NULL, &id, &task),
                     HPCL_E_INVAL);
}

static void job_attach_rejects_bad_refs_without_slurm(void **state)
{
    hpcl_job *job = (hpcl_job *)state;

    assert_int_equal(hpcl_job_attach(&job, *state, "siteb:12"),
                     HPCL_E_INVAL);
    assert_null(job);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "unknown site"));
    assert_int_equal(hpcl_job_attach(&job, *state, "abc"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_attach(NULL, *state, "12"), HPCL_E_INVAL);
}

static void job_not_submitted_operations_fail(void **state)
{
    hpcl_job *job = new_job(state);

    assert_int_equal(hpcl_job_refresh(job), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "not submitted"));
    assert_int_equal(hpcl_job_wait(job, 1), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_cancel(job), HPCL_E_INVAL);
    hpcl_job_destroy(job);
}

static void job_setters_refused_after_submission(void **state)
{
    hpcl_job *job = new_job(state);

    job->id = 12; /* as after a submit */
    snprintf(job->ref, sizeof job->ref, "local:12");
    assert_int_equal(hpcl_job_set_ntasks(job, 2), HPCL_E_INVAL);
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "local:12"));
    assert_int_equal(hpcl_job_setenv(job, "A", "1"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_INVAL);
    assert_string_equal(hpcl_job_ref(job), "local:12");
    hpcl_job_destroy(job);
}

static void job_state_names(void **state)
{
    static const char *const names[] = {"UNKNOWN",   "PENDING", "RUNNING",
                                        "COMPLETED", "FAILED",  "CANCELLED",
                                        "TIMEOUT"};
    (void)state;
    for (int s = 0; s <= HPCL_STATE_TIMEOUT; s++) {
        assert_string_equal(hpcl_state_name((hpcl_state)s), names[s]);
        assert_int_equal(hpcl_state_is_terminal((hpcl_state)s),
                         s >= HPCL_STATE_COMPLETED);
    }
    assert_string_equal(hpcl_state_name((hpcl_state)99), "INVALID");
    assert_int_equal(hpcl_state_is_terminal((hpcl_state)99), 0);
}

static void job_secret_variables_are_recognised(void **state)
{
    (void)state;
    assert_true(hpcl__env_is_secret("SLURM_JWT=abc"));
    assert_true(hpcl__env_is_secret("GITHUB_TOKEN=x"));
    assert_true(hpcl__env_is_secret("hf_token=x"));
    assert_true(hpcl__env_is_secret("MY_JWT_KEY=x"));
    assert_false(hpcl__env_is_secret("TOKEN=x")); /* no _TOKEN suffix */
    assert_false(hpcl__env_is_secret("TOKENIZER=x"));
    assert_false(hpcl__env_is_secret("PATH=/bin:JWT_TOKEN"));
    assert_false(hpcl__env_is_secret("HOME=/root"));
}

static int env_has(char **env, size_t n, const char *entry)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(env[i], entry) == 0)
            return 1;
    return 0;
}

static int env_has_name(char **env, size_t n, const char *name)
{
    size_t k = strlen(name);

    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], name, k) == 0 && env[i][k] == '=')
            return 1;
    return 0;
}

static void free_env(char **env, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    free(env);
}

static void job_env_inherits_minus_secrets_plus_edits(void **state)
{
    char *base[] = {"PATH=/usr/bin", "SLURM_JWT=secret", "CI_JOB_TOKEN=t",
                    "HOME=/root",    "DROPME=1",         "KEEP=old",
                    "malformed",     NULL};
    hpcl_job *job = new_job(state);
    char **env;
    size_t n;

    assert_int_equal(hpcl_job_setenv(job, "KEEP", "new"), HPCL_OK);
    assert_int_equal(hpcl_job_setenv(job, "DROPME", NULL), HPCL_OK);
    assert_int_equal(hpcl_job_setenv(job, "EXTRA", "a=b c"), HPCL_OK);
    assert_int_equal(hpcl_job_setenv(job, "EXTRA", "final"), HPCL_OK);
    assert_int_equal(hpcl_job_setenv(job, "API_TOKEN", "given"), HPCL_OK);
    assert_int_equal(hpcl_job_setenv(job, "A=B", "x"), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_setenv(job, "", "x"), HPCL_E_INVAL);
    assert_int_equal(hpcl__job_build_env(job, base, &env, &n), HPCL_OK);
    assert_int_equal(n, 5);
    assert_true(env_has(env, n, "PATH=/usr/bin"));
    assert_true(env_has(env, n, "HOME=/root"));
    assert_true(env_has(env, n, "KEEP=new"));
    assert_true(env_has(env, n, "EXTRA=final"));
    assert_true(env_has(env, n, "API_TOKEN=given")); /* explicit: kept */
    assert_false(env_has_name(env, n, "SLURM_JWT"));
    assert_false(env_has_name(env, n, "CI_JOB_TOKEN"));
    assert_false(env_has_name(env, n, "DROPME"));
    assert_null(env[n]);
    free_env(env, n);
    hpcl_job_destroy(job);
}

static void job_env_without_inherit(void **state)
{
    char *base[] = {"PATH=/usr/bin", NULL};
    hpcl_job *job = new_job(state);
    char **env;
    size_t n;

    assert_int_equal(hpcl_job_set_env_inherit(job, 0), HPCL_OK);
    assert_int_equal(hpcl_job_setenv(job, "ONLY", "1"), HPCL_OK);
    assert_int_equal(hpcl__job_build_env(job, base, &env, &n), HPCL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(env[0], "ONLY=1");
    free_env(env, n);
    hpcl_job_destroy(job);
}

static void job_desc_defaults_like_sbatch(void **state)
{
    const char *argv[] = {"/opt/app/bin/solver", "-x"};
    hpcl_job *job = new_job(state);
    struct hpcl__jobdesc d;
    char *cwd = getcwd(NULL, 0), want[4096];

    setenv("HPCL_TEST_SECRET_TOKEN", "s3cret", 1);
    assert_int_equal(hpcl_job_set_command(job, 2, argv), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_string_equal(d.name, "solver");
    assert_string_equal(d.work_dir, cwd);
    snprintf(want, sizeof want, "%s/slurm-%%j.out", cwd);
    assert_string_equal(d.std_out, want);
    assert_null(d.std_err);
    assert_true(env_has_name(d.env, d.env_count, "SLURM_UMASK"));
    assert_true(env_has_name(d.env, d.env_count, "SLURM_SUBMIT_DIR"));
    assert_true(env_has(d.env, d.env_count, "SLURM_JOB_NAME=solver"));
    assert_true(env_has_name(d.env, d.env_count, "PATH"));
    assert_false(env_has_name(d.env, d.env_count, "HPCL_TEST_SECRET_TOKEN"));
    assert_non_null(strstr(d.script, "'/opt/app/bin/solver' '-x'"));
    hpcl__jobdesc_free(&d);
    unsetenv("HPCL_TEST_SECRET_TOKEN");
    free(cwd);
    hpcl_job_destroy(job);
}

static void job_desc_paths_relative_to_workdir(void **state)
{
    const char *argv[] = {"prog"};
    hpcl_job *job = new_job(state);
    struct hpcl__jobdesc d;

    assert_int_equal(hpcl_job_set_command(job, 1, argv), HPCL_OK);
    assert_int_equal(hpcl_job_set_workdir(job, "/w"), HPCL_OK);
    assert_int_equal(hpcl_job_set_error(job, "logs/%x.err"), HPCL_OK);
    assert_int_equal(hpcl_job_set_array(job, "0-3"), HPCL_OK);
    assert_int_equal(hpcl_job_set_name(job, "named"), HPCL_OK);
    assert_int_equal(hpcl__jobdesc_make(&d, job, NULL), HPCL_OK);
    assert_string_equal(d.std_out, "/w/slurm-%A_%a.out");
    assert_string_equal(d.std_err, "/w/logs/%x.err");
    assert_string_equal(d.name, "named");
    assert_string_equal(d.array, "0-3");
    hpcl__jobdesc_free(&d);
    hpcl_job_destroy(job);
}

static struct hpcl__jobrec rec(hpcl_state st, uint32_t id, uint32_t task)
{
    struct hpcl__jobrec r = {.state = st,
                             .exit_code = -1,
                             .term_signal = -1,
                             .job_id = id,
                             .array_job_id = task != HPCL__NO_TASK ? 100 : 0,
                             .array_task_id = task,
                             .name = "solver",
                             .user = "alice",
                             .batch_host = "a1",
                             .work_dir = "/w",
                             .std_out = "/w/out-%A_%a.txt",
                             .reason = "None"};
    return r;
}

static void job_expand_path_fields(void **state)
{
    struct hpcl__jobrec r = rec(HPCL_STATE_RUNNING, 123, HPCL__NO_TASK);
    struct hpcl__jobrec t = rec(HPCL_STATE_RUNNING, 107, 7);
    struct {
        const char *pattern;
        const struct hpcl__jobrec *r;
        const char *want;
    } cases[] = {
        {"/o/%j.out", &r, "/o/123.out"},
        {"%x-%u-%N.log", &r, "/w/solver-alice-a1.log"},
        {"/o/%A_%a", &r, "/o/123_4294967294"},
        {"/o/%A_%a", &t, "/o/100_7"},
        {"/o/%3a-%j", &t, "/o/007-107"},
        {"/o/100%%-%q", &r, "/o/100%-%q"},
        {"/o/\\%j", &r, "/o/%j"},
        {"/o/trailing%", &r, "/o/trailing%"},
    };
    char *p;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p = hpcl__expand_path(cases[i].pattern, cases[i].r);
        assert_non_null(p);
        assert_string_equal(p, cases[i].want);
        free(p);
    }
    r.batch_host = NULL; /* pending: %N not known yet */
    p = hpcl__expand_path("/o/%N.out", &r);
    assert_string_equal(p, "/o/%N.out");
    free(p);
}

static void job_absorb_single_record(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobrec r = rec(HPCL_STATE_FAILED, 123, HPCL__NO_TASK);

    job->id = 123;
    r.exit_code = 3;
    r.term_signal = 0;
    r.reason = "NonZeroExitCode";
    r.reason_desc = NULL;
    r.nodes = "a[1-2]";
    r.std_out = "slurm-%j.out";
    assert_int_equal(hpcl__job_absorb(job, &r, 1), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_FAILED);
    assert_int_equal(hpcl_job_exit_code(job), 3);
    assert_int_equal(hpcl_job_signal(job), 0);
    assert_int_equal(hpcl_job_task_count(job), 0); /* not an array */
    assert_string_equal(hpcl_job_reason(job), "NonZeroExitCode");
    assert_string_equal(hpcl_job_nodelist(job), "a[1-2]");
    assert_string_equal(hpcl_job_output_path(job), "/w/slurm-123.out");
    assert_string_equal(hpcl_job_error_path(job), "/w/slurm-123.out");
    assert_int_equal(hpcl__job_absorb(job, NULL, 0), HPCL_E_NOJOB);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_FAILED); /* kept */
    hpcl_job_destroy(job);
}

static void job_absorb_folds_array_tasks(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobrec r[3] = {rec(HPCL_STATE_COMPLETED, 102, 2),
                                rec(HPCL_STATE_RUNNING, 101, 1),
                                rec(HPCL_STATE_PENDING, 100, HPCL__NO_TASK)};

    job->id = 100;
    r[0].nodes = "a1";
    r[1].nodes = "a2";
    r[2].array_job_id = 100;
    r[2].reason = "Resources";
    assert_int_equal(hpcl__job_absorb(job, r, 3), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_RUNNING);
    assert_int_equal(hpcl_job_exit_code(job), -1);
    assert_string_equal(hpcl_job_nodelist(job), "a1,a2");
    assert_string_equal(hpcl_job_output_path(job), "/w/out-100_1.txt");
    /* All ended: the worst ending wins. */
    r[1].state = HPCL_STATE_CANCELLED;
    r[2] = rec(HPCL_STATE_FAILED, 103, 3);
    r[2].exit_code = 2;
    r[0].exit_code = 0;
    assert_int_equal(hpcl__job_absorb(job, r, 3), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_FAILED);
    assert_int_equal(hpcl_job_exit_code(job), 2);
    r[2].state = HPCL_STATE_COMPLETED;
    r[1].state = HPCL_STATE_COMPLETED;
    assert_int_equal(hpcl__job_absorb(job, r, 3), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_COMPLETED);
    hpcl_job_destroy(job);
}

/* Slurm's 0:11 and 139:0: the same shell code, told apart by the signal;
 * a job still running has neither. */
static void job_absorb_tells_a_signal_from_an_exit_code(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobrec r = rec(HPCL_STATE_RUNNING, 123, HPCL__NO_TASK);

    job->id = 123;
    assert_int_equal(hpcl__job_absorb(job, &r, 1), HPCL_OK);
    assert_int_equal(hpcl_job_exit_code(job), -1);
    assert_int_equal(hpcl_job_signal(job), -1);
    r.state = HPCL_STATE_FAILED;
    r.exit_code = 139;
    r.term_signal = 11;
    assert_int_equal(hpcl__job_absorb(job, &r, 1), HPCL_OK);
    assert_int_equal(hpcl_job_exit_code(job), 139);
    assert_int_equal(hpcl_job_signal(job), 11);
    r.term_signal = 0;
    assert_int_equal(hpcl__job_absorb(job, &r, 1), HPCL_OK);
    assert_int_equal(hpcl_job_exit_code(job), 139);
    assert_int_equal(hpcl_job_signal(job), 0);
    hpcl_job_destroy(job);
}

/* Every task of an array, in index order, the pending rest last (its
 * throttle dropped); the fold's exit code and signal from one task. */
static void job_absorb_lists_array_tasks(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobrec r[4] = {rec(HPCL_STATE_PENDING, 100, HPCL__NO_TASK),
                                rec(HPCL_STATE_FAILED, 103, 3),
                                rec(HPCL_STATE_RUNNING, 101, 1),
                                rec(HPCL_STATE_COMPLETED, 102, 2)};

    job->id = 100;
    snprintf(job->ref, sizeof job->ref, "sitea:100");
    r[0].array_job_id = 100;
    r[0].array_tasks = "4-10:2%2";
    r[0].reason = "JobArrayTaskLimit";
    r[1].exit_code = 139;
    r[1].term_signal = 11;
    r[1].nodes = "a3";
    r[2].nodes = "a1";
    r[3].exit_code = 0;
    r[3].term_signal = 0;
    assert_int_equal(hpcl__job_absorb(job, r, 4), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_RUNNING);
    assert_int_equal(hpcl_job_task_count(job), 4);
    assert_string_equal(hpcl_job_task_ref(job, 0), "sitea:100_1");
    assert_int_equal(hpcl_job_task_state(job, 0), HPCL_STATE_RUNNING);
    assert_int_equal(hpcl_job_task_exit_code(job, 0), -1);
    assert_int_equal(hpcl_job_task_signal(job, 0), -1);
    assert_string_equal(hpcl_job_task_nodelist(job, 0), "a1");
    assert_string_equal(hpcl_job_task_ref(job, 1), "sitea:100_2");
    assert_int_equal(hpcl_job_task_exit_code(job, 1), 0);
    assert_int_equal(hpcl_job_task_signal(job, 1), 0);
    assert_string_equal(hpcl_job_task_ref(job, 2), "sitea:100_3");
    assert_int_equal(hpcl_job_task_state(job, 2), HPCL_STATE_FAILED);
    assert_int_equal(hpcl_job_task_exit_code(job, 2), 139);
    assert_int_equal(hpcl_job_task_signal(job, 2), 11);
    assert_string_equal(hpcl_job_task_ref(job, 3), "sitea:100_[4-10:2]");
    assert_int_equal(hpcl_job_task_state(job, 3), HPCL_STATE_PENDING);
    assert_string_equal(hpcl_job_task_reason(job, 3), "JobArrayTaskLimit");
    assert_string_equal(hpcl_job_task_nodelist(job, 3), "");
    /* Out of range: the unknown values, never a crash. */
    assert_string_equal(hpcl_job_task_ref(job, 4), "");
    assert_int_equal(hpcl_job_task_state(job, 4), HPCL_STATE_UNKNOWN);
    assert_int_equal(hpcl_job_task_signal(NULL, 0), -1);
    /* All ended: the job's code and signal are its worst task's. */
    r[0] = rec(HPCL_STATE_COMPLETED, 104, 4);
    r[0].exit_code = 0;
    r[2].state = HPCL_STATE_COMPLETED;
    r[2].exit_code = 0;
    assert_int_equal(hpcl__job_absorb(job, r, 4), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_FAILED);
    assert_int_equal(hpcl_job_exit_code(job), 139);
    assert_int_equal(hpcl_job_signal(job), 11);
    assert_int_equal(hpcl_job_task_count(job), 4);
    /* One task named: that task alone, no list. */
    job->task = 3;
    assert_int_equal(hpcl__job_absorb(job, r, 4), HPCL_OK);
    assert_int_equal(hpcl_job_task_count(job), 0);
    hpcl_job_destroy(job);
}

static void job_absorb_one_task_of_an_array(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobrec r[2] = {rec(HPCL_STATE_COMPLETED, 102, 2),
                                rec(HPCL_STATE_PENDING, 100, HPCL__NO_TASK)};

    job->id = 100;
    job->task = 2;
    snprintf(job->ref, sizeof job->ref, "local:100_2");
    r[1].array_job_id = 100;
    r[1].array_tasks = "0,4-10:2%2";
    r[1].reason = "Priority";
    assert_int_equal(hpcl__job_absorb(job, r, 2), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_COMPLETED);
    assert_string_equal(hpcl_job_output_path(job), "/w/out-100_2.txt");
    job->task = 6; /* still in the pending rest */
    assert_int_equal(hpcl__job_absorb(job, r, 2), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_PENDING);
    assert_string_equal(hpcl_job_reason(job), "Priority");
    assert_string_equal(hpcl_job_output_path(job), "/w/out-100_6.txt");
    job->task = 0;
    assert_int_equal(hpcl__job_absorb(job, r, 2), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_PENDING);
    const uint32_t absent[] = {1, 3, 5, 7, 11, 12};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        job->task = absent[i];
        assert_int_equal(hpcl__job_absorb(job, r, 2), HPCL_E_NOJOB);
    }
    assert_non_null(strstr(hpcl_ctx_errmsg(*state), "array task"));
    /* The whole array, all pending: files named after its first task. */
    job->task = HPCL__NO_TASK;
    assert_int_equal(hpcl__job_absorb(job, &r[1], 1), HPCL_OK);
    assert_string_equal(hpcl_job_output_path(job), "/w/out-100_0.txt");
    hpcl_job_destroy(job);
}

static void job_reason_includes_controller_detail(void **state)
{
    hpcl_job *job = new_job(state);
    struct hpcl__jobrec r = rec(HPCL_STATE_PENDING, 9, HPCL__NO_TASK);

    job->id = 9;
    r.reason = "None";
    r.reason_desc = "launch failed requeued held";
    assert_int_equal(hpcl__job_absorb(job, &r, 1), HPCL_OK);
    assert_string_equal(hpcl_job_reason(job), "launch failed requeued held");
    r.reason = "JobHeldUser";
    assert_int_equal(hpcl__job_absorb(job, &r, 1), HPCL_OK);
    assert_string_equal(hpcl_job_reason(job),
                        "JobHeldUser: launch failed requeued held");
    hpcl_job_destroy(job);
}

HPCL_TEST_MAIN(setup, teardown,
               cmocka_unit_test(job_create_defaults),
               cmocka_unit_test(job_command_validation),
               cmocka_unit_test(job_submit_without_command_fails),
               cmocka_unit_test(job_numeric_setters),
               cmocka_unit_test(job_string_setters),
               cmocka_unit_test(job_relative_workdir_is_made_absolute),
               cmocka_unit_test(job_ref_parsing),
               cmocka_unit_test(job_attach_rejects_bad_refs_without_slurm),
               cmocka_unit_test(job_not_submitted_operations_fail),
               cmocka_unit_test(job_setters_refused_after_submission),
               cmocka_unit_test(job_state_names),
               cmocka_unit_test(job_secret_variables_are_recognised),
               cmocka_unit_test(job_env_inherits_minus_secrets_plus_edits),
               cmocka_unit_test(job_env_without_inherit),
               cmocka_unit_test(job_desc_defaults_like_sbatch),
               cmocka_unit_test(job_desc_paths_relative_to_workdir),
               cmocka_unit_test(job_expand_path_fields),
               cmocka_unit_test(job_absorb_single_record),
               cmocka_unit_test(job_absorb_folds_array_tasks),
               cmocka_unit_test(job_absorb_tells_a_signal_from_an_exit_code),
               cmocka_unit_test(job_absorb_lists_array_tasks),
               cmocka_unit_test(job_absorb_one_task_of_an_array),
               cmocka_unit_test(job_reason_includes_controller_detail))
