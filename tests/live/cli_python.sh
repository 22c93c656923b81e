#!/bin/bash
# Live: the installed Python package.  examples/mpi4py_pin.py (from the
# documentation folder) runs under srun on 2 nodes x 2 tasks with Debian's
# python3-mpi4py: each rank calls hpclaunch.pin() first, then starts MPI
# and reports its CPUs and the OMP_* that os.environ shows; each must be
# the plan `hpclaunch plan -n 2` gives its local rank.  Then Job: a held
# job is PENDING for squeue too, cancel() makes it CANCELLED; a short job
# wait()s to COMPLETED with exit code 0.
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_python.$$
mkdir -p "$work"
H=$HPCLAUNCH
prefix=$(cd "$(dirname "$(command -v "$H")")/.." && pwd)
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
pydir=$(pkg-config --variable=pythondir hpclaunch)
export PYTHONPATH=$pydir${PYTHONPATH:+:$PYTHONPATH}
unset OMP_NUM_THREADS OMP_PLACES OMP_PROC_BIND HPCL_THREADS_PER_TASK \
    HPCL_GPUS_PER_TASK HPCL_SMT HPCL_DISTRIBUTION HPCL_OVERSUBSCRIBE \
    HPCL_PINNED HPCL_PIN_REEXEC HPCL_PIN_REEXECED SLURM_CPUS_PER_TASK \
    HPCLAUNCH_LIBRARY

# Debian's mpi4py is built for Debian's python3, which may not be first
# in PATH.
py=
for cand in /usr/bin/python3 python3; do
    if "$cand" -c 'import mpi4py' 2>/dev/null; then py=$(command -v "$cand"); break; fi
done
check "a python3 with mpi4py (apt-get install python3-mpi4py)" [ -n "$py" ]
check "the package is installed in $pydir and loads the installed library" \
    "${py:-python3}" -c "
import hpclaunch, sys
sys.exit(not hpclaunch._lib.lib._name.startswith('$prefix/'))"

# --- mpi4py: 2 nodes x 2 ranks, each pins itself ---------------------------
plan=$("$H" plan -n 2 --json)
mapfile -t want_cpus < <(python3 -c '
import json, sys
for t in json.load(sys.stdin)["plan"]["tasks"]:
    print(t["cpuset"])' <<<"$plan")
mapfile -t want_places < <(python3 -c '
import json, sys
for t in json.load(sys.stdin)["plan"]["tasks"]:
    print(",".join("{%d}" % p for p in t["pus"]))' <<<"$plan")
(cd "$work" && timeout 300 srun -N 2 -n 4 --cpu-bind=none --mpi=pmix -t 4 \
    "${py:-python3}" "$prefix/share/doc/hpclaunch/examples/mpi4py_pin.py" \
    >mpi4py.out 2>mpi4py.err)
check "srun -N 2 -n 4 python3 mpi4py_pin.py exits 0" [ $? -eq 0 ]
bad=0 n=0
while read -r host rank local cpus nthreads places; do
    n=$((n + 1))
    i=${local%/*}
    if [ "${local#*/}" != 2 ] || [ "$cpus" != "${want_cpus[$i]}" ] ||
        [ "$places" != "${want_places[$i]}" ] || [ "$nthreads" != 1 ]; then
        bad=1
        echo "$host rank $rank local $local: cpus $cpus OMP_PLACES $places OMP_NUM_THREADS $nthreads; plan ${want_cpus[$i]} ${want_places[$i]}" | diag
    fi
done < <(sed -n 's/^host=\([^ ]*\) rank=\([0-9]*\)\/4 local=\([0-9/]*\) cpus=\([^ ]*\) OMP_NUM_THREADS=\([^ ]*\) OMP_PLACES=\(.*\)$/\1 \2 \3 \4 \5 \6/p' "$work/mpi4py.out")
check "4 ranks on 2 nodes, each bound to its plan's CPUs, os.environ has its OMP_*" \
    [ $bad -eq 0 -a $n -eq 4 -a \
      "$(sed -n 's/.* rank=\([0-9]\)\/4 .*/\1/p' "$work/mpi4py.out" | sort -u | wc -l)" -eq 4 -a \
      "$(sed -n 's/^host=\([^ ]*\) .*/\1/p' "$work/mpi4py.out" | sort -u | wc -l)" -eq 2 ]
cat "$work/mpi4py.out" "$work/mpi4py.err" | head -20 | diag

# --- Job: submit, status, cancel, wait -------------------------------------
"${py:-python3}" - "$work" >"$work/job.out" 2>&1 <<'EOF'
import subprocess, sys
import hpclaunch

work = sys.argv[1]
def squeue(ref):
    jid = ref.split(":")[1]
    r = subprocess.run(["squeue", "-h", "-j", jid, "-o", "%T"],
                       stdout=subprocess.PIPE, universal_newlines=True)
    return r.stdout.strip() or "(gone)"

held = hpclaunch.Job(["sleep", "60"], ntasks=1, time_limit=2, hold=True,
                     name="py-held", workdir=work, site="sitea")
ref = held.submit()
print("held", ref, held.status(), squeue(ref))
held.cancel()
print("cancelled", held.status(), squeue(ref))
short = hpclaunch.Job(["hostname"], ntasks=1, time_limit=2, name="py-short",
                      workdir=work, output=work + "/short-%j.out", site="sitea")
ref2 = short.submit()
print("short", ref2, short.wait(timeout=120), short.exit_code)
again = hpclaunch.Job.attach(ref2)
print("attached", again.status())
try:
    hpclaunch.Job.attach("sitea:999999999").status()
    print("nojob none")
except hpclaunch.Error as e:
    print("nojob", e.name)
EOF
check "Job script ran" [ $? -eq 0 ]
check "held job: submit() gives sitea:ID, status() PENDING, squeue PENDING" \
    grep -q '^held sitea:[0-9]* PENDING PENDING$' "$work/job.out"
check "cancel(): status() CANCELLED (squeue: CANCELLED or gone)" \
    grep -qE '^cancelled CANCELLED (CANCELLED|\(gone\))$' "$work/job.out"
check "short job: wait() COMPLETED, exit code 0" \
    grep -q '^short sitea:[0-9]* COMPLETED 0$' "$work/job.out"
check "Job.attach(ref).status(): COMPLETED" \
    grep -q '^attached COMPLETED$' "$work/job.out"
check "a job the site never had: Error HPCL_E_NOJOB" \
    grep -q '^nojob HPCL_E_NOJOB$' "$work/job.out"
diag <"$work/job.out"

rm -rf "$work"
tap_done
