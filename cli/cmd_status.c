/* hpclaunch status: the state of jobs, as a table or JSON (job_json.c). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "json_doc.h"

void cli_print_job_header(void)
{
    printf("%-16s %-10s %-20s %-16s %s\n", "JOB", "STATE", "EXIT", "NODES",
           "REASON");
}

/* One row: the job, or (indented) one of its array tasks. */
static void job_row(const char *indent, const char *ref, hpcl_state state,
                    int exit_code, int sig, const char *nodes,
                    const char *reason)
{
    char end[48];

    /* nodes and reason come from the site: cli_text() */
    printf("%s%-*s %-10s %-20s %-16s %s\n", indent,
           16 - (int)strlen(indent), ref, hpcl_state_name(state),
           cli_job_end(end, sizeof end, exit_code, sig),
           nodes[0] ? cli_text(nodes) : "-",
           reason[0] ? cli_text(reason) : "-");
}

void cli_print_job(hpcl_job *job)
{
    job_row("", hpcl_job_ref(job), hpcl_job_state(job),
            hpcl_job_exit_code(job), hpcl_job_signal(job),
            hpcl_job_nodelist(job), hpcl_job_reason(job));
    /* An array job: every task, not only the folded state. */
    for (size_t i = 0; i < hpcl_job_task_count(job); i++)
        job_row("  ", hpcl_job_task_ref(job, i), hpcl_job_task_state(job, i),
                hpcl_job_task_exit_code(job, i),
                hpcl_job_task_signal(job, i),
                hpcl_job_task_nodelist(job, i),
                hpcl_job_task_reason(job, i));
}

int cli_parse_ref_opts(int argc, char **argv, const struct cli_cmd *cmd,
                       int *json, double *timeout)
{
    struct cli_parser p;
    int opt;

    cli_parser_init(&p, cmd, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0) {
        if (opt == OPT_JSON && json != NULL) {
            *json = 1;
        } else if (opt == OPT_TIMEOUT && timeout != NULL) {
            if ((*timeout = cli_parse_seconds(p.arg)) < 0)
                return cli_duration_error(cmd->name, "--timeout", p.arg,
                                          CLI_DUR_TIMEOUT);
        } else if (opt == OPT_CONF) {
            cli_conf = p.arg;
        }
    }
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
    return cli_need_refs(cmd->name, optind, argc);
}

const struct cli_cmd cli_cmd_status = {
    "status", "show the state of jobs", cmd_status,
    "hpclaunch status [--json] [--conf FILE] JOB...",
    "Show each job's state (PENDING, RUNNING, COMPLETED, FAILED,\n"
    "CANCELLED, TIMEOUT), exit code, nodes and Slurm's reason.\n"
    "JOB is a reference such as SITE:1234 (or just 1234, at the "
    "home site).",
    {{NULL, cli_json_opt}, {NULL, cli_conf_opt}, {NULL, cli_help_opt}},
    "0 success, 1 library error (unknown job, site down), 2 usage\n"
    "error (also a malformed reference or an unknown site).",
    0, "@ref"};

int cmd_status(int argc, char **argv)
{
    hpcl_ctx *ctx;
    struct hpcl__jw *w;
    int json = 0, status = EXIT_OK;

    status = cli_parse_ref_opts(argc, argv, &cli_cmd_status, &json, NULL);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    cli_doc_set_json(json);
    if ((ctx = cli_sites_ctx_create("status")) == NULL)
        return EXIT_LIBRARY;
    if ((w = cli_doc_member("jobs")) != NULL)
        hpcl__jw_open(w, '[');
    else
        cli_print_job_header();
    /* All the jobs at once: each site is asked once (hpcl_jobs_attach),
     * not once per job; a job that failed is asked again alone, for its
     * own message. */
    size_t n = (size_t)(argc - optind);
    hpcl_job **jobs = calloc(n + 1, sizeof *jobs);
    hpcl_rc *rcs = calloc(n + 1, sizeof *rcs);
    if (jobs == NULL || rcs == NULL) {
        free(jobs);
        free(rcs);
        hpcl_ctx_destroy(ctx);
        return EXIT_LIBRARY;
    }
    hpcl_jobs_attach(jobs, ctx, (const char *const *)argv + optind, n, rcs,
                     0);
    for (int i = optind; i < argc; i++) {
        hpcl_job *job = jobs[i - optind];
        hpcl_rc rc = rcs[i - optind];
        if (rc != HPCL_OK)
            rc = hpcl_job_attach(&job, ctx, argv[i]);
        cli_doc_subject("job", argv[i]);
        if (rc != HPCL_OK)
            status = cli_job_error("status", ctx, rc);
        else if (w != NULL)
            cli_job_json(w, job);
        else
            cli_print_job(job);
        hpcl_job_destroy(job);
    }
    cli_doc_subject(NULL, NULL);
    free(jobs);
    free(rcs);
    if (w != NULL)
        hpcl__jw_close(w, ']');
    hpcl_ctx_destroy(ctx);
    return status;
}
