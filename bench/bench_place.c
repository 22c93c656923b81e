/*
 * Placement benchmark.
 *
 *   bench_place plan XML|synthetic:DESC...
 *       median time of one hpcl_plan_compute() (and reading every task's
 *       cpuset) for 8, 64 and 128 tasks on
 *       each topology, beside hwloc_distrib() for the same topology and
 *       task count in this process, and their ratio.
 *   bench_place wrapper RUNS HPCLAUNCH
 *       median wall time of `HPCLAUNCH pin -- /bin/true` (as local rank 0
 *       of 1) beside the same binding done by `taskset -c CPU /bin/true`
 *       and `hwloc-bind core:0 -- /bin/true`, and of `/bin/true` alone
 *       (RUNS runs each, round robin), the ratios, and peak RSS of each.
 *
 * bench/place.sh runs both.  Tasks that outnumber the cores are planned
 * with oversubscription (marked "os").
 */
#define _GNU_SOURCE /* wait4, sched_getaffinity; clock_gettime, setenv */
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hpclaunch.h>
#include <hpclaunch/hwloc.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Repetitions: enough for a stable median, under a second or so. */
static int reps_for(unsigned npus)
{
    return npus > 4096 ? 15 : npus > 256 ? 51 : 201;
}

/* Median µs of hpcl_plan_compute for ntasks plus reading every task's
 * cpuset string (hwloc_distrib's output is the cpusets too; the strings
 * are built on first use); -1 if it fails. */
static double time_plan(hpcl_topo *topo, hpcl_ctx *ctx, unsigned ntasks,
                        int over, int reps)
{
    hpcl_plan *plan = NULL;
    double *t = calloc((size_t)reps, sizeof *t), m = -1;

    if (t == NULL || hpcl_plan_create(&plan, topo) != HPCL_OK ||
        hpcl_plan_set_ntasks(plan, ntasks) != HPCL_OK ||
        hpcl_plan_set_oversubscribe(plan, over) != HPCL_OK)
        goto out;
    for (int i = 0; i < reps; i++) {
        double t0 = now_us();
        if (hpcl_plan_compute(plan) != HPCL_OK) {
            fprintf(stderr, "bench_place: %s\n", hpcl_ctx_errmsg(ctx));
            goto out;
        }
        for (unsigned k = 0; k < ntasks; k++)
            if (hpcl_plan_task_cpuset(plan, k) == NULL)
                goto out;
        t[i] = now_us() - t0;
    }
    m = median(t, reps);
out:
    hpcl_plan_destroy(plan);
    free(t);
    return m;
}

/* Median µs of hwloc_distrib() of ntasks over the whole machine. */
static double time_distrib(hwloc_topology_t hw, unsigned ntasks, int reps)
{
    hwloc_obj_t root = hwloc_get_root_obj(hw);
    hwloc_bitmap_t *sets = calloc(ntasks, sizeof *sets);
    double *t = calloc((size_t)reps, sizeof *t), m = -1;

    for (unsigned k = 0; sets != NULL && k < ntasks; k++)
        sets[k] = hwloc_bitmap_alloc();
    for (int i = 0; t != NULL && sets != NULL && i < reps; i++) {
        double t0 = now_us();
        hwloc_distrib(hw, &root, 1, sets, ntasks, INT_MAX, 0);
        t[i] = now_us() - t0;
    }
    if (t != NULL && sets != NULL)
        m = median(t, reps);
    for (unsigned k = 0; sets != NULL && k < ntasks; k++)
        hwloc_bitmap_free(sets[k]);
    free(sets);
    free(t);
    return m;
}

static hpcl_rc load(hpcl_topo **topo, hpcl_ctx *ctx, const char *spec)
{
    if (strncmp(spec, "synthetic:", 10) == 0)
        return hpcl_topo_load_synthetic(topo, ctx, spec + 10, 0);
    return hpcl_topo_load_xml(topo, ctx, spec, 0);
}

/* One table row per task count for the topology spec. */
static int bench_topology(hpcl_ctx *ctx, const char *spec)
{
    static const unsigned counts[] = {8, 64, 128};
    const char *name = strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec;
    hpcl_topo *topo = NULL;

    if (load(&topo, ctx, spec) != HPCL_OK) {
        fprintf(stderr, "bench_place: %s\n", hpcl_ctx_errmsg(ctx));
        return 1;
    }
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        unsigned n = counts[i], npus = hpcl_topo_count(topo, HPCL_TOPO_PU);
        int over = n > hpcl_topo_count(topo, HPCL_TOPO_CORE);
        int reps = reps_for(npus);
        double p = time_plan(topo, ctx, n, over, reps);
        double d = time_distrib(hpcl_topo_hwloc(topo), n, reps);

        printf("%-48.48s %6u %5u%-3s %10.1f %12.1f %7.2f\n", name, npus, n,
               over ? " os" : "", p, d, d > 0 ? p / d : 0);
    }
    hpcl_topo_destroy(topo);
    return 0;
}

