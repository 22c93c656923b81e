/*
 * Submission benchmark: held jobs per second through (a) the hpclaunch
 * library, (b) raw slurm_submit_batch_job, and the library with its
 * journal on (exactly-once: INTENT synced before, outcome after), (e) one
 * job per call and (f) 100 jobs per hpcl_job_submit_many call, all in this
 * one process.  bench/submit.sh adds sbatch and `hpclaunch submit` loops
 * and the ratios.
 *
 * bench/rest.sh uses the modes rest (one context: one kept-alive
 * connection to the slurmrestd site) and rest-new (a new context, so a new
 * connection, per job).
 *
 *   bench_submit lib|raw|journal|batch|rest|rest-new COUNT WORKDIR IDFILE
 *       prints "<rate>" (jobs/s); the references go to IDFILE.
 *       journal, batch and rest* read the site file $HPCL_BENCH_CONF and
 *       submit to its site $HPCL_BENCH_SITE (default "sitea"), named
 *       $HPCL_BENCH_NAME when set.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <hpclaunch.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* (a): one context, one job handle per job, as a research code would. */
static int bench_lib(int count, const char *workdir, FILE *ids)
{
    const char *const argv[] = {"/bin/true"};
    hpcl_ctx *ctx;

    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK)
        return 1;
    for (int i = 0; i < count; i++) {
        hpcl_job *job;
        hpcl_rc rc = hpcl_job_create(&job, ctx);
        if (rc == HPCL_OK)
            rc = hpcl_job_set_command(job, 1, argv);
        if (rc == HPCL_OK)
            rc = hpcl_job_set_hold(job, 1);
        if (rc == HPCL_OK)
            rc = hpcl_job_set_workdir(job, workdir);
        if (rc == HPCL_OK)
            rc = hpcl_job_set_time_limit(job, 1);
        if (rc == HPCL_OK)
            rc = hpcl_job_submit(job, 0);
        if (rc != HPCL_OK) {
            fprintf(stderr, "bench lib: %s: %s\n", hpcl_strerror(rc),
                    hpcl_ctx_errmsg(ctx));
            return 1;
        }
        fprintf(ids, "%s\n", hpcl_job_ref(job));
        hpcl_job_destroy(job);
    }
    hpcl_ctx_destroy(ctx);
    return 0;
}

/* One held job to the benchmark's site, ready to submit. */
static hpcl_rc make_job(hpcl_ctx *ctx, const char *workdir, hpcl_job **out)
{
    const char *const argv[] = {"/bin/true"};
    hpcl_rc rc = hpcl_job_create(out, ctx);

    if (rc == HPCL_OK)
        rc = hpcl_job_set_command(*out, 1, argv);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_hold(*out, 1);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_workdir(*out, workdir);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_time_limit(*out, 1);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_site(*out, getenv("HPCL_BENCH_SITE")
                                         ? getenv("HPCL_BENCH_SITE")
                                         : "sitea");
    if (rc == HPCL_OK && getenv("HPCL_BENCH_NAME") != NULL)
        rc = hpcl_job_set_name(*out, getenv("HPCL_BENCH_NAME"));
    return rc;
}

/* (e) and (f): the journal on; per jobs per call (1 or 100). */
static int bench_journal(int count, int per, const char *workdir, FILE *ids)
{
    hpcl_job *jobs[100];
    hpcl_ctx *ctx;
    hpcl_rc rc;

    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK)
        return 1;
    rc = hpcl_ctx_load_sites(ctx, getenv("HPCL_BENCH_CONF"), 0);
    for (int done = 0; rc == HPCL_OK && done < count; done += per) {
        int n = count - done < per ? count - done : per, made = 0;
        while (made < n && (rc = make_job(ctx, workdir, &jobs[made])) ==
                               HPCL_OK)
            made++;
        if (rc == HPCL_OK)
            rc = n == 1 ? hpcl_job_submit(jobs[0], 0)
                        : hpcl_job_submit_many(jobs, (size_t)n, 0);
        for (int i = 0; i < made; i++) {
            if (hpcl_job_ref(jobs[i]) != NULL)
                fprintf(ids, "%s\n", hpcl_job_ref(jobs[i]));
            hpcl_job_destroy(jobs[i]);
        }
    }
    if (rc != HPCL_OK)
        fprintf(stderr, "bench journal: %s: %s\n", hpcl_strerror(rc),
                hpcl_ctx_errmsg(ctx));
    hpcl_ctx_destroy(ctx);
    return rc != HPCL_OK;
}

