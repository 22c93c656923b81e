#!/bin/bash
# Live: a hybrid GPU job submitted by hpclaunch runs with what its options
# asked for, in every rank, under srun and under mpirun, on site A
# (libslurm) and site B (slurmrestd):
#   hpclaunch submit -N 2 -n 4 -c 2 --gpus-per-task 1 --launcher L
# Each rank (started through 'hpclaunch pin', the default task wrapper)
# prints its OMP_NUM_THREADS, OMP_PLACES, CPU affinity and GPU variable,
# which must be what `hpclaunch plan` gives for that node's tasks:
#   - threads: -c reached the plan (2 threads, 2 places);
#   - CPUs and places: the plan's set for the rank's local rank;
#   - GPU: one device per rank, distinct on a node (the fake nodes' GPUs
#     are gres devices hwloc cannot see, so each rank gets its share of
#     what Slurm gave: the path pin takes on such nodes).
# The dev nodes share this VM's 2 PUs, so 3 tasks x 2 threads on a node
# need HPCL_OVERSUBSCRIBE=1; a second job (-N 2 --ntasks-per-node 1 -c 2)
# fits without it.
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
work=$HPCL_DEV_WORK/cli_ranks.$$
mkdir -p "$work"
unset OMP_NUM_THREADS OMP_PLACES HPCL_THREADS_PER_TASK HPCL_GPUS_PER_TASK \
    HPCL_SMT HPCL_DISTRIBUTION HPCL_OVERSUBSCRIBE HPCL_PINNED \
    SLURM_CPUS_PER_TASK SLURM_GPUS_PER_TASK CUDA_VISIBLE_DEVICES
cat >"$work/rank.sh" <<'EOF'
#!/bin/sh
printf 'rank=%s host=%s omp=%s places=%s cpus=%s gpu=%s\n' \
    "${OMPI_COMM_WORLD_RANK:-$SLURM_PROCID}" "$(hostname)" \
    "$OMP_NUM_THREADS" "$OMP_PLACES" \
    "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)" \
    "$CUDA_VISIBLE_DEVICES"
EOF
chmod 755 "$work/rank.sh"

# plan_of K I OVER: "cpuset places" of local task I of K on this machine
plan_of() {
    "$H" plan -n "$1" -c 2 ${3:+--oversubscribe} --json | python3 -c '
import json, sys
t = json.load(sys.stdin)["plan"]["tasks"][int(sys.argv[1])]
print(t["cpuset"], t["env"]["OMP_PLACES"])' "$2"
}

# check_ranks OUT NRANKS OVER NAME: every rank as its plan says
check_ranks() {
    local out=$1 n=$2 over=$3 name=$4 bad=0 rank host omp places cpus gpu local k
    grep '^rank=' "$out" | sed 's/[a-z]*=//g' | sort -n >"$out.ranks"
    check "$name: $n ranks report" [ "$(wc -l <"$out.ranks")" -eq "$n" ]
    check "$name: on 2 nodes" [ "$(cut -d' ' -f2 "$out.ranks" | sort -u | wc -l)" -eq 2 ]
    while read -r rank host omp places cpus gpu; do
        # local rank: ranks of the same node before this one
        local=$(awk -v h="$host" -v r="$rank" '$2 == h && $1 < r' "$out.ranks" | wc -l)
        k=$(awk -v h="$host" '$2 == h' "$out.ranks" | wc -l)
        want=$(plan_of "$k" "$local" "$over")
        if [ "$omp" != 2 ] || [ "$cpus $places" != "$want" ] ||
            [ "$gpu" != "$local" ]; then
            bad=1
            echo "rank $rank on $host (local $local of $k): threads $omp, CPUs $cpus, places $places, GPU $gpu; plan: threads 2, $want, GPU $local" | diag
        fi
        echo "rank $rank host $host threads $omp places $places cpus $cpus gpu $gpu" | diag
    done <"$out.ranks"
    check "$name: every rank has 2 threads, its plan's CPUs and places, and its own GPU" [ $bad -eq 0 ]
}

for site in sitea siteb; do
    for launcher in srun mpirun; do
        out=$work/$site-$launcher.out
        "$H" submit --site "$site" --wait --timeout 240 -N 2 -n 4 -c 2 \
            --gpus-per-task 1 -t 5 --launcher "$launcher" -o "$out" \
            --export=ALL,HPCL_OVERSUBSCRIBE=1 -- "$work/rank.sh" \
            >"$work/submit.out" 2>&1
        check "$site $launcher: -N 2 -n 4 -c 2 --gpus-per-task 1 completes" \
            grep -q "ended COMPLETED" "$work/submit.out"
        diag <"$work/submit.out"
        check_ranks "$out" 4 over "$site $launcher"
    done
    out=$work/$site-fit.out
    "$H" submit --site "$site" --wait --timeout 240 -N 2 --ntasks-per-node 1 \
        -c 2 --gpus-per-task 1 -t 5 -o "$out" -- "$work/rank.sh" \
        >"$work/submit.out" 2>&1
    check "$site: -N 2 --ntasks-per-node 1 -c 2 completes without oversubscription" \
        grep -q "ended COMPLETED" "$work/submit.out"
    check_ranks "$out" 2 "" "$site fit"
done
rm -rf "$work"
tap_done
