/*
 * The record of a submission's decision, and its two renderings: JSON for
 * programs (hpclaunch submit --json) and a few lines of text for people
 * (--explain).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jansson_load.h"
#include "job/decision.h"
#include "job/job-internal.h"

struct hpcl__decision *hpcl__decision_new(size_t nsites)
{
    struct hpcl__decision *d = calloc(1, sizeof *d);

    if (d == NULL)
        return NULL;
    d->refs = 1;
    d->chosen = -1;
    d->max_wait_s = -1;
    d->at = time(NULL);
    d->est = calloc(nsites ? nsites : 1, sizeof *d->est);
    d->order = calloc(nsites ? nsites : 1, sizeof *d->order);
    if (d->est == NULL || d->order == NULL) {
        hpcl__decision_unref(d);
        return NULL;
    }
    d->nest = nsites;
    return d;
}

void hpcl__decision_ref(struct hpcl__decision *d)
{
    if (d != NULL)
        d->refs++;
}

void hpcl__decision_unref(struct hpcl__decision *d)
{
    if (d == NULL || --d->refs > 0)
        return;
    for (size_t i = 0; i < d->nest; i++) {
        free(d->est[i].error);
        free(d->est[i].partition);
        free(d->est[i].api_version);
        free(d->est[i].slurm_release);
    }
    for (size_t i = 0; i < d->natt; i++)
        free(d->att[i].detail);
    free(d->est);
    free(d->order);
    free(d->att);
    free(d->reason);
    free(d->text);
    free(d);
}

int hpcl__decision_rule(struct hpcl__decision *d, const char *rule,
                        const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    free(d->reason);
    d->reason = s;
    d->rule = rule;
    return 0;
}

int hpcl__decision_attempt(struct hpcl__decision *d, const char *site,
                           const char *outcome, uint32_t id,
                           const char *detail)
{
    struct hpcl__attempt *a = realloc(d->att, (d->natt + 1) * sizeof *a);

    if (a == NULL)
        return -1;
    d->att = a;
    a += d->natt;
    memset(a, 0, sizeof *a);
    snprintf(a->site, sizeof a->site, "%s", site);
    a->outcome = outcome;
    a->id = id;
    if (detail != NULL && detail[0] != '\0' &&
        (a->detail = strdup(detail)) == NULL)
        return -1;
    d->natt++;
    free(d->text); /* stale now */
    d->text = NULL;
    return 0;
}

/* --- JSON ------------------------------------------------------------- */

static const char *state_name(enum hpcl__est_state s)
{
    switch (s) {
    case HPCL__EST_OK:
        return "ok";
    case HPCL__EST_FAILED:
        return "failed";
    case HPCL__EST_DOWN:
        return "down";
    case HPCL__EST_UNNEEDED:
        return "not needed";
    case HPCL__EST_NONE:
        break;
    }
    return "not probed";
}

/* Whether the site answered: null while that is not known (not probed,
 * or not waited for). */
static json_t *reachable(enum hpcl__est_state s)
{
    if (s == HPCL__EST_OK)
        return json_true();
    if (s == HPCL__EST_FAILED || s == HPCL__EST_DOWN)
        return json_false();
    return json_null();
}

/* A string, or null for none: the schema has no "" for unknown. */
static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* One site, with every key of the site object of hpclaunch-json(7). */
static json_t *est_json(const struct hpcl__estimate *e)
{
    int ok = e->state == HPCL__EST_OK;
    json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:s}", "site", e->name,
                          "driver", e->driver, "home", e->home,
                          "reachable", reachable(e->state), "probe",
                          state_name(e->state));

    if (o == NULL)
        return NULL;
    /* null: the site answered, but with no estimate (unknown). */
    json_object_set_new(o, "start_time", ok && e->start != 0
                            ? json_integer(e->start) : json_null());
    json_object_set_new(o, "wait_seconds", ok && e->start != 0
                            ? json_integer(e->wait_s) : json_null());
    json_object_set_new(o, "pending_jobs",
                        ok ? json_integer(e->pending) : json_null());
    json_object_set_new(o, "idle_nodes",
                        ok ? json_integer(e->idle) : json_null());
    json_object_set_new(o, "total_nodes",
                        ok ? json_integer(e->total) : json_null());
    json_object_set_new(o, "partition",
                        str_or_null(ok ? e->partition : NULL));
    /* the nodes a probe names: only `hpclaunch probe` asks for them */
    json_object_set_new(o, "nodelist", json_null());
    /* null: not known (libslurm, or the site never answered). */
    json_object_set_new(o, "api_version", str_or_null(e->api_version));
    json_object_set_new(o, "slurm_release", str_or_null(e->slurm_release));
    json_object_set_new(o, "probe_seconds",
                        ok || e->state == HPCL__EST_FAILED
                            ? json_real(e->took_s) : json_null());
    json_object_set_new(o, "error", str_or_null(e->error));
    /* expected finish, cost, carbon: lib/job/decision_econ.c */
    json_object_set_new(o, "economics", hpcl__econ_site_json(&e->econ));
    return o;
}

static json_t *att_json(const struct hpcl__attempt *a)
{
    json_t *o = json_pack("{s:s, s:s}", "site", a->site, "outcome",
                          a->outcome);

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "id", a->id != 0 ? json_integer(a->id)
                                            : json_null());
    json_object_set_new(o, "detail", str_or_null(a->detail));
    return o;
}

