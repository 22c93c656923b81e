/*
 * The slurmrestd driver (openapi/v0.0.38, Slurm 22.05): the operations of
 * struct hpcl__backend_ops over HTTP, and what slurmrestd's errors mean.
 *
 * slurmrestd passes Slurm's error numbers on, in a key that varies
 * (error_code, error_number, errno).  A token that slurmctld refuses
 * (bad signature, expired) does not get a 401: slurmctld closes the
 * connection, and slurmrestd answers 500 with 5005 (submit, cancel) or
 * -1 "Unspecified error" (every read) -- and -1 is also what a dead
 * slurmctld gives.  Those answers are followed by one check,
 * DELETE /job/0: job 0 never exists, so 2017 means the token is good,
 * 5005 that it is refused and 1800 that slurmctld is down.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/rest/rest.h"

#define CHECK_TIMEOUT_MS 2000L

/* One answer: the HTTP reply and its JSON (NULL when not JSON). */
struct answer {
    struct hpcl__rest_reply reply;
    json_t *root;
};

static hpcl_rc ask(struct hpcl__site *site, hpcl_ctx *ctx,
                   const struct hpcl__rest_req *req, struct answer *a)
{
    hpcl_rc rc = hpcl__rest_send(site->state, ctx, req, &a->reply);

    a->root = rc == HPCL_OK ? hpcl__rest_parse(&a->reply) : NULL;
    return rc;
}

static void answer_free(struct answer *a)
{
    json_decref(a->root);
    a->root = NULL;
    hpcl__rest_reply_free(&a->reply);
}

static int answer_ok(const struct answer *a)
{
    return a->reply.status == 200 && a->root != NULL;
}

/* The Slurm error number of a failed answer; 0 when none. */
static long answer_code(const struct answer *a, const char **text)
{
    long code = 0;

    *text = "";
    if (a->root == NULL || !hpcl__rest_error(a->root, &code, text))
        return 0;
    return code;
}

/* A Slurm error from slurmrestd, by what it means (backend/slurm_errno.h,
 * shared with the libslurm driver). */
static hpcl_rc slurm_fail(struct hpcl__site *site, hpcl_ctx *ctx,
                          const struct hpcl__rest_req *req, long e,
                          const char *text)
{
    const char *name = site->conf->name;

    if (hpcl__se_no_contact(e))
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: slurmrestd "
                          "cannot reach slurmctld: %s (error %ld; %s was "
                          "not done)", name, text, e, req->what);
    if (hpcl__se_answer_lost(e) && req->changes)
        return hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "site %s: slurmctld's "
                          "answer to %s was lost: %s (error %ld); %s", name,
                          req->what, text, e, req->maybe);
    if (hpcl__se_answer_lost(e))
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: slurmctld did "
                          "not answer %s: %s (error %ld)", name, req->what,
                          text, e);
    if (hpcl__se_auth_failure(e))
        return hpcl__fail(ctx, HPCL_E_AUTH, "site %s: slurmctld refused the "
                          "credentials of user %s: %s (error %ld)", name,
                          hpcl__rest_user(site->state), text, e);
    return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: %s: %s (error %ld)", name,
                      req->what, text, e);
}

static hpcl_rc token_rejected(struct hpcl__site *site, hpcl_ctx *ctx,
                              const char *text, long code)
{
    /* The file may be renewed while this process runs: read it again. */
    hpcl__rest_drop_token(site->state);
    return hpcl__fail(ctx, HPCL_E_AUTH, "site %s: token rejected (bad or "
                      "expired?): slurmrestd says \"%s\" (error %ld) and "
                      "slurmctld closes the connection; make a new token with "
                      "`scontrol token username=%s`", site->conf->name, text,
                      code, hpcl__rest_user(site->state));
}

/* The answer (code, text) to req may mean a refused token: ask the
 * DELETE /job/0 question (see the top of the file). */
static const char *quote(const struct hpcl__site *site, const char *text,
                         char *buf, size_t len);

