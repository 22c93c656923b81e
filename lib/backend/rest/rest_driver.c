/*
 * The slurmrestd driver: the operations of struct hpcl__backend_ops over
 * HTTP, for every API version the driver speaks (rest.h).  What the
 * answers mean is in rest_answer.c; which version a site speaks, in
 * rest_version.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/rest/rest.h"

static int answer_ok(const struct hpcl__rest_answer *a)
{
    return a->reply.status == 200 && a->root != NULL;
}

static const char *part_name(const struct hpcl__site *site,
                             const struct hpcl__jobdesc *d)
{
    return d->partition ? d->partition
                        : site->conf->partition ? site->conf->partition
                                                : "(default)";
}

/* --- cancel ------------------------------------------------------------- */

static hpcl_rc not_found(hpcl_ctx *ctx, const char *ref)
{
    return hpcl__fail(ctx, HPCL_E_NOJOB, "job %s not found (it may have "
                      "ended more than MinJobAge ago)", ref);
}

/* v0.0.4x: DELETE /jobs/ answers 200 whatever happened; its status[]
 * says, per job, what did (v0.0.40 and 41 give nothing at all for
 * DELETE /job/{id}, so that is not used).  2021: already ending. */
static hpcl_rc cancel_status(struct hpcl__rest *r, hpcl_ctx *ctx,
                             const struct hpcl__rest_req *req,
                             const json_t *root, const char *ref)
{
    const json_t *st;
    size_t i;

    json_array_foreach(json_object_get(root, "status"), i, st) {
        const json_t *e = json_object_get(st, "error");
        long code = (long)hpcl__json_int(e, "code", 0);
        const char *text = hpcl__json_str(e, "string");
        char buf[200];

        if (code == 0 || code == HPCL__SE_ALREADY_DONE)
            continue;
        if (code == HPCL__SE_INVALID_JOB_ID)
            return not_found(ctx, ref);
        return hpcl__rest_slurm_fail(r, ctx, req, code,
                                     hpcl__rest_quote(r, text ? text : "",
                                                      buf, sizeof buf));
    }
    return HPCL_OK;
}

/* Cancel job id (task: one array task), named ref in messages. */
static hpcl_rc cancel_job(struct hpcl__site *site, hpcl_ctx *ctx,
                          uint32_t id, uint32_t task, const char *ref)
{
    struct hpcl__rest *r = site->state;
    char path[48], what[HPCL__REF_MAX + 32], jid[32], body[64];
    struct hpcl__rest_req req = {"DELETE", path, NULL, 1, what,
                                 "the job may have been cancelled", 0};
    struct hpcl__rest_answer a;
    const char *text;
    long code;
    hpcl_rc rc;

    if ((rc = hpcl__rest_negotiate(r, ctx)) != HPCL_OK)
        return rc;
    /* An array task is "<id>_<task>", as for scancel. */
    if (task == HPCL__NO_TASK)
        snprintf(jid, sizeof jid, "%" PRIu32, id);
    else
        snprintf(jid, sizeof jid, "%" PRIu32 "_%" PRIu32, id, task);
    snprintf(what, sizeof what, "the cancel of job %s", ref);
    if (hpcl__rest_api(r) == HPCL__API_V38) {
        snprintf(path, sizeof path, "/job/%s", jid);
    } else {
        snprintf(path, sizeof path, "/jobs/");
        snprintf(body, sizeof body, "{\"jobs\":[\"%s\"]}", jid);
        req.body = body;
    }
    if ((rc = hpcl__rest_ask(r, ctx, &req, &a)) != HPCL_OK)
        goto out;
    code = hpcl__rest_answer_code(&a, &text);
    if (hpcl__rest_api(r) != HPCL__API_V38 && answer_ok(&a))
        rc = cancel_status(r, ctx, &req, a.root, ref);
    /* v0.0.38: 200 also for a job that has ended: what was asked. */
    else if (a.reply.status == 200 || code == HPCL__SE_ALREADY_DONE)
        rc = HPCL_OK;
    else if (code == HPCL__SE_INVALID_JOB_ID)
        rc = not_found(ctx, ref);
    else
        rc = hpcl__rest_answer_fail(r, ctx, &req, &a);
out:
    hpcl__rest_answer_free(&a);
    return rc;
}

