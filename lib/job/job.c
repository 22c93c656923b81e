/*
 * hpcl_job: the handle, its setters and the job's life cycle after submit
 * (attach, refresh, wait, cancel).  What a backend needs is resolved in
 * lib/job/job_desc.c; submission is lib/submit/submit.c; requests go through the
 * job's site's driver (lib/registry/registry.h); the status a backend reports is
 * folded into the handle by lib/job/job_status.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job/decision.h"
#include "job/job-internal.h"
#include "registry/registry.h"

/* Largest count Slurm takes in a 32-bit field (NO_VAL is 0xfffffffe). */
#define MAX_U32 0xfffffffdU
/* Largest value of a 16-bit field such as cpus_per_task. */
#define MAX_U16 0xfffdU

hpcl_rc hpcl_job_create(hpcl_job **out, hpcl_ctx *ctx)
{
    hpcl_job *job;

    if (out == NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_job_create: out is NULL");
    *out = NULL;
    if (ctx == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(ctx);
    if ((job = calloc(1, sizeof *job)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory for a job");
    job->ctx = ctx;
    job->env_inherit = 1;
    job->launcher = HPCL_LAUNCHER_SRUN;
    job->task = HPCL__NO_TASK;
    job->max_wait_s = -1;
    job->intent.budget = -1; /* none */
    job->info.exit_code = -1;
    job->info.term_signal = -1;
    *out = job;
    return HPCL_OK;
}

static void free_strv(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void hpcl_job_destroy(hpcl_job *job)
{
    if (job == NULL)
        return;
    free_strv(job->argv, job->argc);
    free_strv(job->wrap_argv, job->wrap_argc);
    free(job->partition);
    free(job->account);
    free(job->name);
    free(job->workdir);
    free(job->output);
    free(job->error);
    free(job->array);
    free(job->gres);
    free(job->dependency);
    free(job->qos);
    free(job->constraint);
    free(job->reservation);
    free(job->mail_type);
    free(job->mail_user);
    free(job->export_spec);
    free(job->mpi);
    free(job->batch_script);
    for (size_t i = 0; i < job->n_env_edits; i++) {
        free(job->env_edits[i].name);
        free(job->env_edits[i].value);
    }
    free(job->env_edits);
    free(job->site_name);
    hpcl__intent_free(&job->intent);
    hpcl__decision_unref(job->decision);
    hpcl__jobinfo_clear(&job->info);
    free(job);
}

/* Setters change the description only: once the job exists at a site,
 * the description would no longer say what runs. */
hpcl_rc hpcl__job_editable(hpcl_job *job)
{
    if (job == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(job->ctx);
    if (job->id != 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL,
                          "job %s is already submitted; its description "
                          "cannot change (create a new job)", job->ref);
    return HPCL_OK;
}

static hpcl_rc check_max(hpcl_job *job, unsigned v, unsigned max,
                         const char *what)
{
    if (v > max)
        return hpcl__fail(job->ctx, HPCL_E_INVAL,
                          "%s %u is too large (at most %u)", what, v, max);
    return HPCL_OK;
}

/* A NULL-terminated copy of argv[0..argc-1] in *out; what = "argument"
 * or "wrapper argument", for the messages. */
static hpcl_rc copy_argv(hpcl_job *job, int argc, const char *const *argv,
                         const char *what, char ***out)
{
    char **copy;

    for (int i = 0; i < argc; i++)
        if (argv[i] == NULL)
            return hpcl__fail(job->ctx, HPCL_E_INVAL,
                              "%s %d of %d is NULL", what, i, argc);
    if ((copy = calloc((size_t)argc + 1, sizeof *copy)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    for (int i = 0; i < argc; i++) {
        if ((copy[i] = strdup(argv[i])) == NULL) {
            free_strv(copy, i);
            return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
        }
    }
    *out = copy;
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_command(hpcl_job *job, int argc,
                             const char *const *argv)
{
    char **copy;
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (argc < 1 || argv == NULL)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "no program given "
                          "(argc is %d)", argc);
    if (argv[0] != NULL && argv[0][0] == '\0')
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "the program name is "
                          "empty");
    if ((rc = copy_argv(job, argc, argv, "argument", &copy)) != HPCL_OK)
        return rc;
    free_strv(job->argv, job->argc);
    job->argv = copy;
    job->argc = argc;
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_task_wrapper(hpcl_job *job, int argc,
                                  const char *const *argv)
{
    char **copy = NULL;
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (argc < 0 || (argc > 0 && argv == NULL))
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "task wrapper: argc is "
                          "%d and argv %s", argc, argv ? "set" : "NULL");
    if (argc > 0 && (rc = copy_argv(job, argc, argv, "wrapper argument",
                                    &copy)) != HPCL_OK)
        return rc;
    free_strv(job->wrap_argv, job->wrap_argc);
    job->wrap_argv = copy;
    job->wrap_argc = argc;
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_ntasks(hpcl_job *job, unsigned ntasks)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK && (rc = check_max(job, ntasks, MAX_U32, "ntasks")) ==
                             HPCL_OK)
        job->ntasks = ntasks;
    return rc;
}

hpcl_rc hpcl_job_set_nodes(hpcl_job *job, unsigned min_nodes,
                           unsigned max_nodes)
{
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (max_nodes == 0)
        max_nodes = min_nodes;
    if (min_nodes == 0 && max_nodes != 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "node range 0-%u: the "
                          "minimum must be at least 1", max_nodes);
    if (max_nodes < min_nodes)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "node range %u-%u: the "
                          "maximum is below the minimum", min_nodes,
                          max_nodes);
    if ((rc = check_max(job, max_nodes, MAX_U32, "node count")) != HPCL_OK)
        return rc;
    job->min_nodes = min_nodes;
    job->max_nodes = max_nodes;
    return HPCL_OK;
}

hpcl_rc hpcl_job_set_cpus_per_task(hpcl_job *job, unsigned ncpus)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK &&
        (rc = check_max(job, ncpus, MAX_U16, "cpus per task")) == HPCL_OK)
        job->cpus_per_task = ncpus;
    return rc;
}

hpcl_rc hpcl_job_set_gpus_per_task(hpcl_job *job, unsigned ngpus)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK &&
        (rc = check_max(job, ngpus, MAX_U32, "gpus per task")) == HPCL_OK)
        job->gpus_per_task = ngpus;
    return rc;
}

hpcl_rc hpcl_job_set_gpus_per_node(hpcl_job *job, unsigned ngpus)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK &&
        (rc = check_max(job, ngpus, MAX_U32, "gpus per node")) == HPCL_OK)
        job->gpus_per_node = ngpus;
    return rc;
}

