/*
 * Choosing a site for a job (hpclaunch.conf(5)).  Every
 * eligible site is probed at once, one thread per site, so the decision
 * takes as long as the slowest probe, not the sum: each libslurm site has
 * a helper process of its own, REST probes overlap.  A site
 * known down (its driver's memory, or a failure to answer in the last
 * HPCL__SITE_DOWN_S seconds) is not asked at all.  Then: stay home when
 * home's expected start is within max_wait, or unknown (an answer that is
 * no estimate says nothing of the queue: lib/job/probe.c), else take the
 * earliest expected start, ties by preference.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "submit/choice.h"
#include "job/decision.h"
#include "job/job-internal.h"
#include "registry/registry.h"

/* Expected starts this close count as equal: estimates of idle sites
 * differ by the second in which each was made. */
#define TIE_S 2

/* Log lines from probe threads reach the caller's callback one at a
 * time: the callback need not be thread-safe. */
struct relay {
    hpcl_log_fn fn;
    void *arg;
    pthread_mutex_t mu;
};

static void relay_log(hpcl_log_level level, const char *msg, void *arg)
{
    struct relay *r = arg;

    pthread_mutex_lock(&r->mu);
    r->fn(level, msg, r->arg);
    pthread_mutex_unlock(&r->mu);
}

/* One site's probe, run in its own thread with its own context copy, so
 * that error messages do not mix. */
struct probe_task {
    hpcl_ctx tctx;
    struct hpcl__site *site;
    struct hpcl__jobdesc desc;
    struct hpcl_probe probe;
    hpcl_rc rc;
    double took;
    pthread_t th;
    int state; /* 0: nothing to do, 1: ready, 2: thread running */
};

static void *probe_main(void *arg)
{
    struct probe_task *t = arg;
    double t0 = hpcl__now();

    t->rc = hpcl__probe_at(t->site, &t->tctx, &t->desc, &t->probe);
    t->took = hpcl__now() - t0;
    return NULL;
}

static int set_error(struct hpcl__estimate *e, enum hpcl__est_state st,
                     hpcl_rc rc, const char *msg)
{
    e->state = st;
    e->rc = rc;
    free(e->error);
    e->error = strdup(msg != NULL && msg[0] != '\0' ? msg
                                                    : hpcl_strerror(rc));
    return e->error != NULL ? 0 : -1;
}

/* Open site i and build its request; a site that cannot be used is
 * recorded as such.  Only a job error (bad description) is returned. */
static hpcl_rc prepare(hpcl_job *job, size_t i, struct hpcl__decision *d,
                       struct probe_task *t, struct relay *relay)
{
    hpcl_ctx *ctx = job->ctx;
    struct hpcl__estimate *e = &d->est[i];
    const char *why;
    hpcl_rc rc;

    if (hpcl__site_known_down(ctx, i, &why))
        return set_error(e, HPCL__EST_DOWN, HPCL_E_UNREACHABLE, why)
                   ? HPCL_E_NOMEM : HPCL_OK;
    if ((rc = hpcl__site_open(ctx, i, &t->site)) != HPCL_OK)
        return set_error(e, HPCL__EST_FAILED, rc, ctx->errmsg)
                   ? HPCL_E_NOMEM : HPCL_OK;
    if ((rc = hpcl__jobdesc_site(&t->desc, job, i, NULL)) != HPCL_OK)
        return rc;
    t->tctx = *ctx;
    t->tctx.errmsg[0] = '\0';
    if (ctx->log_fn != NULL) {
        t->tctx.log_fn = relay_log;
        t->tctx.log_arg = relay;
    }
    t->state = 1;
    return HPCL_OK;
}

