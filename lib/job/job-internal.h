/*
 * Private to the job subsystem (lib/job/job.c, lib/job/job_script.c, lib/job/probe.c,
 * lib/backend/slurm/slurm_lib.c): the hpcl_job and hpcl_probe bodies and the resolved
 * job description that backends translate into their own request.
 */
#ifndef HPCL_JOB_INTERNAL_H
#define HPCL_JOB_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/core.h"
#include "backend/backend.h"
#include "job/intent.h"

/* The built-in site of a context without a site file. */
#define HPCL__LOCAL_SITE "local"


/* "hpcl-" + 32 hex digits + NUL (lib/submit/journal.h: HPCL__KEY_LEN + 1). */
#define HPCL__JOBKEY_MAX 38

struct hpcl__decision; /* lib/job/decision.h */


/* One hpcl_job_setenv() call that is still in force: value NULL removes. */
struct hpcl__env_edit {
    char *name;
    char *value;
};

/* One task of an array job (or the pending rest of its tasks), as the
 * last refresh saw it; strings owned. */
struct hpcl__taskinfo {
    char *ref;                  /* "SITE:42_3", "SITE:42_[4-9]" */
    hpcl_state state;
    int exit_code;              /* shell-style, -1 until known */
    int term_signal;            /* 0 none, -1 until known */
    char *nodelist;
    char *reason;
};

/* What the last refresh learnt; strings are owned, NULL means "". */
struct hpcl__jobinfo {
    hpcl_state state;
    int exit_code;              /* shell-style, -1 until known */
    int term_signal;            /* the signal that ended it, 0 none, -1
                                 * until known */
    char *reason;
    char *nodelist;
    char *out_path;
    char *err_path;
    struct hpcl__taskinfo *tasks; /* an array job's tasks, by index */
    size_t ntasks;
};

struct hpcl_job {
    hpcl_ctx *ctx;
    /* The description, as given to the setters. */
    char **argv;                /* argc strings + NULL */
    int argc;
    char **wrap_argv;           /* task wrapper (e.g. hpclaunch pin --) */
    int wrap_argc;
    unsigned ntasks;
    unsigned min_nodes;
    unsigned max_nodes;
    unsigned cpus_per_task;
    unsigned gpus_per_task;
    unsigned gpus_per_node;
    unsigned time_limit;        /* minutes */
    uint64_t mem_mib;
    int mem_set;                /* mem_mib given (0 is "all of it") */
    int mem_per_cpu;            /* mem_mib is per CPU, not per node */
    unsigned ntasks_per_node;
    unsigned gpus;              /* per job (-G) */
    int exclusive;
    int hold;
    int env_inherit;
    time_t begin;               /* 0: at once */
    int signal_no;              /* 0: none */
    unsigned signal_s;
    unsigned signal_flags;      /* HPCL_SIGNAL_* */
    hpcl_launcher launcher;
    char *partition;
    char *account;
    char *name;
    char *workdir;
    char *output;
    char *error;
    char *array;
    char *gres;
    char *dependency;
    char *qos;
    char *constraint;
    char *reservation;
    char *mail_type;
    char *mail_user;
    char *export_spec;          /* NULL: ALL */
    char *mpi;                  /* NULL: the site's, else pmix */
    char *batch_script;         /* NULL: hpclaunch writes the script */
    struct hpcl__env_edit *env_edits;
    size_t n_env_edits;
    /* Where it goes (lib/submit/choice.c). */
    char *site_name;            /* hpcl_job_set_site(), or NULL: choose */
    long max_wait_s;            /* hpcl_job_set_max_wait(), -1: the site's */
    struct hpcl__intent intent; /* inputs, deadline, budget (intent.h) */
    struct hpcl__decision *decision; /* of the last submit, or NULL */
    /* Set by submit or attach. */
    char key[HPCL__JOBKEY_MAX]; /* "" until submitted (or attached) */
    int end_journaled;          /* its end was told to the journal */
    int key_looked;             /* the journal was asked for its key */
    int other_key;              /* the last query found another job (key)
                                 * at its id */
    size_t site;                /* index in the context's sites */
    uint32_t id;                /* 0: not submitted */
    uint32_t task;              /* HPCL__NO_TASK or the array task named */
    char ref[HPCL__REF_MAX];
    struct hpcl__jobinfo info;
};

