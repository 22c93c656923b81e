/* The error model: every code has a distinct description; details stick. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hpcl_test.h"
#include "core/core.h"

#define LAST_CODE HPCL_E_UNSUPPORTED

static void error_every_code_has_a_distinct_text(void **state)
{
    (void)state;
    for (int a = HPCL_OK; a <= LAST_CODE; a++) {
        const char *text = hpcl_strerror((hpcl_rc)a);
        assert_non_null(text);
        assert_string_not_equal(text, "unknown error code");
        for (int b = a + 1; b <= LAST_CODE; b++)
            assert_string_not_equal(text, hpcl_strerror((hpcl_rc)b));
    }
    assert_string_equal(hpcl_strerror((hpcl_rc)(LAST_CODE + 1)),
                        "unknown error code");
}

static void error_fail_records_message_and_returns_code(void **state)
{
    hpcl_ctx *ctx;

    (void)state;
    assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
    assert_string_equal(hpcl_ctx_errmsg(ctx), "");
    assert_int_equal(hpcl__fail(ctx, HPCL_E_SLURM, "site %s: %d", "a", 7),
                     HPCL_E_SLURM);
    assert_string_equal(hpcl_ctx_errmsg(ctx), "site a: 7");
    hpcl__clear_error(ctx);
    assert_string_equal(hpcl_ctx_errmsg(ctx), "");
    hpcl_ctx_destroy(ctx);
}

static void log_line(hpcl_log_level level, const char *msg, void *arg)
{
    char *seen = arg;
    snprintf(seen, 64, "%d:%s", (int)level, msg);
}

static void error_log_callback_receives_lines(void **state)
{
    hpcl_ctx *ctx;
    char seen[64] = "";

    (void)state;
    assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
    assert_int_equal(hpcl_ctx_set_log(ctx, log_line, seen), HPCL_OK);
    hpcl__log(ctx, HPCL_LOG_WARN, "x=%d", 3);
    assert_string_equal(seen, "1:x=3");
    hpcl_ctx_destroy(ctx);
}

static void ctx_create_rejects_flags_and_null(void **state)
{
    hpcl_ctx *ctx = (hpcl_ctx *)&ctx;

    (void)state;
    assert_int_equal(hpcl_ctx_create(&ctx, 1), HPCL_E_INVAL);
    assert_null(ctx);
    assert_int_equal(hpcl_ctx_create(NULL, 0), HPCL_E_INVAL);
    hpcl_ctx_destroy(NULL);
    assert_string_equal(hpcl_ctx_errmsg(NULL), "");
    assert_string_equal(hpcl_version(), HPCL_VERSION_STRING);
}

HPCL_TEST_MAIN(NULL, NULL,
               cmocka_unit_test(error_every_code_has_a_distinct_text),
               cmocka_unit_test(error_fail_records_message_and_returns_code),
               cmocka_unit_test(error_log_callback_receives_lines),
               cmocka_unit_test(ctx_create_rejects_flags_and_null))
