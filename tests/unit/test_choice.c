/*
 * Choosing a site and submitting exactly once, against fake drivers: each
 * site of a small site file gets a scripted backend (lib/backend/backend.h) whose
 * probe, submit, find_key and query answer as the test says.  Covers the
 * rule, unknown starts, held jobs, concurrent probes, known-down sites,
 * fallback, ambiguous submits,
 * the journal and its sync count, path maps, secrets, reconciliation and
 * resubmission.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpcl_test.h"
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

/* --- the fake driver -------------------------------------------------- */

struct fake {
    long wait_s;
    int no_start;         /* the probe answers with start_time 0 */
    time_t start;         /* not 0: the probe answers this start */
    int probe_hold, submit_hold; /* hold as the probe, the submit saw it */
    unsigned idle;        /* idle nodes the probe reports */
    hpcl_state query_state; /* what query reports; 0: PENDING */
    double delay;
    hpcl_rc probe_rc, submit_rc, find_rc, query_rc;
    uint32_t next_id, find_id;
    int probes, submits, finds, finds_many, queries, cancels;
    char comment[128];    /* what query reports; "" NULL */
    char work_dir[256], script[1024];
    int saw_token_var;
    hpcl_rc acct_rc;      /* accounting: not OK = unreachable */
    struct hpcl__acct acct; /* its answer (have 0: none); set by setup:
                             * has accounting, knows no such job */
    int accts;
    char ident[64];       /* the cluster it is; "": cannot say */
    const char *fill;     /* not NULL: the submit leaves no room to grow
                           * this file (RLIMIT_FSIZE), as a disk that
                           * fills up while the request is out */
};

static struct fake fakes[3];

static hpcl_rc f_probe(struct hpcl__site *s, hpcl_ctx *ctx,
                       const struct hpcl__jobdesc *d, struct hpcl_probe *p)
{
    struct fake *f = s->state;
    struct timespec ts = {0, (long)(f->delay * 1e9)};

    f->probes++;
    f->probe_hold = d->hold;
    nanosleep(&ts, NULL);
    if (f->probe_rc != HPCL_OK)
        return hpcl__fail(ctx, f->probe_rc, "fake %s does not answer",
                          s->conf->name);
    p->start_time = f->no_start ? 0 : f->start ? f->start
                                               : time(NULL) + f->wait_s;
    p->idle_nodes = f->idle;
    p->partition = strdup("p");
    return HPCL_OK;
}

static hpcl_rc f_submit(struct hpcl__site *s, hpcl_ctx *ctx,
                        const struct hpcl__jobdesc *d, uint32_t *id)
{
    struct fake *f = s->state;

    f->submits++;
    f->submit_hold = d->hold;
    snprintf(f->work_dir, sizeof f->work_dir, "%s", d->work_dir);
    snprintf(f->script, sizeof f->script, "%s", d->script);
    for (size_t i = 0; i < d->env_count; i++)
        f->saw_token_var |= strncmp(d->env[i], "BETA_TKN=", 9) == 0;
    assert_non_null(d->comment);
    assert_int_equal(strncmp(d->comment, "hpcl-key=hpcl-", 14), 0);
    if (f->submit_rc != HPCL_OK)
        return hpcl__fail(ctx, f->submit_rc, "fake %s: submit fails",
                          s->conf->name);
    if (f->fill != NULL) {
        struct stat st;
        struct rlimit rl;

        assert_int_equal(stat(f->fill, &st), 0);
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
        rl.rlim_cur = (rlim_t)st.st_size;
        signal(SIGXFSZ, SIG_IGN); /* writes past it fail with EFBIG */
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
    }
    *id = f->next_id++;
    return HPCL_OK;
}

static hpcl_rc f_find(struct hpcl__site *s, hpcl_ctx *ctx, const char *key,
                      uint32_t *id)
{
    struct fake *f = s->state;

    (void)key;
    f->finds++;
    if (f->find_rc != HPCL_OK)
        return hpcl__fail(ctx, f->find_rc, "fake %s: no key", s->conf->name);
    *id = f->find_id;
    return HPCL_OK;
}

/* The job whose comment query reports carries the key: find_id. */
static hpcl_rc f_find_keys(struct hpcl__site *s, hpcl_ctx *ctx,
                           const char *const *keys, size_t n, uint32_t *ids)
{
    struct fake *f = s->state;

    f->finds_many++;
    if (f->find_rc != HPCL_OK)
        return hpcl__fail(ctx, f->find_rc, "fake %s: no list",
                          s->conf->name);
    for (size_t k = 0; k < n; k++)
        ids[k] = strstr(f->comment, keys[k]) != NULL ? f->find_id : 0;
    return HPCL_OK;
}

static hpcl_rc f_query(struct hpcl__site *s, hpcl_ctx *ctx, uint32_t id,
                       const char *ref, hpcl__jobrec_fn fn, void *arg)
{
    struct fake *f = s->state;
    struct hpcl__jobrec r = {.state = HPCL_STATE_PENDING, .exit_code = -1};

    f->queries++;
    if (f->query_rc != HPCL_OK)
        return hpcl__fail(ctx, f->query_rc, "job %s not found", ref);
    r.job_id = id;
    r.array_task_id = HPCL__NO_TASK;
    if (f->query_state != HPCL_STATE_UNKNOWN) {
        r.state = f->query_state;
        r.exit_code = r.state == HPCL_STATE_COMPLETED ? 0 : 3;
    }
    r.comment = f->comment[0] ? f->comment : NULL;
    return fn(arg, &r, 1);
}

static hpcl_rc f_cancel(struct hpcl__site *s, hpcl_ctx *ctx, uint32_t id,
                        uint32_t task, const char *ref)
{
    struct fake *f = s->state;

    (void)ctx, (void)id, (void)task, (void)ref;
    f->cancels++;
    return HPCL_OK;
}

static hpcl_rc f_acct(struct hpcl__site *s, hpcl_ctx *ctx, uint32_t id,
                      const char *key, struct hpcl__acct *a)
{
    struct fake *f = s->state;

    (void)id, (void)key;
    f->accts++;
    if (f->acct_rc != HPCL_OK)
        return hpcl__fail(ctx, f->acct_rc, "fake %s: slurmdbd is down",
                          s->conf->name);
    *a = f->acct;
    return HPCL_OK;
}

