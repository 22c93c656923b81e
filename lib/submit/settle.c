/*
 * The decision table (settle.h).  Exactly-once has two sides: a job lost
 * before it ran must be run again, and a job that ran must never be.  A
 * controller that no longer knows an id cannot tell them apart (it purges
 * ended jobs MinJobAge after their end, and forgets the jobs of its last
 * seconds in a crash); accounting can.  So "lost" is said only when
 * accounting, asked and answering, does not know the job or saw it never
 * start; with no accounting, or none answering, the job is "unknown", and
 * --resubmit refuses it: better a job the user resubmits by hand than one
 * run twice behind their back.
 */
#include "config.h"

#include <string.h>

#include "submit/settle.h"

static void from_acct(struct hpcl__settled *out, const struct hpcl__acct *a)
{
    out->from_acct = 1;
    out->state = a->state;
    out->exit_code = a->exit_code;
    out->started = a->started;
    if (a->ended) {
        out->status = "ended";
    } else if (a->started) {
        /* Running when the controller forgot it (a crash after it
         * started): part of it may have run. */
        out->status = "lost";
        out->why = "accounting shows it started and never ended, and the "
                   "controller no longer knows it (lost in a controller "
                   "crash while it ran): part of it may have run, so it is "
                   "not resubmitted";
    } else {
        out->status = "lost";
        out->why = "accounting shows it never started, and the controller "
                   "no longer knows it (lost in a controller crash)";
    }
}

void hpcl__settle(struct hpcl__settled *out, enum hpcl__ctl_answer ctl,
                  hpcl_state ctl_state, int ctl_exit,
                  enum hpcl__acct_answer aa, const struct hpcl__acct *a)
{
    memset(out, 0, sizeof *out);
    out->state = HPCL_STATE_UNKNOWN;
    out->exit_code = -1;
    out->status = "unknown";
    switch (ctl) {
    case HPCL__CTL_HAS:
        out->state = ctl_state;
        out->exit_code = ctl_exit;
        out->started = ctl_state != HPCL_STATE_PENDING;
        out->status = hpcl_state_is_terminal(ctl_state) ? "ended" : "active";
        return;
    case HPCL__CTL_UNREACHABLE:
        out->why = "its site's controller did not answer";
        return;
    case HPCL__CTL_NOJOB:
    case HPCL__CTL_OTHER_KEY:
        break;
    }
    switch (aa) {
    case HPCL__AA_RECORD:
        from_acct(out, a);
        return;
    case HPCL__AA_NOJOB:
        out->status = "lost";
        out->why = ctl == HPCL__CTL_OTHER_KEY
                       ? "its id now names another job (re-issued after a "
                         "controller crash) and accounting has no record of "
                         "it: lost in a controller crash"
                       : "neither the controller nor accounting knows it: "
                         "lost in a controller crash";
        return;
    case HPCL__AA_UNREACHABLE:
        out->why = "the controller no longer knows it and accounting "
                   "could not be asked (it may have ended, or been lost in "
                   "a controller crash)";
        return;
    case HPCL__AA_NONE:
        out->why = "the controller no longer knows it and the site has no "
                   "accounting (set accounting = yes in the site file if "
                   "it has a slurmdbd): it may have ended more than "
                   "MinJobAge ago, or been lost in a controller crash";
        return;
    }
}
