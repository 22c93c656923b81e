/*
 * The one place where the libslurm releases hpclaunch builds against
 * (22.05 on Debian 12 to 24.11 on Debian 13) differ for the driver.
 * Included by the helper's files that call libslurm (slurm_lib.c,
 * slurm_acct.c).
 *
 * - The error of a failed call is errno on every release: 22.05's
 *   slurm_get_errno() only returned errno, and 24.11 removed it.
 * - The job reason text: libslurm exports it without declaring it, as
 *   slurm_job_reason_string up to some release and as
 *   slurm_job_state_reason_string after (24.11 exports only that one).
 *   configure links against the library to see which one it has
 *   (HAVE_SLURM_JOB_STATE_REASON_STRING), so every release in between
 *   gets the right one without a guess of when it was renamed.
 * - The socket errors 5000/5001 are gone from 24.11's slurm_errno.h; our
 *   table (backend/slurm_errno.h) keeps them, and they are checked against
 *   the header only where they were seen (22.05).
 * - Lists are list_t * and list_itr_t * (typedefs below for 22.05).
 * - libslurm's log needs nothing: it writes to the helper's stderr, which
 *   is a pipe the library reads (slurm_child.c), on every release.
 */
#ifndef HPCL_BACKEND_SLURM_COMPAT_H
#define HPCL_BACKEND_SLURM_COMPAT_H

#include <slurm/slurm.h>
#include <slurm/slurm_version.h>

/* Releases whose slurm_errno.h still has the 5000/5001 socket errors. */
#define HPCL__SLURM_HAS_SOCKET_RECV_ERRNOS \
    (SLURM_VERSION_NUMBER < SLURM_VERSION_NUM(23, 2, 0))

/* libslurm's lists (slurmdb queries): 24.11 has list_t and list_itr_t,
 * 22.05 only List and ListIterator, pointers to the same structs.  Write
 * list_t * and list_itr_t *; configure says whether the header has them. */
#if !defined(HAVE_LIST_T)
typedef struct xlist list_t;
typedef struct listIterator list_itr_t;
#endif

/* Exported by libslurm, not declared in its headers. */
#if defined(HAVE_SLURM_JOB_STATE_REASON_STRING)
extern const char *slurm_job_state_reason_string(enum job_state_reason inx);
#define hpcl__slurm_reason_string(r) slurm_job_state_reason_string(r)
#elif defined(HAVE_SLURM_JOB_REASON_STRING)
extern const char *slurm_job_reason_string(enum job_state_reason inx);
#define hpcl__slurm_reason_string(r) slurm_job_reason_string(r)
#else
#error "libslurm exports neither slurm_job_state_reason_string nor slurm_job_reason_string: run configure again"
#endif

#endif
