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
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "submit/choice.h"
#include "submit/econ.h"
#include "job/decision.h"
#include "job/job-internal.h"
#include "registry/registry.h"

/* Expected starts this close count as equal: estimates of idle sites
 * differ by the second in which each was made. */
#define TIE_S 2

/*
 * The probes of one decision, in one block shared by the probe threads,
 * the deciding thread and the sites lent to threads still running when
 * the decision stopped waiting (home answered first with a start that
 * keeps the job home: the others are "not needed").  Such a thread owns
 * what it reads -- its context copy, its description with every string
 * copied (the job it came from may be destroyed first), its answer --
 * and its site stays lent to it (hpcl__site_lend) until the next use of
 * that site or the context's end joins it: one thread at a time uses a
 * site's connection or helper, and nothing it reads is freed under it.
 * Detaching instead would leave it using a site the context may close.
 * The block is freed by whoever lets go of it last (users).
 */
struct probe_run;

/* One site's probe, run in its own thread with its own context copy, so
 * that error messages do not mix. */
struct probe_task {
    hpcl_ctx tctx;
    struct hpcl__site *site;
    struct hpcl__jobdesc desc;
    char *copies; /* the strings desc points to (own_desc) */
    char **env;   /* desc's own environment, put back before it is freed */
    char *const *argv;
    struct hpcl_probe probe;
    hpcl_rc rc;
    double took;
    pthread_t th;
    int state; /* 0: nothing to do, 1: ready, 2: thread running */
    int done;  /* the answer is in (under run->mu) */
    int absorbed;
    struct probe_run *run;
};

struct probe_run {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    hpcl_log_fn fn; /* the caller's log callback, relayed */
    void *arg;
    int quiet;      /* the decision is made: late threads log nothing */
    int users;
    size_t n;
    struct probe_task t[];
};

/* Log lines from probe threads reach the caller's callback one at a
 * time (the callback need not be thread-safe), and never once the
 * decision returned: the caller may be logging from its own thread. */
static void relay_log(hpcl_log_level level, const char *msg, void *arg)
{
    struct probe_run *r = arg;

    pthread_mutex_lock(&r->mu);
    if (!r->quiet)
        r->fn(level, msg, r->arg);
    pthread_mutex_unlock(&r->mu);
}

static void *probe_main(void *arg)
{
    struct probe_task *t = arg;
    double t0 = hpcl__now();

    t->rc = hpcl__probe_at(t->site, &t->tctx, &t->desc, &t->probe);
    t->took = hpcl__now() - t0;
    pthread_mutex_lock(&t->run->mu);
    t->done = 1;
    pthread_cond_broadcast(&t->run->cv);
    pthread_mutex_unlock(&t->run->mu);
    return NULL;
}

/* Offsets of the borrowed strings of struct hpcl__jobdesc (backend.h):
 * a field added there is added here too. */
static const size_t g_desc_strings[] = {
    offsetof(struct hpcl__jobdesc, script),
    offsetof(struct hpcl__jobdesc, mail_type),
    offsetof(struct hpcl__jobdesc, mail_user),
    offsetof(struct hpcl__jobdesc, gres),
    offsetof(struct hpcl__jobdesc, dependency),
    offsetof(struct hpcl__jobdesc, qos),
    offsetof(struct hpcl__jobdesc, constraint),
    offsetof(struct hpcl__jobdesc, reservation),
    offsetof(struct hpcl__jobdesc, partition),
    offsetof(struct hpcl__jobdesc, account),
    offsetof(struct hpcl__jobdesc, name),
    offsetof(struct hpcl__jobdesc, work_dir),
    offsetof(struct hpcl__jobdesc, std_out),
    offsetof(struct hpcl__jobdesc, std_err),
    offsetof(struct hpcl__jobdesc, array),
    offsetof(struct hpcl__jobdesc, comment),
};

/* s copied at buf + *used (buf NULL: only counted). */
static char *pack(char *buf, size_t *used, const char *s)
{
    size_t n = s != NULL ? strlen(s) + 1 : 0;
    char *r = buf != NULL && s != NULL ? memcpy(buf + *used, s, n) : NULL;

    *used += n;
    return r;
}

/* Point every string, the environment and the arguments of d into one
 * block (*block), so that d no longer borrows from the job.  -1: no
 * memory.  Two passes: count, then copy. */
