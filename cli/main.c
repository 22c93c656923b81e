/* hpclaunch: the command-line front end.  Dispatches to cmd_<name>(). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"submit", cmd_submit, "submit a batch job (sbatch-like options)"},
    {"status", cmd_status, "show the state of jobs"},
    {"wait", cmd_wait, "wait until jobs end"},
    {"cancel", cmd_cancel, "cancel jobs"},
    {"probe", cmd_probe, "estimate when a job would start, and queue load"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: hpclaunch [--version] [--help] COMMAND [ARGS]\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'hpclaunch COMMAND --help' for a command's options;"
                 " see hpclaunch(1).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("hpclaunch %s\n", hpcl_version());
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hpclaunch: '%s' is not a command; see 'hpclaunch --help'\n",
            argv[1]);
    return EXIT_USAGE;
}
