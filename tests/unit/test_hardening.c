/*
 * Input from outside, at its edges (issue 15): numbers from slurmrestd
 * past their type, job lists made small before parsing, files that are
 * not regular, topology files hwloc cannot read, text for terminals, and
 * core dumps once a token is in memory.  Every test here failed, crashed
 * or was undefined (UBSan) before its fix.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcl_test.h"

#include "backend/rest/rest.h"
#include "conf/sites.h"
#include "core/core.h"
#include "cli.h"
#include "json_read.h"

static char g_dir[64];

static int setup(void **state)
{
    const char *why;

    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/hpcl-hardening.XXXXXX");
    if (mkdtemp(g_dir) == NULL || hpcl__jansson_load(&why) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static json_t *parse(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);

    assert_non_null(j);
    return j;
}

/* --- ids and numbers -------------------------------------------------- */

static void json_id_range(void **state)
{
    static const struct {
        const char *json;
        enum hpcl__num want;
        uint32_t id;
    } cases[] = {
        {"{\"job_id\": 42}", HPCL__NUM_SET, 42},
        {"{\"job_id\": 0}", HPCL__NUM_SET, 0},
        {"{\"job_id\": 4294967293}", HPCL__NUM_SET, 4294967293u},
        {"{\"job_id\": {\"set\": true, \"infinite\": false, \"number\": 7}}",
         HPCL__NUM_SET, 7},
        {"{}", HPCL__NUM_UNSET, 0},
        {"{\"job_id\": null}", HPCL__NUM_UNSET, 0},
        {"{\"job_id\": {\"set\": false, \"number\": 0}}", HPCL__NUM_UNSET, 0},
        /* 2^32 must not wrap to 0, 2^32 + 5 not to job 5 */
        {"{\"job_id\": 4294967296}", HPCL__NUM_BAD, 0},
        {"{\"job_id\": 4294967301}", HPCL__NUM_BAD, 0},
        {"{\"job_id\": {\"set\": true, \"number\": 4294967301}}",
         HPCL__NUM_BAD, 0},
        {"{\"job_id\": 4294967294}", HPCL__NUM_BAD, 0}, /* NO_VAL */
        {"{\"job_id\": -1}", HPCL__NUM_BAD, 0},
        {"{\"job_id\": 1e300}", HPCL__NUM_BAD, 0},
        {"{\"job_id\": 5.0}", HPCL__NUM_BAD, 0},
        {"{\"job_id\": \"5\"}", HPCL__NUM_BAD, 0},
        {"{\"job_id\": {\"set\": true, \"infinite\": true}}", HPCL__NUM_BAD,
         0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = parse(cases[i].json);
        uint32_t id = 99;

        if (hpcl__json_id(j, "job_id", &id) != cases[i].want ||
            id != cases[i].id)
            fail_msg("%s: got %u", cases[i].json, id);
        json_decref(j);
    }
}

/* A float past long long's range is no number (the cast was undefined). */
static void json_float_range(void **state)
{
    json_t *j = parse("{\"a\": 1e300, \"b\": -1e300, \"c\": 9.3e18, "
                      "\"d\": 12.9, \"e\": -9.2e18}");

    (void)state;
    assert_int_equal(hpcl__json_int(j, "a", -7), -7);
    assert_int_equal(hpcl__json_int(j, "b", -7), -7);
    assert_int_equal(hpcl__json_int(j, "c", -7), -7);
    assert_int_equal(hpcl__json_int(j, "d", -7), 12);
    assert_true(hpcl__json_int(j, "e", -7) < -9000000000000000000LL);
    json_decref(j);
}

/* A record under an id past 32 bits is refused, naming the member; the
 * job with the key under such an id is "exists, id unknown" (-1), never
 * "no such job" (0), which would let it be submitted again. */
static void jobrec_bad_ids(void **state)
{
    static const char key[] = "hpcl-0123456789abcdef0123456789abcdef";
    json_t *j = parse("{\"jobs\": [{\"job_id\": 4294967301, \"comment\": "
                      "\"hpcl-key=hpcl-0123456789abcdef0123456789abcdef\"}]}");
    json_t *ok = parse("{\"job_id\": 5, \"array_job_id\": 0, "
                       "\"array_task_id\": null}");
    json_t *task = parse("{\"job_id\": 5, \"array_task_id\": 1e300}");
    struct hpcl__jobrec r;
    uint32_t id = 0;

    (void)state;
    assert_string_equal(
        hpcl__rest_jobrec(&r, json_array_get(json_object_get(j, "jobs"), 0)),
        "job_id");
    assert_int_equal(hpcl__rest_find_key(json_object_get(j, "jobs"), key, &id),
                     -1);
    assert_null(hpcl__rest_jobrec(&r, ok));
    assert_int_equal(r.job_id, 5);
    assert_int_equal(r.array_task_id, HPCL__NO_TASK);
    assert_string_equal(hpcl__rest_jobrec(&r, task), "array_task_id");
    json_decref(j);
    json_decref(ok);
    json_decref(task);
}

/* Extreme counts in /nodes and /jobs: clamped, no signed overflow (this
 * test is what UBSan runs in the sanitizer build). */
static void probe_extreme_numbers(void **state)
{
    hpcl_ctx *ctx = NULL;
    json_t *view = parse(
        "{\"partitions\": [{\"name\": \"p\", \"flags\": [\"default\"], "
        "  \"total_nodes\": 9223372036854775807}],"
        " \"nodes\": ["
        "  {\"name\": \"a\", \"partitions\": [\"p\"], \"state\": \"mixed\","
        "   \"cpus\": 9223372036854775807,"
        "   \"alloc_cpus\": -9223372036854775807,"
        "   \"gres\": \"gpu:99999999999999999999999,gpu:x:9223372036854775807\","
        "   \"gres_used\": \"gpu:-9223372036854775807\","
        "   \"threads\": 4611686018427387904},"
        "  {\"name\": \"b\", \"partitions\": [\"p\"], \"state\": \"allocated\","
        "   \"cpus\": -5, \"idle_cpus\": 1e300, \"threads\": -3}],"
        " \"statistics\": {\"jobs_pending\": 1e300},"
        " \"jobs\": [{\"job_state\": \"RUNNING\", \"end_time\": 1e300,"
        "   \"gres_detail\": [\"gpu:9223372036854775807\"],"
        "   \"job_resources\": {\"allocated_nodes\": [{\"nodename\": \"a\","
        "     \"sockets\": {\"0\": {\"cores\": {\"0\": \"allocated\"}}}}],"
        "     \"nodes\": {\"allocation\": [{\"name\": \"b\", \"cpus\": "
        "       {\"count\": 9223372036854775807}}]}}},"
        "  {\"job_state\": \"PENDING\", \"partition\": \"p\","
        "   \"start_time\": -9223372036854775807}]}");
    struct hpcl__rest_view v = {view, view, view, view};
    struct hpcl__jobdesc d;
    struct hpcl_probe p;
    int need = 0;

    (void)state;
    memset(&d, 0, sizeof d);
    memset(&p, 0, sizeof p);
    d.min_nodes = 2;
    d.ntasks = 4096;
    d.cpus_per_task = 64;
    d.gpus_per_task = 2;
    assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
    /* Either answer is right for such a site; what matters is that it
     * comes without undefined behaviour. */
    (void)hpcl__rest_estimate(ctx, "x", &v, &d, NULL, 1000, &p, &need);
    d.exclusive = 1;
    (void)hpcl__rest_estimate(ctx, "x", &v, &d, "p", 1000, &p, &need);
    free(p.nodelist);
    free(p.partition);
    hpcl_ctx_destroy(ctx);
    json_decref(view);
}

/* --- job lists made small --------------------------------------------- */

static char *read_fixture(const char *name, size_t *len)
{
    char path[512], *data = NULL;

    snprintf(path, sizeof path, "%s/%s", HPCL_REST_FIXTURES, name);
    if (hpcl__read_regular(path, 64u << 20, &data, len) != 0)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    return data;
}

static void same_record(const struct hpcl__jobrec *a,
                        const struct hpcl__jobrec *b)
{
#define SAME_STR(f)                                                        \
    assert_true((a->f == NULL && b->f == NULL) ||                          \
                (a->f != NULL && b->f != NULL && strcmp(a->f, b->f) == 0))
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->exit_code, b->exit_code);
    assert_int_equal(a->job_id, b->job_id);
    assert_int_equal(a->array_job_id, b->array_job_id);
    assert_int_equal(a->array_task_id, b->array_task_id);
    SAME_STR(array_tasks);
    SAME_STR(name);
    SAME_STR(user);
    SAME_STR(batch_host);
    SAME_STR(nodes);
    SAME_STR(work_dir);
    SAME_STR(std_out);
    SAME_STR(std_err);
    SAME_STR(reason);
    SAME_STR(reason_desc);
    SAME_STR(comment);
#undef SAME_STR
}

