"""Batch jobs: Job wraps hpcl_job (submit, status, wait, cancel)."""
import ctypes

from . import _lib
from ._lib import lib

LAUNCHERS = {"srun": 0, "mpirun": 1, "none": 2}
# hpcl_prefer (include/hpclaunch/data.h).
PREFER = {"start": 0, "finish": 1, "cost": 2, "carbon": 3}
TIME_UNLIMITED = 0xFFFFFFFF
_DRY_RUN = 1

# Keyword: setter taking one string.
_STRING_OPTIONS = {
    "partition": lib.hpcl_job_set_partition,
    "account": lib.hpcl_job_set_account,
    "name": lib.hpcl_job_set_name,
    "workdir": lib.hpcl_job_set_workdir,
    "output": lib.hpcl_job_set_output,
    "error": lib.hpcl_job_set_error,
    "site": lib.hpcl_job_set_site,
    "mpi": lib.hpcl_job_set_mpi,
}
# Keyword: setter taking one unsigned.
_COUNT_OPTIONS = {
    "ntasks": lib.hpcl_job_set_ntasks,
    "cpus_per_task": lib.hpcl_job_set_cpus_per_task,
    "gpus_per_task": lib.hpcl_job_set_gpus_per_task,
    "ntasks_per_node": lib.hpcl_job_set_ntasks_per_node,
    "time_limit": lib.hpcl_job_set_time_limit,
}


