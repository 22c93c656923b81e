/* hpclaunch submit: write the batch script, submit it, optionally wait. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct submit_opts {
    int wait;
    double timeout;
    int json;
    int parsable;
    int print_script;
    int no_pin;
    const char *site;
    long max_wait; /* -1: the site file's */
    int dry_run;
    int explain;
    const char *wrap;
};

enum {
    OPT_NO_PIN = OPT_CMD_FIRST,
    OPT_SITE,
    OPT_MAX_WAIT,
    OPT_SUBMIT_DRY_RUN,
    OPT_EXPLAIN,
    OPT_WRAP
};

static const struct option submit_longopts[] = {
    CLI_JOB_LONGOPTS,
    {"wait", no_argument, NULL, 'W'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"parsable", no_argument, NULL, OPT_PARSABLE},
    {"print-script", no_argument, NULL, OPT_PRINT_SCRIPT},
    {"no-pin", no_argument, NULL, OPT_NO_PIN},
    {"site", required_argument, NULL, OPT_SITE},
    {"max-wait", required_argument, NULL, OPT_MAX_WAIT},
    {"dry-run", no_argument, NULL, OPT_SUBMIT_DRY_RUN},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"wrap", required_argument, NULL, OPT_WRAP},
    {NULL, 0, NULL, 0}};

#define SUBMIT_SHORTOPTS "+" CLI_JOB_SHORTOPTS "W"

static void submit_help(void)
{
    printf("usage: hpclaunch submit [OPTIONS] [--] PROGRAM [ARGS...]\n"
           "       hpclaunch submit [OPTIONS] SCRIPT [ARGS...]\n"
           "       hpclaunch submit [OPTIONS] --wrap=COMMAND\n\n"
           "Write a batch script that starts PROGRAM with the launcher and\n"
           "submit it to Slurm, at the site where it starts earliest (the "
           "home site\nwhile it would start within --max-wait), exactly "
           "once.  Arguments reach\nPROGRAM verbatim.  A SCRIPT (a file "
           "starting with #! that has #SBATCH\ndirectives) is submitted as "
           "the batch script, as sbatch does: its\ndirectives are read, "
           "SBATCH_* variables override them and options on\nthe command "
           "line override both.\n\n");
    cli_job_options_help(stdout);
    printf("\nSubmit options:\n"
           "  -W, --wait               wait for the job to end, then say "
           "where its output is\n"
           "      --timeout=SECONDS    with --wait: give up after SECONDS "
           "(exit 4)\n"
           "      --wrap=COMMAND       submit a /bin/sh script that runs "
           "COMMAND\n"
           "      --parsable           print only the job reference\n"
           "      --json               print the result as JSON\n"
           "      --print-script       print the batch script, submit "
           "nothing\n"
           "      --no-pin             do not start tasks through 'hpclaunch "
           "pin'\n"
           "      --site=NAME          submit to this site, no choice\n"
           "      --max-wait=DURATION  stay home while the job would start "
           "within it\n"
           "                           (90, 30s, 10m, 1h30m; default: the "
           "site file's)\n"
           "      --dry-run            choose a site, submit nothing; print "
           "the decision\n"
           "      --explain            say why the site was chosen (on "
           "stderr)\n"
           "      --help               this text\n\n"
           "Exit status: 0 submitted (with --wait: the job COMPLETED), 1 "
           "library error,\n2 usage error, 3 the job ended FAILED, CANCELLED "
           "or TIMEOUT, 4 --timeout expired.\n");
}

/* Apply one option; EXIT_OK, or an exit status after printing. */
static int apply(hpcl_ctx *ctx, hpcl_job *job, struct submit_opts *so,
                 int opt, const char *arg)
{
    switch (opt) {
    case 'W': so->wait = 1; return EXIT_OK;
    case OPT_JSON: so->json = 1; return EXIT_OK;
    case OPT_PARSABLE: so->parsable = 1; return EXIT_OK;
    case OPT_PRINT_SCRIPT: so->print_script = 1; return EXIT_OK;
    case OPT_NO_PIN: so->no_pin = 1; return EXIT_OK;
    case OPT_SITE: so->site = arg; return EXIT_OK;
    case OPT_SUBMIT_DRY_RUN: so->dry_run = 1; return EXIT_OK;
    case OPT_EXPLAIN: so->explain = 1; return EXIT_OK;
    case OPT_WRAP: so->wrap = arg; return EXIT_OK;
    case OPT_MAX_WAIT:
        if ((so->max_wait = cli_parse_duration(arg)) < 0)
            return cli_usage_error("submit", "invalid --max-wait '%s': "
                                   "expected a duration such as 90, 30s, "
                                   "10m or 1h30m", arg);
        return EXIT_OK;
    case OPT_TIMEOUT:
        if ((so->timeout = cli_parse_seconds(arg)) < 0)
            return cli_usage_error("submit", "invalid --timeout '%s': "
                                   "expected a number of seconds > 0", arg);
        return EXIT_OK;
    }
    return cli_job_option("submit", ctx, job, opt, arg);
}

