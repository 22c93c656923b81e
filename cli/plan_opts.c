/* The placement options shared by topo, plan, pin and run. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_doc.h"
#include "options.h"

void cli_plan_opts_init(struct cli_plan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ntasks = o->threads = o->gpus = o->smt = -1;
    o->dist = o->oversubscribe = -1;
}

static int count_option(const char *cmd, const char *name, const char *arg,
                        long min, long *out)
{
    long v = cli_parse_count(arg);

    if (v < min)
        return cli_usage_error(cmd, "invalid value '%s' for %s: expected %s",
                               arg, name,
                               min > 0 ? "a positive integer"
                                       : "a non-negative integer");
    *out = v;
    return EXIT_OK;
}

/* --hint as srun's: multithread (every hardware thread of a core) or
 * nomultithread (one per core). */
static int hint_option(const char *cmd, const char *arg, long *smt)
{
    if (strcmp(arg, "multithread") == 0)
        *smt = 0;
    else if (strcmp(arg, "nomultithread") == 0)
        *smt = 1;
    else
        return cli_usage_error(cmd, "invalid value '%s' for --hint: expected "
                               "multithread or nomultithread", arg);
    return EXIT_OK;
}

static int dist_option(const char *cmd, const char *arg, int *dist)
{
    if (strcmp(arg, "spread") == 0)
        *dist = HPCL_DIST_SPREAD;
    else if (strcmp(arg, "compact") == 0)
        *dist = HPCL_DIST_COMPACT;
    else
        return cli_usage_error(cmd, "invalid value '%s' for --distribution: "
                               "expected spread or compact", arg);
    return EXIT_OK;
}

static int topo_option(const char *cmd, struct cli_plan_opts *o, int opt,
                       const char *arg)
{
    if ((opt == OPT_TOPOLOGY && o->synthetic != NULL) ||
        (opt == OPT_SYNTHETIC && o->xml != NULL))
        return cli_usage_error(cmd, "--topology and --synthetic exclude "
                               "each other");
    if (opt == OPT_TOPOLOGY)
        o->xml = arg;
    else
        o->synthetic = arg;
    return EXIT_OK;
}

int cli_plan_option(const char *cmd, struct cli_plan_opts *o, int opt,
                    const char *arg)
{
    switch (opt) {
    case 'n': return count_option(cmd, "-n", arg, 1, &o->ntasks);
    case 'c': return count_option(cmd, "-c", arg, 1, &o->threads);
    case OPT_GPUS_PER_TASK:
        return count_option(cmd, "--gpus-per-task", arg, 0, &o->gpus);
    case OPT_THREADS_PER_CORE:
        return count_option(cmd, "--threads-per-core", arg, 1, &o->smt);
    case OPT_HINT: return hint_option(cmd, arg, &o->smt);
    case OPT_DISTRIBUTION: return dist_option(cmd, arg, &o->dist);
    case OPT_OVERSUBSCRIBE: o->oversubscribe = 1; return EXIT_OK;
    case OPT_TOPOLOGY:
    case OPT_SYNTHETIC: return topo_option(cmd, o, opt, arg);
    case OPT_JSON: o->json = 1; return EXIT_OK;
    case OPT_VERBOSE: o->verbose = 1; return EXIT_OK;
    case OPT_FROM_ENV: o->from_env = 1; return EXIT_OK;
    case OPT_CPUSET: o->cpuset = arg; return EXIT_OK;
    case OPT_GPU_LIST: o->gpu_list = arg; return EXIT_OK;
    case OPT_KEEP_BINDING: o->keep_binding = 1; return EXIT_OK;
    default: return -1;
    }
}

