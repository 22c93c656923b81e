/* hpclaunch command-line tool: shared declarations.  Public API only. */
#ifndef HPCL_CLI_H
#define HPCL_CLI_H

#include <stdio.h>
#include <time.h>
#include <hpclaunch.h>

/* Exit statuses, documented in hpclaunch(1). */
enum {
    EXIT_OK = 0,
    EXIT_LIBRARY = 1, /* the library reported an error */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_JOB = 3,     /* the job ended FAILED, CANCELLED or TIMEOUT */
    EXIT_WAIT = 4     /* --timeout expired before the job ended */
};

/* Subcommands: int cmd_<name>(int argc, char **argv), argv[0] the name. */
int cmd_submit(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_sites(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_pin(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Print "hpclaunch CMD: <strerror>: <detail>" and return EXIT_LIBRARY. */
int cli_lib_error(const char *cmd, hpcl_ctx *ctx, hpcl_rc rc);

/* Print "hpclaunch CMD: <message>" and a hint to --help; EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Where the option being applied came from ("job.sh:3", "SBATCH_QOS"),
 * named by cli_usage_error(); NULL for the command line. */
extern const char *cli_where;

/* A context ready for use, or NULL after printing why. */
hpcl_ctx *cli_ctx_create(const char *cmd);

/* cli_ctx_create() with the site file loaded (--conf, HPCLAUNCH_CONF, ...),
 * or NULL after printing why. */
hpcl_ctx *cli_sites_ctx_create(const char *cmd);

/* The site file given with --conf (NULL: the lookup of hpclaunch.conf(5)),
 * and loading it into ctx: EXIT_OK, or EXIT_LIBRARY after printing. */
extern const char *cli_conf;
int cli_load_sites(const char *cmd, hpcl_ctx *ctx);

/* Durations: the one time grammar of hpclaunch(7) (lib/core/duration.c,
 * compiled in), Slurm's forms (MM:SS, HH:MM:SS, D-HH[:MM[:SS]]) and unit
 * forms (30s, 10m, 1h30m); what differs per option is the unit of a bare
 * number and whether UNLIMITED or sub-second values make sense. */
enum cli_duration {
    CLI_DUR_LIMIT,   /* -t: bare minutes, UNLIMITED */
    CLI_DUR_SECONDS, /* --max-wait, jobs --since/--prune: whole seconds */
    CLI_DUR_TIMEOUT  /* --timeout: seconds, 500ms, UNLIMITED */
};

/* A CLI_DUR_SECONDS duration in seconds; -1 on error. */
long cli_parse_duration(const char *text);

/* Print "invalid value TEXT for OPTION: why; the accepted forms" and
 * return EXIT_USAGE; option names the option ("--max-wait", "-t/--time")
 * or where the value came from. */
int cli_duration_error(const char *cmd, const char *option,
                       const char *text, enum cli_duration kind);

/* Parse a non-negative integer option value; -1 on error. */
long cli_parse_count(const char *text);

/* A CLI_DUR_LIMIT duration in minutes (rounded up, as sbatch); -1 on
 * error.  UNLIMITED, INFINITE, -1 and 0 give HPCL_TIME_UNLIMITED. */
long cli_parse_minutes(const char *text);

/* Parse sbatch --begin forms (now+N[units], YYYY-MM-DD[THH:MM[:SS]],
 * HH:MM[:SS], MM/DD[/YY], midnight, noon, fika, teatime, today,
 * tomorrow) into a time; -1 on error. */
long long cli_parse_begin(const char *text, time_t now);

/* Parse sbatch --signal=[{R|B}:]SIG[@TIME] (SIG a number or a name
 * with or without SIG); 0 or -1 on error. */
int cli_parse_signal(const char *text, int *signo, unsigned *seconds,
                     unsigned *flags);

/* A CLI_DUR_TIMEOUT duration in seconds, more than 0; UNLIMITED gives
 * 0 (no timeout); -1 on error. */
double cli_parse_seconds(const char *text);

/* Parse a memory size (K, M, G, T suffix; default M) into MiB; -1 on error. */
long long cli_parse_mib(const char *text);

/* "SIGSEGV" for 11, NULL for a number without a name here. */
const char *cli_signal_name(int sig);

/* How a job ended, as the status and wait tables show it, into buf:
 * "exit 139", "signal 11 (SIGSEGV)" (Slurm's ExitCode 0:11), "-" while
 * not ended (exit_code -1).  sig is hpcl_job_signal()'s. */
const char *cli_job_end(char *buf, size_t size, int exit_code, int sig);


/* cli/text.c: text from a site fit for a terminal: control characters
 * and bytes that are not UTF-8 as \xHH, cut at about 1000 bytes.  The
 * result is text itself when nothing needs changing, else one of 8
 * buffers used in turn: enough for one printf of a table row, not to
 * keep.  NULL for NULL. */
const char *cli_text(const char *text);

/* jansson, for the commands that read the library's JSON (sites, jobs):
 * loaded with dlopen() as the library loads it (lib/core/jansson_load.c,
 * compiled in), so that the tool is not linked with it and topo, plan
 * and pin never load it.  EXIT_OK, or EXIT_LIBRARY after printing why. */
int cli_need_jansson(const char *cmd);

/* Job references from argv[first..argc-1]; usage error when none. */
int cli_need_refs(const char *cmd, int first, int argc);

/* A job reference hpcl_job_attach() refused, or what became of the job:
 * a malformed reference or an unknown site is a usage error (EXIT_USAGE),
 * anything else the library's (EXIT_LIBRARY); printed. */
int cli_job_error(const char *cmd, hpcl_ctx *ctx, hpcl_rc rc);

/* Options shared by submit and probe, named as sbatch's. */
enum {
    OPT_MEM = 256,
    OPT_EXCLUSIVE,
    OPT_GPUS_PER_TASK,
    OPT_GPUS_PER_NODE,
    OPT_LAUNCHER,
    OPT_WAIT,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_PARSABLE,
    OPT_PRINT_SCRIPT,
    OPT_HELP,
    OPT_CONF,
    OPT_NTASKS_PER_NODE,
    OPT_MEM_PER_CPU,
    OPT_GRES,
    OPT_RESERVATION,
    OPT_BEGIN,
    OPT_EXPORT,
    OPT_SIGNAL,
    OPT_MAIL_TYPE,
    OPT_MAIL_USER,
    OPT_MPI,
    OPT_CMD_FIRST /* commands number their own options from here */
};

/* Apply one parsed job option to job.  Returns EXIT_OK, an error exit
 * status (after printing), or -1 when opt is not a job option. */
int cli_job_option(const char *cmd, hpcl_ctx *ctx, hpcl_job *job, int opt,
                   const char *arg);

/* Option words read from elsewhere than the command line: one #SBATCH
 * line of a batch script (lineno), or the SBATCH_* variables (lineno 0).
 * argv[0] is a placeholder, as getopt wants. */
struct cli_directive_line {
    int lineno;
    int argc;
    char **argv;
};

/* A batch script and its directives. */
struct cli_directives {
    char *script;                    /* the whole file */
    struct cli_directive_line *line; /* one per #SBATCH line */
    size_t nlines;
    int bad_line;                    /* first line with an unmatched */
    char bad_quote;                  /* quote, and which; 0: none */
};

/* Read path as sbatch reads a batch script: 1 when it is one (a regular
 * file starting with "#!" with #SBATCH directives before its first
 * command), 0 when not (a program to launch), -1 out of memory. */
int cli_read_directives(const char *path, struct cli_directives *d);
void cli_directives_free(struct cli_directives *d);

/* The SBATCH_* input variables set in the environment, as option words
 * into l (free its argv like a directive line's); 0, or -1 out of
 * memory.  cli_sbatch_env_var() names the variable of an option word. */
int cli_sbatch_env(struct cli_directive_line *l);
const char *cli_sbatch_env_var(const char *option);

/* One job's state as a table row (with its array tasks); under --json,
 * cli_job_json() (json_doc.h). */
void cli_print_job(hpcl_job *job);
void cli_print_job_header(void);

/* Parse the options of a command that takes job references (status,
 * wait, cancel: --json, --timeout, --conf, --help) by its table; returns
 * EXIT_OK (optind: the first reference), -1 after --help, or a usage
 * status after printing. */
struct cli_cmd;
int cli_parse_ref_opts(int argc, char **argv, const struct cli_cmd *cmd,
                       int *json, double *timeout);

/* Placement options shared by topo, plan, pin and run (plan_opts.c).
 * Counts are -1 and dist/oversubscribe -1 while not given. */
struct cli_plan_opts {
    const char *xml;       /* --topology FILE */
    const char *synthetic; /* --synthetic DESC */
    long ntasks;           /* -n */
    long threads;          /* -c */
    long gpus;             /* --gpus-per-task */
    long smt;              /* --threads-per-core, --hint (0: all) */
    int dist;              /* --distribution: an hpcl_distribution */
    int oversubscribe;     /* --oversubscribe */
    int from_env;          /* --from-env */
    int json;
    int verbose;
    const char *cpuset;    /* plan --cpuset LIST: the allocation's PUs */
    const char *gpu_list;  /* plan --gpus LIST: its GPUs' PCI bus ids */
    int keep_binding;      /* pin --keep-binding */
};

enum {
    OPT_TOPOLOGY = OPT_CMD_FIRST + 64,
    OPT_SYNTHETIC,
    OPT_THREADS_PER_CORE,
    OPT_HINT,
    OPT_DISTRIBUTION,
    OPT_OVERSUBSCRIBE,
    OPT_FROM_ENV,
    OPT_VERBOSE,
    OPT_DRY_RUN,
    OPT_CPUSET,
    OPT_GPU_LIST,
    OPT_KEEP_BINDING
};

/* Defaults: nothing given. */
void cli_plan_opts_init(struct cli_plan_opts *o);

/* Apply one parsed option (-n, the topology and per-task options,
 * --json, --verbose, --from-env) to o.  Returns EXIT_OK, EXIT_USAGE
 * after printing, or -1 when opt is not one of them. */
int cli_plan_option(const char *cmd, struct cli_plan_opts *o, int opt,
                    const char *arg);

/* Load the topology o names: --topology, --synthetic, $HPCL_HWLOC_XMLFILE,
 * else this machine's.  Returns EXIT_OK or EXIT_LIBRARY after printing. */
int cli_load_topo(const char *cmd, hpcl_ctx *ctx,
                  const struct cli_plan_opts *o, hpcl_topo **out);

/* Set the inputs o gives on plan (after hpcl_plan_set_ntasks and, for
 * pin, hpcl_plan_set_from_env: options win over the environment). */
hpcl_rc cli_plan_configure(hpcl_plan *plan, const struct cli_plan_opts *o);

/* The per-task options o gives, as words of a `hpclaunch pin` command
 * line ("--threads-per-task=8"), into words; returns how many. */
#define CLI_PLAN_WORDS_MAX 5
int cli_plan_words(char words[CLI_PLAN_WORDS_MAX][48],
                   const struct cli_plan_opts *o);

#endif
