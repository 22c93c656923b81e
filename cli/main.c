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
    {"sites", cmd_sites, "list the sites, their reachability and load"},
    {"jobs", cmd_jobs, "list journalled jobs, reconciled with their sites"},
    {"topo", cmd_topo, "summarise a node: CPUs, NUMA nodes, GPUs, NICs"},
    {"plan", cmd_plan, "show where each task of a node would run"},
    {"pin", cmd_pin, "bind this task by the node's plan, then run a program"},
    {"run", cmd_run, "start a job step whose tasks pin themselves"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: hpclaunch [--version] [--help] [--conf FILE] "
                 "COMMAND [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'hpclaunch COMMAND --help' for a command's options;"
                 " see hpclaunch(1).\n");
}

int main(int argc, char **argv)
{
    /* --conf FILE before the command: the site file for any command. */
    if (argc >= 3 && strcmp(argv[1], "--conf") == 0) {
        cli_conf = argv[2];
        argc -= 2;
        argv += 2;
    } else if (argc >= 2 && strncmp(argv[1], "--conf=", 7) == 0) {
        cli_conf = argv[1] + 7;
        argc--;
        argv++;
    }
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