/* The command line's options, kept to be applied last: they win over a
 * script's directives and SBATCH_* variables, as with sbatch. */
struct recorded {
    int opt;
    const char *arg;
};

static int record_cmdline(int argc, char **argv, struct recorded *rec,
                          int *nrec)
{
    int opt;

    optind = 0;
    *nrec = 0;
    while ((opt = getopt_long(argc, argv, SUBMIT_SHORTOPTS, submit_longopts,
                              NULL)) != -1) {
        if (opt == OPT_HELP) {
            submit_help();
            return -1;
        }
        if (opt == '?')
            return cli_usage_hint("submit");
        rec[(*nrec)++] = (struct recorded){opt, optarg};
    }
    return EXIT_OK;
}

/* Apply one directive line (or the SBATCH_* words); where names it. */
static int apply_line(hpcl_ctx *ctx, hpcl_job *job, struct submit_opts *so,
                      const struct cli_directive_line *l, const char *where)
{
    char prog[300], *saved = l->argv[0];
    int opt, status = EXIT_OK;

    snprintf(prog, sizeof prog, "hpclaunch submit: %s", where);
    l->argv[0] = prog; /* getopt names it in its own messages */
    optind = 0;
    cli_where = where;
    while (status == EXIT_OK &&
           (opt = getopt_long(l->argc, l->argv, SUBMIT_SHORTOPTS,
                              submit_longopts, NULL)) != -1) {
        if (opt == '?' || opt == OPT_HELP)
            status = opt == '?' ? cli_usage_hint("submit")
                                : cli_usage_error("submit", "--help is "
                                                  "not a job option");
        else
            status = apply(ctx, job, so, opt, optarg);
    }
    if (status == EXIT_OK && optind < l->argc)
        status = cli_usage_error("submit", "unexpected word '%s' (only "
                                 "options belong in #SBATCH lines)",
                                 l->argv[optind]);
    cli_where = NULL;
    l->argv[0] = saved;
    return status;
}

static int apply_directives(hpcl_ctx *ctx, hpcl_job *job,
                            struct submit_opts *so, const char *path,
                            const struct cli_directives *d)
{
    char where[280];
    int status = EXIT_OK;

    if (d->bad_line != 0) {
        snprintf(where, sizeof where, "%s:%d", path, d->bad_line);
        cli_where = where;
        status = cli_usage_error("submit", "unmatched %c in an #SBATCH "
                                 "line (sbatch refuses it too)",
                                 d->bad_quote);
        cli_where = NULL;
        return status;
    }
    for (size_t i = 0; i < d->nlines && status == EXIT_OK; i++) {
        snprintf(where, sizeof where, "%s:%d", path, d->line[i].lineno);
        status = apply_line(ctx, job, so, &d->line[i], where);
    }
    return status;
}

static int apply_sbatch_env(hpcl_ctx *ctx, hpcl_job *job,
                            struct submit_opts *so)
{
    struct cli_directive_line l = {0, 0, NULL};
    int status = EXIT_OK;

    if (cli_sbatch_env(&l) != 0) {
        fputs("hpclaunch submit: out of memory\n", stderr);
        status = EXIT_LIBRARY;
    }
    /* One word at a time, so that an error names its variable. */
    for (int i = 1; status == EXIT_OK && i < l.argc; i++) {
        char *words[3] = {l.argv[0], l.argv[i], NULL};
        struct cli_directive_line one = {0, 2, words};
        status = apply_line(ctx, job, so, &one,
                            cli_sbatch_env_var(l.argv[i]));
    }
    for (int k = 0; k < l.argc; k++)
        free(l.argv[k]);
    free(l.argv);
    return status;
}

/* The job is a batch script (SCRIPT or --wrap) rather than a program to
 * launch: what it runs, and its default name as sbatch gives it. */
static int set_batch(hpcl_ctx *ctx, hpcl_job *job, const char *script,
                     const char *name)
{
    hpcl_rc rc = hpcl_job_set_batch_script(job, script);

    if (rc == HPCL_OK)
        rc = hpcl_job_set_name(job, name);
    return rc == HPCL_OK ? EXIT_OK : cli_lib_error("submit", ctx, rc);
}

