/*
 * The libslurm operations, run inside the helper process
 * (libexec/slurm_helper.c; see slurm_lib.h): the only file that includes
 * <slurm/slurm.h> for requests.  Every entry point first runs the site's
 * guards (slurm_guard.c).  The helper has loaded its one slurm.conf
 * before the first request, so there is neither a lock nor a switch of
 * configuration here.  Written against Slurm 22.05; what differs in
 * later releases (up to 24.11) is in slurm_compat.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include "backend/jobkey.h"
#include "backend/slurm_errno.h"
#include "backend/slurm/slurm_compat.h"
#include "backend/slurm/slurm_lib.h"
#include "backend/slurm/slurm_skew.h"

/* Exported by libslurm 22.05 but not declared in its headers. */
extern void slurm_free_will_run_response_msg(will_run_response_msg_t *msg);
extern void slurm_free_stats_response_msg(stats_info_response_msg_t *msg);

/* The site's guards: is the controller there, is munged there. */
static hpcl_rc enter(struct hpcl__site *site, hpcl_ctx *ctx)
{
    return hpcl__guard_enter(site->state, ctx);
}

/* reached: the call got an answer from slurmctld (even a refusal), so
 * the next call need not probe it. */
static void leave(struct hpcl__site *site, int reached)
{
    if (reached)
        hpcl__guard_after(site->state, 1, NULL);
}

static const char *site_name(const struct hpcl__site *site)
{
    return site->conf->name;
}

/* --- errors ---------------------------------------------------------- */

/* What Slurm's error numbers mean: backend/slurm_errno.h, shared with
 * the slurmrestd driver; its numbers are checked here against the
 * slurm_errno.h this driver is built with. */
#define HPCL__SE_CHECK(mine, slurms)                                        \
    _Static_assert((long)HPCL__SE_##mine == (long)(slurms),                \
                   "slurm_errno.h: " #slurms)
HPCL__SE_CHECK(COMM_CONNECT, SLURM_COMMUNICATIONS_CONNECTION_ERROR);
HPCL__SE_CHECK(COMM_SEND, SLURM_COMMUNICATIONS_SEND_ERROR);
HPCL__SE_CHECK(COMM_RECV, SLURM_COMMUNICATIONS_RECEIVE_ERROR);
HPCL__SE_CHECK(COMM_SHUTDOWN, SLURM_COMMUNICATIONS_SHUTDOWN_ERROR);
HPCL__SE_CHECK(AUTH, SLURM_PROTOCOL_AUTHENTICATION_ERROR);
HPCL__SE_CHECK(CTLD_CONNECT, SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR);
HPCL__SE_CHECK(CTLD_SEND, SLURMCTLD_COMMUNICATIONS_SEND_ERROR);
HPCL__SE_CHECK(CTLD_RECV, SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR);
HPCL__SE_CHECK(CTLD_SHUTDOWN, SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR);
HPCL__SE_CHECK(NODE_CONFIG_UNAVAILABLE,
               ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
HPCL__SE_CHECK(PART_CONFIG_UNAVAILABLE,
               ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE);
HPCL__SE_CHECK(INVALID_JOB_ID, ESLURM_INVALID_JOB_ID);
HPCL__SE_CHECK(ALREADY_DONE, ESLURM_ALREADY_DONE);
HPCL__SE_CHECK(JOB_HELD, ESLURM_JOB_HELD);
#if HPCL__SLURM_HAS_SOCKET_RECV_ERRNOS
HPCL__SE_CHECK(SOCKET_ZERO_RECV, SLURM_PROTOCOL_SOCKET_IMPL_ZERO_RECV_LENGTH);
HPCL__SE_CHECK(SOCKET_NEG_RECV,
               SLURM_PROTOCOL_SOCKET_IMPL_NEGATIVE_RECV_LENGTH);
#endif
HPCL__SE_CHECK(INCOMPLETE_PACKET, ESLURM_PROTOCOL_INCOMPLETE_PACKET);
HPCL__SE_CHECK(SOCKET_TIMEOUT, SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT);
HPCL__SE_CHECK(ZERO_BYTES_SENT, SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT);
HPCL__SE_CHECK(AUTH_CRED_INVALID, ESLURM_AUTH_CRED_INVALID);

/* A slurmctld of an older release than this libslurm closes the
 * connection without an answer ("Zero Bytes were transmitted or
 * received") and logs the mismatch on its side only (measured: a 22.05
 * slurmctld and libslurm 24.11); so does one that cannot verify the
 * credential.  One such close may be a chance; a ping closed the same
 * way right after is one of the two.  (A newer slurmctld answers, and
 * libslurm logs its version: slurm_proxy.c sees that.) */
static int closed_unanswered_again(void)
{
    int r = slurm_ping(0);

    return r != 0 && (r == SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT ||
                      errno == SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT);
}

/* Map a failed call's errno e.  what names the object for the message
 * ("job local:12", "partition 'x'"); changes says whether the call
 * changes state, so that a lost answer is reported as "maybe done". */
static hpcl_rc rpc_fail(struct hpcl__site *site, hpcl_ctx *ctx,
                        const char *call, int e, int changes,
                        const char *what)
{
    const char *text = slurm_strerror(e), *name = site_name(site);
    char said[200];

    if (e == SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT &&
        closed_unanswered_again()) {
        snprintf(said, sizeof said, "%s: %s, then a ping", call, text);
        return hpcl__slurm_closed_fail(ctx, name, said);
    }

    if (hpcl__se_no_contact(e)) {
        hpcl__guard_after(site->state, 0, text);
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "%s: %s (slurmctld of "
                          "site %s, %s)", call, text, name, what);
    }
    if (hpcl__se_answer_lost(e) && changes)
        return hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "%s: %s: the request "
                          "reached slurmctld (site %s) but its answer did "
                          "not come back, so it may or may not have been "
                          "done (%s)", call, text, name, what);
    if (hpcl__se_answer_lost(e))
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "%s: %s (slurmctld of "
                          "site %s did not answer; %s)", call, text, name,
                          what);
    return hpcl__fail(ctx, hpcl__se_auth_failure(e) ? HPCL_E_AUTH : HPCL_E_SLURM,
                      "%s: %s (%s on site %s)", call, text, what, name);
}