/* text read as the driver reads a job list: slimmed as it arrives, in
 * pieces of piece bytes (rest_slim.c). */
static struct hpcl__rest_reply slim_read(const char *text, size_t len,
                                         size_t piece)
{
    struct hpcl__rest_reply r;

    memset(&r, 0, sizeof r);
    assert_int_equal(hpcl__rest_slim_start(&r, hpcl__rest_job_keys), 0);
    for (size_t off = 0; off < len; off += piece)
        assert_int_equal(hpcl__rest_slim_feed(&r, text + off,
                                              len - off < piece ? len - off
                                                                : piece),
                         0);
    assert_int_equal(hpcl__rest_slim_end(&r), 0);
    assert_null(r.slim);
    if (r.body == NULL) /* an empty answer */
        assert_int_equal(hpcl__rest_reply_put(&r, "", 0), 0);
    return r;
}

/* The pieces an answer comes in change nothing: one byte at a time, a
 * few, curl's 16 KB, all at once. */
static const size_t pieces[] = {1, 3, 64, 16384, (size_t)-1};

/* Every recorded job list reads the same slimmed, in every version, and
 * is smaller for it. */
static void slim_keeps_what_is_read(void **state)
{
    static const char *const lists[] = {
        "jobs_full.json", "jobs_idle.json", "job_array.json",
        "job_running.json", "v0.0.40/jobs.200.json",
        "v0.0.40/job_array.200.json", "v0.0.41/jobs.200.json",
        "v0.0.41/job_array.200.json", "v0.0.42/jobs.200.json",
        "v0.0.42/job_array.200.json"};

    (void)state;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        struct hpcl__rest_reply whole = {0};
        struct hpcl__rest_reply slim;
        json_t *a, *b, *ja, *jb, *x;
        char *first = NULL;
        size_t k;

        whole.body = read_fixture(lists[i], &whole.len);
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            struct hpcl__rest_reply again =
                slim_read(whole.body, whole.len, pieces[p]);

            if (first == NULL)
                first = strdup(again.body);
            else if (strcmp(first, again.body) != 0)
                fail_msg("%s: slimmed in pieces of %zu, not as in pieces of "
                         "1", lists[i], pieces[p]);
            hpcl__rest_reply_free(&again);
        }
        free(first);
        slim = slim_read(whole.body, whole.len, 4096);
        if (slim.len >= whole.len)
            fail_msg("%s: %zu bytes slimmed from %zu", lists[i], slim.len,
                     whole.len);
        a = hpcl__rest_parse(&whole);
        b = hpcl__rest_parse(&slim);
        assert_non_null(a);
        if (b == NULL)
            fail_msg("%s: slimmed text is not JSON: %.200s", lists[i],
                     slim.body);
        ja = json_object_get(a, "jobs");
        jb = json_object_get(b, "jobs");
        assert_true(json_array_size(ja) > 0);
        assert_int_equal(json_array_size(ja), json_array_size(jb));
        json_array_foreach(ja, k, x) {
            struct hpcl__jobrec ra, rb;
            assert_null(hpcl__rest_jobrec(&ra, x));
            assert_null(hpcl__rest_jobrec(&rb, json_array_get(jb, k)));
            same_record(&ra, &rb);
            assert_true(json_equal(json_object_get(x, "job_resources"),
                                   json_object_get(json_array_get(jb, k),
                                                   "job_resources")) ||
                        json_object_get(x, "job_resources") == NULL);
        }
        /* the rest of the answer stays */
        assert_true(json_equal(json_object_get(a, "meta"),
                               json_object_get(b, "meta")));
        json_decref(a);
        json_decref(b);
        free(whole.body);
        hpcl__rest_reply_free(&slim);
    }
}

