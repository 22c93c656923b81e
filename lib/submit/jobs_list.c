/*
 * The journal's jobs, reconciled with their sites (hpclaunch jobs).  An
 * entry whose outcome is unknown and whose writer is gone is settled by
 * asking its site for its key: adopted if there, not submitted if not.  A
 * submitted job whose id the site no longer knows, or whose record there
 * carries another key (ids are re-issued after a controller crash), is
 * lost: reported, and resubmitted only on request (hpcl_job_resubmit).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/json_write.h"
#include "submit/choice.h"
#include "submit/cluster_id.h"
#include "submit/journal.h"
#include "submit/requests.h"
#include "submit/settle.h"
#include "registry/registry.h"

/* What one entry turned out to be. */
struct verdict {
    const char *status; /* active, ended, lost, not submitted, ... */
    const char *reconciled; /* this call's journal event, or NULL */
    hpcl_state state;
    int exit_code;      /* -1: not known */
    int started;        /* reached RUNNING (controller or accounting) */
    const char *source; /* "accounting" when accounting settled it */
    uint64_t id;
    char error[HPCL_ERRMSG_MAX];
};

/*
 * The journal events of one listing, written together at its end with one
 * write and one sync (a listing of 10k entries the sites forgot was 10k
 * synced writes).  An event lost in a crash before then is decided again
 * by the next listing, from the same answers.
 */
struct batch {
    struct hpcl__jrec *rec;
    size_t n, cap;
};

static int batch_add(struct batch *b, enum hpcl__jevent ev, const char *key,
                     const char *site, uint64_t id, const char *text)
{
    struct hpcl__jrec *r;
    char *k, *st, *t;

    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        if ((r = realloc(b->rec, cap * sizeof *r)) == NULL)
            return -1;
        b->rec = r;
        b->cap = cap;
    }
    k = strdup(key);
    st = strdup(site != NULL ? site : "");
    t = strdup(text != NULL ? text : "");
    if (k == NULL || st == NULL || t == NULL) {
        free(k);
        free(st);
        free(t);
        return -1;
    }
    b->rec[b->n++] = (struct hpcl__jrec){ev, k, site != NULL ? st : NULL,
                                         id, t};
    if (site == NULL)
        free(st);
    return 0;
}

static void batch_free(struct batch *b)
{
    for (size_t k = 0; k < b->n; k++) {
        free((char *)b->rec[k].key);
        free((char *)b->rec[k].site);
        free((char *)b->rec[k].note);
    }
    free(b->rec);
    b->rec = NULL;
    b->n = b->cap = 0;
}

/* Write the batch (one sync); a failure is logged: the next listing
 * decides the same again. */
static void batch_flush(hpcl_ctx *ctx, struct batch *b)
{
    struct hpcl__journal *jr;
    char saved[HPCL_ERRMSG_MAX];

    memcpy(saved, ctx->errmsg, sizeof saved);
    if (b->n > 0 && hpcl__ctx_journal(ctx, &jr) == HPCL_OK && jr != NULL &&
        hpcl__journal_append(jr, ctx, b->rec, b->n) != HPCL_OK)
        hpcl__log(ctx, HPCL_LOG_WARN, "journal: %s", ctx->errmsg);
    memcpy(ctx->errmsg, saved, sizeof saved);
    batch_free(b);
}

/* A journal event: into the listing's batch b, else (b NULL, or no
 * memory for it) written at once. */
static void note(hpcl_ctx *ctx, struct batch *b, enum hpcl__jevent ev,
                 const char *key, const char *site, uint64_t id,
                 const char *text)
{
    struct hpcl__journal *jr;

    if (b != NULL && batch_add(b, ev, key, site, id, text) == 0)
        return;
    if (hpcl__ctx_journal(ctx, &jr) == HPCL_OK && jr != NULL)
        hpcl__journal_record(jr, ctx, ev, key, site, id, text);
}

/* Ask the site's accounting about a job its controller no longer knows;
 * on no answer, why goes to detail. */
static enum hpcl__acct_answer ask_acct(hpcl_ctx *ctx, struct hpcl__site *site,
                                       const struct hpcl__jentry *e,
                                       struct hpcl__acct *a, char *detail,
                                       size_t len)
{
    memset(a, 0, sizeof *a);
    a->exit_code = -1;
    if (site->ops->acct == NULL)
        return HPCL__AA_NONE;
    if (site->ops->acct(site, ctx, (uint32_t)e->id, e->key, a) != HPCL_OK) {
        snprintf(detail, len, "%s", ctx->errmsg);
        return HPCL__AA_UNREACHABLE;
    }
    if (!a->have)
        return HPCL__AA_NONE;
    return a->found ? HPCL__AA_RECORD : HPCL__AA_NOJOB;
}

/* The decision into v, and into the journal when it settles the entry:
 * ENDED once (hpcl__end_note, with the signal when the controller said
 * one ended it), LOST once. */
