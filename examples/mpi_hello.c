/* MPI + OpenMP hello world that pins itself: the first thing each rank
 * does, before MPI_Init, is hpcl_pin_self() (a no-op under `hpclaunch
 * pin`, which bound it already; otherwise it may start the program again
 * once, so that the OpenMP runtime reads the plan's OMP_* settings), then
 * every OpenMP thread prints one line:
 *
 *   host=a1 rank=0/2 thread=0/1 cpu=0 allowed=0 gpu=-
 *
 * cpu is where the thread runs (sched_getcpu), allowed the rank's CPU
 * list (sched_getaffinity of all its threads), gpu the rank's GPU
 * variable.  A pinning failure aborts the job (MPI_Abort): a silently
 * unpinned run would look fine and be slow.  Run by the README demo and
 * the live tests. */
#define _GNU_SOURCE /* sched_getcpu, CPU_* */
#include <mpi.h>
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hpclaunch.h>

/* Pin this task from the launcher's variables, or end the job.  MPI is
 * started only to abort it: a rank that just exits before MPI_Init
 * leaves the others waiting in theirs under srun. */
static void pin_or_abort(int *argc, char ***argv)
{
    hpcl_ctx *ctx = NULL;
    hpcl_rc rc = hpcl_ctx_create(&ctx, 0);

    if (rc == HPCL_OK)
        rc = hpcl_pin_self(ctx, 0);
    if (rc != HPCL_OK) {
        fprintf(stderr, "mpi_hello: hpcl_pin_self: %s: %s\n",
                hpcl_strerror(rc), ctx ? hpcl_ctx_errmsg(ctx) : "");
        hpcl_ctx_destroy(ctx);
        MPI_Init(argc, argv);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    hpcl_ctx_destroy(ctx);
}

/* A CPU set as a list: "0-3,8". */
static void cpu_list(char *buf, size_t len, const cpu_set_t *set)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int cpu = 0; cpu < CPU_SETSIZE && used < len; cpu++) {
        int last = cpu;

        if (!CPU_ISSET(cpu, set))
            continue;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set))
            last++;
        used += (size_t)snprintf(buf + used, len - used, "%s%d",
                                 used ? "," : "", cpu);
        if (last > cpu && used < len)
            used += (size_t)snprintf(buf + used, len - used, "-%d", last);
        cpu = last;
    }
}

static const char *gpu_variable(void)
{
    static const char *const names[] = {"CUDA_VISIBLE_DEVICES",
                                        "ROCR_VISIBLE_DEVICES",
                                        "ZE_AFFINITY_MASK"};

    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && *v != '\0')
            return v;
    }
    return "-";
}

int main(int argc, char **argv)
{
    char host[256] = "", allowed[4096];
    cpu_set_t rank_cpus;
    const char *gpu;
    int rank, size;

    pin_or_abort(&argc, &argv); /* first: before MPI_Init and OpenMP */
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    gethostname(host, sizeof host - 1);
    host[strcspn(host, ".")] = '\0';
    gpu = gpu_variable();
    CPU_ZERO(&rank_cpus);
#pragma omp parallel
    {
        cpu_set_t mine;

        /* The rank's CPUs: those of all its threads (an OpenMP runtime
         * binds each thread to its place, inside the rank's set). */
        if (sched_getaffinity(0, sizeof mine, &mine) == 0) {
#pragma omp critical
            CPU_OR(&rank_cpus, &rank_cpus, &mine);
        }
#pragma omp barrier
#pragma omp single
        cpu_list(allowed, sizeof allowed, &rank_cpus);
        printf("host=%s rank=%d/%d thread=%d/%d cpu=%d allowed=%s gpu=%s\n",
               host, rank, size, omp_get_thread_num(), omp_get_num_threads(),
               sched_getcpu(), allowed, gpu);
    }
    MPI_Finalize();
    return 0;
}
