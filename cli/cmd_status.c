/* hpclaunch status: the state of jobs, as a table or JSON. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"

void cli_print_job_header(void)
{
    printf("%-16s %-10s %4s  %-16s %s\n", "JOB", "STATE", "EXIT", "NODES",
           "REASON");
}

void cli_print_job(hpcl_job *job, int json, int index)
{
    const char *nodes = hpcl_job_nodelist(job);
    const char *reason = hpcl_job_reason(job);

    if (!json) {
        printf("%-16s %-10s %4d  %-16s %s\n", hpcl_job_ref(job),
               hpcl_state_name(hpcl_job_state(job)), hpcl_job_exit_code(job),
               nodes[0] ? nodes : "-", reason[0] ? reason : "-");
        return;
    }
    printf("%s{\"ref\":", index > 0 ? "," : "");
    cli_json_string(stdout, hpcl_job_ref(job));
    printf(",\"state\":\"%s\",\"reason\":",
           hpcl_state_name(hpcl_job_state(job)));
    cli_json_string(stdout, reason);
    printf(",\"nodes\":");
    cli_json_string(stdout, nodes);
    printf(",\"exit_code\":%d,\"output\":", hpcl_job_exit_code(job));
    cli_json_string(stdout, hpcl_job_output_path(job));
    printf(",\"error\":");
    cli_json_string(stdout, hpcl_job_error_path(job));
    printf("}");
}

int cli_parse_ref_opts(int argc, char **argv, const char *cmd,
                       void (*help)(void), int *json, double *timeout)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"conf", required_argument, NULL, OPT_CONF},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    int opt;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == OPT_JSON && json != NULL) {
            *json = 1;
        } else if (opt == OPT_TIMEOUT && timeout != NULL) {
            if ((*timeout = cli_parse_seconds(optarg)) < 0)
                return cli_usage_error(cmd, "invalid --timeout '%s': "
                                       "expected a number of seconds > 0",
                                       optarg);
        } else if (opt == OPT_CONF) {
            cli_conf = optarg;
        } else if (opt == OPT_HELP) {
            help();
            return -1;
        } else {
            return cli_usage_hint(cmd);
        }
    }
    return cli_need_refs(cmd, optind, argc);
}

static void status_help(void)
{
    printf("usage: hpclaunch status [--json] [--conf FILE] JOB...\n\n"
           "Show each job's state (PENDING, RUNNING, COMPLETED, FAILED,\n"
           "CANCELLED, TIMEOUT), exit code, nodes and Slurm's reason.\n"
           "JOB is a reference such as SITE:1234 (or just 1234, at the "
           "home site).\n\n"
           "Exit status: 0 success, 1 library error (unknown job, site "
           "down), 2 usage error.\n");
}

int cmd_status(int argc, char **argv)
{
    hpcl_ctx *ctx;
    int json = 0, status = EXIT_OK, shown = 0;

    status = cli_parse_ref_opts(argc, argv, "status", status_help, &json,
                                NULL);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((ctx = cli_sites_ctx_create("status")) == NULL)
        return EXIT_LIBRARY;
    if (json)
        printf("[");
    else
        cli_print_job_header();
    for (int i = optind; i < argc; i++) {
        hpcl_job *job = NULL;
        hpcl_rc rc = hpcl_job_attach(&job, ctx, argv[i]);
        if (rc == HPCL_OK)
            rc = hpcl_job_refresh(job);
        if (rc == HPCL_OK)
            cli_print_job(job, json, shown++);
        else
            status = cli_lib_error("status", ctx, rc);
        hpcl_job_destroy(job);
    }
    if (json)
        printf("]\n");
    hpcl_ctx_destroy(ctx);
    return status;
}
