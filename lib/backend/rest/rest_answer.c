/*
 * What slurmrestd's answers mean, in every API version.
 *
 * slurmrestd passes Slurm's error numbers on, in a key that varies
 * (error_code, error_number, errno).  The HTTP status says more in
 * v0.0.4x (Slurm 24.11, src/slurmrestd/operations.c; table in
 * ../shared/SLURM-24.md 3.3): 401 no token, 511 (with 1007) a refused
 * token, 404 no such job (or, as plain text, a path not served), 422 a
 * request it cannot parse, 502 slurmctld not reachable (GET /partitions
 * then gives no error at all), 504 a timeout.
 *
 * v0.0.38 (Slurm 22.05) is vaguer: a token that slurmctld refuses (bad
 * signature, expired) does not get a 401: slurmctld closes the
 * connection, and slurmrestd answers 500 with 5005 (submit, cancel) or
 * -1 "Unspecified error" (every read) -- and -1 is also what a dead
 * slurmctld gives.  Those answers are followed by one check,
 * DELETE /job/0: job 0 never exists, so 2017 means the token is good,
 * 5005 that it is refused and 1800 that slurmctld is down.  v0.0.4x
 * needs no such check (it answers DELETE /job/0 with 422).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backend/rest/rest.h"

#define CHECK_TIMEOUT_MS 2000L

hpcl_rc hpcl__rest_ask(struct hpcl__rest *r, hpcl_ctx *ctx,
                       const struct hpcl__rest_req *req,
                       struct hpcl__rest_answer *a)
{
    hpcl_rc rc;

    memset(a, 0, sizeof *a);
    if ((rc = hpcl__rest_negotiate(r, ctx)) != HPCL_OK ||
        (rc = hpcl__rest_send(r, ctx, req, &a->reply)) != HPCL_OK)
        return rc;
    if ((a->root = hpcl__rest_parse(&a->reply)) != NULL)
        hpcl__rest_note_meta(r, a->root);
    return HPCL_OK;
}

void hpcl__rest_answer_free(struct hpcl__rest_answer *a)
{
    json_decref(a->root);
    a->root = NULL;
    hpcl__rest_reply_free(&a->reply);
}

long hpcl__rest_answer_code(const struct hpcl__rest_answer *a,
                            const char **text)
{
    long code = 0;

    *text = "";
    if (a->root == NULL || !hpcl__rest_error(a->root, &code, text))
        return 0;
    return code;
}

/* A Slurm error from slurmrestd, by what it means (backend/slurm_errno.h,
 * shared with the libslurm driver). */
hpcl_rc hpcl__rest_slurm_fail(struct hpcl__rest *r, hpcl_ctx *ctx,
                              const struct hpcl__rest_req *req, long e,
                              const char *text)
{
    const char *name = hpcl__rest_site_name(r);

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
                          hpcl__rest_user(r), text, e);
    return hpcl__fail(ctx, HPCL_E_SLURM, "site %s: %s: %s (error %ld)", name,
                      req->what, text, e);
}

static hpcl_rc token_rejected(struct hpcl__rest *r, hpcl_ctx *ctx,
                              const char *text, long code, long status)
{
    /* The file may be renewed while this process runs: read it again. */
    hpcl__rest_drop_token(r);
    if (status == 511)
        return hpcl__fail(ctx, HPCL_E_AUTH, "site %s: token rejected (bad or "
                          "expired?): slurmrestd answers HTTP 511 \"%s\" "
                          "(error %ld); make a new token with `scontrol token "
                          "username=%s` into %s", hpcl__rest_site_name(r),
                          text, code, hpcl__rest_user(r),
                          hpcl__rest_token_from(r));
    return hpcl__fail(ctx, HPCL_E_AUTH, "site %s: token rejected (bad or "
                      "expired?): slurmrestd says \"%s\" (error %ld) and "
                      "slurmctld closes the connection; make a new token with "
                      "`scontrol token username=%s` into %s",
                      hpcl__rest_site_name(r), text, code, hpcl__rest_user(r),
                      hpcl__rest_token_from(r));
}

/* v0.0.38: the answer (code, text) to req may mean a refused token: ask
 * the DELETE /job/0 question (see the top of the file). */
