/*
 * The slurmrestd driver's reads against recorded site B replies: job
 * records (states, exit codes, arrays, output paths), cancel, find_key,
 * and the probe's start-time estimate.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hpcl_test.h"
#include "rest_fixture.h"
#include "backend/rest/rest.h"
#include "job/job-internal.h"

#define NOW_FULL 1795620916 /* when nodes_full.json etc. were recorded */

/* --- query, cancel, find_key --------------------------------------------- */

/* What a query delivered, copied out of the callback. */
struct got {
    size_t n;
    struct hpcl__jobrec rec[4];
    char out[4][256];
    char err[4][256];
    char text[4][6][64]; /* name user host nodes tasks reason */
};

static void copy(char *dst, const char *src)
{
    snprintf(dst, 64, "%s", src != NULL ? src : "(null)");
}

static hpcl_rc collect(void *arg, const struct hpcl__jobrec *recs, size_t n)
{
    struct got *g = arg;

    g->n = n;
    for (size_t i = 0; i < n && i < 4; i++) {
        const struct hpcl__jobrec *r = &recs[i];
        char *o = hpcl__expand_path(r->std_out ? r->std_out : "slurm-%j.out",
                                    r);
        char *e = hpcl__expand_path(r->std_err ? r->std_err : "(none)", r);
        snprintf(g->out[i], sizeof g->out[i], "%s", o);
        snprintf(g->err[i], sizeof g->err[i], "%s", e);
        free(o);
        free(e);
        g->rec[i] = *r;
        copy(g->text[i][0], r->name);
        copy(g->text[i][1], r->user);
        copy(g->text[i][2], r->batch_host);
        copy(g->text[i][3], r->nodes);
        copy(g->text[i][4], r->array_tasks);
        copy(g->text[i][5], r->reason);
    }
    return HPCL_OK;
}

static void rest_query_records(void **state)
{
    struct fx *f = *state;
    struct got g = {0};

    open_site(f, any_ok, NULL);
    assert_int_equal(f->site.ops->query(&f->site, f->ctx, 2, "siteb:2",
                                        collect, &g), HPCL_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.rec[0].state, HPCL_STATE_FAILED);
    assert_int_equal(g.rec[0].exit_code, 3); /* raw wait status 768 */
    assert_int_equal(g.rec[0].term_signal, 0);
    assert_int_equal(g.rec[0].job_id, 2);
    assert_int_equal(g.rec[0].array_job_id, 0);
    assert_int_equal(g.rec[0].array_task_id, HPCL__NO_TASK);
    assert_string_equal(g.text[0][0], "rt2");
    assert_string_equal(g.text[0][1], "root");
    assert_string_equal(g.text[0][2], "b1");
    assert_string_equal(g.text[0][3], "b[1-2]");
    assert_string_equal(g.text[0][5], "NonZeroExitCode");
    assert_string_equal(g.out[0], "/var/tmp/hpclaunch-dev/work/rest-probe/"
                                  "out-2.txt");
    /* "" in the reply is NULL for job_status.c: stderr goes with stdout */
    assert_null(g.rec[0].std_err);
}

