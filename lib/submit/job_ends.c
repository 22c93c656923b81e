/*
 * What the job layer asks of the journal, through the context: a job's
 * key by site and id (so that a job attached by reference is checked to
 * be the one submitted: ids are re-issued after a controller crash), and
 * its end, journaled when it is seen: by hpcl_job_wait, hpcl_job_refresh
 * (status) or hpcl_job_cancel, in whatever process, and by
 * hpcl_jobs_refresh for many jobs at once (one read of the journal, one
 * synced write).  A job the journal
 * knows ended is never reported lost and never resubmitted, even after its
 * site has purged it (MinJobAge) and its id names nothing any more.  The
 * job layer cannot call up into this one: the context holds this
 * function (lib/ctx.c sets it) and job.c calls it through the pointer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit/choice.h"
#include "submit/journal.h"

/* The journal's entry for the job: by key when the handle knows it (it
 * submitted the job), else by site and id (a job attached by reference).
 * The latest entry wins: ids are reused after a controller crash. */
static const struct hpcl__jentry *find(const struct hpcl__jsummary *s,
                                       const char *key, const char *site,
                                       uint64_t id)
{
    const struct hpcl__jentry *found = NULL;

    if (key != NULL && key[0] != '\0')
        return hpcl__jsummary_get(s, key);
    for (size_t k = 0; k < s->n; k++)
        if (s->entry[k].id == id && strcmp(s->entry[k].site, site) == 0)
            found = &s->entry[k];
    return found;
}

static int settled(enum hpcl__jevent e)
{
    return e == HPCL__J_ENDED || e == HPCL__J_CANCELLED ||
           e == HPCL__J_FAILED;
}

void hpcl__end_note(char *note, size_t len, hpcl_state state,
                    int exit_code, int term_signal, int from_acct)
{
    const char *acct = from_acct ? " (accounting)" : "";
    char sig[24] = "";

    /* The exit code alone (128 + N) may be a program's own. */
    if (exit_code >= 0 && term_signal > 0)
        snprintf(sig, sizeof sig, " signal %d", term_signal);
    if (exit_code >= 0)
        snprintf(note, len, "%s exit %d%s%s", hpcl_state_name(state),
                 exit_code, sig, acct);
    else
        snprintf(note, len, "%s%s", hpcl_state_name(state), acct);
}

/* The note of an end seen or cancelled through hpclaunch. */
static void end_note(char *note, size_t len, const struct hpcl__job_end *e)
{
    if (e->how == HPCL__END_CANCELLED)
        snprintf(note, len, "cancelled on request");
    else
        hpcl__end_note(note, len, e->state, e->exit_code, e->term_signal,
                       e->how == HPCL__END_ACCOUNTING);
}

/* The journal as read for this refresh (ctx->end_batch), read now if
 * not yet; else a reading of its own for the caller to free (*own). */
static struct hpcl__jsummary *journal_now(hpcl_ctx *ctx,
                                          struct hpcl__end_batch *b,
                                          struct hpcl__jsummary **own)
{
    char *path = NULL;

    *own = NULL;
    if (b != NULL && b->journal != NULL)
        return b->journal;
    if (hpcl__journal_path(&path, ctx, ctx->sites->journal) == HPCL_OK &&
        hpcl__journal_load(own, ctx, path) != HPCL_OK)
        *own = NULL;
    free(path);
    if (b != NULL) {
        b->journal = *own;
        *own = NULL;
        return b->journal;
    }
    return *own;
}

