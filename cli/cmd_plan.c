/* hpclaunch plan: where each task of a node would run, for people or as
 * JSON.  Nothing is bound. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"

static void plan_help(void)
{
    printf("usage: hpclaunch plan [OPTIONS] -n N\n\n"
           "Compute the placement of N tasks on one node -- CPU set, one "
           "hardware\nthread per thread, GPUs, NIC, NUMA nodes and "
           "environment of each task --\nand print it as a table or as "
           "JSON (see hpclaunch(7)).  Nothing is bound.\n\n"
           "  -n, --ntasks=N           tasks on the node (required)\n");
    cli_plan_options_help(stdout);
    printf("      --cpuset=LIST        plan inside an allocation: the PU "
           "OS indexes it may\n"
           "                           use (\"0-15,112-127\", as Slurm's "
           "cgroup gives)\n"
           "      --gpus=LIST          the PCI bus ids of its GPUs "
           "(\"0000:4e:00.0,...\"); the\n"
           "                           tasks see them numbered from 0 "
           "(ConstrainDevices)\n"
           "      --from-env           take defaults from the environment "
           "as 'pin' does\n"
           "                           (HPCL_THREADS_PER_TASK, "
           "OMP_NUM_THREADS, ...,\n"
           "                           and the step's GPUs: SLURM_STEP_GPUS"
           ", ...)\n"
           "      --json               print the plan as JSON\n"
           "      --help               this text\n\n");
    cli_topo_options_help(stdout);
    printf("\nExit status: 0 success, 1 library error (the tasks do not "
           "fit: the\nmessage says what would), 2 usage error.\n");
}

static int parse_plan(int argc, char **argv, struct cli_plan_opts *o)
{
    static const struct option longopts[] = {
        CLI_PLAN_LONGOPTS,
        CLI_TOPO_LONGOPTS,
        {"ntasks", required_argument, NULL, 'n'},
        {"from-env", no_argument, NULL, OPT_FROM_ENV},
        {"cpuset", required_argument, NULL, OPT_CPUSET},
        {"gpus", required_argument, NULL, OPT_GPU_LIST},
        {"json", no_argument, NULL, OPT_JSON},
        {NULL, 0, NULL, 0}};
    int opt, status;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "n:" CLI_PLAN_SHORTOPTS, longopts,
                              NULL)) != -1) {
        if (opt == OPT_HELP) {
            plan_help();
            return -1;
        }
        if (opt == '?')
            return cli_usage_error("plan", "unknown option");
        if ((status = cli_plan_option("plan", o, opt, optarg)) != EXIT_OK)
            return status < 0 ? cli_usage_error("plan", "unknown option")
                              : status;
    }
    if (optind < argc)
        return cli_usage_error("plan", "unexpected argument '%s'",
                               argv[optind]);
    if (o->ntasks < 1)
        return cli_usage_error("plan", "no task count given: hpclaunch plan "
                               "-n N [OPTIONS]");
    return EXIT_OK;
}

/* Compute the plan and print it; returns the exit status. */
static int print_plan(hpcl_ctx *ctx, hpcl_topo *topo,
                      const struct cli_plan_opts *o)
{
    hpcl_plan *plan = NULL;
    char *text = NULL;
    hpcl_rc rc = hpcl_plan_create(&plan, topo);

    if (rc == HPCL_OK && o->from_env && o->gpu_list == NULL)
        rc = hpcl_topo_restrict_from_env(topo, 0);
    if (rc == HPCL_OK && o->from_env)
        rc = hpcl_plan_set_from_env(plan, 0);
    if (rc == HPCL_OK)
        rc = cli_plan_configure(plan, o);
    if (rc == HPCL_OK)
        rc = hpcl_plan_compute(plan);
    if (rc == HPCL_OK)
        rc = o->json ? hpcl_plan_to_json(&text, plan, 0)
                     : hpcl_plan_to_table(&text, plan, 0);
    if (rc == HPCL_OK)
        printf("%s%s", text, o->json ? "\n" : "");
    free(text);
    hpcl_plan_destroy(plan);
    return rc == HPCL_OK ? EXIT_OK : cli_lib_error("plan", ctx, rc);
}

int cmd_plan(int argc, char **argv)
{
    struct cli_plan_opts o;
    hpcl_ctx *ctx;
    hpcl_topo *topo = NULL;
    int status;

    cli_plan_opts_init(&o);
    if ((status = parse_plan(argc, argv, &o)) != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((ctx = cli_ctx_create("plan")) == NULL)
        return EXIT_LIBRARY;
    status = cli_load_topo("plan", ctx, &o, &topo);
    if (status == EXIT_OK)
        status = print_plan(ctx, topo, &o);
    hpcl_topo_destroy(topo);
    hpcl_ctx_destroy(ctx);
    return status;
}
