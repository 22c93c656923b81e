#!/usr/bin/env python3
"""mpi4py + hpclaunch: each rank pins itself, then says where it runs.

    srun --cpu-bind=none -N 2 -n 4 python3 mpi4py_pin.py
    mpirun -np 4 --bind-to none python3 mpi4py_pin.py

hpclaunch.pin() comes first, before `from mpi4py import MPI` (which
starts MPI): the library may start the program again so that an OpenMP
runtime already loaded reads the plan's OMP_* settings, which only
works before MPI_Init.  Each rank prints one line:

    host=a1 rank=1/4 local=1/2 cpus=1 OMP_NUM_THREADS=1 OMP_PLACES={1}

cpus are the CPUs the rank may run on (sched_getaffinity), the OMP_*
values those os.environ has after pin() (the library set them in C).
"""
import os
import socket
import sys

import hpclaunch


def cpu_list(cpus):
    """[0, 1, 2, 5] as "0-2,5"."""
    out, cpus = [], sorted(cpus)
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)


def main():
    try:
        hpclaunch.pin()
    except hpclaunch.Error as e:
        print("mpi4py_pin: %s (%s)" % (e, e.name), file=sys.stderr)
        # End the job: a rank that stops before MPI_Init leaves the
        # others waiting in theirs under srun.
        from mpi4py import MPI
        MPI.COMM_WORLD.Abort(1)
    from mpi4py import MPI  # after pin(): this starts MPI

    comm = MPI.COMM_WORLD
    local, nlocal = hpclaunch.local_rank()
    print("host=%s rank=%d/%d local=%d/%d cpus=%s OMP_NUM_THREADS=%s "
          "OMP_PLACES=%s"
          % (socket.gethostname().split(".")[0], comm.Get_rank(),
             comm.Get_size(), local, nlocal,
             cpu_list(os.sched_getaffinity(0)),
             os.environ.get("OMP_NUM_THREADS", "-"),
             os.environ.get("OMP_PLACES", "-")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