void hpcl__journal_job_ends(hpcl_ctx *ctx, struct hpcl__end_batch *b)
{
    struct hpcl__jsummary *s, *own;
    struct hpcl__journal *jr = NULL;
    struct hpcl__jrec *recs = NULL;
    char(*notes)[64] = NULL;
    size_t nrec = 0;
    /* Best effort: the caller's wait or cancel has succeeded already;
     * this only keeps the journal's word.  Its own error stays out of
     * the caller's message. */
    char saved[HPCL_ERRMSG_MAX];

    memcpy(saved, ctx->errmsg, sizeof saved);
    if (!ctx->sites_loaded || b->n == 0 ||
        (s = journal_now(ctx, b, &own)) == NULL ||
        hpcl__ctx_journal(ctx, &jr) != HPCL_OK || jr == NULL ||
        (recs = calloc(b->n, sizeof *recs)) == NULL ||
        (notes = calloc(b->n, sizeof *notes)) == NULL)
        goto out;
    for (size_t k = 0; k < b->n; k++) {
        const struct hpcl__job_end *end = &b->end[k];
        const struct hpcl__jentry *e = find(s, end->key, end->site, end->id);

        if (e == NULL || settled(e->state))
            continue;
        end_note(notes[nrec], sizeof notes[nrec], end);
        recs[nrec] = (struct hpcl__jrec){
            end->how == HPCL__END_CANCELLED ? HPCL__J_CANCELLED
                                            : HPCL__J_ENDED,
            e->key, e->site, e->id, notes[nrec]};
        nrec++;
    }
    if (nrec > 0 && hpcl__journal_append(jr, ctx, recs, nrec) != HPCL_OK)
        hpcl__log(ctx, HPCL_LOG_WARN, "%zu job%s ended but the journal could "
                  "not record it: %s", nrec, nrec == 1 ? "" : "s",
                  ctx->errmsg);
out:
    memcpy(ctx->errmsg, saved, sizeof saved);
    free(recs);
    free(notes);
    hpcl__jsummary_free(b->journal);
    b->journal = NULL;
}

/* The end an ENDED note records, "STATE exit N" and maybe " signal S"
 * (hpcl__journal_job_ends, or accounting's settling, which may add
 * " (accounting)"); a note without the signal leaves it unsaid (-1). */
static void note_end(const char *note, hpcl_state *state, int *exit_code,
                     int *term_signal)
{
    size_t n = note != NULL ? strcspn(note, " ") : 0;
    int used = 0;

    for (int st = HPCL_STATE_PENDING; st <= HPCL_STATE_TIMEOUT; st++)
        if (n > 0 && strlen(hpcl_state_name((hpcl_state)st)) == n &&
            strncmp(note, hpcl_state_name((hpcl_state)st), n) == 0)
            *state = (hpcl_state)st;
    if (*state == HPCL_STATE_UNKNOWN)
        return;
    if (sscanf(note + n, " exit %d%n", exit_code, &used) != 1 || used == 0) {
        *exit_code = -1;
        return;
    }
    if (sscanf(note + n + used, " signal %d", term_signal) != 1 ||
        *term_signal <= 0)
        *term_signal = -1;
}

int hpcl__journal_job_lookup(hpcl_ctx *ctx, const char *site, uint64_t id,
                             char *key, hpcl_state *state, int *exit_code,
                             int *term_signal)
{
    struct hpcl__jsummary *s, *own;
    const struct hpcl__jentry *e;
    char saved[HPCL_ERRMSG_MAX];
    int found = 0;

    *state = HPCL_STATE_UNKNOWN;
    *exit_code = -1;
    *term_signal = -1;
    if (!ctx->sites_loaded)
        return 0;
    memcpy(saved, ctx->errmsg, sizeof saved);
    if ((s = journal_now(ctx, ctx->end_batch, &own)) != NULL &&
        (e = find(s, NULL, site, id)) != NULL) {
        memcpy(key, e->key, HPCL__KEY_LEN + 1);
        if (e->state == HPCL__J_CANCELLED)
            *state = HPCL_STATE_CANCELLED;
        else if (e->state == HPCL__J_ENDED)
            note_end(e->note, state, exit_code, term_signal);
        found = 1;
    }
    memcpy(ctx->errmsg, saved, sizeof saved);
    hpcl__jsummary_free(own);
    return found;
}
