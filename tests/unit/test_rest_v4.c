/*
 * The slurmrestd driver against replies recorded from a Slurm 24.11.5
 * slurmrestd (the dev cluster's site C; tests/data/rest/v0.0.4x/) for
 * data_parser v0.0.40, v0.0.41 and v0.0.42: which version a site speaks
 * (api_version = auto, or pinned), job records (state arrays, wrapped
 * numbers, decoded exit codes with signals, arrays), cancel by status[],
 * HTTP status meanings, submit bodies and answers per version, warnings
 * and the probe (no default partition flag, node state arrays, both
 * job_resources layouts).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hpcl_test.h"
#include "rest_fixture.h"
#include "backend/rest/rest.h"

#define V40 "/slurm/v0.0.40"
#define V41 "/slurm/v0.0.41"
#define V42 "/slurm/v0.0.42"
#define END {NULL, NULL, 0, NULL, NULL}

static const char *const g_versions[] = {"v0.0.40", "v0.0.41", "v0.0.42"};

/* Start over with routes, as a new context would. */
static void reopen(struct fx *f, const struct rest_route *routes)
{
    if (f->site.ops != NULL)
        f->site.ops->close(&f->site);
    f->site.ops = NULL;
    rest_server_stop(&f->srv);
    open_site(f, routes, NULL);
}

/* Request n's first line starts with want. */
static void assert_req(struct fx *f, int n, const char *want)
{
    char *req = rest_server_req(&f->srv, n);

    if (req == NULL || strncmp(req, want, strlen(want)) != 0)
        fail_msg("request %d is \"%.60s\", wanted \"%s\"", n,
                 req ? req : "(none)", want);
    free(req);
}

static char *req_body(struct fx *f, int n)
{
    char *req = rest_server_req(&f->srv, n), *b;

    assert_non_null(req);
    assert_non_null(b = strstr(req, "\r\n\r\n"));
    memmove(req, b + 4, strlen(b + 4) + 1);
    return req;
}

/* The id of the first job of a recorded reply (each recording run gives
 * new ids: tests/data/rest/record-24.11.sh). */
static uint32_t fixture_id(const char *file)
{
    json_t *j = load_fixture(file);
    uint32_t id = (uint32_t)hpcl__json_int(
        json_array_get(json_object_get(j, "jobs"), 0), "job_id", 0);

    json_decref(j);
    assert_true(id > 0);
    return id;
}

/* What a query delivered, copied out of the callback. */
struct got {
    size_t n;
    struct hpcl__jobrec rec[4];
    char tasks[4][32];
    char reason[4][32];
};

static hpcl_rc collect(void *arg, const struct hpcl__jobrec *recs, size_t n)
{
    struct got *g = arg;

    g->n = n;
    for (size_t i = 0; i < n && i < 4; i++) {
        g->rec[i] = recs[i];
        snprintf(g->tasks[i], sizeof g->tasks[i], "%s",
                 recs[i].array_tasks ? recs[i].array_tasks : "");
        snprintf(g->reason[i], sizeof g->reason[i], "%s",
                 recs[i].reason ? recs[i].reason : "");
    }
    return HPCL_OK;
}

/* --- which version --------------------------------------------------- */

/* auto: v0.0.42 answers its ping: used, asked once, release noted. */
static void v4_auto_picks_newest(void **state)
{
    char path[64], want[80];
    struct rest_route r[] = {
        {"GET", V42 "/ping", 200, "v0.0.42/ping.200.json", NULL},
        {"GET", path, 200, "v0.0.42/job_failed_exit3.200.json", NULL},
        END};
    struct fx *f = *state;
    struct got g = {0};
    uint32_t id = fixture_id("v0.0.42/job_failed_exit3.200.json");

    snprintf(path, sizeof path, V42 "/job/%u", id);
    f->conf.api_version = "auto";
    open_site(f, r, NULL);
    for (int i = 0; i < 2; i++)
        assert_int_equal(f->site.ops->query(&f->site, f->ctx, id, "siteb:1",
                                            collect, &g), HPCL_OK);
    assert_int_equal(rest_server_nreq(&f->srv), 3);
    assert_req(f, 0, "GET " V42 "/ping ");
    snprintf(want, sizeof want, "GET %s ", path);
    assert_req(f, 2, want);
    assert_int_equal(hpcl__rest_api(f->site.state), HPCL__API_V42);
    assert_string_equal(hpcl__rest_release(f->site.state), "24.11.5");
}