static hpcl_rc check_token(struct hpcl__site *site, hpcl_ctx *ctx,
                           const struct hpcl__rest_req *req, long code,
                           const char *text)
{
    const struct hpcl__rest_req chk = {
        "DELETE", "/job/0", NULL, 0, "the token check (cancel of job 0, "
        "which never exists)", "", CHECK_TIMEOUT_MS};
    struct answer a = {{0}, NULL};
    const char *t2;
    char t2buf[200]; /* the check's answer, quoted like the first one */
    long c2;
    hpcl_rc rc;

    if (ask(site, ctx, &chk, &a) != HPCL_OK) {
        rc = hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: %s failed: %s "
                        "(error %ld), and slurmctld does not answer "
                        "slurmrestd within %ld ms", site->conf->name,
                        req->what, text, code, CHECK_TIMEOUT_MS);
        goto out;
    }
    c2 = answer_code(&a, &t2);
    if (a.reply.status == 401 || c2 == HPCL__SE_ZERO_BYTES_SENT ||
        hpcl__se_auth_failure(c2))
        rc = token_rejected(site, ctx, text, code);
    else if (hpcl__se_no_contact(c2))
        rc = slurm_fail(site, ctx, req, c2,
                        quote(site, t2, t2buf, sizeof t2buf));
    else
        rc = slurm_fail(site, ctx, req, code, text);
out:
    answer_free(&a);
    return rc;
}

/* Text of an answer fit for a message: its first line, control
 * characters blanked, and never text that quotes the token (a proxy or a
 * wrong URL may echo the request). */
static const char *quote(const struct hpcl__site *site, const char *text,
                         char *buf, size_t len)
{
    size_t n = 0;

    if (hpcl__rest_quotes_token(site->state, text))
        return "(not shown: it quotes the token)";
    for (; text[n] != '\0' && text[n] != '\n' && n + 1 < len; n++)
        buf[n] = (unsigned char)text[n] < ' ' ? ' ' : text[n];
    buf[n] = '\0';
    return buf;
}

/* An answer that is not a success: HTTP errors, then Slurm's. */
static hpcl_rc answer_fail(struct hpcl__site *site, hpcl_ctx *ctx,
                           const struct hpcl__rest_req *req,
                           const struct answer *a)
{
    const char *name = site->conf->name, *text;
    long code = answer_code(a, &text), st = a->reply.status;
    char buf[200];

    if (st == 401) {
        hpcl__rest_drop_token(site->state);
        return hpcl__fail(ctx, HPCL_E_AUTH, "site %s: no token accepted "
                          "(HTTP 401) for user %s", name,
                          hpcl__rest_user(site->state));
    }
    if (a->root == NULL || (code == 0 && text[0] == '\0'))
        return hpcl__fail(ctx, HPCL_E_REST, "site %s: %s: HTTP %ld from "
                          "slurmrestd at %s%s: %s", name, req->what, st,
                          hpcl__rest_url(site->state),
                          st == 404 ? " (is its api_version right?)" : "",
                          a->root == NULL
                              ? quote(site, a->reply.body, buf, sizeof buf)
                              : "no error given");
    text = quote(site, text, buf, sizeof buf);
    if (code == HPCL__SE_UNSPECIFIED || code == HPCL__SE_ZERO_BYTES_SENT ||
        strstr(text, "unable to load") != NULL)
        return check_token(site, ctx, req, code, text);
    return slurm_fail(site, ctx, req, code, text);
}

/* --- submit ------------------------------------------------------------- */

static const char *part_name(const struct hpcl__site *site,
                             const struct hpcl__jobdesc *d)
{
    return d->partition ? d->partition
                        : site->conf->partition ? site->conf->partition
                                                : "(default)";
}

/* A job that can never start (more nodes than the partition has) would
 * pend forever; sbatch only warns, hpclaunch cancels it and fails, as
 * the libslurm backend does. */
static hpcl_rc never_starts(struct hpcl__site *site, hpcl_ctx *ctx,
                            const struct hpcl__jobdesc *d, uint32_t id,
                            const char *text)
{
    char path[32], what[HPCL__REF_MAX + 32];
    struct hpcl__rest_req req = {"DELETE", path, NULL, 1, what, "", 0};
    struct answer a = {{0}, NULL};
    const char *name = site->conf->name;
    int killed;

    snprintf(path, sizeof path, "/job/%" PRIu32, id);
    snprintf(what, sizeof what, "the cancel of job %s:%" PRIu32, name, id);
    killed = ask(site, ctx, &req, &a) == HPCL_OK && a.reply.status == 200;
    answer_free(&a);
    return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: %s: job %s:%" PRIu32
                      " could never start (it asks for more nodes or "
                      "resources than partition '%s' on site %s has); %s",
                      name, text, name, id, part_name(site, d), name,
                      killed ? "hpclaunch cancelled it"
                             : "cancel it with scancel");
}