class Job:
    """A batch job, described with sbatch's options as keywords:

        Job(["./app", "input"], ntasks=4, nodes=2, cpus_per_task=2,
            time_limit=10, name="run", output="run-%j.out")

    command is the program and its arguments.  Keywords: ntasks,
    cpus_per_task, gpus_per_task, ntasks_per_node, time_limit (minutes;
    TIME_UNLIMITED), nodes (an int, or a (min, max) pair), hold, launcher
    ("srun", "mpirun" or "none"), env (a dict of variables to set, None
    values remove), and the strings partition, account, name, workdir,
    output, error, site, mpi.  Data and choice (hpcl_job_set_input(3)):
    inputs and output_back (lists of paths staged in, and brought home by
    fetch()), deadline (unix time), budget (in the site file's currency)
    and prefer ("start", "finish", "cost" or "carbon").  sites_file: the
    site file
    (hpclaunch.conf(5)) to read; None: the usual search, as the
    hpclaunch command does.  Errors raise hpclaunch.Error.
    """

    def __init__(self, command=None, sites_file=None, **options):
        self._ctx = _lib.Context()
        self._ptr = ctypes.c_void_p()
        self._ctx.check(lib.hpcl_ctx_load_sites(
            self._ctx.ptr, _lib.arg(sites_file), 0), "hpcl_ctx_load_sites")
        if options.pop("_attach", None) is not None:
            return
        self._ctx.check(lib.hpcl_job_create(ctypes.byref(self._ptr),
                                            self._ctx.ptr), "hpcl_job_create")
        if command is not None:
            self.set_command(command)
        self.set(**options)

    @classmethod
    def attach(cls, ref, sites_file=None):
        """A Job for an existing job named "SITE:ID" (or "ID")."""
        job = cls(sites_file=sites_file, _attach=True)
        job._ctx.check(lib.hpcl_job_attach(ctypes.byref(job._ptr),
                                           job._ctx.ptr, _lib.arg(ref)),
                       "hpcl_job_attach")
        return job

    def _check(self, rc, function):
        self._ctx.check(rc, function)

    def set_command(self, command):
        if isinstance(command, (str, bytes)):
            raise TypeError("Job command: a list of arguments, not a string")
        args = [_lib.arg(str(a)) for a in command]
        argv = (ctypes.c_char_p * (len(args) + 1))(*args)
        self._check(lib.hpcl_job_set_command(self._ptr, len(args), argv),
                    "hpcl_job_set_command")

    def set(self, **options):
        """Set options as keywords (see the class)."""
        for key, value in options.items():
            if key in _STRING_OPTIONS:
                fn = _STRING_OPTIONS[key]
                self._check(fn(self._ptr, _lib.arg(value)), fn.__name__)
            elif key in _COUNT_OPTIONS:
                fn = _COUNT_OPTIONS[key]
                self._check(fn(self._ptr, int(value)), fn.__name__)
            elif key == "nodes":
                lo, hi = value if isinstance(value, tuple) else (value, 0)
                self._check(lib.hpcl_job_set_nodes(self._ptr, lo, hi),
                            "hpcl_job_set_nodes")
            elif key == "hold":
                self._check(lib.hpcl_job_set_hold(self._ptr, int(bool(value))),
                            "hpcl_job_set_hold")
            elif key == "launcher":
                if value not in LAUNCHERS:
                    raise ValueError("Job launcher: one of %s, not %r"
                                     % (", ".join(LAUNCHERS), value))
                self._check(lib.hpcl_job_set_launcher(self._ptr,
                                                      LAUNCHERS[value]),
                            "hpcl_job_set_launcher")
            elif key in ("inputs", "output_back"):
                if isinstance(value, (str, bytes)):
                    raise TypeError("Job %s: a list of paths, not a string"
                                    % key)
                paths = [_lib.arg(str(p)) for p in value]
                argv = (ctypes.c_char_p * (len(paths) + 1))(*paths)
                fn = (lib.hpcl_job_set_input if key == "inputs"
                      else lib.hpcl_job_set_output_back)
                self._check(fn(self._ptr, len(paths), argv), fn.__name__)
            elif key == "deadline":
                self._check(lib.hpcl_job_set_deadline(self._ptr, int(value)),
                            "hpcl_job_set_deadline")
            elif key == "budget":
                self._check(lib.hpcl_job_set_budget(self._ptr, float(value)),
                            "hpcl_job_set_budget")
            elif key == "prefer":
                if value not in PREFER:
                    raise ValueError("Job prefer: one of %s, not %r"
                                     % (", ".join(PREFER), value))
                self._check(lib.hpcl_job_set_prefer(self._ptr, PREFER[value]),
                            "hpcl_job_set_prefer")
            elif key == "env":
                for name, val in value.items():
                    self._check(lib.hpcl_job_setenv(self._ptr, _lib.arg(name),
                                                    _lib.arg(val)),
                                "hpcl_job_setenv")
            else:
                raise TypeError("Job: unknown option %r" % key)

    def script(self):
        """The batch script submit() would send."""
        out = ctypes.c_void_p()
        self._check(lib.hpcl_job_script(ctypes.byref(out), self._ptr),
                    "hpcl_job_script")
        return _lib.take_string(out)

    def submit(self, dry_run=False):
        """Submit (dry_run: choose the site only); returns the reference
        "SITE:ID" (None for a dry run)."""
        self._check(lib.hpcl_job_submit(self._ptr, _DRY_RUN if dry_run else 0),
                    "hpcl_job_submit")
        return self.ref

    @property
    def ref(self):
        raw = lib.hpcl_job_ref(self._ptr)
        return _lib.text(raw) if raw else None

    def status(self):
        """Ask the job's site; the state's name ("PENDING", "RUNNING",
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")."""
        self._check(lib.hpcl_job_refresh(self._ptr), "hpcl_job_refresh")
        return self.state

    @property
    def state(self):
        """The state seen by the last status() or wait()."""
        return _lib.text(lib.hpcl_state_name(lib.hpcl_job_state(self._ptr)))

    @property
    def reason(self):
        return _lib.text(lib.hpcl_job_reason(self._ptr))

    @property
    def nodelist(self):
        return _lib.text(lib.hpcl_job_nodelist(self._ptr))

    @property
    def exit_code(self):
        return lib.hpcl_job_exit_code(self._ptr)

    @property
    def signal(self):
        """The signal that ended the job (11: Slurm's ExitCode 0:11), 0
        when none, -1 while not known (hpcl_job_signal(3))."""
        return lib.hpcl_job_signal(self._ptr)

    def wait(self, timeout=None):
        """Wait for the end, at most timeout seconds (None: no limit);
        returns the final state.  Error with code E_TIMEOUT when it still
        runs."""
        t = -1.0 if timeout is None else float(timeout)
        self._check(lib.hpcl_job_wait(self._ptr, t), "hpcl_job_wait")
        return self.state

    def fetch(self):
        """Bring output_back home from the site the job ran at, verified
        (the job must have ended): hpcl_job_fetch(3)."""
        self._check(lib.hpcl_job_fetch(self._ptr, 0), "hpcl_job_fetch")

    def cancel(self):
        """Cancel the job (a job that already ended is not an error)."""
        self._check(lib.hpcl_job_cancel(self._ptr), "hpcl_job_cancel")

    def close(self):
        """Free the handle (the job itself goes on)."""
        if self._ptr:
            lib.hpcl_job_destroy(self._ptr)
            self._ptr = ctypes.c_void_p()
        self._ctx.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if hasattr(self, "_ctx") and hasattr(self, "_ptr"):
            self.close()

    def __repr__(self):
        return "<hpclaunch.Job %s>" % (self.ref or "not submitted")
