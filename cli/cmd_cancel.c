/* hpclaunch cancel: cancel jobs, as scancel (silent on success). */
#include <getopt.h>

#include "cli.h"

static void cancel_help(void)
{
    printf("usage: hpclaunch cancel [--conf FILE] JOB...\n\n"
           "Cancel each JOB.  A job that has already ended is not an error.\n\n"
           "Exit status: 0 success, 1 library error (unknown job, site "
           "down), 2 usage error.\n");
}

int cmd_cancel(int argc, char **argv)
{
    hpcl_ctx *ctx;
    int status;

    status = cli_parse_ref_opts(argc, argv, "cancel", cancel_help, NULL,
                                NULL);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((ctx = cli_sites_ctx_create("cancel")) == NULL)
        return EXIT_LIBRARY;
    for (int i = optind; i < argc; i++) {
        hpcl_job *job = NULL;
        hpcl_rc rc = hpcl_job_attach(&job, ctx, argv[i]);
        if (rc == HPCL_OK)
            rc = hpcl_job_cancel(job);
        if (rc != HPCL_OK)
            status = cli_lib_error("cancel", ctx, rc);
        hpcl_job_destroy(job);
    }
    hpcl_ctx_destroy(ctx);
    return status;
}