static int own_desc(struct hpcl__jobdesc *d, char **block)
{
    size_t nenv = d->env != NULL ? d->env_count : 0;
    size_t narg = d->argv != NULL && d->argc > 0 ? (size_t)d->argc : 0;
    size_t head = (nenv + narg + 2) * sizeof(char *), used = head;
    char *buf = NULL;

    for (int pass = 0; pass < 2; pass++) {
        char **env = (char **)(void *)buf, **argv = env ? env + nenv + 1
                                                        : NULL;
        if (pass == 1 && (buf = *block = malloc(used)) == NULL)
            return -1;
        env = (char **)(void *)buf;
        argv = env != NULL ? env + nenv + 1 : NULL;
        used = head;
        for (size_t k = 0; k < sizeof g_desc_strings / sizeof g_desc_strings[0];
             k++) {
            const char **f = (const char **)(void *)((char *)d +
                                                     g_desc_strings[k]);
            char *c = pack(buf, &used, *f);
            if (buf != NULL)
                *f = c;
        }
        for (size_t i = 0; i < nenv; i++) {
            char *c = pack(buf, &used, d->env[i]);
            if (buf != NULL)
                env[i] = c;
        }
        for (size_t i = 0; i < narg; i++) {
            char *c = pack(buf, &used, d->argv[i]);
            if (buf != NULL)
                argv[i] = c;
        }
        if (buf != NULL) {
            env[nenv] = argv[narg] = NULL;
            if (d->env != NULL)
                d->env = env;
            if (d->argv != NULL)
                d->argv = argv;
        }
    }
    return 0;
}

static void task_free(struct probe_task *t)
{
    if (t->copies != NULL) {
        t->desc.env = t->env;
        t->desc.argv = t->argv;
    }
    hpcl__jobdesc_free(&t->desc);
    free(t->copies);
    free(t->probe.nodelist);
    free(t->probe.partition);
    free(t->probe.api_version);
    free(t->probe.slurm_release);
}

/* Let go of run; the last user frees it. */
static void run_release(struct probe_run *run)
{
    int last;

    pthread_mutex_lock(&run->mu);
    last = --run->users == 0;
    pthread_mutex_unlock(&run->mu);
    if (!last)
        return;
    pthread_mutex_destroy(&run->mu);
    pthread_cond_destroy(&run->cv);
    free(run);
}

