/*
 * The libslurm driver as the library runs it (see slurm_lib.h): every
 * operation is one request to the site's helper process, which does the
 * libslurm call, and waits for the answer at most the site's timeout.
 * libhpclaunch does not link libslurm; this file does not include it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/slurm/slurm_child.h"
#include "backend/slurm/slurm_skew.h"
#include "backend/slurm/slurm_wire.h"

#define DEFAULT_CONF "/etc/slurm/slurm.conf"

/* Smallest encoding of one job record: its strings' lengths and its
 * numbers (see slurm_wire.c). */
#define REC_MIN_BYTES (11 * 4 + 5 * 8)

struct proxy {
    const struct hpcl__site_conf *site;
    struct hpcl__slurm_child *child;
};

static const char *site_name(const struct hpcl__site *site)
{
    return site->conf->name;
}

/* --- which slurm.conf, and can it be read ---------------------------- */

static const char *conf_choice(const struct hpcl__site_conf *site,
                               const hpcl_ctx *ctx, const char **from)
{
    const char *env = getenv("SLURM_CONF");

    if (site->slurm_conf != NULL) {
        *from = "slurm_conf of site ";
        return site->slurm_conf;
    }
    if (ctx->slurm_conf != NULL) {
        *from = "set with hpcl_ctx_set_slurm_conf";
        return ctx->slurm_conf;
    }
    if (env != NULL && env[0] != '\0') {
        *from = "from $SLURM_CONF";
        return env;
    }
    *from = "the default path; $SLURM_CONF is not set";
    return DEFAULT_CONF;
}

/* A readable regular file, else HPCL_E_CONFIG -- before libslurm sees
 * it, since libslurm retries a missing file for 59 s and then exits. */
static hpcl_rc conf_resolve(const struct hpcl__site_conf *site,
                            hpcl_ctx *ctx, char **out)
{
    const char *from, *path = conf_choice(site, ctx, &from);
    char fromsite[128];
    int fd;

    if (from[strlen(from) - 1] == ' ') {
        snprintf(fromsite, sizeof fromsite, "%s%s", from, site->name);
        from = fromsite;
    }
    fd = hpcl__open_regular(path);
    if (fd == -2)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "slurm.conf '%s' (%s) is not "
                          "a regular file", path, from);
    if (fd < 0 && site->slurm_conf != NULL)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "cannot read slurm.conf "
                          "'%s' (%s): %s; fix key slurm_conf of [site %s] "
                          "(line %d of the site file)", path, from,
                          strerror(errno), site->name, site->line);
    if (fd < 0)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "cannot read slurm.conf "
                          "'%s' (%s): %s; point $SLURM_CONF or "
                          "hpcl_ctx_set_slurm_conf() at the cluster's "
                          "slurm.conf", path, from, strerror(errno));
    close(fd);
    if ((*out = realpath(path, NULL)) == NULL)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "realpath '%s': %s", path,
                          strerror(errno));
    return HPCL_OK;
}

/* --- one request ----------------------------------------------------- */

/* The helper, started when it does not run (the site's first use, or
 * after it was stopped). */
static hpcl_rc ensure(struct proxy *p, hpcl_ctx *ctx, double end)
{
    char *conf = NULL;
    hpcl_rc rc;

    if (hpcl__child_ready(p->child, ctx))
        return HPCL_OK;
    if ((rc = conf_resolve(p->site, ctx, &conf)) == HPCL_OK)
        rc = hpcl__child_start(p->child, ctx, conf, end);
    free(conf);
    return rc;
}

static hpcl_rc malformed(const struct hpcl__site *site, hpcl_ctx *ctx,
                         int changes)
{
    return hpcl__fail(ctx, changes ? HPCL_E_AMBIGUOUS : HPCL_E_SLURM,
                      "site %s: the libslurm helper's reply could not be "
                      "read%s", site_name(site),
                      changes ? "; the request may or may not have been "
                                "done"
                              : "");
}

