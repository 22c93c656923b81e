/*
 * hpclaunch jobs over many journal entries, against fake drivers that
 * count their requests: one list request per site (no query per job),
 * the journal events of one listing written with one sync, the filters.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpcl_test.h"
#include "job/job-internal.h"
#include "submit/journal.h"
#include "registry/registry.h"

int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
static int sync_calls;

int __wrap_fdatasync(int fd)
{
    (void)fd;
    sync_calls++;
    return 0;
}

#define NJOBS 300 /* per site */

struct fake {
    int lists, queries;
    size_t nids;    /* of the last list request: the ids it named, */
    int ids_sorted; /* sorted, each once, all journaled ones (1000+i) */
    hpcl_state state[NJOBS]; /* of job id 1000 + i */
    int signal[NJOBS];       /* that ended it, 0 none */
    char comment[NJOBS][64];
};
static struct fake fakes[2];

static hpcl_rc f_list(struct hpcl__site *s, hpcl_ctx *ctx,
                      const uint32_t *ids, size_t nids, hpcl__jobrec_fn fn,
                      void *arg)
{
    struct fake *f = s->state;
    struct hpcl__jobrec *r = calloc(NJOBS + 1, sizeof *r);
    hpcl_rc rc;

    (void)ctx;
    f->lists++;
    f->nids = nids;
    f->ids_sorted = 1;
    for (size_t k = 0; k < nids; k++)
        f->ids_sorted &= ids[k] >= 1000 && ids[k] < 1000 + NJOBS &&
                         (k == 0 || ids[k - 1] < ids[k]);
    for (int i = 0; i < NJOBS; i++) { /* in reverse: the order is free */
        struct hpcl__jobrec *x = &r[NJOBS - 1 - i];
        x->job_id = 1000 + (uint32_t)i;
        x->array_task_id = HPCL__NO_TASK;
        x->state = f->state[i];
        x->exit_code = !hpcl_state_is_terminal(x->state) ? -1
                       : f->signal[i] > 0 ? 128 + f->signal[i]
                                          : 0;
        x->term_signal = hpcl_state_is_terminal(x->state) ? f->signal[i] : -1;
        x->comment = f->comment[i];
    }
    /* Another user's job, which no entry names. */
    r[NJOBS] = (struct hpcl__jobrec){.job_id = 5, .state = HPCL_STATE_RUNNING,
                                     .array_task_id = HPCL__NO_TASK,
                                     .exit_code = -1};
    rc = fn(arg, r, NJOBS + 1);
    free(r);
    return rc;
}

static hpcl_rc f_query(struct hpcl__site *s, hpcl_ctx *ctx, uint32_t id,
                       const char *ref, hpcl__jobrec_fn fn, void *arg)
{
    struct fake *f = s->state;

    (void)id;
    (void)fn;
    (void)arg;
    f->queries++;
    return hpcl__fail(ctx, HPCL_E_NOJOB, "job %s not found", ref);
}

static void f_close(struct hpcl__site *s)
{
    (void)s;
}

static const struct hpcl__backend_ops fake_ops = {
    .driver = "fake", .list = f_list, .query = f_query, .close = f_close};

struct fx {
    char dir[64];
    char journal[128];
    hpcl_ctx *ctx;
    char key[2][NJOBS][HPCL__KEY_LEN + 1];
};

static const char site_file[] =
    "[defaults]\nhome = alpha\n"
    "[site alpha]\ndriver = slurmrestd\nurl = https://alpha.invalid\n"
    "token_env = ALPHA_TKN\n"
    "[site beta]\ndriver = slurmrestd\nurl = https://beta.invalid\n"
    "token_env = BETA_TKN\n";

