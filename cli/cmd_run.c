/* hpclaunch run: start a job step inside an allocation, each task through
 * `hpclaunch pin`, so that every task binds itself by the node's plan. */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"

/* Words formatted here: launcher options and the task options. */
#define RUN_WORDS 24

struct run_opts {
    struct cli_plan_opts plan;
    long nodes;   /* -N, -1: not given */
    int mpirun;   /* --launcher mpirun */
    int dry_run;  /* print the command line, run nothing */
};

/* The command line being built: cmd[0..n-1]; formatted words live in
 * store. */
struct cmdline {
    char **cmd;
    int n;
    int nstore;
    char store[RUN_WORDS][48];
};

static const struct cli_opt run_step_opts[] = {
    {'n', "ntasks", "N", "tasks in all (default: the allocation's)", NULL},
    {'N', "nodes", "NODES", "nodes to use (default: the allocation's)", NULL},
    {OPT_LAUNCHER, "launcher", "L", "srun (default) or mpirun",
     "srun mpirun"},
    {0, NULL, NULL, NULL, NULL}};

static const struct cli_opt run_opts[] = {
    {'v', "verbose", NULL, "print the command line, and one line per task",
     NULL},
    {OPT_DRY_RUN, "dry-run", NULL, "print the command line, run nothing",
     NULL},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_run = {
    "run", "start a job step whose tasks pin themselves", cmd_run,
    "hpclaunch run [OPTIONS] [--] PROGRAM [ARGS...]",
    "Inside a Slurm allocation (salloc, a batch script), start PROGRAM as "
    "a job\nstep whose tasks each go through 'hpclaunch pin': the "
    "launcher's own\nbinding is turned off (srun --cpu-bind=none, mpirun "
    "--bind-to none), every\ntask plans the node it sees and binds itself "
    "to its part.",
    {{NULL, run_step_opts},
     {NULL, cli_task_opts},
     {NULL, run_opts},
     {NULL, cli_help_opt}},
    "that of the launcher; 1 library error, 2 usage error (also\n"
    "outside an allocation), 126/127 the launcher cannot be run.",
    1, "@file"};

/* -N and --launcher; the rest are the plan's. */
static int run_option(struct run_opts *ro, int opt, const char *arg)
{
    if (opt == 'N') {
        if ((ro->nodes = cli_parse_count(arg)) < 1)
            return cli_usage_error("run", "invalid value '%s' for -N: "
                                   "expected a positive integer", arg);
        return EXIT_OK;
    }
    if (opt == OPT_LAUNCHER) {
        if (strcmp(arg, "srun") != 0 && strcmp(arg, "mpirun") != 0)
            return cli_usage_error("run", "invalid value '%s' for "
                                   "--launcher: expected srun or mpirun",
                                   arg);
        ro->mpirun = strcmp(arg, "mpirun") == 0;
        return EXIT_OK;
    }
    if (opt == OPT_DRY_RUN) {
        ro->dry_run = 1;
        return EXIT_OK;
    }
    return cli_plan_option("run", &ro->plan, opt == 'v' ? OPT_VERBOSE : opt,
                           arg);
}

static int parse_run(int argc, char **argv, struct run_opts *ro)
{
    struct cli_parser p;
    int opt, status;

    cli_parser_init(&p, &cli_cmd_run, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0)
        if ((status = run_option(ro, opt, p.arg)) != EXIT_OK)
            return status;
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
    if (optind >= argc)
        return cli_usage_error("run", "no program given: hpclaunch run "
                               "[OPTIONS] -- PROGRAM [ARGS]");
    return EXIT_OK;
}

/* Append a word that outlives the command line (argv, literals). */
static void add(struct cmdline *c, char *w)
{
    c->cmd[c->n++] = w;
}

/* Append a formatted word: fmt with one long, or a copy of fmt when it
 * holds no conversion. */
static void addf(struct cmdline *c, const char *fmt, long value)
{
    char *w = c->store[c->nstore++];

    if (strchr(fmt, '%') != NULL)
        snprintf(w, sizeof c->store[0], fmt, value);
    else
        snprintf(w, sizeof c->store[0], "%s", fmt);
    add(c, w);
}

/* srun: the step's CPUs per task are repeated, since srun ignores the
 * job's SLURM_CPUS_PER_TASK since 22.05. */
static void srun_words(const struct run_opts *ro, struct cmdline *c)
{
    const struct cli_plan_opts *o = &ro->plan;
    long cpus = o->threads > 0 ? o->threads : -1;
    const char *env = getenv("SLURM_CPUS_PER_TASK");

    if (cpus < 0 && env != NULL)
        cpus = cli_parse_count(env);
    addf(c, "srun", 0);
    addf(c, "--mpi=pmix", 0);
    addf(c, "--cpu-bind=none", 0);
    if (o->ntasks > 0)
        addf(c, "--ntasks=%ld", o->ntasks);
    if (ro->nodes > 0)
        addf(c, "--nodes=%ld", ro->nodes);
    if (cpus > 0)
        addf(c, "--cpus-per-task=%ld", cpus);
    if (o->gpus > 0) {
        addf(c, "--gpus-per-task=%ld", o->gpus);
        addf(c, "--gpu-bind=none", 0);
    }
}

/* mpirun reads the allocation itself; -N becomes ranks per node. */
static int mpirun_words(const struct run_opts *ro, struct cmdline *c)
{
    const struct cli_plan_opts *o = &ro->plan;

    addf(c, "mpirun", 0);
    addf(c, "--bind-to", 0);
    addf(c, "none", 0);
    if (o->ntasks > 0) {
        addf(c, "-np", 0);
        addf(c, "%ld", o->ntasks);
    }
    if (ro->nodes > 0) {
        if (o->ntasks < 1 || o->ntasks % ro->nodes != 0)
            return cli_usage_error("run", "with --launcher mpirun, -N needs "
                                   "-n, a multiple of it");
        addf(c, "--map-by", 0);
        addf(c, "ppr:%ld:node", o->ntasks / ro->nodes);
    }
    return EXIT_OK;
}

/* The whole command line: launcher, this program's `pin` with the task
 * options, then PROGRAM and its arguments.  Returns EXIT_OK or a usage
 * status. */
static int build_command(const struct run_opts *ro, struct cmdline *c,
                         char *self, char **program)
{
    char plan_words[CLI_PLAN_WORDS_MAX][48];
    int np;

    if (ro->mpirun) {
        int status = mpirun_words(ro, c);
        if (status != EXIT_OK)
            return status;
    } else {
        srun_words(ro, c);
    }
    add(c, self);
    addf(c, "pin", 0);
    np = cli_plan_words(plan_words, &ro->plan);
    for (int i = 0; i < np; i++)
        addf(c, plan_words[i], 0);
    if (ro->plan.verbose)
        addf(c, "--verbose", 0);
    addf(c, "--", 0);
    while (*program != NULL)
        add(c, *program++);
    c->cmd[c->n] = NULL;
    return EXIT_OK;
}

/* One word as the shell would need it: bare when safe, else quoted. */
static void print_word(FILE *out, const char *w)
{
    if (*w != '\0' && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                 "opqrstuvwxyz0123456789_./:=,@%+-") ==
                           strlen(w)) {
        fputs(w, out);
        return;
    }
    fputc('\'', out);
    for (; *w != '\0'; w++) {
        if (*w == '\'')
            fputs("'\\''", out);
        else
            fputc(*w, out);
    }
    fputc('\'', out);
}