static json_t *decision_obj(const struct hpcl__decision *d)
{
    json_t *o = json_object(), *sites = json_array(), *att = json_array();

    if (o == NULL || sites == NULL || att == NULL) {
        json_decref(o);
        json_decref(sites);
        json_decref(att);
        return NULL;
    }
    /* 2: the names of hpclaunch-json(7) (1 had max_wait_s, wall_s, and
     * per site expected_start, wait_s, probe_s and status) */
    json_object_set_new(o, "version", json_integer(2));
    json_object_set_new(o, "rule", json_string(d->rule ? d->rule : "none"));
    json_object_set_new(o, "reason", str_or_null(d->reason));
    json_object_set_new(o, "chosen", d->chosen >= 0
                                         ? json_string(d->chosen_name)
                                         : json_null());
    json_object_set_new(o, "max_wait_seconds",
                        d->max_wait_s >= 0 ? json_integer(d->max_wait_s)
                                           : json_null());
    json_object_set_new(o, "wall_seconds", json_real(d->wall_s));
    json_object_set_new(o, "dry_run", json_boolean(d->dry_run));
    json_object_set_new(o, "intents", hpcl__econ_intents_json(d));
    for (size_t i = 0; i < d->nest; i++)
        json_array_append_new(sites, est_json(&d->est[i]));
    for (size_t i = 0; i < d->natt; i++)
        json_array_append_new(att, att_json(&d->att[i]));
    json_object_set_new(o, "sites", sites);
    json_object_set_new(o, "attempts", att);
    return o;
}

char *hpcl__decision_json(const struct hpcl__decision *d)
{
    json_t *o = decision_obj(d);
    char *s;

    if (o == NULL)
        return NULL;
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* --- text ------------------------------------------------------------ */

static void est_line(FILE *f, const struct hpcl__estimate *e)
{
    fprintf(f, "  %s (%s%s%s%s%s%s): ", e->name, e->driver,
            e->api_version ? " " : "", e->api_version ? e->api_version : "",
            e->slurm_release ? ", Slurm " : "",
            e->slurm_release ? e->slurm_release : "", e->home ? ", home" : "");
    switch (e->state) {
    case HPCL__EST_OK:
        if (e->start == 0)
            fputs("expected start unknown (no estimate)", f);
        else if (e->wait_s > 0)
            fprintf(f, "expected start in %ld s", e->wait_s);
        else
            fputs("would start now", f);
        fprintf(f, "; %u pending, %u of %u nodes idle (probe %.2f s)\n",
                e->pending, e->idle, e->total, e->took_s);
        break;
    case HPCL__EST_FAILED:
        fprintf(f, "skipped, no answer (%.2f s): %s\n", e->took_s,
                e->error ? e->error : "");
        break;
    case HPCL__EST_DOWN:
        fprintf(f, "skipped, known down: %s\n", e->error ? e->error : "");
        break;
    case HPCL__EST_UNNEEDED:
        fprintf(f, "not needed: home answered first (after %.2f s) with "
                "a start that keeps the job home\n", e->took_s);
        break;
    case HPCL__EST_NONE:
        fputs("not probed\n", f);
        break;
    }
}

static void att_line(FILE *f, const struct hpcl__attempt *a)
{
    fprintf(f, "  attempt at %s: %s", a->site, a->outcome);
    if (a->id != 0)
        fprintf(f, " as %s:%u", a->site, (unsigned)a->id);
    if (a->detail != NULL)
        fprintf(f, " (%s)", a->detail);
    fputc('\n', f);
}

const char *hpcl__decision_text(struct hpcl__decision *d)
{
    size_t len = 0;
    FILE *f;

    if (d->text != NULL)
        return d->text;
    if ((f = open_memstream(&d->text, &len)) == NULL)
        return NULL;
    fprintf(f, "decision: %s%s (rule %s: %s)\n",
            d->chosen >= 0 ? d->chosen_name : "no site",
            d->dry_run ? ", dry run: nothing submitted" : "",
            d->rule ? d->rule : "none", d->reason ? d->reason : "");
    if (d->max_wait_s >= 0)
        fprintf(f, "  max wait at home: %ld s; probes took %.2f s in all\n",
                d->max_wait_s, d->wall_s);
    hpcl__econ_text_head(f, d);
    for (size_t i = 0; i < d->nest; i++) {
        est_line(f, &d->est[i]);
        hpcl__econ_text_site(f, d, &d->est[i].econ);
    }
    for (size_t i = 0; i < d->natt; i++)
        att_line(f, &d->att[i]);
    if (fclose(f) != 0) {
        free(d->text);
        d->text = NULL;
    }
    return d->text;
}

/* --- the public getters ------------------------------------------------- */

hpcl_rc hpcl_job_decision_json(char **out, const hpcl_job *job)
{
    const char *why;

    if (out == NULL || job == NULL)
        return HPCL_E_INVAL;
    *out = NULL;
    hpcl__clear_error(job->ctx);
    if (job->decision == NULL)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "no decision yet: the job "
                          "was not submitted (hpcl_job_submit)");
    if (hpcl__jansson_load(&why) != 0)
        return hpcl__fail(job->ctx, HPCL_E_UNSUPPORTED, "the decision as "
                          "JSON needs jansson: %s", why);
    if ((*out = hpcl__decision_json(job->decision)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

const char *hpcl_job_decision(const hpcl_job *job)
{
    const char *text;

    if (job == NULL || job->decision == NULL)
        return "";
    text = hpcl__decision_text(job->decision);
    return text != NULL ? text : "";
}

const char *hpcl_job_key(const hpcl_job *job)
{
    return job != NULL ? job->key : "";
}
