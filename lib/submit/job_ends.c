/*
 * What the job layer asks of the journal, through the context: a job's
 * key by site and id (so that a job attached by reference is checked to
 * be the one submitted: ids are re-issued after a controller crash), and
 * its end, journaled when it is seen: by hpcl_job_wait, hpcl_job_refresh
 * (status) or hpcl_job_cancel, in whatever process.  A job the journal
 * knows ended is never reported lost and never resubmitted, even after its
 * site has purged it (MinJobAge) and its id names nothing any more.  The
 * job layer cannot call up into this one: the context holds this
 * function (lib/ctx.c sets it) and job.c calls it through the pointer.
 */
#include "config.h"

#include <inttypes.h>
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

void hpcl__journal_job_end(hpcl_ctx *ctx, const char *key, const char *site,
                           uint64_t id, hpcl_state state, int exit_code,
                           enum hpcl__end_how how)
{
    struct hpcl__jsummary *s = NULL;
    struct hpcl__journal *jr = NULL;
    const struct hpcl__jentry *e;
    char *path = NULL, note[64];
    /* Best effort: the caller's wait or cancel has succeeded already;
     * this only keeps the journal's word.  Its own error stays out of
     * the caller's message. */
    char saved[HPCL_ERRMSG_MAX];

    if (!ctx->sites_loaded)
        return;
    memcpy(saved, ctx->errmsg, sizeof saved);
    if (hpcl__journal_path(&path, ctx, ctx->sites->journal) == HPCL_OK &&
        hpcl__journal_load(&s, ctx, path) == HPCL_OK &&
        (e = find(s, key, site, id)) != NULL && !settled(e->state) &&
        hpcl__ctx_journal(ctx, &jr) == HPCL_OK && jr != NULL) {
        /* Read back by jobs_list.c and note_end, in the form of
         * jobs_list.c's own settling. */
        if (how == HPCL__END_CANCELLED)
            snprintf(note, sizeof note, "cancelled on request");
        else if (exit_code >= 0)
            snprintf(note, sizeof note, "%s exit %d%s",
                     hpcl_state_name(state), exit_code,
                     how == HPCL__END_ACCOUNTING ? " (accounting)" : "");
        else
            snprintf(note, sizeof note, "%s%s", hpcl_state_name(state),
                     how == HPCL__END_ACCOUNTING ? " (accounting)" : "");
        if (hpcl__journal_record(jr, ctx, how == HPCL__END_CANCELLED
                                              ? HPCL__J_CANCELLED
                                              : HPCL__J_ENDED,
                                 e->key, e->site, e->id, note) != HPCL_OK)
            hpcl__log(ctx, HPCL_LOG_WARN, "job %s:%" PRIu64 " ended but the "
                      "journal could not record it: %s", site, id,
                      ctx->errmsg);
    }
    memcpy(ctx->errmsg, saved, sizeof saved);
    hpcl__jsummary_free(s);
    free(path);
}

/* The end an ENDED note records, "STATE exit N" (hpcl__journal_job_end
 * or accounting's settling, which may add " (accounting)"). */
static void note_end(const char *note, hpcl_state *state, int *exit_code)
{
    size_t n = note != NULL ? strcspn(note, " ") : 0;

    for (int st = HPCL_STATE_PENDING; st <= HPCL_STATE_TIMEOUT; st++)
        if (n > 0 && strlen(hpcl_state_name((hpcl_state)st)) == n &&
            strncmp(note, hpcl_state_name((hpcl_state)st), n) == 0)
            *state = (hpcl_state)st;
    if (*state != HPCL_STATE_UNKNOWN && sscanf(note + n, " exit %d",
                                               exit_code) != 1)
        *exit_code = -1;
}

int hpcl__journal_job_lookup(hpcl_ctx *ctx, const char *site, uint64_t id,
                             char *key, hpcl_state *state, int *exit_code)
{
    struct hpcl__jsummary *s = NULL;
    const struct hpcl__jentry *e;
    char *path = NULL;
    char saved[HPCL_ERRMSG_MAX];
    int found = 0;

    *state = HPCL_STATE_UNKNOWN;
    *exit_code = -1;
    if (!ctx->sites_loaded)
        return 0;
    memcpy(saved, ctx->errmsg, sizeof saved);
    if (hpcl__journal_path(&path, ctx, ctx->sites->journal) == HPCL_OK &&
        hpcl__journal_load(&s, ctx, path) == HPCL_OK &&
        (e = find(s, NULL, site, id)) != NULL) {
        memcpy(key, e->key, HPCL__KEY_LEN + 1);
        if (e->state == HPCL__J_CANCELLED)
            *state = HPCL_STATE_CANCELLED;
        else if (e->state == HPCL__J_ENDED)
            note_end(e->note, state, exit_code);
        found = 1;
    }
    memcpy(ctx->errmsg, saved, sizeof saved);
    hpcl__jsummary_free(s);
    free(path);
    return found;
}
