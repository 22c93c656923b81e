/* hpclaunch command-line tool: options as data.  Each command is one
 * table -- its usage, its option groups, its exit statuses -- from which
 * the option parser, --help, "did you mean", the shell completion
 * (`hpclaunch __complete`) and the man-page check are all derived, so
 * that they cannot disagree. */
#ifndef HPCL_CLI_OPTIONS_H
#define HPCL_CLI_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

/* One option.  key is the short letter (< 256) or an OPT_* value; an
 * option with a metavar takes a value.  help is one or more lines
 * separated by '\n'; NULL keeps an alias out of --help.  complete says
 * what its value completes to: NULL (nothing known), "@file", "@dir",
 * "@site" (the site file's names) or the words themselves ("srun mpirun
 * none"). */
struct cli_opt {
    int key;
    const char *name;
    const char *metavar;
    const char *help;
    const char *complete;
};

/* Options printed together under a heading (NULL: no heading, the
 * previous group goes on).  opt ends with a NULL name. */
struct cli_group {
    const char *title;
    const struct cli_opt *opt;
};

#define CLI_GROUPS_MAX 8

struct cli_cmd {
    const char *name;
    const char *summary;  /* one line, for `hpclaunch --help` */
    int (*run)(int argc, char **argv);
    const char *usage;    /* synopsis lines after "usage: ", '\n' apart */
    const char *about;    /* what the command does */
    struct cli_group group[CLI_GROUPS_MAX]; /* ends with a NULL opt */
    const char *exit_status;
    /* Options end at the first operand: what follows is a program's
     * command line, passed on byte for byte (submit, pin, run). */
    int in_order;
    /* What operands complete to: "@file", "@ref" (nothing offered). */
    const char *operands;
};

/* Groups shared by several commands, defined once. */
extern const struct cli_opt cli_job_opts[];   /* submit, probe */
extern const struct cli_opt cli_task_opts[];  /* plan, pin, run */
extern const struct cli_opt cli_topo_opts[];  /* topo, plan */
extern const struct cli_opt cli_json_opt[];   /* --json */
extern const struct cli_opt cli_conf_opt[];   /* --conf */
extern const struct cli_opt cli_help_opt[];   /* --help */

/* The commands, in the order of `hpclaunch --help`. */
extern const struct cli_cmd cli_cmd_submit, cli_cmd_status, cli_cmd_wait,
    cli_cmd_cancel, cli_cmd_fetch, cli_cmd_probe, cli_cmd_sites, cli_cmd_jobs,
    cli_cmd_topo, cli_cmd_plan, cli_cmd_pin, cli_cmd_run;
extern const struct cli_cmd *const cli_commands[];
const struct cli_cmd *cli_command(const char *name);

/* Parsing argv by a command's table (getopt_long underneath: sbatch's
 * own rules, unique prefixes of long names included).  Messages are
 * the tool's, never getopt's: each names the option and why, and an
 * unknown one gets "did you mean". */
#define CLI_LONGOPTS_MAX 128
struct cli_parser {
    const struct cli_cmd *cmd;
    int argc;
    char **argv;
    const char *arg; /* the value of the option just returned */
    int status;      /* after -1: EXIT_OK (--help printed) or the error's */
    int started;
    char shortopts[2 * CLI_LONGOPTS_MAX];
    struct option longopts[CLI_LONGOPTS_MAX + 1];
};

void cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd,
                     int argc, char **argv);

/* The next option's key (its value in p->arg); 0 when the options end
 * (optind: the first operand); -1 when parsing stops, p->status saying
 * why: EXIT_OK after --help was printed, else a usage error, printed.
 * While cli_where is set (an #SBATCH line, an SBATCH_* variable),
 * --help is refused rather than printed. */
int cli_parse_next(struct cli_parser *p);

/* The option of key in a group (NULL: none), and its name for messages
 * ("-t/--time", "--mem"; "-x" for an unknown letter). */
const struct cli_opt *cli_opt_find(const struct cli_opt *group, int key);
const char *cli_opt_label(const struct cli_opt *o, int key);

/* The command's --help text. */
void cli_help(const struct cli_cmd *cmd, FILE *out);

/* The closest of the n names to word (a swap of two letters counts one
 * step, a word cut short is one step from its completion), when it is
 * close enough to be a typo; else NULL. */
const char *cli_did_you_mean(const char *word, const char *const *names,
                             size_t n);

/* hpclaunch __complete CWORD WORD...: the candidates for the word at
 * CWORD of a command line, one a line (bash and zsh completion). */
int cli_complete(int argc, char **argv);

#endif
