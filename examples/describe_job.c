/* Describe a two-node GPU job and print its batch script. */
#include <stdio.h>
#include <stdlib.h>
#include <hpclaunch.h>

static hpcl_rc describe(hpcl_job *job)
{
    static const char *const cmd[] = {"./solver", "-i", "mesh.h5"};
    hpcl_rc rc;

    if ((rc = hpcl_job_set_command(job, 3, cmd)) != HPCL_OK ||
        (rc = hpcl_job_set_nodes(job, 2, 0)) != HPCL_OK ||
        (rc = hpcl_job_set_ntasks(job, 8)) != HPCL_OK ||
        (rc = hpcl_job_set_cpus_per_task(job, 8)) != HPCL_OK ||
        (rc = hpcl_job_set_gpus_per_task(job, 1)) != HPCL_OK ||
        (rc = hpcl_job_set_time_limit(job, 90)) != HPCL_OK ||
        (rc = hpcl_job_set_partition(job, "gpu")) != HPCL_OK ||
        (rc = hpcl_job_set_name(job, "solver")) != HPCL_OK ||
        (rc = hpcl_job_set_output(job, "%x-%j.out")) != HPCL_OK ||
        (rc = hpcl_job_setenv(job, "OMP_NUM_THREADS", "8")) != HPCL_OK)
        return rc;
    return HPCL_OK;
}

int main(void)
{
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    char *script = NULL;
    hpcl_rc rc;
    int status = EXIT_FAILURE;

    if ((rc = hpcl_ctx_create(&ctx, 0)) != HPCL_OK) {
        fprintf(stderr, "hpcl_ctx_create: %s\n", hpcl_strerror(rc));
        return EXIT_FAILURE;
    }
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK ||
        (rc = describe(job)) != HPCL_OK ||
        (rc = hpcl_job_script(&script, job)) != HPCL_OK) {
        fprintf(stderr, "describe_job: %s: %s\n", hpcl_strerror(rc),
                hpcl_ctx_errmsg(ctx));
        goto out;
    }
    fputs(script, stdout);
    status = EXIT_SUCCESS;
out:
    free(script);
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