static int bench_plans(int n, char **specs)
{
    hpcl_ctx *ctx;
    int failed = 0;

    if (hpcl_ctx_create(&ctx, 0) != HPCL_OK)
        return 1;
    printf("%-48s %6s %8s %10s %12s %7s\n", "topology", "PUs", "tasks",
           "plan us", "distrib us", "ratio");
    printf("(plan us: hpcl_plan_compute + every task's cpuset string)\n");
    for (int i = 0; i < n; i++)
        failed |= bench_topology(ctx, specs[i]);
    hpcl_ctx_destroy(ctx);
    return failed;
}

/* Run argv once (argv[0] looked up in PATH); its wall time in µs and
 * peak RSS in KiB.  -1 if it could not run or failed. */
static int run_once(char *const *argv, double *us, long *rss_kib)
{
    struct rusage ru;
    int status;
    double t0 = now_us();
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    *us = now_us() - t0;
    if (ru.ru_maxrss > *rss_kib)
        *rss_kib = ru.ru_maxrss;
    return 0;
}

/* One command of the wrapper comparison. */
struct cmd {
    char label[48];
    char *argv[6];
    int ok;     /* it ran: taskset or hwloc-bind may be missing */
    double *t;  /* µs of each run */
    double med; /* median µs */
    long rss;   /* peak RSS, KiB */
};

/* Run every command runs times, round robin so that drift of the machine
 * (frequency, caches, other load) falls on all alike; 5 warm-up runs each
 * first, which also find the commands that cannot run. */
static int time_commands(struct cmd *c, int n, int runs)
{
    double us;

    for (int k = 0; k < n; k++) {
        c[k].ok = (c[k].t = calloc((size_t)runs, sizeof us)) != NULL;
        for (int w = 0; c[k].ok && w < 5; w++)
            c[k].ok = run_once(c[k].argv, &us, &c[k].rss) == 0;
        if (!c[k].ok)
            fprintf(stderr, "bench_place: %s cannot run: left out\n",
                    c[k].label);
    }
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < n; k++)
            if (c[k].ok && run_once(c[k].argv, &c[k].t[r], &c[k].rss)) {
                fprintf(stderr, "bench_place: %s failed\n", c[k].label);
                return 1;
            }
    for (int k = 0; k < n; k++)
        if (c[k].ok)
            c[k].med = median(c[k].t, runs);
    return 0;
}

/* The first CPU this process may run on: where taskset binds, as pin
 * binds local rank 0 of 1 to the first core. */
static int first_cpu(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int i = 0; i < CPU_SETSIZE; i++)
            if (CPU_ISSET(i, &set))
                return i;
    return 0;
}

/* pin's median against another binder's: "2.10x taskset". */
static void ratio(const struct cmd *pin, const struct cmd *other,
                  const char *name)
{
    if (other->ok)
        printf("  %.2fx %s (%+.3f ms)\n", pin->med / other->med, name,
               (pin->med - other->med) / 1e3);
    else
        printf("  %s: not run\n", name);
}

static int bench_wrapper(int runs, char *hpclaunch)
{
    static char cpu[16];
    struct cmd c[] = {
        {.label = "/bin/true", .argv = {"/bin/true", NULL}},
        {.argv = {"taskset", "-c", cpu, "/bin/true", NULL}},
        {.label = "hwloc-bind core:0 -- /bin/true",
         .argv = {"hwloc-bind", "core:0", "--", "/bin/true", NULL}},
        {.label = "hpclaunch pin -- /bin/true",
         .argv = {hpclaunch, "pin", "--", "/bin/true", NULL}},
    };
    int n = (int)(sizeof c / sizeof *c), failed;

    snprintf(cpu, sizeof cpu, "%d", first_cpu());
    snprintf(c[1].label, sizeof c[1].label, "taskset -c %s /bin/true", cpu);
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", "0", 1);
    setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "1", 1);
    if ((failed = time_commands(c, n, runs)) == 0 && c[0].ok && c[3].ok) {
        printf("%-34s %10s %10s\n", "command (median of runs)", "wall ms",
               "peak RSS");
        for (int k = 0; k < n; k++)
            if (c[k].ok)
                printf("%-34s %10.3f %6ld KiB\n", c[k].label,
                       c[k].med / 1e3, c[k].rss);
        printf("hpclaunch pin, over %d runs each:\n", runs);
        ratio(&c[3], &c[1], "taskset");
        ratio(&c[3], &c[2], "hwloc-bind");
        ratio(&c[3], &c[0], "/bin/true unbound");
        printf("wrapper adds %.3f ms (target < 3 ms)\n",
               (c[3].med - c[0].med) / 1e3);
    }
    for (int k = 0; k < n; k++)
        free(c[k].t);
    return failed || !c[0].ok || !c[3].ok;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "plan") == 0)
        return bench_plans(argc - 2, argv + 2);
    if (argc == 4 && strcmp(argv[1], "wrapper") == 0 && atoi(argv[2]) > 0)
        return bench_wrapper(atoi(argv[2]), argv[3]);
    fprintf(stderr, "usage: bench_place plan XML|synthetic:DESC...\n"
                    "       bench_place wrapper RUNS HPCLAUNCH\n");
    return 2;
}
