/* probe_queue NTASKS PARTITION: when would such a job start? */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <hpclaunch.h>

int main(int argc, char *argv[])
{
    static const char *const cmd[] = {"/bin/true"};
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    hpcl_probe *probe = NULL;
    char when[64] = "now";
    time_t start;
    unsigned ntasks;
    hpcl_rc rc;
    int status = EXIT_FAILURE;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NTASKS PARTITION\n", argv[0]);
        return 2;
    }
    ntasks = (unsigned)strtoul(argv[1], NULL, 10);
    if ((rc = hpcl_ctx_create(&ctx, 0)) != HPCL_OK) {
        fprintf(stderr, "hpcl_ctx_create: %s\n", hpcl_strerror(rc));
        return EXIT_FAILURE;
    }
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK ||
        (rc = hpcl_job_set_command(job, 1, cmd)) != HPCL_OK ||
        (rc = hpcl_job_set_ntasks(job, ntasks)) != HPCL_OK ||
        (rc = hpcl_job_set_partition(job, argv[2])) != HPCL_OK ||
        (rc = hpcl_job_probe(&probe, job, 0)) != HPCL_OK) {
        fprintf(stderr, "probe_queue: %s: %s\n", hpcl_strerror(rc),
                hpcl_ctx_errmsg(ctx));
        goto out;
    }
    start = hpcl_probe_start_time(probe);
    if (start > time(NULL))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M",
                 localtime(&start));
    printf("%s: would start %s on %s\n", hpcl_probe_partition(probe),
           when, hpcl_probe_nodelist(probe));
    printf("%u jobs pending, %u of %u nodes idle\n",
           hpcl_probe_pending_jobs(probe), hpcl_probe_idle_nodes(probe),
           hpcl_probe_total_nodes(probe));
    status = EXIT_SUCCESS;
out:
    hpcl_probe_destroy(probe);
    hpcl_job_destroy(job); /* it was never submitted */
    hpcl_ctx_destroy(ctx);
    return status;
}