/* What a finished probe says, into its estimate. */
static int absorb(struct hpcl__decision *d, size_t i, struct probe_task *t,
                  hpcl_ctx *ctx)
{
    struct hpcl__estimate *e = &d->est[i];
    char msg[HPCL_ERRMSG_MAX];
    time_t from;

    e->took_s = t->took;
    if (t->rc == HPCL_OK && t->took * 1000 > (double)e->timeout_ms) {
        snprintf(msg, sizeof msg, "answered after %.1f s, over its timeout "
                 "of %.1f s", t->took, (double)e->timeout_ms / 1000);
        t->rc = HPCL_E_TIMEOUT;
        snprintf(t->tctx.errmsg, sizeof t->tctx.errmsg, "%s", msg);
    }
    hpcl__site_mark(ctx, i, t->rc, t->tctx.errmsg);
    /* Known even when the probe failed (sites, --explain). */
    e->api_version = t->probe.api_version;
    e->slurm_release = t->probe.slurm_release;
    t->probe.api_version = t->probe.slurm_release = NULL;
    if (t->rc != HPCL_OK)
        return set_error(e, HPCL__EST_FAILED, t->rc, t->tctx.errmsg);
    e->state = HPCL__EST_OK;
    e->start = t->probe.start_time;
    from = d->not_before > d->at ? d->not_before : d->at;
    if (e->start == 0)
        e->wait_s = -1; /* unknown */
    else
        e->wait_s = e->start > from ? (long)(e->start - from) : 0;
    e->pending = t->probe.pending_jobs;
    e->idle = t->probe.idle_nodes;
    e->total = t->probe.total_nodes;
    e->partition = t->probe.partition;
    t->probe.partition = NULL;
    return 0;
}

static void run_all(struct probe_task *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].state == 1 &&
            pthread_create(&t[i].th, NULL, probe_main, &t[i]) == 0)
            t[i].state = 2;
    /* A thread that could not be started probes here, in turn. */
    for (size_t i = 0; i < n; i++)
        if (t[i].state == 1)
            probe_main(&t[i]);
    for (size_t i = 0; i < n; i++)
        if (t[i].state == 2)
            pthread_join(t[i].th, NULL);
}

static hpcl_rc probe_all(hpcl_job *job, struct hpcl__decision *d)
{
    size_t n = d->nest;
    struct probe_task *t = calloc(n, sizeof *t);
    struct relay relay = {job->ctx->log_fn, job->ctx->log_arg,
                          PTHREAD_MUTEX_INITIALIZER};
    double t0 = hpcl__now();
    hpcl_rc rc = HPCL_OK;

    if (t == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == HPCL_OK; i++)
        rc = prepare(job, i, d, &t[i], &relay);
    if (rc == HPCL_OK)
        run_all(t, n);
    d->wall_s = hpcl__now() - t0;
    for (size_t i = 0; i < n; i++) {
        if (rc == HPCL_OK && t[i].state != 0 &&
            absorb(d, i, &t[i], job->ctx) != 0)
            rc = hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
        hpcl__jobdesc_free(&t[i].desc);
        free(t[i].probe.nodelist);
        free(t[i].probe.partition);
        free(t[i].probe.api_version);
        free(t[i].probe.slurm_release);
    }
    free(t);
    return rc;
}

/* --- the rule ---------------------------------------------------------- */

/* Did the site answer with a start estimate? */
static int known(const struct hpcl__estimate *e)
{
    return e->state == HPCL__EST_OK && e->start != 0;
}

/* The wait to compare sites by; an unknown start ranks after every
 * estimate, so among unknowns preference decides. */
static long rounded_wait(const struct hpcl__estimate *e)
{
    if (e->start == 0)
        return LONG_MAX;
    return e->wait_s <= TIE_S ? 0 : e->wait_s;
}

/* Sites that answered, best first: earliest start, then preference. */
static void order_answers(struct hpcl__decision *d,
                          const struct hpcl__sites *s, size_t first)
{
    d->order[0] = first;
    d->norder = 1;
    for (size_t k = 0; k < s->nsites; k++) {
        size_t i = s->order[k], j;
        if (i == first || d->est[i].state != HPCL__EST_OK)
            continue;
        /* Insertion by wait; s->order already ranks by preference. */
        for (j = d->norder; j > 1 && rounded_wait(&d->est[d->order[j - 1]]) >
                                         rounded_wait(&d->est[i]); j--)
            d->order[j] = d->order[j - 1];
        d->order[j] = i;
        d->norder++;
    }
}

