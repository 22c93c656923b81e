/*
 * Waiting for jobs in the CLI: see wait_loop.h.  The library's
 * hpcl_job_wait() waits for one job and resumes its sleep after a
 * signal (a library must not take the program's signals); the tool
 * waits for many at once, shows what changes, and stops on Ctrl-C.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf; clock_gettime, pselect, sigaction */
#endif
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "wait_loop.h"

const struct cli_opt cli_progress_opts[] = {
    {OPT_PROGRESS, "progress", NULL, "print each state change on stderr "
     "(default when\nstderr is a terminal)", NULL},
    {OPT_QUIET, "quiet", NULL, "print no state changes", NULL},
    {0, NULL, NULL, NULL, NULL}};

int cli_progress_on(int asked)
{
    return asked > 0 || (asked == 0 && isatty(STDERR_FILENO));
}

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- progress lines -------------------------------------------------- */

/* What has been said of one job: its last line, and its tasks' lines. */
struct said {
    char *job;
    char **task;
    size_t ntask;
};

/* "REF STATE" and what goes with the state: the reason of a pending
 * job, the nodes of a running one, how an ended one ended. */
static char *line_of(const char *ref, hpcl_state st, const char *reason,
                     const char *nodes, int code, int sig)
{
    char end[48], *s = NULL;
    int len;

    if (st == HPCL_STATE_PENDING && reason[0] != '\0')
        len = asprintf(&s, "%s PENDING (%s)", ref, cli_text(reason));
    else if (st == HPCL_STATE_RUNNING && nodes[0] != '\0')
        len = asprintf(&s, "%s RUNNING on %s", ref, cli_text(nodes));
    else if (hpcl_state_is_terminal(st))
        len = asprintf(&s, "%s %s %s", ref, hpcl_state_name(st),
                       cli_job_end(end, sizeof end, code, sig));
    else
        len = asprintf(&s, "%s %s", ref, hpcl_state_name(st));
    return len < 0 ? NULL : s;
}

/* Print line unless it is *last; keep it as the new *last. */
static void say_job(struct said *said, char *line)
{
    if (line == NULL || (said->job != NULL && strcmp(said->job, line) == 0)) {
        free(line);
        return;
    }
    fprintf(stderr, "%s\n", line);
    free(said->job);
    said->job = line;
}

/* Print a task's line unless it was said already (tasks come and go:
 * the pending rest splits as tasks start). */
static void say_task(struct said *said, char *line)
{
    char **grown;

    if (line == NULL)
        return;
    for (size_t i = 0; i < said->ntask; i++)
        if (strcmp(said->task[i], line) == 0) {
            free(line);
            return;
        }
    fprintf(stderr, "%s\n", line);
    if ((grown = realloc(said->task, (said->ntask + 1) * sizeof *grown)) ==
        NULL) {
        free(line);
        return;
    }
    said->task = grown;
    said->task[said->ntask++] = line;
}

static void show(struct said *said, hpcl_job *job)
{
    /* A job just submitted has not been looked at yet: nothing to say. */
    if (hpcl_job_state(job) == HPCL_STATE_UNKNOWN)
        return;
    say_job(said, line_of(hpcl_job_ref(job), hpcl_job_state(job),
                          hpcl_job_reason(job), hpcl_job_nodelist(job),
                          hpcl_job_exit_code(job), hpcl_job_signal(job)));
    for (size_t i = 0; i < hpcl_job_task_count(job); i++)
        say_task(said, line_of(hpcl_job_task_ref(job, i),
                               hpcl_job_task_state(job, i),
                               hpcl_job_task_reason(job, i),
                               hpcl_job_task_nodelist(job, i),
                               hpcl_job_task_exit_code(job, i),
                               hpcl_job_task_signal(job, i)));
    fflush(stderr);
}

static void said_free(struct said *said, size_t n)
{
    for (size_t i = 0; said != NULL && i < n; i++) {
        free(said[i].job);
        for (size_t t = 0; t < said[i].ntask; t++)
            free(said[i].task[t]);
        free(said[i].task);
    }
    free(said);
}

/* --- signals --------------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
    got_signal = signo;
}

/* SIGINT and SIGTERM are blocked while the library works (a query is
 * never cut in half) and taken only while the tool sleeps: pselect()
 * unblocks them atomically, so one that came during a query is seen at
 * once rather than after the next sleep. */
struct signals {
    sigset_t old_mask, sleep_mask;
    struct sigaction old_int, old_term;
};

static void signals_take(struct signals *s)
{
    struct sigaction sa;
    sigset_t both;

    sigemptyset(&both);
    sigaddset(&both, SIGINT);
    sigaddset(&both, SIGTERM);
    sigprocmask(SIG_BLOCK, &both, &s->old_mask);
    s->sleep_mask = s->old_mask;
    sigdelset(&s->sleep_mask, SIGINT);
    sigdelset(&s->sleep_mask, SIGTERM);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    got_signal = 0;
    sigaction(SIGINT, &sa, &s->old_int);
    sigaction(SIGTERM, &sa, &s->old_term);
}

static void signals_give_back(struct signals *s)
{
    sigaction(SIGINT, &s->old_int, NULL);
    sigaction(SIGTERM, &s->old_term, NULL);
    sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
}

/* Sleep up to seconds (0: only take a signal already pending). */
static void sleep_for(const struct signals *s, double seconds)
{
    struct timespec ts;

    if (seconds < 0)
        seconds = 0;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    /* EINTR is the point: a signal ends the sleep. */
    (void)pselect(0, NULL, NULL, NULL, &ts, &s->sleep_mask);
}

/* --- the wait -------------------------------------------------------- */

