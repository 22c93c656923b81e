/*
 * hpclaunch-slurm: the libslurm helper (lib/backend/slurm/slurm_lib.h).
 * libhpclaunch starts one per libslurm site and context:
 *
 *   hpclaunch-slurm SITE SLURM_CONF TIMEOUT_MS     (socket on fd 3)
 *
 * It loads SLURM_CONF once -- a fatal() of libslurm ends this process,
 * and the library quotes what it wrote -- then answers the library's
 * requests (slurm_wire.h) until the library closes the socket.  Its
 * stderr, libslurm's log included, is a pipe the library reads: nothing
 * reaches the caller's terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <slurm/slurm.h>

#include "backend/slurm/slurm_lib.h"
#include "backend/slurm/slurm_wire.h"

#define LOGS_MAX 16

/* The library's log lines of one request, sent back with its reply.
 * Debug lines stay here: the library logs its own. */
struct logs {
    char *line[LOGS_MAX];
    int level[LOGS_MAX];
    int n;
};

static void keep_log(hpcl_log_level level, const char *msg, void *arg)
{
    struct logs *lg = arg;

    if (level < HPCL_LOG_DEBUG && lg->n < LOGS_MAX &&
        (lg->line[lg->n] = strdup(msg)) != NULL)
        lg->level[lg->n++] = (int)level;
}

static void logs_clear(struct logs *lg)
{
    for (int i = 0; i < lg->n; i++)
        free(lg->line[i]);
    lg->n = 0;
}

/* --- frames on fd 3 -------------------------------------------------- */

