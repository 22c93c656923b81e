/*
 * Folding a backend's job records into the handle: one state, reason,
 * node list, exit code, signal and output paths, also for an array job
 * whose tasks each have their own record (kept one by one too); and the
 * public getters of what was folded.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/jobkey.h"
#include "job/job-internal.h"

void hpcl__jobinfo_clear(struct hpcl__jobinfo *info)
{
    free(info->reason);
    free(info->nodelist);
    free(info->out_path);
    free(info->err_path);
    for (size_t i = 0; i < info->ntasks; i++) {
        free(info->tasks[i].ref);
        free(info->tasks[i].nodelist);
        free(info->tasks[i].reason);
    }
    free(info->tasks);
    memset(info, 0, sizeof *info);
    info->exit_code = -1;
    info->term_signal = -1;
}

/* How Slurm shows %a for a job that is not an array task (NO_VAL). */
#define NOT_A_TASK "4294967294"

/* One %x field; returns 0 when spec is not a field we know. */
static int put_field(FILE *f, char spec, int width,
                     const struct hpcl__jobrec *r)
{
    uint32_t num;

    switch (spec) {
    case 'j':
    case 'J':
        num = r->job_id;
        break;
    case 'A':
        num = r->array_job_id != 0 ? r->array_job_id : r->job_id;
        break;
    case 'a':
        if (r->array_task_id == HPCL__NO_TASK) {
            fputs(NOT_A_TASK, f);
            return 1;
        }
        num = r->array_task_id;
        break;
    case 'n':
    case 't':
        num = 0; /* the batch script is task 0 on node 0 */
        break;
    case 'x':
    case 'u':
    case 'N': {
        const char *s = spec == 'x' ? r->name
                        : spec == 'u' ? r->user : r->batch_host;
        if (s == NULL || s[0] == '\0')
            return 0; /* not known yet: leave the field as it is */
        fputs(s, f);
        return 1;
    }
    default:
        return 0;
    }
    fprintf(f, "%0*" PRIu32, width, num);
    return 1;
}

/* Slurm's rule: a pattern with a backslash is taken literally, minus the
 * backslashes. */
static void put_literal(FILE *f, const char *p)
{
    for (; *p != '\0'; p++)
        if (*p != '\\' || p[1] == '\\')
            fputc(*p == '\\' ? *++p : *p, f);
}

static void put_expanded(FILE *f, const char *p,
                         const struct hpcl__jobrec *r)
{
    while (*p != '\0') {
        const char *start = p;
        int width = 0;

        if (*p != '%') {
            fputc(*p++, f);
            continue;
        }
        p++;
        while (*p >= '0' && *p <= '9' && width < 100)
            width = width * 10 + (*p++ - '0');
        if (*p == '%' && p == start + 1) {
            fputc('%', f);
            p++;
        } else if (*p != '\0' && put_field(f, *p, width, r)) {
            p++;
        } else {
            fwrite(start, 1, (size_t)(p - start), f);
        }
    }
}

/* The file name a stdio pattern gives for record r (malloc'd), or NULL
 * when out of memory. */