/* A failed request's message.  libslurm's own log lines of the request
 * (read from the helper's stderr, never shown) add what its error number
 * does not say; one that reports a controller of another Slurm release
 * replaces the message, which is then mostly "Unspecified error". */
static hpcl_rc request_failed(const struct hpcl__site *site, hpcl_ctx *ctx,
                              hpcl_rc rc, const char *msg)
{
    const struct proxy *p = site->state;
    const char *line, *said = hpcl__child_said(p->child);
    unsigned skew = hpcl__child_skew(p->child, &line);

    if (msg == NULL)
        msg = hpcl_strerror(rc);
    if (skew != 0)
        return hpcl__slurm_skew_fail(ctx, site_name(site), skew, line);
    if (said[0] != '\0')
        return hpcl__fail(ctx, rc, "%s; libslurm logged \"%s\"", msg, said);
    return hpcl__fail(ctx, rc, "%s", msg);
}

/* The reply's head: the helper's verdict, its message and the log lines
 * of the request, replayed into ctx's log. */
static hpcl_rc reply_head(const struct hpcl__site *site, hpcl_ctx *ctx,
                          struct hpcl__rbuf *r, int changes)
{
    hpcl_rc rc = (hpcl_rc)hpcl__wire_get_u32(r);
    const char *msg = hpcl__wire_get_str(r);
    uint32_t n = hpcl__wire_get_u32(r);

    for (uint32_t i = 0; i < n && !r->bad; i++) {
        hpcl_log_level level = (hpcl_log_level)hpcl__wire_get_u32(r);
        const char *line = hpcl__wire_get_str(r);

        if (line != NULL)
            hpcl__log(ctx, level, "%s", line);
    }
    if (r->bad)
        return malformed(site, ctx, changes);
    if (rc != HPCL_OK)
        return request_failed(site, ctx, rc, msg);
    return HPCL_OK;
}

/* Send req (freed here) and read the reply's head; on HPCL_OK r reads
 * the rest of *frame, which the caller frees.  Everything, starting the
 * helper included, ends by the site's timeout from now. */
static hpcl_rc ask(struct hpcl__site *site, hpcl_ctx *ctx,
                   struct hpcl__wbuf *req, int changes, const char *what,
                   unsigned char **frame, struct hpcl__rbuf *r)
{
    struct proxy *p = site->state;
    double end = hpcl__now() + (double)site->conf->timeout_ms / 1000.0;
    size_t len = 0;
    hpcl_rc rc;

    *frame = NULL;
    if (hpcl__wire_end(req) != 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if ((rc = ensure(p, ctx, end)) == HPCL_OK)
        rc = hpcl__child_call(p->child, ctx, req, changes, what, end, frame,
                              &len);
    /* A helper killed while idle is found dead only by the next request;
     * a read, which changes nothing, is asked once more of a new one. */
    if (rc == HPCL_E_SLURM && !changes && hpcl__child_ended(p->child) &&
        hpcl__now() < end && (rc = ensure(p, ctx, end)) == HPCL_OK)
        rc = hpcl__child_call(p->child, ctx, req, changes, what, end, frame,
                              &len);
    hpcl__wire_free(req);
    if (rc != HPCL_OK)
        return rc;
    hpcl__wire_reader(r, *frame, len);
    if ((rc = reply_head(site, ctx, r, changes)) != HPCL_OK) {
        free(*frame);
        *frame = NULL;
    }
    return rc;
}

/* The end of a reply read: nothing left over, nothing missing. */
static hpcl_rc finish(const struct hpcl__site *site, hpcl_ctx *ctx,
                      unsigned char *frame, const struct hpcl__rbuf *r,
                      int changes)
{
    int bad = r->bad || r->left != 0;

    free(frame);
    return bad ? malformed(site, ctx, changes) : HPCL_OK;
}

/* --- the operations -------------------------------------------------- */

static hpcl_rc proxy_submit(struct hpcl__site *site, hpcl_ctx *ctx,
                            const struct hpcl__jobdesc *d, uint32_t *id)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    char what[128];
    hpcl_rc rc;

    snprintf(what, sizeof what, "the submission of job '%.80s'",
             d->name != NULL ? d->name : "");
    hpcl__wire_begin(&req, HPCL__W_SUBMIT);
    hpcl__wire_put_desc(&req, d);
    if ((rc = ask(site, ctx, &req, 1, what, &frame, &r)) != HPCL_OK)
        return rc;
    *id = hpcl__wire_get_u32(&r);
    if ((rc = finish(site, ctx, frame, &r, 1)) == HPCL_OK && *id == 0)
        return malformed(site, ctx, 1); /* "done" without an id */
    return rc;
}