/* auto on a site that serves only v0.0.40, and on a 22.05 site. */
static void v4_auto_falls_back(void **state)
{
    char path[64];
    struct rest_route only40[] = {
        {"GET", V40 "/ping", 200, "v0.0.40/ping.200.json", NULL},
        {"GET", path, 200, "v0.0.40/job_failed_exit3.200.json", NULL},
        END};
    static const struct rest_route old[] = {
        {"GET", API "/ping", 200, "partitions.json", NULL},
        {"GET", API "/job/2", 200, "job_failed.json", NULL},
        END};
    struct fx *f = *state;
    struct got g = {0};

    uint32_t id = fixture_id("v0.0.40/job_failed_exit3.200.json");

    snprintf(path, sizeof path, V40 "/job/%u", id);
    f->conf.api_version = "auto";
    reopen(f, only40);
    assert_int_equal(f->site.ops->query(&f->site, f->ctx, id, "siteb:1",
                                        collect, &g), HPCL_OK);
    assert_int_equal(rest_server_nreq(&f->srv), 4);
    assert_int_equal(hpcl__rest_api(f->site.state), HPCL__API_V40);
    assert_int_equal(g.rec[0].exit_code, 3);
    reopen(f, old);
    assert_int_equal(f->site.ops->query(&f->site, f->ctx, 2, "siteb:2",
                                        collect, &g), HPCL_OK);
    assert_int_equal(rest_server_nreq(&f->srv), 5);
    assert_int_equal(hpcl__rest_api(f->site.state), HPCL__API_V38);
    assert_string_equal(hpcl__rest_release(f->site.state), "22.05.8");
    assert_int_equal(g.rec[0].exit_code, 3); /* raw 768 */
}

static void v4_auto_nothing_served(void **state)
{
    static const struct rest_route none[] = {
        {"GET", "/nothing", 200, NULL, "{}"}, END};
    struct fx *f = *state;
    uint32_t id;
    hpcl_rc rc;

    f->conf.api_version = "auto";
    open_site(f, none, NULL);
    rc = f->site.ops->find_key(&f->site, f->ctx, KEY_A, &id);
    expect_fail(f, rc, HPCL_E_REST, "serves none of the API versions");
    /* Not remembered: the next call asks again. */
    rc = f->site.ops->find_key(&f->site, f->ctx, KEY_A, &id);
    assert_int_equal(rest_server_nreq(&f->srv), 8);
}

/* Pinned v0.0.38 at a 24.11 site: the plain-text 404 says so, with what
 * the site serves. */
static void v4_pinned_not_served(void **state)
{
    static const struct rest_route r[] = {
        {"GET", V40 "/ping", 200, "v0.0.40/ping.200.json", NULL},
        {"GET", V41 "/ping", 200, "v0.0.41/ping.200.json", NULL},
        {"GET", V42 "/ping", 200, "v0.0.42/ping.200.json", NULL},
        END};
    struct fx *f = *state;
    struct got g = {0};
    hpcl_rc rc;

    open_site(f, r, NULL); /* the fixture pins v0.0.38 */
    rc = f->site.ops->query(&f->site, f->ctx, 7, "siteb:7", collect, &g);
    expect_fail(f, rc, HPCL_E_CONFIG, "site siteb: api_version = v0.0.38 is "
                "not served by slurmrestd at http://127.0.0.1:");
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "(it serves: v0.0.42, "
                           "v0.0.41, v0.0.40); set api_version = auto"));
}

/* --- job records -------------------------------------------------------- */

/* Query the job of v/file through the driver, pinned to v. */
static void query_one(struct fx *f, const char *v, const char *file,
                      struct got *g)
{
    char path[64], fixture[96], ref[32];
    struct rest_route r[] = {{"GET", path, 200, fixture, NULL}, END};
    uint32_t id;

    snprintf(fixture, sizeof fixture, "%s/%s", v, file);
    id = fixture_id(fixture);
    snprintf(path, sizeof path, "/slurm/%s/job/%u", v, id);
    snprintf(ref, sizeof ref, "siteb:%u", id);
    f->conf.api_version = (char *)v;
    reopen(f, r);
    memset(g, 0, sizeof *g);
    if (f->site.ops->query(&f->site, f->ctx, id, ref, collect, g) != HPCL_OK)
        fail_msg("%s %s: %s", v, file, hpcl_ctx_errmsg(f->ctx));
    assert_int_equal(g->n, 1);
    assert_int_equal(g->rec[0].job_id, id);
}

/* Exit codes as hpclaunch shows libslurm's: 137 for kill -9, 143 for a
 * cancel (SIGTERM), never WIFSIGNALED of the decoded number. */