static hpcl_rc rest_cancel(struct hpcl__site *site, hpcl_ctx *ctx,
                           uint32_t id, uint32_t task, const char *ref)
{
    return cancel_job(site, ctx, id, task, ref);
}

/* --- submit ------------------------------------------------------------- */

/* Cancel job id, which must not stay; the outcome as words for the
 * caller's message (which replaces the cancel's). */
static const char *withdraw(struct hpcl__site *site, hpcl_ctx *ctx,
                            uint32_t id)
{
    char ref[HPCL__REF_MAX];

    snprintf(ref, sizeof ref, "%s:%" PRIu32, site->conf->name, id);
    if (cancel_job(site, ctx, id, HPCL__NO_TASK, ref) == HPCL_OK)
        return "hpclaunch cancelled it";
    return "cancel it with scancel";
}

/* A job that can never start (more nodes than the partition has) would
 * pend forever; sbatch only warns, hpclaunch cancels it and fails, as
 * the libslurm backend does.  (v0.0.4x refuses such a job: 500, 2014,
 * no job_id; see rest_submit.) */
static hpcl_rc never_starts(struct hpcl__site *site, hpcl_ctx *ctx,
                            const struct hpcl__jobdesc *d, uint32_t id,
                            const char *text)
{
    const char *name = site->conf->name, *done = withdraw(site, ctx, id);

    return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: %s: job %s:%" PRIu32
                      " could never start (it asks for more nodes or "
                      "resources than partition '%s' on site %s has); %s",
                      name, text, name, id, part_name(site, d), name, done);
}

/*
 * slurmrestd dropped or converted a field of the request (warnings[]):
 * the job exists but is not what was asked (no GPUs, not exclusive...).
 * That is an error, not a warning: hpclaunch cancels the job so that the
 * caller may submit it elsewhere.  Only when the cancel fails is the job
 * kept (it exists, once; a second submission elsewhere could run it
 * twice), with a warning.
 */
static hpcl_rc dropped_fields(struct hpcl__site *site, hpcl_ctx *ctx,
                              uint32_t id, const char *what, uint32_t *out)
{
    struct hpcl__rest *r = site->state;
    const char *name = site->conf->name, *done = withdraw(site, ctx, id);

    if (strcmp(done, "hpclaunch cancelled it") != 0) {
        hpcl__log(ctx, HPCL_LOG_WARN, "site %s: job %s:%" PRIu32 " is not "
                  "what was asked: slurmrestd (%s) says \"%s\"; the cancel "
                  "failed, so it is kept", name, name, id,
                  hpcl__rest_api_name(hpcl__rest_api(r)), what);
        *out = id;
        return HPCL_OK;
    }
    return hpcl__fail(ctx, HPCL_E_REST, "site %s: slurmrestd (%s) dropped "
                      "part of the job: \"%s\"; job %s:%" PRIu32 " would not "
                      "be what was asked, and %s (set api_version in [site "
                      "%s] if the site's slurmrestd is newer than hpclaunch "
                      "knows)", name, hpcl__rest_api_name(hpcl__rest_api(r)),
                      what, name, id, done, name);
}

/* A job_id means the job exists, even with errors beside it (v0.0.38: a
 * held job gives 2042, more nodes than the partition has 2015; v0.0.41
 * gave 500 with 9207 and a job_id). */