static hpcl_rc f_identity(struct hpcl__site *s, hpcl_ctx *ctx, char *out,
                          size_t len)
{
    struct fake *f = s->state;

    if (f->ident[0] == '\0')
        return hpcl__fail(ctx, HPCL_E_UNREACHABLE, "fake %s: no answer",
                          s->conf->name);
    snprintf(out, len, "%s", f->ident);
    return HPCL_OK;
}

static void f_close(struct hpcl__site *s)
{
    (void)s;
}

static const struct hpcl__backend_ops fake_ops = {
    .driver = "fake", .submit = f_submit, .query = f_query,
    .cancel = f_cancel, .probe = f_probe, .find_key = f_find,
    .find_keys = f_find_keys,
    .acct = f_acct, .identity = f_identity, .close = f_close};

/* --- fixture ------------------------------------------------------------ */

struct fx {
    char dir[64];
    char journal[128];
    hpcl_ctx *ctx;
};

static const char site_file[] =
    "[defaults]\nhome = alpha\nmax_wait = 60\ntimeout = 2s\n"
    "[site alpha]\ndriver = slurm\nslurm_conf = /nonexistent/slurm.conf\n"
    "[site beta]\ndriver = slurmrestd\nurl = https://beta.invalid\n"
    "token_env = BETA_TKN\nmap = / => /remote\n"
    "[site gamma]\ndriver = slurmrestd\nurl = https://gamma.invalid\n"
    "token_env = GAMMA_TKN\n";

/* Load the site file and put a fake driver under every site. */
static void install_fakes(struct fx *x)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof path, "%s/hpclaunch.conf", x->dir);
    assert_non_null(f = fopen(path, "w"));
    fputs(site_file, f);
    fclose(f);
    assert_int_equal(hpcl_ctx_load_sites(x->ctx, path, 0), HPCL_OK);
    for (size_t i = 0; i < 3; i++) {
        x->ctx->slots[i].site.ops = &fake_ops;
        x->ctx->slots[i].site.state = &fakes[i];
    }
}

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof *x);

    strcpy(x->dir, "/tmp/hpcl-choice-XXXXXX");
    if (mkdtemp(x->dir) == NULL || hpcl_ctx_create(&x->ctx, 0) != HPCL_OK)
        return -1;
    snprintf(x->journal, sizeof x->journal, "%s/state/journal", x->dir);
    setenv("HPCLAUNCH_JOURNAL", x->journal, 1);
    memset(fakes, 0, sizeof fakes);
    for (int i = 0; i < 3; i++) {
        fakes[i].next_id = fakes[i].find_id = 100 * (i + 1);
        fakes[i].acct = (struct hpcl__acct){.have = 1, .exit_code = -1};
    }
    sync_calls = 0;
    install_fakes(x);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    char cmd[128];

    for (size_t i = 0; i < 3; i++) {
        struct hpcl__site *site;
        /* A probe still running there (not needed by a decision) ends
         * first: it reads ops. */
        hpcl__site_open(x->ctx, i, &site);
        x->ctx->slots[i].site.ops = NULL; /* not ours to close */
    }
    hpcl_ctx_destroy(x->ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    free(x);
    return system(cmd) == 0 ? 0 : -1;
}

static hpcl_job *new_job(struct fx *x)
{
    static const char *const argv[] = {"/bin/true"};
    hpcl_job *job;

    assert_int_equal(hpcl_job_create(&job, x->ctx), HPCL_OK);
    assert_int_equal(hpcl_job_set_command(job, 1, argv), HPCL_OK);
    assert_int_equal(hpcl_job_set_workdir(job, "/home/u/run"), HPCL_OK);
    return job;
}

#define assert_has(text, part)                                             \
    do {                                                                   \
        if (strstr((text), (part)) == NULL)                                \
            fail_msg("\"%s\" not in \"%s\"", (part), (text));              \
    } while (0)

static char *journal_text(struct fx *x)
{
    static char buf[16384];
    FILE *f = fopen(x->journal, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* --- the rule ------------------------------------------------------------ */

static void choice_home_within_max_wait(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].wait_s = 30;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    assert_has(hpcl_job_decision(job), "rule home");
    hpcl_job_destroy(job);
}

static void choice_earliest_when_home_saturated(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    char *json = NULL;

    fakes[0].wait_s = 600;
    fakes[1].wait_s = 300;
    fakes[2].wait_s = 120;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "gamma:300");
    assert_int_equal(hpcl_job_decision_json(&json, job), HPCL_OK);
    assert_has(json, "\"rule\":\"earliest\"");
    assert_has(json, "\"chosen\":\"gamma\"");
    free(json);
    hpcl_job_destroy(job);
}

static void choice_ties_go_to_the_preferred_site(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].wait_s = 600;
    fakes[1].wait_s = 2; /* within 2 s of gamma: a tie */
    fakes[2].wait_s = 0;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:200");
    hpcl_job_destroy(job);
}

static void choice_max_wait_of_the_job_wins(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].wait_s = 30;
    assert_int_equal(hpcl_job_set_max_wait(job, 10), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:200");
    hpcl_job_destroy(job);
}

static void choice_probes_run_at_once(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    struct timespec t0, t1;
    double took;

    for (int i = 0; i < 3; i++)
        fakes[i].delay = 0.3;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("# 3 probes of 0.3 s each: decided in %.3f s\n", took);
    assert_true(took < 0.55);
    assert_null(hpcl_job_ref(job)); /* a dry run submits nothing */
    assert_int_equal(fakes[0].submits + fakes[1].submits, 0);
    assert_has(hpcl_job_decision(job), "dry run");
    hpcl_job_destroy(job);
}

static double since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Home answers first with a start within max_wait: the decision does not
 * wait for the slow sites, which it reports as not needed; their probes
 * are waited for by the next use of their site (and by the context's
 * end, which ASan checks for leaks and use after free). */
static void choice_home_first_does_not_wait(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    struct timespec t0;
    char *json = NULL;
    double took;

    fakes[0].wait_s = 30;
    fakes[1].delay = fakes[2].delay = 0.8;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    took = since(&t0);
    print_message("# home 0 s, two sites of 0.8 s: decided in %.3f s\n",
                  took);
    assert_true(took < 0.5);
    assert_has(hpcl_job_decision(job), "rule home");
    assert_has(hpcl_job_decision(job), "beta (slurmrestd): not needed");
    assert_int_equal(hpcl_job_decision_json(&json, job), HPCL_OK);
    assert_has(json, "\"site\":\"gamma\",\"driver\":\"slurmrestd\",\"home\":false,"
                     "\"reachable\":null,\"probe\":\"not needed\"");
    free(json);
    hpcl_job_destroy(job); /* the probes may outlive the job */

    /* Home saturated now: beta and gamma are asked again, each after its
     * first probe ended, and the decision waits for them. */
    job = new_job(x);
    fakes[0].wait_s = 600;
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_int_equal(fakes[1].probes, 2);
    assert_int_equal(fakes[2].probes, 2);
    assert_has(hpcl_job_decision(job), "rule earliest");
    hpcl_job_destroy(job);

    /* A late probe nobody asks about again ends with the context. */
    job = new_job(x);
    fakes[0].wait_s = 0;
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(hpcl_job_decision(job), "not needed");
    hpcl_job_destroy(job);
}

