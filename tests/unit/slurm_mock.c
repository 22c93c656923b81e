/*
 * Fault injection for the libslurm helper (tests/unit/hpclaunch-slurm-mock,
 * the helper linked with -Wl,--wrap for these calls).  The test writes
 * what to do in the file $HPCL_MOCK_CONF, read again at every call so
 * that one helper can be steered through several cases:
 *
 *   errno=N      submit, load_job(s) and will_run fail with Slurm error N;
 *                without it, load_jobs lists no job
 *   resp=N       submit succeeds (job 77) with warning code N
 *   job_id=N     submit succeeds with job id N (not 77); job_id=none:
 *                returns 0 without a response
 *   crash=NAME   the call NAME (submit, load_job) kills the helper (SIGSEGV)
 *   sleep_ms=N   submit and will_run take N ms first
 *   log=TEXT     every wrapped call first writes the line TEXT to stderr,
 *                as libslurm logs (e.g. a version mismatch)
 *
 * and each wrapped call appends a line to $HPCL_MOCK_LOG ("load_job
 * SLURM_CONF=...", "kill 77", ...).  Without $HPCL_MOCK_CONF the calls go
 * to libslurm.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <slurm/slurm.h>

struct mock {
    int on;
    int err;
    uint32_t resp;
    long job_id; /* -1: no response at all */
    char crash[32];
    long sleep_ms;
    char log[512];
};

int __real_slurm_submit_batch_job(job_desc_msg_t *, submit_response_msg_t **);
int __real_slurm_kill_job(uint32_t, uint16_t, uint16_t);
int __real_slurm_load_job(job_info_msg_t **, uint32_t, uint16_t);
int __real_slurm_job_will_run2(job_desc_msg_t *, will_run_response_msg_t **);
int __real_slurm_load_jobs(time_t, job_info_msg_t **, uint16_t);
void __real_slurm_free_submit_response_response_msg(submit_response_msg_t *);
void __real_slurm_free_job_info_msg(job_info_msg_t *);

static submit_response_msg_t fake_resp;
static job_info_msg_t fake_jobs; /* no job at all */

static struct mock mock_read(void)
{
    struct mock m = {.job_id = 77};
    const char *path = getenv("HPCL_MOCK_CONF");
    FILE *f = path != NULL ? fopen(path, "r") : NULL;
    char line[600];

    if (f == NULL)
        return m;
    m.on = 1;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "errno=", 6) == 0)
            m.err = atoi(line + 6);
        else if (strncmp(line, "resp=", 5) == 0)
            m.resp = (uint32_t)atoi(line + 5);
        else if (strncmp(line, "job_id=", 7) == 0)
            m.job_id = strcmp(line + 7, "none") == 0 ? -1 : atol(line + 7);
        else if (strncmp(line, "crash=", 6) == 0)
            snprintf(m.crash, sizeof m.crash, "%.31s", line + 6);
        else if (strncmp(line, "sleep_ms=", 9) == 0)
            m.sleep_ms = atol(line + 9);
        else if (strncmp(line, "log=", 4) == 0)
            snprintf(m.log, sizeof m.log, "%.511s", line + 4);
    }
    fclose(f);
    return m;
}

static void mock_log(const char *what, const char *detail)
{
    const char *path = getenv("HPCL_MOCK_LOG");
    FILE *f = path != NULL ? fopen(path, "a") : NULL;

    if (f == NULL)
        return;
    fprintf(f, "%s %s\n", what, detail);
    fclose(f);
}

/* The common part of every wrapped call: log it, then crash or wait as
 * told. */
static struct mock mock_enter(const char *name, const char *detail)
{
    struct mock m = mock_read();
    struct timespec ts;

    if (!m.on)
        return m;
    mock_log(name, detail);
    if (m.log[0] != '\0')
        fprintf(stderr, "%s\n", m.log);
    if (strcmp(m.crash, name) == 0)
        raise(SIGSEGV);
    ts.tv_sec = m.sleep_ms / 1000;
    ts.tv_nsec = (m.sleep_ms % 1000) * 1000000L;
    while (m.sleep_ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return m;
}

int __wrap_slurm_submit_batch_job(job_desc_msg_t *d,
                                  submit_response_msg_t **resp)
{
    struct mock m = mock_enter("submit", d->comment ? d->comment : "-");

    if (!m.on)
        return __real_slurm_submit_batch_job(d, resp);
    if (m.err != 0) {
        errno = m.err;
        return -1;
    }
    fake_resp.job_id = (uint32_t)m.job_id;
    fake_resp.error_code = m.resp;
    *resp = m.job_id >= 0 ? &fake_resp : NULL;
    return 0;
}

void __wrap_slurm_free_submit_response_response_msg(submit_response_msg_t *m)
{
    if (m != &fake_resp)
        __real_slurm_free_submit_response_response_msg(m);
}

int __wrap_slurm_kill_job(uint32_t id, uint16_t sig, uint16_t flags)
{
    char detail[32];
    struct mock m;

    snprintf(detail, sizeof detail, "%u", id);
    if (!(m = mock_enter("kill", detail)).on)
        return __real_slurm_kill_job(id, sig, flags);
    return 0;
}

int __wrap_slurm_load_job(job_info_msg_t **msg, uint32_t id, uint16_t show)
{
    const char *c = getenv("SLURM_CONF");
    char detail[4200];
    struct mock m;

    snprintf(detail, sizeof detail, "SLURM_CONF=%s", c ? c : "");
    if (!(m = mock_enter("load_job", detail)).on)
        return __real_slurm_load_job(msg, id, show);
    *msg = NULL;
    errno = m.err;
    return -1;
}

int __wrap_slurm_job_will_run2(job_desc_msg_t *d,
                               will_run_response_msg_t **resp)
{
    struct mock m = mock_enter("will_run", "-");

    if (!m.on || m.err == 0)
        return __real_slurm_job_will_run2(d, resp);
    errno = m.err;
    return -1;
}

int __wrap_slurm_load_jobs(time_t since, job_info_msg_t **msg, uint16_t show)
{
    struct mock m = mock_enter("load_jobs", "-");

    if (!m.on)
        return __real_slurm_load_jobs(since, msg, show);
    *msg = NULL;
    if (m.err != 0) {
        errno = m.err;
        return -1;
    }
    memset(&fake_jobs, 0, sizeof fake_jobs);
    *msg = &fake_jobs;
    return 0;
}

void __wrap_slurm_free_job_info_msg(job_info_msg_t *msg)
{
    if (msg != &fake_jobs)
        __real_slurm_free_job_info_msg(msg);
}
