"""make check: the hpclaunch Python package from the source tree on the
built library (HPCLAUNCH_LIBRARY), against the built hpclaunch command
(HPCLAUNCH) and the real-machine XMLs (HPCL_SHARED_TOPOLOGIES).  TAP."""
import glob
import json
import os
import re
import subprocess
import sys

import hpclaunch

n = failed = 0


def ok(cond, what, diag=""):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
    if not cond and diag:
        for line in str(diag).splitlines():
            print("# " + line)


def skip(what, why):
    global n
    n += 1
    print("ok %d # SKIP %s: %s" % (n, what, why))


def raises(fn):
    try:
        fn()
    except Exception as e:  # the test looks at which one
        return e
    return None


def cpu_set(text):
    """hwloc list syntax "0-2,5" as {0, 1, 2, 5}."""
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def cli_plan(xml, args):
    r = subprocess.run([os.environ["HPCLAUNCH"], "plan", "--topology", xml,
                        "--json"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


ok(re.match(r"^\d+\.\d+\.\d+", hpclaunch.version()) is not None,
   "version() is the library's: %s" % hpclaunch.version())
ok(hpclaunch.E_PLAN == 12 and hpclaunch.strerror(hpclaunch.E_PLAN) != "",
   "return codes are module constants with their strerror")

# plan() against `hpclaunch plan --json`, both outcomes, every topology.
shared = os.environ.get("HPCL_SHARED_TOPOLOGIES", "")
xmls = sorted(glob.glob(os.path.join(shared, "*.xml")))
if not xmls:
    skip("plan() against hpclaunch plan on the real-machine XMLs",
         "no XML under %r (HPCL_SHARED_TOPOLOGIES)" % shared)
for xml in xmls:
    name = os.path.basename(xml)
    for kw, args in (({"ntasks": 2}, ["-n", "2"]),
                     ({"ntasks": 4, "gpus_per_task": 1},
                      ["-n", "4", "--gpus-per-task", "1"])):
        rc, want, err = cli_plan(xml, args)
        try:
            got, code = hpclaunch.plan(topology=xml, **kw).to_json(), 0
        except hpclaunch.Error as e:
            got, code = e.message, e.code
        if rc == 0:
            # the CLI's document holds the library's plan (hpclaunch-json(7))
            ok(code == 0 and json.loads(got) == json.loads(want)["plan"],
               "%s %s: plan() JSON = hpclaunch plan --json" % (name, kw),
               got)
        else:
            ok(code != 0 and got != "" and got in err,
               "%s %s: plan() raises the message hpclaunch plan fails with"
               % (name, kw), "cli: %s\npython: %s" % (err, got))

# A task's fields agree with one another.
if xmls:
    xml = xmls[0]
    p = hpclaunch.plan(ntasks=2, threads=2, topology=xml)
    t0, t1 = p.tasks
    places = ",".join("{%d}" % pu for pu in t0.pus)
    ok(p.ntasks == 2 and len(t0.pus) == 2 and
       t0.env.get("OMP_NUM_THREADS") == "2" and
       t0.env.get("OMP_PLACES") == places,
       "threads=2: 2 PUs per task, OMP_NUM_THREADS=2, OMP_PLACES=%s" % places,
       repr(t0))
    ok(not set(t0.pus) & set(t1.pus), "the two tasks' PUs are disjoint",
       "%r %r" % (t0.pus, t1.pus))

    e = raises(lambda: hpclaunch.plan(ntasks=10000, topology=xml))
    ok(isinstance(e, hpclaunch.Error) and e.code == hpclaunch.E_PLAN and
       e.name == "HPCL_E_PLAN" and "would fit" in e.message and
       e.function == "hpcl_plan_compute",
       "too many tasks: Error E_PLAN from hpcl_plan_compute, saying what "
       "would fit", repr(e))
e = raises(lambda: hpclaunch.plan(topology="/nonexistent/node.xml"))
ok(isinstance(e, hpclaunch.Error) and e.code != 0 and
   "/nonexistent/node.xml" in str(e),
   "a missing XML: Error naming the file", repr(e))
e = raises(lambda: hpclaunch.plan(distribution="diagonal",
                                  synthetic="core:4 pu:1"))
ok(isinstance(e, ValueError), "an unknown distribution: ValueError", repr(e))
p = hpclaunch.plan(ntasks=2, synthetic="pack:2 core:4 pu:2")
ok(len(p.tasks) == 2 and all(t.cpuset for t in p.tasks) and
   not set(p.tasks[0].pus) & set(p.tasks[1].pus),
   "synthetic topology: 2 tasks on disjoint PUs", p.table)

# pin() outside a launcher: E_CONFIG, os.environ untouched.
for var in ("OMPI_COMM_WORLD_LOCAL_RANK", "PMIX_LOCAL_RANK",
            "MPI_LOCALRANKID", "SLURM_LOCALID", "HPCL_PINNED"):
    os.environ.pop(var, None)
before = dict(os.environ)
e = raises(hpclaunch.pin)
ok(isinstance(e, hpclaunch.Error) and e.code == hpclaunch.E_CONFIG and
   "local rank" in e.message and dict(os.environ) == before,
   "pin() without a launcher: Error E_CONFIG, os.environ unchanged", repr(e))

# pin() under a launcher's variables: bound, os.environ updated.
os.environ.update(OMPI_COMM_WORLD_LOCAL_RANK="0",
                  OMPI_COMM_WORLD_LOCAL_SIZE="1", HPCL_PIN_REEXEC="never")
set_vars = hpclaunch.pin()
want = hpclaunch.plan(ntasks=1, from_env=True).tasks[0]
ok(os.environ.get("OMP_PLACES") == want.env["OMP_PLACES"] and
   set_vars.get("OMP_PLACES") == want.env["OMP_PLACES"] and
   os.sched_getaffinity(0) == cpu_set(want.cpuset),
   "pin() as local rank 0 of 1: bound to %s, os.environ has OMP_PLACES=%s"
   % (want.cpuset, os.environ.get("OMP_PLACES")),
   "%r %r" % (set_vars, os.sched_getaffinity(0)))

# pin() after an OpenMP runtime was loaded: Python starts again, once.
PROBE = """
import ctypes, os
print("start", os.getpid(), flush=True)
gomp = ctypes.CDLL("libgomp.so.1")
import hpclaunch
hpclaunch.pin()
gomp.omp_get_num_places.restype = ctypes.c_int
print("places", gomp.omp_get_num_places(), os.environ["OMP_PLACES"],
      flush=True)
"""
try:
    ctypes_ok = __import__("ctypes").CDLL("libgomp.so.1") is not None
except OSError:
    ctypes_ok = False
if ctypes_ok:
    env = dict(os.environ, OMPI_COMM_WORLD_LOCAL_RANK="0",
               OMPI_COMM_WORLD_LOCAL_SIZE="1", HPCL_THREADS_PER_TASK="1")
    for var in ("HPCL_PIN_REEXEC", "HPCL_PINNED", "OMP_PLACES",
                "OMP_NUM_THREADS", "OMP_PROC_BIND"):
        env.pop(var, None)
    r = subprocess.run([sys.executable, "-c", PROBE], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    starts = set(l for l in r.stdout.splitlines() if l.startswith("start "))
    ok(r.returncode == 0 and r.stdout.count("start ") == 2 and
       len(starts) == 1 and re.search(r"^places 1 \{\d+\}$", r.stdout, re.M),
       "libgomp loaded before pin(): the script starts again once, in the "
       "same process, and the runtime has the plan's place", r.stdout)
else:
    skip("pin() after libgomp was loaded", "libgomp.so.1 not found")

# Jobs, offline: the script, and argument checks.
job = hpclaunch.Job(["./app", "a b"], ntasks=4, time_limit=5, name="py",
                    sites_file=None)
script = job.script()
ok("#SBATCH --ntasks=4" in script and "'./app' 'a b'" in script and
   job.ref is None,
   "Job(...).script(): sbatch options and the quoted command", script)
e = raises(lambda: hpclaunch.Job("./app"))
ok(isinstance(e, TypeError), "Job(a string): TypeError", repr(e))
e = raises(lambda: hpclaunch.Job(["./app"], colour="red"))
ok(isinstance(e, TypeError), "Job(unknown option): TypeError", repr(e))
e = raises(lambda: hpclaunch.Job(["./app"], sites_file="/nonexistent.conf"))
ok(isinstance(e, hpclaunch.Error) and "/nonexistent.conf" in str(e),
   "Job(sites_file missing): Error naming it", repr(e))
# Data and choice (issue 16): the keywords reach the library, and bad
# values are refused before it.
job = hpclaunch.Job(["./app"], inputs=["in.dat", "params/"],
                    output_back=["out.h5"], deadline=2000000000,
                    budget=12.5, prefer="cost", sites_file=None)
ok(job.ref is None, "Job(inputs, output_back, deadline, budget, prefer)")
e = raises(lambda: hpclaunch.Job(["./app"], prefer="cheapest"))
ok(isinstance(e, ValueError) and "cost" in str(e),
   "Job(prefer=unknown): ValueError naming the choices", repr(e))
e = raises(lambda: hpclaunch.Job(["./app"], inputs="in.dat"))
ok(isinstance(e, TypeError), "Job(inputs=a string): TypeError", repr(e))
e = raises(lambda: hpclaunch.Job(["./app"], deadline=-5))
ok(isinstance(e, hpclaunch.Error) and e.code == hpclaunch.E_INVAL,
   "Job(deadline=-5): Error E_INVAL from hpcl_job_set_deadline", repr(e))
e = raises(job.fetch)
ok(isinstance(e, hpclaunch.Error) and e.function == "hpcl_job_fetch",
   "fetch() of a job never submitted: Error from hpcl_job_fetch", repr(e))
e = raises(lambda: hpclaunch.Job.attach("local:notanumber"))
ok(isinstance(e, hpclaunch.Error) and e.code == hpclaunch.E_INVAL,
   "Job.attach(a bad reference): Error E_INVAL", repr(e))

print("1..%d" % n)
sys.exit(1 if failed else 0)