static void choice_site_known_down_is_not_asked(void **state)
{
    struct fx *x = *state;
    hpcl_job *a = new_job(x), *b = new_job(x);

    fakes[0].wait_s = 600; /* saturated: every answer is waited for */
    fakes[1].probe_rc = HPCL_E_UNREACHABLE;
    assert_int_equal(hpcl_job_submit(a, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(hpcl_job_decision(a), "beta (slurmrestd): skipped, no answer");
    assert_int_equal(fakes[1].probes, 1);
    assert_int_equal(hpcl_job_submit(b, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_int_equal(fakes[1].probes, 1);
    assert_has(hpcl_job_decision(b), "beta (slurmrestd): skipped, known down");
    hpcl_job_destroy(a);
    hpcl_job_destroy(b);
}

static void choice_no_answer_is_nobackend(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    for (int i = 0; i < 3; i++)
        fakes[i].probe_rc = HPCL_E_TIMEOUT;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_NOBACKEND);
    assert_has(hpcl_ctx_errmsg(x->ctx), "alpha: fake alpha does not answer");
    assert_has(hpcl_ctx_errmsg(x->ctx), "gamma: fake gamma does not answer");
    assert_has(hpcl_job_decision(job), "rule none");
    hpcl_job_destroy(job);
}

/* Slurm's will-run answer for a held job, or just after a submission:
 * a start in 2058, which is no estimate. */
static time_t year_2058(void)
{
    struct tm tm = {.tm_year = 2058 - 1900, .tm_mon = 0, .tm_mday = 1};

    return mktime(&tm);
}

static void choice_unknown_home_is_kept(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    char *json = NULL;

    fakes[0].no_start = 1;
    fakes[1].wait_s = 0;
    fakes[2].wait_s = 0;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    assert_has(hpcl_job_decision(job), "rule home: the home site alpha gave "
                                       "no start estimate (unknown); "
                                       "staying home");
    assert_has(hpcl_job_decision(job), "alpha (slurm, home): expected start "
                                       "unknown");
    assert_int_equal(hpcl_job_decision_json(&json, job), HPCL_OK);
    assert_has(json, "\"site\":\"alpha\",\"driver\":\"slurm\",\"home\":true,"
                     "\"reachable\":true,\"probe\":\"ok\",\"start_time\":null,"
                     "\"wait_seconds\":null");
    free(json);
    hpcl_job_destroy(job);
}

static void choice_2058_is_unknown(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    hpcl_probe *probe = NULL;

    fakes[0].start = year_2058();
    fakes[1].wait_s = 0;
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(hpcl_job_decision(job), "decision: alpha");
    assert_has(hpcl_job_decision(job), "gave no start estimate (unknown)");
    /* hpcl_job_probe says the same: 0, documented as "unknown". */
    hpcl_job_destroy(job);
    job = new_job(x);
    assert_int_equal(hpcl_job_set_site(job, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_probe(&probe, job, 0), HPCL_OK);
    assert_int_equal(hpcl_probe_start_time(probe), 0);
    hpcl_probe_destroy(probe);
    hpcl_job_destroy(job);
}

static void choice_far_but_real_start_is_saturation(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    /* Within a year: a real estimate (a job behind an unlimited one). */
    fakes[0].start = time(NULL) + 300L * 24 * 3600;
    fakes[1].wait_s = 600;
    fakes[2].wait_s = 60;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "gamma:300");
    assert_has(hpcl_job_decision(job), "the home site alpha is saturated");
    hpcl_job_destroy(job);
}

static void choice_saturated_home_skips_unknown_sites(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].wait_s = 600;
    fakes[1].no_start = 1; /* preferred, but no estimate */
    fakes[2].wait_s = 300;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "gamma:300");
    hpcl_job_destroy(job);
    /* No other site knows better: home, the earliest known start. */
    job = new_job(x);
    fakes[2].start = year_2058();
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    assert_has(hpcl_job_decision(job), "no other site gave an earlier "
                                       "expected start");
    hpcl_job_destroy(job);
}

static void choice_silent_home_unknown_elsewhere(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].probe_rc = HPCL_E_UNREACHABLE;
    fakes[1].no_start = 1;
    fakes[2].no_start = 1;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:200");
    assert_has(hpcl_job_decision(job), "no site gave a start estimate; beta "
                                       "is the preferred site that answered");
    hpcl_job_destroy(job);
}

static void choice_held_job_probed_as_released(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    hpcl_probe *probe = NULL;

    assert_int_equal(hpcl_job_set_hold(job, 1), HPCL_OK);
    for (int i = 0; i < 3; i++)
        fakes[i].probe_hold = -1;
    /* Every site probed (a plain submit may return before the others). */
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_PROBE_ALL), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    for (int i = 0; i < 3; i++)
        assert_int_equal(fakes[i].probe_hold, 0);
    assert_int_equal(fakes[0].submit_hold, 1); /* submitted held */
    hpcl_job_destroy(job);
    job = new_job(x);
    assert_int_equal(hpcl_job_set_hold(job, 1), HPCL_OK);
    fakes[0].probe_hold = -1;
    assert_int_equal(hpcl_job_probe(&probe, job, 0), HPCL_OK);
    assert_int_equal(fakes[0].probe_hold, 0);
    hpcl_probe_destroy(probe);
    hpcl_job_destroy(job);
}

/* A later start while nodes stand idle is Slurm playing jobs it has not
 * scheduled yet (seconds after submissions): no estimate. */
static void choice_late_start_with_idle_nodes_is_unknown(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].wait_s = 600;
    fakes[0].idle = 4;
    fakes[1].wait_s = 0;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    assert_has(hpcl_job_decision(job), "gave no start estimate (unknown)");
    hpcl_job_destroy(job);
    /* The job needs more nodes than stand idle: a real estimate. */
    job = new_job(x);
    assert_int_equal(hpcl_job_set_nodes(job, 5, 5), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:200");
    hpcl_job_destroy(job);
}

