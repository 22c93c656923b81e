#!/bin/bash
# Live: hpclaunch run / pin on site A.  Every dev node sees this machine's
# topology, so the plan for 2 tasks computed here is the one each node's
# 2 tasks must apply.  One batch job of 2 nodes x 2 tasks runs:
#   1. hpclaunch run (srun)   -- mpi_hello    each rank's CPUs = the plan's
#   2. hpclaunch run --launcher mpirun -- mpi_hello       the same
#   3. hpclaunch run -c 2: 1 rank x 2 OpenMP threads per node, thread i
#      on the plan's PU i
#   4. srun --cpu-bind=none hpclaunch pin -- Cpus_allowed_list of the task
#   5. srun --cpu-bind=cores hpclaunch pin: the launcher's binding replaced
# and, on this machine, mpirun with Open MPI's default binding (to core):
#   6. mpirun -np 2 hpclaunch pin: disjoint sets, the plan's, said by -v
#   7. the same with --keep-binding: the launcher's sets kept
#   8. mpirun -np 1 hpclaunch pin -c 2: 2 CPUs, not the 1 core bound to
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_pin.$$
mkdir -p "$work"
H=$HPCLAUNCH
hello=$HPCL_DEV_BIN/mpi_hello
unset OMP_NUM_THREADS HPCL_THREADS_PER_TASK HPCL_GPUS_PER_TASK HPCL_SMT \
    HPCL_DISTRIBUTION HPCL_OVERSUBSCRIBE HPCL_PINNED SLURM_CPUS_PER_TASK

# --- the plan every node should apply -------------------------------------
plan=$("$H" plan -n 2 --json); rc=$?
check "plan -n 2 --json on this machine" [ $rc -eq 0 ]
mapfile -t want < <(grep -o '"cpuset":"[^"]*"' <<<"$plan" | cut -d'"' -f4)
check "the plan has 2 distinct CPU sets (${want[*]})" \
    [ "${#want[@]}" -eq 2 -a "${want[0]}" != "${want[1]}" ]

cat >"$work/job.sh" <<JOB
#!/bin/bash
cd "$work"
"$H" run -n 4 -N 2 -v -- "$hello" >srun.out 2>srun.err
echo \$? >srun.rc
"$H" run --launcher mpirun -n 4 -N 2 -v -- "$hello" >mpirun.out 2>mpirun.err
echo \$? >mpirun.rc
"$H" run -n 2 -N 2 -c 2 -- "$hello" >omp.out 2>omp.err
echo \$? >omp.rc
srun --cpu-bind=none -n 4 -N 2 "$H" pin -- sh -c \
    'echo "\$SLURM_NODEID \$SLURM_LOCALID \$(grep Cpus_allowed_list /proc/self/status | cut -f2) \$HPCL_PINNED"' \
    >status.out 2>status.err
echo \$? >status.rc
srun --cpu-bind=cores -n 4 -N 2 "$H" pin -v -- sh -c \
    'echo "\$SLURM_NODEID \$SLURM_LOCALID \$(grep Cpus_allowed_list /proc/self/status | cut -f2) \$HPCL_PINNED"' \
    >cores.out 2>cores.err
echo \$? >cores.rc
JOB
timeout 300 sbatch --wait -N 2 --ntasks-per-node=2 -t 4 -D "$work" \
    -o "$work/job.out" "$work/job.sh" >"$work/sbatch.out" 2>&1
check "the batch job (2 nodes x 2 tasks) ran" [ $? -eq 0 ]
diag <"$work/sbatch.out"

# check_hello LAUNCHER: 4 ranks on 2 nodes, each bound to its plan's set
check_hello() {
    local out=$work/$1.out lines bad=0 host rank cpu allowed i
    check "$1: hpclaunch run exits 0" [ "$(cat "$work/$1.rc" 2>/dev/null)" = 0 ]
    lines=$(grep -c '^host=' "$out" 2>/dev/null)
    check "$1: 4 ranks x 1 thread report" [ "${lines:-0}" -eq 4 ]
    check "$1: on 2 nodes" [ "$(sed -n 's/^host=\([^ ]*\) .*/\1/p' "$out" |
        sort -u | wc -l)" -eq 2 ]
    # A node's ranks in rank order are its local ranks 0, 1.
    while read -r host rank cpu allowed; do
        i=$(awk -v h="$host" -v r="$rank" '$1 == h && $2 < r' \
            <(sed -n 's/^host=\([^ ]*\) rank=\([0-9]*\)\/.*/\1 \2/p' "$out") | wc -l)
        if [ "$allowed" != "${want[$i]}" ] || [ "$cpu" != "$allowed" ]; then
            bad=1; echo "$host rank $rank (local $i): cpu $cpu allowed $allowed, plan ${want[$i]}" | diag
        fi
    done < <(sed -n 's/^host=\([^ ]*\) rank=\([0-9]*\)\/4 thread=0\/1 cpu=\([0-9]*\) allowed=\([^ ]*\) gpu=-$/\1 \2 \3 \4/p' "$out")
    check "$1: every rank runs on the CPUs its plan gives" \
        [ $bad -eq 0 -a "${lines:-0}" -eq 4 ]
    check "$1: pin --verbose reported each rank once" \
        [ "$(grep -c '^hpclaunch pin: rank [0-3] (local [01]/2) host [^ ]*: cpus ' "$work/$1.err")" -eq 4 ]
    diag <"$out"
    grep -v '^hpclaunch pin: ' "$work/$1.err" | head -20 | diag
}
check_hello srun
check_hello mpirun

