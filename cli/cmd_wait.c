/* hpclaunch wait: block until jobs end; the exit status tells how. */
#include <stdlib.h>

#include "cli.h"
#include "options.h"
#include "json_doc.h"
#include "wait_loop.h"

static const struct cli_opt wait_opts[] = {
    {OPT_TIMEOUT, "timeout", "DURATION", "one deadline for all the jobs "
     "(a bare number is\nseconds; 90, 1:30, 10m, 500ms, UNLIMITED: "
     "hpclaunch(7)); a job\nstill running then is shown as it is (exit 4)",
     NULL},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_wait = {
    "wait", "wait until jobs end", cmd_wait,
    "hpclaunch wait [--timeout=DURATION] [--progress|--quiet] [--json]\n"
    "               [--conf FILE] JOB...",
    "Wait until every JOB has ended, then show its final state;\n"
    "--timeout is one deadline for all of them, and a job still\n"
    "running then is shown as it is.  While waiting, each state\n"
    "change is printed on stderr (when it is a terminal, or with\n"
    "--progress); Ctrl-C stops waiting, not the jobs.  A site that\n"
    "stops answering, or refuses an expired token, is waited out.",
    {{NULL, wait_opts}, {NULL, cli_progress_opts}, {NULL, cli_json_opt},
     {NULL, cli_conf_opt}, {NULL, cli_help_opt}},
    "0 all COMPLETED, 1 library error, 2 usage error (also a\n"
    "malformed reference or an unknown site), 3 a job ended FAILED,\n"
    "CANCELLED or TIMEOUT, 4 --timeout expired, 130 interrupted\n"
    "(Ctrl-C; 143 on SIGTERM): the jobs keep running.",
    0, "@ref"};

/* wait's options: those of status, and --progress/--quiet. */
static int parse_wait(int argc, char **argv, int *json, double *timeout,
                      int *progress)
{
    struct cli_parser p;
    int opt;

    cli_parser_init(&p, &cli_cmd_wait, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0) {
        if (opt == OPT_JSON) {
            *json = 1;
        } else if (opt == OPT_TIMEOUT) {
            if ((*timeout = cli_parse_seconds(p.arg)) < 0)
                return cli_duration_error("wait", "--timeout", p.arg,
                                          CLI_DUR_TIMEOUT);
        } else if (opt == OPT_PROGRESS || opt == OPT_QUIET) {
            *progress = opt == OPT_PROGRESS ? 1 : -1;
        } else if (opt == OPT_CONF) {
            cli_conf = p.arg;
        }
    }
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
    return cli_need_refs("wait", optind, argc);
}

/* A job's state, ended or not: a JSON job object, else a table row. */
static void print_job(struct hpcl__jw *w, hpcl_job *job)
{
    if (w != NULL)
        cli_job_json(w, job);
    else
        cli_print_job(job);
}

/* One job's outcome, printed: its exit status for the command.  A job
 * not ended is one the deadline (or a signal) left running. */
static int outcome(struct hpcl__jw *w, hpcl_ctx *ctx, const char *ref,
                   hpcl_job **job, hpcl_rc rc, double timeout)
{
    int status;

    /* The context keeps the last error only, and other jobs were asked
     * about since: ask again, for this job's own message. */
    if (rc != HPCL_OK)
        rc = *job != NULL ? hpcl_job_refresh(*job)
                          : hpcl_job_attach(job, ctx, ref);
    if (rc != HPCL_OK) {
        cli_doc_subject("job", ref);
        status = cli_job_error("wait", ctx, rc);
        cli_doc_subject(NULL, NULL);
        return status;
    }
    print_job(w, *job);
    if (!hpcl_state_is_terminal(hpcl_job_state(*job))) {
        if (timeout > 0)
            fprintf(stderr, "hpclaunch wait: job %s still %s after %g s\n",
                    ref, hpcl_state_name(hpcl_job_state(*job)), timeout);
        return EXIT_WAIT;
    }
    return hpcl_job_state(*job) == HPCL_STATE_COMPLETED ? EXIT_OK : EXIT_JOB;
}

int cmd_wait(int argc, char **argv)
{
    hpcl_ctx *ctx;
    double timeout = 0, deadline;
    struct hpcl__jw *w;
    int json = 0, progress = 0, status, worst = EXIT_OK, timed_out = 0;
    int signo = 0;
    size_t n;
    hpcl_job **jobs;
    hpcl_rc *rc;
    enum cli_wait_end end;

    status = parse_wait(argc, argv, &json, &timeout, &progress);
    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    /* One deadline for all the jobs, as the option says, not one each. */
    deadline = timeout > 0 ? cli_now() + timeout : 0;
    cli_doc_set_json(json);
    n = (size_t)(argc - optind);
    jobs = calloc(n, sizeof *jobs);
    rc = calloc(n, sizeof *rc);
    if (jobs == NULL || rc == NULL ||
        (ctx = cli_sites_ctx_create("wait")) == NULL) {
        free(jobs);
        free(rc);
        return EXIT_LIBRARY;
    }
    /* Attaching looks once: a typo fails here, before any wait. */
    for (size_t i = 0; i < n; i++)
        rc[i] = hpcl_job_attach(&jobs[i], ctx, argv[optind + (int)i]);
    end = cli_wait_jobs("wait", ctx, jobs, rc, n, deadline,
                        cli_progress_on(progress), &signo);
    if ((w = cli_doc_member("jobs")) != NULL)
        hpcl__jw_open(w, '[');
    else
        cli_print_job_header();
    for (size_t i = 0; i < n; i++) {
        status = outcome(w, ctx, argv[optind + (int)i], &jobs[i], rc[i],
                         end == CLI_WAIT_DEADLINE ? timeout : 0);
        /* The first library error wins; else the most severe outcome. */
        if (worst != EXIT_LIBRARY && status > worst)
            worst = status;
        if (status == EXIT_LIBRARY)
            worst = EXIT_LIBRARY;
        timed_out |= status == EXIT_WAIT;
    }
    if (w != NULL) {
        hpcl__jw_close(w, ']');
        /* whether the deadline left a job running */
        if ((w = cli_doc_member("timed_out")) != NULL)
            hpcl__jw_bool(w, timed_out && end == CLI_WAIT_DEADLINE);
    }
    if (end == CLI_WAIT_INTERRUPTED)
        worst = cli_wait_interrupted("wait", jobs, n, signo);
    for (size_t i = 0; i < n; i++)
        hpcl_job_destroy(jobs[i]);
    free(jobs);
    free(rc);
    hpcl_ctx_destroy(ctx);
    return worst;
}