/* Job ids and reservations belong to one cluster: such a job is not
 * moved, and no site is probed. */
static void choice_dependency_binds_the_job_home(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].wait_s = 6000;
    assert_int_equal(hpcl_job_set_dependency(job, "afterok:42"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    assert_has(hpcl_job_decision(job), "rule bound: the job's dependency");
    assert_int_equal(fakes[0].probes + fakes[1].probes + fakes[2].probes, 0);
    hpcl_job_destroy(job);
    job = new_job(x);
    assert_int_equal(hpcl_job_set_reservation(job, "maint"), HPCL_OK);
    assert_int_equal(hpcl_job_set_site(job, "gamma"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "gamma:300"); /* --site wins */
    hpcl_job_destroy(job);
}

/* --begin holds the job everywhere: waits count from it. */
static void choice_waits_count_from_begin(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    assert_int_equal(hpcl_job_set_begin(job, time(NULL) + 3600), HPCL_OK);
    fakes[0].wait_s = 3630; /* 30 s after the begin time */
    fakes[1].wait_s = 3600;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    assert_has(hpcl_job_decision(job), "would start the job in 3");
    hpcl_job_destroy(job);
}

/* --- submitting ----------------------------------------------------------- */

static void submit_moves_on_after_a_refusal(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    const char *j;

    fakes[0].submit_rc = HPCL_E_SLURM;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:200");
    j = journal_text(x);
    assert_has(j, "INTENT key=");
    assert_has(j, "FAILED key=");
    assert_has(j, "SUBMITTED key=");
    assert_has(strstr(j, "FAILED"), "site=alpha");
    hpcl_job_destroy(job);
}

static void submit_ambiguous_then_found_is_adopted(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    char want[64];

    assert_int_equal(hpcl_job_set_site(job, "beta"), HPCL_OK);
    fakes[1].submit_rc = HPCL_E_AMBIGUOUS;
    fakes[1].find_id = 4242;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:4242");
    assert_int_equal(fakes[1].submits, 1);
    snprintf(want, sizeof want, "ADOPTED key=%s site=beta id=4242",
             hpcl_job_key(job));
    assert_has(journal_text(x), want);
    assert_has(hpcl_job_decision(job), "adopted as beta:4242");
    hpcl_job_destroy(job);
}

static void submit_ambiguous_site_silent_goes_nowhere_else(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].submit_rc = HPCL_E_AMBIGUOUS;
    fakes[0].find_rc = HPCL_E_UNREACHABLE;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_E_AMBIGUOUS);
    assert_has(hpcl_ctx_errmsg(x->ctx), "job may exist at site alpha");
    assert_has(hpcl_ctx_errmsg(x->ctx), hpcl_job_key(job));
    assert_has(hpcl_ctx_errmsg(x->ctx), "hpclaunch jobs");
    assert_int_equal(fakes[1].submits + fakes[2].submits, 0);
    assert_null(hpcl_job_ref(job));
    hpcl_job_destroy(job);
}

static void submit_ambiguous_not_found_moves_on(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].submit_rc = HPCL_E_AMBIGUOUS;
    fakes[0].find_rc = HPCL_E_NOJOB;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:200");
    assert_int_equal(fakes[0].finds, 3); /* asked a few times */
    hpcl_job_destroy(job);
}

static void submit_maps_paths_and_strips_tokens(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    setenv("BETA_TKN", "secret-token", 1);
    assert_int_equal(hpcl_job_set_site(job, "beta"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(fakes[1].work_dir, "/remote/home/u/run");
    assert_has(fakes[1].script, "'/remote/bin/true'");
    assert_false(fakes[1].saw_token_var);
    unsetenv("BETA_TKN");
    hpcl_job_destroy(job);
}

static void submit_many_syncs_twice_per_batch(void **state)
{
    struct fx *x = *state;
    hpcl_job *jobs[100], *one;

    for (int i = 0; i < 100; i++) {
        jobs[i] = new_job(x);
        assert_int_equal(hpcl_job_set_site(jobs[i], "alpha"), HPCL_OK);
    }
    assert_int_equal(hpcl_job_submit_many(jobs, 100, 0), HPCL_OK);
    /* The intents, synced; the outcomes go with the next sync. */
    assert_int_equal(sync_calls, 1);
    one = new_job(x);
    assert_int_equal(hpcl_job_submit(one, 0), HPCL_OK);
    assert_int_equal(sync_calls, 2);
    hpcl_job_destroy(one);
    assert_int_equal(fakes[0].submits, 101);
    assert_string_equal(hpcl_job_ref(jobs[99]), "alpha:199");
    assert_string_not_equal(hpcl_job_key(jobs[0]), hpcl_job_key(jobs[1]));
    for (int i = 0; i < 100; i++)
        hpcl_job_destroy(jobs[i]);
}

/* --- reconciling ---------------------------------------------------------- */

/* An INTENT written by a process that is gone. */
/* hpcl_jobs_refresh journals the ends it sees together: one synced
 * write holding every job's ENDED record, not one each (and the journal
 * read once, not once a job). */
static void refresh_many_journals_ends_at_once(void **state)
{
    struct fx *x = *state;
    hpcl_job *jobs[20];
    hpcl_rc rcs[20];
    const char *text, *at;
    int before, ended = 0;

    for (int i = 0; i < 20; i++) {
        jobs[i] = new_job(x);
        assert_int_equal(hpcl_job_set_site(jobs[i], "alpha"), HPCL_OK);
    }
    assert_int_equal(hpcl_job_submit_many(jobs, 20, 0), HPCL_OK);
    fakes[0].query_state = HPCL_STATE_COMPLETED;
    before = sync_calls;
    assert_int_equal(hpcl_jobs_refresh(jobs, 20, rcs, 0), HPCL_OK);
    assert_int_equal(sync_calls - before, 1);
    text = journal_text(x);
    for (at = text; (at = strstr(at, " ENDED ")) != NULL; at++)
        ended++;
    assert_int_equal(ended, 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(rcs[i], HPCL_OK);
        assert_int_equal(hpcl_job_state(jobs[i]), HPCL_STATE_COMPLETED);
        assert_has(text, hpcl_job_key(jobs[i]));
    }
    /* Seen again: nothing more to journal, nothing synced. */
    before = sync_calls;
    assert_int_equal(hpcl_jobs_refresh(jobs, 20, rcs, 0), HPCL_OK);
    assert_int_equal(sync_calls - before, 0);
    for (int i = 0; i < 20; i++)
        hpcl_job_destroy(jobs[i]);
}

static void dead_intent(struct fx *x, const char *key)
{
    pid_t pid = fork();

    if (pid == 0) {
        struct hpcl__journal *j;
        _exit(hpcl__journal_open(&j, NULL, x->journal) != HPCL_OK ||
              hpcl__journal_record(j, NULL, HPCL__J_INTENT, key, "gamma", 0,
                                   NULL) != HPCL_OK);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void jobs_reconcile_adopt_and_lose(void **state)
{
    struct fx *x = *state;
    hpcl_job *kept = new_job(x), *lost = new_job(x), *again = NULL;
    char key[HPCL__KEY_LEN + 1], *json = NULL, want[160];

    assert_int_equal(hpcl_job_set_site(kept, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_set_site(lost, "beta"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(kept, 0), HPCL_OK);
    assert_int_equal(hpcl_job_submit(lost, 0), HPCL_OK);
    assert_int_equal(hpcl__key_new(key, NULL), HPCL_OK);
    dead_intent(x, key);
    snprintf(fakes[0].comment, sizeof fakes[0].comment, "hpcl-key=%s",
             hpcl_job_key(kept));
    fakes[1].query_rc = HPCL_E_NOJOB;
    fakes[2].find_id = 77;
    snprintf(fakes[2].comment, sizeof fakes[2].comment, "hpcl-key=%s", key);
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    print_message("# %.1000s\n", json); /* cmocka cuts at 1024 */
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"beta\","
             "\"journal_event\":\"SUBMITTED\",\"journal_state\":\"lost\"", hpcl_job_key(lost));
    assert_has(json, want);
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"gamma\","
             "\"journal_event\":\"INTENT\",\"journal_state\":\"active\"", key);
    assert_has(json, want);
    assert_has(json, "\"ref\":\"gamma:77\"");
    assert_has(json, "\"state\":\"PENDING\",\"exit_code\":null,"
                     "\"source\":null,\"started\":false,"
                     "\"reconciled\":\"ADOPTED\"");
    free(json);
    /* The lost job comes back with its request and its key. */
    fakes[1].script[0] = '\0';
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(lost), 0),
                     HPCL_OK);
    fakes[1].query_rc = HPCL_OK;
    assert_string_equal(hpcl_job_ref(again), "beta:201");
    assert_string_equal(hpcl_job_key(again), hpcl_job_key(lost));
    assert_has(fakes[1].script, "'/remote/bin/true'");
    hpcl_job_destroy(again);
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(kept), 0),
                     HPCL_E_INVAL);
    assert_null(again);
    assert_has(hpcl_ctx_errmsg(x->ctx), "not LOST");
    hpcl_job_destroy(kept);
    hpcl_job_destroy(lost);
}