/* The errno of a failed call.  Some 22.05 calls return the code itself
 * instead of -1 (slurm_load_job returns 2017). */
static int call_errno(int r)
{
    int e = errno;

    return r > 0 ? r : (e != 0 ? e : SLURM_ERROR);
}

/* --- the request ----------------------------------------------------- */

struct tres_text {
    char task[40];
    char node[300];
    char job[40];
};

/* The allocation fields, exactly as sbatch 22.05 fills them
 * (slurm_opt_create_job_desc(); the counts are resolved the same way in
 * lib/job/job_desc.c): slurmctld allocates min_cpus, so it is always set. */
static void desc_counts(job_desc_msg_t *j, const struct hpcl__jobdesc *d,
                        struct tres_text *t)
{
    if (d->ntasks_set) {
        j->bitflags |= JOB_NTASKS_SET;
        j->num_tasks = d->ntasks;
    }
    j->min_cpus = d->min_cpus;
    if (d->min_nodes > 0) {
        j->min_nodes = d->min_nodes;
        j->max_nodes = d->max_nodes;
    }
    if (d->cpus_per_task > 0) {
        j->bitflags |= JOB_CPUS_SET;
        j->cpus_per_task = (uint16_t)d->cpus_per_task;
        j->pn_min_cpus = (uint16_t)d->cpus_per_task;
    }
    if (d->ntasks_per_node > 0)
        j->ntasks_per_node = (uint16_t)d->ntasks_per_node;
    if (d->gpus > 0) {
        snprintf(t->job, sizeof t->job, "gres:gpu:%u", d->gpus);
        j->tres_per_job = t->job;
    }
    if (d->gpus_per_task > 0) {
        snprintf(t->task, sizeof t->task, "gres:gpu:%u", d->gpus_per_task);
        j->tres_per_task = t->task;
    }
    /* --gpus-per-node, then --gres, in one list as sbatch joins them. */
    if (d->gpus_per_node > 0 || d->gres != NULL) {
        if (d->gpus_per_node > 0)
            snprintf(t->node, sizeof t->node, "gres:gpu:%u%s%s",
                     d->gpus_per_node, d->gres ? "," : "",
                     d->gres ? d->gres : "");
        else
            snprintf(t->node, sizeof t->node, "%s", d->gres);
        j->tres_per_node = t->node;
    }
    if (d->mem_set)
        j->pn_min_memory = d->mem_per_cpu ? d->mem_mib | MEM_PER_CPU
                                          : d->mem_mib;
}