/* A refresh that fails only for a while: the site did not answer (its
 * controller restarting, its slurmrestd stopped) or refused the token
 * (expired, and about to be renewed).  As sbatch --wait, the wait goes
 * on through these; any other failure ends the job's wait. */
static int passing(hpcl_rc rc)
{
    return rc == HPCL_E_UNREACHABLE || rc == HPCL_E_TIMEOUT ||
           rc == HPCL_E_AUTH;
}

static int done(hpcl_job *job, hpcl_rc rc)
{
    if (rc != HPCL_OK)
        return job == NULL || !passing(rc);
    return hpcl_state_is_terminal(hpcl_job_state(job));
}

/* Say once when a job's site stops answering, and once when it answers
 * again, whatever --quiet says: the wait looks stuck otherwise.  The
 * context keeps the last error only, so a job that has just failed is
 * asked again for its own message. */
static void say_outage(const char *cmd, hpcl_ctx *ctx, hpcl_job *job,
                       hpcl_rc *rc, unsigned char *failing)
{
    if (job == NULL || (*rc != HPCL_OK && !passing(*rc)))
        return;
    if (*rc != HPCL_OK && !*failing &&
        (*rc = hpcl_job_refresh(job)) != HPCL_OK && passing(*rc)) {
        fprintf(stderr, "hpclaunch %s: job %s: %s; still waiting for it\n",
                cmd, hpcl_job_ref(job), cli_text(hpcl_ctx_errmsg(ctx)));
        *failing = 1;
    } else if (*rc == HPCL_OK && *failing) {
        fprintf(stderr, "hpclaunch %s: job %s: its site answers again\n",
                cmd, hpcl_job_ref(job));
        *failing = 0;
    }
}

/* Refresh every job not done, each site asked once for all of its jobs
 * (hpcl_jobs_refresh). */
static void refresh_round(hpcl_job **jobs, hpcl_rc *rc, size_t n)
{
    hpcl_job **left = calloc(n + 1, sizeof *left);
    hpcl_rc *got = calloc(n + 1, sizeof *got);
    size_t m = 0;

    if (left == NULL || got == NULL) { /* job by job, then */
        for (size_t i = 0; i < n; i++)
            if (!done(jobs[i], rc[i]))
                rc[i] = hpcl_job_refresh(jobs[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!done(jobs[i], rc[i]))
                left[m++] = jobs[i];
        hpcl_jobs_refresh(left, m, got, 0);
        for (size_t i = 0, k = 0; i < n && k < m; i++)
            if (jobs[i] == left[k])
                rc[i] = got[k++];
    }
    free(left);
    free(got);
}

enum cli_wait_end cli_wait_jobs(const char *cmd, hpcl_ctx *ctx,
                                hpcl_job **jobs, hpcl_rc *rc, size_t n,
                                double deadline, int progress, int *signo)
{
    struct said *said = progress ? calloc(n, sizeof *said) : NULL;
    unsigned char *failing = calloc(n + 1, 1);
    enum cli_wait_end end;
    struct signals sig;
    /* As hpcl_job_wait(3): quick jobs are seen at once, long ones cost
     * the controller one query every 2 s. */
    double delay = 0.2;

    signals_take(&sig);
    for (;;) {
        size_t left = 0;
        double now;

        sleep_for(&sig, 0);
        if (got_signal != 0) {
            *signo = got_signal;
            end = CLI_WAIT_INTERRUPTED;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (failing != NULL)
                say_outage(cmd, ctx, jobs[i], &rc[i], &failing[i]);
            if (said != NULL && rc[i] == HPCL_OK)
                show(&said[i], jobs[i]);
            left += !done(jobs[i], rc[i]);
        }
        now = cli_now();
        if (left == 0 || (deadline > 0 && now >= deadline)) {
            end = left == 0 ? CLI_WAIT_ENDED : CLI_WAIT_DEADLINE;
            break;
        }
        sleep_for(&sig, deadline > 0 && deadline - now < delay
                            ? deadline - now
                            : delay);
        if (got_signal == 0)
            refresh_round(jobs, rc, n);
        delay = delay * 1.5 < 2.0 ? delay * 1.5 : 2.0;
    }
    signals_give_back(&sig);
    said_free(said, n);
    free(failing);
    return end;
}

/* A word for a shell: as it is when it is safe, else in single quotes. */
static void put_word(FILE *f, const char *w)
{
    if (w[0] != '\0' &&
        strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_-+=.,/:@%") == strlen(w)) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (; *w != '\0'; w++)
        if (*w == '\'')
            fputs("'\\''", f);
        else
            fputc(*w, f);
    fputc('\'', f);
}

int cli_wait_interrupted(const char *cmd, hpcl_job **jobs, size_t n,
                         int signo)
{
    fprintf(stderr, "hpclaunch %s: %s: stopped waiting\n", cmd,
            signo == SIGINT ? "interrupted" : "terminated");
    for (size_t i = 0; i < n; i++) {
        hpcl_state st = hpcl_job_state(jobs[i]);

        if (jobs[i] == NULL || hpcl_job_ref(jobs[i]) == NULL ||
            hpcl_state_is_terminal(st))
            continue;
        fprintf(stderr, "hpclaunch %s: job %s keeps running (%s at its "
                "site); to cancel it: hpclaunch cancel ", cmd,
                hpcl_job_ref(jobs[i]), hpcl_state_name(st));
        if (cli_conf != NULL) {
            fputs("--conf ", stderr);
            put_word(stderr, cli_conf);
            fputc(' ', stderr);
        }
        put_word(stderr, hpcl_job_ref(jobs[i]));
        fputc('\n', stderr);
    }
    return 128 + signo;
}
