/*
 * The CPUs a launcher's tasks may use (HPCL_TOPO_LAUNCHER_CPUS): read
 * from /proc, since a binding is a property of processes, and the
 * launcher's is the one every task of the node has in common.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topo/topo-internal.h"

/* "Cpus_allowed_list" and "PPid" of /proc/<pid>/status; -1 on failure. */
static int proc_status(long pid, hwloc_bitmap_t set, long *ppid)
{
    char path[64], line[4096];
    int have = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    *ppid = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "PPid:", 5) == 0)
            *ppid = strtol(line + 5, NULL, 10);
        else if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
            line[strcspn(line, "\n")] = '\0';
            have = hwloc_bitmap_list_sscanf(set, line + 18) == 0;
        }
    }
    fclose(f);
    return have ? 0 : -1;
}

/* The launcher's set is the affinity of the nearest ancestor bound more
 * widely than this process: the process that started every task of the
 * node (slurmstepd, Open MPI's orted or prted, mpiexec's hydra proxy),
 * whose affinity each task inherited before the launcher narrowed it.
 * So every task of the node finds the same set, and their plans agree.
 * A wrapper between (a shell) has the task's binding and is skipped.
 * Without a wider ancestor, the process's own set. */
int hpcl__launcher_cpus(hwloc_bitmap_t set)
{
    hwloc_bitmap_t own = hwloc_bitmap_alloc(), up = hwloc_bitmap_alloc();
    long pid = (long)getpid(), ppid;
    int rc = -1;

    if (own != NULL && up != NULL && proc_status(pid, own, &ppid) == 0) {
        hwloc_bitmap_copy(set, own);
        rc = 0;
        for (int depth = 0; depth < 16 && ppid > 1; depth++) {
            if (proc_status(ppid, up, &ppid) != 0)
                break;
            if (!hwloc_bitmap_isequal(up, own) &&
                hwloc_bitmap_isincluded(own, up)) {
                hwloc_bitmap_copy(set, up);
                break;
            }
        }
    }
    hwloc_bitmap_free(own);
    hwloc_bitmap_free(up);
    return rc;
}