static hpcl_rc submit_answer(struct hpcl__site *site, hpcl_ctx *ctx,
                             const struct hpcl__jobdesc *d,
                             const struct hpcl__rest_answer *a, uint32_t *id)
{
    uint32_t jid = (uint32_t)hpcl__json_int(a->root, "job_id", 0);
    const char *text, *msg = hpcl__json_str(a->root, "job_submit_user_msg");
    long code = hpcl__rest_answer_code(a, &text);
    char buf[200], dropped[400];

    text = hpcl__rest_quote(site->state, text, buf, sizeof buf);
    if (msg != NULL)
        hpcl__log(ctx, HPCL_LOG_INFO, "site %s: slurmctld: %s",
                  site->conf->name, msg);
    if (code == HPCL__SE_PART_CONFIG_UNAVAILABLE ||
        code == HPCL__SE_NODE_CONFIG_UNAVAILABLE)
        return never_starts(site, ctx, d, jid, text);
    if (hpcl__rest_warnings(ctx, site->conf->name, a->root, dropped,
                            sizeof dropped) > 0)
        return dropped_fields(site, ctx, jid,
                              hpcl__rest_quote(site->state, dropped, dropped,
                                               sizeof dropped),
                              id);
    /* Other codes are warnings on a job that will run (2042: held). */
    if (code != 0 && code != HPCL__SE_JOB_HELD)
        hpcl__log(ctx, HPCL_LOG_WARN, "site %s: job %" PRIu32 ": %s (error "
                  "%ld)", site->conf->name, jid, text, code);
    *id = jid;
    return HPCL_OK;
}

/* No job_id: refused.  v0.0.4x refuses a job that could never start
 * (500, 2014), leaving a FAILED record, nothing to cancel. */
static hpcl_rc submit_refused(struct hpcl__site *site, hpcl_ctx *ctx,
                              const struct hpcl__rest_req *req,
                              const struct hpcl__jobdesc *d,
                              const struct hpcl__rest_answer *a)
{
    const char *text;
    long code = hpcl__rest_answer_code(a, &text);
    char buf[200];

    if (a->root != NULL && (code == HPCL__SE_NODE_CONFIG_UNAVAILABLE ||
                            code == HPCL__SE_PART_CONFIG_UNAVAILABLE))
        return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: %s: %s (error %ld): "
                          "the job could never start there (it asks for more "
                          "nodes or resources than partition '%s' has)",
                          site->conf->name, req->what,
                          hpcl__rest_quote(site->state, text, buf,
                                           sizeof buf),
                          code, part_name(site, d));
    return hpcl__rest_answer_fail(site->state, ctx, req, a);
}