hpcl_rc hpcl_job_set_time_limit(hpcl_job *job, unsigned minutes)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK && minutes != HPCL_TIME_UNLIMITED &&
        (rc = check_max(job, minutes, MAX_U32, "time limit")) != HPCL_OK)
        return rc;
    if (rc == HPCL_OK)
        job->time_limit = minutes;
    return rc;
}

hpcl_rc hpcl_job_set_mem(hpcl_job *job, uint64_t mib)
{
    hpcl_rc rc = hpcl__job_editable(job);

    /* The top bit of Slurm's field means "per CPU"; NO_VAL64 is unset. */
    if (rc == HPCL_OK && mib >= (UINT64_C(1) << 62))
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "memory %" PRIu64
                          " MiB is too large", mib);
    if (rc == HPCL_OK) {
        job->mem_mib = mib;
        job->mem_set = 1;
        job->mem_per_cpu = 0;
    }
    return rc;
}

hpcl_rc hpcl_job_set_exclusive(hpcl_job *job, int exclusive)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK)
        job->exclusive = exclusive != 0;
    return rc;
}

hpcl_rc hpcl_job_set_hold(hpcl_job *job, int hold)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK)
        job->hold = hold != 0;
    return rc;
}

hpcl_rc hpcl_job_set_launcher(hpcl_job *job, hpcl_launcher launcher)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc != HPCL_OK)
        return rc;
    if (launcher != HPCL_LAUNCHER_SRUN && launcher != HPCL_LAUNCHER_MPIRUN &&
        launcher != HPCL_LAUNCHER_NONE)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "unknown launcher %d",
                          (int)launcher);
    job->launcher = launcher;
    return HPCL_OK;
}