/* The records of a query, handed to fn. */
static hpcl_rc take_records(const struct hpcl__site *site, hpcl_ctx *ctx,
                            struct hpcl__rbuf *r, hpcl__jobrec_fn fn,
                            void *arg)
{
    uint32_t n = hpcl__wire_get_u32(r);
    struct hpcl__jobrec *recs;
    hpcl_rc rc;

    if (r->bad || n > r->left / REC_MIN_BYTES)
        return malformed(site, ctx, 0);
    if (n == 0)
        return fn(arg, NULL, 0);
    if ((recs = calloc(n, sizeof *recs)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++)
        hpcl__wire_get_rec(r, &recs[i]);
    rc = r->bad || r->left != 0 ? malformed(site, ctx, 0)
                                : fn(arg, recs, n);
    free(recs);
    return rc;
}

static hpcl_rc proxy_query(struct hpcl__site *site, hpcl_ctx *ctx,
                           uint32_t id, const char *ref, hpcl__jobrec_fn fn,
                           void *arg)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    char what[HPCL__REF_MAX + 32];
    hpcl_rc rc;

    snprintf(what, sizeof what, "the query of job %s", ref);
    hpcl__wire_begin(&req, HPCL__W_QUERY);
    hpcl__wire_u32(&req, id);
    hpcl__wire_str(&req, ref);
    if ((rc = ask(site, ctx, &req, 0, what, &frame, &r)) != HPCL_OK)
        return rc;
    rc = take_records(site, ctx, &r, fn, arg);
    free(frame);
    return rc;
}

static hpcl_rc proxy_list(struct hpcl__site *site, hpcl_ctx *ctx,
                          const uint32_t *ids, size_t nids,
                          hpcl__jobrec_fn fn, void *arg)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    hpcl_rc rc;

    if (nids > UINT32_MAX / 4)
        return hpcl__fail(ctx, HPCL_E_INVAL, "site %s: %zu jobs are too "
                          "many for one listing", site->conf->name, nids);
    hpcl__wire_begin(&req, HPCL__W_LIST);
    hpcl__wire_u32(&req, (uint32_t)nids);
    for (size_t k = 0; k < nids; k++)
        hpcl__wire_u32(&req, ids[k]);
    if ((rc = ask(site, ctx, &req, 0, "the list of the user's jobs", &frame,
                  &r)) != HPCL_OK)
        return rc;
    rc = take_records(site, ctx, &r, fn, arg);
    free(frame);
    return rc;
}

static hpcl_rc proxy_cancel(struct hpcl__site *site, hpcl_ctx *ctx,
                            uint32_t id, uint32_t task, const char *ref)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    char what[HPCL__REF_MAX + 32];
    hpcl_rc rc;

    snprintf(what, sizeof what, "the cancel of job %s", ref);
    hpcl__wire_begin(&req, HPCL__W_CANCEL);
    hpcl__wire_u32(&req, id);
    hpcl__wire_u32(&req, task);
    hpcl__wire_str(&req, ref);
    if ((rc = ask(site, ctx, &req, 1, what, &frame, &r)) != HPCL_OK)
        return rc;
    return finish(site, ctx, frame, &r, 1);
}

