/*
 * Live job tests against the loopback dev cluster (site A via libslurm).
 * Needs `source $HPCL_DEV_DIR/env.sh` (SLURM_CONF, HPCL_DEV_WORK).  A
 * missing environment or a cluster that does not answer is a failure,
 * never a skip.  Uses only the public API.  Every job submitted here is
 * cancelled at the end, whatever happened.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hpclaunch.h>

#include "hpcl_test.h"

#define MAX_JOBS 64

/* libslurm 22.05 leaks the reply of a refused submit (its RESPONSE_SLURM_RC
 * branch returns without freeing it).  Not ours to fix; LeakSanitizer
 * reads this hook in sanitizer builds and ignores it otherwise. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:slurm_submit_batch_job\n";
}

static hpcl_ctx *ctx;
static char work[512];             /* this run's folder in HPCL_DEV_WORK */
static char *submitted[MAX_JOBS];  /* refs to cancel at the end */
static int n_submitted;

#define CHECK(call)                                                        \
    do {                                                                   \
        hpcl_rc rc_ = (call);                                              \
        if (rc_ != HPCL_OK)                                                \
            fail_msg("%s: %s: %s", #call, hpcl_strerror(rc_),              \
                     hpcl_ctx_errmsg(ctx));                                \
    } while (0)

#define assert_has(text, part)                                             \
    do {                                                                   \
        if (strstr((text), (part)) == NULL)                                \
            fail_msg("\"%s\" not in \"%s\"", (part), (text));              \
    } while (0)