static void record(hpcl_ctx *ctx, struct batch *b,
                   const struct hpcl__jentry *e,
                   const struct hpcl__settled *s, int term_signal,
                   const char *detail, struct verdict *v)
{
    char text[HPCL_ERRMSG_MAX + 512];

    v->status = s->status;
    v->state = s->state;
    v->exit_code = s->exit_code;
    v->started = s->started;
    v->source = s->from_acct ? "accounting" : NULL;
    if (s->why != NULL)
        snprintf(v->error, sizeof v->error, "%s%s%s", s->why,
                 detail[0] != '\0' ? ": " : "", detail);
    if (strcmp(s->status, "ended") == 0 && e->state != HPCL__J_ENDED) {
        hpcl__end_note(text, sizeof text, s->state, s->exit_code,
                       term_signal, s->from_acct);
        note(ctx, b, HPCL__J_ENDED, e->key, e->site, e->id, text);
        v->reconciled = "ENDED";
    } else if (strcmp(s->status, "lost") == 0 && e->state != HPCL__J_LOST) {
        snprintf(text, sizeof text, "%s%s", s->started ? "started: " : "",
                 v->error);
        note(ctx, b, HPCL__J_LOST, e->key, e->site, e->id, text);
        v->reconciled = "LOST";
    }
}

/* The controller's answer for one entry, from its site's listing; for
 * an entry to settle by its key, the site's answer to find_keys. */
struct answer {
    enum hpcl__ctl_answer ctl;
    hpcl_state state;
    int exit_code;
    int term_signal;
    int key_asked;
    uint32_t key_id; /* 0: no job carries the key */
};

/* One site's listing (one request for all its entries). */
struct listing {
    int asked;
    hpcl_rc rc;                  /* of the request */
    char error[HPCL_ERRMSG_MAX]; /* its message when it failed */
    hpcl_rc keys_rc;             /* of find_keys, when asked */
    char keys_error[HPCL_ERRMSG_MAX];
    hpcl_ctx *ctx;
    size_t site;
    const struct hpcl__jsummary *s;
    const size_t *want;          /* entries (indexes into s) to answer */
    size_t nwant;
    struct answer *ans;          /* per entry of s; ans[k].ctl set for want */
};

/* What one run of hpcl_ctx_jobs_json carries along. */
struct run {
    struct batch batch;
    struct listing *site;        /* per site of the site file */
    struct answer *ans;          /* per journal entry */
    /* The last identity check per site: entries of one site file carry
     * the same cluster, and the identity costs a request. */
    char (*cluster)[HPCL__CLUSTER_MAX];
    hpcl_rc *cluster_rc;
    char (*cluster_why)[HPCL_ERRMSG_MAX];
    /* Scratch for asking the sites, per entry: which site, which
     * entries a site is asked for, their ids or keys. */
    size_t *sidx, *want;
    uint32_t *ids;
    const char **keys;
};

/* A submitted job: asked of its controller (or taken from its site's
 * listing, ans), then, when the controller no longer knows it, of its
 * site's accounting (lib/submit/settle.c). */
static void check_submitted(hpcl_ctx *ctx, struct run *run, size_t i,
                            const struct hpcl__jentry *e,
                            const struct answer *ans, struct verdict *v)
{
    enum hpcl__ctl_answer ctl = HPCL__CTL_UNREACHABLE;
    enum hpcl__acct_answer aa = HPCL__AA_NONE;
    struct hpcl__site *site;
    struct hpcl__settled s;
    struct hpcl__acct a = {.exit_code = -1};
    char detail[HPCL_ERRMSG_MAX] = "";
    hpcl_job *job = NULL;
    hpcl_rc rc;

    if ((rc = hpcl__site_open(ctx, i, &site)) != HPCL_OK ||
        (rc = hpcl_job_create(&job, ctx)) != HPCL_OK) {
        v->status = "unknown";
        snprintf(v->error, sizeof v->error, "%s", ctx->errmsg);
        return;
    }
    if (run != NULL && e->cluster[0] != '\0' &&
        strcmp(run->cluster[i], e->cluster) == 0) {
        rc = run->cluster_rc[i];
        snprintf(v->error, sizeof v->error, "%s", run->cluster_why[i]);
    } else {
        rc = hpcl__cluster_check(ctx, site, e, v->error, sizeof v->error);
        if (run != NULL && e->cluster[0] != '\0') {
            snprintf(run->cluster[i], HPCL__CLUSTER_MAX, "%s", e->cluster);
            run->cluster_rc[i] = rc;
            snprintf(run->cluster_why[i], HPCL_ERRMSG_MAX, "%s", v->error);
        }
    }
    if (rc != HPCL_OK) {
        v->status = rc == HPCL_E_INVAL ? "other cluster" : "unknown";
        hpcl_job_destroy(job);
        return;
    }
    hpcl__job_set_ref(job, i, (uint32_t)e->id, HPCL__NO_TASK);
    memcpy(job->key, e->key, sizeof job->key);
    if (ans != NULL) {
        ctl = ans->ctl;
        job->info.state = ans->state;
        job->info.exit_code = ans->exit_code;
        job->info.term_signal = ans->term_signal;
        if (ctl == HPCL__CTL_UNREACHABLE)
            snprintf(detail, sizeof detail, "%s", run->site[i].error);
        goto asked;
    }
    rc = site->ops->query(site, ctx, (uint32_t)e->id, job->ref,
                          hpcl__job_absorb_checked, job);
    if (rc == HPCL_OK && !job->other_key)
        ctl = HPCL__CTL_HAS;
    else if (rc == HPCL_OK && job->other_key)
        ctl = HPCL__CTL_OTHER_KEY;
    else if (rc == HPCL_E_NOJOB)
        ctl = HPCL__CTL_NOJOB;
    else
        snprintf(detail, sizeof detail, "%s", ctx->errmsg);
asked:
    if (ctl == HPCL__CTL_NOJOB || ctl == HPCL__CTL_OTHER_KEY)
        aa = ask_acct(ctx, site, e, &a, detail, sizeof detail);
    hpcl__settle(&s, ctl, job->info.state, job->info.exit_code, aa, &a);
    record(ctx, run != NULL ? &run->batch : NULL, e, &s,
           s.from_acct ? -1 : job->info.term_signal, detail, v);
    hpcl_job_destroy(job);
}

