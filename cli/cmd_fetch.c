/* hpclaunch fetch: bring a job's --output-back files home, verified. */

#include "cli.h"
#include "options.h"
#include "json_doc.h"

const struct cli_cmd cli_cmd_fetch = {
    "fetch", "bring a job's outputs home, verified", cmd_fetch,
    "hpclaunch fetch [--conf FILE] JOB...",
    "Copy each JOB's --output-back files home from the site it ran at\n"
    "(rsync over ssh to the site's data_endpoint), each one verified by\n"
    "SHA-256 at both ends.  A job that ran at home has its files already.",
    {{NULL, cli_conf_opt}, {NULL, cli_help_opt}},
    "0 success, 1 library error (unknown job, copy failed or differs),\n"
    "2 usage error.",
    0, "@ref"};

int cmd_fetch(int argc, char **argv)
{
    hpcl_ctx *ctx;
    int status, json = 0;

    status = cli_parse_ref_opts(argc, argv, &cli_cmd_fetch, &json, NULL);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((ctx = cli_sites_ctx_create("fetch")) == NULL)
        return EXIT_LIBRARY;
    for (int i = optind; i < argc; i++) {
        hpcl_job *job = NULL;
        hpcl_rc rc = hpcl_job_attach(&job, ctx, argv[i]);
        if (rc == HPCL_OK)
            rc = hpcl_job_fetch(job, 0);
        cli_doc_subject("job", argv[i]);
        if (rc != HPCL_OK)
            status = cli_job_error("fetch", ctx, rc);
        cli_doc_subject(NULL, NULL);
        hpcl_job_destroy(job);
    }
    hpcl_ctx_destroy(ctx);
    return status;
}
