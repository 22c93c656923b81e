/*
 * The slurmrestd driver against a loopback HTTP server (rest_server.c)
 * that answers replies recorded from the dev cluster's site B
 * (tests/data/rest/): what a submit sends (body, headers, one
 * connection), how answers, refusals and lost answers map to hpcl_rc,
 * and that the token never shows in a message or a log line.
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

/* --- submit ------------------------------------------------------------- */

static void rest_submit_json_shapes(void **state)
{
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    char *s;
    json_t *root, *job;

    assert_int_equal(hpcl__rest_submit_json(&s, f->ctx, &f->conf, HPCL__API_V38,
                                            &d),
                     HPCL_OK);
    root = json_loads(s, 0, NULL);
    job = json_object_get(root, "job");
    assert_string_equal(json_string_value(json_object_get(root, "script")),
                        d.script);
    assert_int_equal(hpcl__json_int(job, "nodes", 0), 2);
    assert_int_equal(hpcl__json_int(job, "tasks", 0), 4);
    assert_int_equal(hpcl__json_int(job, "cpus_per_task", 0), 2);
    assert_int_equal(hpcl__json_int(job, "time_limit", 0), 5);
    assert_int_equal(hpcl__json_int(job, "memory_per_node", 0), 1000);
    assert_string_equal(hpcl__json_str(job, "gpus_per_task"), "1");
    assert_null(json_object_get(job, "gpus_per_node"));
    assert_string_equal(hpcl__json_str(job, "exclusive"), "exclusive");
    assert_true(json_is_true(json_object_get(job, "hold")));
    assert_string_equal(hpcl__json_str(job, "current_working_directory"),
                        "/work/dir");
    assert_string_equal(hpcl__json_str(job, "comment"), d.comment);
    assert_null(json_object_get(job, "standard_error"));
    json_decref(root);
    free(s);
    /* A node range is a string; [min, max] would be ignored. */
    d.min_nodes = 1;
    d.max_nodes = 4;
    assert_int_equal(hpcl__rest_submit_json(&s, f->ctx, &f->conf, HPCL__API_V38,
                                            &d),
                     HPCL_OK);
    assert_non_null(strstr(s, "\"nodes\":\"1-4\""));
    free(s);
}

static const struct rest_route submit_ok[] = {
    {"POST", API "/job/submit", 200, "submit_ok.json", NULL},
    {NULL, NULL, 0, NULL, NULL}};

static void rest_submit_sends_headers_and_body(void **state)
{
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id = 0;
    char *req, *body;
    json_t *root, *env;

    open_site(f, submit_ok, NULL);
    assert_int_equal(f->site.ops->submit(&f->site, f->ctx, &d, &id), HPCL_OK);
    assert_int_equal(id, 2);
    assert_non_null(req = rest_server_req(&f->srv, 0));
    assert_int_equal(strncmp(req, "POST " API "/job/submit HTTP/1.1", 31), 0);
    assert_non_null(strstr(req, "\r\nX-SLURM-USER-TOKEN: " TOKEN "\r\n"));
    assert_non_null(strstr(req, "\r\nX-SLURM-USER-NAME: tester\r\n"));
    assert_null(strstr(req, "Expect:")); /* no 100-continue wait */
    body = strstr(req, "\r\n\r\n") + 4;
    assert_null(strstr(body, SIG));
    assert_non_null(root = json_loads(body, 0, NULL));
    env = json_object_get(json_object_get(root, "job"), "environment");
    /* v0.0.38: an object; "BROKEN" (no '=') is left out. */
    assert_true(json_is_object(env));
    assert_int_equal(json_object_size(env), 2);
    assert_string_equal(hpcl__json_str(env, "FOO"), "a=b");
    assert_string_equal(hpcl__json_str(env, "PATH"), "/usr/bin:/bin");
    json_decref(root);
    free(req);
}