/* An empty string is refused rather than sent: Slurm would read "" as
 * "no value" for some options and as an error for others. */
hpcl_rc hpcl__job_set_opt(hpcl_job *job, size_t field, const char *val,
                          const char *what)
{
    hpcl_rc rc = hpcl__job_editable(job);
    char **dst;

    if (rc != HPCL_OK)
        return rc;
    /* An offset, not &job->field: job may be NULL until checked above. */
    dst = (char **)(void *)((char *)job + field);
    if (val != NULL && val[0] == '\0')
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "empty %s (pass NULL to "
                          "restore the default)", what);
    if (val != NULL && strchr(val, '\n') != NULL)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "%s contains a newline",
                          what);
    return hpcl__set_string(job->ctx, dst, val);
}

hpcl_rc hpcl_job_set_partition(hpcl_job *job, const char *partition)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, partition), partition, "partition");
}

hpcl_rc hpcl_job_set_account(hpcl_job *job, const char *account)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, account), account, "account");
}

hpcl_rc hpcl_job_set_name(hpcl_job *job, const char *name)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, name), name, "job name");
}

hpcl_rc hpcl_job_set_output(hpcl_job *job, const char *pattern)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, output), pattern, "output pattern");
}

hpcl_rc hpcl_job_set_error(hpcl_job *job, const char *pattern)
{
    return hpcl__job_set_opt(job, offsetof(hpcl_job, error), pattern, "error pattern");
}

hpcl_rc hpcl_job_set_workdir(hpcl_job *job, const char *dir)
{
    char *abs = NULL;
    hpcl_rc rc;

    if (job == NULL)
        return HPCL_E_INVAL;
    /* Like sbatch -D, a relative directory is taken from where the caller
     * stands now, not from where the job will start. */
    if (dir != NULL && dir[0] != '/' && dir[0] != '\0') {
        if ((rc = hpcl__abs_path(job->ctx, &abs, NULL, dir)) != HPCL_OK)
            return rc;
        dir = abs;
    }
    rc = hpcl__job_set_opt(job, offsetof(hpcl_job, workdir), dir, "working directory");
    free(abs);
    return rc;
}

/* A number of an array range at *p (at most 9 digits: no overflow), *p
 * moved past it; -1 when none. */
static long array_number(const char **p)
{
    long v = 0;
    int n = 0;

    while (**p >= '0' && **p <= '9' && n < 9) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n > 0 && !(**p >= '0' && **p <= '9') ? v : -1;
}

/* sbatch --array: ITEM[,ITEM...][%MAX], ITEM being N, A-B or A-B:STEP
 * with A <= B, STEP and MAX >= 1.  Refused here, a typo is a usage
 * error before anything is sent, not a site's refusal. */
static int array_range_ok(const char *p)
{
    long first;

    do {
        if ((first = array_number(&p)) < 0)
            return 0;
        if (*p == '-') {
            p++;
            if (array_number(&p) < first)
                return 0;
            if (*p == ':') {
                p++;
                if (array_number(&p) < 1)
                    return 0;
            }
        }
    } while (*p == ',' && *p++ == ',');
    if (*p == '%') {
        p++;
        if (array_number(&p) < 1)
            return 0;
    }
    return *p == '\0';
}

hpcl_rc hpcl_job_set_array(hpcl_job *job, const char *range)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc != HPCL_OK)
        return rc;
    if (range != NULL && !array_range_ok(range))
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "invalid array range "
                          "'%s' (expected e.g. 0-15, 1,3,5, 0-15:2 or "
                          "0-15%%4)", range);
    return hpcl__set_string(job->ctx, &job->array, range);
}

static struct hpcl__env_edit *find_edit(hpcl_job *job, const char *name)
{
    for (size_t i = 0; i < job->n_env_edits; i++)
        if (strcmp(job->env_edits[i].name, name) == 0)
            return &job->env_edits[i];
    return NULL;
}

