/*
 * Resolving a job description: the defaults sbatch would apply (job name,
 * working directory, output file, exported environment) are filled in
 * here, once, so that every backend sends the same request.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "job/job-internal.h"
#include "conf/sites.h"

extern char **environ;

/* Case-insensitive search for needle in the first n bytes of s. */
static int contains_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(s + i, needle, k) == 0)
            return 1;
    return 0;
}

/*
 * Credentials must never reach a job's environment: the job's files,
 * scontrol show job --details and the controller's state save would all
 * hold them.  SLURM_JWT is the Slurm token; *_TOKEN and *JWT* catch the
 * usual names of others.  Only inherited variables are filtered: one set
 * explicitly with hpcl_job_setenv() is the caller's decision.
 */
HPCL_STATIC int hpcl__env_is_secret(const char *entry)
{
    size_t n = strcspn(entry, "=");

    return contains_ci(entry, n, "JWT") ||
           (n >= 6 && strncasecmp(entry + n - 6, "_TOKEN", 6) == 0);
}

static int edited(const hpcl_job *job, const char *entry)
{
    size_t n = strcspn(entry, "=");

    for (size_t i = 0; i < job->n_env_edits; i++) {
        const char *name = job->env_edits[i].name;
        if (strlen(name) == n && strncmp(name, entry, n) == 0)
            return 1;
    }
    return 0;
}

static char *join_var(const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *s = malloc(len);

    if (s != NULL)
        snprintf(s, len, "%s=%s", name, value);
    return s;
}

static void free_env(char **env, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    free(env);
}

/* Room is left for the variables jobdesc_env() adds (what sbatch adds:
 * umask, name, submit dir and host, priority, the counts below) and the
 * NULL. */
#define ENV_SPARE 20

/* Is entry ("NAME=...") named by word ("NAME" or "NAME=VALUE", len
 * bytes) of an --export list? */
static int names(const char *word, size_t len, const char *entry)
{
    size_t n = strcspn(word, "=");

    if (n > len)
        n = len;
    return strncmp(entry, word, n) == 0 && entry[n] == '=';
}

/* Does --export (spec; NULL is ALL) pass the caller's variable entry on?
 * As sbatch: ALL passes everything, NONE only SLURM_* variables, a list
 * the variables it names, and SLURM_* ones; a NAME=VALUE of the list
 * replaces the caller's NAME. */
static int exported(const char *spec, const char *entry)
{
    int all = 0, named = 0;

    if (spec == NULL)
        return 1;
    if (strcasecmp(spec, "NONE") == 0)
        return strncmp(entry, "SLURM_", 6) == 0;
    while (*spec != '\0') {
        size_t len = strcspn(spec, ",");
        if (len == 3 && strncasecmp(spec, "ALL", 3) == 0)
            all = 1;
        else if (names(spec, len, entry))
            named = memchr(spec, '=', len) != NULL ? -1 : 1;
        spec += len + (spec[len] == ',');
    }
    return named == -1 ? 0
                       : all || named || strncmp(entry, "SLURM_", 6) == 0;
}

/* The NAME=VALUE words of an --export list, copied into env[*n], but
 * for names the caller set with hpcl_job_setenv() (those win). */
static int export_values(const hpcl_job *job, char **env, size_t *n)
{
    const char *spec = job->export_spec;

    while (spec != NULL && *spec != '\0') {
        size_t len = strcspn(spec, ",");
        if (memchr(spec, '=', len) != NULL && !edited(job, spec) &&
            (env[(*n)++] = strndup(spec, len)) == NULL)
            return -1;
        spec += len + (spec[len] == ',');
    }
    return 0;
}

