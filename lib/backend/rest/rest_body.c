/*
 * The body of POST /slurm/<version>/job/submit, per API version.
 *
 * v0.0.38 (Slurm 22.05) reads each key with sbatch's own option parser:
 * strings for GPUs, "nodes" as "2" or "1-4", the environment as an
 * object, the script beside "job".  v0.0.40-42 (Slurm 23.11-24.11) read a
 * typed job_desc_msg (schemas dumped with slurmrestd
 * --generate-openapi-spec, replies in ../shared/SLURM-24.md 3.4): the
 * script inside "job", the environment as "K=V" strings, numbers with
 * limits as {set, infinite, number}, node counts as minimum_nodes and
 * maximum_nodes, GPUs as TRES ("gres/gpu:N": the gpus_per_* keys do not
 * exist there and would be dropped with only a warning), flag sets as
 * arrays, and --exclusive as exclusive ["true"] (v0.0.40, 41) or shared
 * ["none"] (v0.0.42, which has no exclusive key).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/rest/rest.h"

/* json_object_set_new() takes v even when it fails; v NULL (a string
 * that is not UTF-8, no memory) makes it fail. */
static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static int put_str(json_t *o, const char *key, const char *s)
{
    return s == NULL ? 0 : put(o, key, json_string(s));
}

static int put_uint(json_t *o, const char *key, unsigned long long n)
{
    return n == 0 ? 0 : put(o, key, json_integer((json_int_t)n));
}

/* "NAME=VALUE" entries without a name are left out in both shapes. */
static const char *env_eq(const char *e)
{
    const char *eq = e != NULL ? strchr(e, '=') : NULL;

    return eq != NULL && eq != e ? eq : NULL;
}

/* --- v0.0.38 -------------------------------------------------------------- */

static json_t *env_object(char *const *env, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; o != NULL && i < n; i++) {
        const char *eq = env_eq(env[i]);
        char *name;

        if (eq == NULL)
            continue;
        if ((name = strndup(env[i], (size_t)(eq - env[i]))) == NULL ||
            put(o, name, json_string(eq + 1)) != 0) {
            json_decref(o);
            o = NULL;
        }
        free(name);
    }
    return o;
}

/* "nodes": 2 or "1-4"; slurmrestd accepts [min, max] and ignores it. */
static int put_nodes38(json_t *o, const struct hpcl__jobdesc *d)
{
    char range[32];

    if (d->min_nodes == 0)
        return 0;
    if (d->max_nodes <= d->min_nodes)
        return put_uint(o, "nodes", d->min_nodes);
    snprintf(range, sizeof range, "%u-%u", d->min_nodes, d->max_nodes);
    return put_str(o, "nodes", range);
}

static int put_gpus38(json_t *o, const char *key, unsigned n)
{
    char s[16];

    if (n == 0)
        return 0;
    snprintf(s, sizeof s, "%u", n); /* a string in v0.0.38 */
    return put_str(o, key, s);
}

/* --begin as "now+N": relative, so the site's time zone cannot move it. */
static int put_begin38(json_t *o, time_t begin)
{
    char s[32];
    time_t now = time(NULL);

    if (begin <= now)
        return 0;
    snprintf(s, sizeof s, "now+%lld", (long long)(begin - now));
    return put_str(o, "begin_time", s);
}

/* Without B: or R: (refused before this: hpcl__rest_submit_json). */
static int put_signal38(json_t *o, const struct hpcl__jobdesc *d)
{
    char s[32];

    if (d->signal_no == 0)
        return 0;
    snprintf(s, sizeof s, "%d@%u", d->signal_no, d->signal_s);
    return put_str(o, "signal", s);
}

static int put_job38(json_t *o, const struct hpcl__jobdesc *d)
{
    int bad = put_nodes38(o, d) |
              put_uint(o, "ntasks_per_node", d->ntasks_per_node) |
              put_gpus38(o, "gpus", d->gpus) |
              put_gpus38(o, "gpus_per_task", d->gpus_per_task) |
              put_gpus38(o, "gpus_per_node", d->gpus_per_node) |
              put_str(o, "gres", d->gres) | put_begin38(o, d->begin) |
              put_signal38(o, d) | put_str(o, "mail_type", d->mail_type) |
              put(o, "environment", env_object(d->env, d->env_count));

    /* --mem=0 asks for all of a node's memory: 0 is sent when set. */
    if (d->mem_set)
        bad |= put(o, d->mem_per_cpu ? "memory_per_cpu" : "memory_per_node",
                   json_integer((json_int_t)d->mem_mib));
    if (d->time_limit == HPCL_TIME_UNLIMITED)
        bad |= put_str(o, "time_limit", "UNLIMITED");
    else
        bad |= put_uint(o, "time_limit", d->time_limit);
    if (d->exclusive)
        bad |= put_str(o, "exclusive", "exclusive"); /* shared = none */
    return bad;
}