static void print_command(FILE *out, const char *prefix, char **cmd)
{
    fputs(prefix, out);
    for (int i = 0; cmd[i] != NULL; i++) {
        if (i > 0)
            fputc(' ', out);
        print_word(out, cmd[i]);
    }
    fputc('\n', out);
}

/* This program's own path, for the tasks to run `pin` from the same
 * installation; argv[0] when /proc is not there. */
static char *self_path(char *buf, size_t len, char *argv0)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);

    if (n <= 0 || (size_t)n >= len - 1)
        return argv0;
    buf[n] = '\0';
    return buf;
}

static int launch(const struct run_opts *ro, char **cmd)
{
    int err;

    if (ro->dry_run) {
        print_command(stdout, "", cmd);
        return EXIT_OK;
    }
    if (ro->plan.verbose)
        print_command(stderr, "hpclaunch run: ", cmd);
    fflush(NULL);
    execvp(cmd[0], cmd);
    err = errno;
    fprintf(stderr, "hpclaunch run: cannot run '%s': %s\n", cmd[0],
            strerror(err));
    return err == ENOENT ? 127 : 126;
}

int cmd_run(int argc, char **argv)
{
    struct run_opts ro = {.nodes = -1};
    struct cmdline *c;
    char self[4096];
    int status;

    cli_plan_opts_init(&ro.plan);
    if ((status = parse_run(argc, argv, &ro)) != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if (getenv("SLURM_JOB_ID") == NULL)
        return cli_usage_error("run", "not inside a Slurm allocation "
                               "(SLURM_JOB_ID is unset): use it in salloc "
                               "or a batch script");
    c = calloc(1, sizeof *c);
    if (c == NULL || (c->cmd = calloc((size_t)argc + RUN_WORDS + 4,
                                      sizeof *c->cmd)) == NULL) {
        fprintf(stderr, "hpclaunch run: out of memory\n");
        status = EXIT_LIBRARY;
    } else {
        status = build_command(&ro, c, self_path(self, sizeof self, argv[0]),
                               argv + optind);
        if (status == EXIT_OK)
            status = launch(&ro, c->cmd);
    }
    if (c != NULL)
        free(c->cmd);
    free(c);
    return status;
}