static void v4_job_records(void **state)
{
    struct fx *f = *state;
    struct got g;

    for (size_t i = 0; i < 3; i++) {
        const char *v = g_versions[i];

        query_one(f, v, "job_completed.200.json", &g);
        assert_int_equal(g.rec[0].state, HPCL_STATE_COMPLETED);
        assert_int_equal(g.rec[0].exit_code, 0);
        assert_int_equal(g.rec[0].term_signal, 0);
        assert_int_equal(g.rec[0].array_job_id, 0);
        assert_int_equal(g.rec[0].array_task_id, HPCL__NO_TASK);
        query_one(f, v, "job_failed_exit3.200.json", &g);
        assert_int_equal(g.rec[0].state, HPCL_STATE_FAILED);
        assert_int_equal(g.rec[0].exit_code, 3);
        assert_int_equal(g.rec[0].term_signal, 0);
        query_one(f, v, "job_signal9.200.json", &g);
        assert_int_equal(g.rec[0].state, HPCL_STATE_FAILED);
        assert_int_equal(g.rec[0].exit_code, 128 + 9);
        assert_int_equal(g.rec[0].term_signal, 9); /* Slurm's 0:9 */
        assert_string_equal(g.reason[0], "RaisedSignal");
        query_one(f, v, "job_cancelled.200.json", &g);
        assert_int_equal(g.rec[0].state, HPCL_STATE_CANCELLED);
        assert_int_equal(g.rec[0].exit_code, 128 + 15);
        assert_int_equal(g.rec[0].term_signal, 15);
        query_one(f, v, "job_running.200.json", &g);
        assert_int_equal(g.rec[0].state, HPCL_STATE_RUNNING);
        assert_int_equal(g.rec[0].exit_code, -1);
        assert_int_equal(g.rec[0].term_signal, -1);
        query_one(f, v, "job_pending_held.200.json", &g);
        assert_int_equal(g.rec[0].state, HPCL_STATE_PENDING);
        assert_string_equal(g.reason[0], "JobHeldUser");
    }
}

/* An array: the pending rest (task set:false) and two running tasks. */
static void v4_job_array(void **state)
{
    char path[64];
    struct rest_route r[] = {
        {"GET", path, 200, "v0.0.42/job_array.200.json", NULL}, END};
    struct fx *f = *state;
    struct got g = {0};
    uint32_t id = fixture_id("v0.0.42/job_array.200.json");

    snprintf(path, sizeof path, V42 "/job/%u", id);
    f->conf.api_version = "v0.0.42";
    open_site(f, r, NULL);
    assert_int_equal(f->site.ops->query(&f->site, f->ctx, id, "siteb:1",
                                        collect, &g), HPCL_OK);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.rec[0].state, HPCL_STATE_PENDING);
    assert_int_equal(g.rec[0].array_job_id, id);
    assert_int_equal(g.rec[0].array_task_id, HPCL__NO_TASK);
    assert_string_equal(g.tasks[0], "2-3%2");
    for (int i = 1; i < 3; i++) {
        assert_int_equal(g.rec[i].state, HPCL_STATE_RUNNING);
        assert_int_equal(g.rec[i].array_job_id, id);
        assert_true(g.rec[i].array_task_id <= 1);
    }
    assert_int_equal(g.rec[1].array_task_id + g.rec[2].array_task_id, 1);
}

/* COMPLETING anywhere in the array: still running, as for libslurm. */
static void v4_state_arrays(void **state)
{
    static const char *const cases[][2] = {
        {"[\"COMPLETED\",\"COMPLETING\"]", "RUNNING"},
        {"[\"CANCELLED\",\"COMPLETING\"]", "RUNNING"},
        {"[\"PENDING\",\"REQUEUED\"]", "PENDING"},
        {"[\"OUT_OF_MEMORY\"]", "FAILED"},
        {"[\"TIMEOUT\"]", "TIMEOUT"},
        {"[]", "UNKNOWN"},
        {"\"COMPLETING\"", "RUNNING"}, /* v0.0.38 */
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[96];
        json_t *j;

        snprintf(text, sizeof text, "{\"job_state\": %s}", cases[i][0]);
        assert_non_null(j = json_loads(text, 0, NULL));
        assert_string_equal(hpcl_state_name(hpcl__rest_job_state(j)),
                            cases[i][1]);
        json_decref(j);
    }
}

/* {set, infinite, number}: set:false and infinite are no number. */
static void v4_wrapped_numbers(void **state)
{
    json_t *j = json_loads(
        "{\"a\": {\"set\": true, \"infinite\": false, \"number\": 7},"
        " \"b\": {\"set\": false, \"infinite\": false, \"number\": 0},"
        " \"c\": {\"set\": false, \"infinite\": true, \"number\": 0},"
        " \"d\": 9, \"e\": null}", 0, NULL);
    long long n = 0;

    (void)state;
    assert_int_equal(hpcl__json_num(j, "a", &n), HPCL__NUM_SET);
    assert_int_equal(n, 7);
    assert_int_equal(hpcl__json_num(j, "b", &n), HPCL__NUM_UNSET);
    assert_int_equal(hpcl__json_num(j, "c", &n), HPCL__NUM_INFINITE);
    assert_int_equal(hpcl__json_num(j, "d", &n), HPCL__NUM_SET);
    assert_int_equal(n, 9);
    assert_int_equal(hpcl__json_num(j, "e", &n), HPCL__NUM_UNSET);
    assert_int_equal(hpcl__json_int(j, "b", -1), -1);
    assert_int_equal(hpcl__json_int(j, "c", -1), -1);
    json_decref(j);
}

