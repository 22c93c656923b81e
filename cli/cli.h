/* hpclaunch command-line tool: shared declarations.  Public API only. */
#ifndef HPCL_CLI_H
#define HPCL_CLI_H

#include <hpclaunch.h>

/* Exit statuses, documented in hpclaunch(1). */
enum {
    EXIT_OK = 0,
    EXIT_LIBRARY = 1, /* the library reported an error */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_JOB = 3,     /* the job ended FAILED, CANCELLED or TIMEOUT */
    EXIT_WAIT = 4     /* wait --timeout expired before the job ended */
};

#endif