/* What each task needs: plan, pin and run (run forwards them to pin). */
const struct cli_opt cli_task_opts[] = {
    {'c', "cpus-per-task", "C", "CPUs of each task as Slurm counts them: "
     "hardware\nthreads, one per OpenMP thread (alias\n"
     "--threads-per-task; default 1)", NULL},
    {'c', "threads-per-task", "C", NULL, NULL},
    {OPT_GPUS_PER_TASK, "gpus-per-task", "G", "GPUs of each task (default 0)",
     NULL},
    {OPT_THREADS_PER_CORE, "threads-per-core", "K", "hardware threads of a "
     "core to use (default: all,\nas srun: -c 8 is 4 cores on an SMT-2 "
     "node)", NULL},
    {OPT_HINT, "hint", "WHICH", "multithread: every hardware thread of a "
     "core (the\ndefault); nomultithread: one hardware thread per\n"
     "core (-c 8: 8 cores)", "multithread nomultithread"},
    {OPT_DISTRIBUTION, "distribution", "D", "spread (default: balance over "
     "packages and NUMA\nnodes) or compact (fill one NUMA node first)",
     "spread compact"},
    {OPT_OVERSUBSCRIBE, "oversubscribe", NULL, "let tasks share cores and "
     "GPUs when too few", NULL},
    {0, NULL, NULL, NULL, NULL}};

/* Where the topology comes from: topo and plan. */
const struct cli_opt cli_topo_opts[] = {
    {OPT_TOPOLOGY, "topology", "FILE", "an hwloc XML file (lstopo --of xml)",
     "@file"},
    {OPT_SYNTHETIC, "synthetic", "DESC", "an hwloc synthetic description, "
     "e.g.\n\"pack:2 numa:2 core:8 pu:2\"", NULL},
    {0, NULL, NULL, NULL, NULL}};

int cli_load_topo(const char *cmd, hpcl_ctx *ctx,
                  const struct cli_plan_opts *o, hpcl_topo **out)
{
    const char *xml = o->xml, *env = getenv("HPCL_HWLOC_XMLFILE");
    hpcl_rc rc;

    if (xml == NULL && o->synthetic == NULL && env != NULL && *env != '\0')
        xml = env;
    if (xml != NULL)
        rc = hpcl_topo_load_xml(out, ctx, xml, 0);
    else if (o->synthetic != NULL)
        rc = hpcl_topo_load_synthetic(out, ctx, o->synthetic, 0);
    else
        rc = hpcl_topo_load(out, ctx, 0);
    if (rc != HPCL_OK && xml != NULL)
        cli_doc_subject("file", xml); /* --json: the error names it */
    if (rc == HPCL_OK && (o->cpuset != NULL || o->gpu_list != NULL))
        rc = hpcl_topo_restrict(*out, o->cpuset, o->gpu_list, 0);
    return rc == HPCL_OK ? EXIT_OK : cli_lib_error(cmd, ctx, rc);
}

hpcl_rc cli_plan_configure(hpcl_plan *plan, const struct cli_plan_opts *o)
{
    hpcl_rc rc = HPCL_OK;

    if (o->ntasks > 0)
        rc = hpcl_plan_set_ntasks(plan, (unsigned)o->ntasks);
    if (rc == HPCL_OK && o->threads > 0)
        rc = hpcl_plan_set_threads_per_task(plan, (unsigned)o->threads);
    if (rc == HPCL_OK && o->gpus >= 0)
        rc = hpcl_plan_set_gpus_per_task(plan, (unsigned)o->gpus);
    if (rc == HPCL_OK && o->smt >= 0)
        rc = hpcl_plan_set_smt(plan, (unsigned)o->smt);
    if (rc == HPCL_OK && o->dist >= 0)
        rc = hpcl_plan_set_distribution(plan, (hpcl_distribution)o->dist);
    if (rc == HPCL_OK && o->oversubscribe > 0)
        rc = hpcl_plan_set_oversubscribe(plan, 1);
    return rc;
}

int cli_plan_words(char words[CLI_PLAN_WORDS_MAX][48],
                   const struct cli_plan_opts *o)
{
    int n = 0;

    if (o->threads > 0)
        snprintf(words[n++], 48, "--threads-per-task=%ld", o->threads);
    if (o->gpus >= 0)
        snprintf(words[n++], 48, "--gpus-per-task=%ld", o->gpus);
    if (o->smt == 0)
        snprintf(words[n++], 48, "--hint=multithread");
    else if (o->smt > 0)
        snprintf(words[n++], 48, "--threads-per-core=%ld", o->smt);
    if (o->dist >= 0)
        snprintf(words[n++], 48, "--distribution=%s",
                 o->dist == HPCL_DIST_COMPACT ? "compact" : "spread");
    if (o->oversubscribe > 0)
        snprintf(words[n++], 48, "--oversubscribe");
    return n;
}