/* 1: n bytes read; 0: end of file before any; -1: error or a short read. */
static int read_full(void *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(HPCL__WIRE_FD, (char *)buf + got, n - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return got == 0 && r == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

static int write_full(const void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(HPCL__WIRE_FD, (const char *)buf + done, n - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* The next request (malloc'd, *len bytes with its type); NULL when the
 * library closed the socket or sent garbage. */
static unsigned char *next_request(size_t *len)
{
    uint32_t n;
    unsigned char *f;

    if (read_full(&n, sizeof n) != 1 || n == 0 || n > HPCL__WIRE_MAX)
        return NULL;
    if ((f = malloc(n)) == NULL || read_full(f, n) != 1) {
        free(f);
        return NULL;
    }
    *len = n;
    return f;
}

static int send_frame(struct hpcl__wbuf *b)
{
    int rc = hpcl__wire_end(b) == 0 ? write_full(b->data, b->len) : -1;

    hpcl__wire_free(b);
    return rc;
}

static int send_reply(hpcl_ctx *ctx, struct logs *lg, hpcl_rc rc,
                      const struct hpcl__wbuf *results)
{
    struct hpcl__wbuf b;

    hpcl__wire_begin(&b, HPCL__W_REPLY);
    hpcl__wire_u32(&b, (uint32_t)rc);
    hpcl__wire_str(&b, rc != HPCL_OK ? hpcl_ctx_errmsg(ctx) : NULL);
    hpcl__wire_u32(&b, (uint32_t)lg->n);
    for (int i = 0; i < lg->n; i++) {
        hpcl__wire_u32(&b, (uint32_t)lg->level[i]);
        hpcl__wire_str(&b, lg->line[i]);
    }
    if (rc == HPCL_OK)
        hpcl__wire_append(&b, results);
    return send_frame(&b);
}

/* --- the requests ---------------------------------------------------- */

static hpcl_rc bad_request(hpcl_ctx *ctx)
{
    return hpcl__fail(ctx, HPCL_E_SYSTEM, "the libslurm helper got a "
                      "malformed request");
}

static hpcl_rc do_submit(struct hpcl__site *site, hpcl_ctx *ctx,
                         struct hpcl__rbuf *r, struct hpcl__wbuf *out)
{
    struct hpcl__jobdesc d;
    uint32_t id = 0;
    hpcl_rc rc;

    if (hpcl__wire_get_desc(r, &d) != 0)
        return bad_request(ctx);
    if ((rc = site->ops->submit(site, ctx, &d, &id)) == HPCL_OK)
        hpcl__wire_u32(out, id);
    hpcl__wire_desc_release(&d);
    return rc;
}

static hpcl_rc put_records(void *arg, const struct hpcl__jobrec *recs,
                           size_t n)
{
    struct hpcl__wbuf *out = arg;

    hpcl__wire_u32(out, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        hpcl__wire_put_rec(out, &recs[i]);
    return HPCL_OK;
}

static hpcl_rc do_query(struct hpcl__site *site, hpcl_ctx *ctx,
                        struct hpcl__rbuf *r, struct hpcl__wbuf *out)
{
    uint32_t id = hpcl__wire_get_u32(r);
    const char *ref = hpcl__wire_get_str(r);

    if (r->bad || r->left != 0 || ref == NULL)
        return bad_request(ctx);
    return site->ops->query(site, ctx, id, ref, put_records, out);
}

static hpcl_rc do_list(struct hpcl__site *site, hpcl_ctx *ctx,
                       struct hpcl__rbuf *r, struct hpcl__wbuf *out)
{
    uint32_t n = hpcl__wire_get_u32(r), *ids;
    hpcl_rc rc;

    if (r->bad || n != r->left / 4 || r->left % 4 != 0)
        return bad_request(ctx);
    if ((ids = calloc(n + 1, sizeof *ids)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (uint32_t k = 0; k < n; k++)
        ids[k] = hpcl__wire_get_u32(r);
    rc = site->ops->list(site, ctx, ids, n, put_records, out);
    free(ids);
    return rc;
}

static hpcl_rc do_cancel(struct hpcl__site *site, hpcl_ctx *ctx,
                         struct hpcl__rbuf *r)
{
    uint32_t id = hpcl__wire_get_u32(r), task = hpcl__wire_get_u32(r);
    const char *ref = hpcl__wire_get_str(r);

    if (r->bad || r->left != 0 || ref == NULL)
        return bad_request(ctx);
    return site->ops->cancel(site, ctx, id, task, ref);
}

static hpcl_rc do_probe(struct hpcl__site *site, hpcl_ctx *ctx,
                        struct hpcl__rbuf *r, struct hpcl__wbuf *out)
{
    struct hpcl__jobdesc d;
    struct hpcl_probe p = {0};
    hpcl_rc rc;

    if (hpcl__wire_get_desc(r, &d) != 0)
        return bad_request(ctx);
    if ((rc = site->ops->probe(site, ctx, &d, &p)) == HPCL_OK) {
        /* What `sites` shows beside the REST sites' API versions; a
         * release that cannot be read costs the probe nothing. */
        p.api_version = (char *)"libslurm";
        p.slurm_release = (char *)hpcl__slurm_release(site, ctx);
        hpcl__wire_put_probe(out, &p);
    }
    hpcl__wire_desc_release(&d);
    free(p.nodelist);
    free(p.partition);
    return rc;
}

static hpcl_rc do_find_key(struct hpcl__site *site, hpcl_ctx *ctx,
                           struct hpcl__rbuf *r, struct hpcl__wbuf *out)
{
    const char *key = hpcl__wire_get_str(r);
    uint32_t id = 0;
    hpcl_rc rc;

    if (r->bad || r->left != 0 || key == NULL)
        return bad_request(ctx);
    if ((rc = site->ops->find_key(site, ctx, key, &id)) == HPCL_OK)
        hpcl__wire_u32(out, id);
    return rc;
}

static hpcl_rc dispatch(struct hpcl__site *site, hpcl_ctx *ctx,
                        const unsigned char *f, size_t len,
                        struct hpcl__wbuf *out)
{
    struct hpcl__rbuf r;

    hpcl__wire_reader(&r, f + 1, len - 1);
    switch (f[0]) {
    case HPCL__W_SUBMIT:
        return do_submit(site, ctx, &r, out);
    case HPCL__W_QUERY:
        return do_query(site, ctx, &r, out);
    case HPCL__W_CANCEL:
        return do_cancel(site, ctx, &r);
    case HPCL__W_PROBE:
        return do_probe(site, ctx, &r, out);
    case HPCL__W_FIND_KEY:
        return do_find_key(site, ctx, &r, out);
    case HPCL__W_ACCT:
        return hpcl__slurm_acct_serve(site, ctx, &r, out);
    case HPCL__W_IDENT:
        return hpcl__slurm_ident_serve(site, ctx, &r, out);
    case HPCL__W_LIST:
        return do_list(site, ctx, &r, out);
    }
    return bad_request(ctx);
}

/* Answer requests until the library closes the socket. */
static int serve(struct hpcl__site *site, hpcl_ctx *ctx, struct logs *lg)
{
    unsigned char *f;
    size_t len;

    while ((f = next_request(&len)) != NULL) {
        struct hpcl__wbuf out;
        hpcl_rc rc;
        int status;

        hpcl__wire_begin_part(&out);
        hpcl__clear_error(ctx);
        rc = dispatch(site, ctx, f, len, &out);
        free(f);
        if (out.failed && rc == HPCL_OK)
            rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory in the "
                            "libslurm helper");
        status = send_reply(ctx, lg, rc, &out);
        hpcl__wire_free(&out);
        logs_clear(lg);
        if (status != 0)
            return 1;
    }
    return 0;
}

/* --- start ----------------------------------------------------------- */

static int hello(hpcl_ctx *ctx, hpcl_rc rc)
{
    struct hpcl__wbuf b;

    hpcl__wire_begin(&b, HPCL__W_HELLO);
    hpcl__wire_u32(&b, HPCL__WIRE_VERSION);
    hpcl__wire_str(&b, HPCL_VERSION_STRING);
    hpcl__wire_u32(&b, (uint32_t)rc);
    hpcl__wire_str(&b, hpcl_ctx_errmsg(ctx));
    return send_frame(&b);
}

int main(int argc, char **argv)
{
    struct hpcl__site_conf conf = {0};
    struct hpcl__site site = {.conf = &conf, .ops = &hpcl__slurm_lib_ops};
    struct logs lg = {.n = 0};
    hpcl_ctx *ctx;
    hpcl_rc rc;
    int status;

    if (argc != 4 || fcntl(HPCL__WIRE_FD, F_GETFD) < 0) {
        fprintf(stderr, "usage: %s SITE SLURM_CONF TIMEOUT_MS (with the "
                "library's socket on fd %d): started by libhpclaunch, not "
                "by hand\n", argv[0], HPCL__WIRE_FD);
        return 2;
    }
    /* A library that went away must not kill us in the middle of a
     * write: the write fails and we end. */
    signal(SIGPIPE, SIG_IGN);
    conf.name = argv[1];
    conf.slurm_conf = argv[2];
    conf.timeout_ms = strtol(argv[3], NULL, 10);
    /* The one configuration of this process; fatal() ends it here. */
    slurm_init(argv[2]);
    if ((ctx = calloc(1, sizeof *ctx)) == NULL ||
        (site.state = hpcl__guard_new(&conf, argv[2])) == NULL)
        return 3;
    ctx->log_fn = keep_log;
    ctx->log_arg = &lg;
    rc = hpcl__guard_load(site.state, ctx);
    status = hello(ctx, rc) != 0 || rc != HPCL_OK ? 1 : serve(&site, ctx, &lg);
    hpcl__guard_free(site.state);
    logs_clear(&lg);
    free(ctx);
    return status;
}
