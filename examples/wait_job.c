/* Submit a job, wait up to an hour for it, and report how it ended. */
#include <stdio.h>
#include <stdlib.h>
#include <hpclaunch.h>

int main(int argc, char *argv[])
{
    const char *const *cmd = (const char *const *)(argv + 1);
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    hpcl_state state;
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
        (rc = hpcl_job_submit(job, 0)) != HPCL_OK)
        goto fail;
    fprintf(stderr, "submitted %s\n", hpcl_job_ref(job));

    rc = hpcl_job_wait(job, 3600.0);
    state = hpcl_job_state(job);
    if (rc == HPCL_E_TIMEOUT) {
        fprintf(stderr, "%s still %s after an hour; cancelling\n",
                hpcl_job_ref(job), hpcl_state_name(state));
        if ((rc = hpcl_job_cancel(job)) != HPCL_OK)
            goto fail;
        goto out;
    }
    if (rc != HPCL_OK)
        goto fail;

    printf("%s %s, exit code %d, output in %s\n", hpcl_job_ref(job),
           hpcl_state_name(state), hpcl_job_exit_code(job),
           hpcl_job_output_path(job));
    if (state == HPCL_STATE_COMPLETED)
        status = EXIT_SUCCESS;
    goto out;
fail:
    fprintf(stderr, "wait_job: %s: %s\n", hpcl_strerror(rc),
            hpcl_ctx_errmsg(ctx));
out:
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
