/*
 * Submission benchmark: held jobs per second through (a) the hpclaunch
 * library and (b) raw slurm_submit_batch_job, both in this one process.
 * bench/submit.sh adds sbatch and `hpclaunch submit` loops and the ratios.
 *
 *   bench_submit lib|raw COUNT WORKDIR    prints "<rate> jobs/s" and the ids
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
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
                    slurm_strerror(slurm_get_errno()));
            return 1;
        }
        fprintf(ids, "local:%u\n", resp->job_id);
        slurm_free_submit_response_response_msg(resp);
    }
    slurm_fini();
    return 0;
}

int main(int argc, char **argv)
{
    int count, rc;
    double t0, elapsed;
    FILE *ids;

    if (argc != 5 || (count = atoi(argv[2])) <= 0) {
        fprintf(stderr, "usage: bench_submit lib|raw COUNT WORKDIR IDFILE\n");
        return 2;
    }
    if ((ids = fopen(argv[4], "a")) == NULL) {
        perror(argv[4]);
        return 1;
    }
    t0 = now();
    if (strcmp(argv[1], "lib") == 0)
        rc = bench_lib(count, argv[3], ids);
    else
        rc = bench_raw(count, argv[3], ids);
    elapsed = now() - t0;
    fclose(ids);
    if (rc == 0)
        printf("%.1f\n", count / elapsed);
    return rc;
}
