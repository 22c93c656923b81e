/*
 * Accounting through slurmrestd (lib/backend/rest/rest_acct.c) against
 * replies recorded from the dev cluster's site B, Slurm 22.05.8,
 * openapi/dbv0.0.38 (tests/data/rest/dbv0.0.38/): records matched by id
 * and key, states, exit codes (a signal as 128+N; 22.05's non-zero exits,
 * which it reports as SUCCESS/0, left unknown), "nothing found", slurmdbd
 * down, no accounting plugin, and the site file's accounting key.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hpcl_test.h"
#include "rest_fixture.h"
#include "backend/rest/rest.h"

#define END {NULL, NULL, 0, NULL, NULL}
#define DB "/slurmdb/v0.0.38/job/"

/* Ask for job id with key, the site answering file (status) for it. */
static hpcl_rc ask(struct fx *f, uint32_t id, const char *key, int status,
                   const char *file, const char *text, struct hpcl__acct *a)
{
    char path[64];
    struct rest_route r[] = {{"GET", path, status, file, text}, END};

    snprintf(path, sizeof path, DB "%u", (unsigned)id);
    open_site(f, r, NULL);
    return hpcl__rest_acct(&f->site, f->ctx, id, key, a);
}

static void acct_ended_records(void **state)
{
    static const struct {
        const char *file, *key;
        uint32_t id;
        hpcl_state st;
        int ec;
    } c[] = {
        {"dbv0.0.38/job_completed.json",
         "hpcl-46d47f6124812da1002645e0532f2c41", 635, HPCL_STATE_COMPLETED,
         0},
        /* exit 3 (sacct: 3:0), reported as SUCCESS/0: not told. */
        {"dbv0.0.38/job_failed_exit3.json",
         "hpcl-cf1807f8866f5d6c67dbc5d9b6451ceb", 637, HPCL_STATE_FAILED, -1},
        {"dbv0.0.38/job_killed_by_signal.json",
         "hpcl-5151aaaa5151aaaa5151aaaa5151aaaa", 821, HPCL_STATE_FAILED,
         137},
        /* SUCCESS/0 is believed only of a COMPLETED job. */
        {"dbv0.0.38/job_cancelled_pending.json",
         "hpcl-7459746cf40ffb5547ad6229aeb2294d", 641,
         HPCL_STATE_CANCELLED, -1},
    };
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct hpcl__acct a;

        if (ask(f, c[i].id, c[i].key, 200, c[i].file, NULL, &a) != HPCL_OK)
            fail_msg("%s: %s", c[i].file, hpcl_ctx_errmsg(f->ctx));
        assert_true(a.have);
        assert_true(a.found);
        assert_true(a.ended);
        assert_int_equal(a.state, c[i].st);
        assert_int_equal(a.exit_code, c[i].ec);
        assert_true(a.end > 0);
        f->site.ops->close(&f->site);
        f->site.ops = NULL;
        rest_server_stop(&f->srv);
    }
}

/* The same id, another key: another job (ids are re-issued). */
static void acct_other_key_is_not_ours(void **state)
{
    struct fx *f = *state;
    struct hpcl__acct a;

    assert_int_equal(ask(f, 635, KEY_A, 200, "dbv0.0.38/job_completed.json",
                         NULL, &a), HPCL_OK);
    assert_true(a.have);
    assert_false(a.found);
}

static void acct_nothing_found(void **state)
{
    struct fx *f = *state;
    struct hpcl__acct a;

    assert_int_equal(ask(f, 99999, KEY_A, 200,
                         "dbv0.0.38/job_nothing_found.json", NULL, &a),
                     HPCL_OK);
    assert_true(a.have);
    assert_false(a.found);
}

/* slurmrestd answers 200 with error 7000: accounting did not answer. */
static void acct_slurmdbd_down(void **state)
{
    struct fx *f = *state;
    struct hpcl__acct a;

    expect_fail(f, ask(f, 635, KEY_A, 200, "dbv0.0.38/job_slurmdbd_down.json",
                       NULL, &a),
                HPCL_E_UNREACHABLE, "Failed connecting to slurmdbd");
}

/* No accounting plugin: slurmrestd's plain-text 404. */
static void acct_no_plugin(void **state)
{
    static const char text[] = "Unable find requested URL. Please view "
                               "/openapi/v3 for API reference.";
    struct fx *f = *state;
    struct hpcl__acct a;

    assert_int_equal(ask(f, 635, KEY_A, 404, NULL, text, &a), HPCL_OK);
    assert_false(a.have);
    f->site.ops->close(&f->site);
    f->site.ops = NULL;
    rest_server_stop(&f->srv);
    f->conf.accounting = HPCL__ACCT_YES;
    expect_fail(f, ask(f, 635, KEY_A, 404, NULL, text, &a), HPCL_E_CONFIG,
                "accounting = yes, but slurmrestd at");
}

/* accounting = no: nothing is asked. */
static void acct_no_asks_nothing(void **state)
{
    struct fx *f = *state;
    struct hpcl__acct a;

    f->conf.accounting = HPCL__ACCT_NO;
    assert_int_equal(ask(f, 635, KEY_A, 200, "dbv0.0.38/job_completed.json",
                         NULL, &a), HPCL_OK);
    assert_false(a.have);
    assert_int_equal(rest_server_nreq(&f->srv), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, rest_setup, rest_teardown)
HPCL_TEST_MAIN(NULL, NULL, T(acct_ended_records),
               T(acct_other_key_is_not_ours), T(acct_nothing_found),
               T(acct_slurmdbd_down), T(acct_no_plugin),
               T(acct_no_asks_nothing))
