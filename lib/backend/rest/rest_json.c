/*
 * slurmrestd openapi/v0.0.38 shapes: the submit request built from a job
 * description, and the replies read back (errors, job records).  Checked
 * against Slurm 22.05.8; the fixtures in tests/data/rest/ are recorded
 * replies.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "backend/jobkey.h"
#include "backend/rest/rest.h"

/* --- reading ------------------------------------------------------------ */

long long hpcl__json_int(const json_t *obj, const char *key, long long dflt)
{
    const json_t *v = json_object_get(obj, key);

    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return dflt;
}

const char *hpcl__json_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

json_t *hpcl__rest_parse(const struct hpcl__rest_reply *reply)
{
    json_t *root;

    if (reply->body == NULL || reply->len == 0)
        return NULL;
    root = json_loadb(reply->body, reply->len, 0, NULL);
    if (root != NULL && !json_is_object(root)) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

int hpcl__rest_error(const json_t *root, long *code, const char **text)
{
    /* slurmrestd names the code's key by handler: any of these. */
    static const char *const keys[] = {"error_code", "error_number",
                                       "errno"};
    const json_t *e = json_array_get(json_object_get(root, "errors"), 0);
    const char *t;

    if (!json_is_object(e))
        return 0;
    *code = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_is_integer(json_object_get(e, keys[i]))) {
            *code = (long)hpcl__json_int(e, keys[i], 0);
            break;
        }
    if ((t = hpcl__json_str(e, "description")) == NULL &&
        (t = hpcl__json_str(e, "error")) == NULL)
        t = "(no text)";
    *text = t;
    return 1;
}

/* --- job states ---------------------------------------------------------- */

struct state_name {
    const char *name;
    hpcl_state state;
};

/*
 * v0.0.38 gives job_state_string(): a flag's name when one is set (only
 * the first, in Slurm's order), otherwise the base state.  libslurm's
 * mapping (lib/backend/slurm/slurm_lib.c) looks at COMPLETING, then at the base state;
 * the other flags are mapped to the base state they go with.  STAGE_OUT
 * comes after the job ended, but its base state is not sent: it counts
 * as still running until the burst buffer is done.
 */
static const struct state_name g_states[] = {
    {"PENDING", HPCL_STATE_PENDING},
    {"RUNNING", HPCL_STATE_RUNNING},
    {"SUSPENDED", HPCL_STATE_RUNNING},
    {"COMPLETING", HPCL_STATE_RUNNING},
    {"COMPLETED", HPCL_STATE_COMPLETED},
    {"CANCELLED", HPCL_STATE_CANCELLED},
    {"FAILED", HPCL_STATE_FAILED},
    {"TIMEOUT", HPCL_STATE_TIMEOUT},
    {"DEADLINE", HPCL_STATE_TIMEOUT},
    {"NODE_FAIL", HPCL_STATE_FAILED},
    {"BOOT_FAIL", HPCL_STATE_FAILED},
    {"OUT_OF_MEMORY", HPCL_STATE_FAILED},
    {"PREEMPTED", HPCL_STATE_FAILED},
    /* flags: RUNNING underneath */
    {"CONFIGURING", HPCL_STATE_RUNNING},
    {"RESIZING", HPCL_STATE_RUNNING},
    {"SIGNALING", HPCL_STATE_RUNNING},
    {"STOPPED", HPCL_STATE_RUNNING},
    {"STAGE_OUT", HPCL_STATE_RUNNING},
    /* flags: PENDING underneath (requeued or held) */
    {"REQUEUED", HPCL_STATE_PENDING},
    {"REQUEUE_FED", HPCL_STATE_PENDING},
    {"REQUEUE_HOLD", HPCL_STATE_PENDING},
    {"SPECIAL_EXIT", HPCL_STATE_PENDING},
    {"RESV_DEL_HOLD", HPCL_STATE_PENDING},
    /* a federation sibling withdrawn: that copy never runs */
    {"REVOKED", HPCL_STATE_CANCELLED},
};

