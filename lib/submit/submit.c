/*
 * Submission, exactly once.  Each job gets a key, which
 * travels in its Slurm comment.  With a journal (a context that loaded a
 * site file), the INTENT to submit at a site is written and synced before
 * the request goes out, and the outcome written after it (synced with the
 * next INTENT, or when the context is destroyed).  A submit whose answer
 * was lost (HPCL_E_AMBIGUOUS) is followed, before anything else, by asking
 * that same site for the key: found, the job is adopted; not there, the
 * next site may be tried; the site silent, we stop and say so -- the job
 * may exist, and submitting it elsewhere could run it twice.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "submit/choice.h"
#include "submit/cluster_id.h"
#include "submit/econ.h"
#include "submit/journal.h"
#include "submit/requests.h"
#include "registry/registry.h"

/* One job of a batch, through the attempts at each site. */
struct slot {
    hpcl_job *job;
    int done;       /* 0 pending, 1 at a site, -1 stop (unresolved), -2 bad */
    hpcl_rc rc;     /* the last failure */
    char *err;      /* its message */
    char *comment;
    struct hpcl__jobdesc desc;
    int have_desc;
    int staged_out; /* its files could not be staged at this site */
    char intent[208]; /* the INTENT's note: "name=NAME" (`hpclaunch jobs`) */
};

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

    while (s > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

hpcl_rc hpcl__ctx_journal(hpcl_ctx *ctx, struct hpcl__journal **out)
{
    char *path = NULL;
    hpcl_rc rc;

    *out = NULL;
    if (!ctx->sites_loaded)
        return HPCL_OK;
    if (ctx->journal == NULL) {
        if ((rc = hpcl__journal_path(&path, ctx, ctx->sites->journal)) !=
            HPCL_OK)
            return rc;
        rc = hpcl__journal_open(&ctx->journal, ctx, path);
        free(path);
        if (rc != HPCL_OK)
            return rc;
    }
    *out = ctx->journal;
    return HPCL_OK;
}

hpcl_rc hpcl__resolve_key(hpcl_ctx *ctx, size_t i, const char *key,
                          uint32_t *id)
{
    static const double delay[] = {0, 0.5, 1.0};
    struct hpcl__site *site;
    double t0 = hpcl__now(), limit;
    hpcl_rc rc;

    if ((rc = hpcl__site_open(ctx, i, &site)) != HPCL_OK)
        return rc;
    limit = (double)site->conf->timeout_ms / 1000.0;
    /* A job created late (the controller was slow, not deaf) shows up on
     * a later try; a site that does not answer twice is left alone. */
    for (int t = 0; t < 3; t++) {
        if (t > 0 && hpcl__now() - t0 + delay[t] > limit)
            break;
        sleep_s(delay[t]);
        rc = site->ops->find_key(site, ctx, key, id);
        if (rc == HPCL_OK || (rc != HPCL_E_NOJOB && t >= 1))
            break;
    }
    return rc;
}

static void slot_fail(struct slot *s, hpcl_rc rc, const char *msg)
{
    char *copy = strdup(msg);

    s->rc = rc;
    if (copy != NULL) {
        free(s->err);
        s->err = copy;
    }
}

static void slot_clear(struct slot *s)
{
    if (s->have_desc)
        hpcl__jobdesc_free(&s->desc);
    s->have_desc = 0;
    free(s->comment);
    s->comment = NULL;
}

/* The request for s's job at site i, and its sidecar (for resubmit). */
static hpcl_rc slot_prepare(hpcl_ctx *ctx, struct slot *s, size_t i,
                            int journal)
{
    hpcl_job *job = s->job;
    hpcl_rc rc;

    if ((rc = hpcl__key_comment(&s->comment, ctx, job->key, NULL)) !=
            HPCL_OK ||
        (rc = hpcl__jobdesc_site(&s->desc, job, i, s->comment)) != HPCL_OK)
        return rc;
    s->have_desc = 1;
    if (journal)
        rc = hpcl__sidecar_save(ctx, job->key, hpcl__site_name(ctx, i),
                                &s->desc);
    return rc;
}

/* After an ambiguous submit: find the key, then say what happened in the
 * journal records (recs) and in s. */
static size_t resolve(hpcl_ctx *ctx, struct slot *s, size_t i,
                      struct hpcl__jrec *recs, uint32_t *id)
{
    const char *name = hpcl__site_name(ctx, i), *key = s->job->key;
    char *first = strdup(ctx->errmsg);
    hpcl_rc rc = hpcl__resolve_key(ctx, i, key, id);
    size_t n = 1;

    recs[0] = (struct hpcl__jrec){HPCL__J_AMBIGUOUS, key, name, 0,
                                  "request sent, answer lost"};
    if (rc == HPCL_OK) {
        recs[n++] = (struct hpcl__jrec){HPCL__J_ADOPTED, key, name, *id,
                                        "found by its key"};
        s->done = 1;
    } else if (rc == HPCL_E_NOJOB) {
        recs[n++] = (struct hpcl__jrec){HPCL__J_FAILED, key, name, 0,
                                        "ambiguous submit; key not found"};
        hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "%s; the site has no job with "
                   "key %s, so it was not created", first ? first : "", key);
        slot_fail(s, HPCL_E_AMBIGUOUS, ctx->errmsg);
    } else {
        hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "job may exist at site %s; key "
                   "%s; run `hpclaunch jobs` later (%s; asking the site for "
                   "the key: %s)", name, key, first ? first : "",
                   hpcl_strerror(rc));
        slot_fail(s, HPCL_E_AMBIGUOUS, ctx->errmsg);
        s->done = -1;
    }
    free(first);
    return n;
}