static void rest_submit_held_is_ok(void **state)
{
    static const struct rest_route r[] = {
        {"POST", API "/job/submit", 200, "submit_held.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id = 0;

    open_site(f, r, NULL);
    /* errors: [2042 held] beside job_id: the job exists. */
    assert_int_equal(f->site.ops->submit(&f->site, f->ctx, &d, &id), HPCL_OK);
    assert_int_equal(id, 10);
    assert_null(strstr(f->logs, "held"));
}

static void rest_submit_2015_cancels(void **state)
{
    static const struct rest_route r[] = {
        {"POST", API "/job/submit", 200, "submit_2015.json", NULL},
        {"DELETE", API "/job/3", 200, "delete_ok.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id = 0;
    char *req;
    hpcl_rc rc;

    open_site(f, r, NULL);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_SLURM, "job siteb:3 could never start");
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "hpclaunch cancelled"));
    assert_int_equal(rest_server_nreq(&f->srv), 2);
    req = rest_server_req(&f->srv, 1);
    assert_int_equal(strncmp(req, "DELETE " API "/job/3 ", 23), 0);
    free(req);
}

static void rest_keep_alive_20_submits(void **state)
{
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;

    open_site(f, submit_ok, NULL);
    for (int i = 0; i < 20; i++)
        assert_int_equal(f->site.ops->submit(&f->site, f->ctx, &d, &id),
                         HPCL_OK);
    assert_int_equal(rest_server_nreq(&f->srv), 20);
    assert_int_equal(rest_server_conns(&f->srv), 1);
}

/* --- authentication ----------------------------------------------------- */

static void rest_http_401_is_auth(void **state)
{
    static const struct rest_route r[] = {
        {"POST", API "/job/submit", 401, NULL, "Authentication failure"},
        {"GET", API "/job/7", 401, NULL, "Authentication failure"},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    open_site(f, r, NULL);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_AUTH, "site siteb: no token accepted (HTTP "
                "401)");
    rc = f->site.ops->query(&f->site, f->ctx, 7, "siteb:7", NULL, NULL);
    expect_fail(f, rc, HPCL_E_AUTH, "(HTTP 401)");
}

/* slurmctld refuses the token: 5005 for a submit, -1 for a read; the
 * DELETE /job/0 check then answers 5005. */
static void rest_bad_token_is_auth(void **state)
{
    static const struct rest_route r[] = {
        {"POST", API "/job/submit", 500, "submit_bad_token.json", NULL},
        {"GET", API "/job/2", 500, "job_bad_token.json", NULL},
        {"GET", API "/jobs", 500, "jobs_expired_token.json", NULL},
        {"DELETE", API "/job/0", 500, "delete_bad_token.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    open_site(f, r, NULL);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_AUTH, "site siteb: token rejected (bad or "
                "expired?): slurmrestd says");
    rc = f->site.ops->query(&f->site, f->ctx, 2, "siteb:2", NULL, NULL);
    expect_fail(f, rc, HPCL_E_AUTH, "token rejected");
    rc = f->site.ops->find_key(&f->site, f->ctx, KEY_A, &id);
    expect_fail(f, rc, HPCL_E_AUTH, "token rejected");
    assert_int_equal(rest_server_nreq(&f->srv), 6);
}

/* -1 from a read, and the check says slurmctld is down (1800). */
static void rest_ctld_down_is_unreachable(void **state)
{
    static const struct rest_route r[] = {
        {"GET", API "/jobs", 500, "jobs_ctld_down.json", NULL},
        {"POST", API "/job/submit", 500, "submit_ctld_down.json", NULL},
        {"DELETE", API "/job/0", 500, "delete_ctld_down.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    open_site(f, r, NULL);
    rc = f->site.ops->find_key(&f->site, f->ctx, KEY_A, &id);
    expect_fail(f, rc, HPCL_E_UNREACHABLE, "slurmrestd cannot reach "
                "slurmctld: unable to kill JobId=0");
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_UNREACHABLE, "Unable to contact slurm "
                "controller");
}

/* The "errno" key (GET /partitions, /nodes); and a -1 with a good token
 * (the check answers 2017) stays slurmrestd's own error. */
static void rest_errno_key_and_good_token(void **state)
{
    static const struct rest_route bad[] = {
        {"GET", API "/partitions", 500, "nodes_bad_token.json", NULL},
        {"DELETE", API "/job/0", 500, "delete_bad_token.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    static const struct rest_route good[] = {
        {"GET", API "/jobs", 500, "jobs_bad_token.json", NULL},
        {"DELETE", API "/job/0", 500, "delete_job0.json", NULL},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    struct hpcl_probe pr = {0};
    uint32_t id;
    hpcl_rc rc;

    open_site(f, bad, NULL);
    rc = f->site.ops->probe(&f->site, f->ctx, &d, &pr);
    expect_fail(f, rc, HPCL_E_AUTH, "\"Unspecified error\" (error -1)");
    free(pr.api_version);
    free(pr.slurm_release);
    f->site.ops->close(&f->site);
    rest_server_stop(&f->srv);
    open_site(f, good, NULL);
    rc = f->site.ops->find_key(&f->site, f->ctx, KEY_A, &id);
    expect_fail(f, rc, HPCL_E_SLURM, "site siteb: the list of jobs: Failed "
                "while looking for jobs (error -1)");
}

static void rest_token_file_mode_refused(void **state)
{
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    chmod(f->token_path, 0644);
    open_site(f, submit_ok, NULL);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_AUTH, f->token_path);
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "chmod 600"));
    assert_int_equal(rest_server_conns(&f->srv), 0);
}

/* --- lost answers and unreachable sites ---------------------------------- */

static void rest_slow_answer_is_ambiguous(void **state)
{
    const struct rest_opts slow = {1500, -1, 0};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    f->conf.timeout_ms = 300;
    open_site(f, any_ok, &slow);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_AMBIGUOUS, "site siteb: no answer to the "
                "submit of job 't1' to partition 'batch' after it was "
                "sent; the job may exist (look it up by key)");
    rc = f->site.ops->query(&f->site, f->ctx, 2, "siteb:2", NULL, NULL);
    expect_fail(f, rc, HPCL_E_UNREACHABLE, "no answer from slurmrestd");
}

static void rest_closed_connection_is_ambiguous(void **state)
{
    const struct rest_opts shut = {0, 0, 0};
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    open_site(f, any_ok, &shut);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_AMBIGUOUS, "the job may exist");
    rc = f->site.ops->cancel(&f->site, f->ctx, 2, HPCL__NO_TASK, "siteb:2");
    expect_fail(f, rc, HPCL_E_AMBIGUOUS, "no answer to the cancel of job "
                "siteb:2");
}

/* A submit over a kept connection that dies after reading it (opts):
 * ambiguous, and never sent twice. */
static void second_submit_lost(struct fx *f, const struct rest_opts *opts)
{
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    open_site(f, any_ok, opts);
    assert_int_equal(f->site.ops->submit(&f->site, f->ctx, &d, &id), HPCL_OK);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_AMBIGUOUS, "the job may exist");
    assert_int_equal(rest_server_nreq(&f->srv), 2);
}

