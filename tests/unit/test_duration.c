/*
 * The one time grammar (lib/core/duration.c, hpclaunch(7) TIME FORMATS):
 * every form under every combination of flags -- the unit of a bare
 * number, UNLIMITED, sub-second values.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hpcl_test.h"
#include "core/duration.h"

#define S 1000LL
#define M (60 * S)
#define H (60 * M)
#define D (24 * H)

/* A form and what it gives with a bare number in seconds and in minutes
 * (not whole seconds: refused without HPCL__DUR_SUBSECOND). */
static const struct {
    const char *text;
    long long secs_ms, mins_ms;
} forms[] = {
    /* a bare number: the caller's unit */
    {"0", 0, 0},
    {"90", 90 * S, 90 * M},
    {"2.5", 2500, 150 * S}, /* 2.5 s is sub-second; 2.5 min is not */
    /* Slurm's forms: the same whatever the bare unit */
    {"1:30", 90 * S, 90 * S},                    /* MM:SS */
    {"0:90", 90 * S, 90 * S},                    /* not range-checked */
    {"1:30:00", 90 * M, 90 * M},                 /* HH:MM:SS */
    {"01:30:00", 90 * M, 90 * M},
    {"2-12", 2 * D + 12 * H, 2 * D + 12 * H},    /* D-HH */
    {"2-12:30", 2 * D + 12 * H + 30 * M, 2 * D + 12 * H + 30 * M},
    {"2-12:30:15", 2 * D + 12 * H + 30 * M + 15 * S,
     2 * D + 12 * H + 30 * M + 15 * S},          /* D-HH:MM:SS */
    {"0-1:30", 90 * M, 90 * M},
    /* unit forms */
    {"30s", 30 * S, 30 * S},
    {"10m", 10 * M, 10 * M},
    {"90m", 90 * M, 90 * M},
    {"2h", 2 * H, 2 * H},
    {"1d", D, D},
    {"1h30m", 90 * M, 90 * M},
    {"1m30s", 90 * S, 90 * S},
    {"1.5h", 90 * M, 90 * M},
    {"1d2h3m4s", D + 2 * H + 3 * M + 4 * S, D + 2 * H + 3 * M + 4 * S},
    {"500ms", 500, 500},
    {"1s500ms", 1500, 1500},
    {"0.001s", 1, 1},
    {"0.0001s", 1, 1}, /* rounded up to the millisecond */
};

static void duration_every_form_every_flag(void **state)
{
    (void)state;
    for (unsigned flags = 0; flags < 8; flags++)
        for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
            long long want = flags & HPCL__DUR_BARE_MINUTES
                                 ? forms[i].mins_ms
                                 : forms[i].secs_ms;
            long long ms = -7;
            int r = hpcl__duration_parse(&ms, forms[i].text, flags);

            if (want % 1000 != 0 && !(flags & HPCL__DUR_SUBSECOND)) {
                if (r != HPCL__DUR_ESUBSECOND || ms != -7)
                    fail_msg("'%s' flags %u: %d, want ESUBSECOND",
                             forms[i].text, flags, r);
                continue;
            }
            if (r != HPCL__DUR_OK || ms != want)
                fail_msg("'%s' flags %u: %d, %lld ms, want %lld ms",
                         forms[i].text, flags, r, ms, want);
        }
}

static void duration_unlimited_only_where_allowed(void **state)
{
    static const char *const words[] = {"UNLIMITED", "unlimited",
                                        "INFINITE", "Infinite", "-1"};

    (void)state;
    for (unsigned flags = 0; flags < 8; flags++)
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            long long ms = -7;
            int r = hpcl__duration_parse(&ms, words[i], flags);

            if (flags & HPCL__DUR_UNLIMITED) {
                assert_int_equal(r, HPCL__DUR_OK);
                assert_true(ms == HPCL__DUR_INFINITE);
            } else {
                assert_int_equal(r, HPCL__DUR_EUNLIMITED);
                assert_true(ms == -7);
            }
        }
}

