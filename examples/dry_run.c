/* dry_run NTASKS PROGRAM [ARG...]: print the script, submit nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <hpclaunch.h>

int main(int argc, char *argv[])
{
    const char *const *cmd = (const char *const *)(argv + 2);
    hpcl_ctx *ctx = NULL;
    hpcl_job *job = NULL;
    char *script = NULL;
    unsigned ntasks;
    hpcl_rc rc;
    int status = EXIT_FAILURE;

    if (argc < 3) {
        fprintf(stderr, "usage: %s NTASKS PROGRAM [ARG...]\n", argv[0]);
        return 2;
    }
    ntasks = (unsigned)strtoul(argv[1], NULL, 10);
    if ((rc = hpcl_ctx_create(&ctx, 0)) != HPCL_OK) {
        fprintf(stderr, "hpcl_ctx_create: %s\n", hpcl_strerror(rc));
        return EXIT_FAILURE;
    }
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK ||
        (rc = hpcl_job_set_ntasks(job, ntasks)) != HPCL_OK ||
        (rc = hpcl_job_set_command(job, argc - 2, cmd)) != HPCL_OK ||
        (rc = hpcl_job_script(&script, job)) != HPCL_OK) {
        fprintf(stderr, "dry_run: %s: %s\n", hpcl_strerror(rc),
                hpcl_ctx_errmsg(ctx));
        goto out;
    }
    fputs(script, stdout);
    status = EXIT_SUCCESS;
out:
    free(script); /* the caller owns the script */
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
