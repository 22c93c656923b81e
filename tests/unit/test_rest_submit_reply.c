/*
 * What a slurmrestd answer to a submit proves (lib/backend/rest/
 * rest_submit_reply.c), for every API version: each recorded
 * submit_ok reply (tests/data/rest/, v0.0.38 from Slurm 22.05, v0.0.40-42
 * from 24.11) with its job_id removed or replaced by what a hostile or
 * broken server could send.  Only a job id proves creation and only an
 * error proves refusal; anything else is HPCL_E_AMBIGUOUS, so that the
 * submit loop asks the site for the key instead of trying the next site,
 * and the driver sends nothing more (no cancel of a job it cannot name).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hpcl_test.h"
#include "rest_fixture.h"
#include "backend/rest/rest.h"

#define END {NULL, NULL, 0, NULL, NULL}

static const char *const g_versions[] = {"v0.0.38", "v0.0.40", "v0.0.41",
                                         "v0.0.42"};

/* The recorded submit_ok reply of version v. */
static json_t *recorded_ok(const char *v)
{
    char name[64];

    if (strcmp(v, "v0.0.38") == 0)
        return load_fixture("submit_ok.json");
    snprintf(name, sizeof name, "%s/submit_ok.200.json", v);
    return load_fixture(name);
}

/* Submit at version v, the server answering status and body; the
 * driver's answer, with *id. */
static hpcl_rc submit_with(struct fx *f, const char *v, int status,
                           const char *body, uint32_t *id)
{
    char path[64];
    struct rest_route r[] = {{"POST", path, status, NULL, body}, END};
    struct hpcl__jobdesc d = desc_a();

    snprintf(path, sizeof path, "/slurm/%s/job/submit", v);
    if (f->site.ops != NULL)
        f->site.ops->close(&f->site);
    f->site.ops = NULL;
    rest_server_stop(&f->srv);
    f->conf.api_version = (char *)v;
    open_site(f, r, NULL);
    *id = 0;
    return f->site.ops->submit(&f->site, f->ctx, &d, id);
}

/* v's recorded reply with job_id set to the JSON text value (NULL:
 * removed), as text (free it). */
static char *with_job_id(const char *v, const char *value)
{
    json_t *root = recorded_ok(v), *jv = NULL;
    char *text;

    assert_non_null(root);
    json_object_del(root, "job_id");
    if (value != NULL) {
        assert_non_null(jv = json_loads(value, JSON_DECODE_ANY, NULL));
        json_object_set_new(root, "job_id", jv);
    }
    assert_non_null(text = json_dumps(root, JSON_COMPACT));
    json_decref(root);
    return text;
}

/* Each variant, at each version: ambiguous, the message names the site,
 * the field and what it held; one request only (nothing cancelled). */
static void submit_reply_unproven_is_ambiguous(void **state)
{
    static const struct {
        const char *value, *said;
    } odd[] = {
        {NULL, "has no job_id and no error"},
        {"\"155\"", "job_id \"155\" (a string, not a number)"},
        {"155.0", "job_id 155 (a fraction, not an integer)"},
        {"155.5", "job_id 155.5 (a fraction"},
        {"1e300", "job_id 1.0000000000000001e+300 (a fraction"},
        {"0", "job_id 0 (out of range"},
        {"-3", "job_id -3 (out of range"},
        {"4294967296", "job_id 4294967296 (out of range"},
        {"4294967301", "job_id 4294967301 (out of range: a Slurm job id is "
                       "1 to 4294967293)"},
        {"4294967294", "job_id 4294967294 (out of range"}, /* NO_VAL */
        {"null", "job_id null"},
        {"true", "job_id a boolean or array"},
        {"{\"set\": false, \"infinite\": false, \"number\": 0}",
         "job_id an object that holds no job id"},
        {"{\"set\": true, \"infinite\": true, \"number\": 0}",
         "job_id an object"},
    };
    struct fx *f = *state;

    for (size_t v = 0; v < sizeof g_versions / sizeof *g_versions; v++) {
        for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
            char *body = with_job_id(g_versions[v], odd[i].value);
            uint32_t id = 7;
            hpcl_rc rc = submit_with(f, g_versions[v], 200, body, &id);

            print_message("# %s job_id=%s: %s\n", g_versions[v],
                          odd[i].value ? odd[i].value : "(none)",
                          hpcl_ctx_errmsg(f->ctx));
            expect_fail(f, rc, HPCL_E_AMBIGUOUS, odd[i].said);
            expect_fail(f, rc, HPCL_E_AMBIGUOUS, "site siteb: slurmrestd's "
                        "answer to the submit of job");
            expect_fail(f, rc, HPCL_E_AMBIGUOUS, "(HTTP 200)");
            expect_fail(f, rc, HPCL_E_AMBIGUOUS, "look it up by key");
            assert_int_equal(id, 0);
            assert_int_equal(rest_server_nreq(&f->srv), 1);
            free(body);
        }
    }
}

