/*
 * Decision benchmark: how long choosing a site takes
 * with the site file given, against probing its sites one after another.
 * bench/decide.sh makes a file with three sites, one of them dead, and
 * one with ten libslurm sites that never answer beside the live home.
 *
 *   bench_decide SITEFILE
 *
 * prints, in seconds: each site's probe alone (a fresh context each, so
 * nothing is known down), their sum, then three decisions in one context
 * (the first finds the dead sites; the next ones know they are down),
 * each with the site chosen.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hpclaunch.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static hpcl_job *probe_job(hpcl_ctx *ctx)
{
    const char *const argv[] = {"/bin/true"};
    hpcl_job *job = NULL;

    if (hpcl_job_create(&job, ctx) != HPCL_OK ||
        hpcl_job_set_command(job, 1, argv) != HPCL_OK ||
        hpcl_job_set_ntasks(job, 1) != HPCL_OK ||
        hpcl_job_set_time_limit(job, 1) != HPCL_OK) {
        hpcl_job_destroy(job);
        return NULL;
    }
    return job;
}

/* Probe site i alone, in a context of its own. */
static double probe_alone(const char *file, size_t i)
{
    hpcl_ctx *ctx;
    hpcl_job *job;
    hpcl_probe *probe = NULL;
    double t0, took = -1;
    hpcl_rc rc;

    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK)
        return -1;
    if (hpcl_ctx_load_sites(ctx, file, 0) == HPCL_OK &&
        (job = probe_job(ctx)) != NULL) {
        hpcl_job_set_site(job, hpcl_ctx_site_name(ctx, i));
        t0 = now();
        rc = hpcl_job_probe(&probe, job, 0);
        took = now() - t0;
        printf("probe %-8s %7.3f s  %s\n", hpcl_ctx_site_name(ctx, i), took,
               rc == HPCL_OK ? "answered" : hpcl_ctx_errmsg(ctx));
        hpcl_probe_destroy(probe);
        hpcl_job_destroy(job);
    }
    hpcl_ctx_destroy(ctx);
    return took;
}

/* The site the decision chose ("chosen" in its JSON), into buf. */
static const char *chosen(const hpcl_job *job, char *buf, size_t len)
{
    char *json = NULL;
    const char *at;

    snprintf(buf, len, "(none)");
    if (hpcl_job_decision_json(&json, job) == HPCL_OK &&
        (at = strstr(json, "\"chosen\":\"")) != NULL)
        snprintf(buf, len, "%.*s", (int)strcspn(at + 10, "\""), at + 10);
    free(json);
    return buf;
}

int main(int argc, char **argv)
{
    hpcl_ctx *ctx;
    double sum = 0;
    size_t n;

    if (argc != 2) {
        fprintf(stderr, "usage: bench_decide SITEFILE\n");
        return 2;
    }
    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK ||
        hpcl_ctx_load_sites(ctx, argv[1], 0) != HPCL_OK) {
        fprintf(stderr, "bench_decide: %s\n", hpcl_ctx_errmsg(ctx));
        return 1;
    }
    n = hpcl_ctx_site_count(ctx);
    for (size_t i = 0; i < n; i++)
        sum += probe_alone(argv[1], i);
    printf("sum of the probes one after another: %.3f s\n", sum);
    for (int round = 1; round <= 3; round++) {
        hpcl_job *job = probe_job(ctx);
        double t0 = now(), took;
        char site[128];

        hpcl_job_submit(job, HPCL_SUBMIT_DRY_RUN);
        took = now() - t0;
        printf("decision %d: %.3f s, chosen %s\n", round, took,
               chosen(job, site, sizeof site));
        if (round == 1)
            fputs(hpcl_job_decision(job), stdout);
        hpcl_job_destroy(job);
    }
    hpcl_ctx_destroy(ctx);
    return 0;
}
