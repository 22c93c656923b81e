/*
 * The decision with the job's intents (hpcl_job_set_input(3)): for each
 * site, the seconds to copy the inputs not verified there yet (bytes /
 * bandwidth, plus round trips: ssh's handshake, rsync's file list, one
 * per file, the checksum pass), the queue's wait after that, the run time
 * (-t), the round trips that bring outputs back (their size is not known
 * before the run); the cost (cores x price per core-hour + GPUs x price
 * per GPU-hour, times the run time) and the carbon (the same resources x
 * power per core and per GPU, times the run time, x the site's gCO2/kWh).
 * Sites that miss the deadline or the budget are out; among the rest the
 * objective picks, ties by preference.  With objective start, home stays
 * while its start is within max_wait, as without intents.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit/econ.h"
#include "submit/journal.h"
#include "stage/stage.h"

/* Round trips a staging costs beyond one per file. */
#define STAGE_RTTS 4

static const char *const g_prefer[] = {"start", "finish", "cost", "carbon"};

/* Cores and GPUs the job holds while it runs, as sbatch counts them. */
static void resources(const hpcl_job *job, double *cores, double *gpus)
{
    double tasks = job->ntasks > 0 ? job->ntasks
                   : job->min_nodes > 0 && job->ntasks_per_node > 0
                       ? (double)job->min_nodes * job->ntasks_per_node
                   : job->min_nodes > 0 ? job->min_nodes
                                        : 1;
    double nodes = job->min_nodes > 0 ? job->min_nodes : 1;

    *cores = tasks * (job->cpus_per_task > 0 ? job->cpus_per_task : 1);
    *gpus = (double)job->gpus + tasks * job->gpus_per_task +
            nodes * job->gpus_per_node;
}

/* The run time the figures use: the time limit, -1 when not given. */
static double run_time(const hpcl_job *job)
{
    if (job->time_limit == 0 || job->time_limit == HPCL_TIME_UNLIMITED)
        return -1;
    return job->time_limit * 60.0;
}

static void figures(const hpcl_job *job, const struct hpcl__decision *d,
                    struct hpcl__estimate *e, const struct hpcl__site_conf *c,
                    double have_bytes, size_t files)
{
    struct hpcl__est_econ *x = &e->econ;
    const struct hpcl__site_econ *m = &c->econ;
    double rtt = m->rtt_ms / 1000.0, cores, gpus, hours;
    int staged = !e->home && d->input_files + job->intent.noutputs > 0;

    x->have = 1;
    x->run_s = run_time(job);
    x->stage_bytes = e->home ? 0 : d->input_bytes - have_bytes;
    if (x->stage_bytes < 0)
        x->stage_bytes = 0;
    x->stage_in_s = 0;
    if (staged && m->data_root == NULL)
        x->excluded = "no data_endpoint to stage the files to";
    else if (staged && x->stage_bytes > 0 && m->bandwidth_bps <= 0)
        x->excluded = "no bandwidth in the site file to estimate staging";
    else if (staged)
        x->stage_in_s = x->stage_bytes / (m->bandwidth_bps > 0
                                              ? m->bandwidth_bps : 1) +
                        rtt * (double)(STAGE_RTTS + files);
    x->stage_out_s = staged ? rtt * (double)(STAGE_RTTS +
                                             job->intent.noutputs)
                            : 0;
    x->start_s = x->stage_in_s + (e->wait_s > 0 ? (double)e->wait_s : 0);
    x->finish_s = x->run_s < 0 ? -1 : x->start_s + x->run_s + x->stage_out_s;
    resources(job, &cores, &gpus);
    hours = x->run_s / 3600.0;
    x->cost = x->run_s < 0 ? -1 : (cores * m->price_core_hour +
                                   gpus * m->price_gpu_hour) * hours;
    x->energy_kwh = x->run_s < 0 ? -1 : (cores * m->power_core_w +
                                         gpus * m->power_gpu_w) * hours /
                                            1000.0;
    x->carbon_g = x->run_s < 0 || !m->have_carbon ? -1
                                                  : x->energy_kwh *
                                                        m->carbon_g_kwh;
    if (x->excluded == NULL && d->deadline != 0 &&
        (double)d->at + x->finish_s > (double)d->deadline)
        x->excluded = "would finish after the deadline";
    if (x->excluded == NULL && d->budget >= 0 && x->cost > d->budget)
        x->excluded = "over the budget";
}

