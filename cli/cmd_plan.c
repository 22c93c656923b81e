/* hpclaunch plan: where each task of a node would run, for people or as
 * JSON.  Nothing is bound. */
#include <stdlib.h>

#include "cli.h"
#include "json_doc.h"
#include "options.h"

static const struct cli_opt plan_ntasks_opt[] = {
    {'n', "ntasks", "N", "tasks on the node (required)", NULL},
    {0, NULL, NULL, NULL, NULL}};

static const struct cli_opt plan_opts[] = {
    {OPT_CPUSET, "cpuset", "LIST", "plan inside an allocation: the PU OS "
     "indexes it may\nuse (\"0-15,112-127\", as Slurm's cgroup gives)",
     NULL},
    {OPT_GPU_LIST, "gpus", "LIST", "the PCI bus ids of its GPUs "
     "(\"0000:4e:00.0,...\"); the\ntasks see them numbered from 0 "
     "(ConstrainDevices)", NULL},
    {OPT_FROM_ENV, "from-env", NULL, "take defaults from the environment as "
     "'pin' does\n(HPCL_THREADS_PER_TASK, OMP_NUM_THREADS, ...,\nand the "
     "step's GPUs: SLURM_STEP_GPUS, ...)", NULL},
    {OPT_JSON, "json", NULL, "print the plan as JSON", NULL},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_plan = {
    "plan", "show where each task of a node would run", cmd_plan,
    "hpclaunch plan [OPTIONS] -n N",
    "Compute the placement of N tasks on one node -- CPU set, one hardware\n"
    "thread per thread, GPUs, NIC, NUMA nodes and environment of each task "
    "--\nand print it as a table or as JSON (see hpclaunch(7)).  Nothing "
    "is bound.",
    {{NULL, plan_ntasks_opt},
     {NULL, cli_task_opts},
     {NULL, plan_opts},
     {NULL, cli_help_opt},
     {"Topology options (default: $HPCL_HWLOC_XMLFILE, else this machine):", cli_topo_opts}},
    "0 success, 1 library error (the tasks do not fit: the\nmessage says "
    "what would), 2 usage error.", 0, NULL};

static int parse_plan(int argc, char **argv, struct cli_plan_opts *o)
{
    struct cli_parser p;
    int opt, status;

    cli_parser_init(&p, &cli_cmd_plan, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0)
        if ((status = cli_plan_option("plan", o, opt, p.arg)) != EXIT_OK)
            return status;
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
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
    if (rc == HPCL_OK && o->json) {
        struct hpcl__jw *w = cli_doc_member("plan");
        if (w != NULL)
            hpcl__jw_raw(w, text);
    } else if (rc == HPCL_OK) {
        fputs(text, stdout);
    }
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
    cli_doc_set_json(o.json);
    if ((ctx = cli_ctx_create("plan")) == NULL)
        return EXIT_LIBRARY;
    status = cli_load_topo("plan", ctx, &o, &topo);
    if (status == EXIT_OK)
        status = print_plan(ctx, topo, &o);
    hpcl_topo_destroy(topo);
    hpcl_ctx_destroy(ctx);
    return status;
}
