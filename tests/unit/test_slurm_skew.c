/*
 * Version skew (lib/backend/slurm/slurm_skew.c): which lines of
 * libslurm's log report a controller of another Slurm release, which
 * release that is, and the error made of it.  The lines are those
 * libslurm 22.05 and 24.11 logged against the dev cluster.
 */
#include "config.h"

#include <string.h>

#include "hpcl_test.h"
#include "backend/slurm/slurm_skew.h"

#define assert_has(text, part)                                             \
    do {                                                                   \
        if (strstr((text), (part)) == NULL)                                \
            fail_msg("\"%s\" not in \"%s\"", (part), (text));              \
    } while (0)

static void skew_lines_name_the_other_release(void **state)
{
    (void)state;
    /* libslurm 22.05 (Debian 12) asking a 24.11 slurmctld. */
    assert_int_equal(hpcl__slurm_skew_proto(
                         "hpclaunch-slurm: error: slurm_unpack_received_msg: "
                         "[[localhost]:19817] Invalid Protocol Version 10752 "
                         "from uid=4294967295: Incompatible versions of "
                         "client and server code"),
                     10752);
    /* A header check that names the version it refused. */
    assert_int_equal(hpcl__slurm_skew_proto(
                         "error: unpack_header: protocol_version 9728 not "
                         "supported"),
                     9728);
    /* A mismatch without a number. */
    assert_int_equal(hpcl__slurm_skew_proto(
                         "error: slurm_receive_msg: Incompatible versions of "
                         "client and server code"),
                     HPCL__SKEW_UNKNOWN);
    assert_int_equal(hpcl__slurm_skew_proto(
                         "error: Protocol version has changed, re-link your "
                         "code"),
                     HPCL__SKEW_UNKNOWN);
}

static void other_lines_are_not_skew(void **state)
{
    (void)state;
    assert_int_equal(hpcl__slurm_skew_proto(NULL), 0);
    assert_int_equal(hpcl__slurm_skew_proto(""), 0);
    assert_int_equal(hpcl__slurm_skew_proto(
                         "hpclaunch-slurm: error: invalid partition "
                         "specified: nosuch"),
                     0);
    assert_int_equal(hpcl__slurm_skew_proto(
                         "error: auth_g_unpack: authentication plugin "
                         "unknown(1007) not found"),
                     0);
    /* A version named, but not refused. */
    assert_int_equal(hpcl__slurm_skew_proto(
                         "debug: protocol_version 10752 accepted"),
                     0);
    assert_int_equal(hpcl__slurm_skew_proto(
                         "error: Invalid Protocol Version none"),
                     0);
}

static void protocol_versions_map_to_releases(void **state)
{
    (void)state;
    assert_string_equal(hpcl__slurm_proto_release(38 << 8), "22.05");
    assert_string_equal(hpcl__slurm_proto_release(40 << 8), "23.11");
    assert_string_equal(hpcl__slurm_proto_release(41 << 8), "24.05");
    assert_string_equal(hpcl__slurm_proto_release(42 << 8), "24.11");
    assert_null(hpcl__slurm_proto_release(99 << 8));
    assert_null(hpcl__slurm_proto_release((42 << 8) | 1));
    assert_null(hpcl__slurm_proto_release(HPCL__SKEW_UNKNOWN));
}

static void skew_error_names_both_releases_and_the_fix(void **state)
{
    hpcl_ctx *ctx;
    const char *msg;

    (void)state;
    assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
    assert_int_equal(hpcl__slurm_skew_fail(ctx, "sitec", 42 << 8,
                                           "error: Invalid Protocol Version "
                                           "10752"),
                     HPCL_E_UNSUPPORTED);
    msg = hpcl_ctx_errmsg(ctx);
    assert_has(msg, "site sitec: its slurmctld runs Slurm 24.11, and this "
                    "hpclaunch's libslurm is " HPCL_SLURM_VERSION);
    assert_has(msg, "Invalid Protocol Version 10752");
    assert_has(msg, "driver = slurmrestd in [site sitec]");
    assert_has(msg, "rebuild hpclaunch against Slurm 24.11's libslurm");
    /* A release this build does not know, or no number at all. */
    hpcl__slurm_skew_fail(ctx, "x", 77 << 8, NULL);
    assert_has(hpcl_ctx_errmsg(ctx), "runs a different Slurm release "
                                     "(protocol version 19712)");
    assert_has(hpcl_ctx_errmsg(ctx), "rebuild hpclaunch against the site's "
                                     "libslurm");
    hpcl__slurm_skew_fail(ctx, "x", HPCL__SKEW_UNKNOWN, NULL);
    assert_has(hpcl_ctx_errmsg(ctx), "runs a different Slurm release, and "
                                     "this hpclaunch's libslurm is "
                                     HPCL_SLURM_VERSION);
    hpcl_ctx_destroy(ctx);
}

/* A controller that closes the connection: an older release, or a
 * credential it cannot verify; the message gives both and their fixes. */
static void closed_connection_names_both_causes(void **state)
{
    hpcl_ctx *ctx;
    const char *msg;

    (void)state;
    assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
    assert_int_equal(hpcl__slurm_closed_fail(ctx, "sitea",
                                             "slurm_load_job: Zero Bytes "
                                             "were transmitted or received, "
                                             "then a ping"),
                     HPCL_E_SLURM);
    msg = hpcl_ctx_errmsg(ctx);
    assert_has(msg, "site sitea: its slurmctld closed the connection "
                    "without an answer, twice (slurm_load_job: Zero Bytes");
    assert_has(msg, "a different Slurm release than this hpclaunch's "
                    "libslurm (" HPCL_SLURM_VERSION ")");
    assert_has(msg, "driver = slurmrestd in [site sitea]");
    assert_has(msg, "rebuild hpclaunch against the site's libslurm");
    assert_has(msg, "munge key");
    hpcl_ctx_destroy(ctx);
}

HPCL_TEST_MAIN(NULL, NULL,
               cmocka_unit_test(skew_lines_name_the_other_release),
               cmocka_unit_test(other_lines_are_not_skew),
               cmocka_unit_test(protocol_versions_map_to_releases),
               cmocka_unit_test(skew_error_names_both_releases_and_the_fix),
               cmocka_unit_test(closed_connection_names_both_causes))
