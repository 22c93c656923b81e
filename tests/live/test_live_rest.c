/*
 * Live tests of the slurmrestd driver against the dev cluster's site B
 * (`source $HPCL_DEV_DIR/env.sh`: HPCL_DEV_SITEB_URL, _TOKEN_FILE, _CONF,
 * HPCL_DEV_WORK).  The driver is used directly (hpcl__rest_site_open and
 * site.ops), so this links the static test library.  A missing
 * environment or a site that does not answer is a failure, never a skip.
 * Every job submitted here is cancelled at the end, whatever happened.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "job/job-internal.h"
#include "hpcl_test.h"
#include "submit/journal.h"

#define MAX_JOBS 512
#define RATE_ONE 100 /* held submits over one connection */
#define RATE_NEW 40  /* held submits, a new connection each */

static hpcl_ctx *ctx;
static struct hpcl__site_conf conf;
static struct hpcl__site site;
static char work[512];
static char token[4096];         /* the good token, to look for in messages */
static uint32_t submitted[MAX_JOBS];
static int n_submitted;

#define CHECK(call)                                                        \
    do {                                                                   \
        hpcl_rc rc_ = (call);                                              \
        if (rc_ != HPCL_OK)                                                \
            fail_msg("%s: %s: %s", #call, hpcl_strerror(rc_),              \
                     hpcl_ctx_errmsg(ctx));                                \
    } while (0)

/* got with message msg is want with part in it; no token shown. */
static void check_fail(hpcl_rc got, const char *msg, hpcl_rc want,
                       const char *part)
{
    if (got != want || strstr(msg, part) == NULL)
        fail_msg("got %s \"%s\", wanted %s with \"%s\"", hpcl_strerror(got),
                 msg, hpcl_strerror(want), part);
    if (strstr(msg, token + strlen(token) - 20) != NULL)
        fail_msg("the token shows in \"%s\"", msg);
    printf("# %s: %s\n", hpcl_strerror(got), msg);
}

static void expect_fail(hpcl_rc got, hpcl_rc want, const char *part)
{
    check_fail(got, hpcl_ctx_errmsg(ctx), want, part);
}

static int read_token(void)
{
    FILE *f = fopen(conf.token_file, "r");
    int ok = f != NULL && fgets(token, sizeof token, f) != NULL;

    if (f != NULL)
        fclose(f);
    token[strcspn(token, "\r\n")] = '\0';
    return ok && strlen(token) > 40 ? 0 : -1;
}

/* A query that only says whether the job exists. */
static hpcl_rc exists(void *arg, const struct hpcl__jobrec *recs, size_t n)
{
    (void)arg;
    (void)recs;
    return n > 0 ? HPCL_OK : HPCL_E_NOJOB;
}