/* Submit s's job at site i; the journal records of the outcome go to
 * recs (at most 2); returns how many. */
static size_t submit_one(hpcl_ctx *ctx, struct hpcl__decision *d,
                         struct hpcl__site *site, size_t i, struct slot *s,
                         struct hpcl__jrec *recs)
{
    const char *name = hpcl__site_name(ctx, i);
    uint32_t id = 0;
    size_t n = 1;
    hpcl_rc rc = site->ops->submit(site, ctx, &s->desc, &id);

    /* Every driver checks its ids; this is the rule for any driver. */
    if (rc == HPCL_OK && id == 0)
        rc = hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "site %s: the submit "
                        "succeeded without a job id; the job may exist",
                        name);
    if (rc == HPCL_E_AMBIGUOUS) {
        n = resolve(ctx, s, i, recs, &id);
    } else if (rc == HPCL_OK) {
        recs[0] = (struct hpcl__jrec){HPCL__J_SUBMITTED, s->job->key, name,
                                      id, NULL};
        s->done = 1;
    } else {
        hpcl__site_mark(ctx, i, rc, ctx->errmsg);
        slot_fail(s, rc, ctx->errmsg);
        recs[0] = (struct hpcl__jrec){HPCL__J_FAILED, s->job->key, name, 0,
                                      s->err};
    }
    if (s->done == 1)
        hpcl__job_set_ref(s->job, i, id, HPCL__NO_TASK);
    hpcl__decision_attempt(d, name, s->done == 1 ? (n > 1 ? "adopted"
                                                          : "submitted")
                                    : s->done == -1 ? "unresolved"
                                                    : "failed",
                           id, s->done == 1 ? NULL : s->err);
    return n;
}

/* The outcomes of a batch could not be journaled (the disk filled up
 * despite the reservation, say): the jobs that exist are still the
 * caller's, with their references; each INTENT and key lets `hpclaunch
 * jobs` adopt them.  Jobs still pending stop here (batch_error says
 * why): without a journal, nothing more is sent. */
static hpcl_rc unrecorded(hpcl_ctx *ctx, struct slot *slots, size_t n)
{
    char *why = strdup(ctx->errmsg);

    for (size_t k = 0; k < n; k++) {
        if (slots[k].done == 1)
            hpcl__log(ctx, HPCL_LOG_WARN, "job %s was submitted, but the "
                      "journal could not record it (%s); run `hpclaunch "
                      "jobs` once the journal is writable: it finds the job "
                      "by its key %s", slots[k].job->ref, why ? why : "",
                      slots[k].job->key);
        if (slots[k].done == 0) {
            slots[k].done = -2;
            slot_fail(&slots[k], HPCL_E_SYSTEM, why ? why : "");
        }
    }
    free(why);
    return HPCL_OK;
}

/* Pending jobs to site i: requests, INTENTs (one sync), submits,
 * outcomes (one sync).  Returns an error only when nothing more may be
 * tried (the journal failed). */
static hpcl_rc attempt(hpcl_ctx *ctx, struct hpcl__decision *d, size_t i,
                       struct slot *slots, size_t n,
                       struct hpcl__journal *jr)
{
    struct hpcl__jrec *recs = calloc(2 * n + 1, sizeof *recs);
    const char *name = hpcl__site_name(ctx, i);
    char cluster[HPCL__CLUSTER_MAX + 16] = "";
    struct hpcl__site *site;
    size_t nrec = 0;
    hpcl_rc rc = HPCL_OK;