static hpcl_rc rest_submit(struct hpcl__site *site, hpcl_ctx *ctx,
                           const struct hpcl__jobdesc *desc, uint32_t *id)
{
    struct hpcl__rest *r = site->state;
    char what[160];
    struct hpcl__rest_req req = {
        "POST", "/job/submit", NULL, 1, what,
        "the job may exist (look it up by key)", 0};
    struct hpcl__rest_answer a = {{0}, NULL};
    char *body = NULL;
    hpcl_rc rc;

    /* The body depends on the version: choose it first. */
    if ((rc = hpcl__rest_negotiate(r, ctx)) != HPCL_OK ||
        (rc = hpcl__rest_submit_json(&body, ctx, site->conf,
                                     hpcl__rest_api(r), desc)) != HPCL_OK)
        return rc;
    snprintf(what, sizeof what, "the submit of job '%.60s' to partition "
             "'%.40s'", desc->name ? desc->name : "", part_name(site, desc));
    req.body = body;
    if ((rc = hpcl__rest_ask(r, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (a.root != NULL && hpcl__json_int(a.root, "job_id", 0) > 0)
        rc = submit_answer(site, ctx, desc, &a, id);
    else
        rc = submit_refused(site, ctx, &req, desc, &a);
out:
    hpcl__rest_answer_free(&a);
    free(body);
    return rc;
}

/* --- query ------------------------------------------------------------- */

static hpcl_rc deliver(hpcl_ctx *ctx, const json_t *jobs, hpcl__jobrec_fn fn,
                       void *arg)
{
    size_t n = json_array_size(jobs), i;
    struct hpcl__jobrec *recs;
    const json_t *j;
    hpcl_rc rc;

    if (n == 0)
        return fn(arg, NULL, 0);
    if ((recs = calloc(n, sizeof *recs)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    json_array_foreach(jobs, i, j)
        hpcl__rest_jobrec(&recs[i], j);
    rc = fn(arg, recs, n);
    free(recs);
    return rc;
}

static hpcl_rc rest_query(struct hpcl__site *site, hpcl_ctx *ctx,
                          uint32_t id, const char *ref, hpcl__jobrec_fn fn,
                          void *arg)
{
    char path[32], what[HPCL__REF_MAX + 32];
    struct hpcl__rest_req req = {"GET", path, NULL, 0, what, "", 0};
    struct hpcl__rest_answer a = {{0}, NULL};
    const char *text;
    hpcl_rc rc;

    snprintf(path, sizeof path, "/job/%" PRIu32, id);
    snprintf(what, sizeof what, "the query of job %s", ref);
    if ((rc = hpcl__rest_ask(site->state, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (answer_ok(&a))
        rc = deliver(ctx, json_object_get(a.root, "jobs"), fn, arg);
    /* v0.0.38: 500, v0.0.4x: 404; both with 2017. */
    else if (hpcl__rest_answer_code(&a, &text) == HPCL__SE_INVALID_JOB_ID)
        rc = not_found(ctx, ref);
    else
        rc = hpcl__rest_answer_fail(site->state, ctx, &req, &a);
out:
    hpcl__rest_answer_free(&a);
    return rc;
}

/* Every job the site knows, in one GET /jobs: the caller picks its own
 * by id and key (hpclaunch jobs asks once per site, not once per job). */
static hpcl_rc rest_list(struct hpcl__site *site, hpcl_ctx *ctx,
                         hpcl__jobrec_fn fn, void *arg)
{
    struct hpcl__rest_req req = {"GET", "/jobs", NULL, 0,
                                 "the list of jobs", "", 0};
    struct hpcl__rest_answer a = {{0}, NULL};
    hpcl_rc rc;

    if ((rc = hpcl__rest_ask(site->state, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (answer_ok(&a))
        rc = deliver(ctx, json_object_get(a.root, "jobs"), fn, arg);
    else
        rc = hpcl__rest_answer_fail(site->state, ctx, &req, &a);
out:
    hpcl__rest_answer_free(&a);
    return rc;
}

/* --- find_key and probe -------------------------------------------------- */

static hpcl_rc rest_find_key(struct hpcl__site *site, hpcl_ctx *ctx,
                             const char *key, uint32_t *id)
{
    struct hpcl__rest_req req = {"GET", "/jobs", NULL, 0,
                                 "the list of jobs", "", 0};
    struct hpcl__rest_answer a = {{0}, NULL};
    hpcl_rc rc;

    if ((rc = hpcl__rest_ask(site->state, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (!answer_ok(&a))
        rc = hpcl__rest_answer_fail(site->state, ctx, &req, &a);
    else if (!hpcl__rest_find_key(json_object_get(a.root, "jobs"), key, id))
        rc = hpcl__fail(ctx, HPCL_E_NOJOB, "site %s: no job carries key %s "
                        "(never created, or ended more than MinJobAge ago)",
                        site->conf->name, key);
out:
    hpcl__rest_answer_free(&a);
    return rc;
}

/* The version and release, for sites and --explain: also when the probe
 * fails, as long as they are known. */
static void probe_server(const struct hpcl__rest *r, struct hpcl_probe *p)
{
    enum hpcl__rest_api api = hpcl__rest_api(r);
    const char *rel = hpcl__rest_release(r);

    free(p->api_version);
    free(p->slurm_release);
    p->api_version = api != HPCL__API_AUTO
                         ? strdup(hpcl__rest_api_name(api)) : NULL;
    p->slurm_release = rel != NULL ? strdup(rel) : NULL;
}

/* One GET of a probe into a; what names it in messages. */
static hpcl_rc probe_get(struct hpcl__site *site, hpcl_ctx *ctx,
                         const char *path, const char *what,
                         struct hpcl__rest_answer *a)
{
    struct hpcl__rest_req req = {"GET", path, NULL, 0, what, "", 0};
    hpcl_rc rc = hpcl__rest_ask(site->state, ctx, &req, a);

    if (rc == HPCL_OK && !answer_ok(a))
        rc = hpcl__rest_answer_fail(site->state, ctx, &req, a);
    return rc;
}

/* Reads over the kept connection whose size follows the cluster, not the
 * queue: partitions, nodes, /diag (the pending count); /jobs only when
 * the estimate needs it (rest_probe.c says when).  /diag is optional: a
 * site that refuses it to us is probed from /jobs as before. */
static hpcl_rc rest_probe(struct hpcl__site *site, hpcl_ctx *ctx,
                          const struct hpcl__jobdesc *desc,
                          struct hpcl_probe *probe)
{
    struct hpcl__rest_answer parts = {{0}, NULL}, nodes = {{0}, NULL};
    struct hpcl__rest_answer diag = {{0}, NULL}, jobs = {{0}, NULL};
    struct hpcl__rest_view view = {NULL, NULL, NULL, NULL};
    const char *part = desc->partition ? desc->partition
                                       : site->conf->partition;
    int need = 0;
    hpcl_rc rc;

    if ((rc = probe_get(site, ctx, "/partitions", "the list of partitions",
                        &parts)) == HPCL_OK &&
        (rc = probe_get(site, ctx, "/nodes", "the list of nodes",
                        &nodes)) == HPCL_OK) {
        view.partitions = parts.root;
        view.nodes = nodes.root;
        if (probe_get(site, ctx, "/diag", "the controller's statistics",
                      &diag) == HPCL_OK)
            view.diag = diag.root;
        else {
            hpcl__log(ctx, HPCL_LOG_DEBUG, "site %s: %s; counting pending "
                      "jobs from /jobs", site->conf->name,
                      hpcl_ctx_errmsg(ctx));
            hpcl__clear_error(ctx);
        }
        rc = hpcl__rest_estimate(ctx, site->conf->name, &view, desc, part,
                                 time(NULL), probe, &need);
    }
    if (rc == HPCL_OK && need &&
        (rc = probe_get(site, ctx, "/jobs", "the list of jobs", &jobs)) ==
            HPCL_OK) {
        view.jobs = jobs.root;
        rc = hpcl__rest_estimate(ctx, site->conf->name, &view, desc, part,
                                 time(NULL), probe, &need);
    }
    probe_server(site->state, probe);
    hpcl__rest_answer_free(&parts);
    hpcl__rest_answer_free(&nodes);
    hpcl__rest_answer_free(&diag);
    hpcl__rest_answer_free(&jobs);
    return rc;
}

/* --- the driver ---------------------------------------------------------- */

static void rest_close(struct hpcl__site *site)
{
    hpcl__rest_free(site->state);
    site->state = NULL;
}

static const struct hpcl__backend_ops g_rest_ops = {
    .driver = "slurmrestd",
    .submit = rest_submit,
    .query = rest_query,
    .list = rest_list,
    .cancel = rest_cancel,
    .probe = rest_probe,
    .find_key = rest_find_key,
    .acct = hpcl__rest_acct,
    .identity = hpcl__rest_identity,
    .close = rest_close,
};

hpcl_rc hpcl__rest_site_open(struct hpcl__site *site, hpcl_ctx *ctx)
{
    const struct hpcl__site_conf *conf = site->conf;
    struct hpcl__rest *r;
    hpcl_rc rc;

    if (conf == NULL || conf->url == NULL)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: a slurmrestd site "
                          "needs a url", conf && conf->name ? conf->name
                                                            : "?");
    if ((rc = hpcl__rest_new(&r, ctx, conf)) != HPCL_OK)
        return rc;
    site->ops = &g_rest_ops;
    site->state = r;
    return HPCL_OK;
}