/* What does prove creation: a plain id up to 0xFFFFFFFD, and v0.0.4x's
 * {set, number} shape; 2^32+5 is never read as 5. */
static void submit_reply_ids_that_prove_creation(void **state)
{
    static const struct {
        const char *value;
        uint32_t id;
    } good[] = {
        {"1", 1},
        {"155", 155},
        {"4294967293", 4294967293u},
        {"{\"set\": true, \"infinite\": false, \"number\": 77}", 77},
    };
    struct fx *f = *state;

    for (size_t v = 0; v < sizeof g_versions / sizeof *g_versions; v++) {
        for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
            char *body = with_job_id(g_versions[v], good[i].value);
            uint32_t id = 0;

            assert_int_equal(submit_with(f, g_versions[v], 200, body, &id),
                             HPCL_OK);
            assert_int_equal(id, good[i].id);
            free(body);
        }
    }
}

/* Bodies that are not JSON, or JSON without id or error, prove nothing
 * unless slurmrestd itself refused (4xx); a Slurm error without an id
 * (or with 0) is a refusal, read by its number. */
static void submit_reply_status_and_errors(void **state)
{
    struct fx *f = *state;
    uint32_t id;
    hpcl_rc rc;

    for (size_t v = 0; v < sizeof g_versions / sizeof *g_versions; v++) {
        const char *ver = g_versions[v];

        rc = submit_with(f, ver, 200, "<html>OK</html>", &id);
        expect_fail(f, rc, HPCL_E_AMBIGUOUS, "(HTTP 200) is not JSON");
        rc = submit_with(f, ver, 200, "", &id);
        expect_fail(f, rc, HPCL_E_AMBIGUOUS, "is not JSON");
        rc = submit_with(f, ver, 500, "{\"errors\": [], \"warnings\": []}",
                         &id);
        expect_fail(f, rc, HPCL_E_AMBIGUOUS, "(HTTP 500) has no job_id and "
                    "no error");
        rc = submit_with(f, ver, 503, "Service Unavailable", &id);
        expect_fail(f, rc, HPCL_E_AMBIGUOUS, "(HTTP 503) is not JSON");
        /* An error beside a job_id that is not one: still unproven. */
        rc = submit_with(f, ver, 200, "{\"job_id\": \"x\", \"errors\": "
                         "[{\"error_number\": 2000, \"error\": \"Invalid "
                         "partition name specified\"}]}", &id);
        expect_fail(f, rc, HPCL_E_AMBIGUOUS, "job_id \"x\"");
        /* Refusals. */
        rc = submit_with(f, ver, 500, "{\"job_id\": 0, \"errors\": "
                         "[{\"error_number\": 2000, \"error\": \"Invalid "
                         "partition name specified\"}]}", &id);
        expect_fail(f, rc, HPCL_E_SLURM, "(error 2000)");
        rc = submit_with(f, ver, 200, "{\"errors\": [{\"error_number\": "
                         "2000, \"error\": \"Invalid partition name "
                         "specified\"}]}", &id);
        expect_fail(f, rc, HPCL_E_SLURM, "(error 2000)");
        rc = submit_with(f, ver, 401, "Authentication failure", &id);
        expect_fail(f, rc, HPCL_E_AUTH, "HTTP 401");
        /* A lost answer stays a "maybe", by its number. */
        rc = submit_with(f, ver, 500, "{\"errors\": [{\"error_number\": "
                         "1802, \"error\": \"Receive from controller "
                         "failed\"}]}", &id);
        expect_fail(f, rc, HPCL_E_AMBIGUOUS, "answer to the submit");
    }
}

#define T(name)                                                            \
    cmocka_unit_test_setup_teardown(name, rest_setup, rest_teardown)

HPCL_TEST_MAIN(NULL, NULL, T(submit_reply_unproven_is_ambiguous),
               T(submit_reply_ids_that_prove_creation),
               T(submit_reply_status_and_errors))