static int group_setup(void **state)
{
    const char *url = getenv("HPCL_DEV_SITEB_URL");
    const char *tok = getenv("HPCL_DEV_SITEB_TOKEN_FILE");
    const char *dev = getenv("HPCL_DEV_WORK");

    (void)state;
    if (url == NULL || tok == NULL || dev == NULL) {
        fprintf(stderr, "live rest tests: HPCL_DEV_SITEB_URL, HPCL_DEV_SITEB_"
                "TOKEN_FILE and HPCL_DEV_WORK must be set: `bash dev/cluster "
                "start` and `source $HPCL_DEV_DIR/env.sh`\n");
        return -1;
    }
    snprintf(work, sizeof work, "%s/live-rest-XXXXXX", dev);
    conf = (struct hpcl__site_conf){
        .name = "siteb", .driver = HPCL__DRIVER_SLURMRESTD,
        .url = (char *)url, .api_version = HPCL__DEFAULT_API_VERSION,
        .token_file = (char *)tok, .timeout_ms = 10000};
    site.conf = &conf;
    if (mkdtemp(work) == NULL || chmod(work, 0755) != 0 || read_token() ||
        hpcl_ctx_create(&ctx, 0) != HPCL_OK ||
        hpcl__rest_site_open(&site, ctx) != HPCL_OK) {
        fprintf(stderr, "live rest tests: cannot set up in %s: %s %s\n",
                work, strerror(errno), ctx ? hpcl_ctx_errmsg(ctx) : "");
        return -1;
    }
    /* Site B must answer: an unknown job is "no such job". */
    if (site.ops->query(&site, ctx, 67000000, "siteb:67000000", exists,
                        NULL) != HPCL_E_NOJOB) {
        fprintf(stderr, "live rest tests: site B (%s) does not answer: %s; "
                "`bash dev/cluster status`\n", url, hpcl_ctx_errmsg(ctx));
        site.ops->close(&site);
        hpcl_ctx_destroy(ctx);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[600];

    (void)state;
    for (int i = 0; i < n_submitted; i++)
        site.ops->cancel(&site, ctx, submitted[i], HPCL__NO_TASK, "siteb");
    site.ops->close(&site);
    hpcl_ctx_destroy(ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : -1;
}

/* --- helpers ----------------------------------------------------------- */

static char *env_path[] = {"PATH=/usr/bin:/bin"};

static struct hpcl__jobdesc desc(const char *script, unsigned nodes,
                                 char *comment)
{
    static char out[600];
    struct hpcl__jobdesc d = {0};

    snprintf(out, sizeof out, "%s/out-%%j.txt", work);
    d.script = script;
    d.env = env_path;
    d.env_count = 1;
    d.ntasks = d.min_nodes = d.max_nodes = nodes;
    d.time_limit = 5;
    d.name = "live-rest";
    d.work_dir = work;
    d.std_out = out;
    d.comment = comment;
    return d;
}

static uint32_t submit(const struct hpcl__jobdesc *d)
{
    uint32_t id = 0;

    CHECK(site.ops->submit(&site, ctx, d, &id));
    if (n_submitted < MAX_JOBS)
        submitted[n_submitted++] = id;
    return id;
}

/* The first record of a query, with the output path expanded. */
struct rec {
    hpcl_state state;
    int exit_code;
    char reason[64];
    char out[600];
};

static hpcl_rc take(void *arg, const struct hpcl__jobrec *recs, size_t n)
{
    struct rec *r = arg;
    char *p;

    if (n == 0)
        return HPCL_E_NOJOB;
    r->state = recs[0].state;
    r->exit_code = recs[0].exit_code;
    snprintf(r->reason, sizeof r->reason, "%s",
             recs[0].reason ? recs[0].reason : "");
    p = hpcl__expand_path(recs[0].std_out ? recs[0].std_out : "slurm-%j.out",
                          &recs[0]);
    snprintf(r->out, sizeof r->out, "%s", p ? p : "");
    free(p);
    return HPCL_OK;
}

static struct rec query(uint32_t id)
{
    struct rec r = {0};

    CHECK(site.ops->query(&site, ctx, id, "siteb:?", take, &r));
    return r;
}

/* Poll until the job's state is want (or it ended otherwise). */
static struct rec wait_state(uint32_t id, hpcl_state want, int seconds)
{
    struct rec r = query(id);

    for (int i = 0; i < seconds * 4 && r.state != want &&
                    !(hpcl_state_is_terminal(r.state) &&
                      hpcl_state_is_terminal(want));
         i++) {
        usleep(250000);
        r = query(id);
    }
    if (r.state != want)
        fail_msg("job siteb:%u is %s (%s), not %s", id,
                 hpcl_state_name(r.state), r.reason, hpcl_state_name(want));
    return r;
}

static char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* --- jobs -------------------------------------------------------------- */

static void live_rest_two_node_job(void **state)
{
    struct hpcl__jobdesc d = desc("#!/bin/bash\nsrun hostname | sort\n", 2,
                                  NULL);
    uint32_t id = submit(&d);
    struct rec r = wait_state(id, HPCL_STATE_COMPLETED, 90);
    char *out;

    (void)state;
    assert_int_equal(r.exit_code, 0);
    /* Ran in the work dir given, not in slurmrestd's. */
    assert_non_null(strstr(r.out, work));
    out = slurp(r.out);
    if (strstr(out, "b1") == NULL || strstr(out, "b2") == NULL)
        fail_msg("output %s of job siteb:%u does not name b1 and b2: %s",
                 r.out, id, out);
}

static void live_rest_held_then_cancelled(void **state)
{
    struct hpcl__jobdesc d = desc("#!/bin/bash\ntrue\n", 1, NULL);
    uint32_t id;
    struct rec r;

    (void)state;
    d.hold = 1;
    id = submit(&d); /* errors: [2042] beside the job id */
    r = query(id);
    assert_int_equal(r.state, HPCL_STATE_PENDING);
    assert_string_equal(r.reason, "JobHeldUser");
    CHECK(site.ops->cancel(&site, ctx, id, HPCL__NO_TASK, "siteb:held"));
    wait_state(id, HPCL_STATE_CANCELLED, 20);
    /* Cancelling an ended job is what was asked. */
    CHECK(site.ops->cancel(&site, ctx, id, HPCL__NO_TASK, "siteb:held"));
}

static void live_rest_unknown_job(void **state)
{
    struct rec r;
    hpcl_rc rc;

    (void)state;
    rc = site.ops->query(&site, ctx, 67000000, "siteb:67000000", take, &r);
    expect_fail(rc, HPCL_E_NOJOB, "job siteb:67000000 not found");
    rc = site.ops->cancel(&site, ctx, 67000000, HPCL__NO_TASK,
                          "siteb:67000000");
    expect_fail(rc, HPCL_E_NOJOB, "job siteb:67000000 not found");
}

static void live_rest_find_key(void **state)
{
    char key[HPCL__KEY_LEN + 1], comment[80];
    struct hpcl__jobdesc d = desc("#!/bin/bash\ntrue\n", 1, comment);
    uint32_t id, found = 0;

    (void)state;
    CHECK(hpcl__key_new(key, ctx));
    snprintf(comment, sizeof comment, "hpcl-key=%s live", key);
    d.hold = 1;
    id = submit(&d);
    CHECK(site.ops->find_key(&site, ctx, key, &found));
    assert_int_equal(found, id);
    CHECK(hpcl__key_new(key, ctx));
    expect_fail(site.ops->find_key(&site, ctx, key, &found), HPCL_E_NOJOB,
                "no job carries key");
}

/* --- probe ------------------------------------------------------------- */

static struct hpcl_probe probe_two_nodes(void)
{
    struct hpcl__jobdesc d = desc("#!/bin/bash\ntrue\n", 2, NULL);
    struct hpcl_probe p = {0};

    d.exclusive = 1;
    CHECK(site.ops->probe(&site, ctx, &d, &p));
    printf("# probe: start in %+lds, nodes '%s', partition %s, %u pending, "
           "%u/%u idle\n", (long)(p.start_time - time(NULL)), p.nodelist,
           p.partition, p.pending_jobs, p.idle_nodes, p.total_nodes);
    return p;
}

static void probe_free(struct hpcl_probe *p)
{
    free(p->nodelist);
    free(p->partition);
}

static void live_rest_probe_full_then_idle(void **state)
{
    struct hpcl__jobdesc d = desc("#!/bin/bash\nsleep 300\n", 1, NULL);
    uint32_t fill[2];
    struct hpcl_probe p;
    time_t now;

    (void)state;
    d.exclusive = 1;
    for (int i = 0; i < 2; i++)
        fill[i] = submit(&d);
    for (int i = 0; i < 2; i++)
        wait_state(fill[i], HPCL_STATE_RUNNING, 30);
    now = time(NULL);
    p = probe_two_nodes();
    assert_true(p.start_time > now + 60); /* after the sleeps' time limit */
    assert_int_equal(p.idle_nodes, 0);
    assert_int_equal(p.total_nodes, 2);
    probe_free(&p);
    for (int i = 0; i < 2; i++) {
        CHECK(site.ops->cancel(&site, ctx, fill[i], HPCL__NO_TASK, "fill"));
        wait_state(fill[i], HPCL_STATE_CANCELLED, 30);
    }
    /* The nodes come back once the epilogs are done. */
    for (int i = 0;; i++) {
        p = probe_two_nodes();
        if (p.idle_nodes == 2 || i == 60)
            break;
        probe_free(&p);
        usleep(500000);
    }
    if (p.idle_nodes != 2)
        fail_msg("site B is not idle 30 s after the cancels (%u of %u nodes "
                 "idle): are other jobs running there?", p.idle_nodes,
                 p.total_nodes);
    assert_true(p.start_time <= time(NULL) + 1);
    probe_free(&p);
}

/* --- tokens ------------------------------------------------------------ */

/* Open site B with a token file holding text (mode), try a submit and a
 * query, and expect rc with part in the message each time. */
static void with_token(const char *text, mode_t mode, hpcl_rc want,
                       const char *part)
{
    struct hpcl__site_conf c = conf;
    struct hpcl__site s = {&c, NULL, NULL};
    struct hpcl__jobdesc d = desc("#!/bin/bash\ntrue\n", 1, NULL);
    char path[600];
    char msg[2][HPCL_ERRMSG_MAX];
    hpcl_rc rc[2];
    struct rec r;
    uint32_t id = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/token", work);
    if ((f = fopen(path, "w")) == NULL || fprintf(f, "%s\n", text) < 0 ||
        fclose(f) != 0 || chmod(path, mode) != 0)
        fail_msg("cannot write %s", path);
    c.token_file = path;
    d.hold = 1;
    CHECK(hpcl__rest_site_open(&s, ctx));
    /* Both calls, then close, then judge: a failed check must not leave
     * the site open. */
    rc[0] = s.ops->submit(&s, ctx, &d, &id);
    snprintf(msg[0], sizeof msg[0], "%s", hpcl_ctx_errmsg(ctx));
    if (rc[0] == HPCL_OK && n_submitted < MAX_JOBS)
        submitted[n_submitted++] = id;
    rc[1] = s.ops->query(&s, ctx, 1, "siteb:1", take, &r);
    snprintf(msg[1], sizeof msg[1], "%s", hpcl_ctx_errmsg(ctx));
    s.ops->close(&s);
    unlink(path);
    for (int i = 0; i < 2; i++)
        check_fail(rc[i], msg[i], want, part);
}

static void live_rest_bad_token(void **state)
{
    char forged[4096];

    (void)state;
    with_token("garbage", 0600, HPCL_E_AUTH, "token rejected (bad or "
               "expired?)");
    /* The real header and claims, another signature. */
    snprintf(forged, sizeof forged, "%.*sAAAAAAAAAAAAAAAAAAAA",
             (int)(strrchr(token, '.') - token + 1), token);
    with_token(forged, 0600, HPCL_E_AUTH, "token rejected");
}

static void live_rest_expired_token(void **state)
{
    const char *bconf = getenv("HPCL_DEV_SITEB_CONF");
    char cmd[700], line[4096] = "";
    FILE *p;

    (void)state;
    if (bconf == NULL)
        fail_msg("HPCL_DEV_SITEB_CONF is not set");
    snprintf(cmd, sizeof cmd, "SLURM_CONF='%s' scontrol token username=root "
             "lifespan=1", bconf);
    if ((p = popen(cmd, "r")) == NULL || fgets(line, sizeof line, p) == NULL ||
        pclose(p) != 0 || strncmp(line, "SLURM_JWT=", 10) != 0)
        fail_msg("%s failed: %s", cmd, line);
    line[strcspn(line, "\n")] = '\0';
    sleep(2);
    with_token(line + 10, 0600, HPCL_E_AUTH, "token rejected");
}

static void live_rest_token_mode_0644(void **state)
{
    (void)state;
    with_token(token, 0644, HPCL_E_AUTH, "/token for site siteb is "
               "readable by group or others (mode 0644)");
}

/* --- submit rate ------------------------------------------------------- */

static double elapsed(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Held jobs (nothing runs), cancelled at the end.  Printed only: on this
 * loopback both rates are bound by slurmctld and vary from run to run. */
static void live_rest_submit_rate(void **state)
{
    struct hpcl__jobdesc d = desc("#!/bin/bash\ntrue\n", 1, NULL);
    struct timespec t0;
    double one, fresh;

    (void)state;
    d.hold = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < RATE_ONE; i++)
        submit(&d);
    one = RATE_ONE / elapsed(&t0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < RATE_NEW; i++) {
        struct hpcl__site s = {&conf, NULL, NULL};
        uint32_t id = 0;
        hpcl_rc rc;
        CHECK(hpcl__rest_site_open(&s, ctx));
        rc = s.ops->submit(&s, ctx, &d, &id);
        s.ops->close(&s);
        CHECK(rc);
        if (n_submitted < MAX_JOBS)
            submitted[n_submitted++] = id;
    }
    fresh = RATE_NEW / elapsed(&t0);
    printf("# REST submit rate (held jobs): %.0f jobs/s over one kept "
           "connection (%d jobs), %.0f jobs/s with a new connection per job "
           "(%d jobs)\n", one, RATE_ONE, fresh, RATE_NEW);
}

HPCL_TEST_MAIN(group_setup, group_teardown,
               cmocka_unit_test(live_rest_two_node_job),
               cmocka_unit_test(live_rest_held_then_cancelled),
               cmocka_unit_test(live_rest_unknown_job),
               cmocka_unit_test(live_rest_find_key),
               cmocka_unit_test(live_rest_probe_full_then_idle),
               cmocka_unit_test(live_rest_bad_token),
               cmocka_unit_test(live_rest_expired_token),
               cmocka_unit_test(live_rest_token_mode_0644),
               cmocka_unit_test(live_rest_submit_rate))
