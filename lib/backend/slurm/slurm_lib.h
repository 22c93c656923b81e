/*
 * The libslurm driver (backend/backend.h), in two processes.  libslurm
 * keeps one configuration per process (24.11 crashes on slurm_init after
 * slurm_fini), may exit() the process (fatal()) and blocks for its own
 * MessageTimeout; so libhpclaunch does not link it.
 *
 * In the library, slurm_proxy.c implements the driver for driver = slurm
 * over one helper process per site and context (slurm_child.c): started
 * at the site's first use with that site's slurm.conf, which it loads
 * once, and asked over a socketpair (slurm_wire.h).  Before starting it,
 * the slurm.conf path is resolved (the site's slurm_conf, else
 * hpcl_ctx_set_slurm_conf, then $SLURM_CONF, then /etc/slurm/slurm.conf)
 * and must be a readable regular file.  Each request waits at most the
 * site's timeout; an answer that does not come in time kills the helper
 * (restarted at the next use) and means what a lost answer means: "may
 * have happened" for a submit or cancel, a timeout for a read.  A helper
 * that dies (libslurm's fatal(), a crash) is reported with the site's
 * name and the tail of its stderr, which is captured: libslurm's log
 * lines never reach the caller's stderr, and its error lines of a failed
 * request end the request's message.  A controller of a Slurm release
 * this libslurm cannot talk to is recognised from those lines, or from a
 * connection it closes unanswered twice (slurm_skew.h).  Sites do not
 * share anything, so they are asked in parallel and none waits on
 * another.
 *
 * In the helper (libexec/slurm_helper.c, linked with libslurm and this
 * folder's other files), slurm_lib.c runs the requests after the guards
 * of slurm_guard.c: the controllers named in the file get a short TCP
 * connect probe (1 s, or the site's timeout when shorter), so a dead
 * controller costs that instead of libslurm's 9-18 s per call (a down
 * answer is remembered for 10 s, an up answer for 5 s), and the munged
 * socket is checked when auth/munge is in use.
 */
#ifndef HPCL_SLURM_LIB_H
#define HPCL_SLURM_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "core/core.h"

/* --- in the helper --------------------------------------------------- */

/* A controller address from slurm.conf. */
#define HPCL__CTLD_MAX 8
struct hpcl__ctld {
    char host[256]; /* ControlAddr if given, else the host name */
    char port[8];   /* first port of SlurmctldPort */
};

/* What slurm_guard.c reads from slurm.conf itself. */
struct hpcl__conf_facts {
    struct hpcl__ctld ctld[HPCL__CTLD_MAX];
    size_t n_ctld;
    char munge_socket[256]; /* "" when auth is not munge */
    char cluster[128];      /* ClusterName, lower case as slurmctld has
                             * it; "" when not set */
};

/* slurm_guard.c: a site's guard state (site->state in the helper), for
 * the slurm.conf at absolute path conf (copied). */
struct hpcl__slurm;
struct hpcl__slurm *hpcl__guard_new(const struct hpcl__site_conf *site,
                                    const char *conf);
void hpcl__guard_free(struct hpcl__slurm *s);

/* slurm_guard.c: read the controllers and the auth socket from the
 * slurm.conf, once, before any request. */
hpcl_rc hpcl__guard_load(struct hpcl__slurm *s, hpcl_ctx *ctx);

/* slurm_guard.c: the cluster's identity, "slurm:CLUSTER@CONTROLLER:PORT"
 * (lib/submit/cluster_id.c), from slurm.conf as slurmctld reads it:
 * ClusterName in lower case, the first controller's address (its host
 * name when none is given) and first port.  0, or -1 when slurm.conf
 * cannot say (no ClusterName): then ask the controller. */
int hpcl__guard_ident(struct hpcl__slurm *s, hpcl_ctx *ctx, char *out,
                      size_t len);

/* slurm_guard.c: before an RPC, is the controller (and munged) there? */
hpcl_rc hpcl__guard_enter(struct hpcl__slurm *s, hpcl_ctx *ctx);

/* slurm_guard.c: after an RPC, remember whether it reached slurmctld
 * (why: the failure text when it did not). */
void hpcl__guard_after(struct hpcl__slurm *s, int reached, const char *why);

/* slurm_lib.c: the operations on libslurm, for a site whose state is a
 * struct hpcl__slurm (close is NULL: the helper frees the state). */
extern const struct hpcl__backend_ops hpcl__slurm_lib_ops;

/* slurm_lib.c: a Slurm job state and wait status as hpclaunch's state and
 * a shell-style exit code (also for accounting records, slurm_acct.c). */
hpcl_state hpcl__slurm_state(uint32_t job_state);
int hpcl__slurm_shell_status(uint32_t wait_status);

/* The signal in a wait(2) status (Slurm's ExitCode 0:N), 0 when none. */
int hpcl__slurm_term_signal(uint32_t wait_status);

/* slurm_acct.c: answer an ACCT request (u32 id, u32 the site file's
 * accounting key, str key in r) into out,
 * from the site's slurmdbd (libslurm's slurmdb interface). */
struct hpcl__rbuf;
struct hpcl__wbuf;
hpcl_rc hpcl__slurm_acct_serve(struct hpcl__site *site, hpcl_ctx *ctx,
                               struct hpcl__rbuf *r, struct hpcl__wbuf *out);

/* slurm_acct.c: the controller's Slurm release ("" when it cannot be
 * read), read once per helper process with the cluster's identity. */
const char *hpcl__slurm_release(struct hpcl__site *site, hpcl_ctx *ctx);

/* slurm_acct.c: answer an IDENT request: the cluster's identity,
 * "slurm:CLUSTER@CONTROLLER:PORT", from the controller's configuration. */
hpcl_rc hpcl__slurm_ident_serve(struct hpcl__site *site, hpcl_ctx *ctx,
                                struct hpcl__rbuf *r, struct hpcl__wbuf *out);

#ifdef HPCL_TESTING
hpcl_rc hpcl__slurm_read_conf(hpcl_ctx *ctx, const char *path,
                              struct hpcl__conf_facts *facts);
#endif

#endif