/* A job_id means the job exists, even with errors beside it (a held
 * job: 2042; more nodes than the partition has: 2015). */
static hpcl_rc submit_answer(struct hpcl__site *site, hpcl_ctx *ctx,
                             const struct hpcl__jobdesc *d,
                             const struct answer *a, uint32_t *id)
{
    long long jid = hpcl__json_int(a->root, "job_id", 0);
    const char *text, *msg = hpcl__json_str(a->root, "job_submit_user_msg");
    long code = answer_code(a, &text);
    char buf[200];

    text = quote(site, text, buf, sizeof buf);
    if (msg != NULL)
        hpcl__log(ctx, HPCL_LOG_INFO, "site %s: slurmctld: %s",
                  site->conf->name, msg);
    if (code == HPCL__SE_PART_CONFIG_UNAVAILABLE ||
        code == HPCL__SE_NODE_CONFIG_UNAVAILABLE)
        return never_starts(site, ctx, d, (uint32_t)jid, text);
    /* Other codes are warnings on a job that will run (2042: held). */
    if (code != 0 && code != HPCL__SE_JOB_HELD)
        hpcl__log(ctx, HPCL_LOG_WARN, "site %s: job %lld: %s (error %ld)",
                  site->conf->name, jid, text, code);
    *id = (uint32_t)jid;
    return HPCL_OK;
}

