/*
 * Reading slurmrestd's replies (errors, warnings, job records) in every
 * version the driver speaks.  Each reader goes by the shape of the value:
 * v0.0.38 (Slurm 22.05.8) gives plain numbers, a job_state string and a
 * raw wait status; v0.0.40-42 (Slurm 24.11.5) give {set, infinite,
 * number} objects, a job_state array and a decoded exit code.  The
 * fixtures in tests/data/rest/ are recorded replies of both.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "backend/jobkey.h"
#include "backend/rest/rest.h"

/* --- reading ------------------------------------------------------------ */

/* The value of a plain number, or of v0.0.4x's {set, infinite, number}. */
static const json_t *num_value(const json_t *v, enum hpcl__num *kind)
{
    *kind = HPCL__NUM_SET;
    if (json_is_object(v)) {
        if (json_is_true(json_object_get(v, "infinite"))) {
            *kind = HPCL__NUM_INFINITE;
            return NULL;
        }
        if (!json_is_true(json_object_get(v, "set"))) {
            *kind = HPCL__NUM_UNSET;
            return NULL;
        }
        v = json_object_get(v, "number");
    }
    return v;
}

static enum hpcl__num num_of(const json_t *v, long long *out)
{
    enum hpcl__num kind;
    double d;

    if ((v = num_value(v, &kind)) == NULL)
        return kind;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return HPCL__NUM_SET;
    }
    if (!json_is_real(v))
        return HPCL__NUM_UNSET;
    /* Converting a double outside long long's range is undefined (1e300
     * from a hostile site): such a number is no number.  2^63 itself is
     * the first double past LLONG_MAX. */
    d = json_real_value(v);
    if (!isfinite(d) || d < -0x1p63 || d >= 0x1p63)
        return HPCL__NUM_BAD;
    *out = (long long)d;
    return HPCL__NUM_SET;
}

enum hpcl__num hpcl__json_id(const json_t *obj, const char *key,
                             uint32_t *out)
{
    enum hpcl__num kind;
    const json_t *v = json_object_get(obj, key);
    json_int_t n;

    *out = 0;
    if (v == NULL || json_is_null(v))
        return HPCL__NUM_UNSET;
    if ((v = num_value(v, &kind)) == NULL)
        return kind == HPCL__NUM_INFINITE ? HPCL__NUM_BAD : kind;
    /* Slurm's ids are 32-bit: 2^32 + 5 read as a uint32_t would be job 5,
     * another job; NO_VAL (2^32 - 2) and INFINITE (2^32 - 1) are no job.
     * A float or a string is not an id either. */
    if (!json_is_integer(v) || (n = json_integer_value(v)) < 0 ||
        (unsigned long long)n > HPCL__ID_MAX)
        return HPCL__NUM_BAD;
    *out = (uint32_t)n;
    return HPCL__NUM_SET;
}

enum hpcl__num hpcl__json_num(const json_t *obj, const char *key,
                              long long *out)
{
    return num_of(json_object_get(obj, key), out);
}

long long hpcl__json_int(const json_t *obj, const char *key, long long dflt)
{
    long long n;

    return hpcl__json_num(obj, key, &n) == HPCL__NUM_SET ? n : dflt;
}

const char *hpcl__json_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

json_t *hpcl__rest_parse(const struct hpcl__rest_reply *reply)
{
    json_t *root;

    if (reply->body == NULL || reply->len == 0 || reply->cut)
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

/* The data parser's words for a field of the request it dropped or had
 * to convert (data_parser/v0.0.4x: "Ignoring unknown field \"x\" of type
 * ...", "Expected OpenAPI type=array ... but got ...").  Either means the
 * job may not be what was asked. */
static int says_dropped(const char *d)
{
    return strstr(d, "Ignoring unknown field") != NULL ||
           strstr(d, "Expected OpenAPI type") != NULL;
}

int hpcl__rest_warnings(hpcl_ctx *ctx, const char *site, const json_t *root,
                        char *buf, size_t len)
{
    const json_t *w;
    size_t i, n = 0;
    int dropped = 0;

    if (len > 0)
        buf[0] = '\0';
    json_array_foreach(json_object_get(root, "warnings"), i, w) {
        const char *d = hpcl__json_str(w, "description");

        if (d == NULL)
            continue;
        if (!says_dropped(d)) {
            hpcl__log(ctx, HPCL_LOG_INFO, "site %s: slurmrestd: %s", site, d);
            continue;
        }
        dropped++;
        if (n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n > 0 ? "; " : "",
                                  d);
    }
    return dropped;
}

/* --- job states ---------------------------------------------------------- */

struct state_name {
    const char *name;
    hpcl_state state;
};

/*
 * v0.0.38 gives job_state_string(): a flag's name when one is set (only
 * the first, in Slurm's order), otherwise the base state; v0.0.4x gives
 * them all, [BASE, FLAG...] (data_parser/v0.0.42/parsers.c).  libslurm's
 * mapping (lib/backend/slurm/slurm_lib.c) looks at COMPLETING, then at
 * the base state;
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

int hpcl__json_has(const json_t *arr, const char *name)
{
    size_t i;
    const json_t *v;

    json_array_foreach(arr, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
            return 1;
    }
    return 0;
}

hpcl_state hpcl__rest_job_state(const json_t *job)
{
    const json_t *st = json_object_get(job, "job_state");

    if (!json_is_array(st))
        return hpcl__rest_state(json_string_value(st));
    /* The job is still ending while COMPLETING is set, whatever the
     * base state says (libslurm: IS_JOB_COMPLETING). */
    if (hpcl__json_has(st, "COMPLETING"))
        return HPCL_STATE_RUNNING;
    return hpcl__rest_state(json_string_value(json_array_get(st, 0)));
}