HPCL_STATIC char *hpcl__expand_path(const char *pattern,
                                    const struct hpcl__jobrec *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int bad;

    if (f == NULL)
        return NULL;
    if (pattern[0] != '/' && r->work_dir != NULL && r->work_dir[0] != '\0')
        fprintf(f, "%s/", r->work_dir);
    if (strchr(pattern, '\\') != NULL)
        put_literal(f, pattern);
    else
        put_expanded(f, pattern, r);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Order used to fold array tasks: any active task makes the job active,
 * otherwise the worst ending wins. */
static int rank(hpcl_state s)
{
    switch (s) {
    case HPCL_STATE_RUNNING:
        return 6;
    case HPCL_STATE_PENDING:
        return 5;
    case HPCL_STATE_FAILED:
        return 4;
    case HPCL_STATE_TIMEOUT:
        return 3;
    case HPCL_STATE_CANCELLED:
        return 2;
    case HPCL_STATE_COMPLETED:
        return 1;
    case HPCL_STATE_UNKNOWN:
        break;
    }
    return 0;
}

/* Is task in a Slurm task list such as "0,2-7:2%4"?  The "%4" throttle
 * is not part of the set. */
static int task_in_list(const char *list, uint32_t task)
{
    while (list != NULL && *list >= '0' && *list <= '9') {
        char *end;
        unsigned long lo = strtoul(list, &end, 10), hi = lo, step = 1;
        if (*end == '-')
            hi = strtoul(end + 1, &end, 10);
        if (*end == ':')
            step = strtoul(end + 1, &end, 10);
        if (task >= lo && task <= hi && step > 0 && (task - lo) % step == 0)
            return 1;
        if (*end != ',')
            break;
        list = end + 1;
    }
    return 0;
}

/* The first task of a list, for naming the files of a pending rest. */
static uint32_t first_task(const char *list)
{
    return list != NULL && *list >= '0' && *list <= '9'
               ? (uint32_t)strtoul(list, NULL, 10)
               : HPCL__NO_TASK;
}

static int selected(const hpcl_job *job, const struct hpcl__jobrec *r)
{
    if (job->task == HPCL__NO_TASK || r->array_task_id == job->task)
        return 1;
    /* A task still pending is inside the record for the pending rest. */
    return r->array_task_id == HPCL__NO_TASK &&
           task_in_list(r->array_tasks, job->task);
}

static char *reason_of(const struct hpcl__jobrec *r)
{
    const char *why = r->reason, *desc = r->reason_desc;
    size_t len;
    char *s;

    if (why != NULL && strcmp(why, "None") == 0)
        why = NULL;
    if (desc != NULL && desc[0] == '\0')
        desc = NULL;
    len = (why ? strlen(why) : 0) + (desc ? strlen(desc) : 0) + 3;
    if ((s = malloc(len)) != NULL)
        snprintf(s, len, "%s%s%s", why ? why : "", why && desc ? ": " : "",
                 desc ? desc : "");
    return s;
}

/* Append nodes to the comma-separated list in f unless already there. */
static void add_nodes(FILE *f, char **seen, size_t *nseen, const char *nodes)
{
    if (nodes == NULL || nodes[0] == '\0')
        return;
    for (size_t i = 0; i < *nseen; i++)
        if (strcmp(seen[i], nodes) == 0)
            return;
    seen[(*nseen)++] = (char *)nodes;
    fprintf(f, "%s%s", *nseen > 1 ? "," : "", nodes);
}

struct fold {
    const struct hpcl__jobrec *lead;  /* decides state and reason */
    const struct hpcl__jobrec *first; /* lowest task: names the files */
    const struct hpcl__jobrec *worst; /* highest exit code: gives it and
                                       * its signal */
    size_t used;
};

static void fold_one(struct fold *fo, const struct hpcl__jobrec *r)
{
    fo->used++;
    if (fo->lead == NULL || rank(r->state) > rank(fo->lead->state))
        fo->lead = r;
    if (fo->first == NULL || r->array_task_id < fo->first->array_task_id)
        fo->first = r;
    if (fo->worst == NULL || r->exit_code > fo->worst->exit_code)
        fo->worst = r;
}

/* The file a pattern names for record r, or for one task of the pending
 * rest that r stands for; the default pattern is sbatch's. */
static char *path_of(const hpcl_job *job, const struct hpcl__jobrec *r,
                     const char *pattern)
{
    struct hpcl__jobrec one = *r;

    if (r->array_task_id == HPCL__NO_TASK && r->array_tasks != NULL)
        one.array_task_id = job->task != HPCL__NO_TASK
                                ? job->task
                                : first_task(r->array_tasks);
    if (pattern == NULL || pattern[0] == '\0')
        pattern = r->array_job_id != 0 ? "slurm-%A_%a.out" : "slurm-%j.out";
    return hpcl__expand_path(pattern, &one);
}

static hpcl_rc fill_info(hpcl_job *job, const struct fold *fo,
                         struct hpcl__jobinfo *info)
{
    const struct hpcl__jobrec *r = fo->first;

    info->state = fo->lead->state;
    /* A task cancelled before it ran has no code: 0, as Slurm shows. */
    info->exit_code = !hpcl_state_is_terminal(info->state) ? -1
                      : fo->worst->exit_code > 0 ? fo->worst->exit_code
                                                 : 0;
    info->term_signal = !hpcl_state_is_terminal(info->state) ? -1
                        : fo->worst->exit_code > 0
                            ? fo->worst->term_signal
                            : 0;
    info->reason = reason_of(fo->lead);
    info->out_path = path_of(job, r, r->std_out);
    info->err_path = path_of(job, r, r->std_err != NULL ? r->std_err
                                                        : r->std_out);
    if (info->reason == NULL || info->out_path == NULL ||
        info->err_path == NULL)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

static hpcl_rc collect_nodes(hpcl_job *job, const struct hpcl__jobrec *recs,
                             size_t n, struct hpcl__jobinfo *info)
{
    char **seen = calloc(n + 1, sizeof *seen);
    size_t nseen = 0, len = 0;
    FILE *f = seen != NULL ? open_memstream(&info->nodelist, &len) : NULL;
    int bad;

    if (f == NULL) {
        free(seen);
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (selected(job, &recs[i]))
            add_nodes(f, seen, &nseen, recs[i].nodes);
    bad = ferror(f);
    free(seen);
    if (fclose(f) != 0 || bad)
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    return HPCL_OK;
}

static int by_task(const void *a, const void *b)
{
    const struct hpcl__jobrec *x = *(const struct hpcl__jobrec *const *)a;
    const struct hpcl__jobrec *y = *(const struct hpcl__jobrec *const *)b;

    /* The pending rest (HPCL__NO_TASK, the highest) comes last. */
    return x->array_task_id < y->array_task_id   ? -1
           : x->array_task_id > y->array_task_id ? 1
                                                 : 0;
}

/* One task's reference: "SITE:42_3", or "SITE:42_[4-9]" for the tasks
 * still pending (Slurm's list without its "%N" throttle). */
static char *task_ref(const hpcl_job *job, const struct hpcl__jobrec *r)
{
    const char *colon = strchr(job->ref, ':');
    int site = colon != NULL ? (int)(colon - job->ref + 1) : 0;
    uint32_t array = r->array_job_id != 0 ? r->array_job_id : r->job_id;
    char *s = NULL;
    int len;

    if (r->array_task_id != HPCL__NO_TASK)
        len = asprintf(&s, "%.*s%" PRIu32 "_%" PRIu32, site, job->ref, array,
                       r->array_task_id);
    else
        len = asprintf(&s, "%.*s%" PRIu32 "_[%.*s]", site, job->ref, array,
                       (int)strcspn(r->array_tasks, "%"), r->array_tasks);
    return len < 0 ? NULL : s;
}

static int task_from(struct hpcl__taskinfo *t, const hpcl_job *job,
                     const struct hpcl__jobrec *r)
{
    t->state = r->state;
    t->exit_code = hpcl_state_is_terminal(r->state) ? r->exit_code : -1;
    t->term_signal = hpcl_state_is_terminal(r->state) ? r->term_signal : -1;
    t->ref = task_ref(job, r);
    t->nodelist = strdup(r->nodes != NULL ? r->nodes : "");
    t->reason = reason_of(r);
    return t->ref != NULL && t->nodelist != NULL && t->reason != NULL;
}

/* Every task of an array job, in index order: the whole array's state
 * says "RUNNING" while some tasks have ended, failed or still pend. */
static hpcl_rc collect_tasks(hpcl_job *job, const struct hpcl__jobrec *recs,
                             size_t n, struct hpcl__jobinfo *info)
{
    const struct hpcl__jobrec **order;
    size_t k = 0;

    if (job->task != HPCL__NO_TASK)
        return HPCL_OK; /* one task named: it is the whole answer */
    for (size_t i = 0; i < n; i++)
        if (recs[i].array_job_id != 0 ||
            (recs[i].array_tasks != NULL && recs[i].array_tasks[0] != '\0'))
            k++;
    if (k == 0)
        return HPCL_OK;
    order = calloc(k, sizeof *order);
    info->tasks = calloc(k, sizeof *info->tasks);
    if (order == NULL || info->tasks == NULL) {
        free(order);
        return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
    }
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (recs[i].array_job_id != 0 ||
            (recs[i].array_tasks != NULL && recs[i].array_tasks[0] != '\0'))
            order[k++] = &recs[i];
    qsort(order, k, sizeof *order, by_task);
    for (size_t i = 0; i < k; i++)
        if (order[i]->array_task_id != HPCL__NO_TASK ||
            (order[i]->array_tasks != NULL && order[i]->array_tasks[0]))
            if (!task_from(&info->tasks[info->ntasks++], job, order[i])) {
                free(order);
                return hpcl__fail(job->ctx, HPCL_E_NOMEM, "out of memory");
            }
    free(order);
    return HPCL_OK;
}

hpcl_rc hpcl__job_absorb(void *arg, const struct hpcl__jobrec *recs,
                         size_t n)
{
    hpcl_job *job = arg;
    struct hpcl__jobinfo info = {.exit_code = -1};
    struct fold fo = {NULL, NULL, NULL, 0};
    hpcl_rc rc;

    for (size_t i = 0; i < n; i++)
        if (selected(job, &recs[i]))
            fold_one(&fo, &recs[i]);
    if (fo.used == 0 && n > 0)
        return hpcl__fail(job->ctx, HPCL_E_NOJOB, "array task %s not found "
                          "(the array job exists; the task may have been "
                          "cancelled before it started, or ended more than "
                          "MinJobAge ago)", job->ref);
    if (fo.used == 0)
        return hpcl__fail(job->ctx, HPCL_E_NOJOB, "job %s not found (it "
                          "may have ended more than MinJobAge ago)",
                          job->ref);
    if ((rc = fill_info(job, &fo, &info)) == HPCL_OK)
        rc = collect_nodes(job, recs, n, &info);
    if (rc == HPCL_OK)
        rc = collect_tasks(job, recs, n, &info);
    if (rc != HPCL_OK) {
        hpcl__jobinfo_clear(&info);
        return rc;
    }
    hpcl__jobinfo_clear(&job->info);
    job->info = info;
    return HPCL_OK;
}

/* Does every record that names a key name the job's?  A record without a
 * comment (a backend that does not report it) cannot say otherwise. */
static int same_job(const hpcl_job *job, const struct hpcl__jobrec *recs,
                    size_t n)
{
    char found[HPCL__KEY_LEN + 1];

    for (size_t i = 0; i < n; i++)
        if (recs[i].comment != NULL &&
            (!hpcl__key_from_comment(found, recs[i].comment) ||
             strcmp(found, job->key) != 0))
            return 0;
    return 1;
}

hpcl_rc hpcl__job_absorb_checked(void *arg, const struct hpcl__jobrec *recs,
                                 size_t n)
{
    hpcl_job *job = arg;

    job->other_key = job->key[0] != '\0' && !same_job(job, recs, n);
    return job->other_key ? HPCL_OK : hpcl__job_absorb(job, recs, n);
}

/* --- the public getters of what the last refresh learnt ---------------- */

int hpcl_job_signal(const hpcl_job *job)
{
    return job != NULL ? job->info.term_signal : -1;
}

size_t hpcl_job_task_count(const hpcl_job *job)
{
    return job != NULL ? job->info.ntasks : 0;
}

static const struct hpcl__taskinfo *task_at(const hpcl_job *job, size_t i)
{
    return job != NULL && i < job->info.ntasks ? &job->info.tasks[i] : NULL;
}

const char *hpcl_job_task_ref(const hpcl_job *job, size_t i)
{
    const struct hpcl__taskinfo *t = task_at(job, i);

    return t != NULL ? t->ref : "";
}

hpcl_state hpcl_job_task_state(const hpcl_job *job, size_t i)
{
    const struct hpcl__taskinfo *t = task_at(job, i);

    return t != NULL ? t->state : HPCL_STATE_UNKNOWN;
}

int hpcl_job_task_exit_code(const hpcl_job *job, size_t i)
{
    const struct hpcl__taskinfo *t = task_at(job, i);

    return t != NULL ? t->exit_code : -1;
}

int hpcl_job_task_signal(const hpcl_job *job, size_t i)
{
    const struct hpcl__taskinfo *t = task_at(job, i);

    return t != NULL ? t->term_signal : -1;
}

const char *hpcl_job_task_nodelist(const hpcl_job *job, size_t i)
{
    const struct hpcl__taskinfo *t = task_at(job, i);

    return t != NULL ? t->nodelist : "";
}

const char *hpcl_job_task_reason(const hpcl_job *job, size_t i)
{
    const struct hpcl__taskinfo *t = task_at(job, i);

    return t != NULL ? t->reason : "";
}
