/*
 * The libslurm backend.  lib/slurm_lib.c is the only file that includes
 * <slurm/slurm.h>: libslurm's ABI changes every release.
 *
 * Every operation below first makes libslurm safe to call for the
 * context's site:
 *  1. the slurm.conf path is resolved (hpcl_ctx_set_slurm_conf, then
 *     $SLURM_CONF, then /etc/slurm/slurm.conf) and must be a readable
 *     file -- libslurm would exit() the process otherwise;
 *  2. once per context, a forked child loads it with slurm_init() and
 *     reports; a fatal() there ends the child, not the caller;
 *  3. the controllers named in the file get a 1 s TCP connect probe, so
 *     a dead controller costs 1 s instead of libslurm's 9-18 s per call;
 *     a down answer is remembered for 10 s, an up answer for 5 s;
 *  4. the munged socket is checked when auth/munge is in use (a dead
 *     munged also costs 18 s per call).
 * libslurm keeps its configuration in process-global state: all calls are
 * serialised by one process-wide mutex, and a context whose slurm.conf
 * differs from the loaded one reloads it (slurm_fini + slurm_init).
 * Contexts may be used from different threads; calls simply queue.
 */
#ifndef HPCL_SLURM_LIB_H
#define HPCL_SLURM_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "hpcl-internal.h"
#include "job-internal.h"

/* Receives the records of one query; see struct hpcl__jobrec. */
typedef hpcl_rc (*hpcl__jobrec_fn)(void *arg,
                                   const struct hpcl__jobrec *recs,
                                   size_t n);

/* Submit desc; *id is the new job's id (the array job id for arrays). */
hpcl_rc hpcl__slurm_submit(hpcl_ctx *ctx, const struct hpcl__jobdesc *desc,
                           uint32_t *id);

/* Load job id (ref names it in messages) and pass its records to fn. */
hpcl_rc hpcl__slurm_query(hpcl_ctx *ctx, uint32_t id, const char *ref,
                          hpcl__jobrec_fn fn, void *arg);

/* Cancel job id, or one task of it (task != HPCL__NO_TASK).  A job that
 * already ended is not an error. */
hpcl_rc hpcl__slurm_cancel(hpcl_ctx *ctx, uint32_t id, uint32_t task,
                           const char *ref);

/* Will-run answer and queue figures for desc, into probe. */
hpcl_rc hpcl__slurm_probe(hpcl_ctx *ctx, const struct hpcl__jobdesc *desc,
                          struct hpcl_probe *probe);

/* Free the backend state of a context (NULL accepted). */
void hpcl__slurm_destroy(struct hpcl__slurm *slurm);

/* A controller address from slurm.conf. */
#define HPCL__CTLD_MAX 8
struct hpcl__ctld {
    char host[256]; /* ControlAddr if given, else the host name */
    char port[8];   /* first port of SlurmctldPort */
};

/* What lib/slurm_guard.c reads from slurm.conf itself. */
struct hpcl__conf_facts {
    struct hpcl__ctld ctld[HPCL__CTLD_MAX];
    size_t n_ctld;
    char munge_socket[256]; /* "" when auth is not munge */
};

/* lib/slurm_guard.c: steps 1-4 above for ctx.  On HPCL_OK *conf is the
 * slurm.conf to load (borrowed from ctx). */
hpcl_rc hpcl__guard_enter(hpcl_ctx *ctx, const char **conf);

/* lib/slurm_guard.c: after an RPC, remember whether it reached slurmctld
 * (why: the failure text when it did not). */
void hpcl__guard_after(hpcl_ctx *ctx, int reached, const char *why);

/* lib/slurm_lib.c: the process-wide libslurm lock. */
void hpcl__slurm_lock(void);
void hpcl__slurm_unlock(void);

/* lib/slurm_lib.c: slurm_init(conf) and nothing else; for the forked
 * child that validates a slurm.conf. */
void hpcl__slurm_child_load(const char *conf);

#ifdef HPCL_TESTING
hpcl_rc hpcl__slurm_read_conf(hpcl_ctx *ctx, const char *path,
                              struct hpcl__conf_facts *facts);
hpcl_state hpcl__slurm_state(uint32_t job_state);
int hpcl__slurm_shell_status(uint32_t wait_status);
#endif

#endif
