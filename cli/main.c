/* hpclaunch: the command-line front end.  Dispatches to cmd_<name>(). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "json_doc.h"

/* The commands, in the order of `hpclaunch --help`; each is a table
 * (options.h) next to its cmd_<name>(). */
const struct cli_cmd *const cli_commands[] = {
    &cli_cmd_submit, &cli_cmd_status, &cli_cmd_wait,  &cli_cmd_cancel,
    &cli_cmd_fetch,
    &cli_cmd_probe,  &cli_cmd_sites,  &cli_cmd_jobs,  &cli_cmd_topo,
    &cli_cmd_plan,   &cli_cmd_pin,    &cli_cmd_run,   NULL};

const struct cli_cmd *cli_command(const char *name)
{
    for (size_t i = 0; cli_commands[i] != NULL; i++)
        if (strcmp(name, cli_commands[i]->name) == 0)
            return cli_commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: hpclaunch [--version] [--help] [--conf FILE] "
                 "COMMAND [ARGS]\n\nCommands:\n");
    for (size_t i = 0; cli_commands[i] != NULL; i++)
        fprintf(out, "  %-8s %s\n", cli_commands[i]->name,
                cli_commands[i]->summary);
    fprintf(out, "\nRun 'hpclaunch help COMMAND' (or 'hpclaunch COMMAND "
                 "--help') for a command's\noptions; see hpclaunch(1).\n");
}

/* "'sumbit' is not a command; did you mean 'submit'?"; EXIT_USAGE. */
static int not_a_command(const char *word)
{
    const char *names[sizeof cli_commands / sizeof *cli_commands] = {NULL};
    const char *best;
    size_t n = 0;

    for (; cli_commands[n] != NULL; n++)
        names[n] = cli_commands[n]->name;
    best = cli_did_you_mean(word, names, n);
    if (best != NULL)
        fprintf(stderr, "hpclaunch: '%s' is not a command; did you mean "
                "'%s'?\n", word, best);
    else
        fprintf(stderr, "hpclaunch: '%s' is not a command; see 'hpclaunch "
                "--help'\n", word);
    return EXIT_USAGE;
}

/* hpclaunch help [COMMAND]: the command's --help, as it prints it. */
static int help(int argc, char **argv)
{
    const struct cli_cmd *cmd;

    if (argc < 3) {
        usage(stdout);
        return EXIT_OK;
    }
    if ((cmd = cli_command(argv[2])) == NULL)
        return not_a_command(argv[2]);
    cli_help(cmd, stdout);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    const struct cli_cmd *cmd;

    /* Shell completion (cli/completion): hidden, never a command. */
    if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
        return cli_complete(argc - 1, argv + 1);
    /* --conf FILE before the command: the site file for any command. */
    if (argc >= 3 && strcmp(argv[1], "--conf") == 0) {
        cli_conf = argv[2];
        argc -= 2;
        argv += 2;
    } else if (argc >= 2 && strncmp(argv[1], "--conf=", 7) == 0) {
        cli_conf = argv[1] + 7;
        argc--;
        argv++;
    } else if (argc == 2 && strcmp(argv[1], "--conf") == 0) {
        fprintf(stderr, "hpclaunch: option --conf needs a value (FILE), "
                "then a command; see 'hpclaunch --help'\n");
        return EXIT_USAGE;
    }
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("hpclaunch %s\n", hpcl_version());
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    if ((cmd = cli_command(argv[1])) != NULL) {
        /* --json: one document on stdout, whatever happens */
        cli_doc_begin(cmd->name, argc - 1, argv + 1);
        int status = cmd->run(argc - 1, argv + 1);
        cli_doc_end();
        return status;
    }
    not_a_command(argv[1]);
    cli_doc_begin(NULL, argc - 1, argv + 1);
    cli_doc_subject("command", argv[1]);
    cli_doc_error("usage", "'%s' is not a command", argv[1]);
    cli_doc_end();
    return EXIT_USAGE;
}
