/* hpclaunch command-line tool: shared declarations.  Public API only. */
#ifndef HPCL_CLI_H
#define HPCL_CLI_H

#include <stdio.h>
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

/* Print "hpclaunch CMD: <strerror>: <detail>" and return EXIT_LIBRARY. */
int cli_lib_error(const char *cmd, hpcl_ctx *ctx, hpcl_rc rc);

/* Print "hpclaunch CMD: <message>" and a hint to --help; EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After getopt reported a bad option: the hint to --help; EXIT_USAGE. */
int cli_usage_hint(const char *cmd);

/* A context ready for use, or NULL after printing why. */
hpcl_ctx *cli_ctx_create(const char *cmd);

/* Parse a non-negative integer option value; -1 on error. */
long cli_parse_count(const char *text);

/* Parse sbatch time formats into minutes (rounded up); -1 on error. */
long cli_parse_minutes(const char *text);

/* Parse a memory size (K, M, G, T suffix; default M) into MiB; -1 on error. */
long long cli_parse_mib(const char *text);

/* Write text as a JSON string literal, with quotes. */
void cli_json_string(FILE *out, const char *text);

/* Job references from argv[first..argc-1]; usage error when none. */
int cli_need_refs(const char *cmd, int first, int argc);

#endif

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
    OPT_CMD_FIRST /* commands number their own options from here */
};

#define CLI_JOB_SHORTOPTS "n:N:c:t:p:A:J:o:e:D:a:H"
#define CLI_JOB_LONGOPTS                                                     \
    {"ntasks", required_argument, NULL, 'n'},                               \
    {"nodes", required_argument, NULL, 'N'},                                \
    {"cpus-per-task", required_argument, NULL, 'c'},                        \
    {"time", required_argument, NULL, 't'},                                 \
    {"partition", required_argument, NULL, 'p'},                            \
    {"account", required_argument, NULL, 'A'},                              \
    {"job-name", required_argument, NULL, 'J'},                             \
    {"output", required_argument, NULL, 'o'},                               \
    {"error", required_argument, NULL, 'e'},                                \
    {"chdir", required_argument, NULL, 'D'},                                \
    {"array", required_argument, NULL, 'a'},                                \
    {"hold", no_argument, NULL, 'H'},                                       \
    {"mem", required_argument, NULL, OPT_MEM},                              \
    {"exclusive", no_argument, NULL, OPT_EXCLUSIVE},                        \
    {"gpus-per-task", required_argument, NULL, OPT_GPUS_PER_TASK},          \
    {"gpus-per-node", required_argument, NULL, OPT_GPUS_PER_NODE},          \
    {"launcher", required_argument, NULL, OPT_LAUNCHER},                    \
    {"help", no_argument, NULL, OPT_HELP}

/* Apply one parsed job option to job.  Returns EXIT_OK, an error exit
 * status (after printing), or -1 when opt is not a job option. */
int cli_job_option(const char *cmd, hpcl_ctx *ctx, hpcl_job *job, int opt,
                   const char *arg);

/* Help text for the shared job options. */
void cli_job_options_help(FILE *out);

/* One job's state: a table row, or a JSON object (index > 0: comma first). */
void cli_print_job(hpcl_job *job, int json, int index);
void cli_print_job_header(void);

/* Parse "--json" / "--help" style options for commands that take job
 * references; returns EXIT_OK, -1 after --help, or a usage status. */
int cli_parse_ref_opts(int argc, char **argv, const char *cmd,
                       void (*help)(void), int *json, double *timeout);