/* hpcl__site_lend's settle: wait for a probe nobody waited for. */
static void settle_task(void *arg)
{
    struct probe_task *t = arg;

    pthread_join(t->th, NULL);
    task_free(t);
    run_release(t->run);
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
                       struct probe_task *t, struct probe_run *run)
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
    t->env = t->desc.env;
    t->argv = t->desc.argv;
    if (own_desc(&t->desc, &t->copies) != 0) {
        hpcl__jobdesc_free(&t->desc);
        memset(&t->desc, 0, sizeof t->desc);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    t->tctx = *ctx;
    t->tctx.errmsg[0] = '\0';
    if (ctx->log_fn != NULL) {
        t->tctx.log_fn = relay_log;
        t->tctx.log_arg = run;
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

/* Is the decision made whatever the sites not in yet say?  Home has
 * answered and keeps the job (stay_home, below). */
static int stay_home(const struct hpcl__decision *d,
                     const struct hpcl__estimate *home);

/* Start the probes; a thread that could not be started probes here, in
 * turn. */
static void start_all(struct probe_run *run)
{
    for (size_t i = 0; i < run->n; i++)
        if (run->t[i].state == 1 &&
            pthread_create(&run->t[i].th, NULL, probe_main, &run->t[i]) == 0)
            run->t[i].state = 2;
    for (size_t i = 0; i < run->n; i++)
        if (run->t[i].state == 1)
            probe_main(&run->t[i]);
}

/* Take in the answers as they come, until all are in or home's answer
 * decides alone (home out of range: wait for all).  Under run->mu. */
static int wait_answers(struct probe_run *run, struct hpcl__decision *d,
                        size_t home, hpcl_ctx *ctx)
{
    for (;;) {
        size_t out = 0;

        for (size_t i = 0; i < run->n; i++) {
            struct probe_task *t = &run->t[i];
            if (t->state != 0 && t->done && !t->absorbed) {
                t->absorbed = 1;
                if (absorb(d, i, t, ctx) != 0)
                    return -1;
            }
            out += t->state != 0 && !t->done;
        }
        if (out == 0 || (home < run->n && run->t[home].absorbed &&
                         stay_home(d, &d->est[home])))
            return 0;
        pthread_cond_wait(&run->cv, &run->mu);
    }
}

/* The probes still out once the decision is made: not needed; each
 * site is lent to its thread.  The others are joined and freed. */
static void let_go(struct probe_run *run, struct hpcl__decision *d,
                   hpcl_ctx *ctx)
{
    for (size_t i = 0; i < run->n; i++) {
        struct probe_task *t = &run->t[i];
        if (t->state == 2 && !t->absorbed) {
            d->est[i].state = HPCL__EST_UNNEEDED;
            d->est[i].took_s = d->wall_s;
            run->users++; /* under run->mu, held by the caller */
            continue;
        }
        if (t->state == 2)
            pthread_join(t->th, NULL);
        task_free(t);
    }
    run->quiet = 1;
    pthread_mutex_unlock(&run->mu);
    for (size_t i = 0; i < run->n; i++)
        if (d->est[i].state == HPCL__EST_UNNEEDED)
            hpcl__site_lend(ctx, i, settle_task, &run->t[i]);
    pthread_mutex_lock(&run->mu);
}

static hpcl_rc probe_all(hpcl_job *job, struct hpcl__decision *d,
                         size_t home)
{
    size_t n = d->nest;
    struct probe_run *run = calloc(1, sizeof *run + n * sizeof run->t[0]);
    double t0 = hpcl__now();
    hpcl_rc rc = HPCL_OK;

    if (run == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    pthread_mutex_init(&run->mu, NULL);
    pthread_cond_init(&run->cv, NULL);
    run->fn = job->ctx->log_fn;
    run->arg = job->ctx->log_arg;
    run->users = 1;
    run->n = n;
    for (size_t i = 0; i < n; i++)
        run->t[i].run = run;
    for (size_t i = 0; i < n && rc == HPCL_OK; i++)
        rc = prepare(job, i, d, &run->t[i], run);
    if (rc != HPCL_OK) {
        for (size_t i = 0; i < n; i++)
            task_free(&run->t[i]);
        run_release(run);
        return rc;
    }
    start_all(run);
    pthread_mutex_lock(&run->mu);
    if (wait_answers(run, d, home, job->ctx) != 0)
        rc = hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    d->wall_s = hpcl__now() - t0;
    let_go(run, d, job->ctx);
    pthread_mutex_unlock(&run->mu);
    run_release(run);
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

/* Sites that answered, best first: earliest start, then preference.
 * When the decision did not wait for every site, the others follow by
 * preference alone, whether their answer was in or not (which answers
 * were in is a race, the preference is not): should the chosen site
 * refuse the job, the submit moves on to them as before (a site not
 * waited for is opened once its probe ended). */
static void order_answers(struct hpcl__decision *d,
                          const struct hpcl__sites *s, size_t first)
{
    int early = 0;

    for (size_t i = 0; i < d->nest; i++)
        early |= d->est[i].state == HPCL__EST_UNNEEDED;
    d->order[0] = first;
    d->norder = 1;
    for (size_t k = 0; k < s->nsites; k++) {
        size_t i = s->order[k], j;
        if (i == first || (d->est[i].state != HPCL__EST_OK &&
                           d->est[i].state != HPCL__EST_UNNEEDED))
            continue;
        if (early) {
            d->order[d->norder++] = i;
            continue;
        }
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

hpcl_rc hpcl__choose(hpcl_job *job, int probe_all_sites,
                     struct hpcl__decision **out)
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
    if (job->site_name != NULL || s->nsites == 1 || bound_home(job)) {
        rc = no_choice(job, d, s);
        /* No choice, nothing to filter: say so rather than pretend. */
        if (job->intent.deadline != 0 || job->intent.budget >= 0)
            hpcl__log(job->ctx, HPCL_LOG_WARN, "the deadline and budget "
                      "choose among sites: not checked for a job %s",
                      job->site_name != NULL ? "sent to one site (--site)"
                      : s->nsites == 1     ? "with only one site"
                                           : "bound to its home site");
    }
    else if ((rc = probe_all(job, d, probe_all_sites ||
                                          hpcl__intent_any(&job->intent)
                                      ? s->nsites : s->home)) == HPCL_OK)
        /* With intents, every site's figures count (lib/submit/econ.c). */
        rc = hpcl__intent_any(&job->intent) ? hpcl__econ_decide(job, d, s)
                                            : decide(job->ctx, d, s);
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
