"""hpclaunch for Python: pinning, placement plans and Slurm jobs.

    import hpclaunch
    hpclaunch.pin()              # first: before `from mpi4py import MPI`
    p = hpclaunch.plan(ntasks=4, threads=2, topology="node.xml")
    job = hpclaunch.Job(["./app"], ntasks=4, time_limit=10)
    ref = job.submit(); job.wait()

A thin layer of ctypes over the installed libhpclaunch (no compiled part):
every call maps to the C function of the same name, and a failure raises
hpclaunch.Error with the library's code and message.  See
hpclaunch-python(7).
"""
import ctypes
import os

from . import _lib
from ._lib import Error, lib
from .job import LAUNCHERS, TIME_UNLIMITED, Job
from .plan import Plan, Task, plan

__all__ = ["Error", "Job", "Plan", "Task", "local_rank", "pin", "plan",
           "strerror", "version", "LAUNCHERS", "TIME_UNLIMITED"]

# The return codes as module constants: OK, E_INVAL, ..., E_UNSUPPORTED.
for _code, _name in enumerate(_lib.RC_NAMES):
    globals()[_name[len("HPCL_"):]] = _code
    __all__.append(_name[len("HPCL_"):])

strerror = _lib.strerror


def version():
    """The library's version, e.g. "0.2.0"."""
    return _lib.text(lib.hpcl_version())


def _c_environ():
    """The process's environment as the C library has it: os.environ is a
    copy taken at start, blind to setenv() calls made in C."""
    env = {}
    environ = ctypes.POINTER(ctypes.c_char_p).in_dll(_lib.libc, "environ")
    i = 0
    while environ[i] is not None:
        key, _, value = environ[i].partition(b"=")
        env[os.fsdecode(key)] = os.fsdecode(value)
        i += 1
    return env


def pin(reexec=None):
    """Pin this task as hpcl_pin_self(3) does: from the launcher's
    variables (srun, mpirun), plan the node's tasks on this machine, bind
    this process to its task's CPUs and set its OMP_*, GPU and UCX
    variables.  os.environ is updated with what the library set; the
    changed variables are also returned, as a dict.

    Call it first, before `from mpi4py import MPI` (which starts MPI) and
    before importing modules that start an OpenMP runtime: when one was
    started already, the library runs the program again from its first
    line (same process, same arguments) so that the runtime reads the new
    settings, and this call then returns in the new run.  reexec: None
    (the library's choice, $HPCL_PIN_REEXEC), True ("always") or False
    ("never").  Under `hpclaunch pin` nothing is done.
    """
    if reexec is not None:
        os.environ["HPCL_PIN_REEXEC"] = "always" if reexec else "never"
    before = _c_environ()
    ctx = _lib.Context()
    try:
        ctx.check(lib.hpcl_pin_self(ctx.ptr, 0), "hpcl_pin_self")
    finally:
        ctx.close()
    after = _c_environ()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    for key in before.keys() - after.keys():
        os.environ.pop(key, None)
    os.environ.update(changed)
    return changed


def local_rank():
    """(rank, size): this task's rank among the tasks of its node and
    their number, from the launcher's environment (hpcl_local_rank(3))."""
    rank, size = ctypes.c_uint(), ctypes.c_uint()
    ctx = _lib.Context()
    try:
        ctx.check(lib.hpcl_local_rank(ctypes.byref(rank), ctypes.byref(size),
                                      ctx.ptr), "hpcl_local_rank")
    finally:
        ctx.close()
    return rank.value, size.value
