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

/* The decision as text, a few lines (cached in d), or NULL. */
const char *hpcl__decision_text(struct hpcl__decision *d);

#endif
