#!/bin/bash
# Live, differential: -c counts CPUs as Slurm does.  Site A's nodes are
# 2 sockets x 16 cores x 2 threads with CR_Core, so a job's CPU_IDs
# (Slurm's CPU numbers: the two threads of core k are 2k and 2k+1) are
# the PU numbers of the synthetic node "pack:2 core:16 pu:2".  For each
# srun/sbatch option set, one job of 2 tasks on one node reports what
# Slurm allocated, and inside it `hpclaunch plan --from-env` (which reads
# SLURM_CPUS_PER_TASK, SLURM_THREADS_PER_CORE, SLURM_HINT as srun sets
# them) plans the 2 tasks inside exactly those CPUs: the plan must fit
# them, each task getting half of them.
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_cpus.$$
mkdir -p "$work"
H=$HPCLAUNCH
unset OMP_NUM_THREADS HPCL_THREADS_PER_TASK HPCL_SMT SLURM_HINT \
    SLURM_THREADS_PER_CORE SLURM_CPUS_PER_TASK

# count LIST: CPUs in a list such as 0-15,32-47
count() {
    local n=0 a b part
    for part in ${1//,/ }; do
        a=${part%-*} b=${part#*-}
        n=$((n + b - a + 1))
    done
    echo $n
}

# unit TAG NAME OPTIONS...: a job of 2 tasks with OPTIONS; Slurm's
# CPU_IDs against the plan made inside it over those CPUs.
unit() {
    local out=$work/$1.out name=$2 ids rc bad=0 n total=0 t
    shift 2
    timeout 120 sbatch --wait -N 1 -n 2 -t 2 -o "$out" "$@" --wrap "
ids=\$(scontrol show job -d \$SLURM_JOB_ID | sed -n 's/.*CPU_IDs=\([^ ]*\).*/\1/p')
echo \"ids=\$ids\"
env | grep -E '^SLURM_(CPUS_PER_TASK|THREADS_PER_CORE|HINT)=' | sort
\"$H\" plan --from-env -n 2 --synthetic 'pack:2 core:16 pu:2' --cpuset \"\$ids\" --json
echo \"rc=\$?\"" >"$out.sbatch" 2>&1
    check "$name: the job ran" [ $? -eq 0 ]
    ids=$(sed -n 's/^ids=//p' "$out")
    rc=$(sed -n 's/^rc=//p' "$out")
    check "$name: the plan fits Slurm's CPUs ($ids)" [ -n "$ids" -a "$rc" = 0 ]
    n=$(count "$ids")
    while read -r t; do
        total=$((total + $(count "$t")))
        [ "$(count "$t")" -eq $((n / 2)) ] || bad=1
    done < <(grep -o '"cpuset":"[^"]*"' "$out" | cut -d'"' -f4)
    check "$name: each task gets half of Slurm's $n CPUs, all of them used" \
        [ $bad -eq 0 -a "$total" -eq "$n" ]
    diag <"$out"
}

unit c8 "-c 8 (default: both threads of 4 cores a task)" -c 8
unit c8nomt "-c 8 --hint=nomultithread (8 cores a task)" -c 8 \
    --hint=nomultithread
unit c8tpc1 "-c 8 --threads-per-core=1 (8 cores a task)" -c 8 \
    --threads-per-core=1
unit c2mt "-c 2 --hint=multithread (1 core a task)" -c 2 --hint=multithread

# --- the step's GPUs, with the XE8640's topology standing in ----------------
# Site A's nodes have 4 GPUs in gres (no device behind them); hwloc's view
# comes from the real XE8640 (4 H100s, node indexes in PCI order: 4e 5f cb
# db), so what Slurm gave the step decides which of them the plan uses.
xe=$(cd "$(dirname "$0")/../../.." && pwd)/shared/topologies/dell-xe8640-2x56c-snc4-4xh100.xml
if [ ! -r "$xe" ]; then
    not_ok "the shared XE8640 topology is missing: $xe"
else
    # The job's node sees only the dev folder (its /tmp is its own, and the
    # checkout may be under /tmp): hand it a copy there.
    cp "$xe" "$work/xe8640.xml" && xe=$work/xe8640.xml
    # gpus_of FILE: "PCI=VISIBLE CUDA_VISIBLE_DEVICES" per task
    gpus_of() {
        grep -oE '"(pci|CUDA_VISIBLE_DEVICES)":"[^"]*"|"visible_index":[0-9a-z]+' "$1" |
            sed -E 's/"pci":"(.*)"/\1/;s/"visible_index":(.*)/\1/;s/"CUDA_VISIBLE_DEVICES":"(.*)"/cvd=\1/' |
            paste -sd' '
    }
    timeout 60 srun -N 1 -n 1 --gpus 2 "$H" plan --from-env -n 2 \
        --gpus-per-task 1 --topology "$xe" --json >"$work/step.json" \
        2>"$work/step.err"
    got=$(gpus_of "$work/step.json")
    check "srun --gpus 2: the plan uses the step's GPUs 0,1 (4e, 5f) seen as 0 and 1" \
        [ "$got" = "0000:5f:00.0 1 cvd=1 0000:4e:00.0 0 cvd=0" ]
    echo "$got" | diag
    diag <"$work/step.err"
    timeout 60 srun -N 1 -n 2 --gpus-per-task 1 bash -c '
        echo "task $SLURM_LOCALID: SLURM_STEP_GPUS=$SLURM_STEP_GPUS CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"
        "$0" plan --from-env -n 2 --topology "$1" --json >"$2.$SLURM_LOCALID"' \
        "$H" "$xe" "$work/pertask" >"$work/pertask.out" 2>&1
    ok1=1
    for i in 0 1; do
        grep -q "\"CUDA_VISIBLE_DEVICES\":\"$i\"" "$work/pertask.$i" &&
            grep -q "srun gave each task its own GPUs" "$work/pertask.$i" ||
            ok1=0
    done
    check "srun --gpus-per-task 1: each task keeps the GPU srun gave it, the note says why" \
        [ $ok1 -eq 1 ]
    cat "$work/pertask.out" | diag
    grep -h '"notes"' -A2 "$work"/pertask.[01] | diag
fi

rm -rf "$work"
tap_done
