/*
 * hpcl_job: a batch job.  Describe it with the typed setters, submit it,
 * then follow it (state, wait, cancel).  A job handle for a job submitted
 * earlier, perhaps by another process, comes from hpcl_job_attach().
 *
 * Jobs are named by printable references "SITE:ID" (for example
 * "local:4242"), SITE a site of the context's site file; the built-in
 * site is called "local".  "ID" alone names a job at the home site.
 */
#ifndef HPCLAUNCH_JOB_H
#define HPCLAUNCH_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <hpclaunch/common.h>
#include <hpclaunch/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hpcl_job hpcl_job;

/* How the batch script starts the program's tasks. */
typedef enum hpcl_launcher {
    HPCL_LAUNCHER_SRUN = 0,   /* srun --mpi=pmix (the default) */
    HPCL_LAUNCHER_MPIRUN = 1, /* Open MPI's mpirun inside the allocation */
    HPCL_LAUNCHER_NONE = 2    /* run the program once, on the first node */
} hpcl_launcher;

/* Job states.  Append only. */
typedef enum hpcl_state {
    HPCL_STATE_UNKNOWN = 0,   /* not submitted, or not yet queried */
    HPCL_STATE_PENDING = 1,
    HPCL_STATE_RUNNING = 2,   /* running, suspended or completing */
    HPCL_STATE_COMPLETED = 3, /* ended with exit status 0 */
    HPCL_STATE_FAILED = 4,    /* non-zero exit, node failure, OOM, ... */
    HPCL_STATE_CANCELLED = 5,
    HPCL_STATE_TIMEOUT = 6    /* reached its time limit */
} hpcl_state;

/* Create an empty job description bound to ctx.  Free with
 * hpcl_job_destroy(); ctx must outlive the job. */
HPCL_API hpcl_rc hpcl_job_create(hpcl_job **out, hpcl_ctx *ctx);

/* Free a job handle (the job itself is not cancelled).  NULL is accepted. */
HPCL_API void hpcl_job_destroy(hpcl_job *job);

/* The program and its arguments (argv[0] is the program).  Copied. */
HPCL_API hpcl_rc hpcl_job_set_command(hpcl_job *job, int argc,
                                      const char *const *argv);

/* Number of tasks (sbatch -n).  0 means Slurm's default. */
HPCL_API hpcl_rc hpcl_job_set_ntasks(hpcl_job *job, unsigned ntasks);

/* Node count range (sbatch -N min-max); max 0 means max = min. */
HPCL_API hpcl_rc hpcl_job_set_nodes(hpcl_job *job, unsigned min_nodes,
                                    unsigned max_nodes);

/* CPUs per task (sbatch -c). */
HPCL_API hpcl_rc hpcl_job_set_cpus_per_task(hpcl_job *job, unsigned ncpus);

/* GPUs per task (sbatch --gpus-per-task). */
HPCL_API hpcl_rc hpcl_job_set_gpus_per_task(hpcl_job *job, unsigned ngpus);

/* GPUs per node (sbatch --gpus-per-node). */
HPCL_API hpcl_rc hpcl_job_set_gpus_per_node(hpcl_job *job, unsigned ngpus);

/* Time limit in minutes (sbatch -t); 0 means the partition's default,
 * HPCL_TIME_UNLIMITED none. */
HPCL_API hpcl_rc hpcl_job_set_time_limit(hpcl_job *job, unsigned minutes);

/* Memory per node in MiB (sbatch --mem); 0 means all of it, as sbatch. */
HPCL_API hpcl_rc hpcl_job_set_mem(hpcl_job *job, uint64_t mib);

/* Exclusive nodes (sbatch --exclusive) when exclusive is non-zero. */
HPCL_API hpcl_rc hpcl_job_set_exclusive(hpcl_job *job, int exclusive);

/* Submit held (priority 0, sbatch -H) when hold is non-zero. */
HPCL_API hpcl_rc hpcl_job_set_hold(hpcl_job *job, int hold);

/* hpcl_job_set_time_limit: no limit at all (sbatch -t UNLIMITED). */
#define HPCL_TIME_UNLIMITED 0xffffffffu

/* Tasks per node (sbatch --ntasks-per-node); 0 unsets.  With a fixed
 * node count and no hpcl_job_set_ntasks(), the job gets nodes x this many
 * tasks, as with sbatch. */
