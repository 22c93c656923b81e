/*
 * Private to the library: struct bodies and hpcl__ functions shared between
 * lib/ files.  Nothing here is installed or exported.
 */
#ifndef HPCL_INTERNAL_H
#define HPCL_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <hpclaunch.h>

/* File-local helpers that unit tests call directly. */
#ifdef HPCL_TESTING
#define HPCL_STATIC
#else
#define HPCL_STATIC static
#endif

#define HPCL_PRINTF(f, a) __attribute__((format(printf, f, a)))

#define HPCL_ERRMSG_MAX 1024

struct hpcl__sites;     /* the site table, lib/conf/sites.h */
struct hpcl__site_slot; /* an opened site, lib/registry/registry.h */
struct hpcl__journal;   /* lib/submit/journal.h */

/* How a job's end became known, for the journal's note. */
enum hpcl__end_how {
    HPCL__END_SEEN,      /* a wait, status or refresh saw it */
    HPCL__END_CANCELLED, /* cancelled through hpclaunch */
    HPCL__END_ACCOUNTING /* the site's accounting told it */
};

/* A job's end, for the journal (lib/submit/job_ends.c).  The strings
 * are the job handle's and the context's: they outlive a refresh. */
struct hpcl__job_end {
    const char *key;  /* "" when the handle has none (attached) */
    const char *site;
    uint64_t id;
    hpcl_state state;
    int exit_code;
    int term_signal; /* as hpcl_job_signal() */
    enum hpcl__end_how how;
};

struct hpcl__jsummary; /* lib/submit/journal.h */

/* Ends gathered during hpcl_jobs_refresh, journaled at its end; and the
 * journal as read once for the refresh (its lookups by site and id, then
 * the ends), freed by job_ends. */
struct hpcl__end_batch {
    struct hpcl__job_end *end;
    size_t n, cap;
    struct hpcl__jsummary *journal;
};

struct hpcl_ctx {
    char errmsg[HPCL_ERRMSG_MAX];
    hpcl_log_fn log_fn;
    void *log_arg;
    char *slurm_conf;           /* explicit local slurm.conf, or NULL */
    struct hpcl__sites *sites;  /* the built-in "local" until loaded */
    struct hpcl__site_slot *slots; /* one per site, opened lazily */
    int sites_loaded;           /* hpcl_ctx_load_sites() was called: the
                                 * journal is kept (exactly-once) */
    struct hpcl__journal *journal; /* opened at the first submit */
    /* Journal the ends of jobs when they are seen, all of a batch at
     * once: one read of the journal and one synced write, the batch's
     * journal freed (lib/submit/job_ends.c, set by lib/ctx.c): the job
     * layer calls up through this pointer only. */
    void (*job_ends)(hpcl_ctx *ctx, struct hpcl__end_batch *ends);
    /* While not NULL (inside hpcl_jobs_refresh), ends seen are gathered
     * here and journaled together when the refresh is done. */
    struct hpcl__end_batch *end_batch;
    /* What the journal holds of the job at site and id: its key into key
     * (38 bytes) and the end journaled for it, if any, into *state,
     * *exit_code and *term_signal (HPCL_STATE_UNKNOWN, -1 and -1 when
     * none or not said): 1, or 0 when the journal has no such job
     * (lib/submit/job_ends.c, set by lib/ctx.c).  Inside a refresh the
     * journal is read once, into end_batch. */
    int (*job_lookup)(hpcl_ctx *ctx, const char *site, uint64_t id,
                      char *key, hpcl_state *state, int *exit_code,
                      int *term_signal);
};

/* Record a formatted detail message on ctx and return rc. */
hpcl_rc hpcl__fail(hpcl_ctx *ctx, hpcl_rc rc, const char *fmt, ...)
    HPCL_PRINTF(3, 4);
void hpcl__clear_error(hpcl_ctx *ctx);
void hpcl__log(hpcl_ctx *ctx, hpcl_log_level level, const char *fmt, ...)
    HPCL_PRINTF(3, 4);

/* Replace *dst by a copy of src (NULL allowed). */
hpcl_rc hpcl__set_string(hpcl_ctx *ctx, char **dst, const char *src);

/* lib/core/clock.c: monotonic clock in seconds. */
double hpcl__now(void);

/* lib/core/path.c: *out = path made absolute against base (NULL: the
 * current directory), malloc'd. */
hpcl_rc hpcl__abs_path(hpcl_ctx *ctx, char **out, const char *base,
                       const char *path);

/* lib/core/duration.c: a duration into milliseconds (see duration.h). */
#include "core/duration.h"

/* lib/core/file.c: path opened for reading if it is a regular file: a
 * descriptor; -1 (errno set) when it cannot be opened; -2 when it is not
 * a regular file (a FIFO or a device is never waited on). */
int hpcl__open_regular(const char *path);

/* lib/core/file.c: the whole regular file at path, at most max bytes, into
 * *data (malloc'd, NUL-terminated) and *len: 0; -1 (errno set: EFBIG when
 * it is larger than max) or -2 (not a regular file) as hpcl__open_regular,
 * with *data NULL. */
int hpcl__read_regular(const char *path, size_t max, char **data,
                       size_t *len);

/* lib/core/file.c: all len bytes of buf to fd, again after EINTR or a
 * short write (a disk that fills up answers one short write, then the
 * error): 0, or -1 with errno set. */
int hpcl__write_all(int fd, const char *buf, size_t len);

/* lib/core/file.c: path opened (open(2) flags and mode, O_CLOEXEC added)
 * and locked exclusively (flock), as the file path names once the lock is
 * held: one renamed over path while we waited (a compaction, written under
 * this lock) is let go and path opened again, so that no line goes to a
 * file about to be unlinked.  A descriptor, or -1 with errno set. */
int hpcl__open_locked(const char *path, int flags, mode_t mode);

/* lib/core/file.c: 1 if the file open at fd does not end with a newline
 * (a writer of a line-per-record file died mid-line: the next record
 * must start on a line of its own), 0 if it does or is empty, -1 (errno
 * set) if it cannot be read. */
int hpcl__tail_torn(int fd);

#endif