static void rest_query_array(void **state)
{
    static const struct rest_route r[] = {
        {"GET", API "/job/4", 200, "job_array.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct got g = {0};

    open_site(f, r, NULL);
    assert_int_equal(f->site.ops->query(&f->site, f->ctx, 4, "siteb:4",
                                        collect, &g), HPCL_OK);
    assert_int_equal(g.n, 3);
    /* The pending rest (tasks 2-3), then tasks 1 and 0, running. */
    assert_int_equal(g.rec[0].state, HPCL_STATE_PENDING);
    assert_int_equal(g.rec[0].exit_code, -1);
    assert_int_equal(g.rec[0].array_task_id, HPCL__NO_TASK);
    assert_string_equal(g.text[0][4], "2-3");
    assert_string_equal(g.text[0][5], "Resources");
    assert_int_equal(g.rec[1].job_id, 6);
    assert_int_equal(g.rec[1].array_job_id, 4);
    assert_int_equal(g.rec[1].array_task_id, 1);
    assert_int_equal(g.rec[1].state, HPCL_STATE_RUNNING);
    assert_string_equal(g.out[1], "/var/tmp/hpclaunch-dev/work/rest-probe/"
                                  "arr-4_1.txt");
    assert_string_equal(g.text[2][3], "b1");
}

static void rest_unknown_job_is_nojob(void **state)
{
    static const struct rest_route r[] = {
        {"GET", API "/job/999999", 500, "job_unknown.json", NULL},
        {"DELETE", API "/job/999999", 500, "delete_unknown.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    hpcl_rc rc;

    open_site(f, r, NULL);
    rc = f->site.ops->query(&f->site, f->ctx, 999999, "siteb:999999",
                            collect, NULL);
    expect_fail(f, rc, HPCL_E_NOJOB, "job siteb:999999 not found");
    rc = f->site.ops->cancel(&f->site, f->ctx, 999999, HPCL__NO_TASK,
                             "siteb:999999");
    expect_fail(f, rc, HPCL_E_NOJOB, "job siteb:999999 not found");
}

static void rest_cancel_array_task(void **state)
{
    static const struct rest_route r[] = {
        {"DELETE", API "/job/4_2", 200, "delete_ok.json", NULL},
        {"DELETE", API "/job/7", 200, "delete_ok.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;

    open_site(f, r, NULL);
    assert_int_equal(f->site.ops->cancel(&f->site, f->ctx, 4, 2, "siteb:4_2"),
                     HPCL_OK);
    /* 200 also for a job that has ended (job_cancelled.json). */
    assert_int_equal(f->site.ops->cancel(&f->site, f->ctx, 7, HPCL__NO_TASK,
                                         "siteb:7"), HPCL_OK);
    assert_int_equal(rest_server_nreq(&f->srv), 2);
    assert_int_equal(rest_server_conns(&f->srv), 1);
}

static void rest_state_names(void **state)
{
    static const struct {
        const char *name;
        hpcl_state want;
    } t[] = {
#define S(x) HPCL_STATE_##x
        {"PENDING", S(PENDING)},     {"RUNNING", S(RUNNING)},
        {"SUSPENDED", S(RUNNING)},   {"COMPLETING", S(RUNNING)},
        {"COMPLETED", S(COMPLETED)}, {"CANCELLED", S(CANCELLED)},
        {"FAILED", S(FAILED)},       {"TIMEOUT", S(TIMEOUT)},
        {"NODE_FAIL", S(FAILED)},    {"OUT_OF_MEMORY", S(FAILED)},
        {"BOOT_FAIL", S(FAILED)},    {"DEADLINE", S(TIMEOUT)},
        {"PREEMPTED", S(FAILED)},    {"CONFIGURING", S(RUNNING)},
        {"REQUEUED", S(PENDING)},    {"REQUEUE_HOLD", S(PENDING)},
        {"bogus", S(UNKNOWN)},       {NULL, S(UNKNOWN)}};
#undef S

    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(hpcl__rest_state(t[i].name), t[i].want);
}

static void rest_find_key(void **state)
{
    static const struct rest_route r[] = {
        {"GET", API "/jobs", 200, "jobs_full.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    uint32_t id = 0;
    hpcl_rc rc;

    open_site(f, r, NULL);
    /* "hpcl-key=KEY second job": the key is a word of its own. */
    assert_int_equal(f->site.ops->find_key(&f->site, f->ctx, KEY_B, &id),
                     HPCL_OK);
    assert_int_equal(id, 8);
    rc = f->site.ops->find_key(&f->site, f->ctx,
                               "hpcl-ffff0000ffff0000ffff0000ffff0000", &id);
    expect_fail(f, rc, HPCL_E_NOJOB, "no job carries key");
}

/* Many keys in one GET /jobs: each found, or 0. */
static void rest_find_keys(void **state)
{
    static const struct rest_route r[] = {
        {"GET", API "/jobs", 200, "jobs_full.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    static const char *const keys[] = {
        KEY_B, "hpcl-ffff0000ffff0000ffff0000ffff0000", KEY_A};
    struct fx *f = *state;
    uint32_t ids[3] = {1, 1, 1};

    open_site(f, r, NULL);
    assert_int_equal(f->site.ops->find_keys(&f->site, f->ctx, keys, 3, ids),
                     HPCL_OK);
    assert_int_equal(ids[0], 8);
    assert_int_equal(ids[1], 0);
    assert_int_equal(ids[2], 7);
    assert_int_equal(rest_server_nreq(&f->srv), 1);
}

/* --- probe ------------------------------------------------------------ */

static struct hpcl__jobdesc desc_n(unsigned nodes, unsigned tasks,
                                   unsigned gpn, int exclusive)
{
    struct hpcl__jobdesc d = {0};

    d.min_nodes = d.max_nodes = nodes;
    d.ntasks = tasks;
    d.gpus_per_node = gpn;
    d.exclusive = exclusive;
    return d;
}

static time_t estimate(struct fx *f, const char *nodes, const char *jobs,
                       struct hpcl__jobdesc d, hpcl_rc want)
{
    json_t *p = load_fixture("partitions.json"), *n = load_fixture(nodes);
    json_t *j = load_fixture(jobs);
    struct hpcl__rest_view v = {p, n, NULL, j};
    struct hpcl_probe pr = {0};
    int need;
    hpcl_rc rc = hpcl__rest_estimate(f->ctx, "siteb", &v, &d, NULL, NOW_FULL,
                                     &pr, &need);

    if (rc != want)
        fail_msg("%s: %s", hpcl_strerror(rc), hpcl_ctx_errmsg(f->ctx));
    if (rc == HPCL_OK) {
        assert_string_equal(pr.partition, "batch");
        assert_int_equal(pr.total_nodes, 2);
    }
    free(pr.partition);
    free(pr.nodelist);
    json_decref(p);
    json_decref(n);
    json_decref(j);
    return pr.start_time;
}

/* Recorded full: b1 exclusive until 1795621504 (job 7), b2 half used with
 * 2 of 4 GPUs until 1795621206 (job 8), job 9 pending, estimated to
 * start at 1795621504. */
static void rest_probe_full_estimate(void **state)
{
    struct fx *f = *state;

    assert_int_equal(estimate(f, "nodes_full.json", "jobs_full.json",
                              desc_n(1, 1, 0, 0), HPCL_OK), NOW_FULL);
    assert_int_equal(estimate(f, "nodes_full.json", "jobs_full.json",
                              desc_n(2, 2, 0, 1), HPCL_OK), 1795621504);
    assert_int_equal(estimate(f, "nodes_full.json", "jobs_full.json",
                              desc_n(1, 1, 4, 0), HPCL_OK), 1795621504);
    assert_int_equal(estimate(f, "nodes_idle.json", "jobs_idle.json",
                              desc_n(2, 2, 4, 1), HPCL_OK), NOW_FULL);
    estimate(f, "nodes_idle.json", "jobs_idle.json", desc_n(3, 3, 0, 0),
             HPCL_E_SLURM);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "needs 3 node(s)"));
    estimate(f, "nodes_idle.json", "jobs_idle.json", desc_n(1, 1, 8, 0),
             HPCL_E_SLURM);
}

static void rest_probe_over_http(void **state)
{
    static const struct rest_route idle[] = {
        {"GET", API "/partitions", 200, "partitions.json", NULL},
        {"GET", API "/nodes", 200, "nodes_idle.json", NULL},
        {"GET", API "/diag", 200, "diag.json", NULL},
        {"GET", API "/jobs", 200, "jobs_idle.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_n(2, 2, 0, 1);
    struct hpcl_probe pr = {0};
    time_t before = time(NULL);

    open_site(f, idle, NULL);
    assert_int_equal(f->site.ops->probe(&f->site, f->ctx, &d, &pr), HPCL_OK);
    assert_true(pr.start_time >= before && pr.start_time <= time(NULL));
    assert_string_equal(pr.partition, "batch");
    assert_string_equal(pr.nodelist, "b1,b2");
    assert_int_equal(pr.idle_nodes, 2);
    assert_int_equal(pr.total_nodes, 2);
    /* slurmctld's count (3 held jobs, cluster-wide), and the job fits
     * the free nodes: /jobs, whose size follows the queue, is not read. */
    assert_int_equal(pr.pending_jobs, 3);
    assert_int_equal(rest_server_nreq(&f->srv), 3);
    assert_int_equal(rest_server_conns(&f->srv), 1);
    /* v0.0.38 names the release in "meta": {"Slurm": ...} */
    assert_string_equal(pr.api_version, "v0.0.38");
    assert_string_equal(pr.slurm_release, "22.05.8");
    free(pr.partition);
    free(pr.nodelist);
    free(pr.api_version);
    free(pr.slurm_release);
    /* Probed again at once (the next job of a batch): the reads of a
     * moment ago serve, no request goes out, the answer is the same. */
    memset(&pr, 0, sizeof pr);
    assert_int_equal(f->site.ops->probe(&f->site, f->ctx, &d, &pr), HPCL_OK);
    assert_int_equal(rest_server_nreq(&f->srv), 3);
    assert_string_equal(pr.nodelist, "b1,b2");
    assert_int_equal(pr.pending_jobs, 3);
    free(pr.partition);
    free(pr.nodelist);
    free(pr.api_version);
    free(pr.slurm_release);
}

static void rest_probe_full_over_http(void **state)
{
    static const struct rest_route full[] = {
        {"GET", API "/partitions", 200, "partitions.json", NULL},
        {"GET", API "/nodes", 200, "nodes_full.json", NULL},
        {"GET", API "/jobs", 200, "jobs_full.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_n(2, 2, 0, 1);
    struct hpcl_probe pr = {0};

    open_site(f, full, NULL);
    assert_int_equal(f->site.ops->probe(&f->site, f->ctx, &d, &pr), HPCL_OK);
    /* The recorded end times are past by now: only the counts hold. */
    assert_int_equal(pr.idle_nodes, 0);
    /* No /diag served (404): the count comes from /jobs, the partition's
     * pending jobs, as before. */
    assert_int_equal(pr.pending_jobs, 1);
    {
        char *diag = rest_server_req(&f->srv, 2);
        char *last = rest_server_req(&f->srv, rest_server_nreq(&f->srv) - 1);
        assert_non_null(strstr(diag, "GET " API "/diag "));
        assert_non_null(strstr(last, "GET " API "/jobs "));
        free(diag);
        free(last);
    }
    assert_true(pr.start_time >= NOW_FULL);
    free(pr.partition);
    free(pr.nodelist);
    free(pr.api_version);
    free(pr.slurm_release);
}

/* A full partition with /diag: the job does not fit now, so the running
 * jobs' ends are read from /jobs; the count stays slurmctld's. */
static void rest_probe_full_reads_jobs(void **state)
{
    static const struct rest_route full[] = {
        {"GET", API "/partitions", 200, "partitions.json", NULL},
        {"GET", API "/nodes", 200, "nodes_full.json", NULL},
        {"GET", API "/diag", 200, "diag.json", NULL},
        {"GET", API "/jobs", 200, "jobs_full.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_n(2, 2, 0, 1);
    struct hpcl_probe pr = {0};

    open_site(f, full, NULL);
    assert_int_equal(f->site.ops->probe(&f->site, f->ctx, &d, &pr), HPCL_OK);
    assert_int_equal(pr.pending_jobs, 3);
    assert_int_equal(rest_server_nreq(&f->srv), 4);
    assert_true(pr.start_time >= NOW_FULL);
    assert_string_equal(pr.partition, "batch");
    free(pr.partition);
    free(pr.nodelist);
    free(pr.api_version);
    free(pr.slurm_release);
}

#define T(name)                                                        \
    cmocka_unit_test_setup_teardown(name, rest_setup, rest_teardown)

/* How many records a listing delivered. */
static hpcl_rc count_records(void *arg, const struct hpcl__jobrec *recs,
                             size_t n)
{
    (void)recs;
    *(size_t *)arg += n;
    return HPCL_OK;
}

/* A listing at a site whose queue is long (by /diag) asks /job/ID per
 * job: 20 jobs over the kept connection, 100 over 3 at once, every
 * answer delivered. */
static void rest_list_long_queue_per_job(void **state)
{
    static const struct rest_route busy[] = {
        {"GET", API "/diag", 200, "diag_busy.json", NULL},
        {"GET", API "/job/*", 200, "job_pending.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    uint32_t ids[100];
    size_t n = 0;

    for (uint32_t i = 0; i < 100; i++)
        ids[i] = 1000 + i;
    open_site(f, busy, NULL);
    assert_int_equal(f->site.ops->list(&f->site, f->ctx, ids, 20,
                                       count_records, &n), HPCL_OK);
    assert_int_equal(n, 20);
    assert_int_equal(rest_server_nreq(&f->srv), 1 + 20);
    assert_int_equal(rest_server_conns(&f->srv), 1);
    n = 0;
    assert_int_equal(f->site.ops->list(&f->site, f->ctx, ids, 100,
                                       count_records, &n), HPCL_OK);
    assert_int_equal(n, 100);
    assert_int_equal(rest_server_nreq(&f->srv), 21 + 1 + 100);
    assert_int_equal(rest_server_conns(&f->srv), 1 + 2);
}

/* A 64 MB job list (2,000 records with a 32 KB script each) is cut down
 * as it arrives: never more than about a record of its text is held,
 * and what is kept parses to every record. */
static void rest_big_list_read_as_it_comes(void **state)
{
    enum { NJOBS = 2000, SCRIPT = 32 << 10 };
    struct rest_route routes[] = {{"GET", API "/jobs", 200, NULL, NULL},
                                  {NULL, NULL, 0, NULL, NULL}};
    const struct hpcl__rest_req req = {"GET", "/jobs", NULL, 0,
                                       "the list of jobs", "", 0};
    struct fx *f = *state;
    struct hpcl__rest_answer a;
    const json_t *jobs;
    size_t len = 0, cap = (size_t)NJOBS * (SCRIPT + 200) + 100;
    char *text = malloc(cap), *script = malloc(SCRIPT + 1);
    uint32_t id = 0;

    assert_non_null(text);
    assert_non_null(script);
    memset(script, 'x', SCRIPT);
    script[SCRIPT] = '\0';
    len += (size_t)sprintf(text, "{\"meta\": {\"plugin\": {}}, \"jobs\": [");
    for (int i = 0; i < NJOBS; i++)
        len += (size_t)sprintf(text + len, "%s{\"job_id\": %d, \"script\": "
                               "\"%s\", \"name\": \"j%d\", \"job_state\": "
                               "\"PENDING\"}", i ? ", " : "", i + 1, script,
                               i);
    strcpy(text + len, "], \"errors\": []}");
    len += strlen(text + len);
    routes[0].text = text;
    open_site(f, routes, NULL);
    assert_int_equal(hpcl__rest_ask(f->site.state, f->ctx, &req, &a),
                     HPCL_OK);
    assert_int_equal(a.reply.received, len);
    if (a.reply.held > 4 * (SCRIPT + 16384))
        fail_msg("%zu bytes of the answer held at once", a.reply.held);
    assert_true(a.reply.len < len / 100);
    assert_non_null(a.root);
    jobs = json_object_get(a.root, "jobs");
    assert_int_equal(json_array_size(jobs), NJOBS);
    assert_int_equal(hpcl__json_id(json_array_get(jobs, NJOBS - 1), "job_id",
                                   &id), HPCL__NUM_SET);
    assert_int_equal(id, NJOBS);
    assert_null(json_object_get(json_array_get(jobs, 0), "script"));
    hpcl__rest_answer_free(&a);
    free(script);
    free(text);
}

HPCL_TEST_MAIN(NULL, NULL,
               T(rest_query_records),
               T(rest_query_array),
               T(rest_unknown_job_is_nojob),
               T(rest_cancel_array_task),
               T(rest_state_names),
               T(rest_find_key),
               T(rest_find_keys),
               T(rest_probe_full_estimate),
               T(rest_probe_over_http),
               T(rest_probe_full_over_http),
               T(rest_probe_full_reads_jobs),
               T(rest_list_long_queue_per_job),
               T(rest_big_list_read_as_it_comes))