/* Malformed: the answer as it came, for a message to quote, and never
 * parsed when only its start is kept. */
static void slim_leaves_malformed_text(void **state)
{
    static const char *const texts[] = {
        "", "[]", "{", "{\"jobs\": [{\"a\": 1}", "{\"jobs\": [{\"a\" 1}]}",
        "{\"jobs\": [{\"a\": \"x}]}", "{\"jobs\": [{\"a\": 1,}]} x",
        "{\"jobs\": [1,]}", "{\"a\": 1,}", "{\"a\": 12", "{} {}",
        "plain text 404 Not Found"};
    char *big;
    struct hpcl__rest_reply r;

    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            r = slim_read(texts[i], strlen(texts[i]), pieces[p]);
            assert_string_equal(r.body, texts[i]);
            assert_int_equal(r.len, strlen(texts[i]));
            assert_false(r.cut);
            hpcl__rest_reply_free(&r);
        }
    /* 1 MB of good records, then a bad one: the start, marked cut */
    assert_non_null(big = malloc(1u << 20));
    strcpy(big, "{\"jobs\": [");
    for (size_t n = strlen(big); n + 40 < (1u << 20);)
        n += (size_t)sprintf(big + n, "{\"job_id\": %zu, \"x\": 1}, ", n);
    strcat(big, "{\"job_id\" 7}]}");
    r = slim_read(big, strlen(big), 16384);
    assert_true(r.cut);
    assert_true(r.len > 0 && r.len < 65536);
    assert_memory_equal(r.body, big, r.len);
    assert_null(hpcl__rest_parse(&r));
    hpcl__rest_reply_free(&r);
    free(big);
}