/*
 * How the job ended: its exit code as a shell shows it, as hpclaunch
 * shows libslurm's (128 plus the signal for a job killed by one), and the
 * signal that ended it, 0 when none.  v0.0.38 gives the raw wait(2)
 * status; v0.0.4x decodes it ({status: ["SIGNALED"], signal: {id}} or
 * {status: ["ERROR"], return_code}), which WIFSIGNALED must not see
 * again.
 */
static void exit_parts(const json_t *job, int *shell, int *sig)
{
    const json_t *ec = json_object_get(job, "exit_code");
    long long n = 0;
    int st;

    if (json_is_object(ec)) {
        const json_t *status = json_object_get(ec, "status");
        if ((hpcl__json_has(status, "SIGNALED") ||
             hpcl__json_has(status, "CORE_DUMPED")) &&
            hpcl__json_num(json_object_get(ec, "signal"), "id", &n) ==
                HPCL__NUM_SET && n > 0 && n < 128) {
            *sig = (int)n; /* a signal number: below 128 */
            *shell = 128 + *sig;
        } else {
            *sig = 0;
            *shell = (int)hpcl__json_int(ec, "return_code", 0);
        }
        return;
    }
    st = (int)hpcl__json_int(job, "exit_code", 0);
    *sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    *shell = WIFSIGNALED(st) ? 128 + *sig : WEXITSTATUS(st);
}

/* The members of a job record that the readers here and in rest_probe.c
 * use: /jobs and /job/{id} answers keep only these (rest_slim.c), so a
 * reader of another member must add it here. */
const char *const hpcl__rest_job_keys[] = {
    "array_job_id", "array_task_id", "array_task_string", "batch_host",
    "comment", "current_working_directory", "end_time", "exit_code",
    "gres_detail", "job_id", "job_resources", "job_state", "name", "nodes",
    "partition", "standard_error", "standard_output", "start_time",
    "state_description", "state_reason", "user_name", NULL};

const char *hpcl__rest_jobrec(struct hpcl__jobrec *r, const json_t *j)
{
    /* v0.0.38: null, v0.0.4x: set:false, when not one task. */
    uint32_t task;
    enum hpcl__num tk = hpcl__json_id(j, "array_task_id", &task);

    memset(r, 0, sizeof *r);
    r->state = hpcl__rest_job_state(j);
    r->exit_code = r->term_signal = -1;
    if (hpcl_state_is_terminal(r->state))
        exit_parts(j, &r->exit_code, &r->term_signal);
    if (hpcl__json_id(j, "job_id", &r->job_id) == HPCL__NUM_BAD)
        return "job_id";
    if (hpcl__json_id(j, "array_job_id", &r->array_job_id) == HPCL__NUM_BAD)
        return "array_job_id";
    if (tk == HPCL__NUM_BAD)
        return "array_task_id";
    r->array_task_id = tk == HPCL__NUM_SET ? task : HPCL__NO_TASK;
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
    return NULL;
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
        uint32_t jid = 0, arr = 0;

        if (c == NULL || !hpcl__key_from_comment(found, c) ||
            strcmp(found, key) != 0)
            continue;
        /* The job is there, but under no id that can be trusted: that is
         * not "no such job" (which would let it be submitted again). */
        if (hpcl__json_id(j, "array_job_id", &arr) == HPCL__NUM_BAD ||
            hpcl__json_id(j, "job_id", &jid) == HPCL__NUM_BAD)
            return -1;
        if (arr != 0)
            jid = arr;
        if (jid != 0 && (best == 0 || jid < best))
            best = jid;
    }
    if (best == 0)
        return 0;
    *id = best;
    return 1;
}