static int wrap_script(hpcl_ctx *ctx, hpcl_job *job, const char *command)
{
    size_t len = strlen(command) + 80;
    char *script = malloc(len);
    int status;

    if (script == NULL) {
        fputs("hpclaunch submit: out of memory\n", stderr);
        return EXIT_LIBRARY;
    }
    snprintf(script, len, "#!/bin/sh\n# This script was created by "
             "hpclaunch submit --wrap.\n\n%s\n", command);
    status = set_batch(ctx, job, script, "wrap");
    free(script);
    return status;
}

/* What the job runs: --wrap, a batch script, or a program. */
static int set_payload(hpcl_ctx *ctx, hpcl_job *job, struct submit_opts *so,
                       int nargs, char **args, struct cli_directives *d)
{
    const char *base;
    hpcl_rc rc;
    int r;

    if (so->wrap != NULL)
        return nargs > 0 ? cli_usage_error("submit", "--wrap and a program "
                                           "or script ('%s') exclude each "
                                           "other", args[0])
                         : wrap_script(ctx, job, so->wrap);
    if (nargs < 1)
        return cli_usage_error("submit", "no program given: hpclaunch "
                               "submit [OPTIONS] -- PROGRAM [ARGS], "
                               "hpclaunch submit [OPTIONS] SCRIPT, or "
                               "--wrap=COMMAND");
    rc = hpcl_job_set_command(job, nargs, (const char *const *)args);
    if (rc != HPCL_OK)
        return cli_lib_error("submit", ctx, rc);
    if ((r = cli_read_directives(args[0], d)) < 0) {
        fputs("hpclaunch submit: out of memory\n", stderr);
        return EXIT_LIBRARY;
    }
    if (r == 0)
        return EXIT_OK;
    base = strrchr(args[0], '/');
    return set_batch(ctx, job, d->script, base ? base + 1 : args[0]);
}

/* Options from the script, then SBATCH_*, then the command line. */
static int parse_submit(int argc, char **argv, hpcl_ctx *ctx, hpcl_job *job,
                        struct submit_opts *so)
{
    struct recorded *rec = calloc((size_t)argc + 1, sizeof *rec);
    struct cli_directives d = {0};
    int nrec = 0, first, status;

    if (rec == NULL) {
        fputs("hpclaunch submit: out of memory\n", stderr);
        return EXIT_LIBRARY;
    }
    if ((status = record_cmdline(argc, argv, rec, &nrec)) != EXIT_OK)
        goto out;
    first = optind;
    /* --wrap decides what runs: it may come from anywhere on the line. */
    for (int i = 0; i < nrec; i++)
        if (rec[i].opt == OPT_WRAP)
            so->wrap = rec[i].arg;
    if ((status = set_payload(ctx, job, so, argc - first, argv + first,
                              &d)) != EXIT_OK ||
        (status = apply_directives(ctx, job, so, argv[first], &d)) !=
            EXIT_OK ||
        (status = apply_sbatch_env(ctx, job, so)) != EXIT_OK)
        goto out;
    for (int i = 0; i < nrec && status == EXIT_OK; i++)
        status = apply(ctx, job, so, rec[i].opt, rec[i].arg);
out:
    cli_directives_free(&d);
    free(rec);
    return status;
}

/* ,"key":..,"decision":{..} for the JSON records (after "ref"). */
static void print_json_decision(hpcl_job *job)
{
    char *decision = NULL;

    printf(",\"key\":");
    cli_json_string(stdout, hpcl_job_key(job));
    if (hpcl_job_decision_json(&decision, job) == HPCL_OK)
        printf(",\"decision\":%s", decision);
    free(decision);
}

static void print_submitted(const struct submit_opts *so, hpcl_job *job)
{
    const char *ref = hpcl_job_ref(job);

    if (so->explain)
        fputs(hpcl_job_decision(job), stderr);
    if (so->json) {
        if (so->wait)
            return; /* the final record carries the reference */
        printf("{\"ref\":");
        cli_json_string(stdout, ref);
        print_json_decision(job);
        printf("}\n");
    } else if (so->parsable) {
        printf("%s\n", ref);
    } else {
        printf("Submitted batch job %s\n", ref);
    }
    fflush(stdout);
}

static void print_ended(const struct submit_opts *so, hpcl_job *job)
{
    hpcl_state st = hpcl_job_state(job);

    if (so->json) {
        printf("{\"ref\":");
        cli_json_string(stdout, hpcl_job_ref(job));
        printf(",\"state\":\"%s\",\"exit_code\":%d,\"output\":",
               hpcl_state_name(st), hpcl_job_exit_code(job));
        cli_json_string(stdout, hpcl_job_output_path(job));
        printf(",\"error\":");
        cli_json_string(stdout, hpcl_job_error_path(job));
        print_json_decision(job);
        printf("}\n");
    } else if (!so->parsable) {
        printf("Job %s ended %s (exit code %d); output: %s\n",
               hpcl_job_ref(job), hpcl_state_name(st),
               hpcl_job_exit_code(job), hpcl_job_output_path(job));
    }
}