/* (b): the limit -- a prepared descriptor submitted again and again. */
static int bench_raw(int count, const char *workdir, FILE *ids)
{
    job_desc_msg_t desc;
    submit_response_msg_t *resp;
    unsigned n = 0;

    slurm_init(NULL);
    slurm_init_job_desc_msg(&desc);
    while (environ[n] != NULL)
        n++;
    desc.environment = environ;
    desc.env_size = n;
    desc.script = "#!/bin/bash\nexec /bin/true\n";
    desc.name = "bench";
    desc.work_dir = (char *)workdir;
    desc.priority = 0;
    desc.time_limit = 1;
    desc.user_id = getuid();
    desc.group_id = getgid();
    for (int i = 0; i < count; i++) {
        if (slurm_submit_batch_job(&desc, &resp) != 0) {
            fprintf(stderr, "bench raw: %s\n",
                    slurm_strerror(errno)); /* libslurm sets errno */
            return 1;
        }
        fprintf(ids, "local:%u\n", resp->job_id);
        slurm_free_submit_response_response_msg(resp);
    }
    slurm_fini();
    return 0;
}

/* One job per call, the site file loaded into a new context for each job
 * when fresh (a new connection each time) or once. */
static int bench_rest(int count, int fresh, const char *workdir, FILE *ids)
{
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    hpcl_rc rc = HPCL_OK;

    for (int i = 0; rc == HPCL_OK && i < count; i++) {
        if (ctx == NULL && (rc = hpcl_ctx_create(&ctx, 0)) == HPCL_OK)
            rc = hpcl_ctx_load_sites(ctx, getenv("HPCL_BENCH_CONF"), 0);
        if (rc == HPCL_OK && (rc = make_job(ctx, workdir, &job)) == HPCL_OK &&
            (rc = hpcl_job_submit(job, 0)) == HPCL_OK)
            fprintf(ids, "%s\n", hpcl_job_ref(job));
        if (rc != HPCL_OK)
            fprintf(stderr, "bench rest: %s: %s\n", hpcl_strerror(rc),
                    hpcl_ctx_errmsg(ctx));
        hpcl_job_destroy(job);
        job = NULL;
        if (fresh || rc != HPCL_OK) {
            hpcl_ctx_destroy(ctx);
            ctx = NULL;
        }
    }
    hpcl_ctx_destroy(ctx);
    return rc != HPCL_OK;
}

int main(int argc, char **argv)
{
    int count, rc;
    double t0, elapsed;
    FILE *ids;

    if (argc != 5 || (count = atoi(argv[2])) <= 0) {
        fprintf(stderr, "usage: bench_submit lib|raw|journal|batch|rest|"
                "rest-new COUNT WORKDIR IDFILE\n");
        return 2;
    }
    if ((ids = fopen(argv[4], "a")) == NULL) {
        perror(argv[4]);
        return 1;
    }
    t0 = now();
    if (strcmp(argv[1], "lib") == 0)
        rc = bench_lib(count, argv[3], ids);
    else if (strcmp(argv[1], "journal") == 0)
        rc = bench_journal(count, 1, argv[3], ids);
    else if (strcmp(argv[1], "batch") == 0)
        rc = bench_journal(count, 100, argv[3], ids);
    else if (strcmp(argv[1], "rest") == 0)
        rc = bench_rest(count, 0, argv[3], ids);
    else if (strcmp(argv[1], "rest-new") == 0)
        rc = bench_rest(count, 1, argv[3], ids);
    else
        rc = bench_raw(count, argv[3], ids);
    elapsed = now() - t0;
    fclose(ids);
    if (rc == 0)
        printf("%.1f\n", count / elapsed);
    return rc;
}