/* --- v0.0.40, v0.0.41, v0.0.42 -------------------------------------------- */

/* The per-task TRES of -c and --gpus-per-task, as sbatch 24.11 makes
 * them: tres "cpu=C,gres/gpu=G" (or "" for neither) and, with GPUs, bind
 * "gres/gpu:per_task:G". */
struct per_task {
    char tres[48], bind[48];
};

static void per_task_of(struct per_task *t, const struct hpcl__jobdesc *d)
{
    int n = 0;

    t->tres[0] = t->bind[0] = '\0';
    if (d->cpus_per_task > 0)
        n = snprintf(t->tres, sizeof t->tres, "cpu=%u", d->cpus_per_task);
    if (d->gpus_per_task > 0) {
        snprintf(t->tres + n, sizeof t->tres - (size_t)n, "%sgres/gpu=%u",
                 n > 0 ? "," : "", d->gpus_per_task);
        snprintf(t->bind, sizeof t->bind, "gres/gpu:per_task:%u",
                 d->gpus_per_task);
    }
}

static int append(json_t *a, const char *name, const char *value)
{
    char *s;
    int bad;

    if (value[0] == '\0')
        return 0;
    if ((s = malloc(strlen(name) + strlen(value) + 2)) == NULL)
        return -1;
    sprintf(s, "%s=%s", name, value);
    bad = json_array_append_new(a, json_string(s));
    free(s);
    return bad;
}

/*
 * "K=V" strings: the job's environment (lib/job/job_desc.c writes the
 * variables sbatch 22.05's client exports), plus those sbatch 24.11's
 * client exports besides, SLURM_TRES_PER_TASK and SLURM_TRES_BIND, which
 * srun in the job reads (its CPUs and GPUs per task; found by comparing
 * with 24.11's sbatch at the dev cluster's site C).  SLURM_GPUS_PER_TASK,
 * which 24.11 no longer exports, stays: hpclaunch pin reads it.
 */
static json_t *env_array(const struct hpcl__jobdesc *d,
                         const struct per_task *t)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < d->env_count; i++)
        if (env_eq(d->env[i]) != NULL &&
            json_array_append_new(a, json_string(d->env[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    if (a != NULL && (append(a, "SLURM_TRES_PER_TASK", t->tres) != 0 ||
                      append(a, "SLURM_TRES_BIND", t->bind) != 0)) {
        json_decref(a);
        a = NULL;
    }
    return a;
}

/* {set, infinite, number}: the uint*_no_val schemas. */
static json_t *wrapped(unsigned long long n, int infinite)
{
    return json_pack("{s:b, s:b, s:I}", "set", 1, "infinite", infinite,
                     "number", (json_int_t)(infinite ? 0 : n));
}

static json_t *str_array(const char *s)
{
    return json_pack("[s]", s);
}

/* TRES strings: "gres/gpu:2", and sbatch's "gres:nvme:1,..." (--gres) as
 * "gres/nvme:1,...": the v0.0.4x schemas have no "gres" key. */
static int put_tres(json_t *o, const char *key, unsigned gpus,
                    const char *gres)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f;
    int bad;

    if (gpus == 0 && gres == NULL)
        return 0;
    if ((f = open_memstream(&s, &len)) == NULL)
        return -1;
    if (gpus > 0)
        fprintf(f, "gres/gpu:%u", gpus);
    while (gres != NULL && *gres != '\0') {
        size_t n = strcspn(gres, ",");
        size_t skip = strncmp(gres, "gres:", 5) == 0 ? 5 : 0;
        fprintf(f, "%s%s%.*s", ftell(f) > 0 ? "," : "", "gres/",
                (int)(n - skip), gres + skip);
        gres += n + (gres[n] == ',');
    }
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(s);
        return -1;
    }
    bad = put_str(o, key, s);
    free(s);
    return bad;
}

/* Slurm's MAIL_* bits, lowest first, as the job_mail_flags enum names
 * them (the same order). */
static int put_mail(json_t *o, unsigned bits)
{
    static const char *const names[] = {
        "BEGIN",    "END",      "FAIL",      "REQUEUE",     "TIME=100%",
        "TIME=90%", "TIME=80%", "TIME=50%",  "STAGE_OUT",   "ARRAY_TASKS",
        "INVALID_DEPENDENCY"};
    json_t *a;

    if (bits == 0)
        return 0;
    if ((a = json_array()) == NULL)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bits & (1u << i))
            json_array_append_new(a, json_string(names[i]));
    return put(o, "mail_type", a);
}