static void v4_unknown_job_404(void **state)
{
    struct fx *f = *state;

    for (size_t i = 0; i < 3; i++) {
        char path[64], fixture[96];
        struct rest_route r[] = {{"GET", path, 404, fixture, NULL}, END};
        hpcl_rc rc;

        snprintf(path, sizeof path, "/slurm/%s/job/999999", g_versions[i]);
        snprintf(fixture, sizeof fixture, "%s/job_unknown.404.json",
                 g_versions[i]);
        f->conf.api_version = (char *)g_versions[i];
        reopen(f, r);
        rc = f->site.ops->query(&f->site, f->ctx, 999999, "siteb:999999",
                                NULL, NULL);
        expect_fail(f, rc, HPCL_E_NOJOB, "job siteb:999999 not found");
    }
}

/* --- cancel ------------------------------------------------------------- */

/* DELETE /jobs/ with {"jobs": [id]}: its status[] says what happened. */
static void v4_cancel_by_status(void **state)
{
    struct fx *f = *state;

    for (size_t i = 0; i < 3; i++) {
        const char *v = g_versions[i];
        char path[64], running[96], ended[96], unknown[96];
        char want[96], *body;
        struct rest_route r[] = {
            {"DELETE", path, 200, running, NULL}, END};
        hpcl_rc rc;

        snprintf(path, sizeof path, "/slurm/%s/jobs/", v);
        snprintf(running, sizeof running, "%s/jobs_delete_running.200.json",
                 v);
        snprintf(ended, sizeof ended, "%s/jobs_delete_ended.200.json", v);
        snprintf(unknown, sizeof unknown, "%s/jobs_delete_unknown.200.json",
                 v);
        f->conf.api_version = (char *)v;
        reopen(f, r);
        assert_int_equal(f->site.ops->cancel(&f->site, f->ctx, 7,
                                             HPCL__NO_TASK, "siteb:7"),
                         HPCL_OK);
        snprintf(want, sizeof want, "DELETE %s ", path);
        assert_req(f, 0, want);
        body = req_body(f, 0);
        assert_string_equal(body, "{\"jobs\":[\"7\"]}");
        free(body);
        r[0].file = ended; /* 2021: already ending */
        reopen(f, r);
        assert_int_equal(f->site.ops->cancel(&f->site, f->ctx, 7, 2,
                                             "siteb:7_2"), HPCL_OK);
        body = req_body(f, 0);
        assert_string_equal(body, "{\"jobs\":[\"7_2\"]}");
        free(body);
        r[0].file = unknown; /* 2017 */
        reopen(f, r);
        rc = f->site.ops->cancel(&f->site, f->ctx, 999999, HPCL__NO_TASK,
                                 "siteb:999999");
        expect_fail(f, rc, HPCL_E_NOJOB, "job siteb:999999 not found");
    }
}

/* --- HTTP status -------------------------------------------------------- */

/* 401 (no token) and 511/1007 (token refused): credentials, at once,
 * without v0.0.38's DELETE /job/0 check. */
static void v4_auth(void **state)
{
    static const struct rest_route r[] = {
        {"GET", V42 "/jobs", 511, "v0.0.42/jobs_bad_token.511.json", NULL},
        {"GET", V42 "/job/5", 401, "v0.0.42/jobs_no_token.401.txt", NULL},
        END};
    struct fx *f = *state;
    uint32_t id;
    hpcl_rc rc;

    f->conf.api_version = "v0.0.42";
    open_site(f, r, NULL);
    rc = f->site.ops->find_key(&f->site, f->ctx, KEY_A, &id);
    expect_fail(f, rc, HPCL_E_AUTH, "site siteb: token rejected (bad or "
                "expired?): slurmrestd answers HTTP 511");
    assert_int_equal(rest_server_nreq(&f->srv), 1);
    rc = f->site.ops->query(&f->site, f->ctx, 5, "siteb:5", NULL, NULL);
    expect_fail(f, rc, HPCL_E_AUTH, "no token accepted (HTTP 401)");
    assert_int_equal(rest_server_nreq(&f->srv), 2);
}

