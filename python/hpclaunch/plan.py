"""Placement: plan() computes where each task of a node runs (hpcl_plan)."""
import ctypes
from collections import namedtuple

from . import _lib
from ._lib import lib

# One task of a plan, by local rank: cpuset (hwloc list of OS indexes,
# "0-3,112-115"), pus (one PU per thread), numa (list syntax), gpus
# (topology GPU indexes) and gpu_pci (their PCI bus ids), nic (name or
# None) and env (the variables the task gets: OMP_*, device variables,
# UCX_NET_DEVICES).
Task = namedtuple("Task", "rank cpuset pus numa gpus gpu_pci nic env")

_DIST = {"spread": 0, "compact": 1}


class Plan:
    """A computed plan, read out of the library: tasks (a list of Task),
    notes (remarks on the plan), json and table (the library's own
    renderings: the "plan" member of `hpclaunch plan --json`, and what
    `hpclaunch plan` prints)."""

    def __init__(self, tasks, notes, json, table):
        self.tasks = tasks
        self.notes = notes
        self.json = json
        self.table = table

    @property
    def ntasks(self):
        return len(self.tasks)

    def to_json(self):
        return self.json

    def to_table(self):
        return self.table

    def __repr__(self):
        return "<hpclaunch.Plan of %d tasks>" % len(self.tasks)


def _uints(ptr, n):
    return [ptr[i] for i in range(n.value)] if ptr else []


def _strings(arr):
    out = []
    i = 0
    while arr and arr[i] is not None:
        out.append(_lib.text(arr[i]))
        i += 1
    return out


def _task(topo, plan, rank):
    n = ctypes.c_uint()
    pus = _uints(lib.hpcl_plan_task_pus(plan, rank, ctypes.byref(n)), n)
    gpus = _uints(lib.hpcl_plan_task_gpus(plan, rank, ctypes.byref(n)), n)
    nic = lib.hpcl_plan_task_nic(plan, rank)
    env = dict(kv.split("=", 1)
               for kv in _strings(lib.hpcl_plan_task_env(plan, rank)))
    return Task(rank=rank,
                cpuset=_lib.text(lib.hpcl_plan_task_cpuset(plan, rank)),
                pus=pus,
                numa=_lib.text(lib.hpcl_plan_task_numa(plan, rank)),
                gpus=gpus,
                gpu_pci=[_lib.text(lib.hpcl_topo_gpu_pci(topo, g))
                         for g in gpus],
                nic=(_lib.text(lib.hpcl_topo_nic_name(topo, nic))
                     if nic >= 0 else None),
                env=env)


def _load_topology(ctx, topology, synthetic):
    topo = ctypes.c_void_p()
    if topology is not None and synthetic is not None:
        raise ValueError("plan(): topology and synthetic exclude each other")
    if topology is not None:
        ctx.check(lib.hpcl_topo_load_xml(ctypes.byref(topo), ctx.ptr,
                                         _lib.arg(str(topology)), 0),
                  "hpcl_topo_load_xml")
    elif synthetic is not None:
        ctx.check(lib.hpcl_topo_load_synthetic(ctypes.byref(topo), ctx.ptr,
                                               _lib.arg(synthetic), 0),
                  "hpcl_topo_load_synthetic")
    else:
        ctx.check(lib.hpcl_topo_load(ctypes.byref(topo), ctx.ptr, 0),
                  "hpcl_topo_load")
    return topo


def _configure(ctx, plan, opts):
    """Apply the environment first (from_env), then the explicit inputs."""
    if opts["from_env"]:
        ctx.check(lib.hpcl_plan_set_from_env(plan, 0),
                  "hpcl_plan_set_from_env")
    setters = (("ntasks", lib.hpcl_plan_set_ntasks),
               ("threads", lib.hpcl_plan_set_threads_per_task),
               ("gpus_per_task", lib.hpcl_plan_set_gpus_per_task),
               ("smt", lib.hpcl_plan_set_smt))
    for key, fn in setters:
        if opts[key] is not None:
            ctx.check(fn(plan, int(opts[key])), fn.__name__)
    if opts["distribution"] is not None:
        if opts["distribution"] not in _DIST:
            raise ValueError("plan(): distribution must be 'spread' or "
                             "'compact', not %r" % (opts["distribution"],))
        ctx.check(lib.hpcl_plan_set_distribution(
            plan, _DIST[opts["distribution"]]), "hpcl_plan_set_distribution")
    if opts["oversubscribe"] is not None:
        ctx.check(lib.hpcl_plan_set_oversubscribe(
            plan, int(bool(opts["oversubscribe"]))),
            "hpcl_plan_set_oversubscribe")


def plan(ntasks=1, threads=None, gpus_per_task=None, smt=None,
         distribution=None, oversubscribe=None, topology=None,
         synthetic=None, from_env=False):
    """Plan ntasks tasks on a node and return the Plan.

    threads: threads (cores) per task; gpus_per_task; smt: hardware
    threads per core to use (0: all); distribution: "spread" or
    "compact"; oversubscribe: let tasks share cores and GPUs.  None keeps
    the library's default (1 thread, no GPU, 1 thread per core, spread).
    topology: an hwloc XML file; synthetic: an hwloc synthetic
    description; neither: this machine, as this process may use it.
    from_env: first take the inputs from the environment
    (HPCL_THREADS_PER_TASK, OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, ...; see
    hpcl_plan_set_from_env(3)); explicit arguments then override.

    Raises hpclaunch.Error (code E_PLAN or E_NOGPU when the tasks do not
    fit, with the library's message saying what would).
    """
    opts = dict(ntasks=ntasks, threads=threads, gpus_per_task=gpus_per_task,
                smt=smt, distribution=distribution,
                oversubscribe=oversubscribe, from_env=from_env)
    ctx = _lib.Context()
    topo = plan_p = None
    try:
        topo = _load_topology(ctx, topology, synthetic)
        plan_p = ctypes.c_void_p()
        ctx.check(lib.hpcl_plan_create(ctypes.byref(plan_p), topo),
                  "hpcl_plan_create")
        _configure(ctx, plan_p, opts)
        ctx.check(lib.hpcl_plan_compute(plan_p), "hpcl_plan_compute")
        out = ctypes.c_void_p()
        ctx.check(lib.hpcl_plan_to_json(ctypes.byref(out), plan_p, 0),
                  "hpcl_plan_to_json")
        json = _lib.take_string(out)
        ctx.check(lib.hpcl_plan_to_table(ctypes.byref(out), plan_p, 0),
                  "hpcl_plan_to_table")
        table = _lib.take_string(out)
        tasks = [_task(topo, plan_p, r)
                 for r in range(lib.hpcl_plan_ntasks(plan_p))]
        notes = _strings(lib.hpcl_plan_notes(plan_p))
        return Plan(tasks, notes, json, table)
    finally:
        if plan_p:
            lib.hpcl_plan_destroy(plan_p)
        if topo:
            lib.hpcl_topo_destroy(topo)
        ctx.close()