/* --signal=[{R|B}:]NUM[@TIME]: the kill_warning_* keys. */
static int put_signal4x(json_t *o, const struct hpcl__jobdesc *d)
{
    char s[16];
    json_t *flags;
    int bad;

    if (d->signal_no == 0)
        return 0;
    snprintf(s, sizeof s, "%d", d->signal_no);
    bad = put_str(o, "kill_warning_signal", s) |
          put(o, "kill_warning_delay", wrapped(d->signal_s, 0));
    if (d->signal_flags == 0)
        return bad;
    if ((flags = json_array()) == NULL)
        return -1;
    if (d->signal_flags & HPCL_SIGNAL_BATCH_ONLY)
        json_array_append_new(flags, json_string("BATCH_JOB"));
    if (d->signal_flags & HPCL_SIGNAL_RESERVATION)
        json_array_append_new(flags, json_string("RESERVATION_JOB"));
    return bad | put(o, "kill_warning_flags", flags);
}

static json_t *argv_array(const struct hpcl__jobdesc *d)
{
    json_t *a = json_array();

    for (int i = 0; a != NULL && i < d->argc; i++)
        if (json_array_append_new(a, json_string(d->argv[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

/* -c and --gpus-per-task go as tres_per_task beside cpus_per_task, and
 * each task is bound to its GPUs (tres_bind), as scontrol shows an
 * sbatch 24.11 job (checked by tests/live/cli_rest4x.sh). */
static int put_job4x(json_t *o, enum hpcl__rest_api api,
                     const struct hpcl__jobdesc *d)
{
    struct per_task t;
    int bad;

    per_task_of(&t, d);
    bad = put_uint(o, "minimum_nodes", d->min_nodes) |
          put_uint(o, "maximum_nodes", d->min_nodes > 0
                                           ? (d->max_nodes > d->min_nodes
                                                  ? d->max_nodes
                                                  : d->min_nodes)
                                           : 0) |
          put_uint(o, "tasks_per_node", d->ntasks_per_node) |
          /* sbatch's min_cpus: without it slurmctld counts tasks x
           * CPUs, more than sbatch asks for with --ntasks-per-node
           * and a node range (measured against 24.11's sbatch) */
          put_uint(o, "minimum_cpus", d->min_cpus) |
          put_tres(o, "tres_per_job", d->gpus, NULL) |
          (t.tres[0] != '\0' ? put_str(o, "tres_per_task", t.tres) : 0) |
          (t.bind[0] != '\0' ? put_str(o, "tres_bind", t.bind) : 0) |
          put_tres(o, "tres_per_node", d->gpus_per_node, d->gres) |
          put_signal4x(o, d) | put_mail(o, d->mail_bits) |
          put(o, "environment", env_array(d, &t)) |
          put_str(o, "script", d->script);

    if (d->begin > time(NULL))
        bad |= put(o, "begin_time", wrapped((unsigned long long)d->begin, 0));
    if (d->mem_set)
        bad |= put(o, d->mem_per_cpu ? "memory_per_cpu" : "memory_per_node",
                   wrapped(d->mem_mib, 0));
    if (d->time_limit == HPCL_TIME_UNLIMITED)
        bad |= put(o, "time_limit", wrapped(0, 1));
    else if (d->time_limit > 0)
        bad |= put(o, "time_limit", wrapped(d->time_limit, 0));
    if (d->exclusive)
        bad |= api == HPCL__API_V42 ? put(o, "shared", str_array("none"))
                                    : put(o, "exclusive", str_array("true"));
    if (d->argc > 1)
        bad |= put(o, "argv", argv_array(d));
    return bad;
}

/* --- both ----------------------------------------------------------------- */

/* Read with sbatch's option parser (v0.0.38) or into job_desc_msg
 * (v0.0.4x), neither of which does sbatch's client-side resolution
 * (lib/job/job_desc.c does it): the task count it implies and -c's
 * minimum CPUs per node are sent as such. */
static int put_counts(json_t *o, const struct hpcl__jobdesc *d)
{
    int bad = put_uint(o, "cpus_per_task", d->cpus_per_task) |
              put_uint(o, "minimum_cpus_per_node", d->cpus_per_task);

    /* sbatch counts one task per node of a fixed node count without -n,
     * and allocates CPUs for each; slurmrestd counts one in all unless
     * told. */
    if (d->ntasks_set || (d->min_nodes > 0 && d->max_nodes == d->min_nodes))
        bad |= put_uint(o, "tasks", d->ntasks);
    if (d->hold)
        bad |= put(o, "hold", json_true()); /* priority 0 */
    return bad;
}

/* Without current_working_directory the job would run in slurmrestd's
 * own working directory; job_desc.c always resolves one. */
static int put_strings(json_t *o, const struct hpcl__site_conf *conf,
                       const struct hpcl__jobdesc *d)
{
    return put_str(o, "name", d->name) |
           put_str(o, "partition", d->partition ? d->partition
                                                : conf->partition) |
           put_str(o, "account", d->account ? d->account : conf->account) |
           put_str(o, "array", d->array) |
           put_str(o, "comment", d->comment) |
           put_str(o, "dependency", d->dependency) |
           put_str(o, "qos", d->qos) |
           put_str(o, "constraints", d->constraint) |
           put_str(o, "reservation", d->reservation) |
           put_str(o, "mail_user", d->mail_user) |
           put_str(o, "current_working_directory", d->work_dir) |
           put_str(o, "standard_input", "/dev/null") |
           put_str(o, "standard_output", d->std_out) |
           put_str(o, "standard_error", d->std_err);
}

/* What v0.0.38 (Slurm 22.05) cannot take: said before sending. */
static hpcl_rc check38(hpcl_ctx *ctx, const struct hpcl__site_conf *conf,
                       const struct hpcl__jobdesc *d)
{
    /* It refuses the prefix ("Invalid SIGNAL specification"). */
    if (d->signal_flags != 0)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: slurmrestd "
                          "(v0.0.38) does not take --signal with B: or R:; "
                          "drop the prefix or submit to a libslurm site",
                          conf->name);
    /* It dies on "argv" (seen on the dev cluster: the connection closes
     * and the daemon is gone). */
    if (d->argc > 1)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: slurmrestd "
                          "(v0.0.38) cannot pass arguments to a batch "
                          "script; submit it without arguments or to a "
                          "libslurm site", conf->name);
    return HPCL_OK;
}

hpcl_rc hpcl__rest_submit_json(char **out, hpcl_ctx *ctx,
                               const struct hpcl__site_conf *conf,
                               enum hpcl__rest_api api,
                               const struct hpcl__jobdesc *d)
{
    json_t *job, *root;
    hpcl_rc rc;
    int bad;

    *out = NULL;
    if (api == HPCL__API_V38 && (rc = check38(ctx, conf, d)) != HPCL_OK)
        return rc;
    job = json_object();
    root = json_object();
    bad = job == NULL || root == NULL || put_counts(job, d) != 0 ||
          put_strings(job, conf, d) != 0 ||
          (api == HPCL__API_V38 ? put_job38(job, d) |
                                      put(root, "script",
                                          json_string(d->script))
                                : put_job4x(job, api, d)) != 0 ||
          json_object_set(root, "job", job) != 0;
    if (!bad)
        *out = json_dumps(root, JSON_COMPACT);
    json_decref(job);
    json_decref(root);
    if (*out == NULL)
        return hpcl__fail(ctx, HPCL_E_INVAL, "site %s: the job cannot be "
                          "sent as JSON (out of memory, or a string that is "
                          "not UTF-8 in the script, environment, paths or "
                          "names)", conf->name);
    return HPCL_OK;
}