HPCL_STATIC hpcl_rc hpcl__job_build_env(const hpcl_job *job,
                                        char *const *base, char ***out,
                                        size_t *count)
{
    const char *spec = job->export_spec;
    size_t nb = 0, n = 0, nvals = spec != NULL ? strlen(spec) / 2 + 1 : 0;
    char **env;

    *out = NULL;
    *count = 0;
    while (job->env_inherit && base != NULL && base[nb] != NULL)
        nb++;
    env = calloc(nb + nvals + job->n_env_edits + ENV_SPARE, sizeof *env);
    if (env == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    for (size_t i = 0; i < nb; i++) {
        if (strchr(base[i], '=') == NULL || base[i][0] == '=' ||
            hpcl__env_is_secret(base[i]) || edited(job, base[i]) ||
            !exported(spec, base[i]))
            continue;
        if ((env[n++] = strdup(base[i])) == NULL)
            goto oom;
    }
    if (export_values(job, env, &n) != 0)
        goto oom;
    for (size_t i = 0; i < job->n_env_edits; i++) {
        const struct hpcl__env_edit *e = &job->env_edits[i];
        if (e->value != NULL && (env[n++] = join_var(e->name, e->value)) ==
                                    NULL)
            goto oom;
    }
    *out = env;
    *count = n;
    return HPCL_OK;
oom:
    free_env(env, n);
    return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory building the "
                      "job environment");
}

/* Index of variable name in env, or -1. */
static long env_find(char **env, size_t n, const char *name)
{
    size_t k = strlen(name);

    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], name, k) == 0 && env[i][k] == '=')
            return (long)i;
    return -1;
}

/* The caller's umask as "0022", read without changing it: umask(2) can
 * only be read by setting it, which races with other threads. */