static hpcl_rc proxy_probe(struct hpcl__site *site, hpcl_ctx *ctx,
                           const struct hpcl__jobdesc *d,
                           struct hpcl_probe *probe)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    hpcl_rc rc;

    hpcl__wire_begin(&req, HPCL__W_PROBE);
    hpcl__wire_put_desc(&req, d);
    if ((rc = ask(site, ctx, &req, 0, "the probe (will-run and queue)",
                  &frame, &r)) != HPCL_OK)
        return rc;
    if (hpcl__wire_get_probe(&r, probe) != 0 && !r.bad) {
        free(frame);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return finish(site, ctx, frame, &r, 0);
}

static hpcl_rc proxy_find_key(struct hpcl__site *site, hpcl_ctx *ctx,
                              const char *key, uint32_t *id)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    hpcl_rc rc;

    hpcl__wire_begin(&req, HPCL__W_FIND_KEY);
    hpcl__wire_str(&req, key);
    if ((rc = ask(site, ctx, &req, 0, "the search for a job by its key",
                  &frame, &r)) != HPCL_OK)
        return rc;
    *id = hpcl__wire_get_u32(&r);
    return finish(site, ctx, frame, &r, 0);
}

static hpcl_rc proxy_acct(struct hpcl__site *site, hpcl_ctx *ctx,
                          uint32_t id, const char *key, struct hpcl__acct *a)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    hpcl_rc rc;

    memset(a, 0, sizeof *a);
    a->exit_code = -1;
    if (site->conf->accounting == HPCL__ACCT_NO)
        return HPCL_OK; /* the helper need not even start */
    hpcl__wire_begin(&req, HPCL__W_ACCT);
    hpcl__wire_u32(&req, id);
    hpcl__wire_u32(&req, (uint32_t)site->conf->accounting);
    hpcl__wire_str(&req, key);
    if ((rc = ask(site, ctx, &req, 0, "the accounting query", &frame,
                  &r)) != HPCL_OK)
        return rc;
    hpcl__wire_get_acct(&r, a);
    return finish(site, ctx, frame, &r, 0);
}

static hpcl_rc proxy_identity(struct hpcl__site *site, hpcl_ctx *ctx,
                              char *out, size_t len)
{
    struct hpcl__wbuf req;
    struct hpcl__rbuf r;
    unsigned char *frame;
    const char *ident;
    hpcl_rc rc;

    hpcl__wire_begin(&req, HPCL__W_IDENT);
    if ((rc = ask(site, ctx, &req, 0, "the cluster's name", &frame, &r)) !=
        HPCL_OK)
        return rc;
    ident = hpcl__wire_get_str(&r);
    snprintf(out, len, "%s", ident != NULL ? ident : "");
    return finish(site, ctx, frame, &r, 0);
}

/* --- the driver ------------------------------------------------------ */

static void proxy_close(struct hpcl__site *site)
{
    struct proxy *p = site->state;

    if (p != NULL)
        hpcl__child_free(p->child);
    free(p);
    site->state = NULL;
}

static const struct hpcl__backend_ops proxy_ops = {
    .driver = "slurm",
    .submit = proxy_submit,
    .query = proxy_query,
    .list = proxy_list,
    .cancel = proxy_cancel,
    .probe = proxy_probe,
    .find_key = proxy_find_key,
    .acct = proxy_acct,
    .identity = proxy_identity,
    .close = proxy_close,
};

hpcl_rc hpcl__slurm_site_open(struct hpcl__site *site, hpcl_ctx *ctx)
{
    struct proxy *p = calloc(1, sizeof *p);

    /* Nothing is started yet: the helper starts at the first request, so
     * a site that is never used costs nothing. */
    if (p == NULL || (p->child = hpcl__child_new(site->conf)) == NULL) {
        free(p);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    p->site = site->conf;
    site->state = p;
    site->ops = &proxy_ops;
    return HPCL_OK;
}
