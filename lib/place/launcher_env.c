/*
 * hpcl_local_rank(): a task's rank among the tasks of its node, and their
 * number, from the variables its launcher sets.
 *
 * MPI launchers are asked first: mpirun run inside a Slurm batch job
 * inherits the batch step's SLURM_LOCALID (0 in every rank), while its
 * own variables are right.  Under srun the Slurm variables are right and
 * PMIx's, when set, agree with them.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* A whole non-negative decimal number; -1 when s is not one. */
static long number(const char *s, char **end_out)
{
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || v > 1UL << 24)
        return -1;
    if (end_out != NULL)
        *end_out = end;
    else if (*end != '\0')
        return -1;
    return (long)v;
}

/* Tasks on node `node` from Slurm's "2(x3),1" (2 tasks on each of three
 * nodes, then 1); -1 when malformed or too short. */
static long tasks_on_node(const char *list, long node)
{
    const char *p = list;

    while (p != NULL && *p != '\0') {
        char *end;
        long n = number(p, &end), repeat = 1;

        if (n < 0)
            return -1;
        if (strncmp(end, "(x", 2) == 0) {
            repeat = number(end + 2, &end);
            if (repeat < 1 || *end != ')')
                return -1;
            end++;
        }
        if (node < repeat)
            return n;
        node -= repeat;
        if (*end != ',' && *end != '\0')
            return -1;
        p = *end == ',' ? end + 1 : end;
    }
    return -1;
}

/* Rank and size from one launcher's pair of variables; *found stays 0
 * when the rank variable is unset. */
static hpcl_rc from_pair(hpcl_ctx *ctx, const char *rank_var,
                         const char *size_var, long *rank, long *size,
                         int *found)
{
    const char *r = getenv(rank_var), *s = getenv(size_var);

    if (r == NULL || *r == '\0')
        return HPCL_OK;
    *found = 1;
    if ((*rank = number(r, NULL)) < 0)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "%s=\"%s\" is not a rank",
                          rank_var, r);
    if (s == NULL || (*size = number(s, NULL)) < 1)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "%s is set but %s is %s%s%s",
                          rank_var, size_var, s ? "\"" : "unset",
                          s ? s : "", s ? "\", not a count" : "");
    return HPCL_OK;
}

/* Slurm: SLURM_LOCALID, and this node's entry of the step's (else the
 * job's) tasks-per-node list. */
static hpcl_rc from_slurm(hpcl_ctx *ctx, long *rank, long *size, int *found)
{
    static const char *const lists[] = {"SLURM_STEP_TASKS_PER_NODE",
                                        "SLURM_NTASKS_PER_NODE",
                                        "SLURM_TASKS_PER_NODE"};
    const char *id = getenv("SLURM_LOCALID"), *nodeid = getenv("SLURM_NODEID");
    long node = nodeid ? number(nodeid, NULL) : 0;

    if (id == NULL || *id == '\0')
        return HPCL_OK;
    *found = 1;
    if ((*rank = number(id, NULL)) < 0 || node < 0)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "SLURM_LOCALID=\"%s\" or "
                          "SLURM_NODEID=\"%s\" is not a number", id,
                          nodeid ? nodeid : "");
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        const char *v = getenv(lists[i]);

        if (v == NULL || *v == '\0')
            continue;
        /* SLURM_NTASKS_PER_NODE is one number for every node. */
        *size = i == 1 ? number(v, NULL) : tasks_on_node(v, node);
        if (*size < 1)
            return hpcl__fail(ctx, HPCL_E_CONFIG, "%s=\"%s\" gives no task "
                              "count for node %ld", lists[i], v, node);
        return HPCL_OK;
    }
    return hpcl__fail(ctx, HPCL_E_CONFIG, "SLURM_LOCALID is set but none of "
                      "SLURM_STEP_TASKS_PER_NODE, SLURM_NTASKS_PER_NODE, "
                      "SLURM_TASKS_PER_NODE is");
}

hpcl_rc hpcl_local_rank(unsigned *rank, unsigned *size, hpcl_ctx *ctx)
{
    static const char *const pairs[][3] = {
        {"Open MPI", "OMPI_COMM_WORLD_LOCAL_RANK",
         "OMPI_COMM_WORLD_LOCAL_SIZE"},
        {"PMIx", "PMIX_LOCAL_RANK", "PMIX_LOCAL_SIZE"},
        {"MPICH", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"},
    };
    const char *who = "Slurm";
    long r = 0, s = 0;
    int found = 0;
    hpcl_rc rc = HPCL_OK;

    if (rank == NULL || size == NULL || ctx == NULL)
        return HPCL_E_INVAL;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0] && !found; i++) {
        rc = from_pair(ctx, pairs[i][1], pairs[i][2], &r, &s, &found);
        who = pairs[i][0];
    }
    if (!found) {
        rc = from_slurm(ctx, &r, &s, &found);
        who = "Slurm";
    }
    if (rc != HPCL_OK)
        return rc;
    if (!found)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "no launcher told this task's "
                          "local rank: none of OMPI_COMM_WORLD_LOCAL_RANK, "
                          "PMIX_LOCAL_RANK, MPI_LOCALRANKID, SLURM_LOCALID "
                          "is set; run it under srun, mpirun or mpiexec, or "
                          "set OMPI_COMM_WORLD_LOCAL_RANK and "
                          "OMPI_COMM_WORLD_LOCAL_SIZE (or SLURM_LOCALID and "
                          "SLURM_TASKS_PER_NODE)");
    if (r >= s)
        return hpcl__fail(ctx, HPCL_E_CONFIG, "%s: local rank %ld is not "
                          "below the local task count %ld", who, r, s);
    *rank = (unsigned)r;
    *size = (unsigned)s;
    return HPCL_OK;
}