static int setup(void **state)
{
    static const char *const sites[2] = {"alpha", "beta"};
    struct fx *x = calloc(1, sizeof *x);
    struct hpcl__journal *j = NULL;
    struct hpcl__jrec *recs = calloc(2 * NJOBS, sizeof *recs);
    char path[128];
    FILE *f;

    strcpy(x->dir, "/tmp/hpcl-jobslist-XXXXXX");
    if (recs == NULL || mkdtemp(x->dir) == NULL ||
        hpcl_ctx_create(&x->ctx, 0) != HPCL_OK)
        return -1;
    snprintf(x->journal, sizeof x->journal, "%s/journal", x->dir);
    setenv("HPCLAUNCH_JOURNAL", x->journal, 1);
    snprintf(path, sizeof path, "%s/hpclaunch.conf", x->dir);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    fputs(site_file, f);
    fclose(f);
    if (hpcl_ctx_load_sites(x->ctx, path, 0) != HPCL_OK)
        return -1;
    memset(fakes, 0, sizeof fakes);
    if (hpcl__journal_open(&j, x->ctx, x->journal) != HPCL_OK)
        return -1;
    for (int s = 0; s < 2; s++) {
        x->ctx->slots[s].site.ops = &fake_ops;
        x->ctx->slots[s].site.state = &fakes[s];
        for (int i = 0; i < NJOBS; i++) {
            if (hpcl__key_new(x->key[s][i], x->ctx) != HPCL_OK)
                return -1;
            snprintf(fakes[s].comment[i], sizeof fakes[s].comment[i],
                     "hpcl-key=%s", x->key[s][i]);
            fakes[s].state[i] = HPCL_STATE_PENDING;
            recs[s * NJOBS + i] = (struct hpcl__jrec){
                HPCL__J_SUBMITTED, x->key[s][i], sites[s],
                1000 + (uint64_t)i, NULL};
        }
    }
    if (hpcl__journal_append(j, x->ctx, recs, 2 * NJOBS) != HPCL_OK)
        return -1;
    hpcl__journal_close(j);
    free(recs);
    sync_calls = 0;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    char cmd[128];

    for (size_t i = 0; i < 2; i++)
        x->ctx->slots[i].site.ops = NULL; /* not ours to close */
    hpcl_ctx_destroy(x->ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    free(x);
    return system(cmd) == 0 ? 0 : -1;
}

static size_t count(const char *text, const char *part)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, part)) != NULL; p++)
        n++;
    return n;
}

/* 600 entries at two sites: two requests in all, none per job. */
static void jobs_one_request_per_site(void **state)
{
    struct fx *x = *state;
    char *json = NULL;

    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_int_equal(fakes[0].lists, 1);
    assert_int_equal(fakes[1].lists, 1);
    assert_int_equal(fakes[0].nids, NJOBS); /* the site's entries, named */
    assert_int_equal(fakes[1].nids, NJOBS);
    assert_true(fakes[0].ids_sorted && fakes[1].ids_sorted);
    assert_int_equal(fakes[0].queries + fakes[1].queries, 0);
    assert_int_equal(count(json, "\"journal_state\":\"active\",\"id\""),
                     2 * NJOBS);
    assert_int_equal(sync_calls, 0); /* nothing to journal */
    free(json);
}

/* The ends one listing sees are journaled with one sync; a record whose
 * key is another's (a re-issued id) is not this job (and, with no
 * accounting to ask, its fate is unknown). */
static void jobs_ends_in_one_sync(void **state)
{
    struct fx *x = *state;
    struct hpcl__jsummary *s = NULL;
    char *json = NULL;

    for (int i = 0; i < NJOBS; i += 2)
        fakes[1].state[i] = HPCL_STATE_COMPLETED;
    strcpy(fakes[0].comment[7], "hpcl-key=hpcl-00000000000000000000000000000000");
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_int_equal(count(json, "\"reconciled\":\"ENDED\""), NJOBS / 2);
    assert_int_equal(count(json, "\"journal_state\":\"unknown\""), 1);
    assert_int_equal(count(json, "the site has no accounting"), 1);
    assert_int_equal(sync_calls, 1);
    free(json);
    assert_int_equal(hpcl__journal_load(&s, x->ctx, x->journal), HPCL_OK);
    assert_int_equal(hpcl__jsummary_get(s, x->key[1][0])->state,
                     HPCL__J_ENDED);
    assert_int_equal(hpcl__jsummary_get(s, x->key[1][1])->state,
                     HPCL__J_SUBMITTED);
    assert_int_equal(hpcl__jsummary_get(s, x->key[0][7])->state,
                     HPCL__J_SUBMITTED);
    hpcl__jsummary_free(s);
    /* Journaled once: the next listing adds nothing. */
    sync_calls = 0;
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_int_equal(count(json, "\"reconciled\":\""), 0); /* null */
    assert_int_equal(sync_calls, 0);
    free(json);
}

