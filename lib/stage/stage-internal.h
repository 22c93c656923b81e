/*
 * Inside the stage layer: the commands it runs (stage_cmd.c) and the
 * transfers log (stage_log.c).
 */
#ifndef HPCL_STAGE_INTERNAL_H
#define HPCL_STAGE_INTERNAL_H

#include <sys/stat.h>

#include "stage/stage.h"

/* A private folder (mode 0700) holding the ssh config for one site. */
struct hpcl__ssh {
    char dir[256];
    char config[300];
    char rsh[340];  /* "ssh -F CONFIG", rsync's -e */
    const struct hpcl__site_conf *site;
    const char *name;
};

/* Make the folder and config; remove it with hpcl__ssh_close. */
hpcl_rc hpcl__ssh_open(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *name,
                       const struct hpcl__site_conf *c);
void hpcl__ssh_close(struct hpcl__ssh *s);

/* Run argv (argv[0] looked up in PATH), stdout into *out (malloc'd,
 * NUL-terminated; NULL: discarded).  0 exit: HPCL_OK; anything else fails
 * with what names the step and the end of its stderr. */
hpcl_rc hpcl__stage_run(hpcl_ctx *ctx, char *const *argv, char **out,
                        const char *what);

/* A remote command at the site: "ssh -F CONFIG hpcl-site -- CMD ARGS",
 * each of args[0..n) single-quoted after prefix + the arg. */
hpcl_rc hpcl__ssh_cmd(struct hpcl__ssh *s, hpcl_ctx *ctx, const char *cmd,
                      const char *prefix, char *const *args, size_t n,
                      char **out, const char *what);

/* The rsync program: $HPCL_RSYNC (a wrapper, tests) or rsync. */
const char *hpcl__rsync_prog(void);

/* Parse "HASH  PATH" lines of sha256sum into sums[i] for the i with
 * strip + paths[i] == PATH.  Returns how many were found. */
size_t hpcl__sha_parse(const char *text, const char *strip,
                       char *const *paths, size_t n,
                       char (*sums)[HPCL__SHA256_HEX]);

/* Which of l's files are verified at site already: done[i] = 1. */
hpcl_rc hpcl__stage_verified_set(int *done, hpcl_ctx *ctx,
                                 const char *logpath, const char *site,
                                 const struct hpcl__stage_list *l);

/* Append one line to the log, synced. */
hpcl_rc hpcl__stage_log_line(hpcl_ctx *ctx, const char *logpath,
                             const char *fmt, ...) HPCL_PRINTF(3, 4);

/* stage_list.c: a file's modification time in nanoseconds, the
 * transfers log's key for "as it was verified". */
long long hpcl__stage_mtime_ns(const struct stat *st);

#endif