static int group_setup(void **state)
{
    const char *conf = getenv("SLURM_CONF"), *dev = getenv("HPCL_DEV_WORK");
    hpcl_job *job = NULL;
    hpcl_rc rc;

    (void)state;
    if (conf == NULL || dev == NULL) {
        fprintf(stderr, "live tests: SLURM_CONF and HPCL_DEV_WORK must be "
                "set: run `bash dev/cluster start` and `source "
                "$HPCL_DEV_DIR/env.sh` (default /var/tmp/hpclaunch-dev)\n");
        return -1;
    }
    snprintf(work, sizeof work, "%s/live-job-XXXXXX", dev);
    if (mkdtemp(work) == NULL || chmod(work, 0755) != 0 ||
        hpcl_ctx_create(&ctx, 0) != HPCL_OK ||
        hpcl_ctx_set_slurm_conf(ctx, conf) != HPCL_OK) {
        fprintf(stderr, "live tests: cannot set up in %s: %s\n", work,
                strerror(errno));
        return -1;
    }
    /* The cluster must answer: an unknown job is "no such job", not
     * "unreachable". */
    rc = hpcl_job_attach(&job, ctx, "local:67000000");
    if (rc != HPCL_E_NOJOB) {
        fprintf(stderr, "live tests: the dev cluster (%s) does not answer "
                "(%s: %s); start it with `bash dev/cluster start`\n", conf,
                hpcl_strerror(rc), hpcl_ctx_errmsg(ctx));
        hpcl_job_destroy(job);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[600];

    (void)state;
    for (int i = 0; i < n_submitted; i++) {
        hpcl_job *job = NULL;
        if (hpcl_job_attach(&job, ctx, submitted[i]) == HPCL_OK)
            hpcl_job_cancel(job);
        hpcl_job_destroy(job);
        free(submitted[i]);
    }
    hpcl_ctx_destroy(ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : -1;
}

static hpcl_job *new_job(int argc, const char *const *argv)
{
    hpcl_job *job;

    CHECK(hpcl_job_create(&job, ctx));
    CHECK(hpcl_job_set_command(job, argc, argv));
    CHECK(hpcl_job_set_workdir(job, work));
    CHECK(hpcl_job_set_time_limit(job, 3));
    return job;
}

static void submit(hpcl_job *job)
{
    CHECK(hpcl_job_submit(job, 0));
    if (n_submitted < MAX_JOBS)
        submitted[n_submitted++] = strdup(hpcl_job_ref(job));
}

/* The whole file at path, NUL-terminated, in *out; returns its size. */
static size_t slurp(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, cap = 4096, n;
    char *buf = malloc(cap);

    if (f == NULL)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    return len;
}

static void wait_done(hpcl_job *job, hpcl_state want)
{
    CHECK(hpcl_job_wait(job, 120));
    if (hpcl_job_state(job) != want)
        fail_msg("job %s ended %s (want %s), reason '%s', exit %d, "
                 "output %s", hpcl_job_ref(job),
                 hpcl_state_name(hpcl_job_state(job)),
                 hpcl_state_name(want), hpcl_job_reason(job),
                 hpcl_job_exit_code(job), hpcl_job_output_path(job));
}

/* Lines of text, each a node name: count the distinct ones. */
static int distinct_lines(char *text)
{
    char *seen[16];
    int n = 0;

    for (char *save, *l = strtok_r(text, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        int dup = 0;
        for (int i = 0; i < n; i++)
            dup |= strcmp(seen[i], l) == 0;
        if (!dup && n < 16)
            seen[n++] = l;
    }
    return n;
}

static void live_two_node_srun_job(void **state)
{
    const char *argv[] = {"/bin/hostname"};
    hpcl_job *job = new_job(1, argv);
    char *out;

    (void)state;
    CHECK(hpcl_job_set_nodes(job, 2, 2));
    CHECK(hpcl_job_set_ntasks(job, 2));
    submit(job);
    assert_has(hpcl_job_ref(job), "local:");
    wait_done(job, HPCL_STATE_COMPLETED);
    assert_int_equal(hpcl_job_exit_code(job), 0);
    assert_has(hpcl_job_output_path(job), work);
    slurp(hpcl_job_output_path(job), &out);
    if (distinct_lines(out) != 2)
        fail_msg("output of %s does not name 2 nodes (nodelist %s)",
                 hpcl_job_ref(job), hpcl_job_nodelist(job));
    free(out);
    hpcl_job_destroy(job);
}

static void live_held_job_cancelled(void **state)
{
    const char *argv[] = {"/bin/true"};
    hpcl_job *job = new_job(1, argv);

    (void)state;
    CHECK(hpcl_job_set_hold(job, 1));
    submit(job);
    CHECK(hpcl_job_refresh(job));
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_PENDING);
    assert_has(hpcl_job_reason(job), "Held");
    assert_int_equal(hpcl_job_wait(job, 0.5), HPCL_E_TIMEOUT);
    assert_has(hpcl_ctx_errmsg(ctx), "still PENDING");
    CHECK(hpcl_job_cancel(job));
    wait_done(job, HPCL_STATE_CANCELLED);
    CHECK(hpcl_job_cancel(job)); /* already ended: not an error */
    hpcl_job_destroy(job);
}

static void live_attach_unknown_and_known(void **state)
{
    const char *argv[] = {"/bin/true"};
    hpcl_job *job = new_job(1, argv), *att = NULL;

    (void)state;
    assert_int_equal(hpcl_job_attach(&att, ctx, "local:66999999"),
                     HPCL_E_NOJOB);
    assert_null(att);
    assert_string_equal(hpcl_ctx_errmsg(ctx), "job local:66999999 not found "
                        "(it may have ended more than MinJobAge ago)");
    assert_int_equal(hpcl_job_attach(&att, ctx, "siteb:12"), HPCL_E_INVAL);
    assert_has(hpcl_ctx_errmsg(ctx), "unknown site 'siteb'");
    CHECK(hpcl_job_set_hold(job, 1));
    submit(job);
    /* By plain id, as squeue shows it. */
    CHECK(hpcl_job_attach(&att, ctx, strchr(hpcl_job_ref(job), ':') + 1));
    assert_string_equal(hpcl_job_ref(att), hpcl_job_ref(job));
    assert_int_equal(hpcl_job_state(att), HPCL_STATE_PENDING);
    CHECK(hpcl_job_cancel(att));
    hpcl_job_destroy(att);
    hpcl_job_destroy(job);
}

/* Arguments that would do damage if any shell looked inside them. */
static void live_hostile_arguments_verbatim(void **state)
{
    char canary[600], home[600], keep[640], c1[700], c2[700], c3[700];
    const char *argv[] = {"/bin/printf", "%s\\n", "plain", c1, c2, c3,
                          "'; rm -rf ~", "a\nb", "", "*", "$HOME",
                          "\\", "'", "x'y'z", "tab\there",
                          "ünïcødé ✓ 日本", "-n", "--", ";|&<>(){}!#"};
    int argc = (int)(sizeof argv / sizeof argv[0]);
    hpcl_job *job;
    char *out, want[4096];
    size_t len, wl = 0;

    (void)state;
    snprintf(canary, sizeof canary, "%s/canary", work);
    snprintf(home, sizeof home, "%s/victim-home", work);
    snprintf(keep, sizeof keep, "%s/keep", home);
    snprintf(c1, sizeof c1, "$(touch %s1)", canary);
    snprintf(c2, sizeof c2, "`touch %s2`", canary);
    snprintf(c3, sizeof c3, "'; touch %s3; echo '", canary);
    assert_int_equal(mkdir(home, 0755), 0);
    fclose(fopen(keep, "w"));
    job = new_job(argc, argv);
    /* ~ in a broken script would be this sacrificial folder. */
    CHECK(hpcl_job_setenv(job, "HOME", home));
    submit(job);
    wait_done(job, HPCL_STATE_COMPLETED);
    for (int i = 2; i < argc; i++)
        wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s\n", argv[i]);
    len = slurp(hpcl_job_output_path(job), &out);
    assert_int_equal(len, wl);
    assert_memory_equal(out, want, wl);
    for (int i = 1; i <= 3; i++) {
        char p[640];
        snprintf(p, sizeof p, "%s%d", canary, i);
        if (access(p, F_OK) == 0)
            fail_msg("%s exists: an argument was executed", p);
    }
    assert_int_equal(access(keep, F_OK), 0);
    free(out);
    hpcl_job_destroy(job);
}

/* Run fn with fd 2 going to a file; fail if anything was written:
 * libslurm must not print on the caller's stderr. */
static void assert_silent(void (*fn)(void))
{
    char path[600];
    struct stat st;
    int saved = dup(2), fd;

    snprintf(path, sizeof path, "%s/stderr.txt", work);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    fflush(stderr);
    dup2(fd, 2);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(stat(path, &st), 0);
    if (st.st_size != 0)
        fail_msg("%lld bytes written to stderr (see %s)",
                 (long long)st.st_size, path);
}

static void submit_errors_body(void)
{
    const char *argv[] = {"/bin/true"};
    hpcl_job *job = new_job(1, argv);

    CHECK(hpcl_job_set_partition(job, "nosuchpart"));
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_SLURM);
    assert_string_equal(hpcl_ctx_errmsg(ctx),
                        "slurm_submit_batch_job: Invalid partition name "
                        "specified (partition 'nosuchpart' on site local); "
                        "libslurm logged \"error: invalid partition "
                        "specified: nosuchpart\"");
    hpcl_job_destroy(job);
    /* More nodes than the partition has: sbatch would leave it pending
     * forever; hpclaunch refuses and cancels it. */
    job = new_job(1, argv);
    CHECK(hpcl_job_set_nodes(job, 10, 10));
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_SLURM);
    assert_has(hpcl_ctx_errmsg(ctx), "could never start");
    assert_has(hpcl_ctx_errmsg(ctx), "hpclaunch cancelled it");
    assert_null(hpcl_job_ref(job));
    hpcl_job_destroy(job);
}