static hpcl_rc add_edit(hpcl_job *job, const char *name)
{
    struct hpcl__env_edit *e;
    size_t n = job->n_env_edits;

    e = realloc(job->env_edits, (n + 1) * sizeof *e);
    if (e == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    job->env_edits = e;
    e[n].value = NULL;
    if ((e[n].name = strdup(name)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    job->n_env_edits = n + 1;
    return HPCL_OK;
}

hpcl_rc hpcl_job_setenv(hpcl_job *job, const char *name, const char *value)
{
    struct hpcl__env_edit *e;
    hpcl_rc rc;

    if ((rc = hpcl__job_editable(job)) != HPCL_OK)
        return rc;
    if (name == NULL || name[0] == '\0' || strchr(name, '=') != NULL)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "invalid environment "
                          "variable name '%s'", name ? name : "(null)");
    if ((e = find_edit(job, name)) == NULL) {
        if ((rc = add_edit(job, name)) != HPCL_OK)
            return rc;
        e = &job->env_edits[job->n_env_edits - 1];
    }
    return hpcl__set_string(job->ctx, &e->value, value);
}

hpcl_rc hpcl_job_set_env_inherit(hpcl_job *job, int inherit)
{
    hpcl_rc rc = hpcl__job_editable(job);

    if (rc == HPCL_OK)
        job->env_inherit = inherit != 0;
    return rc;
}

/* A decimal number of at most 10 digits, no sign, no spaces. */
static int parse_u32(const char *s, size_t len, uint32_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 10)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > MAX_U32)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* The site named by ref[0..len), or the home site when len is 0. */
static hpcl_rc ref_site(hpcl_ctx *ctx, const char *ref, size_t len,
                        size_t *site)
{
    char name[HPCL__SITE_NAME_MAX + 1], sites[200];
    size_t used = 0;

    if (len == 0) {
        *site = hpcl__site_home(ctx);
        return HPCL_OK;
    }
    snprintf(name, sizeof name, "%.*s", (int)len, ref);
    if (len <= HPCL__SITE_NAME_MAX &&
        hpcl__site_index(ctx, name, site) == HPCL_OK)
        return HPCL_OK;
    /* "local" is the home site's name without a site file: a job
     * submitted then keeps its reference once a site file is loaded. */
    if (strcmp(name, "local") == 0) {
        hpcl__clear_error(ctx);
        *site = hpcl__site_home(ctx);
        return HPCL_OK;
    }
    for (size_t i = 0; i < hpcl_ctx_site_count(ctx) && used < 200; i++)
        used += (size_t)snprintf(sites + used, sizeof sites - used, "%s%s",
                                 i ? ", " : "", hpcl__site_name(ctx, i));
    return hpcl__fail(ctx, HPCL_E_INVAL, "unknown site '%.*s' in job "
                      "reference '%s' (sites: %s)", (int)len, ref, ref,
                      sites);
}

/* "SITE:ID", "ID" (the home site), and for one array task "SITE:ID_TASK"
 * or "ID_TASK". */
hpcl_rc hpcl__parse_site_ref(hpcl_ctx *ctx, const char *ref, size_t *site,
                             uint32_t *id, uint32_t *task)
{
    const char *colon, *num, *us, *home;
    hpcl_rc rc;

    if (ref == NULL || ref[0] == '\0')
        return hpcl__fail(ctx, HPCL_E_INVAL, "empty job reference");
    colon = strchr(ref, ':');
    num = colon != NULL ? colon + 1 : ref;
    if (colon == ref)
        return hpcl__fail(ctx, HPCL_E_INVAL, "empty site name in job "
                          "reference '%s'", ref);
    if ((rc = ref_site(ctx, ref, colon ? (size_t)(colon - ref) : 0,
                       site)) != HPCL_OK)
        return rc;
    *task = HPCL__NO_TASK;
    us = strchr(num, '_');
    home = hpcl__site_name(ctx, hpcl__site_home(ctx));
    if (parse_u32(num, us ? (size_t)(us - num) : strlen(num), id) != 0 ||
        *id == 0 || (us != NULL && parse_u32(us + 1, strlen(us + 1), task)))
        return hpcl__fail(ctx, HPCL_E_INVAL, "invalid job id '%s' in job "
                          "reference '%s' (expected SITE:ID or ID, e.g. "
                          "%s:4242)", num, ref, home);
    return HPCL_OK;
}

#ifdef HPCL_TESTING
/* The reference without its site, for the unit tests. */
hpcl_rc hpcl__parse_ref(hpcl_ctx *ctx, const char *ref, uint32_t *id,
                        uint32_t *task)
{
    size_t site;

    return hpcl__parse_site_ref(ctx, ref, &site, id, task);
}
#endif

void hpcl__job_set_ref(hpcl_job *job, size_t site, uint32_t id,
                       uint32_t task)
{
    const char *name = hpcl__site_name(job->ctx, site);

    job->site = site;
    job->id = id;
    job->task = task;
    if (task == HPCL__NO_TASK)
        snprintf(job->ref, sizeof job->ref, "%s:%" PRIu32, name, id);
    else
        snprintf(job->ref, sizeof job->ref, "%s:%" PRIu32 "_%" PRIu32, name,
                 id, task);
}

static hpcl_rc submitted(const hpcl_job *job)
{
    if (job == NULL)
        return HPCL_E_INVAL;
    hpcl__clear_error(job->ctx);
    if (job->id == 0)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "the job is not submitted "
                          "(call hpcl_job_submit or hpcl_job_attach)");
    return HPCL_OK;
}