static void slim_drops_other_members(void **state)
{
    static const char text[] =
        " { \"meta\" : {\"x\": [1, {\"y\": \"}\"}]}, \"jobs\" : [ {"
        "\"job_id\": 5, \"script\": \"#!/bin/sh\\n\\\"a\\\"\", \"name\": \"n\","
        " \"big\": {\"a\": [[[]]], \"b\": \"]\"}, \"comment\": null}, 7, "
        "{}, {\"huge\": 1} ], \"errors\": [], \"n\": -1.5e3 } ";
    static const char want[] =
        "{\"meta\":{\"x\": [1, {\"y\": \"}\"}]},\"jobs\":[{\"job_id\":5,"
        "\"name\":\"n\",\"comment\":null},7,{},{}],\"errors\":[],"
        "\"n\":-1.5e3}";

    (void)state;
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        struct hpcl__rest_reply r = slim_read(text, sizeof text - 1,
                                              pieces[p]);

        assert_string_equal(r.body, want);
        assert_int_equal(r.len, strlen(want));
        hpcl__rest_reply_free(&r);
    }
}

/* --- files ------------------------------------------------------------ */

static char *fifo(const char *name)
{
    static char path[128];

    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    return path;
}

/* A FIFO with no writer: refused at once, never waited on. */
static void fifo_never_blocks(void **state)
{
    hpcl_ctx *ctx = NULL;
    hpcl_topo *topo = NULL;
    char *data = (char *)1;
    size_t len = 1;
    time_t t0 = time(NULL);

    (void)state;
    alarm(20); /* a blocking open fails the test, not the whole run */
    assert_int_equal(hpcl__read_regular(fifo("f1"), 100, &data, &len), -2);
    assert_null(data);
    assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
    assert_int_equal(hpcl_topo_load_xml(&topo, ctx, fifo("f2"), 0),
                     HPCL_E_TOPOLOGY);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "not a regular file"));
    assert_int_equal(hpcl_ctx_load_sites(ctx, fifo("f3"), 0), HPCL_E_CONFIG);
    assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "not a regular file"));
    hpcl_ctx_destroy(ctx);
    alarm(0);
    assert_true(time(NULL) - t0 < 10);
}

