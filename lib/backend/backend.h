/*
 * The driver contract: what every backend (libslurm, slurmrestd) is given
 * (a resolved job description), what it reports (job records, probe
 * figures) and the operations it provides, so that the job layer and the
 * cross-site submission loop treat sites alike -- without any backend
 * seeing the job handle.  Modelled on curl's vtls (struct Curl_ssl): one
 * const table per driver, chosen when the site is opened.
 */
#ifndef HPCL_BACKEND_H
#define HPCL_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/core.h"
#include "conf/sites.h"

/* "SITE:" (a 63-byte site name) + "ID_TASK" (10 + 1 + 10 digits) + NUL. */
#define HPCL__REF_MAX 96

/* Array task id of a record that is not one array task. */
#define HPCL__NO_TASK UINT32_MAX

/*
 * A job description with every default filled in, in plain C types, for
 * a backend to translate.  Everything is borrowed from the job or from the
 * resolution buffers in job.c; unset numbers are 0, unset strings NULL.
 * It travels to the libslurm helper field by field: a new field must be
 * listed in lib/backend/slurm/slurm_wire.c too (so must one of
 * struct hpcl__jobrec or struct hpcl_probe below).
 */
struct hpcl__jobdesc {
    const char *script;
    char **env;                 /* "NAME=VALUE" strings */
    size_t env_count;
    char *const *argv;          /* batch script arguments, argv[0] the
                                 * script's name; NULL: none */
    int argc;
    char **argv_owned;          /* argv when the desc owns it */
    /* The counts as sbatch resolves them (see lib/job/job_desc.c): ntasks is
     * sent only when ntasks_set, min_cpus always. */
    unsigned ntasks;
    int ntasks_set;
    unsigned min_nodes;         /* 0: not given */
    unsigned max_nodes;
    unsigned min_cpus;
    unsigned cpus_per_task;     /* 0: not given */
    unsigned ntasks_per_node;
    unsigned gpus_per_task;
    unsigned gpus_per_node;
    unsigned gpus;
    unsigned time_limit;        /* HPCL_TIME_UNLIMITED: none */
    uint64_t mem_mib;
    int mem_set;
    int mem_per_cpu;
    int exclusive;
    int hold;
    time_t begin;
    int signal_no;
    unsigned signal_s;
    unsigned signal_flags;
    unsigned mail_bits;         /* HPCL__MAIL_* (Slurm's MAIL_* bits) */
    const char *mail_type;      /* as given, for slurmrestd */
    const char *mail_user;
    const char *gres;           /* "gres:gpu:2,..." as sbatch sends it */
    const char *dependency;
    const char *qos;
    const char *constraint;
    const char *reservation;
    const char *partition;
    const char *account;
    const char *name;
    const char *work_dir;       /* absolute */
    const char *std_out;        /* absolute pattern */
    const char *std_err;        /* absolute pattern or NULL: with stdout */
    const char *array;
    const char *comment;        /* "hpcl-key=<key>[ text]" or NULL */
    char *owned[24];            /* buffers the strings above point into */
    size_t n_owned;
};

/*
 * One job record as a backend reports it, free of Slurm types.  An array
 * job gives one record per task plus one for the tasks still pending.
 * Strings are borrowed from the backend's reply, may be NULL, and live
 * only during the callback that receives them.
 */
struct hpcl__jobrec {
    hpcl_state state;
    int exit_code;              /* shell-style, -1 while not ended */
    int term_signal;            /* the signal that ended it (Slurm's
                                 * ExitCode 0:11 is 11), 0 none, -1 while
                                 * not ended */
    uint32_t job_id;
    uint32_t array_job_id;      /* 0 when not an array */
    uint32_t array_task_id;     /* HPCL__NO_TASK when none */
    const char *array_tasks;    /* tasks a pending-rest record stands for,
                                 * "0,2-7:2%4" as Slurm writes them */
    const char *name;
    const char *user;
    const char *batch_host;
    const char *nodes;
    const char *work_dir;
    const char *std_out;        /* pattern as stored by the controller */
    const char *std_err;
    const char *reason;         /* "Resources", "None", ... */
    const char *reason_desc;    /* the controller's detail, or NULL */
    const char *comment;        /* the job's comment (its key), or NULL
                                 * when the backend does not report it */
};

struct hpcl_probe {
    time_t start_time;
    char *nodelist;
    char *partition;
    unsigned pending_jobs;
    unsigned idle_nodes;
    unsigned total_nodes;
    /* What the site runs, as far as the driver knows (NULL: unknown);
     * set also when the probe fails.  Not sent by the libslurm helper. */
    char *api_version;   /* slurmrestd API version, "v0.0.42" */
    char *slurm_release; /* "24.11.5" */
};


/*
 * What a site's accounting (slurmdbd, read through libslurm's slurmdb
 * interface or slurmrestd's /slurmdb/ endpoints) holds of one job: the
 * record with the job's id whose comment carries the job's key (ids are
 * re-issued after a controller crash, so a record under the same id
 * without the key is another job).
 */
