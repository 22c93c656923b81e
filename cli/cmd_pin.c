/* hpclaunch pin: bind this task to its part of the node's plan, then exec
 * the program.  It runs once per rank under srun or mpirun, so it loads
 * only what the plan needs. */
#define _GNU_SOURCE /* sched_getaffinity; setenv, gethostname */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void pin_help(void)
{
    printf("usage: hpclaunch pin [OPTIONS] [--] PROGRAM [ARGS...]\n\n"
           "Run under srun or mpirun (with their own binding off: srun "
           "--cpu-bind=none,\nmpirun --bind-to none): find this task's "
           "local rank and the number of\ntasks on the node from the "
           "launcher, plan them on this machine, bind this\ntask to its "
           "CPUs, set its OpenMP, GPU and UCX variables and HPCL_PINNED,\n"
           "then exec PROGRAM.  Options override the environment's "
           "defaults\n(HPCL_THREADS_PER_TASK, OMP_NUM_THREADS, "
           "SLURM_CPUS_PER_TASK, ...).\n\n");
    cli_plan_options_help(stdout);
    printf("  -v, --verbose            print one line per task to stderr: "
           "where it runs\n"
           "      --help               this text\n\n"
           "Exit status: that of PROGRAM; 1 library error (nothing run), "
           "2 usage error,\n126 PROGRAM cannot be run, 127 PROGRAM not "
           "found.\n");
}

static int parse_pin(int argc, char **argv, struct cli_plan_opts *o)
{
    static const struct option longopts[] = {
        CLI_PLAN_LONGOPTS,
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {NULL, 0, NULL, 0}};
    int opt, status;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "+v" CLI_PLAN_SHORTOPTS, longopts,
                              NULL)) != -1) {
        if (opt == OPT_HELP) {
            pin_help();
            return -1;
        }
        if (opt == 'v')
            opt = OPT_VERBOSE;
        if (opt == '?' ||
            (status = cli_plan_option("pin", o, opt, optarg)) < 0)
            return cli_usage_error("pin", "unknown option");
        if (status != EXIT_OK)
            return status;
    }
    if (optind >= argc)
        return cli_usage_error("pin", "no program given: hpclaunch pin "
                               "[OPTIONS] -- PROGRAM [ARGS]");
    return EXIT_OK;
}

/* hwloc loads all its plugins with the first topology.  Here GL (probes X
 * displays), OpenCL (starts every GPU driver), libpciaccess and libxml2
 * cost about 3 ms and add only names: hwloc's Linux backend finds the
 * PCI devices, GPUs and NICs the plan needs by itself.  A blacklist the
 * user set is kept.  Returns whether one was set here. */
static int skip_hwloc_plugins(void)
{
    if (getenv("HWLOC_PLUGINS_BLACKLIST") != NULL)
        return 0;
    return setenv("HWLOC_PLUGINS_BLACKLIST",
                  "hwloc_gl,hwloc_opencl,hwloc_pci,hwloc_xml_libxml",
                  1) == 0;
}

/* "a1 rank 0/2: cpus 0 (pus 0) numa 0 gpus - nic -" on stderr, in one
 * write: the ranks of a node share the launcher's stderr, and a line
 * written in pieces comes out mixed with the others' (seen under
 * mpirun). */
static void report(const hpcl_topo *topo, const hpcl_plan *plan,
                   unsigned rank, unsigned size)
{
    char host[256] = "?", *dot, *line = NULL;
    size_t len = 0;
    unsigned npus, ngpus;
    const unsigned *pus = hpcl_plan_task_pus(plan, rank, &npus);
    const unsigned *gpus = hpcl_plan_task_gpus(plan, rank, &ngpus);
    int nic = hpcl_plan_task_nic(plan, rank);
    FILE *f = open_memstream(&line, &len);

    if (f == NULL)
        return;
    gethostname(host, sizeof host - 1);
    if ((dot = strchr(host, '.')) != NULL)
        *dot = '\0';
    fprintf(f, "hpclaunch pin: %s rank %u/%u: cpus %s (pus", host, rank,
            size, hpcl_plan_task_cpuset(plan, rank));
    for (unsigned k = 0; k < npus; k++)
        fprintf(f, "%s%u", k ? "," : " ", pus[k]);
    fprintf(f, ") numa %s gpus", hpcl_plan_task_numa(plan, rank));
    for (unsigned k = 0; k < ngpus; k++)
        fprintf(f, "%s%s", k ? "," : " ", hpcl_topo_gpu_name(topo, gpus[k]));
    fprintf(f, "%s nic %s\n", ngpus ? "" : " -",
            nic >= 0 ? hpcl_topo_nic_name(topo, (unsigned)nic) : "-");
    if (fclose(f) == 0 && write(STDERR_FILENO, line, len) < 0)
        line[0] = '\0'; /* nothing to do: stderr is gone */
    free(line);
}