static hpcl_rc rest_submit(struct hpcl__site *site, hpcl_ctx *ctx,
                           const struct hpcl__jobdesc *desc, uint32_t *id)
{
    char what[160];
    struct hpcl__rest_req req = {
        "POST", "/job/submit", NULL, 1, what,
        "the job may exist (look it up by key)", 0};
    struct answer a = {{0}, NULL};
    char *body = NULL;
    hpcl_rc rc;

    if ((rc = hpcl__rest_submit_json(&body, ctx, site->conf, desc)) !=
        HPCL_OK)
        return rc;
    snprintf(what, sizeof what, "the submit of job '%.60s' to partition "
             "'%.40s'", desc->name ? desc->name : "", part_name(site, desc));
    req.body = body;
    if ((rc = ask(site, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (a.root != NULL && hpcl__json_int(a.root, "job_id", 0) > 0)
        rc = submit_answer(site, ctx, desc, &a, id);
    else
        rc = answer_fail(site, ctx, &req, &a);
out:
    answer_free(&a);
    free(body);
    return rc;
}

/* --- query and cancel ---------------------------------------------------- */

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

static hpcl_rc not_found(hpcl_ctx *ctx, const char *ref)
{
    return hpcl__fail(ctx, HPCL_E_NOJOB, "job %s not found (it may have "
                      "ended more than MinJobAge ago)", ref);
}

static hpcl_rc rest_query(struct hpcl__site *site, hpcl_ctx *ctx,
                          uint32_t id, const char *ref, hpcl__jobrec_fn fn,
                          void *arg)
{
    char path[32], what[HPCL__REF_MAX + 32];
    struct hpcl__rest_req req = {"GET", path, NULL, 0, what, "", 0};
    struct answer a = {{0}, NULL};
    const char *text;
    hpcl_rc rc;

    snprintf(path, sizeof path, "/job/%" PRIu32, id);
    snprintf(what, sizeof what, "the query of job %s", ref);
    if ((rc = ask(site, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (answer_ok(&a))
        rc = deliver(ctx, json_object_get(a.root, "jobs"), fn, arg);
    else if (answer_code(&a, &text) == HPCL__SE_INVALID_JOB_ID)
        rc = not_found(ctx, ref);
    else
        rc = answer_fail(site, ctx, &req, &a);
out:
    answer_free(&a);
    return rc;
}

static hpcl_rc rest_cancel(struct hpcl__site *site, hpcl_ctx *ctx,
                           uint32_t id, uint32_t task, const char *ref)
{
    char path[48], what[HPCL__REF_MAX + 32];
    struct hpcl__rest_req req = {"DELETE", path, NULL, 1, what,
                                 "the job may have been cancelled", 0};
    struct answer a = {{0}, NULL};
    const char *text;
    long code;
    hpcl_rc rc;

    /* An array task is "<id>_<task>" in the path, as for scancel. */
    if (task == HPCL__NO_TASK)
        snprintf(path, sizeof path, "/job/%" PRIu32, id);
    else
        snprintf(path, sizeof path, "/job/%" PRIu32 "_%" PRIu32, id, task);
    snprintf(what, sizeof what, "the cancel of job %s", ref);
    if ((rc = ask(site, ctx, &req, &a)) != HPCL_OK)
        goto out;
    code = answer_code(&a, &text);
    /* 200 also for a job that has ended: what was asked. */
    if (a.reply.status == 200 || code == HPCL__SE_ALREADY_DONE)
        rc = HPCL_OK;
    else if (code == HPCL__SE_INVALID_JOB_ID)
        rc = not_found(ctx, ref);
    else
        rc = answer_fail(site, ctx, &req, &a);
out:
    answer_free(&a);
    return rc;
}

/* --- find_key and probe -------------------------------------------------- */

static hpcl_rc rest_find_key(struct hpcl__site *site, hpcl_ctx *ctx,
                             const char *key, uint32_t *id)
{
    struct hpcl__rest_req req = {"GET", "/jobs", NULL, 0,
                                 "the list of jobs", "", 0};
    struct answer a = {{0}, NULL};
    hpcl_rc rc;

    if ((rc = ask(site, ctx, &req, &a)) != HPCL_OK)
        goto out;
    if (!answer_ok(&a))
        rc = answer_fail(site, ctx, &req, &a);
    else if (!hpcl__rest_find_key(json_object_get(a.root, "jobs"), key, id))
        rc = hpcl__fail(ctx, HPCL_E_NOJOB, "site %s: no job carries key %s "
                        "(never created, or ended more than MinJobAge ago)",
                        site->conf->name, key);
out:
    answer_free(&a);
    return rc;
}

/* Three reads over the kept connection: partitions, nodes, jobs. */
static hpcl_rc rest_probe(struct hpcl__site *site, hpcl_ctx *ctx,
                          const struct hpcl__jobdesc *desc,
                          struct hpcl_probe *probe)
{
    static const char *const paths[3] = {"/partitions", "/nodes", "/jobs"};
    static const char *const whats[3] = {"the list of partitions",
                                         "the list of nodes",
                                         "the list of jobs"};
    struct answer a[3] = {{{0}, NULL}, {{0}, NULL}, {{0}, NULL}};
    hpcl_rc rc = HPCL_OK;

    for (int i = 0; i < 3 && rc == HPCL_OK; i++) {
        struct hpcl__rest_req req = {"GET", paths[i], NULL, 0, whats[i],
                                     "", 0};
        if ((rc = ask(site, ctx, &req, &a[i])) == HPCL_OK && !answer_ok(&a[i]))
            rc = answer_fail(site, ctx, &req, &a[i]);
    }
    if (rc == HPCL_OK) {
        struct hpcl__rest_view view = {a[0].root, a[1].root, a[2].root};
        rc = hpcl__rest_estimate(ctx, site->conf->name, &view, desc,
                                 desc->partition ? desc->partition
                                                 : site->conf->partition,
                                 time(NULL), probe);
    }
    for (int i = 0; i < 3; i++)
        answer_free(&a[i]);
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
    .cancel = rest_cancel,
    .probe = rest_probe,
    .find_key = rest_find_key,
    .close = rest_close,
};

hpcl_rc hpcl__rest_site_open(struct hpcl__site *site, hpcl_ctx *ctx)
{
    const struct hpcl__site_conf *conf = site->conf;
    struct hpcl__rest *r;
    hpcl_rc rc;

    if (conf == NULL || conf->url == NULL || conf->api_version == NULL)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: a slurmrestd site "
                          "needs url and api_version",
                          conf && conf->name ? conf->name : "?");
    if ((rc = hpcl__rest_new(&r, ctx, conf)) != HPCL_OK)
        return rc;
    site->ops = &g_rest_ops;
    site->state = r;
    return HPCL_OK;
}