/* job_desc_msg_t takes char *: the strings are not changed by libslurm,
 * the casts only drop const. */
static void desc_fill(job_desc_msg_t *j, const struct hpcl__jobdesc *d,
                      struct tres_text *t)
{
    slurm_init_job_desc_msg(j);
    j->script = (char *)d->script;
    /* Mandatory: without an environment the submit fails with 2019. */
    j->environment = d->env;
    j->env_size = (uint32_t)d->env_count;
    j->argv = (char **)d->argv;
    j->argc = (uint32_t)d->argc;
    desc_counts(j, d, t);
    if (d->time_limit == HPCL_TIME_UNLIMITED)
        j->time_limit = INFINITE;
    else if (d->time_limit > 0)
        j->time_limit = d->time_limit;
    if (d->exclusive)
        j->shared = JOB_SHARED_NONE;
    if (d->hold)
        j->priority = 0;
    j->begin_time = d->begin;
    if (d->signal_no != 0) {
        j->warn_signal = (uint16_t)d->signal_no;
        j->warn_time = (uint16_t)d->signal_s;
        j->warn_flags = (d->signal_flags & HPCL_SIGNAL_BATCH_ONLY
                             ? KILL_JOB_BATCH : 0) |
                        (d->signal_flags & HPCL_SIGNAL_RESERVATION
                             ? KILL_JOB_RESV : 0);
    }
    if (d->mail_type != NULL)
        j->mail_type = (uint16_t)d->mail_bits;
    j->mail_user = (char *)d->mail_user;
    j->dependency = (char *)d->dependency;
    j->qos = (char *)d->qos;
    j->features = (char *)d->constraint;
    j->reservation = (char *)d->reservation;
    j->partition = (char *)d->partition;
    j->account = (char *)d->account;
    j->name = (char *)d->name;
    j->work_dir = (char *)d->work_dir;
    j->std_out = (char *)d->std_out;
    j->std_err = (char *)d->std_err;
    /* As sbatch: no input unless asked, not the controller's default. */
    j->std_in = (char *)"/dev/null";
    j->array_inx = (char *)d->array;
    j->comment = (char *)d->comment;
    /* As sbatch: the controller checks these against the credential. */
    j->user_id = getuid();
    j->group_id = getgid();
}

static const char *part_name(const struct hpcl__jobdesc *d)
{
    return d->partition != NULL ? d->partition : "(default)";
}

/* Object named in a submit error: the partition for partition errors,
 * else the job. */
static void submit_what(char *buf, size_t len, int e,
                        const struct hpcl__jobdesc *d)
{
    if (e == ESLURM_INVALID_PARTITION_NAME || e == ESLURM_ACCESS_DENIED ||
        e == ESLURM_DEFAULT_PARTITION_NOT_SET)
        snprintf(buf, len, "partition '%s'", part_name(d));
    else if (e == ESLURM_INVALID_ACCOUNT)
        snprintf(buf, len, "account '%s'",
                 d->account != NULL ? d->account : "(default)");
    else
        snprintf(buf, len, "job '%s' in partition '%s'", d->name,
                 part_name(d));
}

/* A job accepted that can never start (more nodes than the partition
 * has) would pend forever; sbatch only warns, hpclaunch refuses. */