/* Plan the node's tasks on topo and apply task rank's part. */
static hpcl_rc pin_task(hpcl_topo *topo, const struct cli_plan_opts *o,
                        unsigned rank, unsigned size)
{
    hpcl_plan *plan = NULL;
    hpcl_rc rc = hpcl_plan_create(&plan, topo);

    if (rc == HPCL_OK)
        rc = hpcl_plan_set_ntasks(plan, size);
    if (rc == HPCL_OK)
        rc = hpcl_plan_set_from_env(plan, 0);
    if (rc == HPCL_OK)
        rc = cli_plan_configure(plan, o);
    if (rc == HPCL_OK)
        rc = hpcl_plan_compute(plan);
    if (rc == HPCL_OK)
        rc = hpcl_plan_apply(plan, rank, 0);
    /* hpcl_pin_self() in the program keeps a binding equal to this. */
    if (rc == HPCL_OK &&
        setenv("HPCL_PINNED", hpcl_plan_task_cpuset(plan, rank), 1) != 0)
        rc = HPCL_E_NOMEM;
    if (rc == HPCL_OK && o->verbose)
        report(topo, plan, rank, size);
    hpcl_plan_destroy(plan);
    return rc;
}

/* After a plan that does not fit: the usual cause is a launcher that
 * bound the task already, so that it sees only its own CPUs. */
static void hint_if_bound(hpcl_rc rc)
{
    cpu_set_t mask;
    long online = sysconf(_SC_NPROCESSORS_ONLN);

    if ((rc != HPCL_E_PLAN && rc != HPCL_E_NOGPU) ||
        sched_getaffinity(0, sizeof mask, &mask) != 0 ||
        CPU_COUNT(&mask) >= online)
        return;
    fprintf(stderr, "hpclaunch pin: note: this task may use %d of the %ld "
            "CPUs; a launcher that binds tasks leaves each one only its "
            "own: use srun --cpu-bind=none or mpirun --bind-to none\n",
            CPU_COUNT(&mask), online);
}

/* Bind this process; returns EXIT_OK or the error status. */
static int pin(const struct cli_plan_opts *o)
{
    hpcl_ctx *ctx = cli_ctx_create("pin");
    hpcl_topo *topo = NULL;
    unsigned rank, size;
    int skipped;
    hpcl_rc rc;

    if (ctx == NULL)
        return EXIT_LIBRARY;
    if ((rc = hpcl_local_rank(&rank, &size, ctx)) == HPCL_OK) {
        skipped = skip_hwloc_plugins();
        rc = hpcl_topo_load(&topo, ctx, 0);
        if (skipped)
            unsetenv("HWLOC_PLUGINS_BLACKLIST");
    }
    if (rc == HPCL_OK)
        rc = pin_task(topo, o, rank, size);
    if (rc != HPCL_OK) {
        cli_lib_error("pin", ctx, rc);
        hint_if_bound(rc);
    }
    hpcl_topo_destroy(topo);
    hpcl_ctx_destroy(ctx);
    return rc == HPCL_OK ? EXIT_OK : EXIT_LIBRARY;
}

int cmd_pin(int argc, char **argv)
{
    struct cli_plan_opts o;
    int status, err;

    cli_plan_opts_init(&o);
    if ((status = parse_pin(argc, argv, &o)) != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    if ((status = pin(&o)) != EXIT_OK)
        return status;
    fflush(NULL);
    execvp(argv[optind], argv + optind);
    err = errno;
    /* As env(1): 127 when not found, 126 when found but not runnable. */
    fprintf(stderr, "hpclaunch pin: cannot run '%s': %s\n", argv[optind],
            strerror(err));
    return err == ENOENT || err == ENOTDIR ? 127 : 126;
}