    if (recs == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if ((rc = hpcl__site_open(ctx, i, &site)) != HPCL_OK) {
        for (size_t k = 0; k < n; k++)
            if (slots[k].done == 0)
                slot_fail(&slots[k], rc, ctx->errmsg);
        hpcl__decision_attempt(d, name, "failed", 0, ctx->errmsg);
        free(recs);
        return HPCL_OK;
    }
    /* Files first: no INTENT for a job whose inputs are not verified
     * there (lib/submit/stage_job.c); such a job tries the next site. */
    for (size_t k = 0; k < n; k++) {
        hpcl_rc src;
        if (slots[k].done != 0 ||
            (src = hpcl__stage_job(slots[k].job, i)) == HPCL_OK)
            continue;
        slots[k].staged_out = 1;
        slot_fail(&slots[k], src, ctx->errmsg);
        hpcl__decision_attempt(d, name, "failed", 0, slots[k].err);
    }
    for (size_t k = 0; k < n && rc == HPCL_OK; k++) {
        if (slots[k].done != 0 || slots[k].staged_out)
            continue;
        rc = slot_prepare(ctx, &slots[k], i, jr != NULL);
        snprintf(slots[k].intent, sizeof slots[k].intent, "name=%s",
                 rc == HPCL_OK && slots[k].desc.name ? slots[k].desc.name
                                                     : "");
        recs[nrec++] = (struct hpcl__jrec){HPCL__J_INTENT, slots[k].job->key,
                                           name, 0, slots[k].intent};
    }
    /* Room for the outcomes too, before anything is sent: a job that
     * exists must get its record (journal.c, hpcl__journal_reserve). */
    if (rc == HPCL_OK && jr != NULL)
        rc = hpcl__journal_reserve(jr, ctx, 3 * nrec);
    if (rc == HPCL_OK && jr != NULL)
        rc = hpcl__journal_append(jr, ctx, recs, nrec);
    nrec = 0;
    for (size_t k = 0; k < n && rc == HPCL_OK; k++)
        if (slots[k].done == 0 && !slots[k].staged_out)
            nrec += submit_one(ctx, d, site, i, &slots[k], recs + nrec);
    /* Which cluster the site is, asked once for the batch, goes with each
     * submitted job (lib/submit/cluster_id.c). */
    for (size_t k = 0; k < nrec; k++) {
        if (recs[k].event != HPCL__J_SUBMITTED)
            continue;
        if (cluster[0] == '\0')
            hpcl__cluster_note(cluster, sizeof cluster, ctx, site, NULL);
        recs[k].note = cluster[0] != '\0' ? cluster : NULL;
    }
    /* Outcomes need no sync of their own: the next INTENT's sync, or the
     * journal's close, covers them, and a crash before then leaves an
     * INTENT that the job's key settles. */
    if (rc == HPCL_OK && jr != NULL &&
        hpcl__journal_append_lazy(jr, ctx, recs, nrec) != HPCL_OK)
        rc = unrecorded(ctx, slots, n);
    for (size_t k = 0; k < n; k++) {
        slot_clear(&slots[k]);
        slots[k].staged_out = 0;
    }
    free(recs);
    return rc;
}

/* --- the loop ---------------------------------------------------------- */

static hpcl_rc check_batch(hpcl_job **jobs, size_t n, unsigned flags)
{
    hpcl_ctx *ctx;
    hpcl_rc rc;

    if (jobs == NULL || n == 0 || jobs[0] == NULL)
        return HPCL_E_INVAL;
    ctx = jobs[0]->ctx;
    hpcl__clear_error(ctx);
    if ((flags & ~(HPCL_SUBMIT_DRY_RUN | HPCL_SUBMIT_PROBE_ALL)) != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_job_submit: unknown "
                          "flags %#x",
                          flags & ~(HPCL_SUBMIT_DRY_RUN |
                                    HPCL_SUBMIT_PROBE_ALL));
    for (size_t k = 0; k < n; k++) {
        if (jobs[k] == NULL || jobs[k]->ctx != ctx)
            return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_job_submit_many: job "
                              "%zu is NULL or has another context", k);
        if ((rc = hpcl__job_editable(jobs[k])) != HPCL_OK)
            return rc;
        if (jobs[k]->argc >= 1 || jobs[k]->batch_script != NULL)
            continue;
        if (n == 1)
            return hpcl__fail(ctx, HPCL_E_INVAL, "no program given (call "
                              "hpcl_job_set_command or "
                              "hpcl_job_set_batch_script)");
        return hpcl__fail(ctx, HPCL_E_INVAL, "job %zu of %zu: no program "
                          "given (call hpcl_job_set_command or "
                          "hpcl_job_set_batch_script)", k, n);
    }
    return HPCL_OK;
}