/* Tell the journal (through the context: lib/submit/job_ends.c) once
 * that the job ended or was cancelled: at once, or with the other ends
 * of an hpcl_jobs_refresh.  Not for one array task. */
static void journal_end(hpcl_job *job, enum hpcl__end_how how)
{
    struct hpcl__end_batch *b = job->ctx->end_batch;
    struct hpcl__job_end end;

    if (job->end_journaled || job->task != HPCL__NO_TASK ||
        job->ctx->job_ends == NULL)
        return;
    job->end_journaled = 1;
    end = (struct hpcl__job_end){job->key,
                                 hpcl__site_name(job->ctx, job->site),
                                 job->id, job->info.state,
                                 job->info.exit_code, job->info.term_signal,
                                 how};
    if (b != NULL && b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        struct hpcl__job_end *grown = realloc(b->end, cap * sizeof *grown);

        if (grown != NULL) {
            b->end = grown;
            b->cap = cap;
        }
    }
    if (b != NULL && b->n < b->cap) {
        b->end[b->n++] = end;
    } else {
        struct hpcl__end_batch one = {&end, 1, 1, NULL};
        job->ctx->job_ends(job->ctx, &one);
    }
}

/* The journal's entry for the job at its site and id: its key into
 * job->key when the handle has none, and the end journaled for it (state
 * HPCL_STATE_UNKNOWN when none, or when the entry is another job's). */
static void journal_entry(hpcl_job *job, hpcl_state *state, int *exit_code,
                          int *term_signal)
{
    char key[sizeof job->key];

    *state = HPCL_STATE_UNKNOWN;
    if (job->ctx->job_lookup == NULL ||
        !job->ctx->job_lookup(job->ctx, hpcl__site_name(job->ctx, job->site),
                              job->id, key, state, exit_code, term_signal))
        return;
    if (job->key[0] == '\0')
        memcpy(job->key, key, sizeof key);
    else if (strcmp(job->key, key) != 0)
        *state = HPCL_STATE_UNKNOWN;
}

/* A job attached by reference takes its key from the journal, once, so
 * that what its id names now can be checked to be the same job. */
static void learn_key(hpcl_job *job)
{
    hpcl_state state;
    int exit_code, term_signal;

    if (job->key[0] != '\0' || job->key_looked)
        return;
    job->key_looked = 1;
    journal_entry(job, &state, &exit_code, &term_signal);
}

/* An end told by the journal or accounting, for a job its controller no
 * longer knows; term_signal -1 when they do not say. */
static hpcl_rc set_end(hpcl_job *job, hpcl_state state, int exit_code,
                       int term_signal, const char *source)
{
    char *reason = NULL;

    if (asprintf(&reason, "purged by its controller; end from %s",
                 source) < 0)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    hpcl__jobinfo_clear(&job->info);
    job->info.state = state;
    job->info.exit_code = exit_code;
    /* Without the signal, the shell's number: above 128 it may be a
     * signal or a program's own code. */
    job->info.term_signal = term_signal >= 0 ? term_signal
                            : exit_code >= 0 && exit_code <= 128 ? 0
                                                                 : -1;
    job->info.reason = reason;
    hpcl__clear_error(job->ctx);
    return HPCL_OK;
}