/* 502 (partitions: no error at all), 504, 422, and -1 on a read. */
static void v4_http_status(void **state)
{
    static const struct rest_route r[] = {
        {"GET", V42 "/partitions", 502, NULL,
         "{\"partitions\": [], \"errors\": [], \"warnings\": []}"},
        {"GET", V42 "/job/3", 504, NULL,
         "{\"jobs\": [], \"errors\": [{\"error_number\": 5004, \"error\": "
         "\"Socket timed out\", \"description\": \"x\"}]}"},
        {"POST", V42 "/job/submit", 504, NULL,
         "{\"errors\": [{\"error_number\": 5004, \"description\": "
         "\"Socket timed out\"}]}"},
        {"GET", V42 "/job/0", 422, "v0.0.42/job_zero.422.json", NULL},
        {"GET", V42 "/job/4", 500, NULL,
         "{\"jobs\": [], \"errors\": [{\"error_number\": -1, "
         "\"description\": \"Unable to query JobId=4\", \"error\": "
         "\"Unspecified error\"}]}"},
        END};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    struct hpcl_probe pr = {0};
    uint32_t id;
    hpcl_rc rc;

    f->conf.api_version = "v0.0.42";
    open_site(f, r, NULL);
    rc = f->site.ops->probe(&f->site, f->ctx, &d, &pr);
    expect_fail(f, rc, HPCL_E_UNREACHABLE, "slurmrestd cannot reach "
                "slurmctld (HTTP 502, no error given");
    free(pr.api_version);
    free(pr.slurm_release);
    rc = f->site.ops->query(&f->site, f->ctx, 3, "siteb:3", NULL, NULL);
    expect_fail(f, rc, HPCL_E_TIMEOUT, "(HTTP 504: x)");
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_AMBIGUOUS, "the job may exist");
    rc = f->site.ops->query(&f->site, f->ctx, 0, "siteb:0", NULL, NULL);
    expect_fail(f, rc, HPCL_E_REST, "as malformed (HTTP 422");
    rc = f->site.ops->query(&f->site, f->ctx, 4, "siteb:4", NULL, NULL);
    expect_fail(f, rc, HPCL_E_UNREACHABLE, "is slurmctld down?");
}

/* --- submit ------------------------------------------------------------- */

static json_t *body_for(struct fx *f, enum hpcl__rest_api api,
                        const struct hpcl__jobdesc *d)
{
    char *s = NULL;
    json_t *root;

    assert_int_equal(hpcl__rest_submit_json(&s, f->ctx, &f->conf, api, d),
                     HPCL_OK);
    assert_non_null(root = json_loads(s, 0, NULL));
    free(s);
    return root;
}

static long long wrapped_number(const json_t *job, const char *key)
{
    const json_t *w = json_object_get(job, key);

    assert_true(json_is_object(w));
    assert_true(json_is_true(json_object_get(w, "set")));
    return hpcl__json_int(job, key, -1);
}

static void v4_submit_body(void **state)
{
    static const enum hpcl__rest_api apis[] = {HPCL__API_V40, HPCL__API_V41,
                                               HPCL__API_V42};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();

    d.mail_bits = 0x1 | 0x2 | 0x20; /* BEGIN, END, TIME_LIMIT_90 */
    d.min_cpus = 8;
    d.gres = "gres:nvme:1";
    for (size_t i = 0; i < 3; i++) {
        json_t *root = body_for(f, apis[i], &d);
        json_t *job = json_object_get(root, "job");
        json_t *env = json_object_get(job, "environment");

        assert_null(json_object_get(root, "script"));
        assert_string_equal(hpcl__json_str(job, "script"), d.script);
        /* "K=V" strings; BROKEN (no '=') left out; what sbatch 24.11's
         * client exports besides */
        assert_true(json_is_array(env));
        assert_int_equal(json_array_size(env), 4);
        assert_string_equal(json_string_value(json_array_get(env, 1)),
                            "FOO=a=b");
        assert_string_equal(json_string_value(json_array_get(env, 2)),
                            "SLURM_TRES_PER_TASK=cpu=2,gres/gpu=1");
        assert_string_equal(json_string_value(json_array_get(env, 3)),
                            "SLURM_TRES_BIND=gres/gpu:per_task:1");
        assert_int_equal(hpcl__json_int(job, "minimum_nodes", 0), 2);
        assert_int_equal(hpcl__json_int(job, "maximum_nodes", 0), 2);
        assert_null(json_object_get(job, "nodes"));
        assert_int_equal(hpcl__json_int(job, "tasks", 0), 4);
        assert_int_equal(hpcl__json_int(job, "minimum_cpus", 0), 8);
        assert_int_equal(wrapped_number(job, "time_limit"), 5);
        assert_int_equal(wrapped_number(job, "memory_per_node"), 1000);
        /* as sbatch 24.11 sends -c 2 --gpus-per-task 1 */
        assert_string_equal(hpcl__json_str(job, "tres_per_task"),
                            "cpu=2,gres/gpu=1");
        assert_string_equal(hpcl__json_str(job, "tres_bind"),
                            "gres/gpu:per_task:1");
        assert_string_equal(hpcl__json_str(job, "tres_per_node"),
                            "gres/nvme:1");
        assert_null(json_object_get(job, "gpus_per_task"));
        assert_null(json_object_get(job, "gres"));
        assert_true(json_is_true(json_object_get(job, "hold")));
        assert_int_equal(json_array_size(json_object_get(job, "mail_type")),
                         3);
        assert_string_equal(json_string_value(json_array_get(
                                json_object_get(job, "mail_type"), 2)),
                            "TIME=90%");
        if (apis[i] == HPCL__API_V42) {
            assert_null(json_object_get(job, "exclusive"));
            assert_string_equal(json_string_value(json_array_get(
                                    json_object_get(job, "shared"), 0)),
                                "none");
        } else {
            assert_null(json_object_get(job, "shared"));
            assert_string_equal(json_string_value(json_array_get(
                                    json_object_get(job, "exclusive"), 0)),
                                "true");
        }
        json_decref(root);
    }
}