static hpcl_rc submit_answer(struct hpcl__site *site, hpcl_ctx *ctx,
                             const struct hpcl__jobdesc *d,
                             const submit_response_msg_t *resp, uint32_t *id)
{
    int code = resp->error_code;
    const char *name = site_name(site);

    if (resp->job_submit_user_msg != NULL)
        hpcl__log(ctx, HPCL_LOG_INFO, "slurmctld: %s",
                  resp->job_submit_user_msg);
    if (code == ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE ||
        code == ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE) {
        int killed = slurm_kill_job(resp->job_id, SIGKILL, 0) == 0;
        return hpcl__fail(ctx, HPCL_E_SLURM, "slurm_submit_batch_job: %s: "
                          "job %s:%" PRIu32 " could never start (it asks "
                          "for more nodes or resources than partition '%s' "
                          "on site %s has); %s", slurm_strerror(code), name,
                          resp->job_id, part_name(d), name,
                          killed ? "hpclaunch cancelled it"
                                 : "cancel it with scancel");
    }
    /* Other codes are warnings on a job that will run (2042: held). */
    if (code != 0 && code != ESLURM_JOB_HELD)
        hpcl__log(ctx, HPCL_LOG_WARN, "job %" PRIu32 ": %s", resp->job_id,
                  slurm_strerror(code));
    *id = resp->job_id;
    return HPCL_OK;
}

static hpcl_rc slurm_submit(struct hpcl__site *site, hpcl_ctx *ctx,
                            const struct hpcl__jobdesc *d, uint32_t *id)
{
    job_desc_msg_t j;
    submit_response_msg_t *resp = NULL;
    struct tres_text t;
    char what[320];
    hpcl_rc rc;
    int r, e = 0;

    desc_fill(&j, d, &t);
    if ((rc = enter(site, ctx)) != HPCL_OK)
        return rc;
    r = slurm_submit_batch_job(&j, &resp);
    if (r != 0) {
        e = call_errno(r);
        submit_what(what, sizeof what, e, d);
        rc = rpc_fail(site, ctx, "slurm_submit_batch_job", e, 1, what);
    } else if (resp == NULL || resp->job_id == 0) {
        /* Success without a job id proves nothing either way. */
        rc = hpcl__fail(ctx, HPCL_E_AMBIGUOUS, "slurm_submit_batch_job: "
                        "success without %s for job '%s' (site %s); the job "
                        "may exist (look it up by key)",
                        resp == NULL ? "an answer" : "a job id", d->name,
                        site_name(site));
    } else {
        rc = submit_answer(site, ctx, d, resp, id);
    }
    slurm_free_submit_response_response_msg(resp);
    leave(site, r == 0 || !(hpcl__se_no_contact(e) || hpcl__se_answer_lost(e)));
    return rc;
}

/* --- status ---------------------------------------------------------- */

hpcl_state hpcl__slurm_state(uint32_t job_state)
{
    /* A job whose epilog still runs holds its nodes: not ended yet. */
    if (job_state & JOB_COMPLETING)
        return HPCL_STATE_RUNNING;
    switch (job_state & JOB_STATE_BASE) {
    case JOB_PENDING:
        return HPCL_STATE_PENDING;
    case JOB_RUNNING:
    case JOB_SUSPENDED:
        return HPCL_STATE_RUNNING;
    case JOB_COMPLETE:
        return HPCL_STATE_COMPLETED;
    case JOB_CANCELLED:
        return HPCL_STATE_CANCELLED;
    case JOB_TIMEOUT:
    case JOB_DEADLINE:
        return HPCL_STATE_TIMEOUT;
    case JOB_FAILED:
    case JOB_NODE_FAIL:
    case JOB_BOOT_FAIL:
    case JOB_OOM:
    case JOB_PREEMPTED:
        return HPCL_STATE_FAILED;
    }
    return HPCL_STATE_UNKNOWN;
}

