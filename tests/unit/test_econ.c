/*
 * The decision with a job's intents (lib/submit/econ.c): stage-in time
 * against the queue, budget, deadline, cost and carbon objectives, and
 * the refusals, against fake drivers whose probe answers as the test says
 * (dry runs: nothing is staged or submitted).  Also the staged path's name
 * at a site (lib/job/intent.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpcl_test.h"
#include "job/intent.h"
#include "registry/registry.h"

static long waits[3];

static hpcl_rc f_probe(struct hpcl__site *s, hpcl_ctx *ctx,
                       const struct hpcl__jobdesc *d, struct hpcl_probe *p)
{
    (void)ctx, (void)d;
    p->start_time = time(NULL) + *(long *)s->state;
    p->partition = strdup("p");
    return HPCL_OK;
}

static void f_close(struct hpcl__site *s)
{
    (void)s;
}

static const struct hpcl__backend_ops fake_ops = {
    .driver = "fake", .probe = f_probe, .close = f_close};

struct fx {
    char dir[64];
    char input[128];
    hpcl_ctx *ctx;
};

/* Home alpha (cheap, dirty), beta (dear, green, endpoint and a link of
 * BW bytes/s), gamma (no endpoint). */
static void load(struct fx *x, const char *bw)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof path, "%s/hpclaunch.conf", x->dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "[defaults]\nhome = alpha\nmax_wait = 60\ncurrency = EUR\n"
            "[site alpha]\ndriver = slurm\nslurm_conf = /nonexistent\n"
            "price_core_hour = 0.02\ncarbon_intensity = 400\n"
            "[site beta]\ndriver = slurm\nslurm_conf = /nonexistent\n"
            "price_core_hour = 0.10\ncarbon_intensity = 40\n"
            "data_endpoint = u@dtn:22:/stage\nbandwidth = %s\nrtt = 10ms\n"
            "[site gamma]\ndriver = slurm\nslurm_conf = /nonexistent\n"
            "price_core_hour = 0.01\n", bw);
    fclose(f);
    assert_int_equal(hpcl_ctx_load_sites(x->ctx, path, 0), HPCL_OK);
    for (size_t i = 0; i < 3; i++) {
        x->ctx->slots[i].site.ops = &fake_ops;
        x->ctx->slots[i].site.state = &waits[i];
    }
}

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof *x);
    FILE *f;

    strcpy(x->dir, "/tmp/hpcl-econ-XXXXXX");
    if (mkdtemp(x->dir) == NULL || hpcl_ctx_create(&x->ctx, 0) != HPCL_OK)
        return -1;
    snprintf(x->input, sizeof x->input, "%s/in.dat", x->dir);
    /* 10 MB, sparse: only its size counts here. */
    if ((f = fopen(x->input, "w")) == NULL || fseek(f, 9999999, SEEK_SET) ||
        fputc(0, f) == EOF || fclose(f) != 0)
        return -1;
    memset(waits, 0, sizeof waits);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    char cmd[128];

    for (size_t i = 0; i < 3 && x->ctx->sites_loaded; i++) {
        struct hpcl__site *site;
        hpcl__site_open(x->ctx, i, &site);
        x->ctx->slots[i].site.ops = NULL;
    }
    hpcl_ctx_destroy(x->ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    free(x);
    return system(cmd) == 0 ? 0 : -1;
}

static hpcl_job *new_job(struct fx *x, unsigned minutes)
{
    static const char *const argv[] = {"/bin/true"};
    const char *in[] = {x->input};
    hpcl_job *job;

    assert_int_equal(hpcl_job_create(&job, x->ctx), HPCL_OK);
    assert_int_equal(hpcl_job_set_command(job, 1, argv), HPCL_OK);
    assert_int_equal(hpcl_job_set_input(job, 1, in), HPCL_OK);
    if (minutes > 0)
        assert_int_equal(hpcl_job_set_time_limit(job, minutes), HPCL_OK);
    return job;
}

#define assert_has(text, part)                                             \
    do {                                                                   \
        if (strstr((text), (part)) == NULL)                                \
            fail_msg("\"%s\" not in \"%s\"", (part), (text));              \
    } while (0)

/* The site a dry run chose. */
static const char *chosen(hpcl_job *job)
{
    static char name[64];
    char *json = NULL, *p;

    assert_int_equal(hpcl_job_decision_json(&json, job), HPCL_OK);
    assert_non_null(p = strstr(json, "\"chosen\":"));
    snprintf(name, sizeof name, "%s", p + 9);
    free(json);
    return name;
}

/* Home saturated (600 s over max_wait 60), beta idle: 10 MB over 1 kB/s
 * is 10000 s of staging, so home still starts first; over 1 GB/s, beta. */
static void econ_slow_link_keeps_home_fast_link_leaves(void **state)
{
    struct fx *x = *state;
    hpcl_job *job;

    load(x, "1k");
    waits[0] = 600;
    waits[2] = 10000000; /* gamma: far away, and no endpoint anyway */
    job = new_job(x, 10);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(chosen(job), "\"alpha\"");
    assert_has(hpcl_job_decision(job), "stage-in 10000.");
    assert_has(hpcl_job_decision(job), "no data_endpoint");
    hpcl_job_destroy(job);
}

static void econ_fast_link_goes_to_partner(void **state)
{
    struct fx *x = *state;
    hpcl_job *job;

    load(x, "1G");
    waits[0] = 600;
    job = new_job(x, 10);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(chosen(job), "\"beta\"");
    assert_has(hpcl_job_decision(job), "rule earliest");
    hpcl_job_destroy(job);
}