/* The figure the objective minimises; unknown ranks last. */
static double key_of(const struct hpcl__decision *d,
                     const struct hpcl__est_econ *x)
{
    double v = strcmp(d->prefer, "finish") == 0   ? x->finish_s
               : strcmp(d->prefer, "cost") == 0   ? x->cost
               : strcmp(d->prefer, "carbon") == 0 ? x->carbon_g
                                                  : x->start_s;

    return v < 0 ? INFINITY : v;
}

/* a before b?  The objective, then the expected finish (start for the
 * start objective), then the site file's preference (the caller's order:
 * ties keep it). */
static int better(const struct hpcl__decision *d, size_t a, size_t b)
{
    const struct hpcl__est_econ *x = &d->est[a].econ, *y = &d->est[b].econ;
    double ka = key_of(d, x), kb = key_of(d, y);
    /* Seconds this close count as equal, as in choice.c; money and
     * grams to a thousandth. */
    double tie = strcmp(d->prefer, "cost") == 0 ||
                         strcmp(d->prefer, "carbon") == 0
                     ? 1e-3 : 2;

    if ((ka > kb ? ka - kb : kb - ka) > tie || isinf(ka) != isinf(kb))
        return ka < kb;
    ka = x->finish_s < 0 ? INFINITY : x->finish_s;
    kb = y->finish_s < 0 ? INFINITY : y->finish_s;
    return kb - ka > 2;
}

static int usable(const struct hpcl__estimate *e)
{
    return e->state == HPCL__EST_OK && e->econ.excluded == NULL;
}

/* d->order: usable sites, best first (insertion: stable on preference). */
static void rank(struct hpcl__decision *d, const struct hpcl__sites *s,
                 int home_stays)
{
    d->norder = 0;
    if (home_stays)
        d->order[d->norder++] = s->home;
    for (size_t k = 0; k < s->nsites; k++) {
        size_t i = s->order[k], j;
        if (!usable(&d->est[i]) || (home_stays && i == s->home))
            continue;
        for (j = d->norder; j > (size_t)home_stays &&
                            better(d, i, d->order[j - 1]);
             j--)
            d->order[j] = d->order[j - 1];
        d->order[j] = i;
        d->norder++;
    }
}

static hpcl_rc none_fits(hpcl_ctx *ctx, struct hpcl__decision *d)
{
    char msg[HPCL_ERRMSG_MAX];
    size_t used = 0;

    msg[0] = '\0';
    for (size_t i = 0; i < d->nest && used < sizeof msg; i++) {
        const struct hpcl__estimate *e = &d->est[i];
        const char *why = e->state != HPCL__EST_OK
                              ? (e->error ? e->error : "no answer")
                              : e->econ.excluded;
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s: %s",
                                 i ? "; " : "", e->name, why ? why : "?");
        if (e->state == HPCL__EST_OK && e->econ.excluded != NULL &&
            strcmp(e->econ.excluded, "over the budget") == 0 &&
            used < sizeof msg)
            used += (size_t)snprintf(msg + used, sizeof msg - used,
                                     " (%.4g %s, budget %.4g)", e->econ.cost,
                                     d->currency, d->budget);
        else if (e->state == HPCL__EST_OK && e->econ.excluded != NULL &&
                 strcmp(e->econ.excluded, "would finish after the "
                                          "deadline") == 0 &&
                 used < sizeof msg)
            used += (size_t)snprintf(msg + used, sizeof msg - used,
                                     " (in %.0f s, deadline in %ld s)",
                                     e->econ.finish_s,
                                     (long)(d->deadline - d->at));
    }
    if (hpcl__decision_rule(d, "none", "no site meets the job's deadline "
                            "and budget") != 0)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    return hpcl__fail(ctx, HPCL_E_NOBACKEND, "no site fits the job: %s; "
                      "raise --budget or --deadline, or shorten -t", msg);
}