static void read_regular_bounds(void **state)
{
    char path[128], *data = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    snprintf(path, sizeof path, "%s/ten", g_dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("0123456789", f);
    fclose(f);
    assert_int_equal(hpcl__read_regular(path, 10, &data, &len), 0);
    assert_int_equal(len, 10);
    assert_string_equal(data, "0123456789");
    free(data);
    data = (char *)1;
    assert_int_equal(hpcl__read_regular(path, 9, &data, &len), -1);
    assert_int_equal(errno, EFBIG);
    assert_null(data);
    snprintf(path, sizeof path, "%s/none", g_dir);
    assert_int_equal(hpcl__read_regular(path, 9, &data, &len), -1);
    assert_int_equal(errno, ENOENT);
}

/* Malformed hwloc XML: refused with a message, whatever hwloc does. */
static void topo_xml_malformed(void **state)
{
    static const char *const texts[] = {
        "", "<topology>", "<topology><object type=\"Machine\">",
        "<topology><object/></topology>", "\x01\x02<<<>>>", "<?xml?>"};
    hpcl_ctx *ctx = NULL;
    char path[128];

    (void)state;
    snprintf(path, sizeof path, "%s/bad.xml", g_dir);
    assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        hpcl_topo *topo = (hpcl_topo *)1;
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(texts[i], f);
        fclose(f);
        assert_int_equal(hpcl_topo_load_xml(&topo, ctx, path, 0),
                         HPCL_E_TOPOLOGY);
        assert_null(topo);
        assert_non_null(strstr(hpcl_ctx_errmsg(ctx), path));
    }
    hpcl_ctx_destroy(ctx);
}

/* hwloc 2.9's importer dereferences NULL on a PU without complete_cpuset
 * (found by fuzz_topo_xml; lstopo itself dies of SIGSEGV on it), and
 * fails an assertion (SIGABRT) on a cpuset it cannot read: loaded in a
 * child first, each is refused with a message, and this process lives.
 * The corpus files start with the harness's plan byte. */
static void topo_xml_hwloc_crash_refused(void **state)
{
    static const char *const crashes[] = {"regress-hwloc-segv",
                                          "regress-hwloc-assert"};

    (void)state;
    for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++) {
        char src[512], path[128], *data = NULL;
        size_t len = 0;
        hpcl_ctx *ctx = NULL;
        hpcl_topo *topo = NULL;
        FILE *f;

        snprintf(src, sizeof src, "%s/../../fuzz/corpus/topo_xml/%s",
                 HPCL_REST_FIXTURES, crashes[i]);
        snprintf(path, sizeof path, "%s/crash.xml", g_dir);
        assert_int_equal(hpcl__read_regular(src, 1u << 20, &data, &len), 0);
        assert_non_null(f = fopen(path, "w"));
        fwrite(data + 1, 1, len - 1, f);
        fclose(f);
        free(data);
        assert_int_equal(hpcl_ctx_create(&ctx, 0), HPCL_OK);
        assert_int_equal(hpcl_topo_load_xml(&topo, ctx, path, 0),
                         HPCL_E_TOPOLOGY);
        assert_null(topo);
        /* "crashed" (a signal), or a sanitizer's exit status in the child */
        assert_non_null(strstr(hpcl_ctx_errmsg(ctx), "is malformed: hwloc's "
                                                     "importer"));
        hpcl_ctx_destroy(ctx);
    }
}

