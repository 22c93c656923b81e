/*
 * The slurmrestd driver: the operations of struct hpcl__backend_ops over
 * HTTP, for every API version the driver speaks (rest.h).  What the
 * answers mean is in rest_answer.c; which version a site speaks, in
 * rest_version.c.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
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
                             const struct hpcl__rest_answer *a, uint32_t jid,
                             uint32_t *id)
{
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
    char *body = NULL, why[200];
    uint32_t jid = 0;
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
    switch (hpcl__rest_submit_verdict(r, &a, &jid, why, sizeof why)) {
    case HPCL__REST_CREATED:
        rc = submit_answer(site, ctx, desc, &a, jid, id);
        break;
    case HPCL__REST_REFUSED:
        rc = submit_refused(site, ctx, &req, desc, &a);
        break;
    default:
        rc = hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "site %s: slurmrestd's answer "
                        "to %s (HTTP %ld) %s, which proves neither that the "
                        "job was created nor that it was not; %s",
                        site->conf->name, what, a.reply.status, why,
                        req.maybe);
    }
out:
    hpcl__rest_answer_free(&a);
    free(body);
    return rc;
}

/* --- query ------------------------------------------------------------- */

/* A record whose id is out of range is refused whole: read as 32 bits it
 * would name another job. */
static hpcl_rc deliver(struct hpcl__site *site, hpcl_ctx *ctx,
                       const json_t *jobs, hpcl__jobrec_fn fn, void *arg)
{
    size_t n = json_array_size(jobs), i;
    struct hpcl__jobrec *recs;
    const json_t *j;
    const char *bad;
    hpcl_rc rc;

    if (n == 0)
        return fn(arg, NULL, 0);
    if ((recs = calloc(n, sizeof *recs)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    json_array_foreach(jobs, i, j) {
        if ((bad = hpcl__rest_jobrec(&recs[i], j)) != NULL) {
            free(recs);
            return hpcl__fail(ctx, HPCL_E_REST, "site %s: slurmrestd sent a "
                              "job record whose %s is not a job id (an "
                              "integer from 0 to 4294967293): the reply is "
                              "not used; check the site's slurmrestd",
                              site->conf->name, bad);
        }
    }
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
        rc = deliver(site, ctx, json_object_get(a.root, "jobs"), fn, arg);
    /* v0.0.38: 500, v0.0.4x: 404; both with 2017. */
    else if (hpcl__rest_answer_code(&a, &text) == HPCL__SE_INVALID_JOB_ID)
        rc = not_found(ctx, ref);
    else
        rc = hpcl__rest_answer_fail(site->state, ctx, &req, &a);
out:
    hpcl__rest_answer_free(&a);
    return rc;
}

/* Pending and running jobs in a /diag answer; -1 when it has none. */
static long long queue_of(const json_t *diag)
{
    const json_t *st = json_object_get(diag, "statistics");

    if (json_object_get(st, "jobs_pending") == NULL ||
        json_object_get(st, "jobs_running") == NULL)
        return -1;
    return hpcl__json_int(st, "jobs_pending", 0) +
           hpcl__json_int(st, "jobs_running", 0);
}

/* The queue's length by /diag (pending and running jobs); -1 when the
 * site does not serve it. */
static long long queue_length(struct hpcl__site *site, hpcl_ctx *ctx)
{
    struct hpcl__rest_req req = {"GET", "/diag", NULL, 0,
                                 "the controller's statistics", "", 0};
    struct hpcl__rest_answer a = {{0}, NULL};
    long long n = -1;

    if (hpcl__rest_ask(site->state, ctx, &req, &a) == HPCL_OK &&
        answer_ok(&a))
        n = queue_of(a.root);
    hpcl__rest_answer_free(&a);
    hpcl__clear_error(ctx);
    return n;
}

/*
 * The wanted jobs: one GET /job/ID each over the kept connection (about
 * 2 ms), or one GET /jobs of the whole site, whose cost follows the
 * queue (slurmrestd needs 18-40 s to write /jobs at 50,000 jobs, 160 MB;
 * issue 11) -- whichever is cheaper for this queue: /jobs only when the
 * wanted jobs are at least a REST_LIST_SHARE-th of it, by /diag's
 * counts.  v0.0.38-42 take one id per /job/ID (v0.0.41's /jobs/state
 * takes many, but has no comment, so no key to check).  Many GETs go
 * over up to REST_LIST_CONNS connections at once, REST_LIST_PER_CONN
 * jobs or more each: slurmrestd answers them in parallel threads.
 */
#define REST_LIST_SHARE 8
#define REST_LIST_CONNS 4
#define REST_LIST_PER_CONN 32

/* A share of the GETs: answers [from, to) of ids, over r. */
struct share {
    struct hpcl__rest *r;
    hpcl_ctx *ctx;
    hpcl_ctx own_ctx; /* a worker's: its error stays its own */
    const uint32_t *ids;
    struct hpcl__rest_answer *a;
    size_t from, to;
    hpcl_rc rc;
    pthread_t thread;
};

/* GET /job/ID for each id of the share; a job the controller forgot is
 * an empty answer, any other failure ends the share. */
static hpcl_rc ask_share(struct share *sh)
{
    char path[32], what[64];
    struct hpcl__rest_req req = {"GET", path, NULL, 0, what, "", 0};
    const char *text;

    for (size_t k = sh->from; k < sh->to; k++) {
        hpcl_rc rc;

        snprintf(path, sizeof path, "/job/%" PRIu32, sh->ids[k]);
        snprintf(what, sizeof what, "the query of job %" PRIu32, sh->ids[k]);
        if ((rc = hpcl__rest_ask(sh->r, sh->ctx, &req, &sh->a[k])) != HPCL_OK)
            return rc;
        if (answer_ok(&sh->a[k]))
            continue;
        /* v0.0.38: 500, v0.0.4x: 404; both with 2017: forgotten. */
        if (hpcl__rest_answer_code(&sh->a[k], &text) !=
            HPCL__SE_INVALID_JOB_ID)
            return hpcl__rest_answer_fail(sh->r, sh->ctx, &req, &sh->a[k]);
        hpcl__rest_answer_free(&sh->a[k]);
    }
    return HPCL_OK;
}

static void *share_thread(void *arg)
{
    struct share *sh = arg;

    sh->rc = ask_share(sh);
    return NULL;
}

/* The GETs of ids, split over the site's connection and up to
 * REST_LIST_CONNS - 1 more, made here: n is 1 when none could be. */
static hpcl_rc ask_each(struct hpcl__site *site, hpcl_ctx *ctx,
                        const uint32_t *ids, size_t nids,
                        struct hpcl__rest_answer *a)
{
    struct share sh[REST_LIST_CONNS];
    size_t n = nids / REST_LIST_PER_CONN, started = 0;
    hpcl_rc rc;

    n = n < 1 ? 1 : n > REST_LIST_CONNS ? REST_LIST_CONNS : n;
    for (size_t i = 0; i < n; i++) {
        sh[i] = (struct share){.r = site->state, .ctx = ctx, .ids = ids,
                               .a = a};
        if (i == 0)
            continue;
        sh[i].own_ctx = *ctx; /* the settings, not the error */
        sh[i].own_ctx.errmsg[0] = '\0';
        sh[i].own_ctx.log_fn = NULL; /* a caller's logger is not ours to
                                      * call from another thread */
        sh[i].ctx = &sh[i].own_ctx;
        if (hpcl__rest_new(&sh[i].r, sh[i].ctx, site->conf) != HPCL_OK) {
            n = i; /* fewer connections, then */
            break;
        }
        hpcl__rest_set_api(sh[i].r, hpcl__rest_api(site->state));
        hpcl__rest_set_release(sh[i].r, hpcl__rest_release(site->state));
    }
    for (size_t i = 0; i < n; i++) {
        sh[i].from = nids * i / n;
        sh[i].to = nids * (i + 1) / n;
    }
    for (size_t i = 1; i < n; i++, started++)
        if (pthread_create(&sh[i].thread, NULL, share_thread, &sh[i]) != 0)
            break;
    /* The shares no thread took, and the first, here. */
    for (size_t i = 1 + started; i < n; i++)
        sh[i].rc = ask_share(&sh[i]);
    rc = ask_share(&sh[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(sh[i].thread, NULL);
    for (size_t i = 1; i < n; i++) {
        if (rc == HPCL_OK && sh[i].rc != HPCL_OK) {
            rc = sh[i].rc;
            snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s",
                     sh[i].own_ctx.errmsg);
        }
        hpcl__rest_free(sh[i].r);
    }
    return rc;
}

static hpcl_rc rest_list(struct hpcl__site *site, hpcl_ctx *ctx,
                         const uint32_t *ids, size_t nids,
                         hpcl__jobrec_fn fn, void *arg)
{
    struct hpcl__rest_req req = {"GET", "/jobs", NULL, 0,
                                 "the list of jobs", "", 0};
    struct hpcl__rest_answer *a;
    long long queue = nids > 1 ? queue_length(site, ctx) : 0;
    size_t na = queue >= 0 && (long long)nids * REST_LIST_SHARE < queue + 1
                    ? nids : 1;
    json_t *all = NULL;
    hpcl_rc rc = HPCL_OK;

    if (nids == 0)
        return fn(arg, NULL, 0);
    if ((a = calloc(na, sizeof *a)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if (na > 1 || nids == 1)
        rc = ask_each(site, ctx, ids, na, a);
    else if ((rc = hpcl__rest_ask(site->state, ctx, &req, &a[0])) ==
                 HPCL_OK &&
             !answer_ok(&a[0]))
        rc = hpcl__rest_answer_fail(site->state, ctx, &req, &a[0]);
    /* One array of every answer's records, for one call of fn. */
    if (rc == HPCL_OK && na == 1)
        rc = deliver(site, ctx, json_object_get(a[0].root, "jobs"), fn, arg);
    else if (rc == HPCL_OK && (all = json_array()) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t k = 0; all != NULL && k < na && rc == HPCL_OK; k++) {
        const json_t *jobs = json_object_get(a[k].root, "jobs"), *j;
        size_t i;

        json_array_foreach(jobs, i, j)
            if (json_array_append_new(all, json_incref((json_t *)j)) != 0)
                rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    if (all != NULL && rc == HPCL_OK)
        rc = deliver(site, ctx, all, fn, arg);
    json_decref(all);
    for (size_t k = 0; k < na; k++)
        hpcl__rest_answer_free(&a[k]);
    free(a);
    return rc;
}

/* --- find_key and probe -------------------------------------------------- */

static hpcl_rc rest_find_keys(struct hpcl__site *site, hpcl_ctx *ctx,
                              const char *const *keys, size_t n,
                              uint32_t *ids)
{
    struct hpcl__rest_req req = {"GET", "/jobs", NULL, 0,
                                 "the list of jobs", "", 0};
    struct hpcl__rest_answer a = {{0}, NULL};
    hpcl_rc rc;

    if ((rc = hpcl__rest_ask(site->state, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (!answer_ok(&a)) {
        rc = hpcl__rest_answer_fail(site->state, ctx, &req, &a);
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        ids[k] = 0;
        if (hpcl__rest_find_key(json_object_get(a.root, "jobs"), keys[k],
                                &ids[k]) < 0) {
            rc = hpcl__fail(ctx, HPCL_E_REST, "site %s: the job with key %s "
                            "exists, but slurmrestd gives it a job_id or "
                            "array_job_id that is not a job id (an integer "
                            "from 1 to 4294967293); check the site's "
                            "slurmrestd", site->conf->name, keys[k]);
            break;
        }
    }
out:
    hpcl__rest_answer_free(&a);
    return rc;
}

static hpcl_rc rest_find_key(struct hpcl__site *site, hpcl_ctx *ctx,
                             const char *key, uint32_t *id)
{
    hpcl_rc rc = rest_find_keys(site, ctx, &key, 1, id);

    if (rc == HPCL_OK && *id == 0)
        rc = hpcl__fail(ctx, HPCL_E_NOJOB, "site %s: no job carries key %s "
                        "(never created, or ended more than MinJobAge ago)",
                        site->conf->name, key);
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

/*
 * How long the probe's reads of a site serve again (seconds).  Within one
 * context only (the cache lives with the site's connection): a batch of
 * jobs submitted at once (hpcl_job_submit_many, 100 decisions) probes each
 * site once.  Short, because the queue moves: an answer 2 s old is as good
 * as the probe's own duration under load; the /jobs read, when needed, is
 * never kept.
 */
#define PROBE_CACHE_S 2.0

/*
 * Past this many jobs (pending and running) the probe never reads /jobs:
 * slurmrestd writes it in time proportional to the queue (about 0.4 ms a
 * job: 1 s here, 20-40 s at 50,000 jobs), more than a site's timeout.  A
 * job that does not fit in the free nodes of such a site then has no
 * estimate (unknown: home is kept, lib/job/probe.c).
 */
#define PROBE_JOBS_MAX 2000

/* Reads over the kept connection whose size follows the cluster, not the
 * queue: partitions, nodes, /diag (the pending count); /jobs only when
 * the estimate needs it (rest_probe.c says when) and the queue is short
 * (PROBE_JOBS_MAX).  /diag is optional: a site that refuses it to us is
 * probed from /jobs as before. */
static hpcl_rc rest_probe(struct hpcl__site *site, hpcl_ctx *ctx,
                          const struct hpcl__jobdesc *desc,
                          struct hpcl_probe *probe)
{
    struct hpcl__rest_answer parts = {{0}, NULL}, nodes = {{0}, NULL};
    struct hpcl__rest_answer diag = {{0}, NULL}, jobs = {{0}, NULL};
    struct hpcl__rest_view view = {NULL, NULL, NULL, NULL};
    struct hpcl__rest_probe_cache *c = hpcl__rest_probe_cache(site->state);
    const char *part = desc->partition ? desc->partition
                                       : site->conf->partition;
    int need = 0;
    hpcl_rc rc = HPCL_OK;

    if (c->partitions != NULL && hpcl__now() - c->at < PROBE_CACHE_S) {
        view.partitions = c->partitions; /* read a moment ago */
        view.nodes = c->nodes;
        view.diag = c->diag;
    } else if ((rc = probe_get(site, ctx, "/partitions",
                               "the list of partitions", &parts)) ==
                   HPCL_OK &&
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
        json_decref(c->partitions);
        json_decref(c->nodes);
        json_decref(c->diag);
        c->partitions = json_incref(parts.root);
        c->nodes = json_incref(nodes.root);
        c->diag = json_incref(diag.root);
        c->at = hpcl__now();
    }
    if (rc == HPCL_OK)
        rc = hpcl__rest_estimate(ctx, site->conf->name, &view, desc, part,
                                 time(NULL), probe, &need);
    if (rc == HPCL_OK && need && view.diag != NULL &&
        queue_of(view.diag) > PROBE_JOBS_MAX) {
        /* No estimate rather than a read that grows with the queue. */
        hpcl__log(ctx, HPCL_LOG_DEBUG, "site %s: the job does not fit in "
                  "the free nodes now, and the queue (%lld jobs) is too "
                  "long to read: start unknown", site->conf->name,
                  queue_of(view.diag));
        probe->start_time = 0;
    } else if (rc == HPCL_OK && need &&
               (rc = probe_get(site, ctx, "/jobs", "the list of jobs",
                               &jobs)) == HPCL_OK) {
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
    .find_keys = rest_find_keys,
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