static int explain(struct hpcl__decision *d, int home_stays)
{
    const struct hpcl__estimate *b = &d->est[d->order[0]];
    const struct hpcl__est_econ *x = &b->econ;
    char fig[160];

    if (home_stays)
        return hpcl__decision_rule(d, "home", "the home site %s would start "
                                   "the job in %ld s, within max_wait %ld "
                                   "s, and has its files", b->name,
                                   b->wait_s > 0 ? b->wait_s : 0,
                                   d->max_wait_s);
    if (strcmp(d->prefer, "cost") == 0)
        snprintf(fig, sizeof fig, "the lowest expected cost (%.2f%s%s)",
                 x->cost, d->currency[0] ? " " : "", d->currency);
    else if (strcmp(d->prefer, "carbon") == 0 && x->carbon_g >= 0)
        snprintf(fig, sizeof fig, "the lowest expected carbon (%.3g g "
                 "CO2)", x->carbon_g);
    else if (strcmp(d->prefer, "carbon") == 0)
        snprintf(fig, sizeof fig, "no site with a known carbon intensity "
                 "fits; the earliest finish");
    else if (strcmp(d->prefer, "finish") == 0)
        snprintf(fig, sizeof fig, "the earliest expected finish (in %.0f "
                 "s)", x->finish_s);
    else
        snprintf(fig, sizeof fig, "the earliest expected start with its "
                 "files there (in %.0f s, %.1f s of it staging)", x->start_s,
                 x->stage_in_s);
    return hpcl__decision_rule(d, strcmp(d->prefer, "start") == 0
                                      ? "earliest" : d->prefer,
                               "%s has %s%s%s", b->name, fig,
                               d->deadline || d->budget >= 0
                                   ? " among the sites within the "
                                   : "",
                               d->deadline && d->budget >= 0
                                   ? "deadline and budget"
                               : d->deadline ? "deadline"
                               : d->budget >= 0 ? "budget"
                                                : "");
}

/* Home keeps the job under the start objective as without intents: it has
 * the files, and its start is within max_wait (or not known). */
static int home_stays(const struct hpcl__decision *d,
                      const struct hpcl__estimate *h)
{
    return strcmp(d->prefer, "start") == 0 && usable(h) &&
           (h->start == 0 || h->wait_s <= d->max_wait_s);
}

static hpcl_rc inputs(hpcl_job *job, struct hpcl__decision *d,
                      const struct hpcl__sites *s,
                      struct hpcl__stage_list *l)
{
    hpcl_ctx *ctx = job->ctx;
    char *log = NULL;
    hpcl_rc rc;

    if ((rc = hpcl__stage_list_make(l, ctx, job->intent.inputs,
                                    job->intent.ninputs)) != HPCL_OK)
        return rc;
    d->input_bytes = l->bytes;
    d->input_files = l->n;
    if ((rc = hpcl__stage_log_path(&log, ctx)) != HPCL_OK)
        return rc;
    for (size_t i = 0; i < s->nsites && rc == HPCL_OK; i++) {
        double have = 0;
        if (d->est[i].state == HPCL__EST_OK)
            rc = hpcl__stage_verified_bytes(&have, ctx, log, s->site[i].name,
                                            l);
        if (rc == HPCL_OK && d->est[i].state == HPCL__EST_OK)
            figures(job, d, &d->est[i], &s->site[i], have, l->n);
    }
    free(log);
    return rc;
}

hpcl_rc hpcl__econ_decide(hpcl_job *job, struct hpcl__decision *d,
                          const struct hpcl__sites *s)
{
    const struct hpcl__intent *in = &job->intent;
    struct hpcl__stage_list l = {0};
    hpcl_rc rc;
    int stays;

    d->econ = 1;
    d->prefer = g_prefer[in->prefer];
    d->deadline = in->deadline;
    d->budget = in->budget;
    /* One currency for every site that names one (site_econ.c). */
    for (size_t i = 0; i < s->nsites && d->currency[0] == '\0'; i++)
        if (s->site[i].econ.currency != NULL)
            snprintf(d->currency, sizeof d->currency, "%s",
                     s->site[i].econ.currency);
    if (run_time(job) < 0 && (in->prefer != HPCL_PREFER_START ||
                              in->deadline != 0 || in->budget >= 0))
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "--prefer %s%s%s needs "
                          "the job's run time: give a time limit (-t)",
                          d->prefer, in->deadline ? ", --deadline" : "",
                          in->budget >= 0 ? ", --budget" : "");
    rc = inputs(job, d, s, &l);
    hpcl__stage_list_free(&l);
    if (rc != HPCL_OK)
        return rc;
    stays = home_stays(d, &d->est[s->home]);
    rank(d, s, stays);
    if (d->norder == 0)
        return none_fits(job->ctx, d);
    if (explain(d, stays) != 0)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

hpcl_rc hpcl__stage_log_path(char **out, hpcl_ctx *ctx)
{
    char *j = NULL;
    hpcl_rc rc;

    *out = NULL;
    if (!ctx->sites_loaded)
        return HPCL_OK;
    if ((rc = hpcl__journal_path(&j, ctx, ctx->sites->journal)) == HPCL_OK)
        rc = hpcl__journal_transfers_path(out, ctx, j);
    free(j);
    return rc;
}
