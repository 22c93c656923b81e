/*
 * JSON without jansson: the library's writer (lib/core/json_write.c)
 * lays text out byte for byte as jansson's json_dumps() does, which this
 * test links to compare; the tool's reader (cli/json_read.c), its
 * inverse, reads what the writer and jansson write and nothing that is
 * not JSON.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hpcl_test.h"
#include "core/json_write.h"
#include "json_read.h"

/* One document of every kind of value, written by the writer. */
static char *write_sample(int indent)
{
    struct hpcl__jw w;

    hpcl__jw_init(&w, indent);
    hpcl__jw_open(&w, '{');
    hpcl__jw_kint(&w, "a", 1);
    hpcl__jw_key(&w, "empty_o");
    hpcl__jw_open(&w, '{');
    hpcl__jw_close(&w, '}');
    hpcl__jw_key(&w, "empty_a");
    hpcl__jw_open(&w, '[');
    hpcl__jw_close(&w, ']');
    hpcl__jw_key(&w, "arr");
    hpcl__jw_open(&w, '[');
    hpcl__jw_int(&w, -2);
    hpcl__jw_open(&w, '[');
    hpcl__jw_close(&w, ']');
    hpcl__jw_open(&w, '{');
    hpcl__jw_key(&w, "x");
    hpcl__jw_null(&w);
    hpcl__jw_close(&w, '}');
    hpcl__jw_str(&w, "s");
    hpcl__jw_close(&w, ']');
    hpcl__jw_key(&w, "t");
    hpcl__jw_bool(&w, 1);
    hpcl__jw_key(&w, "f");
    hpcl__jw_bool(&w, 0);
    hpcl__jw_kstr(&w, "n", NULL);
    hpcl__jw_kint(&w, "min", LLONG_MIN);
    hpcl__jw_close(&w, '}');
    return hpcl__jw_finish(&w);
}

/* The same document, built and dumped by jansson. */
static char *jansson_sample(size_t flags)
{
    json_t *j = json_pack("{s:i, s:{}, s:[], s:[i, [], {s:n}, s], s:b, s:b, "
                          "s:n, s:I}",
                          "a", 1, "empty_o", "empty_a", "arr", -2, "x", "s",
                          "t", 1, "f", 0, "n", "min", (json_int_t)LLONG_MIN);
    char *s = json_dumps(j, flags | JSON_PRESERVE_ORDER);

    json_decref(j);
    return s;
}

static void json_write_lays_out_as_jansson(void **state)
{
    char *ours, *theirs;

    (void)state;
    ours = write_sample(2);
    theirs = jansson_sample(JSON_INDENT(2));
    assert_non_null(ours);
    assert_string_equal(ours, theirs);
    free(ours);
    free(theirs);
    ours = write_sample(0);
    theirs = jansson_sample(JSON_COMPACT);
    assert_string_equal(ours, theirs);
    free(ours);
    free(theirs);
}

static char *write_string(const char *s)
{
    struct hpcl__jw w;

    hpcl__jw_init(&w, 2);
    hpcl__jw_str(&w, s);
    return hpcl__jw_finish(&w);
}

static void json_write_escapes_as_jansson(void **state)
{
    static const char *const cases[] = {
        "", "plain", "quote\" back\\slash /slash",
        "\b\f\n\r\t \x01\x1f\x7f end",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e",
        "\xef\xbf\xbf \xf4\x8f\xbf\xbf"};

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *j = json_string(cases[i]);
        char *theirs = json_dumps(j, JSON_ENCODE_ANY);
        char *ours = write_string(cases[i]);

        assert_non_null(theirs);
        assert_string_equal(ours, theirs);
        free(ours);
        free(theirs);
        json_decref(j);
    }
}

/* jansson refuses such strings; the writer keeps the rest of the text. */
static void json_write_replaces_bytes_not_utf8(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a\xff" "b", "\"a\xef\xbf\xbd" "b\""},
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},             /* overlong */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* D800 */
        {"x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\""}, /* cut short */
        {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                             "\xef\xbf\xbd\""}}; /* past U+10FFFF */

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *ours = write_string(cases[i].in);
        assert_string_equal(ours, cases[i].out);
        free(ours);
    }
}

static void json_write_keyn_and_failure(void **state)
{
    struct hpcl__jw w;
    char *s;

    (void)state;
    hpcl__jw_init(&w, 0);
    hpcl__jw_open(&w, '{');
    hpcl__jw_keyn(&w, "OMP_NUM_THREADS=4", 15);
    hpcl__jw_str(&w, "4");
    hpcl__jw_close(&w, '}');
    s = hpcl__jw_finish(&w);
    assert_string_equal(s, "{\"OMP_NUM_THREADS\":\"4\"}");
    free(s);
    hpcl__jw_init(&w, 2);
    hpcl__jw_open(&w, '[');
    w.b.oom = 1; /* as a failed allocation leaves it */
    hpcl__jw_close(&w, ']');
    assert_null(hpcl__jw_finish(&w));
}

