/* hpclaunch submit: write the batch script, submit it, optionally wait. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json_doc.h"
#include "options.h"
#include "wait_loop.h"

/* --input and --output-back given more often are refused, not cut. */
#define CLI_MAX_STAGED 256

struct submit_opts {
    int wait;
    int progress; /* --progress 1, --quiet -1, else 0 */
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
    /* Intents (hpcl_job_set_input(3)), set once the options are read. */
    const char *inputs[CLI_MAX_STAGED];
    size_t ninputs;
    const char *outputs[CLI_MAX_STAGED];
    size_t noutputs;
    long long deadline; /* 0: none */
    double budget;      /* < 0: none */
    int prefer;
};

enum {
    OPT_NO_PIN = OPT_CMD_FIRST,
    OPT_SITE,
    OPT_MAX_WAIT,
    OPT_SUBMIT_DRY_RUN,
    OPT_EXPLAIN,
    OPT_WRAP,
    OPT_INPUT,
    OPT_OUTPUT_BACK,
    OPT_DEADLINE,
    OPT_BUDGET,
    OPT_PREFER
};

static const struct cli_opt submit_opts[] = {
    {'W', "wait", NULL, "wait for the job to end, then say where its output "
     "is\n(a site that stops answering is waited out)", NULL},
    {OPT_TIMEOUT, "timeout", "DURATION", "with --wait: give up after it "
     "(exit 4; a bare\nnumber is seconds: 90, 1:30, 10m, 500ms, "
     "hpclaunch(7))", NULL},
    {OPT_WRAP, "wrap", "COMMAND", "submit a /bin/sh script that runs "
     "COMMAND", NULL},
    {OPT_PARSABLE, "parsable", NULL, "print only the job reference", NULL},
    {OPT_PRINT_SCRIPT, "print-script", NULL, "print the batch script, "
     "submit nothing", NULL},
    {OPT_NO_PIN, "no-pin", NULL, "do not start tasks through 'hpclaunch "
     "pin'", NULL},
    {OPT_SITE, "site", "NAME", "submit to this site, no choice", "@site"},
    {OPT_MAX_WAIT, "max-wait", "DURATION", "stay home while the job would "
     "start within it\n(a bare number is seconds: 90, 1:30:00, 10m, 1h30m; "
     "default:\nthe site file's)", NULL},
    {OPT_SUBMIT_DRY_RUN, "dry-run", NULL, "choose a site, submit nothing; "
     "print the decision", NULL},
    {OPT_EXPLAIN, "explain", NULL, "say why the site was chosen (on "
     "stderr)", NULL},
    {OPT_INPUT, "input", "PATH", "a file or folder the job reads: copied "
     "to the site\nit goes to and verified first (repeat for more)",
     "@file"},
    {OPT_OUTPUT_BACK, "output-back", "PATH", "a file or folder the job "
     "writes: brought home,\nverified, by --wait or hpclaunch fetch",
     "@file"},
    {OPT_DEADLINE, "deadline", "TIME", "only sites expected to finish by "
     "then (as --begin)", NULL},
    {OPT_BUDGET, "budget", "AMOUNT", "only sites whose expected cost is "
     "at most AMOUNT", NULL},
    {OPT_PREFER, "prefer", "WHAT", "choose by start (default), finish, "
     "cost or carbon", "start finish cost carbon"},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_submit = {
    "submit", "submit a batch job (sbatch-like options)", cmd_submit,
    "hpclaunch submit [OPTIONS] [--] PROGRAM [ARGS...]\n"
    "hpclaunch submit [OPTIONS] SCRIPT [ARGS...]\n"
    "hpclaunch submit [OPTIONS] --wrap=COMMAND",
    "Write a batch script that starts PROGRAM with the launcher and\n"
    "submit it to Slurm, at the site where it starts earliest (the home "
    "site\nwhile it would start within --max-wait), exactly once.  "
    "Arguments reach\nPROGRAM verbatim.  A SCRIPT (a file starting with #! "
    "that has #SBATCH\ndirectives) is submitted as the batch script, as "
    "sbatch does: its\ndirectives are read, SBATCH_* variables override "
    "them and options on\nthe command line override both.",
    {{"Job options (as sbatch):", cli_job_opts},
     {"Submit options:", submit_opts},
     {NULL, cli_progress_opts},
     {NULL, cli_json_opt},
     {NULL, cli_conf_opt},
     {NULL, cli_help_opt}},
    "0 submitted (with --wait: the job COMPLETED), 1 library error,\n"
    "2 usage error, 3 the job ended FAILED, CANCELLED or TIMEOUT, 4 "
    "--timeout expired,\n130 --wait interrupted (Ctrl-C; 143 on SIGTERM): "
    "the job keeps running.",
    1, "@file"};

/* One of the intent options; EXIT_OK, or a usage status. */
static int apply_intent(struct submit_opts *so, int opt, const char *arg)
{
    static const char *const prefer[] = {"start", "finish", "cost",
                                         "carbon"};
    char *end;

    switch (opt) {
    case OPT_INPUT:
    case OPT_OUTPUT_BACK: {
        size_t *n = opt == OPT_INPUT ? &so->ninputs : &so->noutputs;
        if (*n >= CLI_MAX_STAGED)
            return cli_usage_error("submit", "more than %d --%s options: "
                                   "name a folder instead",
                                   CLI_MAX_STAGED, opt == OPT_INPUT
                                   ? "input" : "output-back");
        (opt == OPT_INPUT ? so->inputs : so->outputs)[(*n)++] = arg;
        return EXIT_OK;
    }
    case OPT_DEADLINE:
        if ((so->deadline = cli_parse_begin(arg, time(NULL))) <= 0)
            return cli_usage_error("submit", "invalid --deadline '%s': "
                                   "expected a time as for --begin "
                                   "(now+2hours, 2026-12-24T18:00)", arg);
        return EXIT_OK;
    case OPT_BUDGET:
        so->budget = strtod(arg, &end);
        if (end == arg || *end != '\0' || !(so->budget >= 0))
            return cli_usage_error("submit", "invalid --budget '%s': "
                                   "expected an amount >= 0 in the site "
                                   "file's currency", arg);
        return EXIT_OK;
    }
    for (int i = 0; i < 4; i++)
        if (strcmp(arg, prefer[i]) == 0) {
            so->prefer = i;
            return EXIT_OK;
        }
    return cli_usage_error("submit", "invalid --prefer '%s': expected "
                           "start, finish, cost or carbon", arg);
}

/* Apply one option; EXIT_OK, or an exit status after printing. */
static int apply(hpcl_ctx *ctx, hpcl_job *job, struct submit_opts *so,
                 int opt, const char *arg)
{
    switch (opt) {
    case 'W': so->wait = 1; return EXIT_OK;
    case OPT_PROGRESS: so->progress = 1; return EXIT_OK;
    case OPT_QUIET: so->progress = -1; return EXIT_OK;
    case OPT_JSON: so->json = 1; return EXIT_OK;
    case OPT_PARSABLE: so->parsable = 1; return EXIT_OK;
    case OPT_PRINT_SCRIPT: so->print_script = 1; return EXIT_OK;
    case OPT_NO_PIN: so->no_pin = 1; return EXIT_OK;
    case OPT_SITE: so->site = arg; return EXIT_OK;
    case OPT_SUBMIT_DRY_RUN: so->dry_run = 1; return EXIT_OK;
    case OPT_EXPLAIN: so->explain = 1; return EXIT_OK;
    case OPT_WRAP: so->wrap = arg; return EXIT_OK;
    case OPT_INPUT:
    case OPT_OUTPUT_BACK:
    case OPT_DEADLINE:
    case OPT_BUDGET:
    case OPT_PREFER:
        return apply_intent(so, opt, arg);
    case OPT_MAX_WAIT:
        if ((so->max_wait = cli_parse_duration(arg)) < 0)
            return cli_duration_error("submit", "--max-wait", arg,
                                      CLI_DUR_SECONDS);
        return EXIT_OK;
    case OPT_TIMEOUT:
        if ((so->timeout = cli_parse_seconds(arg)) < 0)
            return cli_duration_error("submit", "--timeout", arg,
                                      CLI_DUR_TIMEOUT);
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
    struct cli_parser p;
    int opt;

    cli_parser_init(&p, &cli_cmd_submit, argc, argv);
    *nrec = 0;
    while ((opt = cli_parse_next(&p)) > 0)
        rec[(*nrec)++] = (struct recorded){opt, p.arg};
    /* --help printed: -1, as before, so that nothing is submitted. */
    return opt < 0 ? (p.status == EXIT_OK ? -1 : p.status) : EXIT_OK;
}

/* Apply one directive line (or the SBATCH_* words); where names it. */
static int apply_line(hpcl_ctx *ctx, hpcl_job *job, struct submit_opts *so,
                      const struct cli_directive_line *l, const char *where)
{
    struct cli_parser p;
    int opt, status = EXIT_OK;

    cli_parser_init(&p, &cli_cmd_submit, l->argc, l->argv);
    cli_where = where; /* named by every message, --help refused */
    while (status == EXIT_OK && (opt = cli_parse_next(&p)) != 0)
        status = opt < 0 ? p.status : apply(ctx, job, so, opt, p.arg);
    if (status == EXIT_OK && optind < l->argc)
        status = cli_usage_error("submit", "unexpected word '%s' (only "
                                 "options belong in #SBATCH lines)",
                                 l->argv[optind]);
    cli_where = NULL;
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
    /* An empty program name is a bad command line, not a failure. */
    if (rc == HPCL_E_INVAL)
        return cli_usage_error("submit", "program '%s': %s", args[0],
                               hpcl_ctx_errmsg(ctx));
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

/* The document's members of a submission: its reference and key (null
 * for a dry run), whether it was one, and the decision. */
static void json_submission(hpcl_job *job, int dry_run)
{
    struct hpcl__jw *w;
    char *decision = NULL;
    const char *ref = hpcl_job_ref(job), *key = hpcl_job_key(job);

    /* NULL or "": not submitted */
    if ((w = cli_doc_member("ref")) != NULL)
        hpcl__jw_str(w, !dry_run && ref && ref[0] != '\0' ? ref : NULL);
    if ((w = cli_doc_member("key")) != NULL)
        hpcl__jw_str(w, !dry_run && key && key[0] != '\0' ? key : NULL);
    if ((w = cli_doc_member("dry_run")) != NULL)
        hpcl__jw_bool(w, dry_run);
    /* no decision (the job never reached the choice): null */
    if (hpcl_job_decision_json(&decision, job) == HPCL_OK &&
        (w = cli_doc_member("decision")) != NULL)
        hpcl__jw_raw(w, decision);
    free(decision);
}

static void print_submitted(const struct submit_opts *so, hpcl_job *job)
{
    const char *ref = hpcl_job_ref(job);

    if (so->explain)
        fputs(hpcl_job_decision(job), stderr);
    if (so->json)
        json_submission(job, 0);
    else if (so->parsable)
        printf("%s\n", ref);
    else
        printf("Submitted batch job %s\n", ref);
    fflush(stdout);
}

/* --wait under --json: the state the job reached, ended or not (the
 * deadline passed, the wait failed), and whether the deadline passed. */
static void json_reached(hpcl_job *job, int timed_out)
{
    struct hpcl__jw *w;

    if ((w = cli_doc_member("job")) != NULL)
        cli_job_json(w, job);
    if ((w = cli_doc_member("timed_out")) != NULL)
        hpcl__jw_bool(w, timed_out);
}

static void print_ended(const struct submit_opts *so, hpcl_job *job)
{
    hpcl_state st = hpcl_job_state(job);
    char end[48];

    if (so->json)
        json_reached(job, 0);
    else if (!so->parsable)
        printf("Job %s ended %s, %s; output: %s\n", hpcl_job_ref(job),
               hpcl_state_name(st),
               cli_job_end(end, sizeof end, hpcl_job_exit_code(job),
                           hpcl_job_signal(job)),
               hpcl_job_output_path(job));
}

/* --dry-run: the decision alone. */
static void print_dry_run(const struct submit_opts *so, hpcl_job *job)
{
    if (so->json)
        json_submission(job, 1);
    else
        fputs(hpcl_job_decision(job), stdout);
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
        if (so->json)
            json_submission(job, so->dry_run);
        if (so->site != NULL) /* the site asked for refused it */
            cli_doc_subject("site", so->site);
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
    struct hpcl__jw *w;
    int status, signo = 0;
    enum cli_wait_end end;

    if (so->print_script) {
        if ((rc = hpcl_job_script(&script, job)) != HPCL_OK)
            return cli_lib_error("submit", ctx, rc);
        if (!so->json)
            fputs(script, stdout);
        else if ((w = cli_doc_member("script")) != NULL)
            hpcl__jw_str(w, script);
        free(script);
        return EXIT_OK;
    }
    if ((status = do_submit(ctx, job, so)) != EXIT_OK || so->dry_run ||
        !so->wait)
        return status;
    /* The tool's wait: progress on stderr, Ctrl-C stops the wait. */
    rc = HPCL_OK;
    end = cli_wait_jobs("submit", ctx, &job, &rc, 1,
                        so->timeout > 0 ? cli_now() + so->timeout : 0,
                        cli_progress_on(so->progress), &signo);
    if (end == CLI_WAIT_INTERRUPTED) {
        if (so->json) /* the job exists: its reference and last state */
            json_reached(job, 0);
        return cli_wait_interrupted("submit", &job, 1, signo);
    }
    if (end == CLI_WAIT_DEADLINE) {
        fprintf(stderr, "hpclaunch submit: job %s still %s after %g s\n",
                hpcl_job_ref(job), hpcl_state_name(hpcl_job_state(job)),
                so->timeout);
        if (so->json)
            json_reached(job, 1);
        return EXIT_WAIT;
    }
    if (rc != HPCL_OK) {
        if (so->json) /* the job exists: its reference and last state */
            json_reached(job, 0);
        cli_doc_subject("job", hpcl_job_ref(job));
        status = cli_lib_error("submit", ctx, rc);
        cli_doc_subject(NULL, NULL);
        return status;
    }
    /* Its outputs home, verified, before it is called done. */
    if (so->noutputs > 0 && (rc = hpcl_job_fetch(job, 0)) != HPCL_OK) {
        if (so->json) /* it ended: how, though its outputs are not home */
            json_reached(job, 0);
        cli_doc_subject("job", hpcl_job_ref(job));
        status = cli_lib_error("submit", ctx, rc);
        cli_doc_subject(NULL, NULL);
        return status;
    }
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
    if (so->site != NULL &&
        (rc = hpcl_job_set_site(job, so->site)) == HPCL_E_INVAL) {
        cli_doc_subject("site", so->site);
        return cli_usage_error("submit", "--site '%s': %s", so->site,
                               hpcl_ctx_errmsg(ctx));
    }
    if (rc == HPCL_OK)
        rc = hpcl_job_set_max_wait(job, so->max_wait);
    if (rc == HPCL_OK && so->ninputs > 0)
        rc = hpcl_job_set_input(job, so->ninputs, so->inputs);
    if (rc == HPCL_OK && so->noutputs > 0)
        rc = hpcl_job_set_output_back(job, so->noutputs, so->outputs);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_deadline(job, so->deadline);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_budget(job, so->budget);
    if (rc == HPCL_OK)
        rc = hpcl_job_set_prefer(job, (hpcl_prefer)so->prefer);
    return rc == HPCL_OK ? EXIT_OK : cli_lib_error("submit", ctx, rc);
}

int cmd_submit(int argc, char **argv)
{
    struct submit_opts so = {.max_wait = -1, .budget = -1};
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
    cli_doc_set_json(so.json);
    if ((status = apply_sites(ctx, job, &so)) == EXIT_OK &&
        (so.no_pin || (status = set_pin_wrapper(ctx, job)) == EXIT_OK))
        status = run_submit(ctx, job, &so);
out:
    hpcl_job_destroy(job);
    hpcl_ctx_destroy(ctx);
    return status;
}