/* An entry whose writer died between INTENT and outcome. */
static void settle(hpcl_ctx *ctx, struct run *run, size_t i, size_t k,
                   const struct hpcl__jentry *e, struct verdict *v)
{
    struct batch *b = &run->batch;
    const struct answer *ans = &run->ans[k];
    struct hpcl__site *site;
    uint32_t id = 0;
    hpcl_rc rc;

    if (ans->key_asked) { /* the site's one listing for all such keys */
        rc = run->site[i].keys_rc;
        id = ans->key_id;
        if (rc == HPCL_OK && id == 0)
            rc = HPCL_E_NOJOB;
        else if (rc != HPCL_OK)
            hpcl__fail(ctx, rc, "%s", run->site[i].keys_error);
    } else if ((rc = hpcl__site_open(ctx, i, &site)) == HPCL_OK) {
        rc = site->ops->find_key(site, ctx, e->key, &id);
    }
    if (rc == HPCL_OK) {
        struct hpcl__jentry found = *e;
        note(ctx, b, HPCL__J_ADOPTED, e->key, e->site, id, "reconciled: found "
             "by its key");
        found.id = id;
        check_submitted(ctx, run, i, &found, NULL, v);
        v->id = id;
        v->reconciled = "ADOPTED";
    } else if (rc == HPCL_E_NOJOB) {
        note(ctx, b, HPCL__J_FAILED, e->key, e->site, 0, "reconciled: not "
             "submitted (no job with this key at the site)");
        v->status = "not submitted";
        v->reconciled = "FAILED";
    } else {
        v->status = "unresolved";
        snprintf(v->error, sizeof v->error, "%s", ctx->errmsg);
    }
}

/* --- one listing per site --------------------------------------------- */

/* The job a record belongs to: an array task's array job. */
static uint32_t owner(const struct hpcl__jobrec *r)
{
    return r->array_job_id != 0 ? r->array_job_id : r->job_id;
}

static int by_owner(const void *a, const void *b)
{
    uint32_t x = owner(a), y = owner(b);

    return x < y ? -1 : x > y;
}

