/*
 * Accounting through slurmrestd: GET /slurmdb/<version>/job/{id}, served
 * when slurmrestd loads the accounting plugin (openapi/dbv0.0.38 on
 * 22.05; data_parser v0.0.40+ on 23.11 and later).  The answer lists
 * every record slurmdbd holds for the id in the site's cluster; ours is
 * the one whose comment (comment.job, stored with
 * AccountingStoreFlags=job_comment) carries the job's key.
 *
 * The shapes: v0.0.38 gives state.current and exit_code.status as
 * strings, numbers plain; v0.0.4x gives arrays and {set, number}
 * objects.  Both are read here.  22.05's dbv0.0.38 reports a job that
 * exited non-zero as status SUCCESS, return code 0 (measured: exit 3 ->
 * SUCCESS/0 while sacct says 3:0): a FAILED job with a "success" exit
 * code has its exit code left unknown rather than reported as 0.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend/jobkey.h"
#include "backend/rest/rest.h"

/* 9003, "Nothing found with query": accounting answered, no such job. */
#define SE_NOTHING_FOUND 9003

/* A string, or an array's first string (v0.0.4x flags arrays). */
static const char *word(const json_t *v)
{
    if (json_is_array(v))
        v = json_array_get(v, 0);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int says(const json_t *v, const char *name)
{
    const char *w = word(v);

    return (w != NULL && strcmp(w, name) == 0) ||
           (json_is_array(v) && hpcl__json_has(v, name));
}

/* exit_code {status, return_code, signal {signal_id | id}} as a shell
 * shows it; -1 when it cannot be told. */
static int exit_of(const json_t *job, hpcl_state state)
{
    const json_t *ec = json_object_get(job, "exit_code");
    const json_t *st = json_object_get(ec, "status");
    const json_t *sig = json_object_get(ec, "signal");
    long long n;

    if (says(st, "SIGNALED") || says(st, "CORE_DUMPED")) {
        n = hpcl__json_int(sig, "signal_id", -1);
        n = n >= 0 ? n : hpcl__json_int(sig, "id", -1);
        return n > 0 && n < 128 ? 128 + (int)n : -1; /* a signal number */
    }
    if (says(st, "SUCCESS"))
        return state == HPCL_STATE_COMPLETED ? 0 : -1;
    n = hpcl__json_int(ec, "return_code", -1);
    return n >= 0 && n < 256 ? (int)n : -1;
}

static void take(struct hpcl__acct *a, const json_t *job)
{
    const json_t *t = json_object_get(job, "time");

    a->found = 1;
    a->state = hpcl__rest_state(word(json_object_get(
        json_object_get(job, "state"), "current")));
    a->start = hpcl__json_int(t, "start", 0);
    a->end = hpcl__json_int(t, "end", 0);
    a->started = a->start != 0;
    a->ended = a->end != 0 && hpcl_state_is_terminal(a->state);
    a->exit_code = a->ended ? exit_of(job, a->state) : -1;
}

static void find(struct hpcl__acct *a, const json_t *jobs, uint32_t id,
                 const char *key)
{
    char found[HPCL__KEY_LEN + 1];
    long long newest = 0;
    const json_t *j;
    size_t i;

    /* The newest record: a job resubmitted with its key may get its lost
     * id again (ids are re-issued after a crash). */
    json_array_foreach(jobs, i, j) {
        const char *c = hpcl__json_str(json_object_get(j, "comment"), "job");
        long long submit = hpcl__json_int(json_object_get(j, "time"),
                                          "submission", 0);

        if (hpcl__json_int(j, "job_id", 0) == (long long)id &&
            submit >= newest && hpcl__key_from_comment(found, c) &&
            strcmp(found, key) == 0) {
            newest = submit;
            take(a, j);
        }
    }
}

hpcl_rc hpcl__rest_acct(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                        const char *key, struct hpcl__acct *a)
{
    struct hpcl__rest *r = site->state;
    char path[48], what[96];
    struct hpcl__rest_req req = {"GET", path, NULL, 0, what, "", 0};
    struct hpcl__rest_answer ans;
    const char *text;
    long code;
    hpcl_rc rc;

    memset(a, 0, sizeof *a);
    a->exit_code = -1;
    if (site->conf->accounting == HPCL__ACCT_NO)
        return HPCL_OK;
    /* "db:" sends the path below /slurmdb/<version> (rest_http.c). */
    snprintf(path, sizeof path, "db:/job/%" PRIu32, id);
    snprintf(what, sizeof what, "the accounting query of job %s:%" PRIu32,
             site->conf->name, id);
    if ((rc = hpcl__rest_ask(r, ctx, &req, &ans)) != HPCL_OK)
        return rc;
    code = hpcl__rest_answer_code(&ans, &text);
    if (ans.reply.status == 404 && ans.root == NULL) {
        /* A plain-text 404: no accounting plugin loaded. */
        if (site->conf->accounting == HPCL__ACCT_YES)
            rc = hpcl__fail(ctx, HPCL_E_CONFIG, "site %s: the site file says "
                            "accounting = yes, but slurmrestd at %s does not "
                            "serve /slurmdb/ (start it with -s "
                            "openapi/dbv0.0.38 or data_parser's)",
                            site->conf->name, hpcl__rest_url(r));
    } else if (ans.root != NULL && (ans.reply.status == 200 ||
                                    code == SE_NOTHING_FOUND) &&
               (code == 0 || code == SE_NOTHING_FOUND)) {
        a->have = 1;
        find(a, json_object_get(ans.root, "jobs"), id, key);
    } else {
        char buf[200];

        rc = hpcl__fail(ctx, HPCL_E_UNREACHABLE, "site %s: accounting "
                        "(slurmrestd /slurmdb/, slurmdbd) did not answer for "
                        "job %" PRIu32 ": HTTP %ld%s%s", site->conf->name, id,
                        ans.reply.status, code != 0 ? ", " : "",
                        code != 0 ? hpcl__rest_quote(r, text, buf, sizeof buf)
                                  : "");
    }
    hpcl__rest_answer_free(&ans);
    return rc;
}

/* v0.0.38 names no cluster in its answers: the URL stands for it. */
hpcl_rc hpcl__rest_identity(struct hpcl__site *site, hpcl_ctx *ctx,
                            char *out, size_t len)
{
    (void)ctx;
    snprintf(out, len, "slurmrestd:%s", site->conf->url);
    return HPCL_OK;
}