# --- OpenMP: each thread on its own PU of the plan ------------------------
omp=$("$H" plan -n 1 -c 2 --json)
omp_set=$(grep -o '"cpuset":"[^"]*"' <<<"$omp" | cut -d'"' -f4)
mapfile -t omp_pus < <(grep -o '"pus":\[[0-9,]*\]' <<<"$omp" | grep -o '[0-9]\+')
check "run -c 2 exits 0" [ "$(cat "$work/omp.rc" 2>/dev/null)" = 0 ]
bad=0 n=0
while read -r thread cpu allowed; do
    n=$((n + 1))
    [ "$cpu" = "${omp_pus[$thread]}" ] && [ "$allowed" = "$omp_set" ] ||
        { bad=1; echo "thread $thread: cpu $cpu allowed $allowed, plan PU ${omp_pus[$thread]} of $omp_set" | diag; }
done < <(sed -n 's/^host=.* rank=[01]\/2 thread=\([01]\)\/2 cpu=\([0-9]*\) allowed=\([^ ]*\) .*/\1 \2 \3/p' "$work/omp.out")
check "run -c 2: 2 ranks x 2 threads, thread i on PU i of the plan (${omp_pus[*]})" \
    [ $bad -eq 0 -a $n -eq 4 ]
diag <"$work/omp.out"

# --- Cpus_allowed_list of a pinned process, and HPCL_PINNED ---------------
check "srun ... hpclaunch pin -- sh exits 0" \
    [ "$(cat "$work/status.rc" 2>/dev/null)" = 0 ]
bad=0 n=0
while read -r node local allowed pinned; do
    n=$((n + 1))
    [ "$allowed" = "${want[$local]}" ] && [ "$pinned" = "$allowed" ] ||
        { bad=1; echo "node $node local $local: $allowed, HPCL_PINNED $pinned, plan ${want[$local]}" | diag; }
done <"$work/status.out"
check "Cpus_allowed_list of each pinned task = its plan's set = HPCL_PINNED" \
    [ $bad -eq 0 -a $n -eq 4 ]
diag <"$work/status.out"
cat "$work/status.err" "$work/job.out" 2>/dev/null | head -20 | diag

# --- srun --cpu-bind=cores: pin replaces the binding with the plan's ----
check "srun --cpu-bind=cores ... hpclaunch pin exits 0" \
    [ "$(cat "$work/cores.rc" 2>/dev/null)" = 0 ]
bad=0 n=0
while read -r node local allowed pinned; do
    n=$((n + 1))
    [ "$allowed" = "${want[$local]}" ] && [ "$pinned" = "$allowed" ] ||
        { bad=1; echo "node $node local $local: $allowed, HPCL_PINNED $pinned, plan ${want[$local]}" | diag; }
done <"$work/cores.out"
check "under srun --cpu-bind=cores each task gets its plan's set" \
    [ $bad -eq 0 -a $n -eq 4 ]
diag <"$work/cores.err"

# --- mpirun with Open MPI's default binding, on this machine -------------
# bound_sets CMD...: "RANK CPUS HPCL_PINNED" per rank, sorted by rank
bound_sets() {
    timeout 120 mpirun "$@" sh -c 'echo "$OMPI_COMM_WORLD_RANK $(grep Cpus_allowed_list /proc/self/status | cut -f2) $HPCL_PINNED"' 2>"$work/mpi.err" | sort -n
}
mapfile -t launcher < <(bound_sets -np 2 | cut -d' ' -f2)
diag <<<"Open MPI's own binding: ${launcher[*]}"
mapfile -t got < <(bound_sets -np 2 "$H" pin -v)
check "mpirun -np 2 hpclaunch pin (default binding): 2 ranks ran" \
    [ "${#got[@]}" -eq 2 ]
bad=0
for i in 0 1; do
    read -r r allowed pinned <<<"${got[$i]}"
    [ "$r" = "$i" ] && [ "$allowed" = "${want[$i]}" ] && [ "$pinned" = "$allowed" ] ||
        { bad=1; echo "rank $i: ${got[$i]}, plan ${want[$i]}" | diag; }
done
check "mpirun default binding: rank i gets the plan's set i (${want[*]})" \
    [ $bad -eq 0 -a "${#got[@]}" -eq 2 ]
check "pin -v says it replaced the launcher's binding, with global ranks" \
    [ "$(grep -c '^hpclaunch pin: rank [01] (local [01]/2) host [^ ]*: cpus .* binding replaced (launcher.s: ' "$work/mpi.err")" -eq 2 ]
diag <"$work/mpi.err"
mapfile -t kept < <(bound_sets -np 2 "$H" pin -v --keep-binding | cut -d' ' -f2)
check "pin --keep-binding keeps Open MPI's binding (${launcher[*]})" \
    [ "${#kept[@]}" -eq 2 -a "${kept[*]}" = "${launcher[*]}" ]
grep -q 'binding kept' "$work/mpi.err"
check "pin -v --keep-binding says so" [ $? -eq 0 ]
two=$("$H" plan -n 1 -c 2 --json | grep -o '"cpuset":"[^"]*"' | cut -d'"' -f4)
mapfile -t got < <(bound_sets -np 1 "$H" pin -c 2)
check "mpirun -np 1 hpclaunch pin -c 2: the plan's 2 CPUs ($two)" \
    [ "${#got[@]}" -eq 1 -a "$(cut -d' ' -f2 <<<"${got[0]}")" = "$two" ]
diag <<<"${got[*]}"

# --- outside an allocation: a usage error ---------------------------------
(unset SLURM_JOB_ID; "$H" run -- true 2>/dev/null)
check "run outside an allocation exits 2" [ $? -eq 2 ]

rm -rf "$work"
tap_done