HPCL_API hpcl_rc hpcl_job_set_ntasks_per_node(hpcl_job *job, unsigned n);

/* Memory per allocated CPU in MiB (sbatch --mem-per-cpu).  --mem and
 * --mem-per-cpu exclude each other: the last one set wins. */
HPCL_API hpcl_rc hpcl_job_set_mem_per_cpu(hpcl_job *job, uint64_t mib);

/* GPUs for the whole job (sbatch -G/--gpus); 0 unsets. */
HPCL_API hpcl_rc hpcl_job_set_gpus(hpcl_job *job, unsigned ngpus);

/* Generic resources per node (sbatch --gres), e.g. "gpu:2" or
 * "gpu:a100:1,nvme:1"; "none" or NULL unsets.  Copied. */
HPCL_API hpcl_rc hpcl_job_set_gres(hpcl_job *job, const char *gres);

/* More string options, as sbatch's: dependency (-d, "afterok:42"), qos
 * (-q), constraint (-C, node features "a&b", "a|b"), reservation,
 * mail_type (--mail-type, "BEGIN,END", "ALL", "NONE", ...) and mail_user
 * (--mail-user).  Copied; NULL restores the default. */
HPCL_API hpcl_rc hpcl_job_set_dependency(hpcl_job *job, const char *dep);
HPCL_API hpcl_rc hpcl_job_set_qos(hpcl_job *job, const char *qos);
HPCL_API hpcl_rc hpcl_job_set_constraint(hpcl_job *job, const char *features);
HPCL_API hpcl_rc hpcl_job_set_reservation(hpcl_job *job, const char *name);
HPCL_API hpcl_rc hpcl_job_set_mail_type(hpcl_job *job, const char *types);
HPCL_API hpcl_rc hpcl_job_set_mail_user(hpcl_job *job, const char *user);

/* Earliest start (sbatch --begin), as a time; 0 unsets. */
HPCL_API hpcl_rc hpcl_job_set_begin(hpcl_job *job, time_t when);

/* hpcl_job_set_signal flags: signal only the batch shell (sbatch
 * --signal=B:...); let the job overlap a reservation with MaxStartDelay
 * (R:...). */
#define HPCL_SIGNAL_BATCH_ONLY 1u
#define HPCL_SIGNAL_RESERVATION 2u

/* Send signo seconds before the time limit (sbatch --signal); signo 0
 * unsets.  flags: 0 or HPCL_SIGNAL_* or'ed. */
HPCL_API hpcl_rc hpcl_job_set_signal(hpcl_job *job, int signo,
                                     unsigned seconds, unsigned flags);

/* Which of the caller's variables the job gets (sbatch --export): "ALL"
 * (the default), "NONE" (only SLURM_* ones), or a comma-separated list of
 * NAME and NAME=VALUE, optionally with ALL.  hpcl_job_setenv() edits
 * apply on top.  Copied. */
HPCL_API hpcl_rc hpcl_job_set_export(hpcl_job *job, const char *spec);

/* MPI plugin srun starts tasks with (srun --mpi=TYPE: "pmix", "pmi2",
 * "none", ...).  NULL: the site file's mpi for the site, else "pmix". */
HPCL_API hpcl_rc hpcl_job_set_mpi(hpcl_job *job, const char *type);

/* Run script (a whole batch script, starting with "#!") instead of the
 * one hpclaunch writes, as sbatch runs a script file.  The command set
 * with hpcl_job_set_command() is then optional: its argv[0] names the
 * script and argv[1..] are the script's arguments; the launcher and task
 * wrapper are unused.  NULL returns to the written script.  Copied. */
HPCL_API hpcl_rc hpcl_job_set_batch_script(hpcl_job *job,
                                           const char *script);

/* String options; each is copied, NULL restores the default.
 * partition (-p), account (-A), name (-J), workdir (-D, default: the
 * current directory), output (-o) and error (-e) path patterns (%j %A %a
 * %x %u %N %%), array index range (-a, e.g. "0-15%4"). */