/* The controller does not know the job (MinJobAge purged it, or it was
 * lost): its end is the one the journal holds, else the one the site's
 * accounting has for the job's id and key.  Without either, the caller
 * keeps "not found".  Not for one array task: ends are the job's. */
static hpcl_rc forgotten(hpcl_job *job, struct hpcl__site *site, hpcl_rc rc)
{
    struct hpcl__acct a = {0};
    char saved[HPCL_ERRMSG_MAX];
    hpcl_state state;
    int exit_code, term_signal;

    if (rc != HPCL_E_NOJOB || job->task != HPCL__NO_TASK ||
        job->key[0] == '\0')
        return rc;
    if (job->end_journaled && hpcl_state_is_terminal(job->info.state)) {
        hpcl__clear_error(job->ctx); /* this handle saw the end itself */
        return HPCL_OK;
    }
    journal_entry(job, &state, &exit_code, &term_signal);
    if (state != HPCL_STATE_UNKNOWN) {
        job->end_journaled = 1;
        return set_end(job, state, exit_code, term_signal, "the journal");
    }
    if (site->ops->acct == NULL)
        return rc;
    memcpy(saved, job->ctx->errmsg, sizeof saved);
    if (site->ops->acct(site, job->ctx, job->id, job->key, &a) == HPCL_OK &&
        a.found && a.ended) {
        rc = set_end(job, a.state, a.exit_code, -1, "accounting");
        if (rc == HPCL_OK)
            journal_end(job, HPCL__END_ACCOUNTING);
        return rc;
    }
    memcpy(job->ctx->errmsg, saved, sizeof saved); /* keep "not found" */
    return rc;
}

/* The error of a job whose id now names another job. */
static hpcl_rc other_job(hpcl_job *job)
{
    return hpcl__fail(job->ctx, HPCL_E_NOJOB, "job %s is not the job "
                      "submitted with key %s: its id now names another "
                      "job (ids are re-issued after a controller crash); "
                      "`hpclaunch jobs` tells what became of it", job->ref,
                      job->key);
}

void hpcl__job_learn_key(hpcl_job *job)
{
    learn_key(job);
}

/* The rest of a refresh, once the site answered (rc) and its records
 * were absorbed with hpcl__job_absorb_checked: the job at its id must
 * still be the one submitted (after a controller crash ids are handed
 * out again); one the controller forgot is looked up in the journal and
 * accounting; an end seen is journaled. */
hpcl_rc hpcl__job_refreshed(hpcl_job *job, struct hpcl__site *site,
                            hpcl_rc rc)
{
    hpcl__site_mark(job->ctx, job->site, rc, hpcl_ctx_errmsg(job->ctx));
    if (rc == HPCL_OK && job->other_key)
        rc = other_job(job);
    rc = forgotten(job, site, rc);
    /* The end, kept in the journal: the site forgets it (MinJobAge). An
     * array task's end is not the job's. */
    if (rc == HPCL_OK && hpcl_state_is_terminal(job->info.state))
        journal_end(job, HPCL__END_SEEN);
    return rc;
}

/* Query the job's site, checking that the job at its id is still the one
 * submitted (for cancel: nothing journaled, no accounting). */
static hpcl_rc query_checked(hpcl_job *job, struct hpcl__site *site)
{
    hpcl_rc rc;

    learn_key(job);
    rc = site->ops->query(site, job->ctx, job->id, job->ref,
                          hpcl__job_absorb_checked, job);
    hpcl__site_mark(job->ctx, job->site, rc, hpcl_ctx_errmsg(job->ctx));
    if (rc == HPCL_OK && job->other_key)
        return other_job(job);
    return rc;
}

hpcl_rc hpcl_job_refresh(hpcl_job *job)
{
    struct hpcl__site *site;
    hpcl_rc rc = submitted(job);

    if (rc != HPCL_OK ||
        (rc = hpcl__site_open(job->ctx, job->site, &site)) != HPCL_OK)
        return rc;
    learn_key(job);
    rc = site->ops->query(site, job->ctx, job->id, job->ref,
                          hpcl__job_absorb_checked, job);
    return hpcl__job_refreshed(job, site, rc);
}

