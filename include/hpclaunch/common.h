/*
 * hpclaunch common definitions: the export macro and the error model.
 *
 * Every function that can fail returns an hpcl_rc.  HPCL_OK (0) is success;
 * any other value names the class of failure, and hpcl_ctx_errmsg() gives
 * the detail (which site, file, call or option, and Slurm's own text).
 * The library never prints and never exits the calling process.
 */
#ifndef HPCLAUNCH_COMMON_H
#define HPCLAUNCH_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define HPCL_API __attribute__((visibility("default")))
#else
#define HPCL_API
#endif

/* Return codes.  Append only: values are part of the ABI. */
typedef enum hpcl_rc {
    HPCL_OK = 0,
    HPCL_E_INVAL = 1,       /* invalid argument, option or flags */
    HPCL_E_NOMEM = 2,       /* out of memory */
    HPCL_E_SYSTEM = 3,      /* an operating-system call failed */
    HPCL_E_CONFIG = 4,      /* a configuration file is missing or invalid */
    HPCL_E_SLURM = 5,       /* Slurm refused or failed the request */
    HPCL_E_UNREACHABLE = 6, /* the controller or site cannot be reached */
    HPCL_E_TIMEOUT = 7,     /* the operation did not finish in time */
    HPCL_E_NOJOB = 8,       /* no such job */
    HPCL_E_AMBIGUOUS = 9,   /* request sent, outcome unknown */
    HPCL_E_TOPOLOGY = 10,   /* the hardware topology cannot be used */
    HPCL_E_NOGPU = 11,      /* GPUs were asked for and none fit */
    HPCL_E_PLAN = 12,       /* the placement asked for does not fit */
    HPCL_E_REST = 13,       /* a REST site failed the request */
    HPCL_E_AUTH = 14,       /* authentication failed or token unusable */
    HPCL_E_NOBACKEND = 15,  /* no site could take the request */
    HPCL_E_UNSUPPORTED = 16 /* not available in this build or setting */
} hpcl_rc;

/* Static, human-readable description of rc; never NULL. */
HPCL_API const char *hpcl_strerror(hpcl_rc rc);

#ifdef __cplusplus
}
#endif

#endif