static void duration_refuses_what_is_not_one(void **state)
{
    static const char *const bad[] = {
        "",       "s",      "-5",    "10 m",  "1h30",   "5x",    "10min",
        " 5",     "5 ",     "1h1h",  "30m1h", "1:",     ":30",   "1::2",
        "1:2:3:4", "1-",    "-1:00", "1-2-3", "1-2:3:4:5", "1.5:00",
        "1-2h",   "1h-2",   ".5",    "5.",    "1.2.3",  "1e3",   "0x10",
        "+5",     "1.0000000001s",   "UNLIMITEDx",      "inf",
    };

    (void)state;
    for (unsigned flags = 0; flags < 8; flags++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            long long ms = -7;
            int r = hpcl__duration_parse(&ms, bad[i], flags);

            if (r != HPCL__DUR_ESYNTAX || ms != -7)
                fail_msg("'%s' flags %u: %d, want ESYNTAX", bad[i], flags,
                         r);
        }
    assert_int_equal(hpcl__duration_parse(NULL, NULL, 0), HPCL__DUR_ESYNTAX);
}

static void duration_range_is_checked_without_overflow(void **state)
{
    static const char *const big[] = {
        "100001d", "100001-0", "2400025:00:00", "9999999999999d",
        "99999999999:00",      "100000d1ms",    "99999999999999999999",
    };
    long long ms;
    char text[32];

    (void)state;
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        int r = hpcl__duration_parse(&ms, big[i], HPCL__DUR_SUBSECOND);

        /* Too many digits is a syntax error, more is a range error. */
        if (r != HPCL__DUR_ERANGE && r != HPCL__DUR_ESYNTAX)
            fail_msg("'%s': %d, want ERANGE", big[i], r);
    }
    assert_int_equal(hpcl__duration_parse(&ms, "100001d", 0),
                     HPCL__DUR_ERANGE);
    snprintf(text, sizeof text, "%dd", HPCL__DUR_MAX_DAYS);
    assert_int_equal(hpcl__duration_parse(&ms, text, 0), HPCL__DUR_OK);
    assert_true(ms == HPCL__DUR_MAX_DAYS * D);
    snprintf(text, sizeof text, "%d-0", HPCL__DUR_MAX_DAYS);
    assert_int_equal(hpcl__duration_parse(&ms, text, 0), HPCL__DUR_OK);
}

static void duration_messages_name_the_forms(void **state)
{
    (void)state;
    /* The bare number's unit, the Slurm forms, and the optional parts
     * exactly where they are accepted. */
    assert_non_null(strstr(hpcl__duration_forms(0), "counts seconds"));
    assert_non_null(strstr(hpcl__duration_forms(HPCL__DUR_BARE_MINUTES),
                           "counts minutes"));
    for (unsigned flags = 0; flags < 8; flags++) {
        const char *f = hpcl__duration_forms(flags);

        assert_non_null(strstr(f, "1:30:00 (HH:MM:SS)"));
        assert_non_null(strstr(f, "2-12:30:00 (D-HH:MM:SS)"));
        assert_non_null(strstr(f, "1h30m"));
        assert_true(!(flags & HPCL__DUR_UNLIMITED) ==
                    (strstr(f, "UNLIMITED") == NULL));
        assert_true(!(flags & HPCL__DUR_SUBSECOND) ==
                    (strstr(f, "500ms") == NULL));
    }
    assert_string_equal(hpcl__duration_why(HPCL__DUR_ESYNTAX),
                        "not a duration");
    assert_non_null(strstr(hpcl__duration_why(HPCL__DUR_ESUBSECOND),
                           "finer than a second"));
    assert_non_null(strstr(hpcl__duration_why(HPCL__DUR_ERANGE),
                           "longer than"));
    assert_non_null(strstr(hpcl__duration_why(HPCL__DUR_EUNLIMITED),
                           "not allowed"));
}

HPCL_TEST_MAIN(NULL, NULL, cmocka_unit_test(duration_every_form_every_flag),
               cmocka_unit_test(duration_unlimited_only_where_allowed),
               cmocka_unit_test(duration_refuses_what_is_not_one),
               cmocka_unit_test(duration_range_is_checked_without_overflow),
               cmocka_unit_test(duration_messages_name_the_forms))
