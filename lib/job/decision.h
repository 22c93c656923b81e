/*
 * A submission's decision: what each site answered when probed, the rule
 * that chose the site, and what each submit attempt gave.  Kept on the job
 * (hpcl_job_decision_json, hpcl_job_decision) and shared, counted, by the
 * jobs of one batch.  Never holds a secret: drivers' messages name token
 * files and variables, never tokens.
 */
#ifndef HPCL_DECISION_H
#define HPCL_DECISION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/core.h"

enum hpcl__est_state {
    HPCL__EST_NONE = 0, /* not probed (forced, single site, dry run off) */
    HPCL__EST_OK,       /* answered */
    HPCL__EST_FAILED,   /* did not answer, or refused: error says why */
    HPCL__EST_DOWN,     /* known down: not asked */
    HPCL__EST_UNNEEDED  /* asked, but home answered first with a start
                         * that keeps the job home: not waited for */
};

/* One site's expected finish, cost and carbon (lib/submit/econ.c), when
 * the job has intents (hpcl_job_set_input(3)): seconds from the decision,
 * < 0 when not known. */
struct hpcl__est_econ {
    int have;            /* figures were made for this site */
    double stage_in_s;   /* bytes not there / bandwidth + round trips */
    double stage_bytes;  /* bytes to copy there */
    double start_s;      /* stage-in, then the queue's wait */
    double run_s;        /* the time limit */
    double stage_out_s;  /* round trips (output sizes are not known) */
    double finish_s;
    double cost;         /* resources x run time x prices */
    double energy_kwh;
    double carbon_g;     /* < 0: the site's intensity is not known */
    const char *excluded; /* static: why the site cannot take the job
                           * (deadline, budget, no endpoint), or NULL */
};

/* One site's answer to the probe. */
struct hpcl__estimate {
    char name[64];
    const char *driver;  /* static */
    int home;
    enum hpcl__est_state state;
    hpcl_rc rc;
    char *error;         /* FAILED, DOWN: the reason */
    time_t start;        /* OK: expected start, 0: unknown (no estimate) */
    long wait_s;         /* OK: start - decision time, at least 0;
                          * -1 when the start is unknown */
    unsigned pending, idle, total;
    char *partition;
    char *api_version;   /* slurmrestd API used, or NULL */
    char *slurm_release; /* the site's Slurm release, or NULL */
    double took_s;       /* probe time */
    long timeout_ms;
    struct hpcl__est_econ econ; /* figures (lib/submit/econ.c) */
};

/* One submit attempt at a site. */
struct hpcl__attempt {
    char site[64];
    const char *outcome; /* static: "submitted", "adopted", "failed", ... */
    uint32_t id;
    char *detail;        /* error text, or NULL */
};

struct hpcl__decision {
    int refs;
    const char *rule;    /* static: forced, only-site, home, earliest, none */
    char *reason;        /* one sentence */
    int chosen;          /* index of the chosen site, -1: none */
    char chosen_name[64];
    long max_wait_s;
    double wall_s;       /* probing, start to end */
    time_t at;
    time_t not_before;   /* the job's --begin, 0: none; waits count from
                          * it, the same at every site */
    int dry_run;
    /* The job's intents, when it has any (lib/submit/econ.c). */
    int econ;            /* figures were made */
    const char *prefer;  /* static: start, finish, cost, carbon */
    time_t deadline;     /* 0: none */
    double budget;       /* < 0: none */
    char currency[12];
    double input_bytes;  /* the inputs' size at home */
    size_t input_files;
    struct hpcl__estimate *est; /* one per site, in the file's order */
    size_t nest;
    size_t *order;       /* sites to try, best first */
    size_t norder;
    struct hpcl__attempt *att;
    size_t natt;
    char *text;          /* hpcl_job_decision(), made on demand */
};

struct hpcl__site;
struct hpcl__jobdesc;
struct hpcl_probe;

/* lib/job/probe.c: probe site for desc as if the job were not held, and keep
 * only a real estimate: probe->start_time is 0 when the site gave none. */
hpcl_rc hpcl__probe_at(struct hpcl__site *site, hpcl_ctx *ctx,
                       const struct hpcl__jobdesc *desc,
                       struct hpcl_probe *probe);

/* A decision for nsites sites (est[] zeroed, refs 1); NULL: no memory. */
struct hpcl__decision *hpcl__decision_new(size_t nsites);
void hpcl__decision_ref(struct hpcl__decision *d);
void hpcl__decision_unref(struct hpcl__decision *d);

/* Set the rule and its reason (printf-style); 0, or -1 out of memory. */
int hpcl__decision_rule(struct hpcl__decision *d, const char *rule,
                        const char *fmt, ...) HPCL_PRINTF(3, 4);

/* Record an attempt; detail may be NULL.  0, or -1 out of memory. */
int hpcl__decision_attempt(struct hpcl__decision *d, const char *site,
                           const char *outcome, uint32_t id,
                           const char *detail);

/* The decision as JSON (malloc'd), or NULL when out of memory. */
char *hpcl__decision_json(const struct hpcl__decision *d);

/* lib/job/decision_econ.c: the figures of lib/submit/econ.c as JSON (a
 * new json_t, null when there are none) and as text lines. */
struct json_t;
struct json_t *hpcl__econ_site_json(const struct hpcl__est_econ *x);
struct json_t *hpcl__econ_intents_json(const struct hpcl__decision *d);
void hpcl__econ_text_head(FILE *f, const struct hpcl__decision *d);
void hpcl__econ_text_site(FILE *f, const struct hpcl__decision *d,
                          const struct hpcl__est_econ *x);

/* The decision as text, a few lines (cached in d), or NULL. */
const char *hpcl__decision_text(struct hpcl__decision *d);

#endif
