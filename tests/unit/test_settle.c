/*
 * The decision table of hpclaunch jobs (lib/submit/settle.c): every
 * controller answer against every accounting answer.  "lost", which lets
 * --resubmit run a job again, must come only from an accounting that
 * answered and does not know the job, or saw it never start.
 */
#include "config.h"

#include <string.h>

#include "hpcl_test.h"
#include "submit/settle.h"

static const struct hpcl__acct ended_failed = {
    .have = 1, .found = 1, .started = 1, .ended = 1,
    .state = HPCL_STATE_FAILED, .exit_code = 3, .start = 100, .end = 110};
static const struct hpcl__acct cancelled_pending = {
    .have = 1, .found = 1, .started = 0, .ended = 1,
    .state = HPCL_STATE_CANCELLED, .exit_code = 0, .end = 110};
static const struct hpcl__acct running = {
    .have = 1, .found = 1, .started = 1, .ended = 0,
    .state = HPCL_STATE_RUNNING, .exit_code = -1, .start = 100};
static const struct hpcl__acct pending = {
    .have = 1, .found = 1, .state = HPCL_STATE_PENDING, .exit_code = -1};

static struct hpcl__settled decide(enum hpcl__ctl_answer ctl,
                                   enum hpcl__acct_answer aa,
                                   const struct hpcl__acct *a)
{
    struct hpcl__settled s;

    hpcl__settle(&s, ctl, HPCL_STATE_RUNNING, -1, aa, a);
    return s;
}

/* The controller's own record wins: accounting is not even read. */
static void settle_controller_record_wins(void **state)
{
    struct hpcl__settled s;

    (void)state;
    hpcl__settle(&s, HPCL__CTL_HAS, HPCL_STATE_PENDING, -1,
                 HPCL__AA_UNREACHABLE, NULL);
    assert_string_equal(s.status, "active");
    assert_false(s.started);
    hpcl__settle(&s, HPCL__CTL_HAS, HPCL_STATE_RUNNING, -1, HPCL__AA_NOJOB,
                 NULL);
    assert_string_equal(s.status, "active");
    assert_true(s.started);
    hpcl__settle(&s, HPCL__CTL_HAS, HPCL_STATE_TIMEOUT, 143, HPCL__AA_NONE,
                 NULL);
    assert_string_equal(s.status, "ended");
    assert_int_equal(s.state, HPCL_STATE_TIMEOUT);
    assert_int_equal(s.exit_code, 143);
    assert_false(s.from_acct);
}

static void settle_unreachable_controller_is_unknown(void **state)
{
    enum hpcl__acct_answer aa[] = {HPCL__AA_NONE, HPCL__AA_RECORD,
                                   HPCL__AA_NOJOB, HPCL__AA_UNREACHABLE};

    (void)state;
    for (size_t i = 0; i < sizeof aa / sizeof aa[0]; i++) {
        struct hpcl__settled s = decide(HPCL__CTL_UNREACHABLE, aa[i],
                                        &ended_failed);
        assert_string_equal(s.status, "unknown");
        assert_non_null(strstr(s.why, "controller did not answer"));
    }
}

/* Purged by the controller (or its id re-issued): accounting's record
 * says how it ended. */
static void settle_forgotten_job_ended_in_accounting(void **state)
{
    enum hpcl__ctl_answer ctl[] = {HPCL__CTL_NOJOB, HPCL__CTL_OTHER_KEY};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct hpcl__settled s = decide(ctl[i], HPCL__AA_RECORD,
                                        &ended_failed);
        assert_string_equal(s.status, "ended");
        assert_int_equal(s.state, HPCL_STATE_FAILED);
        assert_int_equal(s.exit_code, 3);
        assert_true(s.started);
        assert_true(s.from_acct);
        s = decide(ctl[i], HPCL__AA_RECORD, &cancelled_pending);
        assert_string_equal(s.status, "ended");
        assert_int_equal(s.state, HPCL_STATE_CANCELLED);
        assert_false(s.started);
    }
}

static void settle_lost_only_when_accounting_says_so(void **state)
{
    struct hpcl__settled s;

    (void)state;
    s = decide(HPCL__CTL_NOJOB, HPCL__AA_NOJOB, NULL);
    assert_string_equal(s.status, "lost");
    assert_false(s.started);
    assert_non_null(strstr(s.why, "neither the controller nor accounting"));
    s = decide(HPCL__CTL_OTHER_KEY, HPCL__AA_NOJOB, NULL);
    assert_string_equal(s.status, "lost");
    assert_non_null(strstr(s.why, "re-issued"));
    s = decide(HPCL__CTL_NOJOB, HPCL__AA_RECORD, &pending);
    assert_string_equal(s.status, "lost");
    assert_false(s.started);
    assert_non_null(strstr(s.why, "never started"));
    /* Started, then forgotten: lost, but it ran (in part). */
    s = decide(HPCL__CTL_NOJOB, HPCL__AA_RECORD, &running);
    assert_string_equal(s.status, "lost");
    assert_true(s.started);
    assert_non_null(strstr(s.why, "not resubmitted"));
}

static void settle_without_accounting_is_unknown(void **state)
{
    enum hpcl__ctl_answer ctl[] = {HPCL__CTL_NOJOB, HPCL__CTL_OTHER_KEY};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct hpcl__settled s = decide(ctl[i], HPCL__AA_UNREACHABLE, NULL);
        assert_string_equal(s.status, "unknown");
        assert_non_null(strstr(s.why, "accounting could not be asked"));
        s = decide(ctl[i], HPCL__AA_NONE, NULL);
        assert_string_equal(s.status, "unknown");
        assert_non_null(strstr(s.why, "no accounting"));
    }
}

HPCL_TEST_MAIN(NULL, NULL, cmocka_unit_test(settle_controller_record_wins),
               cmocka_unit_test(settle_unreachable_controller_is_unknown),
               cmocka_unit_test(settle_forgotten_job_ended_in_accounting),
               cmocka_unit_test(settle_lost_only_when_accounting_says_so),
               cmocka_unit_test(settle_without_accounting_is_unknown))