static void v4_submit_body_limits(void **state)
{
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    json_t *root, *job, *tl;
    char *argv[] = {"job.sh", "a b", NULL};

    d.time_limit = HPCL_TIME_UNLIMITED;
    d.min_nodes = 1;
    d.max_nodes = 4;
    d.gpus_per_task = 0;
    d.gpus_per_node = 2;
    d.signal_no = 10;
    d.signal_s = 60;
    d.signal_flags = HPCL_SIGNAL_BATCH_ONLY;
    d.argv = argv;
    d.argc = 2;
    root = body_for(f, HPCL__API_V42, &d);
    job = json_object_get(root, "job");
    tl = json_object_get(job, "time_limit");
    assert_true(json_is_true(json_object_get(tl, "infinite")));
    assert_int_equal(hpcl__json_int(job, "minimum_nodes", 0), 1);
    assert_int_equal(hpcl__json_int(job, "maximum_nodes", 0), 4);
    assert_null(json_object_get(job, "tasks")); /* not fixed: sbatch's */
    assert_string_equal(hpcl__json_str(job, "tres_per_node"), "gres/gpu:2");
    assert_string_equal(hpcl__json_str(job, "kill_warning_signal"), "10");
    assert_int_equal(wrapped_number(job, "kill_warning_delay"), 60);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(job, "kill_warning_flags"), 0)),
                        "BATCH_JOB");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(job, "argv"), 1)),
                        "a b");
    json_decref(root);
}

/* Held: 200, a job_id and only warnings, which go to the log. */
static void v4_submit_answers(void **state)
{
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();

    for (size_t i = 0; i < 3; i++) {
        const char *v = g_versions[i];
        char path[64], ok[96], held[96], never[96], badpart[96];
        struct rest_route r[] = {{"POST", path, 200, ok, NULL}, END};
        uint32_t id = 0;
        hpcl_rc rc;

        snprintf(path, sizeof path, "/slurm/%s/job/submit", v);
        snprintf(ok, sizeof ok, "%s/submit_ok.200.json", v);
        snprintf(held, sizeof held, "%s/submit_held.200.json", v);
        snprintf(never, sizeof never, "%s/submit_never_start.500.json", v);
        snprintf(badpart, sizeof badpart, "%s/submit_bad_partition.500.json",
                 v);
        f->conf.api_version = (char *)v;
        reopen(f, r);
        assert_int_equal(f->site.ops->submit(&f->site, f->ctx, &d, &id),
                         HPCL_OK);
        assert_true(id > 0);
        r[0].file = held;
        f->logs[0] = '\0';
        reopen(f, r);
        id = 0;
        assert_int_equal(f->site.ops->submit(&f->site, f->ctx, &d, &id),
                         HPCL_OK);
        assert_true(id > 0);
        assert_non_null(strstr(f->logs, "Job is in held state"));
        /* Never-start: 500, 2014, no job_id: nothing to cancel. */
        r[0].status = 500;
        r[0].file = never;
        reopen(f, r);
        rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
        expect_fail(f, rc, HPCL_E_SLURM, "the job could never start there");
        assert_int_equal(rest_server_nreq(&f->srv), 1);
        r[0].file = badpart;
        reopen(f, r);
        rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
        expect_fail(f, rc, HPCL_E_SLURM, "(error 2000)");
    }
}

/* A field slurmrestd dropped: the job is not what was asked; it is
 * cancelled and the submit fails, naming the field. */
