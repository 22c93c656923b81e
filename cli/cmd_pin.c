/* hpclaunch pin: bind this task to its part of the node's plan, then exec
 * the program.  It runs once per rank under srun or mpirun, so it loads
 * only what the plan needs. */
#define _GNU_SOURCE /* sched_getaffinity; setenv, gethostname */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"

static const struct cli_opt pin_opts[] = {
    {OPT_KEEP_BINDING, "keep-binding", NULL, "keep the launcher's CPU "
     "binding: set the GPU, UCX and\nOMP_NUM_THREADS variables only", NULL},
    {'v', "verbose", NULL, "print one line per task to stderr: ranks, host, "
     "CPUs,\nGPUs (with the index the task sees), NIC, binding", NULL},
    {0, NULL, NULL, NULL, NULL}};

const struct cli_cmd cli_cmd_pin = {
    "pin", "bind this task by the node's plan, then run a program", cmd_pin,
    "hpclaunch pin [OPTIONS] [--] PROGRAM [ARGS...]",
    "Run under srun or mpirun: find this task's local rank and the number "
    "of\ntasks on the node from the launcher, plan them on this machine "
    "over the\nCPUs the launcher may use (the same for every task of the "
    "node, whatever\nbinding it gave each task) and the GPUs of the step, "
    "bind this task to\nits CPUs (replacing the launcher's binding), set "
    "its OpenMP, GPU and UCX\nvariables and HPCL_PINNED, then exec "
    "PROGRAM.  Options override the\nenvironment's defaults "
    "(HPCL_THREADS_PER_TASK, OMP_NUM_THREADS,\nSLURM_CPUS_PER_TASK, ...).",
    {{NULL, cli_task_opts}, {NULL, pin_opts}, {NULL, cli_help_opt}},
    "that of PROGRAM; 1 library error (nothing run), 2 usage error,\n"
    "126 PROGRAM cannot be run, 127 PROGRAM not found.", 1, "@file"};

static int parse_pin(int argc, char **argv, struct cli_plan_opts *o)
{
    struct cli_parser p;
    int opt, status;

    cli_parser_init(&p, &cli_cmd_pin, argc, argv);
    while ((opt = cli_parse_next(&p)) > 0)
        if ((status = cli_plan_option("pin", o, opt == 'v' ? OPT_VERBOSE
                                                          : opt,
                                      p.arg)) != EXIT_OK)
            return status;
    if (opt < 0)
        return p.status == EXIT_OK ? -1 : p.status;
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

/* This task's rank among all tasks of the job, from the launcher; -1
 * when none says. */
static long global_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK",
                                       "PMI_RANK", "SLURM_PROCID"};

    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        char *end;
        long r;

        if (v == NULL || *v < '0' || *v > '9')
            continue;
        r = strtol(v, &end, 10);
        if (*end == '\0')
            return r;
    }
    return -1;
}

/* The calling process's CPU affinity in list syntax ("0-3,8"), "" on
 * failure; and how many CPUs it holds. */
static int affinity_list(char *buf, size_t len)
{
    cpu_set_t mask;
    size_t n = 0;
    int count = 0;

    buf[0] = '\0';
    if (sched_getaffinity(0, sizeof mask, &mask) != 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE && n + 24 < len; c++) {
        int last = c;

        if (!CPU_ISSET(c, &mask))
            continue;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &mask))
            last++;
        n += (size_t)snprintf(buf + n, len - n, last > c ? "%s%d-%d" : "%s%d",
                              n ? "," : "", c, last);
        count += last - c + 1;
        c = last;
    }
    return count;
}

/* One line per task on stderr, as srun --cpu-bind=verbose and mpibind
 * give: "hpclaunch pin: rank 3 (local 1/2) host a2: cpus 2-3 (pus 2,3)
 * numa 0 gpus nvml1 (0000:5f:00.0, visible 0) nic mlx5_0 binding
 * replaced (launcher's: 1)".  In one write: the ranks of a node share
 * the launcher's stderr, and a line written in pieces comes out mixed
 * with the others' (seen under mpirun). */
