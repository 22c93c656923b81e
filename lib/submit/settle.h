/*
 * What became of a submitted job, from what its controller and its
 * site's accounting answer: the decision table of hpclaunch jobs and
 * --resubmit (lib/submit/settle.c), apart from the asking so that it can
 * be tested on its own.
 */
#ifndef HPCL_SUBMIT_SETTLE_H
#define HPCL_SUBMIT_SETTLE_H

#include "core/core.h"
#include "backend/backend.h"

/* The controller's answer for the job's id. */
enum hpcl__ctl_answer {
    HPCL__CTL_HAS,         /* a record carrying the job's key */
    HPCL__CTL_NOJOB,       /* no job with the id */
    HPCL__CTL_OTHER_KEY,   /* the id names another job (re-issued) */
    HPCL__CTL_UNREACHABLE  /* no answer */
};

/* Accounting's answer for the id and key (asked only when the controller
 * answered NOJOB or OTHER_KEY). */
enum hpcl__acct_answer {
    HPCL__AA_NONE,        /* the site has no accounting */
    HPCL__AA_RECORD,      /* a record (struct hpcl__acct) */
    HPCL__AA_NOJOB,       /* accounting answered: no such job */
    HPCL__AA_UNREACHABLE  /* accounting did not answer */
};

struct hpcl__settled {
    const char *status; /* "active", "ended", "lost" or "unknown" */
    hpcl_state state;   /* HPCL_STATE_UNKNOWN when not known */
    int exit_code;      /* -1 when not known */
    int started;        /* it reached RUNNING: never resubmitted */
    int from_acct;      /* state and exit code come from accounting */
    const char *why;    /* for lost and unknown: the reason, a sentence */
};

/* Decide.  ctl_state and ctl_exit are the controller's record's (for
 * HPCL__CTL_HAS), a the accounting record (for HPCL__AA_RECORD). */
void hpcl__settle(struct hpcl__settled *out, enum hpcl__ctl_answer ctl,
                  hpcl_state ctl_state, int ctl_exit,
                  enum hpcl__acct_answer aa, const struct hpcl__acct *a);

#endif