HPCL_API hpcl_rc hpcl_job_set_partition(hpcl_job *job, const char *partition);
HPCL_API hpcl_rc hpcl_job_set_account(hpcl_job *job, const char *account);
HPCL_API hpcl_rc hpcl_job_set_name(hpcl_job *job, const char *name);
HPCL_API hpcl_rc hpcl_job_set_workdir(hpcl_job *job, const char *dir);
HPCL_API hpcl_rc hpcl_job_set_output(hpcl_job *job, const char *pattern);
HPCL_API hpcl_rc hpcl_job_set_error(hpcl_job *job, const char *pattern);
HPCL_API hpcl_rc hpcl_job_set_array(hpcl_job *job, const char *range);

/* Set (value non-NULL) or remove (value NULL) one variable of the job's
 * environment.  By default the job starts from the caller's environment,
 * as sbatch --export=ALL; hpcl_job_set_env_inherit(job, 0) starts empty. */
HPCL_API hpcl_rc hpcl_job_setenv(hpcl_job *job, const char *name,
                                 const char *value);
HPCL_API hpcl_rc hpcl_job_set_env_inherit(hpcl_job *job, int inherit);

/* How tasks are started (default HPCL_LAUNCHER_SRUN). */
HPCL_API hpcl_rc hpcl_job_set_launcher(hpcl_job *job, hpcl_launcher launcher);

/* Start each launched task through a wrapper: argv[0..argc-1] come before
 * the program (e.g. "hpclaunch", "pin", "--").  The launcher is then told
 * not to bind tasks itself.  argc 0 removes it.  Copied. */
HPCL_API hpcl_rc hpcl_job_set_task_wrapper(hpcl_job *job, int argc,
                                           const char *const *argv);

/* The batch script hpcl_job_submit() would send, in *out (free() it). */
HPCL_API hpcl_rc hpcl_job_script(char **out, const hpcl_job *job);

/* Submit to this site (NULL: choose; see hpcl_job_submit). */
HPCL_API hpcl_rc hpcl_job_set_site(hpcl_job *job, const char *site);

/* Stay at the home site while the job is expected to start within
 * seconds (negative: the site file's max_wait). */
HPCL_API hpcl_rc hpcl_job_set_max_wait(hpcl_job *job, long seconds);

/* hpcl_job_submit flag: choose a site, submit nothing. */
#define HPCL_SUBMIT_DRY_RUN 1u
/* hpcl_job_submit flag: wait for every site's probe, even when home's
 * answer decides alone (hpclaunch sites: every site's figures). */
#define HPCL_SUBMIT_PROBE_ALL 2u

/* Choose a site (the forced one, else home when it would start the job
 * within max_wait, else the earliest expected start) and submit there,
 * exactly once.  flags: 0, HPCL_SUBMIT_DRY_RUN, HPCL_SUBMIT_PROBE_ALL.  On success
 * hpcl_job_ref() names the job; hpcl_job_decision() says why there. */
HPCL_API hpcl_rc hpcl_job_submit(hpcl_job *job, unsigned flags);

/* Submit n jobs of one context to the site chosen for jobs[0], with one
 * journal sync for the batch.  HPCL_OK when every job was submitted. */
HPCL_API hpcl_rc hpcl_job_submit_many(hpcl_job **jobs, size_t n,
                                      unsigned flags);

/* The job's key, carried in its comment ("" before submission). */
HPCL_API const char *hpcl_job_key(const hpcl_job *job);

/* The last submission's decision: as JSON in *out (free() it), or as a
 * few lines of text (borrowed, "" when none). */
HPCL_API hpcl_rc hpcl_job_decision_json(char **out, const hpcl_job *job);
HPCL_API const char *hpcl_job_decision(const hpcl_job *job);

/* The journal's jobs with their live state, as a JSON array in *out
 * (free() it).  Unresolved entries are reconciled with their site first.
 * flags must be 0. */
HPCL_API hpcl_rc hpcl_ctx_jobs_json(char **out, hpcl_ctx *ctx,
                                    unsigned flags);

/* The same for the entries that match: of site (NULL: any), first
 * journaled at or after since (unix time; 0: any), and whose status,
 * state or journal event is state (NULL: any; case does not matter).
 * Sites are asked only about entries that pass site and since. */
HPCL_API hpcl_rc hpcl_ctx_jobs_filter_json(char **out, hpcl_ctx *ctx,
                                           const char *site,
                                           const char *state,
                                           long long since, unsigned flags);

/* Drop from the journal the settled entries (ended, cancelled, never
 * submitted) whose last event is more than age_s seconds old, rewriting
 * the file atomically; *removed is their number.  flags must be 0. */