static void report(const hpcl_topo *topo, const hpcl_plan *plan,
                   unsigned rank, unsigned size, const char *before,
                   int narrowed, int keep)
{
    char host[256] = "?", *dot, *line = NULL;
    size_t len = 0;
    unsigned npus, ngpus;
    const unsigned *pus = hpcl_plan_task_pus(plan, rank, &npus);
    const unsigned *gpus = hpcl_plan_task_gpus(plan, rank, &ngpus);
    int nic = hpcl_plan_task_nic(plan, rank);
    long grank = global_rank();
    FILE *f = open_memstream(&line, &len);

    if (f == NULL)
        return;
    gethostname(host, sizeof host - 1);
    if ((dot = strchr(host, '.')) != NULL)
        *dot = '\0';
    if (grank >= 0)
        fprintf(f, "hpclaunch pin: rank %ld (local %u/%u) host %s: ", grank,
                rank, size, host);
    else
        fprintf(f, "hpclaunch pin: rank ? (local %u/%u) host %s: ", rank,
                size, host);
    fprintf(f, "cpus %s (pus", keep ? before : hpcl_plan_task_cpuset(plan,
                                                                     rank));
    for (unsigned k = 0; k < npus && !keep; k++)
        fprintf(f, "%s%u", k ? "," : " ", pus[k]);
    fprintf(f, "%s) numa %s gpus", keep ? " as bound" : "",
            hpcl_plan_task_numa(plan, rank));
    for (unsigned k = 0; k < ngpus; k++)
        fprintf(f, "%s%s (%s, visible %d)", k ? "," : " ",
                hpcl_topo_gpu_name(topo, gpus[k]),
                hpcl_topo_gpu_pci(topo, gpus[k]),
                hpcl_topo_gpu_visible_index(topo, gpus[k]));
    fprintf(f, "%s nic %s", ngpus ? "" : " -",
            nic >= 0 ? hpcl_topo_nic_name(topo, (unsigned)nic) : "-");
    if (keep)
        fprintf(f, " binding kept (launcher's: %s)\n", before);
    else if (narrowed)
        fprintf(f, " binding replaced (launcher's: %s)\n", before);
    else
        fprintf(f, " binding set\n");
    if (fclose(f) == 0 && write(STDERR_FILENO, line, len) < 0)
        line[0] = '\0'; /* nothing to do: stderr is gone */
    free(line);
}

/* Plan the node's tasks on topo and apply task rank's part.  `before`
 * is this task's binding when it started, narrowed when the launcher
 * bound it to less than the machine. */
static hpcl_rc pin_task(hpcl_topo *topo, const struct cli_plan_opts *o,
                        unsigned rank, unsigned size, const char *before,
                        int narrowed)
{
    hpcl_plan *plan = NULL;
    hpcl_rc rc = hpcl_plan_create(&plan, topo);
    unsigned flags = o->keep_binding ? HPCL_APPLY_KEEP_BINDING : 0;

    if (rc == HPCL_OK)
        rc = hpcl_plan_set_ntasks(plan, size);
    if (rc == HPCL_OK)
        rc = hpcl_plan_set_from_env(plan, 0);
    if (rc == HPCL_OK)
        rc = cli_plan_configure(plan, o);
    if (rc == HPCL_OK)
        rc = hpcl_plan_compute(plan);
    if (rc == HPCL_OK)
        rc = hpcl_plan_apply(plan, rank, flags);
    /* hpcl_pin_self() in the program keeps a binding equal to this. */
    if (rc == HPCL_OK &&
        setenv("HPCL_PINNED", o->keep_binding
                                  ? before : hpcl_plan_task_cpuset(plan, rank),
               1) != 0)
        rc = HPCL_E_NOMEM;
    if (rc == HPCL_OK && o->verbose)
        report(topo, plan, rank, size, before, narrowed, o->keep_binding);
    hpcl_plan_destroy(plan);
    return rc;
}

/* Bind this process; returns EXIT_OK or the error status. */
static int pin(const struct cli_plan_opts *o)
{
    hpcl_ctx *ctx = cli_ctx_create("pin");
    hpcl_topo *topo = NULL;
    unsigned rank, size;
    char before[4096];
    int skipped, bound;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    hpcl_rc rc;

    if (ctx == NULL)
        return EXIT_LIBRARY;
    /* A binding narrower than the machine is the launcher's. */
    bound = affinity_list(before, sizeof before);
    if ((rc = hpcl_local_rank(&rank, &size, ctx)) == HPCL_OK) {
        skipped = skip_hwloc_plugins();
        rc = hpcl_topo_load(&topo, ctx, HPCL_TOPO_LAUNCHER_CPUS);
        if (skipped)
            unsetenv("HWLOC_PLUGINS_BLACKLIST");
    }
    if (rc == HPCL_OK)
        rc = hpcl_topo_restrict_from_env(topo, 0);
    if (rc == HPCL_OK)
        rc = pin_task(topo, o, rank, size, before,
                      bound > 0 && bound < online);
    if (rc != HPCL_OK)
        cli_lib_error("pin", ctx, rc);
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