/* curl resends a request on its own when a kept connection dies before
 * the answer; a submit must not go out twice. */
static void rest_no_resend_on_reused_connection(void **state)
{
    const struct rest_opts second = {0, 1, 0};

    second_submit_lost(*state, &second);
}

/* The same, slurmrestd then stopping: curl's reconnect to send the
 * submit again is refused, and its last error ("could not connect") must
 * not hide that the first copy went out. */
static void rest_refused_reconnect_after_sent_is_ambiguous(void **state)
{
    const struct rest_opts second = {0, 1, 1};

    second_submit_lost(*state, &second);
}

static void rest_refused_is_unreachable(void **state)
{
    struct fx *f = *state;
    struct hpcl__jobdesc d = desc_a();
    uint32_t id;
    hpcl_rc rc;

    open_site(f, NULL, NULL);
    rc = f->site.ops->submit(&f->site, f->ctx, &d, &id);
    expect_fail(f, rc, HPCL_E_UNREACHABLE, "was not sent");
    rc = f->site.ops->cancel(&f->site, f->ctx, 2, HPCL__NO_TASK, "siteb:2");
    expect_fail(f, rc, HPCL_E_UNREACHABLE, "cannot reach slurmrestd");
}

/* A version the driver does not speak is refused when the site opens
 * (the site file parser refuses it earlier). */
static void rest_wrong_api_version(void **state)
{
    struct fx *f = *state;
    hpcl_rc rc;

    f->conf.api_version = "v0.0.99";
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d",
             rest_closed_port());
    rc = hpcl__rest_site_open(&f->site, f->ctx);
    expect_fail(f, rc, HPCL_E_CONFIG, "site siteb: api_version 'v0.0.99' is "
                "not one hpclaunch speaks");
}

/* A wrong URL or a proxy that echoes the request must not get the token
 * into the message. */
static void rest_echoed_token_not_quoted(void **state)
{
    static const struct rest_route r[] = {
        {"GET", API "/jobs", 502, NULL, "echo: X-SLURM-USER-TOKEN: " TOKEN},
        {NULL, NULL, 0, NULL, NULL}};
    struct fx *f = *state;
    uint32_t id;
    hpcl_rc rc;

    open_site(f, r, NULL);
    rc = f->site.ops->find_key(&f->site, f->ctx, KEY_A, &id);
    expect_fail(f, rc, HPCL_E_REST, "HTTP 502");
    assert_non_null(strstr(hpcl_ctx_errmsg(f->ctx), "not shown"));
}

#define T(name)                                                        \
    cmocka_unit_test_setup_teardown(name, rest_setup, rest_teardown)

HPCL_TEST_MAIN(NULL, NULL,
               T(rest_submit_json_shapes),
               T(rest_submit_sends_headers_and_body),
               T(rest_submit_held_is_ok),
               T(rest_submit_2015_cancels),
               T(rest_keep_alive_20_submits),
               T(rest_http_401_is_auth),
               T(rest_bad_token_is_auth),
               T(rest_ctld_down_is_unreachable),
               T(rest_errno_key_and_good_token),
               T(rest_token_file_mode_refused),
               T(rest_slow_answer_is_ambiguous),
               T(rest_closed_connection_is_ambiguous),
               T(rest_no_resend_on_reused_connection),
               T(rest_refused_reconnect_after_sent_is_ambiguous),
               T(rest_refused_is_unreachable),
               T(rest_wrong_api_version),
               T(rest_echoed_token_not_quoted))