static void v4_submit_dropped_field(void **state)
{
    static const struct rest_route r[] = {
        {"POST", V42 "/job/submit", 200, NULL,
         "{\"job_id\": 31, \"step_id\": \"batch\", \"errors\": [], "
         "\"warnings\": [{\"description\": \"Ignoring unknown field "
         "\\\"gpus_per_task\\\" of type string in DATA_PARSER_JOB_DESC_MSG\","
         " \"source\": \"#/job/gpus_per_task\"}]}"},
        {"DELETE", V42 "/jobs/", 200, "v0.0.42/jobs_delete_running.200.json",
         NULL},
        END};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id = 0;
    hpcl_rc rc;
    char *body;

    f->conf.api_version = "v0.0.42";
    open_site(f, r, NULL);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_REST, "dropped part of the job: \"Ignoring "
                "unknown field \"gpus_per_task\"");
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "job siteb:31 would not "
                           "be what was asked, and hpclaunch cancelled it"));
    assert_req(f, 1, "DELETE " V42 "/jobs/ ");
    body = req_body(f, 1);
    assert_string_equal(body, "{\"jobs\":[\"31\"]}");
    free(body);
}

/* --- probe -------------------------------------------------------------- */

static struct hpcl__jobdesc desc_n(unsigned nodes, unsigned tasks,
                                   unsigned cpt)
{
    struct hpcl__jobdesc d = {0};

    d.min_nodes = d.max_nodes = nodes;
    d.ntasks = tasks;
    d.cpus_per_task = cpt;
    return d;
}

/* The end_time of the running job of a recorded /jobs. */
static time_t running_end(const json_t *jobs)
{
    const json_t *j;
    size_t i;

    json_array_foreach(json_object_get(jobs, "jobs"), i, j) {
        if (hpcl__rest_job_state(j) == HPCL_STATE_RUNNING)
            return (time_t)hpcl__json_int(j, "end_time", 0);
    }
    fail_msg("no running job in the fixture");
    return 0;
}

/* Recorded busy: c1 mixed (27 of 32 CPUs free), c2 idle; of the jobs
 * list one running job holds 1 CPU of c1 (v0.0.40: allocated_nodes cores,
 * v0.0.41-42: allocation[].cpus.count) until its end_time; one job
 * pending.  Site C has one partition, batch, which is therefore its
 * default. */
static void v4_probe_estimate(void **state)
{
    struct fx *f = *state;

    for (size_t i = 0; i < 3; i++) {
        const char *v = g_versions[i];
        char pa[96], no[96], jo[96];
        json_t *p, *n, *j;
        struct hpcl__jobdesc d = desc_n(2, 2, 28);
        struct hpcl_probe pr = {0};
        int need;

        snprintf(pa, sizeof pa, "%s/partitions.200.json", v);
        snprintf(no, sizeof no, "%s/nodes_busy.200.json", v);
        snprintf(jo, sizeof jo, "%s/jobs.200.json", v);
        p = load_fixture(pa);
        n = load_fixture(no);
        j = load_fixture(jo);
        {
            struct hpcl__rest_view view = {p, n, NULL, j};
            assert_int_equal(hpcl__rest_estimate(f->ctx, "sitec", &view, &d,
                                                 NULL, 1000, &pr, &need), HPCL_OK);
        }
        assert_string_equal(pr.partition, "batch");
        assert_int_equal(pr.total_nodes, 2);
        assert_int_equal(pr.idle_nodes, 1);
        assert_int_equal(pr.pending_jobs, 1);
        /* 28 CPUs on c1 once the running job gives its one back */
        assert_int_equal(pr.start_time, running_end(j));
        free(pr.partition);
        free(pr.nodelist);
        memset(&pr, 0, sizeof pr);
        d = desc_n(1, 1, 27); /* fits c1 or c2 now */
        {
            struct hpcl__rest_view view = {p, n, NULL, j};
            assert_int_equal(hpcl__rest_estimate(f->ctx, "sitec", &view, &d,
                                                 NULL, 1000, &pr, &need), HPCL_OK);
        }
        assert_int_equal(pr.start_time, 1000);
        free(pr.partition);
        free(pr.nodelist);
        json_decref(p);
        json_decref(n);
        json_decref(j);
    }
}

/* The probe without /jobs (v0.0.42 /diag recorded with 2 held jobs): a
 * job that fits the free CPUs starts now and the count is slurmctld's;
 * one that does not fit asks for the job list. */
