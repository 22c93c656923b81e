/* MPI + OpenMP, pinned from the first line of main: hpcl_pin_self() comes
 * before MPI_Init and before any OpenMP call, and the OpenMP runtime
 * still gets the plan's threads and places (the library starts the
 * program again once when the runtime read its settings already; see
 * hpcl_pin_self(3)).  Every OpenMP thread of every rank prints one line:
 *
 *   host=a1 rank=1/4 local=1/2 thread=0/2 cpu=2 place=0 place_cpus=2
 *   places={2},{3}
 *
 * (one line each): rank is the MPI rank, local the rank on the node
 * (from the launcher, as the plan saw it), cpu where the thread runs
 * (sched_getcpu), place and place_cpus the thread's OpenMP place as the
 * runtime has it (omp_get_place_num, omp_get_place_proc_ids), places the
 * OMP_PLACES the rank got.  Build:
 *
 *   mpicc -fopenmp omp_places.c $(pkg-config --cflags --libs hpclaunch)
 *
 * A pinning failure aborts the job (MPI_Abort): a silently unpinned run
 * would look fine and be slow. */
#define _GNU_SOURCE /* sched_getcpu */
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
        fprintf(stderr, "omp_places: hpcl_pin_self: %s: %s\n",
                hpcl_strerror(rc), ctx ? hpcl_ctx_errmsg(ctx) : "");
        hpcl_ctx_destroy(ctx);
        MPI_Init(argc, argv);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    hpcl_ctx_destroy(ctx);
}

/* The calling thread's OpenMP place as the runtime has it: its number
 * (-1 when unbound) and its CPUs as "a,b,c" in buf. */
static int my_place(char *buf, size_t len)
{
    int place = omp_get_place_num(), n, ids[1024];
    size_t used = 0;

    buf[0] = '\0';
    if (place < 0)
        return place;
    n = omp_get_place_num_procs(place);
    if (n > (int)(sizeof ids / sizeof *ids))
        n = (int)(sizeof ids / sizeof *ids);
    omp_get_place_proc_ids(place, ids);
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%d",
                                 i ? "," : "", ids[i]);
    return place;
}

int main(int argc, char **argv)
{
    char host[256] = "";
    const char *places;
    unsigned local = 0, nlocal = 0;
    int rank, size;

    pin_or_abort(&argc, &argv); /* first: before MPI_Init and OpenMP */
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    {
        hpcl_ctx *ctx = NULL;
        if (hpcl_ctx_create(&ctx, 0) == HPCL_OK)
            hpcl_local_rank(&local, &nlocal, ctx);
        hpcl_ctx_destroy(ctx);
    }
    gethostname(host, sizeof host - 1);
    host[strcspn(host, ".")] = '\0';
    places = getenv("OMP_PLACES");
#pragma omp parallel
    {
        char cpus[4096];
        int place = my_place(cpus, sizeof cpus);

#pragma omp critical
        printf("host=%s rank=%d/%d local=%u/%u thread=%d/%d cpu=%d "
               "place=%d place_cpus=%s places=%s\n",
               host, rank, size, local, nlocal, omp_get_thread_num(),
               omp_get_num_threads(), sched_getcpu(), place,
               *cpus ? cpus : "-", places ? places : "-");
    }
    MPI_Finalize();
    return 0;
}