static hpcl_rc no_answer(hpcl_ctx *ctx, struct hpcl__decision *d)
{
    char msg[HPCL_ERRMSG_MAX];
    size_t used = 0;

    msg[0] = '\0';
    for (size_t i = 0; i < d->nest && used < sizeof msg; i++)
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s: %s",
                                 i ? "; " : "", d->est[i].name,
                                 d->est[i].error ? d->est[i].error : "?");
    if (hpcl__decision_rule(d, "none", "no site answered the probe") != 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    return hpcl__fail(ctx, HPCL_E_NOBACKEND, "no site could take the job: "
                      "%s", msg);
}

/* The site that answered with the earliest start, ties by preference;
 * when none gave an estimate, the first that answered; s->nsites: none. */
static size_t earliest(const struct hpcl__decision *d,
                       const struct hpcl__sites *s)
{
    size_t best = s->nsites;

    for (size_t k = 0; k < s->nsites; k++) {
        size_t i = s->order[k];
        if (d->est[i].state == HPCL__EST_OK &&
            (best == s->nsites ||
             rounded_wait(&d->est[i]) < rounded_wait(&d->est[best])))
            best = i;
    }
    return best;
}

/* Home stays unless it is known to be saturated: an unknown start is no
 * evidence of a queue. */
static int stay_home(const struct hpcl__decision *d,
                     const struct hpcl__estimate *home)
{
    return home->state == HPCL__EST_OK &&
           (!known(home) || home->wait_s <= d->max_wait_s);
}

/* Why site best, when home did not answer. */
static int explain_home_silent(struct hpcl__decision *d,
                               const struct hpcl__estimate *home,
                               const struct hpcl__estimate *b)
{
    if (known(b))
        return hpcl__decision_rule(d, "earliest", "the home site %s did not "
                                   "answer; %s has the earliest expected "
                                   "start (in %ld s)", home->name, b->name,
                                   b->wait_s);
    return hpcl__decision_rule(d, "earliest", "the home site %s did not "
                               "answer and no site gave a start estimate; "
                               "%s is the preferred site that answered",
                               home->name, b->name);
}

/* The rule that chose site best, in one sentence. */
static int explain(struct hpcl__decision *d, const struct hpcl__sites *s,
                   size_t best)
{
    const struct hpcl__estimate *home = &d->est[s->home], *b = &d->est[best];

    if (home->state != HPCL__EST_OK)
        return explain_home_silent(d, home, b);
    if (!known(home))
        return hpcl__decision_rule(d, "home", "the home site %s gave no "
                                   "start estimate (unknown); staying home",
                                   home->name);
    if (best == s->home && home->wait_s <= d->max_wait_s)
        return hpcl__decision_rule(d, "home", "the home site %s would start "
                                   "the job in %ld s, within max_wait %ld s",
                                   home->name, home->wait_s, d->max_wait_s);
    if (best == s->home)
        return hpcl__decision_rule(d, "earliest", "the home site %s is "
                                   "saturated (expected start in %ld s, over "
                                   "max_wait %ld s), but no other site gave "
                                   "an earlier expected start", home->name,
                                   home->wait_s, d->max_wait_s);
    return hpcl__decision_rule(d, "earliest", "the home site %s is saturated "
                               "(expected start in %ld s, over max_wait %ld "
                               "s); %s has the earliest expected start (in "
                               "%ld s)", home->name, home->wait_s,
                               d->max_wait_s, b->name, b->wait_s);
}