/* A wait(2) status as a shell shows it: the exit code, or 128 + signal. */
int hpcl__slurm_shell_status(uint32_t wait_status)
{
    int st = (int)wait_status;

    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

int hpcl__slurm_term_signal(uint32_t wait_status)
{
    int st = (int)wait_status;

    return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static void rec_from(struct hpcl__jobrec *r, const slurm_job_info_t *j,
                     const char *user)
{
    r->state = hpcl__slurm_state(j->job_state);
    r->exit_code = hpcl_state_is_terminal(r->state)
                       ? hpcl__slurm_shell_status(j->exit_code)
                       : -1;
    r->term_signal = hpcl_state_is_terminal(r->state)
                         ? hpcl__slurm_term_signal(j->exit_code)
                         : -1;
    r->job_id = j->job_id;
    r->array_job_id = j->array_job_id;
    r->array_task_id = j->array_task_id == NO_VAL ? HPCL__NO_TASK
                                                  : j->array_task_id;
    r->array_tasks = j->array_task_str;
    r->name = j->name;
    r->user = j->user_name != NULL ? j->user_name : user;
    r->batch_host = j->batch_host;
    r->nodes = j->nodes;
    r->work_dir = j->work_dir;
    r->std_out = j->std_out;
    r->std_err = j->std_err;
    r->reason = hpcl__slurm_reason_string(j->state_reason);
    r->reason_desc = j->state_desc;
    r->comment = j->comment;
}

static hpcl_rc deliver(hpcl_ctx *ctx, const job_info_msg_t *msg,
                       hpcl__jobrec_fn fn, void *arg)
{
    struct hpcl__jobrec *recs;
    struct passwd pw, *pwp = NULL;
    char buf[1024];
    hpcl_rc rc;

    if (msg->record_count == 0)
        return fn(arg, NULL, 0);
    if ((recs = calloc(msg->record_count, sizeof *recs)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    /* For %u when the controller sent no user name. */
    getpwuid_r(msg->job_array[0].user_id, &pw, buf, sizeof buf, &pwp);
    for (uint32_t i = 0; i < msg->record_count; i++)
        rec_from(&recs[i], &msg->job_array[i],
                 pwp != NULL ? pwp->pw_name : NULL);
    rc = fn(arg, recs, msg->record_count);
    free(recs);
    return rc;
}

static hpcl_rc slurm_query(struct hpcl__site *site, hpcl_ctx *ctx,
                           uint32_t id, const char *ref, hpcl__jobrec_fn fn,
                           void *arg)
{
    job_info_msg_t *msg = NULL;
    char what[HPCL__REF_MAX + 8];
    hpcl_rc rc;
    int r, e = 0;

    if ((rc = enter(site, ctx)) != HPCL_OK)
        return rc;
    r = slurm_load_job(&msg, id, SHOW_DETAIL);
    if (r != 0)
        e = call_errno(r);
    if (r == 0)
        rc = deliver(ctx, msg, fn, arg);
    else if (e == ESLURM_INVALID_JOB_ID)
        rc = hpcl__fail(ctx, HPCL_E_NOJOB, "job %s not found (it may have "
                        "ended more than MinJobAge ago)", ref);
    else {
        snprintf(what, sizeof what, "job %s", ref);
        rc = rpc_fail(site, ctx, "slurm_load_job", e, 0, what);
    }
    slurm_free_job_info_msg(msg);
    leave(site, r == 0 || !(hpcl__se_no_contact(e) || hpcl__se_answer_lost(e)));
    return rc;
}

/* Is the job of record j one of the n sorted ids? */
static int wanted(const slurm_job_info_t *j, const uint32_t *ids, size_t n)
{
    uint32_t id = j->array_job_id != 0 ? j->array_job_id : j->job_id;
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (ids[mid] == id)
            return 1;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The records of the wanted jobs among msgs[0..nmsg), to fn at once: the
 * list of many jobs goes back through the helper's pipe, so only what
 * was asked is converted and sent. */
static hpcl_rc deliver_wanted(hpcl_ctx *ctx, job_info_msg_t *const *msgs,
                              size_t nmsg, const uint32_t *ids, size_t nids,
                              hpcl__jobrec_fn fn, void *arg)
{
    struct hpcl__jobrec *recs;
    struct passwd pw, *pwp = NULL;
    size_t total = 0, n = 0;
    char buf[1024];
    hpcl_rc rc;

    for (size_t m = 0; m < nmsg; m++)
        total += msgs[m] != NULL ? msgs[m]->record_count : 0;
    if ((recs = calloc(total + 1, sizeof *recs)) == NULL)
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    /* For %u when the controller sent no user name: the user's jobs. */
    getpwuid_r(getuid(), &pw, buf, sizeof buf, &pwp);
    for (size_t m = 0; m < nmsg; m++)
        for (uint32_t i = 0; msgs[m] != NULL && i < msgs[m]->record_count;
             i++)
            if (wanted(&msgs[m]->job_array[i], ids, nids))
                rec_from(&recs[n++], &msgs[m]->job_array[i],
                         pwp != NULL ? pwp->pw_name : NULL);
    rc = fn(arg, n > 0 ? recs : NULL, n);
    free(recs);
    return rc;
}

/*
 * The wanted jobs in as few requests as their number allows.  A few are
 * loaded one by one (slurm_load_job: the controller finds each by id);
 * more, with one slurm_load_job_user, whose cost follows the user's jobs
 * in the queue, not the whole queue, filtered here.  Beyond
 * LIST_BY_ID_MAX single loads (about 1 ms each) one listing is cheaper
 * even for a user with 50k queued jobs (bench/scale.sh).  SHOW_DETAIL is
 * left out of the listing: the state, exit code and comment (the key)
 * come without it, and the details double the controller's work.
 */
#define LIST_BY_ID_MAX 16

static hpcl_rc slurm_list(struct hpcl__site *site, hpcl_ctx *ctx,
                          const uint32_t *ids, size_t nids,
                          hpcl__jobrec_fn fn, void *arg)
{
    job_info_msg_t **msgs;
    size_t nmsg = nids <= LIST_BY_ID_MAX ? nids : 1;
    hpcl_rc rc;
    int r = 0, e = 0;

    if (nids == 0)
        return fn(arg, NULL, 0);
    if ((rc = enter(site, ctx)) != HPCL_OK)
        return rc;
    if ((msgs = calloc(nmsg, sizeof *msgs)) == NULL) {
        leave(site, 1);
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < nmsg && r == 0; k++) {
        if (nids > LIST_BY_ID_MAX)
            r = slurm_load_job_user(&msgs[k], getuid(), 0);
        else if ((r = slurm_load_job(&msgs[k], ids[k], SHOW_DETAIL)) != 0 &&
                 call_errno(r) == ESLURM_INVALID_JOB_ID)
            r = 0; /* forgotten: absent from the list */
        if (r != 0)
            e = call_errno(r);
    }
    if (r == 0)
        rc = deliver_wanted(ctx, msgs, nmsg, ids, nids, fn, arg);
    else
        rc = rpc_fail(site, ctx, nids > LIST_BY_ID_MAX ? "slurm_load_job_user"
                                                       : "slurm_load_job",
                      e, 0, "the user's jobs");
    for (size_t k = 0; k < nmsg; k++)
        slurm_free_job_info_msg(msgs[k]);
    free(msgs);
    leave(site, r == 0 || !(hpcl__se_no_contact(e) || hpcl__se_answer_lost(e)));
    return rc;
}

static hpcl_rc slurm_cancel(struct hpcl__site *site, hpcl_ctx *ctx,
                            uint32_t id, uint32_t task, const char *ref)
{
    char what[HPCL__REF_MAX + 8], sid[32];
    hpcl_rc rc;
    int r, e = 0;

    if ((rc = enter(site, ctx)) != HPCL_OK)
        return rc;
    if (task == HPCL__NO_TASK) {
        r = slurm_kill_job(id, SIGKILL, 0);
    } else {
        snprintf(sid, sizeof sid, "%" PRIu32 "_%" PRIu32, id, task);
        r = slurm_kill_job2(sid, SIGKILL, 0, NULL);
    }
    if (r != 0)
        e = call_errno(r);
    snprintf(what, sizeof what, "job %s", ref);
    /* Cancelling a job that has ended already is what was asked. */
    if (r == 0 || e == ESLURM_ALREADY_DONE)
        rc = HPCL_OK;
    else if (e == ESLURM_INVALID_JOB_ID)
        rc = hpcl__fail(ctx, HPCL_E_NOJOB, "job %s not found (it may have "
                        "ended more than MinJobAge ago)", ref);
    else
        rc = rpc_fail(site, ctx, "slurm_kill_job", e, 1, what);
    leave(site, r == 0 || !(hpcl__se_no_contact(e) || hpcl__se_answer_lost(e)));
    return rc;
}

/* --- probe ----------------------------------------------------------- */

static hpcl_rc will_run_fail(struct hpcl__site *site, hpcl_ctx *ctx,
                             const struct hpcl__jobdesc *d, int e)
{
    char what[320];

    if (e == ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE ||
        e == ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE)
        return hpcl__fail(ctx, HPCL_E_SLURM, "slurm_job_will_run2: %s: the "
                          "job can never run in partition '%s' on site %s "
                          "(it asks for more nodes, CPUs, memory or GPUs "
                          "than the partition has)", slurm_strerror(e),
                          part_name(d), site_name(site));
    submit_what(what, sizeof what, e, d);
    return rpc_fail(site, ctx, "slurm_job_will_run2", e, 0, what);
}

static const partition_info_t *find_part(const partition_info_msg_t *m,
                                         const char *name)
{
    for (uint32_t i = 0; i < m->record_count; i++) {
        const partition_info_t *p = &m->partition_array[i];
        if (name != NULL ? strcmp(p->name, name) == 0
                         : (p->flags & PART_FLAG_DEFAULT) != 0)
            return p;
    }
    return NULL;
}

/* Idle: nothing allocated and nothing keeping new work away. */
static int node_idle(uint32_t state)
{
    const uint32_t away = NODE_STATE_DRAIN | NODE_STATE_COMPLETING |
                          NODE_STATE_NO_RESPOND | NODE_STATE_POWERED_DOWN |
                          NODE_STATE_POWERING_UP | NODE_STATE_FAIL |
                          NODE_STATE_MAINT | NODE_STATE_RES;

    return (state & NODE_STATE_BASE) == NODE_STATE_IDLE && !(state & away);
}

/* node_inx: pairs of first-last indexes into the node table, ending -1. */
static unsigned count_idle(const partition_info_t *p,
                           const node_info_msg_t *nodes)
{
    unsigned idle = 0;

    for (int k = 0; p->node_inx != NULL && p->node_inx[k] >= 0; k += 2)
        for (int32_t i = p->node_inx[k]; i <= p->node_inx[k + 1]; i++)
            if ((uint32_t)i < nodes->record_count &&
                nodes->node_array[i].name != NULL &&
                node_idle(nodes->node_array[i].node_state))
                idle++;
    return idle;
}

/*
 * Three reads, each one RPC whose size follows the partitions and nodes,
 * not the queue: partitions, nodes, and slurmctld's own statistics (what
 * sdiag prints), whose jobs_pending counter is the pending jobs of the
 * whole cluster.  slurm_load_jobs() would give them per partition, but
 * it packs every job of the site: 66 ms and a reply that grows with the
 * queue at 8,000 jobs (issue 11), and libslurm has no server-side filter
 * by partition or state.  will-run (slurm_probe) weighs the partition's
 * own queue already; the count is the queue length shown beside it.
 */
static hpcl_rc queue_figures(struct hpcl__site *site, hpcl_ctx *ctx,
                             struct hpcl_probe *probe)
{
    partition_info_msg_t *parts = NULL;
    node_info_msg_t *nodes = NULL;
    stats_info_response_msg_t *stats = NULL;
    stats_info_request_msg_t req = {.command_id = STAT_COMMAND_GET};
    const partition_info_t *p = NULL;
    hpcl_rc rc = HPCL_OK;

    if (slurm_load_partitions(0, &parts, SHOW_ALL) != 0)
        rc = rpc_fail(site, ctx, "slurm_load_partitions", call_errno(-1),
                      0, "partitions");
    else if ((p = find_part(parts, probe->partition)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_SLURM, "partition '%s' not found on "
                        "site %s", probe->partition ? probe->partition
                                                    : "(default)",
                        site_name(site));
    else if (probe->partition == NULL &&
             (probe->partition = strdup(p->name)) == NULL)
        rc = hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    else if (slurm_load_node(0, &nodes, SHOW_ALL) != 0)
        rc = rpc_fail(site, ctx, "slurm_load_node", call_errno(-1), 0,
                      "nodes");
    else if (slurm_get_statistics(&stats, &req) != 0 || stats == NULL)
        rc = rpc_fail(site, ctx, "slurm_get_statistics", call_errno(-1), 0,
                      "the controller's statistics");
    if (rc == HPCL_OK) {
        probe->total_nodes = p->total_nodes;
        probe->idle_nodes = count_idle(p, nodes);
        probe->pending_jobs = stats->jobs_pending;
    }
    if (stats != NULL)
        slurm_free_stats_response_msg(stats);
    slurm_free_node_info_msg(nodes);
    slurm_free_partition_info_msg(parts);
    return rc;
}

static hpcl_rc take_will_run(hpcl_ctx *ctx, const will_run_response_msg_t *w,
                             const struct hpcl__jobdesc *d,
                             struct hpcl_probe *probe)
{
    const char *part = w->part_name != NULL ? w->part_name : d->partition;

    probe->start_time = w->start_time;
    if ((w->node_list != NULL &&
         (probe->nodelist = strdup(w->node_list)) == NULL) ||
        (part != NULL && (probe->partition = strdup(part)) == NULL))
        return hpcl__fail(ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

static hpcl_rc slurm_probe(struct hpcl__site *site, hpcl_ctx *ctx,
                           const struct hpcl__jobdesc *d,
                           struct hpcl_probe *probe)
{
    job_desc_msg_t j;
    will_run_response_msg_t *w = NULL;
    struct tres_text t;
    hpcl_rc rc;
    int r, e = 0;

    desc_fill(&j, d, &t);
    if ((rc = enter(site, ctx)) != HPCL_OK)
        return rc;
    r = slurm_job_will_run2(&j, &w);
    if (r != 0) {
        e = call_errno(r);
        rc = will_run_fail(site, ctx, d, e);
    } else if (w == NULL) {
        rc = hpcl__fail(ctx, HPCL_E_SLURM, "slurm_job_will_run2: no answer");
    } else {
        rc = take_will_run(ctx, w, d, probe);
    }
    if (w != NULL)
        slurm_free_will_run_response_msg(w);
    if (rc == HPCL_OK)
        rc = queue_figures(site, ctx, probe);
    leave(site, r == 0 || !(hpcl__se_no_contact(e) || hpcl__se_answer_lost(e)));
    return rc;
}

/* --- find a job by its key ------------------------------------------- */

static hpcl_rc key_in(const job_info_msg_t *msg, const char *key,
                      uint32_t *id)
{
    char found[HPCL__KEY_LEN + 1];

    for (uint32_t i = 0; i < msg->record_count; i++) {
        const slurm_job_info_t *j = &msg->job_array[i];
        if (hpcl__key_from_comment(found, j->comment) &&
            strcmp(found, key) == 0) {
            /* An array's records share the key: name the array job. */
            *id = j->array_job_id != 0 ? j->array_job_id : j->job_id;
            return HPCL_OK;
        }
    }
    return HPCL_E_NOJOB;
}

static hpcl_rc slurm_find_key(struct hpcl__site *site, hpcl_ctx *ctx,
                              const char *key, uint32_t *id)
{
    job_info_msg_t *msg = NULL;
    hpcl_rc rc;
    int r, e = 0;

    if ((rc = enter(site, ctx)) != HPCL_OK)
        return rc;
    r = slurm_load_jobs(0, &msg, SHOW_ALL);
    if (r != 0) {
        e = call_errno(r);
        rc = rpc_fail(site, ctx, "slurm_load_jobs", e, 0, "jobs");
    } else if ((rc = key_in(msg, key, id)) == HPCL_E_NOJOB) {
        rc = hpcl__fail(ctx, HPCL_E_NOJOB, "no job with key %s at site %s",
                        key, site_name(site));
    }
    slurm_free_job_info_msg(msg);
    leave(site, r == 0 || !(hpcl__se_no_contact(e) || hpcl__se_answer_lost(e)));
    return rc;
}

/* --- the operations ------------------------------------------------- */

/* The helper frees the guard state itself: no close here. */
const struct hpcl__backend_ops hpcl__slurm_lib_ops = {
    .driver = "slurm",
    .submit = slurm_submit,
    .query = slurm_query,
    .list = slurm_list,
    .cancel = slurm_cancel,
    .probe = slurm_probe,
    .find_key = slurm_find_key,
    .close = NULL,
};