/* Submits cut off at one site (their writers gone) are settled by their
 * keys in one find_keys, not one find_key each: found, adopted; not
 * found, not submitted. */
static void jobs_reconcile_keys_in_one_listing(void **state)
{
    struct fx *x = *state;
    char key[3][HPCL__KEY_LEN + 1], *json = NULL, want[200];

    for (int i = 0; i < 3; i++) {
        assert_int_equal(hpcl__key_new(key[i], NULL), HPCL_OK);
        dead_intent(x, key[i]);
    }
    fakes[2].find_id = 77;
    snprintf(fakes[2].comment, sizeof fakes[2].comment, "hpcl-key=%s",
             key[1]);
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_int_equal(fakes[2].finds_many, 1);
    assert_int_equal(fakes[2].finds, 0);
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"gamma\","
             "\"journal_event\":\"INTENT\",\"journal_state\":\"active\","
             "\"id\":77,\"ref\":\"gamma:77\"", key[1]);
    assert_has(json, want);
    for (int i = 0; i < 3; i += 2) {
        snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"gamma\","
                 "\"journal_event\":\"INTENT\",\"journal_state\":\"not "
                 "submitted\"", key[i]);
        assert_has(json, want);
    }
    free(json);
    /* Settled: journaled, not asked again. */
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_int_equal(fakes[2].finds_many, 1);
    assert_int_equal(fakes[2].finds, 0);
    free(json);
}

/* A job seen ended (wait, status) or cancelled is journaled so: once its
 * site has purged it, it is still ended or cancelled, never lost, and
 * never resubmitted. */
static void jobs_seen_ends_are_never_lost(void **state)
{
    struct fx *x = *state;
    hpcl_job *done = new_job(x), *gone = new_job(x), *seen = NULL,
             *again = NULL;
    char *json = NULL, want[200];

    assert_int_equal(hpcl_job_set_site(done, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_set_site(gone, "beta"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(done, 0), HPCL_OK);
    assert_int_equal(hpcl_job_submit(gone, 0), HPCL_OK);
    fakes[0].query_state = HPCL_STATE_FAILED; /* exit 3 */
    assert_int_equal(hpcl_job_wait(done, 5), HPCL_OK);
    assert_int_equal(hpcl_job_cancel(gone), HPCL_OK);
    /* Both sites purge them. */
    fakes[0].query_rc = fakes[1].query_rc = HPCL_E_NOJOB;
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    print_message("# %.1000s\n", json); /* cmocka cuts at 1024 */
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"alpha\","
             "\"journal_event\":\"ENDED\",\"journal_state\":\"ended\"",
             hpcl_job_key(done));
    assert_has(json, want);
    assert_has(json, "\"state\":\"FAILED\",\"exit_code\":3");
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"beta\","
             "\"journal_event\":\"CANCELLED\",\"journal_state\":\"cancelled\"",
             hpcl_job_key(gone));
    assert_has(json, want);
    free(json);
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(done),
                                       0), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(gone),
                                       0), HPCL_E_INVAL);
    assert_null(again);
    assert_int_equal(fakes[0].submits + fakes[1].submits, 2);
    /* Attached by reference, in another process: found by site and id. */
    hpcl_job_destroy(done);
    done = new_job(x);
    assert_int_equal(hpcl_job_set_site(done, "gamma"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(done, 0), HPCL_OK);
    fakes[2].query_state = HPCL_STATE_COMPLETED;
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(done)),
                     HPCL_OK);
    assert_int_equal(hpcl_job_refresh(seen), HPCL_OK);
    fakes[2].query_rc = HPCL_E_NOJOB;
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"gamma\","
             "\"journal_event\":\"ENDED\",\"journal_state\":\"ended\"",
             hpcl_job_key(done));
    assert_has(json, want);
    free(json);
    /* Status and wait of the purged job, by reference: the journaled end,
     * not "not found" -- and wait ends. */
    hpcl_job_destroy(seen);
    seen = NULL;
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(done)),
                     HPCL_OK);
    assert_int_equal(hpcl_job_state(seen), HPCL_STATE_COMPLETED);
    assert_int_equal(hpcl_job_exit_code(seen), 0);
    assert_has(hpcl_job_reason(seen), "end from the journal");
    assert_int_equal(hpcl_job_wait(seen, 1), HPCL_OK);
    hpcl_job_destroy(seen);
    seen = NULL;
    /* The cancelled one: cancelled. */
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(gone)),
                     HPCL_OK);
    assert_int_equal(hpcl_job_state(seen), HPCL_STATE_CANCELLED);
    hpcl_job_destroy(seen);
    seen = NULL;
    /* Purged unseen: accounting's end, journaled; without a record in
     * accounting, "not found". */
    hpcl_job_destroy(done);
    done = new_job(x);
    assert_int_equal(hpcl_job_set_site(done, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(done, 0), HPCL_OK);
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(done)),
                     HPCL_E_NOJOB);
    assert_null(seen);
    fakes[0].acct = (struct hpcl__acct){.have = 1, .found = 1, .started = 1,
                                        .ended = 1,
                                        .state = HPCL_STATE_TIMEOUT,
                                        .exit_code = -1};
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(done)),
                     HPCL_OK);
    assert_int_equal(hpcl_job_state(seen), HPCL_STATE_TIMEOUT);
    assert_has(hpcl_job_reason(seen), "end from accounting");
    hpcl_job_destroy(seen);
    fakes[0].acct = (struct hpcl__acct){.have = 1, .exit_code = -1};
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(done)),
                     HPCL_OK); /* now from the journal */
    assert_int_equal(hpcl_job_state(seen), HPCL_STATE_TIMEOUT);
    assert_has(hpcl_job_reason(seen), "end from the journal");
    hpcl_job_destroy(seen);
    hpcl_job_destroy(done);
    hpcl_job_destroy(gone);
}