static int read_umask(char *buf, size_t len)
{
    char line[128];
    FILE *f = fopen("/proc/self/status", "r");
    int found = 0;

    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        unsigned m;
        if (sscanf(line, "Umask: %o", &m) == 1) {
            snprintf(buf, len, "%04o", m & 0777);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* Add name=value unless the caller chose that variable with setenv; an
 * inherited value is replaced, as sbatch replaces it. */
static int env_put(const hpcl_job *job, struct hpcl__jobdesc *d,
                   const char *name, const char *value)
{
    long at = env_find(d->env, d->env_count, name);
    char *s;

    for (size_t i = 0; i < job->n_env_edits; i++)
        if (strcmp(job->env_edits[i].name, name) == 0)
            return 0;
    if ((s = join_var(name, value)) == NULL)
        return -1;
    if (at >= 0) {
        free(d->env[at]);
        d->env[at] = s;
    } else {
        d->env[d->env_count++] = s;
    }
    return 0;
}

static int env_put_uint(const hpcl_job *job, struct hpcl__jobdesc *d,
                        const char *name, unsigned value)
{
    char num[16];

    if (value == 0)
        return 0;
    snprintf(num, sizeof num, "%u", value);
    return env_put(job, d, name, num);
}

/* The variables sbatch's client exports from its options (sbatch's
 * set_envs() and set_env_from_opts()): the counts a job's tasks and
 * srun steps read, e.g. SLURM_CPUS_PER_TASK for OpenMP and srun -c. */
static int env_counts(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    int bad = env_put_uint(job, d, "SLURM_CPUS_PER_TASK", d->cpus_per_task);

    if (d->ntasks_set) {
        bad |= env_put_uint(job, d, "SLURM_NPROCS", d->ntasks);
        bad |= env_put_uint(job, d, "SLURM_NTASKS", d->ntasks);
    }
    bad |= env_put_uint(job, d, "SLURM_NTASKS_PER_NODE", d->ntasks_per_node);
    bad |= env_put_uint(job, d, "SLURM_GPUS", d->gpus);
    bad |= env_put_uint(job, d, "SLURM_GPUS_PER_NODE", d->gpus_per_node);
    bad |= env_put_uint(job, d, "SLURM_GPUS_PER_TASK", d->gpus_per_task);
    if (d->dependency != NULL)
        bad |= env_put(job, d, "SLURM_JOB_DEPENDENCY", d->dependency);
    /* srun reads it; "ALL" is its default, so sbatch leaves it out. */
    if (job->export_spec != NULL && strcasecmp(job->export_spec, "ALL"))
        bad |= env_put(job, d, "SLURM_EXPORT_ENV", job->export_spec);
    /* sbatch asks for the user's login environment whenever --export
     * does not pass the whole caller's environment on. */
    if (job->export_spec != NULL && strcasecmp(job->export_spec, "ALL"))
        bad |= env_put(job, d, "SLURM_GET_USER_ENV", "1");
    return bad;
}

/* What sbatch adds to the exported environment: slurmd applies
 * SLURM_UMASK to the job and takes %x of the output pattern from
 * SLURM_JOB_NAME (without it the file is named "(null)"); scripts use
 * SLURM_SUBMIT_DIR and SLURM_SUBMIT_HOST; slurmd gives tasks the nice
 * value of SLURM_PRIO_PROCESS.  Call after jobdesc_name() and
 * jobdesc_counts(). */
static hpcl_rc jobdesc_env(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    char mask[16], host[256], num[16], *cwd;
    hpcl_rc rc;
    int bad = 0;

    rc = hpcl__job_build_env(job, environ, &d->env, &d->env_count);
    if (rc != HPCL_OK)
        return rc;
    if (read_umask(mask, sizeof mask))
        bad |= env_put(job, d, "SLURM_UMASK", mask);
    errno = 0;
    snprintf(num, sizeof num, "%d", getpriority(PRIO_PROCESS, 0));
    if (errno == 0)
        bad |= env_put(job, d, "SLURM_PRIO_PROCESS", num);
    bad |= env_counts(d, job);
    bad |= env_put(job, d, "SLURM_JOB_NAME", d->name);
    if ((cwd = getcwd(NULL, 0)) != NULL) {
        bad |= env_put(job, d, "SLURM_SUBMIT_DIR", cwd);
        free(cwd);
    }
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        host[strcspn(host, ".")] = '\0';
        bad |= env_put(job, d, "SLURM_SUBMIT_HOST", host);
    }
    if (bad)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

static const char *own(struct hpcl__jobdesc *d, char *p)
{
    d->owned[d->n_owned++] = p;
    return p;
}

/* Job name: like sbatch, which names a job after its script, the
 * program's base name; a batch script with no name given is named
 * "sbatch", as sbatch names a script read from its input. */
static hpcl_rc jobdesc_name(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    const char *base, *prog;
    char *copy;

    if (job->name != NULL || job->argc < 1) {
        d->name = job->name != NULL ? job->name : "sbatch";
        return HPCL_OK;
    }
    prog = job->argv[0];
    base = strrchr(prog, '/');
    base = base != NULL && base[1] != '\0' ? base + 1 : prog;
    if ((copy = strdup(base)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    copy[strcspn(copy, "\n")] = '\0';
    d->name = own(d, copy);
    return HPCL_OK;
}

/* Working directory, then the output and error patterns made absolute
 * against it (slurmd would do the same on the node; doing it here lets
 * hpcl_job_output_path() name the file without asking). */
static hpcl_rc jobdesc_paths(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    const char *out;
    char *p;
    hpcl_rc rc;

    if (job->workdir != NULL) {
        d->work_dir = job->workdir;
    } else {
        if ((p = getcwd(NULL, 0)) == NULL)
            return hpcl__fail(job->ctx, HPCL_E_SYSTEM, "getcwd: %s (set a "
                              "working directory with "
                              "hpcl_job_set_workdir)", strerror(errno));
        d->work_dir = own(d, p);
    }
    out = job->output;
    if (out == NULL)
        out = job->array != NULL ? "slurm-%A_%a.out" : "slurm-%j.out";
    if ((rc = hpcl__abs_path(job->ctx, &p, d->work_dir, out)) != HPCL_OK)
        return rc;
    d->std_out = own(d, p);
    if (job->error != NULL) {
        rc = hpcl__abs_path(job->ctx, &p, d->work_dir, job->error);
        if (rc != HPCL_OK)
            return rc;
        d->std_err = own(d, p);
    }
    return HPCL_OK;
}

/*
 * Tasks, nodes and CPUs as sbatch 22.05 resolves them before sending
 * (sbatch's _opt_verify() and slurm_opt_create_job_desc()); slurmctld
 * allocates from min_cpus, so without this -n 2 -c 2 would get 1 CPU.
 */
static hpcl_rc jobdesc_counts(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    int nodes_set = job->min_nodes > 0;
    int fixed = nodes_set && job->max_nodes == job->min_nodes;
    unsigned min_nodes = nodes_set ? job->min_nodes : 1;
    uint64_t ntasks = job->ntasks > 0 ? job->ntasks : 1, cpus;

    d->ntasks_set = job->ntasks > 0;
    d->min_nodes = job->min_nodes;
    d->max_nodes = job->max_nodes;
    if (job->ntasks_per_node > 0 && !d->ntasks_set &&
        (!nodes_set || fixed)) {
        ntasks = (uint64_t)min_nodes * job->ntasks_per_node;
        d->ntasks_set = 1;
    }
    if (fixed && !d->ntasks_set) {
        ntasks = min_nodes; /* one task per node */
    } else if (nodes_set && d->ntasks_set) {
        /* No node without a task. */
        if (ntasks < d->max_nodes)
            d->max_nodes = (unsigned)ntasks;
        if (ntasks < d->min_nodes)
            d->min_nodes = d->max_nodes = (unsigned)ntasks;
    }
    cpus = job->cpus_per_task > 0 ? ntasks * job->cpus_per_task : ntasks;
    if (ntasks > 0xfffffffdU || cpus > 0xfffffffdU)
        return hpcl__fail(job->ctx, HPCL_E_INVAL, "%" PRIu64 " tasks of %u "
                          "CPUs is more than Slurm can count", ntasks,
                          job->cpus_per_task);
    d->ntasks = (unsigned)ntasks;
    d->min_cpus = (unsigned)cpus;
    d->cpus_per_task = job->cpus_per_task;
    d->ntasks_per_node = job->ntasks_per_node;
    return HPCL_OK;
}

/* "gpu:2,nvme:1" as sbatch sends it: "gres:gpu:2,gres:nvme:1". */
static hpcl_rc jobdesc_gres(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    const char *g = job->gres;
    char *out, *p;

    if (g == NULL)
        return HPCL_OK;
    if ((p = out = malloc(strlen(g) * 2 + 8)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    while (*g != '\0') {
        size_t len = strcspn(g, ",");
        p += sprintf(p, "%s%s%.*s", p == out ? "" : ",",
                     strncmp(g, "gres:", 5) == 0 ? "" : "gres:", (int)len, g);
        g += len + (g[len] == ',');
    }
    d->gres = own(d, out);
    return HPCL_OK;
}

static void jobdesc_numbers(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    d->gpus_per_task = job->gpus_per_task;
    d->gpus_per_node = job->gpus_per_node;
    d->gpus = job->gpus;
    d->time_limit = job->time_limit;
    d->mem_mib = job->mem_mib;
    d->mem_set = job->mem_set;
    d->mem_per_cpu = job->mem_per_cpu;
    d->exclusive = job->exclusive;
    d->hold = job->hold;
    d->begin = job->begin;
    d->signal_no = job->signal_no;
    d->signal_s = job->signal_s;
    d->signal_flags = job->signal_flags;
    d->mail_type = job->mail_type;
    d->mail_bits = job->mail_type ? (unsigned)hpcl__mail_bits(job->mail_type)
                                  : 0;
    d->mail_user = job->mail_user;
    d->dependency = job->dependency;
    d->qos = job->qos;
    d->constraint = job->constraint;
    d->reservation = job->reservation;
    d->partition = job->partition;
    d->account = job->account;
    d->array = job->array;
    /* A script of the caller's runs with the command's arguments. */
    if (job->batch_script != NULL && job->argc > 0) {
        d->argv = job->argv;
        d->argc = job->argc;
    }
}

hpcl_rc hpcl__jobdesc_make(struct hpcl__jobdesc *d, const hpcl_job *job,
                           const char *mpi)
{
    char *script;
    hpcl_rc rc;

    memset(d, 0, sizeof *d);
    jobdesc_numbers(d, job);
    if ((rc = jobdesc_counts(d, job)) != HPCL_OK ||
        (rc = jobdesc_gres(d, job)) != HPCL_OK)
        goto out;
    if ((rc = hpcl__job_script(job->ctx, job, mpi, &script)) != HPCL_OK)
        goto out;
    d->script = own(d, script);
    if ((rc = jobdesc_name(d, job)) == HPCL_OK &&
        (rc = jobdesc_paths(d, job)) == HPCL_OK)
        rc = jobdesc_env(d, job);
out:
    if (rc != HPCL_OK)
        hpcl__jobdesc_free(d);
    return rc;
}

void hpcl__jobdesc_free(struct hpcl__jobdesc *d)
{
    for (size_t i = 0; i < d->n_owned; i++)
        free(d->owned[i]);
    free_env(d->env, d->env_count);
    for (int i = 0; d->argv_owned != NULL && i < d->argc; i++)
        free(d->argv_owned[i]);
    free(d->argv_owned);
    memset(d, 0, sizeof *d);
}

/* --- the description for one site -------------------------------------- */

/* *field mapped by the site's path maps (the old string stays owned). */
static hpcl_rc map_field(struct hpcl__jobdesc *d, const hpcl_job *job,
                         const struct hpcl__site_conf *c, const char **field)
{
    char *m;
    hpcl_rc rc;

    if (*field == NULL)
        return HPCL_OK;
    /* A staged path is named under the site's data root (intent.c). */
    if ((rc = hpcl__intent_site_path(&m, job->ctx, &job->intent, c,
                                     *field)) != HPCL_OK)
        return rc;
    if (m == NULL &&
        (rc = hpcl__site_map_path(&m, job->ctx, c, *field)) != HPCL_OK)
        return rc;
    *field = own(d, m);
    return HPCL_OK;
}

/* A copy of words (n of them) whose first is *first0 mapped, in *out;
 * NULL when there is nothing to map.  The copy owns only its array. */
static hpcl_rc map_argv0(const hpcl_job *job, const struct hpcl__site_conf *c,
                         char **words, int n, char ***out, char **first)
{
    hpcl_rc rc;

    *out = NULL;
    *first = NULL;
    if (n < 1 || words[0][0] != '/')
        return HPCL_OK;
    if ((rc = hpcl__site_map_path(first, job->ctx, c, words[0])) != HPCL_OK)
        return rc;
    if ((*out = calloc((size_t)n + 1, sizeof **out)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    memcpy(*out, words, (size_t)n * sizeof **out);
    (*out)[0] = *first;
    return HPCL_OK;
}

/* The words of *argv (n of them, a copy from map_argv0 or the job's own)
 * that name staged paths, named under the site's data root: *argv becomes
 * a copy (*made, which the caller frees with its strings in kept[]). */
static hpcl_rc map_staged(const hpcl_job *job, const struct hpcl__site_conf *c,
                          char ***argv, int n, char ***made, char ***kept)
{
    hpcl_rc rc = HPCL_OK;

    *made = *kept = NULL;
    if (job->intent.ninputs + job->intent.noutputs == 0 || n < 1 ||
        c->econ.data_root == NULL)
        return HPCL_OK;
    if ((*made = calloc((size_t)n + 1, sizeof **made)) == NULL ||
        (*kept = calloc((size_t)n + 1, sizeof **kept)) == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    memcpy(*made, *argv, (size_t)n * sizeof **made);
    for (int i = 0; i < n && rc == HPCL_OK; i++) {
        rc = hpcl__intent_site_path(&(*kept)[i], job->ctx, &job->intent, c,
                                    (*made)[i]);
        if ((*kept)[i] != NULL)
            (*made)[i] = (*kept)[i];
    }
    *argv = *made;
    return rc;
}

static void free_staged(char **made, char **kept, int n)
{
    for (int i = 0; kept != NULL && i < n; i++)
        free(kept[i]);
    free(kept);
    free(made);
}

/* The batch script with the program and the task wrapper mapped. */
static hpcl_rc mapped_script(struct hpcl__jobdesc *d, const hpcl_job *job,
                             const struct hpcl__site_conf *c,
                             const char *mpi)
{
    hpcl_job copy = *job;
    char **argv = NULL, **wrap = NULL, *a0 = NULL, *w0 = NULL, *script;
    char **made = NULL, **kept = NULL;
    hpcl_rc rc;

    rc = map_argv0(job, c, job->argv, job->argc, &argv, &a0);
    if (rc == HPCL_OK)
        rc = map_argv0(job, c, job->wrap_argv, job->wrap_argc, &wrap, &w0);
    if (argv != NULL)
        copy.argv = argv;
    if (wrap != NULL)
        copy.wrap_argv = wrap;
    if (rc == HPCL_OK && copy.batch_script == NULL)
        rc = map_staged(job, c, &copy.argv, copy.argc, &made, &kept);
    if (rc == HPCL_OK &&
        (rc = hpcl__job_script(job->ctx, &copy, mpi, &script)) == HPCL_OK)
        d->script = own(d, script);
    free_staged(made, kept, job->argc);
    free(argv);
    free(wrap);
    free(a0);
    free(w0);
    return rc;
}

/* The variables that hold a site's token never reach a job, inherited or
 * not: the job's environment is stored by the controller. */
static void strip_tokens(struct hpcl__jobdesc *d, const hpcl_job *job)
{
    const struct hpcl__sites *s = job->ctx->sites;

    for (size_t i = 0; s != NULL && i < s->nsites; i++) {
        long at;
        if (s->site[i].token_env == NULL ||
            (at = env_find(d->env, d->env_count, s->site[i].token_env)) < 0)
            continue;
        free(d->env[at]);
        d->env[at] = d->env[--d->env_count];
        d->env[d->env_count] = NULL;
    }
}

hpcl_rc hpcl__jobdesc_site(struct hpcl__jobdesc *d, const hpcl_job *job,
                           size_t site, const char *comment)
{
    const struct hpcl__sites *s = job->ctx->sites;
    const struct hpcl__site_conf *c = &s->site[site];
    hpcl_rc rc;

    if ((rc = hpcl__jobdesc_make(d, job, c->mpi)) != HPCL_OK)
        return rc;
    strip_tokens(d, job);
    d->comment = comment;
    if (d->partition == NULL)
        d->partition = c->partition;
    if (d->account == NULL)
        d->account = c->account;
    /* Home paths are the caller's own; another site sees them through
     * its maps (hpclaunch.conf(5), PATH MAPS). */
    if (site == s->home ||
        (c->nmaps == 0 && (c->econ.data_root == NULL ||
                           job->intent.ninputs + job->intent.noutputs == 0)))
        return HPCL_OK;
    if ((rc = mapped_script(d, job, c, c->mpi)) == HPCL_OK &&
        (rc = map_field(d, job, c, &d->work_dir)) == HPCL_OK &&
        (rc = map_field(d, job, c, &d->std_out)) == HPCL_OK)
        rc = map_field(d, job, c, &d->std_err);
    if (rc != HPCL_OK)
        hpcl__jobdesc_free(d);
    return rc;
}