static hpcl_rc check_token(struct hpcl__rest *r, hpcl_ctx *ctx,
                           const struct hpcl__rest_req *req, long code,
                           const char *text)
{
    const struct hpcl__rest_req chk = {
        "DELETE", "/job/0", NULL, 0, "the token check (cancel of job 0, "
        "which never exists)", "", CHECK_TIMEOUT_MS};
    struct hpcl__rest_answer a;
    const char *t2;
    char t2buf[200]; /* the check's answer, quoted like the first one */
    long c2;
    hpcl_rc rc;

    if (hpcl__rest_ask(r, ctx, &chk, &a) != HPCL_OK) {
        rc = hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: %s failed: %s "
                        "(error %ld), and slurmctld does not answer "
                        "slurmrestd within %ld ms", hpcl__rest_site_name(r),
                        req->what, text, code, CHECK_TIMEOUT_MS);
        goto out;
    }
    c2 = hpcl__rest_answer_code(&a, &t2);
    if (a.reply.status == 401 || c2 == HPCL__SE_ZERO_BYTES_SENT ||
        hpcl__se_auth_failure(c2))
        rc = token_rejected(r, ctx, text, code, 0);
    else if (hpcl__se_no_contact(c2))
        rc = hpcl__rest_slurm_fail(r, ctx, req, c2,
                                   hpcl__rest_quote(r, t2, t2buf,
                                                    sizeof t2buf));
    else
        rc = hpcl__rest_slurm_fail(r, ctx, req, code, text);
out:
    hpcl__rest_answer_free(&a);
    return rc;
}

/* v0.0.4x: what the HTTP status says beside Slurm's error number;
 * HPCL_OK when it says nothing more. */
static hpcl_rc status_fail(struct hpcl__rest *r, hpcl_ctx *ctx,
                           const struct hpcl__rest_req *req, long st,
                           long code, const char *text)
{
    const char *name = hpcl__rest_site_name(r);
    const char *sep = text[0] != '\0' ? ": " : "";

    if (st == 511 || code == HPCL__SE_AUTH)
        return token_rejected(r, ctx, text, code, 511);
    /* 502 carries the number (connect failures: not done; lost answers:
     * maybe done), except GET /partitions, which gives none. */
    if (st == 502 && code != 0)
        return hpcl__rest_slurm_fail(r, ctx, req, code, text);
    if (st == 502 && req->changes)
        return hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "site %s: slurmrestd "
                          "cannot reach slurmctld (HTTP 502, no error given) "
                          "for %s; %s", name, req->what, req->maybe);
    if (st == 502)
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: slurmrestd "
                          "cannot reach slurmctld (HTTP 502, no error given; "
                          "%s was not done)", name, req->what);
    /* 504: slurmctld took the request and did not answer in time. */
    if (st == 504 && req->changes)
        return hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "site %s: slurmctld did "
                          "not answer %s in time (HTTP 504%s%s); %s", name,
                          req->what, sep, text, req->maybe);
    if (st == 504)
        return hpcl__fail(ctx, HPCL_E_TIMEOUT, "site %s: slurmctld did not "
                          "answer %s in time (HTTP 504%s%s)", name, req->what,
                          sep, text);
    if (st == 422 || st == 400 || st == 415)
        return hpcl__fail(ctx, HPCL_E_REST, "site %s: slurmrestd refused %s "
                          "as malformed (HTTP %ld%s%s): a bug in hpclaunch or "
                          "a slurmrestd it does not know", name, req->what, st,
                          sep, text);
    /* -1 on a read: slurmctld down for 2 x MessageTimeout (GET /job). */
    if (code == HPCL__SE_UNSPECIFIED && !req->changes)
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: slurmctld did "
                          "not answer %s: %s (error -1; is slurmctld down?)",
                          name, req->what, text);
    return HPCL_OK;
}

hpcl_rc hpcl__rest_answer_fail(struct hpcl__rest *r, hpcl_ctx *ctx,
                               const struct hpcl__rest_req *req,
                               const struct hpcl__rest_answer *a)
{
    const char *name = hpcl__rest_site_name(r), *text;
    long code = hpcl__rest_answer_code(a, &text), st = a->reply.status;
    int v38 = hpcl__rest_api(r) == HPCL__API_V38;
    char buf[200];
    hpcl_rc rc;

    if (st == 401) {
        hpcl__rest_drop_token(r);
        return hpcl__fail(ctx, HPCL_E_AUTH, "site %s: no token accepted "
                          "(HTTP 401) for user %s (token from %s)", name,
                          hpcl__rest_user(r), hpcl__rest_token_from(r));
    }
    if (st == 404 && a->root == NULL && hpcl__rest_api_pinned(r))
        return hpcl__rest_not_served(r, ctx);
    text = hpcl__rest_quote(r, text, buf, sizeof buf);
    if (!v38 && (rc = status_fail(r, ctx, req, st, code, text)) != HPCL_OK)
        return rc;
    if (a->root == NULL || (code == 0 && text[0] == '\0'))
        return hpcl__fail(ctx, HPCL_E_REST, "site %s: %s: HTTP %ld from "
                          "slurmrestd at %s: %s", name, req->what, st,
                          hpcl__rest_url(r),
                          a->root == NULL
                              ? hpcl__rest_quote(r, a->reply.body, buf,
                                                 sizeof buf)
                              : "no error given");
    if (v38 && (code == HPCL__SE_UNSPECIFIED ||
                code == HPCL__SE_ZERO_BYTES_SENT ||
                strstr(text, "unable to load") != NULL))
        return check_token(r, ctx, req, code, text);
    return hpcl__rest_slurm_fail(r, ctx, req, code, text);
}