/* Why the batch did not all go: one attempt keeps its own message, as a
 * single site always did; several are listed. */
static hpcl_rc batch_error(hpcl_ctx *ctx, const struct hpcl__decision *d,
                           struct slot *slots, size_t n)
{
    size_t bad = n, used = 0, failed = 0;
    char msg[HPCL_ERRMSG_MAX];

    for (size_t k = 0; k < n; k++)
        if (slots[k].done != 1 && failed++ == 0)
            bad = k;
    if (bad == n)
        return HPCL_OK;
    if (slots[bad].done < 0 || d->natt <= 1 || n > 1) {
        hpcl__fail(ctx, slots[bad].rc, "%s",
                   slots[bad].err ? slots[bad].err : "");
        if (n > 1)
            hpcl__log(ctx, HPCL_LOG_WARN, "%zu of %zu jobs not submitted",
                      failed, n);
        return slots[bad].rc;
    }
    msg[0] = '\0';
    for (size_t a = 0; a < d->natt && used < sizeof msg; a++)
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s: %s",
                                 a ? "; " : "", d->att[a].site,
                                 d->att[a].detail ? d->att[a].detail : "?");
    return hpcl__fail(ctx, HPCL_E_NOBACKEND, "no site took the job: %s",
                      msg);
}

static hpcl_rc run_batch(hpcl_ctx *ctx, struct hpcl__decision *d,
                         struct slot *slots, size_t n)
{
    struct hpcl__journal *jr;
    hpcl_rc rc;
    int stop = 0;

    if ((rc = hpcl__ctx_journal(ctx, &jr)) != HPCL_OK)
        return rc;
    for (size_t k = 0; k < n; k++)
        if ((rc = hpcl__key_new(slots[k].job->key, ctx)) != HPCL_OK)
            return rc;
    for (size_t o = 0; o < d->norder && !stop; o++) {
        size_t pending = 0;
        if ((rc = attempt(ctx, d, d->order[o], slots, n, jr)) != HPCL_OK)
            return rc;
        for (size_t k = 0; k < n; k++) {
            pending += slots[k].done == 0;
            /* A job that may exist somewhere pins the whole batch. */
            stop |= slots[k].done == -1;
        }
        stop |= pending == 0;
    }
    return batch_error(ctx, d, slots, n);
}

/* A journal that cannot be opened or has no room stops the submit
 * before any site is asked anything, probes included. */
static hpcl_rc journal_ready(hpcl_ctx *ctx, size_t n, unsigned flags)
{
    struct hpcl__journal *jr;
    hpcl_rc rc;

    if (flags & HPCL_SUBMIT_DRY_RUN)
        return HPCL_OK;
    if ((rc = hpcl__ctx_journal(ctx, &jr)) != HPCL_OK)
        return rc;
    return hpcl__journal_reserve(jr, ctx, 3 * n);
}

hpcl_rc hpcl_job_submit_many(hpcl_job **jobs, size_t n, unsigned flags)
{
    struct hpcl__decision *d = NULL;
    struct slot *slots;
    hpcl_rc rc;

    if ((rc = check_batch(jobs, n, flags)) != HPCL_OK ||
        (rc = journal_ready(jobs[0]->ctx, n, flags)) != HPCL_OK)
        return rc;
    rc = hpcl__choose(jobs[0], (flags & HPCL_SUBMIT_PROBE_ALL) != 0, &d);
    for (size_t k = 0; k < n && d != NULL; k++) {
        hpcl__decision_unref(jobs[k]->decision);
        hpcl__decision_ref(d);
        jobs[k]->decision = d;
    }
    if (d != NULL)
        d->dry_run = (flags & HPCL_SUBMIT_DRY_RUN) != 0;
    if (rc != HPCL_OK || (flags & HPCL_SUBMIT_DRY_RUN)) {
        hpcl__decision_unref(d);
        return rc;
    }
    if ((slots = calloc(n, sizeof *slots)) == NULL) {
        hpcl__decision_unref(d);
        return hpcl__fail(jobs[0]->ctx, HPCL_E_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++)
        slots[k].job = jobs[k];
    rc = run_batch(jobs[0]->ctx, d, slots, n);
    for (size_t k = 0; k < n; k++) {
        if (slots[k].done == 1)
            hpcl__log(jobs[k]->ctx, HPCL_LOG_INFO, "submitted job %s",
                      jobs[k]->ref);
        free(slots[k].err);
    }
    free(slots);
    hpcl__decision_unref(d);
    return rc;
}

hpcl_rc hpcl_job_submit(hpcl_job *job, unsigned flags)
{
    return hpcl_job_submit_many(&job, 1, flags);
}
