/*
 * The journal: the record that makes submission exactly-once.  One file per
 * user, append-only, one line per event, each line with its own checksum
 * so that a torn or damaged line is recognised and skipped.  Before a
 * submit request goes out its INTENT is written and synced; the outcome is
 * written and synced when the request returns.  Every job carries its key
 * in its comment, so that after an ambiguous failure the site can be asked
 * whether the job exists.  Several processes may append at once.
 */
#ifndef HPCL_JOURNAL_H
#define HPCL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "backend/jobkey.h"

#define HPCL__JNAME_MAX 64 /* site and host fields, with the NUL */
#define HPCL__CLUSTER_MAX 256 /* a cluster's identity, with the NUL */

/* Events, in the order of a job's life.  Their names are the file format:
 * never rename one. */
enum hpcl__jevent {
    HPCL__J_INTENT = 0, /* about to submit to a site (synced first) */
    HPCL__J_SUBMITTED,  /* the site gave a job id */
    HPCL__J_FAILED,     /* the site refused: no job was created there */
    HPCL__J_AMBIGUOUS,  /* request sent, outcome unknown */
    HPCL__J_ADOPTED,    /* found by its key after AMBIGUOUS */
    HPCL__J_LOST,       /* was SUBMITTED; the site no longer knows the key */
    HPCL__J_CANCELLED,  /* cancelled on request */
    HPCL__J_ENDED,      /* seen ended at its site (note: the state) */
    HPCL__J_NEVENTS
};

/* One event to append.  INTENT needs a site; SUBMITTED and ADOPTED need a
 * site and an id. */
struct hpcl__jrec {
    enum hpcl__jevent event;
    const char *key;  /* from hpcl__key_new() */
    const char *site; /* NULL: none */
    uint64_t id;      /* Slurm job id; 0: none */
    const char *note; /* free text (reason, error); NULL: none */
};

struct hpcl__journal; /* an open journal; one per process, not shared
                         across fork() (a child reopens it) */

/* The journal's path: $HPCLAUNCH_JOURNAL, else configured (the site
 * file's journal key, may be NULL), else $XDG_STATE_HOME/hpclaunch/journal,
 * else ~/.local/state/hpclaunch/journal.  *out is owned by the caller. */
hpcl_rc hpcl__journal_path(char **out, hpcl_ctx *ctx, const char *configured);

/* The files kept beside the journal at journal, into *out (malloc'd): the
 * requests file (requests.h), "requests" in the journal's folder; the
 * transfers log (stage.h), the journal's path + ".transfers". */
hpcl_rc hpcl__journal_requests_path(char **out, hpcl_ctx *ctx,
                                    const char *journal);
hpcl_rc hpcl__journal_transfers_path(char **out, hpcl_ctx *ctx,
                                     const char *journal);

/* Open (creating directories 0700 and the file 0600) for appending. */
hpcl_rc hpcl__journal_open(struct hpcl__journal **out, hpcl_ctx *ctx,
                           const char *path);
void hpcl__journal_close(struct hpcl__journal *j);

/* Append n records with one write and one fdatasync, under an exclusive
 * lock: a batch of intents (or of outcomes) costs one sync. */
hpcl_rc hpcl__journal_append(struct hpcl__journal *j, hpcl_ctx *ctx,
                             const struct hpcl__jrec *recs, size_t n);

/* The same without the sync: the records reach the disk with the next
 * synced append, or when the system writes them back (closing does not
 * sync).  For outcomes, whose loss in a crash is harmless: the synced
 * INTENT and the job's key settle it (hpcl_ctx_jobs_json). */
hpcl_rc hpcl__journal_append_lazy(struct hpcl__journal *j, hpcl_ctx *ctx,
                                  const struct hpcl__jrec *recs, size_t n);

/* Reserve room on disk for nrec more records before a submit is sent,
 * so that its outcome can be written even if the disk fills up while it
 * is out; HPCL_E_SYSTEM (nothing may be sent) when there is none. */
hpcl_rc hpcl__journal_reserve(struct hpcl__journal *j, hpcl_ctx *ctx,
                              size_t nrec);

/* One record, synced. */
hpcl_rc hpcl__journal_record(struct hpcl__journal *j, hpcl_ctx *ctx,
                             enum hpcl__jevent event, const char *key,
                             const char *site, uint64_t id, const char *note);

/* --- reading ----------------------------------------------------------- */

/* What the journal says of one key: its last event and where it went. */
struct hpcl__jentry {
    char key[HPCL__KEY_LEN + 1];
    enum hpcl__jevent state;      /* the last event */
    char site[HPCL__JNAME_MAX];   /* the site of the last INTENT; "" none */
    uint64_t id;                  /* job id there; 0 if none yet */
    long long first, last;        /* unix times of first and last events */
    char host[HPCL__JNAME_MAX];   /* writer of the last event */
    long pid;
    char *note;                   /* of the last event; "" if none */
    const char *name;             /* the job's name, from the last INTENT's
                                   * note ("name=NAME", lib/submit/submit.c);
                                   * NULL in older journals */
    unsigned nevents;
    const char *cluster;          /* the site's identity when the job
                                   * was submitted (the SUBMITTED or
                                   * ADOPTED note's "cluster=ID" word,
                                   * lib/submit/cluster_id.c); "" in
                                   * older journals.  Shared: a journal
                                   * names a few (one a site), kept once
                                   * in the summary's clusters */
    unsigned seen;                /* bit 1 << event: events ever seen,
                                   * at any site (--resubmit refuses a
                                   * key that ever ENDED or was
                                   * CANCELLED) */
};