hpcl_rc hpcl_job_attach(hpcl_job **out, hpcl_ctx *ctx, const char *ref)
{
    uint32_t id = 0, task = HPCL__NO_TASK;
    size_t site = 0;
    hpcl_job *job;
    hpcl_rc rc;

    if (out == NULL || ctx == NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "hpcl_job_attach: out and ctx "
                          "must not be NULL");
    *out = NULL;
    hpcl__clear_error(ctx);
    if ((rc = hpcl__parse_site_ref(ctx, ref, &site, &id, &task)) != HPCL_OK)
        return rc;
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK)
        return rc;
    hpcl__job_set_ref(job, site, id, task);
    /* Attaching checks that the job exists, so a typo fails here and not
     * at the first refresh. */
    if ((rc = hpcl_job_refresh(job)) != HPCL_OK) {
        hpcl_job_destroy(job);
        return rc;
    }
    *out = job;
    return HPCL_OK;
}

static void sleep_s(double s)
{
    struct timespec ts;

    if (s <= 0)
        return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

hpcl_rc hpcl_job_wait(hpcl_job *job, double timeout_s)
{
    double end, delay = 0.2;
    hpcl_rc rc;

    if ((rc = submitted(job)) != HPCL_OK)
        return rc;
    end = hpcl__now() + timeout_s;
    /* Poll with a growing delay: quick jobs are seen at once, long ones
     * cost the controller one query every 2 s. */
    for (;;) {
        if ((rc = hpcl_job_refresh(job)) != HPCL_OK)
            return rc;
        if (hpcl_state_is_terminal(job->info.state))
            return HPCL_OK;
        if (timeout_s >= 0 && hpcl__now() >= end)
            return hpcl__fail(job->ctx, HPCL_E_TIMEOUT, "job %s is still "
                              "%s after %.1f s", job->ref,
                              hpcl_state_name(job->info.state), timeout_s);
        sleep_s(timeout_s >= 0 && end - hpcl__now() < delay ? end - hpcl__now()
                                                       : delay);
        delay = delay * 1.5 < 2.0 ? delay * 1.5 : 2.0;
    }
}

hpcl_rc hpcl_job_cancel(hpcl_job *job)
{
    struct hpcl__site *site;
    hpcl_rc rc = submitted(job);

    if (rc != HPCL_OK ||
        (rc = hpcl__site_open(job->ctx, job->site, &site)) != HPCL_OK)
        return rc;
    /* Never cancel what the id names now if it is not the job submitted
     * (a job that is gone already is for cancel to say). */
    learn_key(job);
    if (job->key[0] != '\0' &&
        (rc = query_checked(job, site)) != HPCL_OK && job->other_key)
        return rc;
    rc = site->ops->cancel(site, job->ctx, job->id, job->task, job->ref);
    hpcl__site_mark(job->ctx, job->site, rc, hpcl_ctx_errmsg(job->ctx));
    if (rc == HPCL_OK)
        journal_end(job, HPCL__END_CANCELLED);
    return rc;
}

const char *hpcl_job_ref(const hpcl_job *job)
{
    return job != NULL && job->id != 0 ? job->ref : NULL;
}

hpcl_state hpcl_job_state(const hpcl_job *job)
{
    return job != NULL ? job->info.state : HPCL_STATE_UNKNOWN;
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

const char *hpcl_job_reason(const hpcl_job *job)
{
    return job != NULL ? or_empty(job->info.reason) : "";
}

const char *hpcl_job_nodelist(const hpcl_job *job)
{
    return job != NULL ? or_empty(job->info.nodelist) : "";
}

const char *hpcl_job_output_path(const hpcl_job *job)
{
    return job != NULL ? or_empty(job->info.out_path) : "";
}

const char *hpcl_job_error_path(const hpcl_job *job)
{
    return job != NULL ? or_empty(job->info.err_path) : "";
}

int hpcl_job_exit_code(const hpcl_job *job)
{
    return job != NULL ? job->info.exit_code : -1;
}

