#!/bin/bash
# Offline: hpclaunch topo, plan, pin and run (--dry-run) on this machine,
# the project's topology fixtures and, when present, the real-machine
# XMLs of ../shared/topologies.  No Slurm needed.  TAP.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
H=${HPCLAUNCH:-$top_builddir/cli/hpclaunch}
fixtures=$top_srcdir/tests/data/topo
shared=${HPCL_SHARED_TOPOLOGIES:-$top_srcdir/../shared/topologies}
unset HPCL_HWLOC_XMLFILE OMP_NUM_THREADS HPCL_THREADS_PER_TASK SLURM_JOB_ID \
    SLURM_CPUS_PER_TASK SLURM_GPUS_PER_TASK HPCL_GPUS_PER_TASK HPCL_SMT \
    HPCL_PINNED OMPI_COMM_WORLD_LOCAL_RANK PMIX_LOCAL_RANK MPI_LOCALRANKID \
    SLURM_LOCALID
. "$(dirname "$0")/../tap.sh"
# status WANT DESCRIPTION COMMAND...: the command exits WANT
status() {
    local want=$1 d=$2; shift 2
    "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$d"; else
        not_ok "$d (exit $rc, want $want)"; diag <"$tmp/err"; fi
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
py() { command -v python3 >/dev/null; }

# --- every command has --help --------------------------------------------
for cmd in topo plan pin run; do
    out=$("$H" "$cmd" --help); rc=$?
    check "$cmd --help exits 0 and shows its usage" \
        [ $rc -eq 0 -a "${out#usage: hpclaunch $cmd}" != "$out" ]
done

# --- topo ------------------------------------------------------------------
out=$("$H" topo 2>&1)
check "topo of this machine" grep -q '^topology: *this machine$' <<<"$out"
"$H" topo --json >"$tmp/self.json"
check "topo --json of this machine is JSON with its PUs" \
    grep -q '"pus":[1-9]' "$tmp/self.json"
out=$("$H" topo --topology "$fixtures/gpu-edge-cases.xml")
check "topo: fixture counts" grep -q '^hardware threads: *32 ' <<<"$out"
check "topo: A100 row: name, PCI, vendor, NUMA, locality, index" \
    grep -qE '^0 +nvml0 +0000:17:00.0 +NVIDIA +NVIDIA A100-SXM4-40GB +0 +0-15 +0$' \
    <<<"$out"
check "topo: NIC row with its UCX device" \
    grep -qE '^0 +mlx5_0 +0000:c4:00.0 +1 +16-31 +mlx5_0:1$' <<<"$out"
out=$(HPCL_HWLOC_XMLFILE=$fixtures/mi300a-cpx.xml "$H" topo)
check "topo: HPCL_HWLOC_XMLFILE is the default topology" \
    grep -q '(HPCL_HWLOC_XMLFILE)' <<<"$out"
check "topo: 24 MI300A partitions" [ "$(grep -c ' AMD ' <<<"$out")" -eq 24 ]
out=$("$H" topo --synthetic "pack:2 numa:2 core:4 pu:2")
check "topo --synthetic" grep -q '^NUMA nodes: *4 (0 CPU-less)$' <<<"$out"
status 1 "topo: unreadable XML is a library error" \
    "$H" topo --topology "$tmp/none.xml"
status 2 "topo: stray argument is a usage error" "$H" topo extra
status 2 "topo: --topology with --synthetic is a usage error" \
    "$H" topo --topology "$fixtures/mi300a-cpx.xml" --synthetic "pu:2"

# --- plan ------------------------------------------------------------------
out=$("$H" plan --topology "$fixtures/gpu-edge-cases.xml" -n 2 -c 2 \
    --gpus-per-task 1)
check "plan: table header" grep -q '^RANK  *CPUSET  *PUS  *NUMA  *GPU  *VISIBLE  *NIC$' \
    <<<"$out"
check "plan: 2 task rows" [ "$(grep -c '^[01] ' <<<"$out")" -eq 2 ]
"$H" plan --synthetic "pack:2 core:4 pu:2" -n 4 --hint=multithread \
    --distribution compact --json >"$tmp/compact.json"
check "plan --json: inputs echo the options" grep -q '"smt":0' \
    "$tmp/compact.json"
out=$("$H" plan --topology "$fixtures/gpu-edge-cases.xml" -n 9 \
    --gpus-per-task 1 2>&1 >/dev/null); rc=$?
check "plan: too many GPU tasks exits 1" [ $rc -eq 1 ]
check "plan: the message says what would fit" grep -q 'would fit' <<<"$out"
echo "$out" | diag
status 1 "plan: more tasks than cores exits 1" \
    "$H" plan --synthetic "pack:1 core:2 pu:1" -n 3
status 0 "plan: ... unless --oversubscribe" \
    "$H" plan --synthetic "pack:1 core:2 pu:1" -n 3 --oversubscribe
status 0 "plan --from-env reads OMP_NUM_THREADS" \
    env OMP_NUM_THREADS=2 "$H" plan --from-env --synthetic "core:2 pu:1" -n 1
status 1 "plan --from-env: 3 threads do not fit 2 cores" \
    env OMP_NUM_THREADS=3 "$H" plan --from-env --synthetic "core:2 pu:1" -n 1
for bad in "-n 0" "-n x" "" "-n 2 -c 0" "-n 2 --hint=compute_bound" \
    "-n 2 --distribution=block" "-n 2 --gpus-per-task=-1" "-n 2 --bogus" \
    "-n 2 extra" "-n 2 --threads-per-core 0"; do
    # shellcheck disable=SC2086
    status 2 "plan $bad: usage error" "$H" plan $bad --synthetic "core:4"
done

# --- the acceptance plan on the real XE8640 -------------------------------
xe=$shared/dell-xe8640-2x56c-snc4-4xh100.xml
if [ ! -r "$xe" ] || ! py; then
    skip "acceptance: $xe or python3 missing"
else
    # -c counts hardware threads as Slurm does: a core of its own per
    # thread is --hint=nomultithread.
    "$H" plan --topology "$xe" -n 4 -c 8 --gpus-per-task 1 \
        --hint=nomultithread --json >"$tmp/xe.json"
    "$H" topo --topology "$xe" --json >"$tmp/xe-topo.json"
    out=$(python3 - "$tmp/xe.json" "$tmp/xe-topo.json" <<'PY' 2>&1
import json, sys
plan, topo = (json.load(open(f)) for f in sys.argv[1:3])
plan, topo = plan["plan"], topo["topology"]  # hpclaunch-json(7)
numa_of = {g["pci"]: g["numa"] for g in topo["gpus"]}
cpus_of = {n["os_index"]: n["cpuset"] for n in topo["numa"]}
def cpus(lst):
    s = set()
    for part in lst.split(","):
        a, _, b = part.partition("-")
        s.update(range(int(a), int(b or a) + 1))
    return s
tasks, seen = plan["tasks"], set()
assert len(tasks) == 4, "4 tasks"
for t in tasks:
    assert len(t["gpus"]) == 1, "one GPU per task"
    pci = t["gpus"][0]["pci"]
    seen.add(pci)
    assert t["cores"] == 8 and len(t["pus"]) == 8, "8 cores, 8 threads"
    assert t["numa"] == numa_of[pci], "task on its GPU's NUMA node"
    node = set().union(*(cpus(cpus_of[i]) for i in numa_of[pci]))
    assert cpus(t["cpuset"]) <= node, "cores inside the GPU's NUMA node"
    print("rank %d: %s on NUMA %s, cpus %s" % (t["local_rank"], pci,
          t["numa"], t["cpuset"]))
assert len(seen) == 4, "4 distinct H100s"
PY
    ); rc=$?
    check "acceptance: 4 tasks, each one distinct H100 and 8 cores of its NUMA node" \
        [ $rc -eq 0 ]
    echo "$out" | diag
    # Inside an allocation: cores 0-15 and the H100s at 4e and 5f.
    "$H" plan --topology "$xe" -n 2 -c 4 --gpus-per-task 1 \
        --cpuset 0-15,112-127 --gpus 0000:4e:00.0,0000:5f:00.0 --json \
        >"$tmp/alloc.json"
    out=$(python3 - "$tmp/alloc.json" <<'PY' 2>&1
import json, sys
plan = json.load(open(sys.argv[1]))["plan"]
alloc = set(range(0, 16)) | set(range(112, 128))
vis = {}
for t in plan["tasks"]:
    s = set()
    for part in t["cpuset"].split(","):
        a, _, b = part.partition("-")
        s.update(range(int(a), int(b or a) + 1))
    assert s <= alloc, "CPUs inside the allocation"
    assert len(t["pus"]) == 4 and t["cores"] == 2, "4 CPUs = 2 SMT-2 cores"
    g = t["gpus"][0]
    vis[g["pci"]] = g["visible_index"]
    assert t["env"]["CUDA_VISIBLE_DEVICES"] == str(g["visible_index"])
assert vis == {"0000:4e:00.0": 0, "0000:5f:00.0": 1}, vis
assert plan["topology"]["gpu_count"] == 2 and \
    plan["topology"]["node_gpu_count"] == 4
print(vis)
PY
    ); rc=$?
    check "allocation: CPUs inside --cpuset, the two --gpus seen as 0 and 1" \
        [ $rc -eq 0 ]
    echo "$out" | diag
fi
if [ -d "$shared" ]; then
    bad=0
    for xml in "$shared"/*.xml; do
        "$H" topo --topology "$xml" >/dev/null 2>&1 &&
            "$H" plan --topology "$xml" -n 8 --json >/dev/null 2>&1 ||
            { bad=1; echo "$xml" | diag; }
    done
    check "topo and plan -n 8 on every shared topology" [ $bad -eq 0 ]
else
    skip "no $shared"
fi

# --- pin, on this machine, as local rank 0 of 1 ---------------------------
self_cpus=$("$H" plan -n 1 --json |
    sed -n 's/.*"tasks":\[{[^}]*"cpuset":"\([^"]*\)".*/\1/p')
got=$(OMPI_COMM_WORLD_LOCAL_RANK=0 OMPI_COMM_WORLD_LOCAL_SIZE=1 \
    "$H" pin -- sh -c 'echo "$HPCL_PINNED"')
check "pin exports HPCL_PINNED = the plan's CPU set ($self_cpus)" \
    [ -n "$self_cpus" -a "$got" = "$self_cpus" ]
got=$(OMPI_COMM_WORLD_LOCAL_RANK=0 OMPI_COMM_WORLD_LOCAL_SIZE=1 \
    "$H" pin -- grep Cpus_allowed_list /proc/self/status | cut -f2)
check "pin binds the program to that set" [ "$got" = "$self_cpus" ]
out=$(OMPI_COMM_WORLD_LOCAL_RANK=0 OMPI_COMM_WORLD_LOCAL_SIZE=1 \
    "$H" pin --verbose -- true 2>&1)
check "pin --verbose: one report line" \
    grep -qE "^hpclaunch pin: rank [0-9?]+ \(local 0/1\) host [^ ]+: cpus $self_cpus \(pus [0-9]+\) numa [0-9,-]+ gpus - nic - binding (set|replaced \(launcher's: [0-9,-]+\))$" \
    <<<"$out"
echo "$out" | diag
export OMPI_COMM_WORLD_LOCAL_SIZE=1
status 7 "pin: the program's exit status" \
    env OMPI_COMM_WORLD_LOCAL_RANK=0 "$H" pin -- sh -c 'exit 7'
status 127 "pin: program not found exits 127" \
    env OMPI_COMM_WORLD_LOCAL_RANK=0 "$H" pin -- "$tmp/nothing"
check "... saying so" grep -q "^hpclaunch pin: cannot run '$tmp/nothing': No such file or directory$" "$tmp/err"
status 126 "pin: program not executable exits 126" \
    env OMPI_COMM_WORLD_LOCAL_RANK=0 "$H" pin -- "$fixtures/README.md"
unset OMPI_COMM_WORLD_LOCAL_SIZE
status 1 "pin outside a launcher exits 1" "$H" pin -- true
check "... naming the launcher variables" grep -q 'OMPI_COMM_WORLD_LOCAL_RANK' "$tmp/err"
status 2 "pin without a program exits 2" "$H" pin -c 1
status 2 "pin: bad option value exits 2" "$H" pin --gpus-per-task=x -- true

# --- run --dry-run: the step it would start -------------------------------
status 2 "run outside an allocation exits 2" "$H" run -- true
check "... saying so" grep -q 'not inside a Slurm allocation' "$tmp/err"
export SLURM_JOB_ID=1
out=$("$H" run --dry-run -n 4 -N 2 -c 2 --distribution compact -- prog 'a b')
echo "$out" | diag
check "run: srun step, binding off, pin with the task options" grep -qE \
    "^srun --mpi=pmix --cpu-bind=none --ntasks=4 --nodes=2 --cpus-per-task=2 [^ ]*hpclaunch pin --threads-per-task=2 --distribution=compact -- prog 'a b'$" \
    <<<"$out"
out=$("$H" run --dry-run --launcher mpirun -n 4 -N 2 --gpus-per-task 1 -v -- prog)
echo "$out" | diag
check "run: mpirun step, ranks per node, pin --verbose" grep -qE \
    "^mpirun --bind-to none -np 4 --map-by ppr:2:node [^ ]*hpclaunch pin --gpus-per-task=1 --verbose -- prog$" \
    <<<"$out"
out=$(SLURM_CPUS_PER_TASK=3 "$H" run --dry-run -- prog)
check "run: the job's -c reaches the srun step" \
    grep -q -- "--cpus-per-task=3 " <<<"$out"
status 2 "run: -N not dividing -n with mpirun exits 2" \
    "$H" run --dry-run --launcher mpirun -n 3 -N 2 -- prog
status 2 "run: unknown launcher exits 2" "$H" run --launcher ssh -- prog
status 2 "run without a program exits 2" "$H" run -n 2
status 127 "run: a launcher that is not there exits 127" \
    env PATH=/nonexistent "$H" run -- prog
unset SLURM_JOB_ID

tap_done