static void live_submit_errors_are_explained(void **state)
{
    (void)state;
    assert_silent(submit_errors_body);
}

static void wait_running(hpcl_job *job)
{
    for (int i = 0; i < 600; i++) {
        CHECK(hpcl_job_refresh(job));
        if (hpcl_job_state(job) == HPCL_STATE_RUNNING)
            return;
        if (hpcl_state_is_terminal(hpcl_job_state(job)))
            break;
        usleep(100000);
    }
    fail_msg("job %s is %s, not RUNNING (%s)", hpcl_job_ref(job),
             hpcl_state_name(hpcl_job_state(job)), hpcl_job_reason(job));
}

/* sdiag's "Jobs pending" and "Job states ts" (when slurmctld sampled
 * it), or -1. */
static long sdiag_pending(long *ts)
{
    FILE *p = popen("sdiag 2>/dev/null", "r");
    char line[256];
    long n = -1;

    *ts = -1;
    while (p != NULL && fgets(line, sizeof line, p) != NULL) {
        char *paren = strchr(line, '(');
        if (strncmp(line, "Jobs pending:", 13) == 0)
            n = strtol(line + 13, NULL, 10);
        else if (strncmp(line, "Job states ts:", 14) == 0 && paren != NULL)
            *ts = strtol(paren + 1, NULL, 10);
    }
    if (p != NULL)
        pclose(p);
    return n;
}