/* After a controller crash an id may name another job: status, wait and
 * cancel of ours say so, and never act on the other job. */
static void jobs_reissued_id_is_not_ours(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *seen = NULL;
    char other[HPCL__KEY_LEN + 1];

    assert_int_equal(hpcl_job_set_site(job, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    snprintf(fakes[0].comment, sizeof fakes[0].comment, "hpcl-key=%s",
             hpcl_job_key(job));
    assert_int_equal(hpcl_job_refresh(job), HPCL_OK); /* still ours */
    assert_int_equal(hpcl__key_new(other, NULL), HPCL_OK);
    snprintf(fakes[0].comment, sizeof fakes[0].comment, "hpcl-key=%s",
             other);
    assert_int_equal(hpcl_job_refresh(job), HPCL_E_NOJOB);
    assert_has(hpcl_ctx_errmsg(x->ctx), "its id now names another job");
    assert_int_equal(hpcl_job_wait(job, 1), HPCL_E_NOJOB);
    assert_int_equal(hpcl_job_cancel(job), HPCL_E_NOJOB);
    assert_int_equal(fakes[0].cancels, 0);
    /* Attached by reference (hpclaunch status, cancel): the key comes
     * from the journal, and attaching already says whose job it is. */
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(job)),
                     HPCL_E_NOJOB);
    assert_has(hpcl_ctx_errmsg(x->ctx), "its id now names another job");
    assert_null(seen);
    /* Ours again: attached and cancelled. */
    snprintf(fakes[0].comment, sizeof fakes[0].comment, "hpcl-key=%s",
             hpcl_job_key(job));
    assert_int_equal(hpcl_job_attach(&seen, x->ctx, hpcl_job_ref(job)),
                     HPCL_OK);
    assert_int_equal(hpcl_job_cancel(seen), HPCL_OK);
    assert_int_equal(fakes[0].cancels, 1);
    hpcl_job_destroy(seen);
    hpcl_job_destroy(job);
}