/* 1 core x 10 min: alpha 0.0033 EUR, beta 0.0167. */
static void econ_budget_keeps_home_or_refuses(void **state)
{
    struct fx *x = *state;
    hpcl_job *job;

    load(x, "1G");
    waits[0] = 600;
    job = new_job(x, 10);
    assert_int_equal(hpcl_job_set_budget(job, 0.01), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(chosen(job), "\"alpha\"");
    hpcl_job_destroy(job);
    job = new_job(x, 10);
    assert_int_equal(hpcl_job_set_budget(job, 0.001), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN),
                     HPCL_E_NOBACKEND);
    assert_has(hpcl_ctx_errmsg(x->ctx), "beta: over the budget (0.01667 "
               "EUR, budget 0.001)");
    assert_has(hpcl_ctx_errmsg(x->ctx), "gamma: no data_endpoint");
    assert_has(hpcl_job_decision(job), "rule none");
    hpcl_job_destroy(job);
}

static void econ_objectives(void **state)
{
    struct fx *x = *state;
    hpcl_job *job;

    load(x, "1G");
    job = new_job(x, 60);
    assert_int_equal(hpcl_job_set_prefer(job, HPCL_PREFER_CARBON), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(chosen(job), "\"beta\"");
    /* 1 core x 10 W x 1 h x 40 g/kWh; home 400 g/kWh */
    assert_has(hpcl_job_decision(job), "carbon 0.4 g CO2");
    assert_has(hpcl_job_decision(job), "carbon 4 g CO2");
    assert_has(hpcl_job_decision(job), "rule carbon");
    hpcl_job_destroy(job);
    job = new_job(x, 60);
    assert_int_equal(hpcl_job_set_prefer(job, HPCL_PREFER_COST), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(chosen(job), "\"alpha\"");
    hpcl_job_destroy(job);
}

static void econ_deadline(void **state)
{
    struct fx *x = *state;
    hpcl_job *job;

    load(x, "1k"); /* beta: 10000 s of staging */
    waits[0] = 1200;
    job = new_job(x, 10);
    assert_int_equal(hpcl_job_set_deadline(job, time(NULL) + 3600),
                     HPCL_OK);
    assert_int_equal(hpcl_job_set_prefer(job, HPCL_PREFER_FINISH), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN), HPCL_OK);
    assert_has(chosen(job), "\"alpha\"");
    assert_has(hpcl_job_decision(job), "out: would finish after the "
               "deadline");
    hpcl_job_destroy(job);
}

static void econ_needs_run_time(void **state)
{
    struct fx *x = *state;
    hpcl_job *job;

    load(x, "1G");
    job = new_job(x, 0);
    assert_int_equal(hpcl_job_set_prefer(job, HPCL_PREFER_COST), HPCL_OK);
    assert_int_equal(hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN),
                     HPCL_E_INVAL);
    assert_has(hpcl_ctx_errmsg(x->ctx), "give a time limit (-t)");
    hpcl_job_destroy(job);
}

static void econ_setters_refuse(void **state)
{
    struct fx *x = *state;
    hpcl_job *job;
    const char *root[] = {"/"}, *empty[] = {""};

    load(x, "1G");
    job = new_job(x, 1);
    assert_int_equal(hpcl_job_set_input(job, 1, root), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_output_back(job, 1, empty), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_input(job, 1, NULL), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_deadline(job, -5), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_set_prefer(job, (hpcl_prefer)9), HPCL_E_INVAL);
    assert_int_equal(hpcl_job_fetch(job, 0), HPCL_E_INVAL); /* not sent */
    hpcl_job_destroy(job);
}

/* Paths under an input or output are named under the data root; others,
 * and sites without an endpoint, are left alone. */
static void econ_site_path(void **state)
{
    struct fx *x = *state;
    char *ins[] = {"/home/u/data"}, *outs[] = {"/home/u/res.txt"}, *m;
    struct hpcl__intent in = {.inputs = ins, .ninputs = 1, .outputs = outs,
                              .noutputs = 1};
    struct hpcl__site_conf c = {0};

    c.econ.data_root = "/stage";
    assert_int_equal(hpcl__intent_site_path(&m, x->ctx, &in, &c,
                                            "/home/u/data/a.nc"), HPCL_OK);
    assert_string_equal(m, "/stage/home/u/data/a.nc");
    free(m);
    assert_int_equal(hpcl__intent_site_path(&m, x->ctx, &in, &c,
                                            "/home/u/res.txt"), HPCL_OK);
    assert_string_equal(m, "/stage/home/u/res.txt");
    free(m);
    assert_int_equal(hpcl__intent_site_path(&m, x->ctx, &in, &c,
                                            "/home/u/database"), HPCL_OK);
    assert_null(m);
    assert_int_equal(hpcl__intent_site_path(&m, x->ctx, &in, &c, "data"),
                     HPCL_OK);
    assert_null(m);
    c.econ.data_root = NULL;
    assert_int_equal(hpcl__intent_site_path(&m, x->ctx, &in, &c,
                                            "/home/u/data/a.nc"), HPCL_OK);
    assert_null(m);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

HPCL_TEST_MAIN(NULL, NULL,
               T(econ_slow_link_keeps_home_fast_link_leaves),
               T(econ_fast_link_goes_to_partner),
               T(econ_budget_keeps_home_or_refuses),
               T(econ_objectives),
               T(econ_deadline),
               T(econ_needs_run_time),
               T(econ_setters_refuse),
               T(econ_site_path))
