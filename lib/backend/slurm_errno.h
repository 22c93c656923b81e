/*
 * Slurm's error numbers that decide what a failed request means, for both
 * drivers: libslurm returns them, slurmrestd passes them through in its
 * replies.  One table (libuv's UV_ERRNO_MAP style) gives the names, the
 * numbers (slurm_errno.h; the libslurm driver checks them against the
 * header it is built with) and the class that exactly-once depends on.
 */
#ifndef HPCL_BACKEND_SLURM_ERRNO_H
#define HPCL_BACKEND_SLURM_ERRNO_H

#include <errno.h>

/* What a failure says about a request. */
enum hpcl__se_class {
    HPCL__SE_OTHER = 0,  /* an answer: the request was refused */
    HPCL__SE_NO_CONTACT, /* never reached slurmctld: not done */
    HPCL__SE_LOST,       /* reached slurmctld, answer lost: maybe done */
    HPCL__SE_CRED        /* credentials refused */
};

/* X(NAME, number, class) */
#define HPCL__SLURM_ERRNO_MAP(X)                                           \
    X(UNSPECIFIED, -1, HPCL__SE_OTHER)                                     \
    X(COMM_CONNECT, 1001, HPCL__SE_NO_CONTACT)                             \
    X(COMM_SEND, 1002, HPCL__SE_NO_CONTACT)                                \
    X(COMM_RECV, 1003, HPCL__SE_LOST)                                      \
    X(COMM_SHUTDOWN, 1004, HPCL__SE_LOST)                                  \
    X(AUTH, 1007, HPCL__SE_CRED)                                           \
    X(CTLD_CONNECT, 1800, HPCL__SE_NO_CONTACT)                             \
    X(CTLD_SEND, 1801, HPCL__SE_NO_CONTACT)                                \
    X(CTLD_RECV, 1802, HPCL__SE_LOST)                                      \
    X(CTLD_SHUTDOWN, 1803, HPCL__SE_LOST)                                  \
    X(NODE_CONFIG_UNAVAILABLE, 2014, HPCL__SE_OTHER)                       \
    X(PART_CONFIG_UNAVAILABLE, 2015, HPCL__SE_OTHER)                       \
    X(INVALID_JOB_ID, 2017, HPCL__SE_OTHER)                                \
    X(ALREADY_DONE, 2021, HPCL__SE_OTHER)                                  \
    X(JOB_HELD, 2042, HPCL__SE_OTHER)                                      \
    X(SOCKET_ZERO_RECV, 5000, HPCL__SE_LOST)                               \
    X(SOCKET_NEG_RECV, 5001, HPCL__SE_LOST)                                \
    X(INCOMPLETE_PACKET, 5003, HPCL__SE_LOST)                              \
    X(SOCKET_TIMEOUT, 5004, HPCL__SE_LOST)                                 \
    X(ZERO_BYTES_SENT, 5005, HPCL__SE_NO_CONTACT)                          \
    /* libslurm passes the socket's own errno through: a reset or a     \
     * timeout after the request went out may follow its being done. */ \
    X(SYS_EPIPE, EPIPE, HPCL__SE_LOST)                                     \
    X(SYS_ECONNRESET, ECONNRESET, HPCL__SE_LOST)                           \
    X(SYS_ETIMEDOUT, ETIMEDOUT, HPCL__SE_LOST)                             \
    X(SYS_ECONNREFUSED, ECONNREFUSED, HPCL__SE_NO_CONTACT)                 \
    X(SYS_EHOSTUNREACH, EHOSTUNREACH, HPCL__SE_NO_CONTACT)                 \
    X(SYS_ENETUNREACH, ENETUNREACH, HPCL__SE_NO_CONTACT)                   \
    X(AUTH_CRED_INVALID, 6000, HPCL__SE_CRED) /* to 6099: auth plugins */

enum hpcl__slurm_errno {
#define HPCL__SE_ENUM(name, num, cls) HPCL__SE_##name = num,
    HPCL__SLURM_ERRNO_MAP(HPCL__SE_ENUM)
#undef HPCL__SE_ENUM
};

/* The class of Slurm error e. */
enum hpcl__se_class hpcl__slurm_errno_class(long e);

/* The request never reached slurmctld: it was not done. */
static inline int hpcl__se_no_contact(long e)
{
    return hpcl__slurm_errno_class(e) == HPCL__SE_NO_CONTACT;
}

/* The request reached slurmctld and its answer was lost: maybe done. */
static inline int hpcl__se_answer_lost(long e)
{
    return hpcl__slurm_errno_class(e) == HPCL__SE_LOST;
}

/* The credentials (munge, token) were refused. */
static inline int hpcl__se_auth_failure(long e)
{
    return hpcl__slurm_errno_class(e) == HPCL__SE_CRED;
}

#endif