static hpcl_rc decide(hpcl_ctx *ctx, struct hpcl__decision *d,
                      const struct hpcl__sites *s)
{
    size_t best = s->home;

    if (!stay_home(d, &d->est[s->home]) &&
        (best = earliest(d, s)) == s->nsites)
        return no_answer(ctx, d);
    order_answers(d, s, best);
    if (explain(d, s, best) != 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

/* --- the decision ------------------------------------------------------ */

static void describe_sites(struct hpcl__decision *d,
                           const struct hpcl__sites *s)
{
    for (size_t i = 0; i < s->nsites; i++) {
        struct hpcl__estimate *e = &d->est[i];
        snprintf(e->name, sizeof e->name, "%s", s->site[i].name);
        e->driver = s->site[i].driver == HPCL__DRIVER_SLURM ? "slurm"
                                                            : "slurmrestd";
        e->home = i == s->home;
        e->timeout_ms = s->site[i].timeout_ms;
    }
}

/* A job that names jobs or a reservation of one cluster belongs there:
 * Slurm's job ids and reservation names mean nothing elsewhere.  The
 * option that binds it, or NULL. */
static const char *bound_home(const hpcl_job *job)
{
    return job->dependency != NULL    ? "dependency"
           : job->reservation != NULL ? "reservation"
                                      : NULL;
}

/* Forced (hpcl_job_set_site), bound to home, or the only site: nothing
 * to compare. */
static hpcl_rc no_choice(hpcl_job *job, struct hpcl__decision *d,
                         const struct hpcl__sites *s)
{
    size_t i = job->site_name != NULL || s->nsites == 1 ? 0 : s->home;
    hpcl_rc rc;
    int r;

    if (job->site_name != NULL &&
        (rc = hpcl__site_index(job->ctx, job->site_name, &i)) != HPCL_OK)
        return rc;
    d->order[0] = i;
    d->norder = 1;
    if (job->site_name != NULL)
        r = hpcl__decision_rule(d, "forced", "site %s was asked for",
                                job->site_name);
    else if (s->nsites > 1)
        r = hpcl__decision_rule(d, "bound", "the job's %s names jobs or a "
                                "reservation of the home site %s, so it is "
                                "submitted there (--site chooses another)",
                                bound_home(job), d->est[i].name);
    else
        r = hpcl__decision_rule(d, "only-site", "%s is the only site",
                                d->est[0].name);
    return r == 0 ? HPCL_OK
                  : hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
}

hpcl_rc hpcl__choose(hpcl_job *job, struct hpcl__decision **out)
{
    const struct hpcl__sites *s;
    struct hpcl__decision *d;
    hpcl_rc rc;

    *out = NULL;
    if ((rc = hpcl__ctx_sites(job->ctx, &s)) != HPCL_OK)
        return rc;
    if ((d = hpcl__decision_new(s->nsites)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    describe_sites(d, s);
    d->not_before = job->begin;
    d->max_wait_s = job->max_wait_s >= 0 ? job->max_wait_s
                                         : s->site[s->home].max_wait_s;
    if (job->site_name != NULL || s->nsites == 1 || bound_home(job))
        rc = no_choice(job, d, s);
    else if ((rc = probe_all(job, d)) == HPCL_OK)
        rc = decide(job->ctx, d, s);
    if (d->norder > 0) {
        d->chosen = (int)d->order[0];
        snprintf(d->chosen_name, sizeof d->chosen_name, "%s",
                 s->site[d->order[0]].name);
    }
    *out = d; /* kept on failure too: it says why no site was chosen */
    return rc;
}

/* --- the job's choice: setters ----------------------------------------- */

hpcl_rc hpcl_job_set_site(hpcl_job *job, const char *name)
{
    size_t i;
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (name != NULL &&
        (rc = hpcl__site_index(job->ctx, name, &i)) != HPCL_OK)
        return rc;
    return hpcl__set_string(job->ctx, &job->site_name, name);
}

hpcl_rc hpcl_job_set_max_wait(hpcl_job *job, long seconds)
{
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    job->max_wait_s = seconds < 0 ? -1 : seconds;
    return HPCL_OK;
}