/* --site and --since leave sites unasked; --state filters the result. */
static void jobs_filters(void **state)
{
    struct fx *x = *state;
    char *json = NULL;

    assert_int_equal(hpcl_ctx_jobs_filter_json(&json, x->ctx, "beta", NULL,
                                               0, 0),
                     HPCL_OK);
    assert_int_equal(fakes[0].lists, 0);
    assert_int_equal(fakes[1].lists, 1);
    assert_int_equal(count(json, "\"site\":\"beta\""), NJOBS);
    assert_int_equal(count(json, "\"site\":\"alpha\""), 0);
    free(json);
    assert_int_equal(hpcl_ctx_jobs_filter_json(&json, x->ctx, NULL, NULL,
                                               (long long)time(NULL) + 3600,
                                               0),
                     HPCL_OK);
    assert_string_equal(json, "[]");
    assert_int_equal(fakes[0].lists, 0);
    free(json);
    fakes[0].state[3] = HPCL_STATE_RUNNING;
    assert_int_equal(hpcl_ctx_jobs_filter_json(&json, x->ctx, NULL,
                                               "running", 0, 0),
                     HPCL_OK);
    assert_int_equal(count(json, "\"key\""), 1);
    assert_int_equal(count(json, x->key[0][3]), 1);
    free(json);
    assert_int_equal(hpcl_ctx_jobs_filter_json(&json, x->ctx, NULL,
                                               "SUBMITTED", 0, 0),
                     HPCL_OK);
    assert_int_equal(count(json, "\"key\""), 2 * NJOBS);
    free(json);
    /* An end the journal recorded: --state by the state in its note. */
    {
        struct hpcl__journal *j = NULL;

        assert_int_equal(hpcl__journal_open(&j, x->ctx, x->journal),
                         HPCL_OK);
        assert_int_equal(hpcl__journal_record(j, x->ctx, HPCL__J_ENDED,
                                              x->key[1][2], "beta", 1002,
                                              "FAILED exit 3"),
                         HPCL_OK);
        hpcl__journal_close(j);
    }
    assert_int_equal(hpcl_ctx_jobs_filter_json(&json, x->ctx, NULL,
                                               "failed", 0, 0),
                     HPCL_OK);
    assert_int_equal(count(json, "\"key\""), 1);
    assert_int_equal(count(json, x->key[1][2]), 1);
    assert_int_equal(count(json, "\"state\":\"FAILED\""), 1);
    free(json);
    assert_int_equal(hpcl_ctx_jobs_filter_json(&json, x->ctx, NULL, NULL, 0,
                                               1),
                     HPCL_E_INVAL);
}