static void v4_probe_from_diag(void **state)
{
    struct fx *f = *state;
    json_t *p = load_fixture("v0.0.42/partitions.200.json");
    json_t *idle = load_fixture("v0.0.42/nodes_idle.200.json");
    json_t *busy = load_fixture("v0.0.42/nodes_busy.200.json");
    json_t *diag = load_fixture("v0.0.42/diag.200.json");
    struct hpcl__jobdesc d = desc_n(2, 2, 28);
    struct hpcl_probe pr = {0};
    struct hpcl__rest_view view = {p, idle, diag, NULL};
    int need = -1;

    assert_int_equal(hpcl__rest_diag_pending(diag), 2);
    assert_int_equal(hpcl__rest_diag_pending(p), -1);
    assert_int_equal(hpcl__rest_estimate(f->ctx, "sitec", &view, &d, NULL,
                                         1000, &pr, &need), HPCL_OK);
    assert_int_equal(need, 0);
    assert_int_equal(pr.start_time, 1000);
    assert_int_equal(pr.pending_jobs, 2);
    assert_int_equal(pr.idle_nodes, 2);
    assert_string_equal(pr.nodelist, "c1,c2");
    view.nodes = busy; /* c1 has 27 CPUs free: 28 per node do not fit */
    assert_int_equal(hpcl__rest_estimate(f->ctx, "sitec", &view, &d, NULL,
                                         1000, &pr, &need), HPCL_OK);
    assert_int_equal(need, 1);
    free(pr.partition);
    free(pr.nodelist);
    json_decref(p);
    json_decref(idle);
    json_decref(busy);
    json_decref(diag);
}

/* Two partitions and no default flag: the probe needs a name. */
static void v4_probe_needs_partition(void **state)
{
    struct fx *f = *state;
    json_t *p = load_fixture("v0.0.42/partitions.200.json");
    json_t *n = load_fixture("v0.0.42/nodes_idle.200.json");
    json_t *j = load_fixture("v0.0.42/jobs.200.json");
    json_t *parts = json_object_get(p, "partitions");
    json_t *copy = json_deep_copy(json_array_get(parts, 0));
    struct hpcl__jobdesc d = desc_n(1, 1, 1);
    struct hpcl_probe pr = {0};
    struct hpcl__rest_view view = {p, n, NULL, j};
    hpcl_rc rc;
    int need;

    json_t *node;
    size_t i;

    json_object_set_new(copy, "name", json_string("debug"));
    json_array_append_new(parts, copy);
    json_array_foreach(json_object_get(n, "nodes"), i, node)
        json_array_append_new(json_object_get(node, "partitions"),
                              json_string("debug"));
    rc = hpcl__rest_estimate(f->ctx, "sitec", &view, &d, NULL, 1000, &pr, &need);
    expect_fail(f, rc, HPCL_E_CONFIG, "set partition = NAME in [site sitec]");
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "(partitions: batch, "
                           "debug)"));
    assert_int_equal(hpcl__rest_estimate(f->ctx, "sitec", &view, &d, "debug",
                                         1000, &pr, &need), HPCL_OK);
    assert_string_equal(pr.partition, "debug");
    free(pr.partition);
    free(pr.nodelist);
    json_decref(p);
    json_decref(n);
    json_decref(j);
}

/* Over HTTP with auto: the probe says the version and the release. */
static void v4_probe_names_server(void **state)
{
    static const struct rest_route r[] = {
        {"GET", V42 "/ping", 200, "v0.0.42/ping.200.json", NULL},
        {"GET", V42 "/partitions", 200, "v0.0.42/partitions.200.json", NULL},
        {"GET", V42 "/nodes", 200, "v0.0.42/nodes_idle.200.json", NULL},
        {"GET", V42 "/jobs", 200, "v0.0.42/jobs.200.json", NULL},
        END};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_n(2, 2, 1);
    struct hpcl_probe pr = {0};

    f->conf.api_version = "auto";
    open_site(f, r, NULL);
    assert_int_equal(f->site.ops->probe(&f->site, f->ctx, &d, &pr), HPCL_OK);
    assert_string_equal(pr.api_version, "v0.0.42");
    assert_string_equal(pr.slurm_release, "24.11.5");
    assert_string_equal(pr.nodelist, "c1,c2");
    assert_int_equal(pr.idle_nodes, 2);
    free(pr.partition);
    free(pr.nodelist);
    free(pr.api_version);
    free(pr.slurm_release);
}

#define T(name)                                                        \
    cmocka_unit_test_setup_teardown(name, rest_setup, rest_teardown)

HPCL_TEST_MAIN(NULL, NULL,
               T(v4_auto_picks_newest),
               T(v4_auto_falls_back),
               T(v4_auto_nothing_served),
               T(v4_pinned_not_served),
               T(v4_job_records),
               T(v4_job_array),
               T(v4_state_arrays),
               T(v4_wrapped_numbers),
               T(v4_unknown_job_404),
               T(v4_cancel_by_status),
               T(v4_auth),
               T(v4_http_status),
               T(v4_submit_body),
               T(v4_submit_body_limits),
               T(v4_submit_answers),
               T(v4_submit_dropped_field),
               T(v4_probe_estimate),
               T(v4_probe_needs_partition),
               T(v4_probe_from_diag),
               T(v4_probe_names_server))
