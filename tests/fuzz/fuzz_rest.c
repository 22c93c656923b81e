/*
 * slurmrestd's replies, read as the REST driver reads them.  The first
 * bytes say what the rest is (tests/fuzz/README.md, "Input formats"):
 *   byte 0  endpoint (low 3 bits) and API version (next 2 bits);
 *   bytes 1-5  the job a probe estimates: nodes, tasks, CPUs per task,
 *           GPUs per task, exclusive (bit 0).
 * The readers go by the shape of each value, not by the version (a
 * v0.0.38 plain number or a v0.0.4x {set, infinite, number} object), so
 * the version only labels the seeds; every endpoint of every version is
 * read by the same code here as in the driver.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend/rest/rest.h"
#include "core/core.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum endpoint { EP_SUBMIT, EP_JOB, EP_JOBS, EP_PROBE, EP_ERRORS, EP_N };

#define HEADER 6

static const char g_key[] = "hpcl-0123456789abcdef0123456789abcdef";

static void read_submit(hpcl_ctx *ctx, const json_t *root)
{
    char buf[400];
    uint32_t id = 0;
    long code;
    const char *text;

    (void)hpcl__json_id(root, "job_id", &id);
    (void)hpcl__json_str(root, "job_submit_user_msg");
    if (hpcl__rest_error(root, &code, &text) && text == NULL)
        __builtin_trap(); /* the text is never NULL */
    (void)hpcl__rest_warnings(ctx, "fuzz", root, buf, sizeof buf);
    if (strlen(buf) >= sizeof buf)
        __builtin_trap();
}

/* text as the driver reads a job list: slimmed as it arrives, in pieces
 * of piece bytes (rest_slim.c). */
static void slim_read(struct hpcl__rest_reply *r, const char *text,
                      size_t len, size_t piece)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
    if (hpcl__rest_slim_start(r, hpcl__rest_job_keys) != 0)
        abort();
    for (size_t off = 0; off < len; off += piece)
        if (hpcl__rest_slim_feed(r, text + off,
                                 len - off < piece ? len - off : piece) != 0)
            abort();
    if (hpcl__rest_slim_end(r) != 0 ||
        (r->body == NULL && hpcl__rest_reply_put(r, "", 0) != 0))
        abort();
}

static void read_jobs(const json_t *root);

/* The driver cuts job lists down as they arrive, in pieces of any size:
 * what the readers see must not change.  Keys written with escapes are
 * spelt out only by the parser, so such a text is not compared. */
static void same_after_slim(const struct hpcl__rest_reply *reply,
                            const json_t *root, size_t piece)
{
    struct hpcl__rest_reply slim;
    const json_t *a = json_object_get(root, "jobs"), *b, *j;
    json_t *sroot;
    size_t i;

    slim_read(&slim, reply->body, reply->len, piece);
    if (slim.len > reply->len || (slim.cut && slim.len >= reply->len) ||
        (strlen(reply->body) == reply->len && strlen(slim.body) != slim.len))
        __builtin_trap();
    sroot = hpcl__rest_parse(&slim);
    if (sroot != NULL)
        read_jobs(sroot); /* what the driver reads */
    if (root == NULL || memchr(reply->body, '\\', reply->len) != NULL ||
        strlen(reply->body) != reply->len) {
        json_decref(sroot);
        hpcl__rest_reply_free(&slim);
        return;
    }
    if (sroot == NULL) {
        if (json_is_array(a))
            __builtin_trap(); /* slimmed valid JSON must stay JSON */
        hpcl__rest_reply_free(&slim);
        return;
    }
    b = json_object_get(sroot, "jobs");
    if (json_is_array(a) && json_array_size(a) != json_array_size(b))
        __builtin_trap();
    json_array_foreach(a, i, j) {
        struct hpcl__jobrec ra, rb;
        const char *ba = hpcl__rest_jobrec(&ra, j);
        const char *bb = hpcl__rest_jobrec(&rb, json_array_get(b, i));

        if ((ba == NULL) != (bb == NULL) || ra.job_id != rb.job_id ||
            ra.state != rb.state || ra.exit_code != rb.exit_code ||
            ra.array_task_id != rb.array_task_id ||
            (ra.comment == NULL) != (rb.comment == NULL))
            __builtin_trap();
    }
    json_decref(sroot);
    hpcl__rest_reply_free(&slim);
}

static void read_jobs(const json_t *root)
{
    const json_t *jobs = json_object_get(root, "jobs"), *j;
    struct hpcl__jobrec rec;
    uint32_t id = 0;
    size_t i;

    json_array_foreach(jobs, i, j) {
        const char *bad = hpcl__rest_jobrec(&rec, j);
        if (bad == NULL && rec.job_id == 0 && json_object_get(j, "job_id"))
            (void)rec; /* a record may lack an id: the caller checks */
        (void)hpcl__rest_job_state(j);
    }
    if (hpcl__rest_find_key(jobs, g_key, &id) == 1 && id == 0)
        __builtin_trap(); /* a found job has an id */
}

static void probe(hpcl_ctx *ctx, const json_t *root, const uint8_t *h)
{
    struct hpcl__jobdesc d;
    struct hpcl__rest_view view = {root, root, root, NULL};
    struct hpcl_probe *p = calloc(1, sizeof *p);
    int need = 0;

    if (p == NULL)
        abort();
    memset(&d, 0, sizeof d);
    d.min_nodes = h[1] % 9;
    d.ntasks = h[2];
    d.cpus_per_task = h[3] % 65;
    d.gpus_per_task = h[4] % 9;
    d.exclusive = h[5] & 1;
    /* As the driver does: first without /jobs, then with it if asked. */
    if (hpcl__rest_estimate(ctx, "fuzz", &view, &d, NULL, 1700000000, p,
                            &need) == HPCL_OK && need) {
        view.jobs = root;
        (void)hpcl__rest_estimate(ctx, "fuzz", &view, &d,
                                  (h[5] & 2) ? "debug" : NULL, 1700000000, p,
                                  &need);
    }
    (void)hpcl__rest_diag_pending(root);
    hpcl_probe_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int loaded;
    struct hpcl__rest_reply reply;
    hpcl_ctx *ctx;
    json_t *root;
    long code;
    const char *text;

    if (!loaded) {
        const char *why;
        if (hpcl__jansson_load(&why) != 0)
            abort();
        loaded = 1;
    }
    if (size < HEADER)
        return 0;
    memset(&reply, 0, sizeof reply);
    reply.status = 200;
    reply.body = fuzz_strndup(data + HEADER, size - HEADER);
    reply.len = size - HEADER;
    ctx = fuzz_ctx();
    root = hpcl__rest_parse(&reply);
    switch ((data[0] & 7) % EP_N) {
    case EP_SUBMIT:
        if (root != NULL)
            read_submit(ctx, root);
        break;
    case EP_JOB:
    case EP_JOBS:
        /* pieces of 1 to 255 bytes, or the whole; the readers read it
         * slimmed, as in the driver */
        same_after_slim(&reply, root,
                        data[1] == 255 ? reply.len + 1 : (size_t)data[1] + 1);
        break;
    case EP_PROBE:
        if (root != NULL)
            probe(ctx, root, data);
        break;
    default:
        if (root != NULL)
            (void)hpcl__rest_error(root, &code, &text);
        break;
    }
    json_decref(root);
    free(reply.body);
    hpcl_ctx_destroy(ctx);
    return 0;
}
