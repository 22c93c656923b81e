/*
 * The libslurm driver (backend/backend.h).  Only the files of this folder
 * include <slurm/slurm.h>: libslurm's ABI changes every release.
 *
 * Every operation below first makes libslurm safe to call for the site:
 *  1. the slurm.conf path is resolved (the site's slurm_conf, else
 *     hpcl_ctx_set_slurm_conf, then $SLURM_CONF, then
 *     /etc/slurm/slurm.conf) and must be a readable file -- libslurm would
 *     exit() the process otherwise;
 *  2. once per site, a forked child loads it with slurm_init() and
 *     reports; a fatal() there ends the child, not the caller;
 *  3. the controllers named in the file get a short TCP connect probe
 *     (1 s, or the site's timeout when shorter), so a dead controller
 *     costs that instead of libslurm's 9-18 s per call; a down answer is
 *     remembered for 10 s, an up answer for 5 s;
 *  4. the munged socket is checked when auth/munge is in use (a dead
 *     munged also costs 18 s per call).
 * All of this state is per site, so several libslurm sites live in one
 * process.  libslurm keeps its configuration in process-global state: all
 * calls are serialised by one process-wide mutex, and a site whose
 * slurm.conf differs from the loaded one reloads it (slurm_fini +
 * slurm_init).  Sites may be used from different threads; calls queue.
 */
#ifndef HPCL_SLURM_LIB_H
#define HPCL_SLURM_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "core/core.h"

/* A controller address from slurm.conf. */
#define HPCL__CTLD_MAX 8
struct hpcl__ctld {
    char host[256]; /* ControlAddr if given, else the host name */
    char port[8];   /* first port of SlurmctldPort */
};

/* What lib/backend/slurm/slurm_guard.c reads from slurm.conf itself. */
struct hpcl__conf_facts {
    struct hpcl__ctld ctld[HPCL__CTLD_MAX];
    size_t n_ctld;
    char munge_socket[256]; /* "" when auth is not munge */
};

/* lib/backend/slurm/slurm_guard.c: a libslurm site's guard state (site->state). */
struct hpcl__slurm;
struct hpcl__slurm *hpcl__guard_new(const struct hpcl__site_conf *conf);
void hpcl__guard_free(struct hpcl__slurm *s);

/* lib/backend/slurm/slurm_guard.c: steps 1-4 above for the site.  On HPCL_OK *conf is
 * the slurm.conf to load (borrowed from s). */
hpcl_rc hpcl__guard_enter(struct hpcl__slurm *s, hpcl_ctx *ctx,
                          const char **conf);

/* lib/backend/slurm/slurm_guard.c: after an RPC, remember whether it reached slurmctld
 * (why: the failure text when it did not). */
void hpcl__guard_after(struct hpcl__slurm *s, int reached, const char *why);

/* slurm_global.c: the process-wide libslurm lock. */
void hpcl__slurm_lock(void);
void hpcl__slurm_unlock(void);

/* slurm_global.c: take the lock and make conf libslurm's configuration
 * (loading it if another is loaded).  On HPCL_OK the lock is held. */
hpcl_rc hpcl__slurm_use(hpcl_ctx *ctx, const char *conf);

/* slurm_global.c: slurm_init(conf) and nothing else; for the forked
 * child that validates a slurm.conf. */
void hpcl__slurm_child_load(const char *conf);

#ifdef HPCL_TESTING
hpcl_rc hpcl__slurm_read_conf(hpcl_ctx *ctx, const char *path,
                              struct hpcl__conf_facts *facts);
hpcl_state hpcl__slurm_state(uint32_t job_state);
int hpcl__slurm_shell_status(uint32_t wait_status);
#endif

#endif
