/*
 * Staging: a job's files copied to a site's data endpoint and back with
 * rsync over ssh, each one verified by SHA-256 at both ends, every
 * verified copy recorded (the transfers log, beside the journal) so that
 * a rerun after a crash copies only what was not verified yet.
 * hpclaunch.conf(5), ECONOMICS AND DATA; hpcl_job_set_input(3).
 *
 * Credentials: ssh reads the identity file named in the site file through
 * a config file in a private temporary folder; no key, password or token
 * is ever in a command line, a log line or a job's environment.
 */
#ifndef HPCL_STAGE_H
#define HPCL_STAGE_H

#include <stddef.h>

#include "core/core.h"
#include "conf/sites.h"

#define HPCL__SHA256_HEX 65 /* 64 hex digits + NUL */

/* One regular file of a job's inputs, as it is at home. */
struct hpcl__stage_file {
    char *path;          /* absolute */
    unsigned long long size;
    long long mtime_ns;
    char sha[HPCL__SHA256_HEX]; /* "" until hashed */
};

struct hpcl__stage_list {
    struct hpcl__stage_file *f;
    size_t n;
    double bytes;
};

/* The regular files under paths (files, or folders walked), each once;
 * a path that does not exist, or a special file, is an error naming it.
 * Free with hpcl__stage_list_free. */
hpcl_rc hpcl__stage_list_make(struct hpcl__stage_list *out, hpcl_ctx *ctx,
                              char *const *paths, size_t n);
void hpcl__stage_list_free(struct hpcl__stage_list *l);

/* Bytes of l verified at site already (the transfers log at logpath:
 * same path, size and modification time), in *out; 0 without a log. */
hpcl_rc hpcl__stage_verified_bytes(double *out, hpcl_ctx *ctx,
                                   const char *logpath, const char *site,
                                   const struct hpcl__stage_list *l);

/* Copy l to site c (named site) and verify every file there; make the
 * folders of outputs there; record each verified file in the log under
 * key.  HPCL_OK only when every file is verified at the site: then, and
 * only then, the job may be submitted there. */
hpcl_rc hpcl__stage_in(hpcl_ctx *ctx, const char *logpath, const char *key,
                       const char *site, const struct hpcl__site_conf *c,
                       const struct hpcl__stage_list *l, char *const *outputs,
                       size_t noutputs);

/* Copy outputs (home paths) back from site c, each file verified; record
 * them under key. */
hpcl_rc hpcl__stage_out(hpcl_ctx *ctx, const char *logpath, const char *key,
                        const char *site, const struct hpcl__site_conf *c,
                        char *const *outputs, size_t noutputs);

/* Record the outputs a job at site will bring back (for hpclaunch fetch
 * in another process). */
hpcl_rc hpcl__stage_note_outputs(hpcl_ctx *ctx, const char *logpath,
                                 const char *key, const char *site,
                                 char *const *outputs, size_t n);

/* The outputs noted for key (*out, n of them, malloc'd strings in a
 * malloc'd array) and their site (*site, malloc'd). */
hpcl_rc hpcl__stage_noted_outputs(char ***out, size_t *n, char **site,
                                  hpcl_ctx *ctx, const char *logpath,
                                  const char *key);

/* Whether a line of the transfers log (NUL-terminated, no newline) may go
 * when the jobs for which pruned(key, arg) is 1 leave the journal: one of
 * their outputs (O, B), or an input they verified (V) that has changed or
 * gone since, so that it can never spare a copy again.  An input still as
 * it was verified stays (the next job that needs it is spared the copy);
 * a damaged line stays. */
int hpcl__stage_log_prunable(const char *line,
                             int (*pruned)(const char *key, void *arg),
                             void *arg);

#endif