struct hpcl__acct {
    int have;          /* 0: the site has no accounting (nothing to ask) */
    int found;         /* a record with this id and key */
    int started;       /* it started (a start time) */
    int ended;         /* it ended (an end time and a final state) */
    hpcl_state state;  /* as the record says */
    int exit_code;     /* shell-style (128+N: signal N); -1 none */
    long long start;   /* unix times; 0: none */
    long long end;
};

/* Receives the records of one query; see struct hpcl__jobrec. */
typedef hpcl_rc (*hpcl__jobrec_fn)(void *arg,
                                   const struct hpcl__jobrec *recs,
                                   size_t n);

struct hpcl__site;

struct hpcl__backend_ops {
    const char *driver; /* "slurm" or "slurmrestd", for messages */

    /* Submit desc (desc->comment carries "hpcl-key=<key>").  *id is the
     * new job's id.  HPCL_E_AMBIGUOUS when the request may have reached
     * the site but no answer came back: the caller must then ask
     * find_key before anything else. */
    hpcl_rc (*submit)(struct hpcl__site *site, hpcl_ctx *ctx,
                      const struct hpcl__jobdesc *desc, uint32_t *id);

    /* Load job id (ref names it in messages); pass its records to fn. */
    hpcl_rc (*query)(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                     const char *ref, hpcl__jobrec_fn fn, void *arg);

    /* The records of the jobs ids[0..nids) (sorted, no repeats), passed
     * to fn at once (records of other jobs may come too: callers pick
     * theirs by id): a listing of many journaled jobs costs one request
     * per site, or a few, not one per job.  The driver chooses by count
     * between loading each job and one listing filtered at the site
     * (lib/backend/slurm/slurm_lib.c, lib/backend/rest/rest_driver.c).
     * A job the controller no longer knows is simply absent.  NULL: the
     * driver cannot (callers query job by job). */
    hpcl_rc (*list)(struct hpcl__site *site, hpcl_ctx *ctx,
                    const uint32_t *ids, size_t nids, hpcl__jobrec_fn fn,
                    void *arg);

    /* Cancel job id or one task of it (task != HPCL__NO_TASK); a job that
     * already ended is not an error. */
    hpcl_rc (*cancel)(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                      uint32_t task, const char *ref);

    /* Expected start and queue figures for desc, into probe. */
    hpcl_rc (*probe)(struct hpcl__site *site, hpcl_ctx *ctx,
                     const struct hpcl__jobdesc *desc,
                     struct hpcl_probe *probe);

    /* The job whose comment carries key: *id, or HPCL_E_NOJOB when the
     * site knows no such job. */
    hpcl_rc (*find_key)(struct hpcl__site *site, hpcl_ctx *ctx,
                        const char *key, uint32_t *id);

    /* find_key for keys[0..n) in one listing of the site: ids[k] the job
     * carrying keys[k], 0 when none does.  Any error: nothing is known.
     * NULL: the driver cannot (callers ask find_key key by key; a
     * libslurm listing is cheap, a slurmrestd /jobs of a long queue is
     * seconds). */
    hpcl_rc (*find_keys)(struct hpcl__site *site, hpcl_ctx *ctx,
                         const char *const *keys, size_t n, uint32_t *ids);

    /* What the site's accounting holds of job id carrying key, into
     * *out (out->have 0: the site has none).  Any error: accounting was
     * not reachable, and nothing is known.  NULL: the driver cannot ask
     * accounting (as out->have 0). */
    hpcl_rc (*acct)(struct hpcl__site *site, hpcl_ctx *ctx, uint32_t id,
                    const char *key, struct hpcl__acct *out);

    /* The cluster the site is, as text into out (len bytes): for
     * libslurm "slurm:CLUSTER@CONTROLLER:PORT" (ClusterName and the first
     * controller, as the controller reports them), for slurmrestd
     * "slurmrestd:URL".  Recorded in the journal with each submitted job,
     * so that an entry is never reconciled against another cluster that
     * a site file gives the same name.  NULL: not known. */
    hpcl_rc (*identity)(struct hpcl__site *site, hpcl_ctx *ctx, char *out,
                        size_t len);

    /* Free the backend's private state (site->state). */
    void (*close)(struct hpcl__site *site);
};

/* An open site: its configuration, its driver and the driver's state. */
struct hpcl__site {
    const struct hpcl__site_conf *conf; /* borrowed from the sites table */
    const struct hpcl__backend_ops *ops;
    void *state;                        /* owned by ops */
};

/* The drivers.  Each open fills site->ops and site->state for site->conf
 * (site->conf is set by the caller). */
hpcl_rc hpcl__slurm_site_open(struct hpcl__site *site, hpcl_ctx *ctx);
hpcl_rc hpcl__rest_site_open(struct hpcl__site *site, hpcl_ctx *ctx);

#endif
