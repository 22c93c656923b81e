/* hpclaunch wait: block until jobs end; the exit status tells how. */
#include <getopt.h>

#include "cli.h"

static void wait_help(void)
{
    printf("usage: hpclaunch wait [--timeout=SECONDS] [--json] [--conf FILE] "
           "JOB...\n\n"
           "Wait until every JOB has ended, then show its final state.\n\n"
           "Exit status: 0 all COMPLETED, 1 library error, 2 usage error,\n"
           "3 a job ended FAILED, CANCELLED or TIMEOUT, 4 --timeout "
           "expired.\n");
}

static int wait_one(hpcl_ctx *ctx, const char *ref, double timeout, int json,
                    int index)
{
    hpcl_job *job = NULL;
    hpcl_rc rc = hpcl_job_attach(&job, ctx, ref);
    int status = EXIT_OK;

    if (rc == HPCL_OK)
        rc = hpcl_job_wait(job, timeout > 0 ? timeout : -1);
    if (rc == HPCL_E_TIMEOUT) {
        fprintf(stderr, "hpclaunch wait: job %s still %s after %g s\n", ref,
                hpcl_state_name(hpcl_job_state(job)), timeout);
        status = EXIT_WAIT;
    } else if (rc != HPCL_OK) {
        status = cli_lib_error("wait", ctx, rc);
    } else {
        cli_print_job(job, json, index);
        if (hpcl_job_state(job) != HPCL_STATE_COMPLETED)
            status = EXIT_JOB;
    }
    hpcl_job_destroy(job);
    return status;
}

int cmd_wait(int argc, char **argv)
{
    hpcl_ctx *ctx;
    double timeout = 0;
    int json = 0, status, worst = EXIT_OK;

    status = cli_parse_ref_opts(argc, argv, "wait", wait_help, &json,
                                &timeout);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((ctx = cli_sites_ctx_create("wait")) == NULL)
        return EXIT_LIBRARY;
    if (json)
        printf("[");
    else
        cli_print_job_header();
    for (int i = optind; i < argc; i++) {
        status = wait_one(ctx, argv[i], timeout, json, i - optind);
        /* The first library error wins; else the most severe outcome. */
        if (worst != EXIT_LIBRARY && status > worst)
            worst = status;
        if (status == EXIT_LIBRARY)
            worst = EXIT_LIBRARY;
    }
    if (json)
        printf("]\n");
    hpcl_ctx_destroy(ctx);
    return worst;
}
