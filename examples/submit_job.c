/* submit_job PROGRAM [ARG...]: submit a 4-task job, print its ref. */
#include <stdio.h>
#include <stdlib.h>
#include <hpclaunch.h>

int main(int argc, char *argv[])
{
    const char *const *cmd = (const char *const *)(argv + 1);
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    hpcl_rc rc;
    int status = EXIT_FAILURE;

    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM [ARG...]\n", argv[0]);
        return 2;
    }
    if ((rc = hpcl_ctx_create(&ctx, 0)) != HPCL_OK) {
        fprintf(stderr, "hpcl_ctx_create: %s\n", hpcl_strerror(rc));
        return EXIT_FAILURE;
    }
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK ||
        (rc = hpcl_job_set_command(job, argc - 1, cmd)) != HPCL_OK ||
        (rc = hpcl_job_set_ntasks(job, 4)) != HPCL_OK ||
        (rc = hpcl_job_set_time_limit(job, 10)) != HPCL_OK)
        goto fail;

    rc = hpcl_job_submit(job, 0);
    if (rc == HPCL_E_AMBIGUOUS) {
        /* Sent, but no answer came back: the job may exist. */
        fprintf(stderr, "submit_job: %s\n", hpcl_ctx_errmsg(ctx));
        fprintf(stderr, "submit_job: check squeue before retrying\n");
        goto out;
    }
    if (rc != HPCL_OK)
        goto fail;
    printf("%s\n", hpcl_job_ref(job)); /* for example local:4242 */
    status = EXIT_SUCCESS;
    goto out;
fail:
    fprintf(stderr, "submit_job: %s: %s\n", hpcl_strerror(rc),
            hpcl_ctx_errmsg(ctx));
out:
    hpcl_job_destroy(job); /* the job itself stays queued */
    hpcl_ctx_destroy(ctx);
    return status;
}