HPCL_API hpcl_rc hpcl_ctx_jobs_prune(hpcl_ctx *ctx, long long age_s,
                                     size_t *removed, unsigned flags);

/* Submit again, at its site, the job with key whose site lost it (see
 * hpcl_ctx_jobs_json).  *out is the new job.  flags must be 0. */
HPCL_API hpcl_rc hpcl_job_resubmit(hpcl_job **out, hpcl_ctx *ctx,
                                   const char *key, unsigned flags);

/* A handle for an existing job named by ref ("SITE:ID" or "ID"). */
HPCL_API hpcl_rc hpcl_job_attach(hpcl_job **out, hpcl_ctx *ctx,
                                 const char *ref);

/* The job's reference "SITE:ID" (borrowed), or NULL before submission. */
HPCL_API const char *hpcl_job_ref(const hpcl_job *job);

/* Query the job's site for its current state. */
HPCL_API hpcl_rc hpcl_job_refresh(hpcl_job *job);

/* hpcl_job_refresh for n jobs of one context, each site asked once for
 * all of its jobs; rcs[i] is job i's result.  HPCL_OK when all were
 * refreshed, else the first failure's code.  flags must be 0. */
HPCL_API hpcl_rc hpcl_jobs_refresh(hpcl_job *const *jobs, size_t n,
                                   hpcl_rc *rcs, unsigned flags);

/* hpcl_job_attach for n references, each site asked once: out[i] is the
 * handle (NULL when rcs[i] is not HPCL_OK).  flags must be 0. */
HPCL_API hpcl_rc hpcl_jobs_attach(hpcl_job **out, hpcl_ctx *ctx,
                                  const char *const *refs, size_t n,
                                  hpcl_rc *rcs, unsigned flags);

/* Results of the last refresh.  Strings are borrowed, "" when unknown. */
HPCL_API hpcl_state hpcl_job_state(const hpcl_job *job);
HPCL_API const char *hpcl_job_reason(const hpcl_job *job);
HPCL_API const char *hpcl_job_nodelist(const hpcl_job *job);
HPCL_API const char *hpcl_job_output_path(const hpcl_job *job);
HPCL_API const char *hpcl_job_error_path(const hpcl_job *job);
HPCL_API int hpcl_job_exit_code(const hpcl_job *job);

/* The signal that ended the job (11 for Slurm's ExitCode 0:11, when
 * hpcl_job_exit_code() is 139), 0 when it exited on its own, -1 while
 * not ended or not known. */
HPCL_API int hpcl_job_signal(const hpcl_job *job);

/* An array job's tasks as the last refresh saw them, by index (the tasks
 * still pending last, as one "SITE:ID_[4-9]"); 0 tasks for a job that is
 * not an array or a reference to one task.  Strings borrowed, "" and
 * HPCL_STATE_UNKNOWN / -1 when i is out of range. */
HPCL_API size_t hpcl_job_task_count(const hpcl_job *job);
HPCL_API const char *hpcl_job_task_ref(const hpcl_job *job, size_t i);
HPCL_API hpcl_state hpcl_job_task_state(const hpcl_job *job, size_t i);
HPCL_API int hpcl_job_task_exit_code(const hpcl_job *job, size_t i);
HPCL_API int hpcl_job_task_signal(const hpcl_job *job, size_t i);
HPCL_API const char *hpcl_job_task_nodelist(const hpcl_job *job, size_t i);
HPCL_API const char *hpcl_job_task_reason(const hpcl_job *job, size_t i);

/* Wait until the job reaches a terminal state, at most timeout_s seconds
 * (negative: no limit).  HPCL_E_TIMEOUT when it is still running. */
HPCL_API hpcl_rc hpcl_job_wait(hpcl_job *job, double timeout_s);

/* Cancel the job (scancel).  A job already ended is not an error. */
HPCL_API hpcl_rc hpcl_job_cancel(hpcl_job *job);

/* Static name of a state: "PENDING", "RUNNING", ... */
HPCL_API const char *hpcl_state_name(hpcl_state state);

/* Non-zero for COMPLETED, FAILED, CANCELLED and TIMEOUT. */
HPCL_API int hpcl_state_is_terminal(hpcl_state state);

#ifdef __cplusplus
}
#endif

#endif
