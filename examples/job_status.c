/* job_status REF...: show the state of jobs such as local:4242. */
#include <stdio.h>
#include <stdlib.h>
#include <hpclaunch.h>

static int show(hpcl_ctx *ctx, const char *ref)
{
    hpcl_job *job = NULL;
    hpcl_rc rc;

    if ((rc = hpcl_job_attach(&job, ctx, ref)) != HPCL_OK ||
        (rc = hpcl_job_refresh(job)) != HPCL_OK) {
        fprintf(stderr, "%s: %s: %s\n", ref, hpcl_strerror(rc),
                hpcl_ctx_errmsg(ctx));
        hpcl_job_destroy(job);
        return 1;
    }
    printf("%-14s %-10s %-12s %s\n", hpcl_job_ref(job),
           hpcl_state_name(hpcl_job_state(job)), hpcl_job_reason(job),
           hpcl_job_nodelist(job));
    hpcl_job_destroy(job); /* the job itself is not affected */
    return 0;
}

int main(int argc, char *argv[])
{
    hpcl_ctx *ctx = NULL;
    hpcl_rc rc;
    int failed = 0;

    if ((rc = hpcl_ctx_create(&ctx, 0)) != HPCL_OK) {
        fprintf(stderr, "hpcl_ctx_create: %s\n", hpcl_strerror(rc));
        return EXIT_FAILURE;
    }
    for (int i = 1; i < argc; i++)
        failed |= show(ctx, argv[i]);
    hpcl_ctx_destroy(ctx);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
