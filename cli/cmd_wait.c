/* hpclaunch wait: block until jobs end; the exit status tells how. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <getopt.h>
#include <time.h>

#include "cli.h"

static void wait_help(void)
{
    printf("usage: hpclaunch wait [--timeout=SECONDS] [--json] [--conf FILE] "
           "JOB...\n\n"
           "Wait until every JOB has ended, then show its final state;\n"
           "--timeout is one deadline for all of them, and a job still\n"
           "running then is shown as it is.\n\n"
           "Exit status: 0 all COMPLETED, 1 library error, 2 usage error,\n"
           "3 a job ended FAILED, CANCELLED or TIMEOUT, 4 --timeout "
           "expired.\n");
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for one job until the deadline shared by all (0: none).  A job
 * still running at the deadline is shown as it is then. */
static int wait_one(hpcl_ctx *ctx, const char *ref, double timeout,
                    double deadline, int json, int index)
{
    hpcl_job *job = NULL;
    hpcl_rc rc = hpcl_job_attach(&job, ctx, ref);
    double left = deadline - now_s();
    int status = EXIT_OK;

    /* Past the deadline: one more look (attach has just looked), no wait. */
    if (rc == HPCL_OK && deadline > 0 && left <= 0 &&
        !hpcl_state_is_terminal(hpcl_job_state(job)))
        rc = HPCL_E_TIMEOUT;
    else if (rc == HPCL_OK)
        rc = hpcl_job_wait(job, deadline > 0 ? left : -1);
    if (rc == HPCL_E_TIMEOUT) {
        fprintf(stderr, "hpclaunch wait: job %s still %s after %g s\n", ref,
                hpcl_state_name(hpcl_job_state(job)), timeout);
        cli_print_job(job, json, index);
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
    double timeout = 0, deadline;
    int json = 0, status, worst = EXIT_OK;

    status = cli_parse_ref_opts(argc, argv, "wait", wait_help, &json,
                                &timeout);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    /* One deadline for all the jobs, as the option says, not one each. */
    deadline = timeout > 0 ? now_s() + timeout : 0;
    if ((ctx = cli_sites_ctx_create("wait")) == NULL)
        return EXIT_LIBRARY;
    if (json)
        printf("[");
    else
        cli_print_job_header();
    for (int i = optind; i < argc; i++) {
        status = wait_one(ctx, argv[i], timeout, deadline, json, i - optind);
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