/* --dry-run: the decision alone. */
static void print_dry_run(const struct submit_opts *so, hpcl_job *job)
{
    char *decision = NULL;

    if (!so->json) {
        fputs(hpcl_job_decision(job), stdout);
        return;
    }
    if (hpcl_job_decision_json(&decision, job) == HPCL_OK)
        printf("{\"dry_run\":true,\"decision\":%s}\n", decision);
    free(decision);
}

/* Tasks start through this very program's "pin" command, so they are
 * placed next to their GPUs and NIC (hpclaunch-pin(1)). */
static int set_pin_wrapper(hpcl_ctx *ctx, hpcl_job *job)
{
    static char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *const wrapper[] = {self, "pin", "--"};
    hpcl_rc rc;

    if (n <= 0) {
        perror("hpclaunch submit: cannot find this program for "
               "'hpclaunch pin' (/proc/self/exe); use --no-pin");
        return EXIT_LIBRARY;
    }
    self[n] = '\0';
    if ((rc = hpcl_job_set_task_wrapper(job, 3, wrapper)) != HPCL_OK)
        return cli_lib_error("submit", ctx, rc);
    return EXIT_OK;
}

static int do_submit(hpcl_ctx *ctx, hpcl_job *job,
                     const struct submit_opts *so)
{
    hpcl_rc rc = hpcl_job_submit(job, so->dry_run ? HPCL_SUBMIT_DRY_RUN : 0);

    if (rc != HPCL_OK) {
        /* Why no site took it is part of the answer. */
        if (so->explain || so->dry_run)
            fputs(hpcl_job_decision(job), stderr);
        return cli_lib_error("submit", ctx, rc);
    }
    if (so->dry_run)
        print_dry_run(so, job);
    else
        print_submitted(so, job);
    return EXIT_OK;
}

static int run_submit(hpcl_ctx *ctx, hpcl_job *job,
                      const struct submit_opts *so)
{
    hpcl_rc rc;
    char *script = NULL;
    int status;

    if (so->print_script) {
        if ((rc = hpcl_job_script(&script, job)) != HPCL_OK)
            return cli_lib_error("submit", ctx, rc);
        fputs(script, stdout);
        free(script);
        return EXIT_OK;
    }
    if ((status = do_submit(ctx, job, so)) != EXIT_OK || so->dry_run ||
        !so->wait)
        return status;
    rc = hpcl_job_wait(job, so->timeout > 0 ? so->timeout : -1);
    if (rc == HPCL_E_TIMEOUT) {
        fprintf(stderr, "hpclaunch submit: job %s still %s after %g s\n",
                hpcl_job_ref(job), hpcl_state_name(hpcl_job_state(job)),
                so->timeout);
        return EXIT_WAIT;
    }
    if (rc != HPCL_OK)
        return cli_lib_error("submit", ctx, rc);
    print_ended(so, job);
    return hpcl_job_state(job) == HPCL_STATE_COMPLETED ? EXIT_OK : EXIT_JOB;
}

/* The site file, then what depends on it: --site and --max-wait. */
static int apply_sites(hpcl_ctx *ctx, hpcl_job *job,
                       const struct submit_opts *so)
{
    hpcl_rc rc = HPCL_OK;

    if (cli_load_sites("submit", ctx) != EXIT_OK)
        return EXIT_LIBRARY;
    if (so->site != NULL)
        rc = hpcl_job_set_site(job, so->site);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_max_wait(job, so->max_wait);
    return rc == HPCL_OK ? EXIT_OK : cli_lib_error("submit", ctx, rc);
}

int cmd_submit(int argc, char **argv)
{
    struct submit_opts so = {.max_wait = -1};
    hpcl_ctx *ctx = cli_ctx_create("submit");
    hpcl_job *job = NULL;
    hpcl_rc rc;
    int status;

    if (ctx == NULL)
        return EXIT_LIBRARY;
    if ((rc = hpcl_job_create(&job, ctx)) != HPCL_OK) {
        status = cli_lib_error("submit", ctx, rc);
        goto out;
    }
    if ((status = parse_submit(argc, argv, ctx, job, &so)) != EXIT_OK) {
        status = status < 0 ? EXIT_OK : status;
        goto out;
    }
    if ((status = apply_sites(ctx, job, &so)) == EXIT_OK &&
        (so.no_pin || (status = set_pin_wrapper(ctx, job)) == EXIT_OK))
        status = run_submit(ctx, job, &so);
out:
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