/* The first of the n sorted records owned by id or later. */
static size_t first_of(const struct hpcl__jobrec *r, size_t n, uint32_t id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (owner(&r[mid]) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The answer for one entry from the records of its job, decided as a
 * query of that job alone decides it (hpcl__job_absorb_checked). */
static hpcl_rc answer_one(struct listing *l, const struct hpcl__jentry *e,
                          const struct hpcl__jobrec *recs, size_t n,
                          struct answer *a)
{
    hpcl_job *job = NULL;
    hpcl_rc rc;

    if (n == 0) {
        a->ctl = HPCL__CTL_NOJOB;
        return HPCL_OK;
    }
    if ((rc = hpcl_job_create(&job, l->ctx)) != HPCL_OK)
        return rc;
    hpcl__job_set_ref(job, l->site, (uint32_t)e->id, HPCL__NO_TASK);
    memcpy(job->key, e->key, sizeof job->key);
    rc = hpcl__job_absorb_checked(job, recs, n);
    if (rc == HPCL_OK) {
        a->ctl = job->other_key ? HPCL__CTL_OTHER_KEY : HPCL__CTL_HAS;
        a->state = job->info.state;
        a->exit_code = job->info.exit_code;
        a->term_signal = job->info.term_signal;
    } else if (rc == HPCL_E_NOJOB) { /* an array task gone */
        a->ctl = HPCL__CTL_NOJOB;
        rc = HPCL_OK;
    }
    hpcl_job_destroy(job);
    return rc;
}

/* The list callback: every record of the site at once. */
static hpcl_rc take_listing(void *arg, const struct hpcl__jobrec *recs,
                            size_t n)
{
    struct listing *l = arg;
    struct hpcl__jobrec *r = NULL;
    hpcl_rc rc = HPCL_OK;

    if (n > 0 && (r = malloc(n * sizeof *r)) == NULL)
        return hpcl__fail(l->ctx, HPCL_E_NOMEM, "out of memory");
    if (n > 0) {
        memcpy(r, recs, n * sizeof *r);
        qsort(r, n, sizeof *r, by_owner);
    }
    for (size_t w = 0; rc == HPCL_OK && w < l->nwant; w++) {
        const struct hpcl__jentry *e = &l->s->entry[l->want[w]];
        uint32_t id = (uint32_t)e->id;
        size_t lo = first_of(r, n, id), hi = lo;

        while (hi < n && owner(&r[hi]) == id)
            hi++;
        rc = answer_one(l, e, r + lo, hi - lo, &l->ans[l->want[w]]);
    }
    free(r);
    return rc;
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* The index of a site the journal names, without an error message: a
 * journal may name sites the site file no longer has, and formatting a
 * message per entry was a fifth of listing a long journal.  0, or -1. */
static int known_site(hpcl_ctx *ctx, const char *name, size_t *i)
{
    const struct hpcl__sites *sites;
    const struct hpcl__site_conf *c;

    if (name[0] == '\0' || hpcl__ctx_sites(ctx, &sites) != HPCL_OK ||
        (c = hpcl__sites_get(sites, name)) == NULL)
        return -1;
    *i = (size_t)(c - sites->site);
    return 0;
}

/* Does the entry's state ask its controller about its id? */
static int asks_controller(const struct hpcl__jentry *e)
{
    return e->id != 0 && e->id <= UINT32_MAX &&
           (e->state == HPCL__J_SUBMITTED || e->state == HPCL__J_ADOPTED ||
            e->state == HPCL__J_LOST);
}

/* One list request per site (the driver may make it a few) for the
 * selected entries that need their controller's answer, naming their
 * ids.  A site whose driver cannot list, or whose
 * listing failed otherwise than by not answering, is left unasked: its
 * entries are queried one by one, as before. */
static void list_sites(hpcl_ctx *ctx, struct run *run,
                       const struct hpcl__jsummary *s, const size_t *sel,
                       size_t nsel)
{
    size_t nsites = hpcl_ctx_site_count(ctx), *want = run->want,
           *sidx = run->sidx;
    uint32_t *ids = run->ids;

    for (size_t k = 0; k < nsel; k++) {
        const struct hpcl__jentry *e = &s->entry[sel[k]];
        if (!asks_controller(e) || known_site(ctx, e->site, &sidx[k]) != 0)
            sidx[k] = SIZE_MAX;
    }
    for (size_t i = 0; i < nsites; i++) {
        struct listing *l = &run->site[i];
        struct hpcl__site *site;
        size_t nwant = 0, nids = 0;

        for (size_t k = 0; k < nsel; k++)
            if (sidx[k] == i)
                want[nwant++] = sel[k];
        if (nwant == 0 || hpcl__site_open(ctx, i, &site) != HPCL_OK ||
            site->ops->list == NULL)
            continue;
        *l = (struct listing){.ctx = ctx, .site = i, .s = s, .want = want,
                              .nwant = nwant, .ans = run->ans};
        for (size_t w = 0; w < nwant; w++) {
            run->ans[want[w]] = (struct answer){
                .ctl = HPCL__CTL_UNREACHABLE, .state = HPCL_STATE_UNKNOWN,
                .exit_code = -1, .term_signal = -1};
            ids[w] = (uint32_t)s->entry[want[w]].id;
        }
        qsort(ids, nwant, sizeof *ids, by_id);
        for (size_t w = 0; w < nwant; w++) /* each id once */
            if (nids == 0 || ids[nids - 1] != ids[w])
                ids[nids++] = ids[w];
        l->rc = site->ops->list(site, ctx, ids, nids, take_listing, l);
        l->want = NULL;
        if (l->rc == HPCL_OK || l->rc == HPCL_E_UNREACHABLE ||
            l->rc == HPCL_E_TIMEOUT)
            l->asked = 1;
        if (l->rc != HPCL_OK)
            snprintf(l->error, sizeof l->error, "%s", ctx->errmsg);
        hpcl__log(ctx, HPCL_LOG_DEBUG, "jobs: site %s listed once for %zu "
                  "entries: %s", hpcl__site_name(ctx, i), nwant,
                  l->rc == HPCL_OK ? "ok" : l->error);
    }
    hpcl__clear_error(ctx);
}

/* Entries whose submit was cut off (INTENT or AMBIGUOUS, their writer
 * gone) are settled by their key: one find_keys per site for all of
 * them where the driver has it (a slurmrestd /jobs of a long queue takes
 * seconds, one per entry took minutes), key by key otherwise (settle). */
static void find_keys_sites(hpcl_ctx *ctx, struct run *run,
                            const struct hpcl__jsummary *s, const size_t *sel,
                            size_t nsel)
{
    size_t nsites = hpcl_ctx_site_count(ctx), *want = run->want;
    const char **keys = run->keys;
    uint32_t *ids = run->ids;

    for (size_t i = 0; i < nsites; i++) {
        struct listing *l = &run->site[i];
        struct hpcl__site *site;
        size_t n = 0, at;

        for (size_t j = 0; j < nsel; j++) {
            const struct hpcl__jentry *e = &s->entry[sel[j]];
            if (hpcl__jentry_unresolved(e) &&
                known_site(ctx, e->site, &at) == 0 && at == i &&
                !hpcl__jentry_writer_alive(e)) {
                want[n] = sel[j];
                keys[n++] = e->key;
            }
        }
        if (n < 2 || hpcl__site_open(ctx, i, &site) != HPCL_OK ||
            site->ops->find_keys == NULL)
            continue;
        l->keys_rc = site->ops->find_keys(site, ctx, keys, n, ids);
        if (l->keys_rc != HPCL_OK)
            snprintf(l->keys_error, sizeof l->keys_error, "%s", ctx->errmsg);
        for (size_t w = 0; w < n; w++) {
            run->ans[want[w]].key_asked = 1;
            run->ans[want[w]].key_id = l->keys_rc == HPCL_OK ? ids[w] : 0;
        }
        hpcl__log(ctx, HPCL_LOG_DEBUG, "jobs: site %s asked once for %zu "
                  "keys: %s", hpcl__site_name(ctx, i), n,
                  l->keys_rc == HPCL_OK ? "ok" : l->keys_error);
    }
    hpcl__clear_error(ctx);
}

static void judge(hpcl_ctx *ctx, struct run *run, size_t k,
                  const struct hpcl__jentry *e, struct verdict *v)
{
    const struct answer *ans = NULL;
    size_t i;

    v->id = e->id;
    /* Settled by the journal alone, whatever the site file says now. */
    switch (e->state) {
    case HPCL__J_FAILED:
        v->status = "not submitted";
        return;
    case HPCL__J_CANCELLED:
        v->status = "cancelled";
        return;
    case HPCL__J_ENDED:
    case HPCL__J_NEVENTS:
        v->status = "ended";
        return;
    default:
        break;
    }
    if (known_site(ctx, e->site, &i) != 0) {
        v->status = "unknown";
        snprintf(v->error, sizeof v->error, "site '%s' is not in the site "
                 "file", e->site);
        return;
    }
    switch (e->state) {
    case HPCL__J_INTENT:
    case HPCL__J_AMBIGUOUS:
        if (hpcl__jentry_writer_alive(e))
            v->status = "in flight";
        else
            settle(ctx, run, i, k, e, v);
        return;
    default:
        break;
    }
    if (run->ans != NULL && run->site[i].asked)
        ans = &run->ans[k];
    switch (e->state) {
    case HPCL__J_SUBMITTED:
    case HPCL__J_ADOPTED:
        check_submitted(ctx, run, i, e, ans, v);
        return;
    case HPCL__J_LOST:
        /* Asked again: accounting may have been down, or may know more
         * now; --resubmit acts on this answer, not on an old one. */
        check_submitted(ctx, run, i, e, ans, v);
        return;
    default: /* settled above */
        return;
    }
}

/* What an entry shows of its job: state, exit code, and where the end
 * came from; NULL / -1 when not known. */
struct shown {
    char state[32];
    long exit_code;
    const char *source;
};

/* An ENDED note (hpcl__end_note: "STATE", or "STATE exit N" and what
 * follows, " (accounting)" when accounting gave it), as the entry's
 * state, exit code and source. */
static void ended_note(struct shown *sh, const char *note)
{
    size_t n = strcspn(note, " ");
    char *end;
    long code;

    memcpy(sh->state, note, n < sizeof sh->state ? n : sizeof sh->state - 1);
    sh->state[n < sizeof sh->state ? n : sizeof sh->state - 1] = '\0';
    if (strncmp(note + n, " exit ", 6) == 0 &&
        (code = strtol(note + n + 6, &end, 10), end != note + n + 6))
        sh->exit_code = code;
    if (strstr(note, " (accounting)") != NULL)
        sh->source = "accounting";
}

static void kstr_or_null(struct hpcl__jw *w, const char *key, const char *s)
{
    hpcl__jw_kstr(w, key, s != NULL && s[0] != '\0' ? s : NULL);
}

static void kint_or_null(struct hpcl__jw *w, const char *key, long long v,
                         int known)
{
    hpcl__jw_key(w, key);
    if (known)
        hpcl__jw_int(w, v);
    else
        hpcl__jw_null(w);
}

/* One entry, written straight into the listing's text: no JSON tree, as
 * a journal of 100k settled jobs is listed in well under a second.
 * Every key of the journal entry of hpclaunch-json(7), null when not
 * known. */
/* "site:id" into ref (HPCL__REF_MAX): site names are shorter than
 * HPCL__JNAME_MAX (the journal reader checks) and ids 20 digits. */
_Static_assert(HPCL__JNAME_MAX + 21 <= HPCL__REF_MAX, "ref_text fits");

static void ref_text(char ref[HPCL__REF_MAX], const char *site, uint64_t id)
{
    char digits[21], *d = digits + sizeof digits;
    size_t n = strlen(site);

    memcpy(ref, site, n);
    ref[n++] = ':';
    do
        *--d = (char)('0' + id % 10);
    while ((id /= 10) != 0);
    memcpy(ref + n, d, (size_t)(digits + sizeof digits - d));
    ref[n + (size_t)(digits + sizeof digits - d)] = '\0';
}

static void entry_json(struct hpcl__jw *w, const struct hpcl__jentry *e,
                       const struct verdict *v)
{
    struct shown sh = {.exit_code = -1, .source = v->source};
    char ref[HPCL__REF_MAX];

    /* Copies, not snprintf: a long journal lists a row per entry. */
    ref_text(ref, e->site, v->id);
    if (v->state != HPCL_STATE_UNKNOWN) {
        const char *name = hpcl_state_name(v->state);
        size_t n = strlen(name);

        n = n < sizeof sh.state - 1 ? n : sizeof sh.state - 1;
        memcpy(sh.state, name, n);
        sh.state[n] = '\0';
        if (v->exit_code >= 0 && hpcl_state_is_terminal(v->state))
            sh.exit_code = v->exit_code;
    } else if (e->state == HPCL__J_ENDED) {
        ended_note(&sh, e->note);
    }
    hpcl__jw_open(w, '{');
    hpcl__jw_kstr(w, "key", e->key);
    hpcl__jw_kstr(w, "site", e->site);
    hpcl__jw_kstr(w, "journal_event", hpcl__jevent_name(e->state));
    hpcl__jw_kstr(w, "journal_state", v->status);
    kint_or_null(w, "id", (long long)v->id, v->id != 0);
    kstr_or_null(w, "ref", v->id != 0 ? ref : NULL);
    kstr_or_null(w, "name", e->name);
    kstr_or_null(w, "state", sh.state);
    kint_or_null(w, "exit_code", sh.exit_code, sh.exit_code >= 0);
    kstr_or_null(w, "source", sh.source);
    hpcl__jw_key(w, "started");
    hpcl__jw_bool(w, v->started);
    kstr_or_null(w, "reconciled", v->reconciled);
    /* The INTENT's note is the name, shown as such. */
    kstr_or_null(w, "note", e->name != NULL && e->note == e->name - 5
                                ? NULL : e->note);
    kstr_or_null(w, "error", v->error);
    kstr_or_null(w, "cluster", e->cluster);
    hpcl__jw_kint(w, "first_time", e->first);
    hpcl__jw_kint(w, "last_time", e->last);
    hpcl__jw_close(w, '}');
}

static void run_end(struct run *run)
{
    batch_free(&run->batch);
    free(run->site);
    free(run->ans);
    free(run->cluster);
    free(run->cluster_rc);
    free(run->cluster_why);
    free(run->sidx);
    free(run->want);
    free(run->ids);
    free(run->keys);
}

static hpcl_rc load(hpcl_ctx *ctx, struct hpcl__jsummary **out)
{
    char *path = NULL;
    hpcl_rc rc;

    if (!ctx->sites_loaded)
        return hpcl__fail(ctx, HPCL_E_INVAL, "no journal: the context "
                          "keeps one once hpcl_ctx_load_sites() was called");
    if ((rc = hpcl__journal_path(&path, ctx, ctx->sites->journal)) ==
        HPCL_OK)
        rc = hpcl__journal_load(out, ctx, path);
    free(path);
    return rc;
}

static hpcl_rc run_begin(hpcl_ctx *ctx, struct run *run, size_t n)
{
    size_t ns = hpcl_ctx_site_count(ctx);

    memset(run, 0, sizeof *run);
    run->site = calloc(ns ? ns : 1, sizeof *run->site);
    run->ans = calloc(n ? n : 1, sizeof *run->ans);
    run->cluster = calloc(ns ? ns : 1, sizeof *run->cluster);
    run->cluster_rc = calloc(ns ? ns : 1, sizeof *run->cluster_rc);
    run->cluster_why = calloc(ns ? ns : 1, sizeof *run->cluster_why);
    run->sidx = malloc((n ? n : 1) * sizeof *run->sidx);
    run->want = malloc((n ? n : 1) * sizeof *run->want);
    run->ids = malloc((n ? n : 1) * sizeof *run->ids);
    run->keys = malloc((n ? n : 1) * sizeof *run->keys);
    if (run->site == NULL || run->ans == NULL || run->cluster == NULL ||
        run->cluster_rc == NULL || run->cluster_why == NULL ||
        run->sidx == NULL || run->want == NULL || run->ids == NULL ||
        run->keys == NULL) {
        run_end(run);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    return HPCL_OK;
}

/* Does the entry, judged v, match state (a status, state or event)? */
static int state_matches(const struct hpcl__jentry *e,
                         const struct verdict *v, const char *state)
{
    /* A job settled by the journal shows the state its ENDED note
     * records ("FAILED exit 3"): --state FAILED finds it too. */
    size_t n = e->state == HPCL__J_ENDED && e->note != NULL
                   ? strcspn(e->note, " ")
                   : 0;

    return state == NULL || strcasecmp(state, v->status) == 0 ||
           (v->state != HPCL_STATE_UNKNOWN &&
            strcasecmp(state, hpcl_state_name(v->state)) == 0) ||
           (v->state == HPCL_STATE_UNKNOWN && n > 0 && strlen(state) == n &&
            strncasecmp(state, e->note, n) == 0) ||
           strcasecmp(state, hpcl__jevent_name(e->state)) == 0;
}

static hpcl_rc jobs_json(char **out, hpcl_ctx *ctx, const char *site,
                         const char *state, long long since, unsigned flags,
                         const char *fname)
{
    struct hpcl__jsummary *s = NULL;
    struct hpcl__jw w;
    struct run run;
    size_t *sel = NULL, nsel = 0;
    hpcl_rc rc;

    if (out == NULL || ctx == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    hpcl__clear_error(ctx);
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "%s: flags must be 0 (got %#x)",
                          fname, flags);
    if ((rc = load(ctx, &s)) != HPCL_OK)
        return rc;
    if ((rc = run_begin(ctx, &run, s->n)) != HPCL_OK) {
        hpcl__jsummary_free(s);
        return rc;
    }
    if ((sel = malloc((s->n ? s->n : 1) * sizeof *sel)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t k = 0; rc == HPCL_OK && k < s->n; k++)
        if ((site == NULL || strcmp(site, s->entry[k].site) == 0) &&
            s->entry[k].first >= since)
            sel[nsel++] = k;
    if (rc == HPCL_OK) {
        list_sites(ctx, &run, s, sel, nsel);
        find_keys_sites(ctx, &run, s, sel, nsel);
    }
    hpcl__jw_init(&w, 0);
    hpcl__jw_open(&w, '[');
    for (size_t j = 0; rc == HPCL_OK && j < nsel; j++) {
        struct verdict v = {.status = "unknown", .exit_code = -1};
        size_t k = sel[j];
        judge(ctx, &run, k, &s->entry[k], &v);
        if (state_matches(&s->entry[k], &v, state))
            entry_json(&w, &s->entry[k], &v);
    }
    hpcl__jw_close(&w, ']');
    batch_flush(ctx, &run.batch);
    run_end(&run);
    free(sel);
    if ((*out = hpcl__jw_finish(&w)) == NULL && rc == HPCL_OK)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    if (rc != HPCL_OK) {
        free(*out);
        *out = NULL;
    } else { /* per-entry errors are in the entries */
        hpcl__clear_error(ctx);
    }
    hpcl__jsummary_free(s);
    return rc;
}

hpcl_rc hpcl_ctx_jobs_json(char **out, hpcl_ctx *ctx, unsigned flags)
{
    return jobs_json(out, ctx, NULL, NULL, 0, flags, "hpcl_ctx_jobs_json");
}

hpcl_rc hpcl_ctx_jobs_filter_json(char **out, hpcl_ctx *ctx,
                                  const char *site, const char *state,
                                  long long since, unsigned flags)
{
    return jobs_json(out, ctx, site, state, since, flags,
                     "hpcl_ctx_jobs_filter_json");
}

hpcl_rc hpcl_ctx_jobs_prune(hpcl_ctx *ctx, long long age_s, size_t *removed,
                            unsigned flags)
{
    char *path = NULL;
    size_t dropped = 0;
    hpcl_rc rc;

    if (ctx == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(ctx);
    if (removed != NULL)
        *removed = 0;
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_ctx_jobs_prune: flags "
                          "must be 0 (got %#x)", flags);
    if (age_s < 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_ctx_jobs_prune: age %lld "
                          "s is negative", age_s);
    if (!ctx->sites_loaded)
        return hpcl__fail(ctx, HPCL_E_INVAL, "no journal: the context "
                          "keeps one once hpcl_ctx_load_sites() was called");
    if ((rc = hpcl__journal_path(&path, ctx, ctx->sites->journal)) ==
        HPCL_OK)
        rc = hpcl__journal_prune(ctx, path,
                                 (long long)time(NULL) - age_s, &dropped);
    free(path);
    if (rc == HPCL_OK && removed != NULL)
        *removed = dropped;
    return rc;
}

/* --- resubmission of a lost job ---------------------------------------- */

/* HPCL_OK when the entry is lost now, as its controller and accounting
 * answer at this moment; else why not, in the context.  A key that ever
 * ended or was cancelled, at any site, is never run again; nor is one
 * that started before it was lost, or one whose fate is unknown. */
static hpcl_rc still_lost(hpcl_ctx *ctx, const struct hpcl__jentry *e)
{
    const unsigned ended = 1u << HPCL__J_ENDED | 1u << HPCL__J_CANCELLED;
    struct verdict v = {.status = "unknown", .exit_code = -1};
    size_t i;

    if (e->seen & ended)
        return hpcl__fail(ctx, HPCL_E_INVAL, "job %s ended or was "
                          "cancelled (the journal says so), not LOST: a job "
                          "that ended is never resubmitted", e->key);
    if (e->state != HPCL__J_SUBMITTED && e->state != HPCL__J_ADOPTED &&
        e->state != HPCL__J_LOST)
        return hpcl__fail(ctx, HPCL_E_INVAL, "job %s is %s in the journal, "
                          "not LOST: only a job its site lost is resubmitted "
                          "(run hpclaunch jobs to reconcile first)", e->key,
                          hpcl__jevent_name(e->state));
    if (hpcl__site_index(ctx, e->site, &i) != HPCL_OK)
        return hpcl__fail(ctx, HPCL_E_INVAL, "job %s went to site '%s', "
                          "which is not in the site file", e->key, e->site);
    check_submitted(ctx, NULL, i, e, NULL, &v);
    if (strcmp(v.status, "lost") != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "job %s is %s at %s:%llu, not "
                          "LOST%s%s: only a job its site lost is resubmitted",
                          e->key, v.status, e->site,
                          (unsigned long long)e->id,
                          v.error[0] != '\0' ? ": " : "", v.error);
    if (v.started)
        return hpcl__fail(ctx, HPCL_E_INVAL, "job %s is lost but had "
                          "started: %s", e->key, v.error);
    return HPCL_OK;
}

/* One resubmission at a time per journal: a second `hpclaunch jobs
 * --resubmit KEY` waits here, then finds the key submitted again and
 * refuses.  A lock file beside the journal, not the journal itself: its
 * appends take their own lock on it, from this same process. */
static hpcl_rc claim(hpcl_ctx *ctx, int *fd)
{
    char *path = NULL, *lock = NULL;
    hpcl_rc rc;

    *fd = -1;
    if ((rc = hpcl__journal_path(&path, ctx, ctx->sites->journal)) !=
        HPCL_OK)
        return rc;
    if (asprintf(&lock, "%s.resubmit-lock", path) < 0) {
        lock = NULL;
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    } else if ((*fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                           0600)) < 0) {
        rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "cannot open %s: %s", lock,
                        strerror(errno));
    } else {
        int r;

        while ((r = flock(*fd, LOCK_EX)) != 0 && errno == EINTR)
            ;
        if (r != 0)
            rc = hpcl__fail(ctx, HPCL_E_SYSTEM, "flock %s: %s", lock,
                            strerror(errno));
    }
    if (rc != HPCL_OK && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    free(lock);
    free(path);
    return rc;
}

static hpcl_rc lost_site(hpcl_ctx *ctx, const char *key, size_t *site,
                         struct hpcl__jobdesc *d)
{
    struct hpcl__jsummary *s = NULL;
    const struct hpcl__jentry *e;
    char name[HPCL__SITE_NAME_MAX + 1];
    hpcl_rc rc;

    if ((rc = load(ctx, &s)) != HPCL_OK)
        return rc;
    if ((e = hpcl__jsummary_get(s, key)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_INVAL, "no job with key '%s' in the "
                        "journal", key);
    else
        rc = still_lost(ctx, e);
    hpcl__jsummary_free(s);
    if (rc != HPCL_OK ||
        (rc = hpcl__sidecar_load(ctx, key, name, d)) != HPCL_OK)
        return rc;
    if ((rc = hpcl__site_index(ctx, name, site)) != HPCL_OK)
        hpcl__jobdesc_free(d);
    return rc;
}

/* Submit d at site i under key, journalled; *id on success. */
static hpcl_rc resend(hpcl_ctx *ctx, size_t i, const char *key,
                      const struct hpcl__jobdesc *d, uint32_t *id)
{
    const char *name = hpcl__site_name(ctx, i);
    char text[HPCL__CLUSTER_MAX + 32];
    struct hpcl__site *site;
    hpcl_rc rc;

    if ((rc = hpcl__site_open(ctx, i, &site)) != HPCL_OK)
        return rc;
    note(ctx, NULL, HPCL__J_INTENT, key, name, 0, "resubmit of a lost job");
    rc = site->ops->submit(site, ctx, d, id);
    if (rc == HPCL_OK) {
        hpcl__cluster_note(text, sizeof text, ctx, site, "resubmitted");
        note(ctx, NULL, HPCL__J_SUBMITTED, key, name, *id, text);
    } else if (rc == HPCL_E_AMBIGUOUS &&
               hpcl__resolve_key(ctx, i, key, id) == HPCL_OK) {
        note(ctx, NULL, HPCL__J_ADOPTED, key, name, *id, "found by its key");
        rc = HPCL_OK;
    } else if (rc == HPCL_E_AMBIGUOUS) {
        note(ctx, NULL, HPCL__J_AMBIGUOUS, key, name, 0, "answer lost");
        rc = hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "job may exist at site %s; "
                        "key %s; run `hpclaunch jobs` later", name, key);
    } else {
        char *why = strdup(ctx->errmsg);
        note(ctx, NULL, HPCL__J_FAILED, key, name, 0, why);
        hpcl__fail(ctx, rc, "%s", why ? why : "");
        free(why);
    }
    return rc;
}

hpcl_rc hpcl_job_resubmit(hpcl_job **out, hpcl_ctx *ctx, const char *key,
                          unsigned flags)
{
    struct hpcl__jobdesc d;
    hpcl_job *job = NULL;
    uint32_t id = 0;
    size_t i = 0;
    int lock = -1;
    hpcl_rc rc;

    if (out == NULL || ctx == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    hpcl__clear_error(ctx);
    if (flags != 0)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_job_resubmit: flags "
                          "must be 0 (got %#x)", flags);
    if (!hpcl__key_valid(key))
        return hpcl__fail(ctx, HPCL_E_INVAL, "'%s' is not a job key "
                          "(hpcl- and 32 hex digits)", key ? key : "(null)");
    if (!ctx->sites_loaded)
        return hpcl__fail(ctx, HPCL_E_INVAL, "no journal: the context "
                          "keeps one once hpcl_ctx_load_sites() was called");
    if ((rc = claim(ctx, &lock)) != HPCL_OK)
        return rc;
    if ((rc = lost_site(ctx, key, &i, &d)) == HPCL_OK) {
        if ((rc = resend(ctx, i, key, &d, &id)) == HPCL_OK &&
            (rc = hpcl_job_create(&job, ctx)) == HPCL_OK) {
            snprintf(job->key, sizeof job->key, "%s", key);
            hpcl__job_set_ref(job, i, id, HPCL__NO_TASK);
            *out = job;
        }
        hpcl__jobdesc_free(&d);
    }
    close(lock); /* drops the claim */
    return rc;
}