hpcl_state hpcl__rest_state(const char *job_state)
{
    for (size_t i = 0; job_state != NULL &&
                       i < sizeof g_states / sizeof g_states[0]; i++)
        if (strcmp(job_state, g_states[i].name) == 0)
            return g_states[i].state;
    return HPCL_STATE_UNKNOWN;
}

/* exit_code is the raw wait(2) status: shown as a shell shows it. */
static int shell_status(long long raw)
{
    int st = (int)raw;

    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

void hpcl__rest_jobrec(struct hpcl__jobrec *r, const json_t *j)
{
    long long task = hpcl__json_int(j, "array_task_id", -1);

    memset(r, 0, sizeof *r);
    r->state = hpcl__rest_state(hpcl__json_str(j, "job_state"));
    r->exit_code = hpcl_state_is_terminal(r->state)
                       ? shell_status(hpcl__json_int(j, "exit_code", 0))
                       : -1;
    r->job_id = (uint32_t)hpcl__json_int(j, "job_id", 0);
    r->array_job_id = (uint32_t)hpcl__json_int(j, "array_job_id", 0);
    /* null (NO_VAL) when the record is not one task */
    r->array_task_id = task < 0 ? HPCL__NO_TASK : (uint32_t)task;
    r->array_tasks = hpcl__json_str(j, "array_task_string");
    r->name = hpcl__json_str(j, "name");
    r->user = hpcl__json_str(j, "user_name");
    r->batch_host = hpcl__json_str(j, "batch_host");
    r->nodes = hpcl__json_str(j, "nodes");
    r->work_dir = hpcl__json_str(j, "current_working_directory");
    /* "" where libslurm gives NULL: job_status.c then applies the
     * default pattern, or stdout's for stderr. */
    r->std_out = hpcl__json_str(j, "standard_output");
    r->std_err = hpcl__json_str(j, "standard_error");
    r->reason = hpcl__json_str(j, "state_reason");
    r->reason_desc = hpcl__json_str(j, "state_description");
    r->comment = hpcl__json_str(j, "comment");
}

int hpcl__rest_find_key(const json_t *jobs, const char *key, uint32_t *id)
{
    char found[HPCL__KEY_LEN + 1];
    uint32_t best = 0;
    size_t i;
    const json_t *j;

    /* The lowest id wins, so that the answer does not depend on the order
     * of the list (all records of an array carry the same comment). */
    json_array_foreach(jobs, i, j) {
        const char *c = hpcl__json_str(j, "comment");
        uint32_t jid = (uint32_t)hpcl__json_int(j, "array_job_id", 0);

        if (jid == 0)
            jid = (uint32_t)hpcl__json_int(j, "job_id", 0);
        if (c != NULL && hpcl__key_from_comment(found, c) &&
            strcmp(found, key) == 0 && jid != 0 && (best == 0 || jid < best))
            best = jid;
    }
    if (best == 0)
        return 0;
    *id = best;
    return 1;
}

/* --- the submit request -------------------------------------------------- */

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

/* v0.0.38 takes the environment as an object (later versions: "K=V"). */
static json_t *env_object(char *const *env, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; o != NULL && i < n; i++) {
        const char *eq = env[i] != NULL ? strchr(env[i], '=') : NULL;
        char *name;

        if (eq == NULL || eq == env[i])
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
static int put_nodes(json_t *o, const struct hpcl__jobdesc *d)
{
    char range[32];

    if (d->min_nodes == 0)
        return 0;
    if (d->max_nodes <= d->min_nodes)
        return put_uint(o, "nodes", d->min_nodes);
    snprintf(range, sizeof range, "%u-%u", d->min_nodes, d->max_nodes);
    return put_str(o, "nodes", range);
}

static int put_gpus(json_t *o, const char *key, unsigned n)
{
    char s[16];

    if (n == 0)
        return 0;
    snprintf(s, sizeof s, "%u", n); /* a string in v0.0.38 */
    return put_str(o, key, s);
}

/* v0.0.38 reads each key with sbatch's own option parser but skips
 * sbatch's client-side resolution (lib/job/job_desc.c does it): the task
 * count it implies and -c's minimum CPUs per node are sent as such. */
static int put_counts(json_t *o, const struct hpcl__jobdesc *d)
{
    int bad = put_nodes(o, d) |
              put_uint(o, "cpus_per_task", d->cpus_per_task) |
              put_uint(o, "minimum_cpus_per_node", d->cpus_per_task) |
              put_uint(o, "ntasks_per_node", d->ntasks_per_node) |
              put_gpus(o, "gpus", d->gpus) |
              put_gpus(o, "gpus_per_task", d->gpus_per_task) |
              put_gpus(o, "gpus_per_node", d->gpus_per_node) |
              put_str(o, "gres", d->gres);

    /* sbatch counts one task per node of a fixed node count without -n,
     * and allocates CPUs for each; v0.0.38 counts one in all unless told. */
    if (d->ntasks_set || (d->min_nodes > 0 && d->max_nodes == d->min_nodes))
        bad |= put_uint(o, "tasks", d->ntasks);
    /* --mem=0 asks for all of a node's memory: 0 is sent when set. */
    if (d->mem_set)
        bad |= put(o, d->mem_per_cpu ? "memory_per_cpu" : "memory_per_node",
                   json_integer((json_int_t)d->mem_mib));
    return bad;
}

/* --begin as "now+N": relative, so the site's time zone cannot move it. */
static int put_begin(json_t *o, time_t begin)
{
    char s[32];
    time_t now = time(NULL);

    if (begin <= now)
        return 0;
    snprintf(s, sizeof s, "now+%lld", (long long)(begin - now));
    return put_str(o, "begin_time", s);
}

/* Without B: or R: (refused before this: hpcl__rest_submit_json). */
static int put_signal(json_t *o, const struct hpcl__jobdesc *d)
{
    char s[32];

    if (d->signal_no == 0)
        return 0;
    snprintf(s, sizeof s, "%d@%u", d->signal_no, d->signal_s);
    return put_str(o, "signal", s);
}

static int put_numbers(json_t *o, const struct hpcl__jobdesc *d)
{
    int bad = put_counts(o, d) | put_begin(o, d->begin) | put_signal(o, d);

    if (d->time_limit == HPCL_TIME_UNLIMITED)
        bad |= put_str(o, "time_limit", "UNLIMITED");
    else
        bad |= put_uint(o, "time_limit", d->time_limit);
    if (d->exclusive)
        bad |= put_str(o, "exclusive", "exclusive"); /* shared = none */
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
           put_str(o, "mail_type", d->mail_type) |
           put_str(o, "mail_user", d->mail_user) |
           put_str(o, "current_working_directory", d->work_dir) |
           put_str(o, "standard_input", "/dev/null") |
           put_str(o, "standard_output", d->std_out) |
           put_str(o, "standard_error", d->std_err);
}

hpcl_rc hpcl__rest_submit_json(char **out, hpcl_ctx *ctx,
                               const struct hpcl__site_conf *conf,
                               const struct hpcl__jobdesc *d)
{
    json_t *job, *root;
    int bad;

    *out = NULL;
    /* Slurm 22.05's slurmrestd refuses the prefix ("Invalid SIGNAL
     * specification"): say so before sending. */
    if (d->signal_flags != 0)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: slurmrestd "
                          "(%s) does not take --signal with B: or R:; "
                          "drop the prefix or submit to a libslurm site",
                          conf->name, conf->api_version);
    /* Slurm 22.05's slurmrestd dies on "argv" (seen on the dev cluster:
     * the connection closes and the daemon is gone). */
    if (d->argc > 1)
        return hpcl__fail(ctx, HPCL_E_UNSUPPORTED, "site %s: slurmrestd "
                          "(%s) cannot pass arguments to a batch script; "
                          "submit it without arguments or to a libslurm "
                          "site", conf->name, conf->api_version);
    job = json_object();
    root = json_object();
    bad = job == NULL || root == NULL || put_numbers(job, d) != 0 || put_strings(job, conf, d) != 0 ||
          put(job, "environment", env_object(d->env, d->env_count)) != 0 ||
          put(root, "script", json_string(d->script)) != 0 ||
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