/* lib/job/job_options.c: Slurm's --mail-type list as MAIL_* bits (the same
 * values in every Slurm release); -1 when a word is unknown. */
long hpcl__mail_bits(const char *types);

/* lib/job/job_script.c: append s to f as one single-quoted shell word. */
void hpcl__shell_quote(FILE *f, const char *s);

/* lib/job/job_script.c: the batch script for job in *out (malloc'd); mpi is
 * srun's --mpi plugin (NULL: the job's, else "pmix"). */
hpcl_rc hpcl__job_script(hpcl_ctx *ctx, const hpcl_job *job,
                         const char *mpi, char **out);

/* lib/job/job.c: free what info owns and reset it to "unknown". */
void hpcl__jobinfo_clear(struct hpcl__jobinfo *info);


/* lib/job/job_desc.c: fill desc for job (mpi as for hpcl__job_script); free
 * it with hpcl__jobdesc_free. */
hpcl_rc hpcl__jobdesc_make(struct hpcl__jobdesc *desc, const hpcl_job *job,
                           const char *mpi);
void hpcl__jobdesc_free(struct hpcl__jobdesc *desc);

/* lib/job/job_desc.c: desc for job at the context's site number site: the
 * site's partition and account unless the job sets its own, paths mapped
 * when site is not the home site, comment (borrowed) as the comment. */
hpcl_rc hpcl__jobdesc_site(struct hpcl__jobdesc *desc, const hpcl_job *job,
                           size_t site, const char *comment);

/* lib/job/job.c: set the string at offset field of job to a copy of val
 * (NULL: unset); what names the option in messages. */
hpcl_rc hpcl__job_set_opt(hpcl_job *job, size_t field, const char *val,
                          const char *what);

/* lib/job/job.c: HPCL_OK when the job may still change (not submitted). */
hpcl_rc hpcl__job_editable(hpcl_job *job);

/* lib/job/job.c: parse "SITE:ID[_TASK]" or "ID[_TASK]" (the home site). */
hpcl_rc hpcl__parse_site_ref(hpcl_ctx *ctx, const char *ref, size_t *site,
                             uint32_t *id, uint32_t *task);

/* lib/job/job.c: the job is now job id (task) at the context's site site. */
void hpcl__job_set_ref(hpcl_job *job, size_t site, uint32_t id,
                       uint32_t task);

/* lib/job/job_status.c: fold the records of one query into the job (arg)
 * given to hpcl__slurm_query. */
hpcl_rc hpcl__job_absorb(void *arg, const struct hpcl__jobrec *recs,
                         size_t n);

/* lib/job/job.c: a refresh in two halves, for lib/job/job_many.c, which
 * asks a site once for many jobs: learn the key before the records are
 * absorbed (hpcl__job_absorb_checked), then finish with the site's
 * answer rc, as hpcl_job_refresh does. */
struct hpcl__site;
void hpcl__job_learn_key(hpcl_job *job);
hpcl_rc hpcl__job_refreshed(hpcl_job *job, struct hpcl__site *site,
                            hpcl_rc rc);

/* lib/job/job_status.c: hpcl__job_absorb, but only when the records carry
 * the job's key (when it has one); otherwise job->other_key is set and
 * nothing is absorbed: the id was re-issued to another job. */
hpcl_rc hpcl__job_absorb_checked(void *arg, const struct hpcl__jobrec *recs,
                                 size_t n);

#ifdef HPCL_TESTING
/* File-local helpers that the unit tests call directly. */
int hpcl__env_is_secret(const char *entry);
hpcl_rc hpcl__job_build_env(const hpcl_job *job, char *const *base,
                            char ***out, size_t *count);
hpcl_rc hpcl__parse_ref(hpcl_ctx *ctx, const char *ref, uint32_t *id,
                        uint32_t *task);
char *hpcl__expand_path(const char *pattern, const struct hpcl__jobrec *rec);
#endif

#endif
