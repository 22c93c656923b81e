/* hpclaunch cancel: cancel jobs, as scancel (silent on success). */

#include "cli.h"
#include "options.h"
#include "json_doc.h"

const struct cli_cmd cli_cmd_cancel = {
    "cancel", "cancel jobs", cmd_cancel,
    "hpclaunch cancel [--json] [--conf FILE] JOB...",
    "Cancel each JOB.  A job that has already ended is not an error.\n"
    "--json prints each job and whether it was cancelled "
    "(hpclaunch-json(7)).",
    {{NULL, cli_json_opt}, {NULL, cli_conf_opt}, {NULL, cli_help_opt}},
    "0 success, 1 library error (unknown job, site down), 2 usage\n"
    "error (also a malformed reference or an unknown site).",
    0, "@ref"};

int cmd_cancel(int argc, char **argv)
{
    hpcl_ctx *ctx;
    struct hpcl__jw *w;
    int status, json = 0;

    status = cli_parse_ref_opts(argc, argv, &cli_cmd_cancel, &json, NULL);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    cli_doc_set_json(json);
    if ((ctx = cli_sites_ctx_create("cancel")) == NULL)
        return EXIT_LIBRARY;
    /* Each job asked for, and whether it was cancelled (or had ended). */
    if ((w = cli_doc_member("jobs")) != NULL)
        hpcl__jw_open(w, '[');
    for (int i = optind; i < argc; i++) {
        hpcl_job *job = NULL;
        hpcl_rc rc = hpcl_job_attach(&job, ctx, argv[i]);
        if (rc == HPCL_OK)
            rc = hpcl_job_cancel(job);
        cli_doc_subject("job", argv[i]);
        if (rc != HPCL_OK)
            status = cli_job_error("cancel", ctx, rc);
        cli_doc_subject(NULL, NULL);
        if (w != NULL) {
            hpcl__jw_open(w, '{');
            hpcl__jw_kstr(w, "ref", job != NULL ? hpcl_job_ref(job)
                                                : argv[i]);
            hpcl__jw_key(w, "cancelled");
            hpcl__jw_bool(w, rc == HPCL_OK);
            hpcl__jw_close(w, '}');
        }
        hpcl_job_destroy(job);
    }
    if (w != NULL)
        hpcl__jw_close(w, ']');
    hpcl_ctx_destroy(ctx);
    return status;
}