static void jobs_other_key_at_the_id_is_lost(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);
    char *json = NULL;

    assert_int_equal(hpcl_job_set_site(job, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    strcpy(fakes[0].comment, "hpcl-key=hpcl-00000000000000000000000000000000");
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_has(json, "\"journal_state\":\"lost\"");
    assert_has(json, "re-issued");
    free(json);
    hpcl_job_destroy(job);
}

/* Purged by its controller: accounting says how it ended; never
 * resubmitted. */
static void jobs_accounting_settles_purged_jobs(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *again = NULL;
    char *json = NULL;

    assert_int_equal(hpcl_job_set_site(job, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    fakes[0].query_rc = HPCL_E_NOJOB;
    fakes[0].acct = (struct hpcl__acct){
        .have = 1, .found = 1, .started = 1, .ended = 1,
        .state = HPCL_STATE_FAILED, .exit_code = 3, .start = 5, .end = 9};
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    print_message("# %.1000s\n", json); /* cmocka cuts at 1024 */
    assert_has(json, "\"journal_state\":\"ended\"");
    assert_has(json, "\"state\":\"FAILED\",\"exit_code\":3,"
                     "\"source\":\"accounting\",\"started\":true,"
                     "\"reconciled\":\"ENDED\"");
    free(json);
    /* Journaled: accounting is not asked again. */
    fakes[0].accts = 0;
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    assert_has(json, "\"journal_event\":\"ENDED\",\"journal_state\":\"ended\"");
    assert_has(json, "\"state\":\"FAILED\",\"exit_code\":3,"
                     "\"source\":\"accounting\",\"started\":false,"
                     "\"reconciled\":null,"
                     "\"note\":\"FAILED exit 3 (accounting)\"");
    assert_int_equal(fakes[0].accts, 0);
    free(json);
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_E_INVAL);
    assert_has(hpcl_ctx_errmsg(x->ctx), "ended or was cancelled");
    assert_int_equal(fakes[0].submits, 1);
    hpcl_job_destroy(job);
}

/* Accounting down: the job is unknown, not lost, and not resubmitted. */
static void jobs_accounting_down_is_unknown(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *again = NULL;
    char *json = NULL;

    assert_int_equal(hpcl_job_set_site(job, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    fakes[0].query_rc = HPCL_E_NOJOB;
    fakes[0].acct_rc = HPCL_E_UNREACHABLE;
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    print_message("# %.1000s\n", json); /* cmocka cuts at 1024 */
    assert_has(json, "\"journal_event\":\"SUBMITTED\",\"journal_state\":\"unknown\"");
    assert_has(json, "accounting could not be asked");
    assert_has(json, "slurmdbd is down");
    free(json);
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_E_INVAL);
    assert_has(hpcl_ctx_errmsg(x->ctx), "is unknown at alpha:100, not LOST");
    /* A site without accounting cannot tell either. */
    fakes[0].acct_rc = HPCL_OK;
    fakes[0].acct.have = 0;
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_E_INVAL);
    assert_has(hpcl_ctx_errmsg(x->ctx), "has no accounting");
    /* Back, and saying it never heard of the job: lost, resubmitted. */
    fakes[0].acct.have = 1;
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_OK);
    assert_int_equal(fakes[0].submits, 2);
    hpcl_job_destroy(again);
    hpcl_job_destroy(job);
}

/* Started, then forgotten by a crashed controller: lost, but it ran. */
static void jobs_started_then_lost_is_not_resubmitted(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *again = NULL;
    char *json = NULL;

    assert_int_equal(hpcl_job_set_site(job, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    fakes[0].query_rc = HPCL_E_NOJOB;
    fakes[0].acct = (struct hpcl__acct){
        .have = 1, .found = 1, .started = 1, .state = HPCL_STATE_RUNNING,
        .exit_code = -1, .start = 5};
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    print_message("# %.1000s\n", json); /* cmocka cuts at 1024 */
    assert_has(json, "\"journal_state\":\"lost\"");
    assert_has(json, "\"started\":true");
    free(json);
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_E_INVAL);
    assert_has(hpcl_ctx_errmsg(x->ctx), "had started");
    assert_int_equal(fakes[0].submits, 1);
    hpcl_job_destroy(job);
}

/* Two site files, one label: the journal's entry went to cluster A; the
 * site file now names cluster B "alpha".  B is never asked about it, and
 * --resubmit refuses it; entries without a cluster (older journals) are
 * reconciled as before. */
static void jobs_other_cluster_same_label(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *old = new_job(x), *again = NULL;
    char *json = NULL, want[200];
    int queries;

    snprintf(fakes[0].ident, sizeof fakes[0].ident, "slurm:A@ctl-a:6817");
    assert_int_equal(hpcl_job_set_site(job, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    fakes[0].ident[0] = '\0'; /* cannot say: recorded without one */
    assert_int_equal(hpcl_job_set_site(old, "alpha"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(old, 0), HPCL_OK);
    snprintf(fakes[0].ident, sizeof fakes[0].ident, "slurm:B@ctl-b:6817");
    fakes[0].query_rc = HPCL_E_NOJOB; /* B has no such id */
    queries = fakes[0].queries;
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    print_message("# %.1000s\n", json); /* cmocka cuts at 1024 */
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"alpha\","
             "\"journal_event\":\"SUBMITTED\",\"journal_state\":\"other cluster\"",
             hpcl_job_key(job));
    assert_has(json, want);
    assert_has(json, "\"cluster\":\"slurm:A@ctl-a:6817\"");
    assert_has(json, "this site file's site alpha is slurm:B@ctl-b:6817");
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"alpha\","
             "\"journal_event\":\"SUBMITTED\",\"journal_state\":\"lost\"",
             hpcl_job_key(old));
    assert_has(json, want);
    free(json);
    assert_int_equal(fakes[0].queries, queries + 1); /* only the old one */
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_E_INVAL);
    assert_has(hpcl_ctx_errmsg(x->ctx), "other cluster");
    assert_int_equal(fakes[0].submits, 2);
    /* Back on cluster A: reconciled again. */
    snprintf(fakes[0].ident, sizeof fakes[0].ident, "slurm:A@ctl-a:6817");
    assert_int_equal(hpcl_ctx_jobs_json(&json, x->ctx, 0), HPCL_OK);
    snprintf(want, sizeof want, "\"key\":\"%s\",\"site\":\"alpha\","
             "\"journal_event\":\"SUBMITTED\",\"journal_state\":\"lost\"",
             hpcl_job_key(job));
    assert_has(json, want);
    free(json);
    hpcl_job_destroy(job);
    hpcl_job_destroy(old);
}

/* --- faults: nothing lost (issue 15) ------------------------------------ */

static void collect_log(hpcl_log_level level, const char *msg, void *arg)
{
    size_t n = strlen(arg);

    (void)level;
    snprintf((char *)arg + n, 4096 - n, "%s\n", msg);
}

/* A driver that says "done" without an id proves nothing: the key is
 * asked for, and the job adopted, never sent to the next site. */
static void submit_without_id_is_ambiguous(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x);

    fakes[0].next_id = 0;
    fakes[0].find_id = 4243;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "alpha:4243");
    assert_int_equal(fakes[0].submits, 1);
    assert_int_equal(fakes[1].submits + fakes[2].submits, 0);
    assert_has(journal_text(x), "AMBIGUOUS key=");
    hpcl_job_destroy(job);
}

/* The disk fills up while the request is out: the job exists, so its
 * reference is given and the caller told how to recover; `jobs` then
 * finds it by its key (the INTENT was synced before the request). */
static void submit_outcome_unwritable_keeps_ref(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *next = new_job(x);
    struct rlimit rl;
    char *logs = calloc(1, 4096), want[512];

    assert_non_null(logs);
    hpcl_ctx_set_log(x->ctx, collect_log, logs);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
    fakes[0].fill = x->journal;
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    rl.rlim_cur = rl.rlim_max; /* room again */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
    fakes[0].fill = NULL;
    print_message("# %s", logs);
    assert_string_equal(hpcl_job_ref(job), "alpha:100");
    snprintf(want, sizeof want, "job alpha:100 was submitted, but the "
             "journal could not record it (journal %s: write: File too "
             "large); run `hpclaunch jobs` once the journal is writable: it "
             "finds the job by its key %s", x->journal, hpcl_job_key(job));
    assert_has(logs, want);
    /* What `jobs` settles it by (once this writer is gone; the live
     * test tests/live/cli_faults.sh does that part): the synced INTENT. */
    assert_null(strstr(journal_text(x), "SUBMITTED"));
    snprintf(want, sizeof want, "INTENT key=%s site=alpha",
             hpcl_job_key(job));
    assert_has(journal_text(x), want);
    assert_int_equal(hpcl_job_submit(next, 0), HPCL_OK);
    assert_has(journal_text(x), "SUBMITTED");
    hpcl_ctx_set_log(x->ctx, NULL, NULL);
    free(logs);
    hpcl_job_destroy(job);
    hpcl_job_destroy(next);
}