/* What the writer wrote reads back: members in order, values kept. */
static void json_read_reads_the_writer(void **state)
{
    char *text = write_sample(2);
    struct cli_json *j = cli_json_parse(text);
    const struct cli_json *arr, *e;

    (void)state;
    assert_non_null(j);
    assert_int_equal(cli_json_int(cli_json_get(j, "a")), 1);
    assert_int_equal(cli_json_get(j, "empty_o")->type, CLI_JSON_OBJECT);
    assert_null(cli_json_items(cli_json_get(j, "empty_a")));
    arr = cli_json_get(j, "arr");
    assert_non_null(e = cli_json_items(arr));
    assert_int_equal(cli_json_int(e), -2);
    assert_int_equal((e = e->next)->type, CLI_JSON_ARRAY);
    assert_int_equal(cli_json_get(e = e->next, "x")->type, CLI_JSON_NULL);
    assert_string_equal(cli_json_str(e = e->next), "s");
    assert_null(e->next);
    assert_int_equal(cli_json_get(j, "t")->type, CLI_JSON_TRUE);
    assert_int_equal(cli_json_get(j, "f")->type, CLI_JSON_FALSE);
    assert_true(cli_json_int(cli_json_get(j, "min")) == LLONG_MIN);
    assert_null(cli_json_get(j, "absent"));
    assert_null(cli_json_str(cli_json_get(j, "a")));
    cli_json_free(j);
    free(text);
}

static void json_read_decodes_escapes_and_numbers(void **state)
{
    struct cli_json *j = cli_json_parse(
        " [\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\","
        " \"\\u00e9\\u20AC\\ud834\\udd1e\","
        " 0, -0, 1.5e3, 2E-1, -7.9, 1e400, 9223372036854775807 ] ");
    const struct cli_json *e;

    (void)state;
    assert_non_null(j);
    e = cli_json_items(j);
    assert_string_equal(cli_json_str(e), "q\" b\\ s/ \b\f\n\r\t");
    assert_string_equal(cli_json_str(e = e->next),
                        "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e");
    assert_int_equal(cli_json_int(e = e->next), 0);
    assert_int_equal(cli_json_int(e = e->next), 0);
    assert_int_equal(cli_json_int(e = e->next), 1500);
    assert_int_equal(cli_json_int(e = e->next), 0);
    assert_int_equal(cli_json_int(e = e->next), -7);
    assert_true(cli_json_int(e = e->next) == LLONG_MAX);
    assert_true(cli_json_int(e = e->next) == LLONG_MAX);
    cli_json_free(j);
}

/* The writer and the reader skip plain text eight bytes a step
 * (hpcl__json_plain_run): a byte to escape anywhere in or across those
 * words is still escaped as jansson does, a raw control is still refused,
 * and the reader gives every text back. */
static void json_specials_at_every_offset(void **state)
{
    static const char *const special[] = {
        "\x01", "\x1f", "\"", "\\", "\x7f", "\n", "\xc3\xa9", "\xe2\x82\xac"};
    char text[64], doc[160];

    (void)state;
    for (size_t k = 0; k < sizeof special / sizeof *special; k++)
        for (int at = 0; at <= 19; at++) {
            json_t *j;
            char *theirs, *ours;
            struct cli_json *back;

            snprintf(text, sizeof text, "%.*s%s%.*s", at,
                     "abcdefghijklmnopqrst", special[k], 19 - at,
                     "ABCDEFGHIJKLMNOPQRS");
            j = json_string(text);
            theirs = json_dumps(j, JSON_ENCODE_ANY);
            ours = write_string(text);
            assert_non_null(theirs);
            assert_string_equal(ours, theirs);
            snprintf(doc, sizeof doc, "[%s]", ours);
            assert_non_null(back = cli_json_parse(doc));
            assert_string_equal(cli_json_str(cli_json_items(back)), text);
            cli_json_free(back);
            if ((unsigned char)special[k][0] < 0x20) {
                /* the same byte raw inside a literal: not JSON */
                snprintf(doc, sizeof doc, "[\"%s\"]", text);
                assert_null(cli_json_parse(doc));
            }
            free(ours);
            free(theirs);
            json_decref(j);
        }
}

static void json_read_refuses_what_is_not_json(void **state)
{
    static const char *const bad[] = {
        "", " ", "{", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":}", "{1:2}",
        "01", "1.", ".5", "-", "1e", "+1", "\"\\x\"", "\"\\ud800\"",
        "\"\\udc00\"", "\"\\u12\"", "\"a\nb\"", "\"open", "tru", "nul",
        "[1] x", "{\"a\":1}}", "'a'"};
    char deep[2001];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct cli_json *j = cli_json_parse(bad[i]);
        if (j != NULL)
            fail_msg("accepted: %s", bad[i]);
    }
    /* Nesting is bounded: no text exhausts the stack. */
    memset(deep, '[', 1000);
    memset(deep + 1000, ']', 1000);
    deep[2000] = '\0';
    assert_null(cli_json_parse(deep));
}

HPCL_TEST_MAIN(NULL, NULL,
               cmocka_unit_test(json_write_lays_out_as_jansson),
               cmocka_unit_test(json_write_escapes_as_jansson),
               cmocka_unit_test(json_write_replaces_bytes_not_utf8),
               cmocka_unit_test(json_write_keyn_and_failure),
               cmocka_unit_test(json_read_reads_the_writer),
               cmocka_unit_test(json_read_decodes_escapes_and_numbers),
               cmocka_unit_test(json_specials_at_every_offset),
               cmocka_unit_test(json_read_refuses_what_is_not_json))