/* Settled entries go, active ones stay. */
static void jobs_prune(void **state)
{
    struct fx *x = *state;
    size_t removed = 0;
    char *json = NULL;

    for (int i = 0; i < 10; i++)
        fakes[0].state[i] = HPCL_STATE_COMPLETED;
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    free(json);
    sleep(1);
    assert_int_equal(hpcl_ctx_jobs_prune(x->ctx, 3600, &removed, 0), HPCL_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(hpcl_ctx_jobs_prune(x->ctx, 0, &removed, 0), HPCL_OK);
    assert_int_equal(removed, 10);
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_int_equal(count(json, "\"key\""), 2 * NJOBS - 10);
    free(json);
    assert_int_equal(hpcl_ctx_jobs_prune(x->ctx, -1, &removed, 0),
                     HPCL_E_INVAL);
}

/* status and wait of many jobs (hpcl_jobs_refresh): one list request
 * per site, naming the site's jobs, none job by job; each handle gets
 * its own record; a job its site does not know is NOJOB alone. */
static void jobs_refresh_many(void **state)
{
    struct fx *x = *state;
    enum { M = 20 };
    hpcl_job *jobs[2 * M + 1];
    hpcl_rc rcs[2 * M + 1];

    for (int s = 0; s < 2; s++)
        for (int i = 0; i < M; i++) {
            assert_int_equal(hpcl_job_create(&jobs[s * M + i], x->ctx),
                             HPCL_OK);
            hpcl__job_set_ref(jobs[s * M + i], (size_t)s,
                              1000 + (uint32_t)i * 7, HPCL__NO_TASK);
        }
    fakes[1].state[7] = HPCL_STATE_RUNNING;
    /* Unknown to site alpha (past its NJOBS jobs). */
    assert_int_equal(hpcl_job_create(&jobs[2 * M], x->ctx), HPCL_OK);
    hpcl__job_set_ref(jobs[2 * M], 0, 1000 + NJOBS + 5, HPCL__NO_TASK);
    assert_int_equal(hpcl_jobs_refresh(jobs, 2 * M + 1, rcs, 0),
                     HPCL_E_NOJOB);
    assert_int_equal(fakes[0].lists, 1);
    assert_int_equal(fakes[1].lists, 1);
    assert_int_equal(fakes[0].nids, M + 1);
    assert_int_equal(fakes[1].nids, M);
    assert_int_equal(fakes[0].queries + fakes[1].queries, 0);
    for (int k = 0; k < 2 * M; k++)
        assert_int_equal(rcs[k], HPCL_OK);
    assert_int_equal(rcs[2 * M], HPCL_E_NOJOB);
    assert_int_equal(hpcl_job_state(jobs[0]), HPCL_STATE_PENDING);
    assert_int_equal(hpcl_job_state(jobs[M + 1]), HPCL_STATE_RUNNING);
    assert_int_equal(hpcl_job_state(jobs[M + 2]), HPCL_STATE_PENDING);
    assert_int_equal(hpcl_jobs_refresh(jobs, 2, rcs, 1), HPCL_E_INVAL);
    for (int k = 0; k <= 2 * M; k++)
        hpcl_job_destroy(jobs[k]);
}

/* A handle of a job its controller has forgotten (the fake's query
 * answers "not found"): what the journal tells of its end. */
static hpcl_job *purged(struct fx *x, uint32_t id)
{
    hpcl_job *job;

    assert_int_equal(hpcl_job_create(&job, x->ctx), HPCL_OK);
    hpcl__job_set_ref(job, 0, id, HPCL__NO_TASK);
    assert_int_equal(hpcl_job_refresh(job), HPCL_OK);
    assert_int_equal(hpcl_job_state(job), HPCL_STATE_FAILED);
    return job;
}

/* The end of a job killed by a signal is journaled with its signal, seen
 * by a refresh of several jobs or by a listing: once its controller has
 * forgotten it, a new handle is told the same end (exit 139, signal 11),
 * not the shell's 139 alone.  An end journaled without the signal (by an
 * older hpclaunch) leaves it unsaid. */
static void jobs_signal_told_after_purge(void **state)
{
    struct fx *x = *state;
    struct hpcl__journal *j = NULL;
    hpcl_job *seen[2], *later;
    hpcl_rc rcs[2];
    char *json = NULL;

    fakes[0].state[3] = fakes[0].state[4] = HPCL_STATE_FAILED;
    fakes[0].signal[3] = fakes[0].signal[4] = 11;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(hpcl_job_create(&seen[k], x->ctx), HPCL_OK);
        hpcl__job_set_ref(seen[k], 0, 1003 + (uint32_t)k * 3, HPCL__NO_TASK);
    }
    assert_int_equal(hpcl_jobs_refresh(seen, 2, rcs, 0), HPCL_OK);
    assert_int_equal(hpcl_job_signal(seen[0]), 11);
    assert_int_equal(hpcl_job_exit_code(seen[0]), 139);
    for (int k = 0; k < 2; k++)
        hpcl_job_destroy(seen[k]);
    /* The listing journals 1004's end; the next one shows both notes. */
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    free(json);
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_int_equal(count(json, "\"note\":\"FAILED exit 139 signal 11\""),
                     2); /* 1003 from the refresh, 1004 from the listing */
    free(json);

    for (uint32_t id = 1003; id <= 1004; id++) {
        later = purged(x, id);
        assert_int_equal(hpcl_job_exit_code(later), 139);
        assert_int_equal(hpcl_job_signal(later), 11);
        hpcl_job_destroy(later);
    }

    assert_int_equal(hpcl__journal_open(&j, x->ctx, x->journal), HPCL_OK);
    assert_int_equal(hpcl__journal_record(j, x->ctx, HPCL__J_ENDED,
                                          x->key[0][5], "alpha", 1005,
                                          "FAILED exit 139"),
                     HPCL_OK);
    hpcl__journal_close(j);
    later = purged(x, 1005);
    assert_int_equal(hpcl_job_exit_code(later), 139);
    assert_int_equal(hpcl_job_signal(later), -1);
    hpcl_job_destroy(later);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

HPCL_TEST_MAIN(NULL, NULL, T(jobs_one_request_per_site),
               T(jobs_ends_in_one_sync), T(jobs_filters), T(jobs_prune),
               T(jobs_refresh_many), T(jobs_signal_told_after_purge))