struct hpcl__jsummary {
    struct hpcl__jentry *entry; /* in order of first appearance */
    size_t n;
    size_t skipped; /* damaged lines, skipped with a warning */
    int torn;       /* the last line was incomplete (interrupted write) */
    char *data;     /* the journal's text: the entries' notes point
                     * into it */
    size_t cap;     /* the rest is the key index */
    uint32_t *slot;
    size_t nslots;
    char **clusters; /* the distinct cluster identities, owned */
    size_t nclusters;
};

/* Read the journal at path (a missing file is an empty journal) under a
 * shared lock.  Free *out with hpcl__jsummary_free(). */
hpcl_rc hpcl__journal_load(struct hpcl__jsummary **out, hpcl_ctx *ctx,
                           const char *path);
void hpcl__jsummary_free(struct hpcl__jsummary *s);

/* The same from the journal's text, already read: data (malloc'd) is
 * modified and taken over, freed with the summary even on failure. */
hpcl_rc hpcl__journal_fold(struct hpcl__jsummary **out, hpcl_ctx *ctx,
                           const char *path, char *data, size_t len);

/* The key of one journal line (len bytes, no newline) into key: 0, or -1
 * when the line is damaged. */
int hpcl__journal_line_key(const char *line, size_t len,
                           char key[HPCL__KEY_LEN + 1]);

/* lib/submit/journal_prune.c: drop from the journal at path every entry
 * settled (ENDED, CANCELLED or FAILED) whose last event is older than
 * before (unix time), rewriting the file atomically (a temporary file
 * renamed over it, mode 0600) under its exclusive lock; *dropped is the
 * number of entries dropped.  Appenders that held the old file reopen
 * it (journal.c, locked_write), so no concurrent entry is lost. */
hpcl_rc hpcl__journal_prune(hpcl_ctx *ctx, const char *path,
                            long long before, size_t *dropped);

/* The entry for key (borrowed), or NULL. */
const struct hpcl__jentry *hpcl__jsummary_get(const struct hpcl__jsummary *s,
                                              const char *key);

/* 1 if the key's outcome is unknown (last event INTENT or AMBIGUOUS): the
 * site must be asked for the key before anything else is tried. */
int hpcl__jentry_unresolved(const struct hpcl__jentry *e);

/* 1 if the last writer is a live process on this host (its submit may
 * still be in flight: do not reconcile it yet). */
int hpcl__jentry_writer_alive(const struct hpcl__jentry *e);

/* lib/submit/job_ends.c: record in the journal that the batch's jobs
 * (by key, or by site and id when the key is "") were seen ended or were
 * cancelled, unless the journal says so already: one read of the journal
 * (the batch's, if it has one) and one synced write for all; the batch's
 * journal is freed.  Best effort: failures are logged. */
void hpcl__journal_job_ends(hpcl_ctx *ctx, struct hpcl__end_batch *b);

/* lib/submit/job_ends.c: the note of an ENDED record, "STATE exit N",
 * then " signal S" when a signal ended it and " (accounting)" when
 * accounting told it (read back by hpcl__journal_job_lookup and by the
 * listing of hpclaunch jobs). */
void hpcl__end_note(char *note, size_t len, hpcl_state state,
                    int exit_code, int term_signal, int from_acct);

/* lib/submit/job_ends.c: the key of the latest journal entry for job id
 * at site into key (HPCL__KEY_LEN + 1 bytes), and the end journaled for
 * it into *state, *exit_code and *term_signal (HPCL_STATE_UNKNOWN, -1 and
 * -1 when none or not said): 1, or 0 when there is no such entry. */
int hpcl__journal_job_lookup(hpcl_ctx *ctx, const char *site, uint64_t id,
                             char *key, hpcl_state *state, int *exit_code,
                             int *term_signal);

/* --- shared by journal.c and journal_read.c ---------------------------- */

const char *hpcl__jevent_name(enum hpcl__jevent event);
int hpcl__jevent_parse(const char *name); /* -1 if unknown */
uint32_t hpcl__crc32(const char *buf, size_t n);
void hpcl__journal_host(char out[HPCL__JNAME_MAX]);
int hpcl__jname_valid(const char *name); /* site/host field syntax */
/* Make the open file fd (st its fstat) mode 0600 if it is not, warning
 * that it was, naming what and path: 0, or -1 (errno) if it cannot. */
struct stat;
int hpcl__private_mode(hpcl_ctx *ctx, int fd, const struct stat *st,
                       const char *what, const char *path);
/* Sync the directory holding path, so that a new name in it is durable. */
void hpcl__journal_sync_dir(const char *path);

#endif