/* --- text for terminals ----------------------------------------------- */

static void cli_text_escapes(void **state)
{
    char long_text[3000];

    (void)state;
    assert_string_equal(cli_text("node[1-4]"), "node[1-4]");
    assert_string_equal(cli_text("a\x1b]0;pwned\x07" "b"),
                        "a\\x1B]0;pwned\\x07b");
    assert_string_equal(cli_text("x\r\ny\x7f"), "x\\x0D\\x0Ay\\x7F");
    assert_string_equal(cli_text("caf\xc3\xa9"), "caf\xc3\xa9");
    assert_string_equal(cli_text("\xc2\x9b" "31m"), "\\xC2\\x9B31m"); /* C1 CSI */
    assert_string_equal(cli_text("\xff\xc3"), "\\xFF\\xC3");
    assert_null(cli_text(NULL));
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_true(strlen(cli_text(long_text)) < 1024);
    assert_non_null(strstr(cli_text(long_text), "..."));
}

/* cli/json_read.c: a text cut after a key or a value was read past its
 * end (fuzz_cli_json; tests/fuzz/corpus/cli_json/regress-cut-*).  The
 * copies are exactly as long as the text, so ASan sees any overread. */
static void cli_json_cut_text(void **state)
{
    static const char *const texts[] = {"[1", "{\"a\"", "{\"a\":1",
                                        "[1,", "{\"a\":1,", "[", "{"};

    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *copy = strdup(texts[i]);

        assert_non_null(copy);
        assert_null(cli_json_parse(copy));
        free(copy);
    }
}

/* --- core dumps and the token ----------------------------------------- */

/* In a child: the test process itself stays dumpable. */
static void token_turns_core_dumps_off(void **state)
{
    pid_t pid;
    int st;

    (void)state;
    if ((pid = fork()) == 0) {
        struct hpcl__site_conf site;
        struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
        hpcl_ctx *ctx = NULL;
        char *token = NULL;

        memset(&site, 0, sizeof site);
        site.name = "b";
        site.token_env = "HPCL_TEST_TOKEN";
        setenv("HPCL_TEST_TOKEN", "eyJhbGciOiJIUzI1NiJ9.e30.sig", 1);
        getrlimit(RLIMIT_CORE, &rl);
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_CORE, &rl);
        if (prctl(PR_GET_DUMPABLE) != 1 || hpcl_ctx_create(&ctx, 0) != HPCL_OK)
            _exit(10); /* the test would prove nothing */
        if (hpcl__site_load_token(&token, ctx, &site) != HPCL_OK)
            _exit(11);
        if (prctl(PR_GET_DUMPABLE) != 0)
            _exit(12);
        if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0)
            _exit(13);
        hpcl__token_free(token);
        hpcl_ctx_destroy(ctx);
        _exit(0);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

HPCL_TEST_MAIN(setup, teardown, cmocka_unit_test(json_id_range),
               cmocka_unit_test(json_float_range),
               cmocka_unit_test(jobrec_bad_ids),
               cmocka_unit_test(probe_extreme_numbers),
               cmocka_unit_test(slim_keeps_what_is_read),
               cmocka_unit_test(slim_leaves_malformed_text),
               cmocka_unit_test(slim_drops_other_members),
               cmocka_unit_test(fifo_never_blocks),
               cmocka_unit_test(read_regular_bounds),
               cmocka_unit_test(topo_xml_malformed),
               cmocka_unit_test(topo_xml_hwloc_crash_refused),
               cmocka_unit_test(cli_text_escapes),
               cmocka_unit_test(cli_json_cut_text),
               cmocka_unit_test(token_turns_core_dumps_off))