static void live_probe_while_site_is_full(void **state)
{
    const char *sleep_argv[] = {"/bin/sleep", "300"};
    const char *one[] = {"/bin/true"};
    hpcl_job *fill[4], *extra, *job = new_job(1, one);
    hpcl_probe *probe;
    struct timespec t0, t1;
    time_t now = time(NULL);
    long before, after, ts0, ts1;

    (void)state;
    CHECK(hpcl_job_set_nodes(job, 10, 10));
    assert_int_equal(hpcl_job_probe(&probe, job, 0), HPCL_E_SLURM);
    assert_null(probe);
    assert_has(hpcl_ctx_errmsg(ctx), "can never run in partition");
    CHECK(hpcl_job_set_nodes(job, 1, 1));
    CHECK(hpcl_job_probe(&probe, job, 0));
    assert_string_equal(hpcl_probe_partition(probe), "batch");
    assert_int_equal(hpcl_probe_total_nodes(probe), 4);
    hpcl_probe_destroy(probe);
    for (int i = 0; i < 4; i++) {
        fill[i] = new_job(2, sleep_argv);
        CHECK(hpcl_job_set_exclusive(fill[i], 1));
        CHECK(hpcl_job_set_nodes(fill[i], 1, 1));
        CHECK(hpcl_job_set_launcher(fill[i], HPCL_LAUNCHER_NONE));
        submit(fill[i]);
    }
    for (int i = 0; i < 4; i++)
        wait_running(fill[i]);
    extra = new_job(1, one);
    submit(extra);
    CHECK(hpcl_job_set_ntasks(job, 1));
    before = sdiag_pending(&ts0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(hpcl_job_probe(&probe, job, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    after = sdiag_pending(&ts1);
    print_message("# probe on a full site: start in %ld s, %u pending, "
                  "%u/%u idle, %.1f ms\n",
                  (long)(hpcl_probe_start_time(probe) - now),
                  hpcl_probe_pending_jobs(probe),
                  hpcl_probe_idle_nodes(probe),
                  hpcl_probe_total_nodes(probe),
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    assert_true(hpcl_probe_start_time(probe) > now);
    assert_int_equal(hpcl_probe_idle_nodes(probe), 0);
    assert_int_equal(hpcl_probe_total_nodes(probe), 4);
    /* The pending count is slurmctld's own, cluster-wide, sampled about
     * once a minute: what sdiag printed, when no sample fell between. */
    assert_true(before >= 0 && ts0 > 0);
    if (ts0 == ts1)
        assert_int_equal(hpcl_probe_pending_jobs(probe), before);
    else
        assert_int_equal(hpcl_probe_pending_jobs(probe) == (unsigned)before ||
                             hpcl_probe_pending_jobs(probe) ==
                                 (unsigned)after, 1);
    assert_string_equal(hpcl_probe_partition(probe), "batch");
    assert_true(hpcl_probe_nodelist(probe)[0] != '\0');
    hpcl_probe_destroy(probe);
    for (int i = 0; i < 4; i++) {
        CHECK(hpcl_job_cancel(fill[i]));
        hpcl_job_destroy(fill[i]);
    }
    CHECK(hpcl_job_cancel(extra));
    hpcl_job_destroy(extra);
    hpcl_job_destroy(job);
}

static void live_array_job_status(void **state)
{
    /* Task 2 fails: the array as a whole is FAILED with its exit code. */
    const char *argv[] = {"/bin/sh", "-c",
                          "echo task $SLURM_ARRAY_TASK_ID; "
                          "test $SLURM_ARRAY_TASK_ID != 2 || exit 3"};
    hpcl_job *job = new_job(3, argv), *att = NULL;
    char path[700], *out;

    (void)state;
    CHECK(hpcl_job_set_array(job, "0-3"));
    CHECK(hpcl_job_set_launcher(job, HPCL_LAUNCHER_NONE));
    submit(job);
    wait_done(job, HPCL_STATE_FAILED);
    assert_int_equal(hpcl_job_exit_code(job), 3);
    for (int t = 0; t < 4; t++) {
        snprintf(path, sizeof path, "%s/slurm-%s_%d.out", work,
                 strchr(hpcl_job_ref(job), ':') + 1, t);
        slurp(path, &out);
        char want[32];
        snprintf(want, sizeof want, "task %d\n", t);
        assert_string_equal(out, want);
        free(out);
    }
    snprintf(path, sizeof path, "%s_1", hpcl_job_ref(job));
    CHECK(hpcl_job_attach(&att, ctx, path));
    assert_int_equal(hpcl_job_state(att), HPCL_STATE_COMPLETED);
    assert_has(hpcl_job_output_path(att), "_1.out");
    hpcl_job_destroy(att);
    hpcl_job_destroy(job);
}

static void live_array_task_cancel(void **state)
{
    const char *argv[] = {"/bin/true"};
    hpcl_job *job = new_job(1, argv), *task = NULL;
    char ref[64];

    (void)state;
    CHECK(hpcl_job_set_array(job, "0-3"));
    CHECK(hpcl_job_set_hold(job, 1));
    submit(job);
    snprintf(ref, sizeof ref, "%s_1", hpcl_job_ref(job));
    CHECK(hpcl_job_attach(&task, ctx, ref));
    assert_int_equal(hpcl_job_state(task), HPCL_STATE_PENDING);
    assert_has(hpcl_job_output_path(task), "_1.out");
    CHECK(hpcl_job_cancel(task));
    /* A task cancelled before it started leaves no record behind. */
    assert_int_equal(hpcl_job_refresh(task), HPCL_E_NOJOB);
    assert_has(hpcl_ctx_errmsg(ctx), "array task");
    CHECK(hpcl_job_refresh(job));
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_PENDING);
    CHECK(hpcl_job_cancel(job));
    wait_done(job, HPCL_STATE_CANCELLED);
    hpcl_job_destroy(task);
    hpcl_job_destroy(job);
}

static void live_mpirun_launcher(void **state)
{
    const char *argv[] = {"/bin/hostname"};
    hpcl_job *job = new_job(1, argv);
    char *out;

    (void)state;
    CHECK(hpcl_job_set_launcher(job, HPCL_LAUNCHER_MPIRUN));
    CHECK(hpcl_job_set_nodes(job, 2, 2));
    CHECK(hpcl_job_set_ntasks(job, 2));
    CHECK(hpcl_job_setenv(job, "OMPI_ALLOW_RUN_AS_ROOT", "1"));
    CHECK(hpcl_job_setenv(job, "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"));
    submit(job);
    wait_done(job, HPCL_STATE_COMPLETED);
    slurp(hpcl_job_output_path(job), &out);
    if (distinct_lines(out) != 2)
        fail_msg("mpirun output of %s does not name 2 nodes: %s",
                 hpcl_job_ref(job), out);
    free(out);
    hpcl_job_destroy(job);
}

HPCL_TEST_MAIN(group_setup, group_teardown,
               cmocka_unit_test(live_two_node_srun_job),
               cmocka_unit_test(live_held_job_cancelled),
               cmocka_unit_test(live_attach_unknown_and_known),
               cmocka_unit_test(live_hostile_arguments_verbatim),
               cmocka_unit_test(live_submit_errors_are_explained),
               cmocka_unit_test(live_probe_while_site_is_full),
               cmocka_unit_test(live_array_job_status),
               cmocka_unit_test(live_array_task_cancel),
               cmocka_unit_test(live_mpirun_launcher))