static void cut_tail(const char *path, off_t bytes)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > bytes);
    assert_int_equal(truncate(path, st.st_size - bytes), 0);
}

/* A torn write (the journal and the requests file cut mid-record by a
 * crash): the next job's request is still read back, and --resubmit of
 * that job works. */
static void torn_files_then_resubmit(void **state)
{
    struct fx *x = *state;
    hpcl_job *first = new_job(x), *job = new_job(x), *again = NULL;
    char requests[160];

    snprintf(requests, sizeof requests, "%s/state/requests", x->dir);
    assert_int_equal(hpcl_job_set_site(first, "beta"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(first, 0), HPCL_OK);
    cut_tail(requests, 20);
    cut_tail(x->journal, 7);
    assert_int_equal(hpcl_job_set_site(job, "beta"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_string_equal(hpcl_job_ref(job), "beta:201");
    fakes[1].query_rc = HPCL_E_NOJOB; /* beta lost it */
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_OK);
    assert_string_equal(hpcl_job_ref(again), "beta:202");
    assert_has(fakes[1].script, "'/remote/bin/true'");
    hpcl_job_destroy(again);
    hpcl_job_destroy(first);
    hpcl_job_destroy(job);
}

/* A stored request whose number does not fit its field (edited or
 * damaged file) is refused by name, never wrapped: 2^32 + 1 tasks would
 * otherwise be resubmitted as 1. */
static void stored_number_out_of_range_is_refused(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *again = NULL;
    char requests[160], *text, *at;
    size_t len;
    FILE *f;

    snprintf(requests, sizeof requests, "%s/state/requests", x->dir);
    assert_int_equal(hpcl_job_set_site(job, "beta"), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_non_null(f = fopen(requests, "r"));
    assert_non_null(text = calloc(1, 1 << 16));
    len = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    assert_true(len > 0);
    assert_non_null(at = strstr(text, "\"ntasks\":"));
    assert_non_null(f = fopen(requests, "w"));
    fprintf(f, "%.*s\"ntasks\":4294967297,\"x\":%s",
            (int)(at - text), text, at + strlen("\"ntasks\":"));
    fclose(f);
    fakes[1].query_rc = HPCL_E_NOJOB; /* beta lost it */
    assert_int_equal(hpcl_job_resubmit(&again, x->ctx, hpcl_job_key(job), 0),
                     HPCL_E_CONFIG);
    assert_null(again);
    assert_has(hpcl_ctx_errmsg(x->ctx), "stored request's 'ntasks' is not "
                                        "a number it can hold");
    assert_has(hpcl_ctx_errmsg(x->ctx), hpcl_job_key(job));
    free(text);
    hpcl_job_destroy(job);
}

/* Journal and requests file found readable by others are made 0600
 * again, with a warning naming them. */
static void loose_modes_are_fixed(void **state)
{
    struct fx *x = *state;
    hpcl_job *job = new_job(x), *next = new_job(x);
    char requests[160], *logs = calloc(1, 4096);
    struct stat st;
    hpcl_ctx *ctx;

    assert_non_null(logs);
    snprintf(requests, sizeof requests, "%s/state/requests", x->dir);
    assert_int_equal(hpcl_job_submit(job, 0), HPCL_OK);
    assert_int_equal(stat(x->journal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(requests, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(x->journal, 0644), 0);
    assert_int_equal(chmod(requests, 0666), 0);
    /* A new context opens the journal again. */
    ctx = x->ctx;
    assert_int_equal(hpcl_ctx_create(&x->ctx, 0), HPCL_OK);
    hpcl_ctx_set_log(x->ctx, collect_log, logs);
    install_fakes(x);
    hpcl_job_destroy(next);
    next = new_job(x);
    assert_int_equal(hpcl_job_submit(next, 0), HPCL_OK);
    print_message("# %s", logs);
    assert_int_equal(stat(x->journal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(requests, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_has(logs, "was mode 0644, readable or writable by others; made "
                     "it 0600");
    assert_has(logs, "requests file");
    hpcl_ctx_set_log(x->ctx, NULL, NULL);
    free(logs);
    hpcl_job_destroy(job);
    hpcl_job_destroy(next);
    for (size_t i = 0; i < 3; i++) {
        struct hpcl__site *site;

        hpcl__site_open(ctx, i, &site); /* joins a probe still running */
        ctx->slots[i].site.ops = NULL;
    }
    hpcl_ctx_destroy(ctx);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
HPCL_TEST_MAIN(NULL, NULL, T(choice_home_within_max_wait),
               T(choice_earliest_when_home_saturated),
               T(choice_ties_go_to_the_preferred_site),
               T(choice_max_wait_of_the_job_wins),
               T(choice_probes_run_at_once),
               T(choice_home_first_does_not_wait),
               T(choice_site_known_down_is_not_asked),
               T(choice_no_answer_is_nobackend),
               T(choice_unknown_home_is_kept), T(choice_2058_is_unknown),
               T(choice_far_but_real_start_is_saturation),
               T(choice_saturated_home_skips_unknown_sites),
               T(choice_silent_home_unknown_elsewhere),
               T(choice_held_job_probed_as_released),
               T(choice_late_start_with_idle_nodes_is_unknown),
               T(choice_dependency_binds_the_job_home),
               T(choice_waits_count_from_begin),
               T(submit_moves_on_after_a_refusal),
               T(submit_ambiguous_then_found_is_adopted),
               T(submit_ambiguous_site_silent_goes_nowhere_else),
               T(submit_ambiguous_not_found_moves_on),
               T(submit_maps_paths_and_strips_tokens),
               T(submit_many_syncs_twice_per_batch),
               T(refresh_many_journals_ends_at_once),
               T(jobs_reconcile_adopt_and_lose),
               T(jobs_reconcile_keys_in_one_listing),
               T(jobs_other_key_at_the_id_is_lost),
               T(jobs_seen_ends_are_never_lost),
               T(jobs_reissued_id_is_not_ours),
               T(jobs_accounting_settles_purged_jobs),
               T(jobs_accounting_down_is_unknown),
               T(jobs_started_then_lost_is_not_resubmitted),
               T(jobs_other_cluster_same_label),
               T(submit_without_id_is_ambiguous),
               T(submit_outcome_unwritable_keeps_ref),
               T(torn_files_then_resubmit),
               T(stored_number_out_of_range_is_refused),
               T(loose_modes_are_fixed))
