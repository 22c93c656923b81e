#!/bin/bash
# Live: OpenMP placed from the first line of main.  examples/omp_places.c
# and .f90, as installed under the documentation folder, are built against
# the installed prefix with pkg-config (C with GCC's libgomp and with
# LLVM's libomp, Fortran with gfortran's libgomp and the hpclaunch
# module).  Each calls the pin function as its first statement, before
# MPI_Init, and every OpenMP thread of every rank reports its CPU and its
# OpenMP place.  Checked, for every thread: the runtime has the plan's
# places (thread i on place i, the place's CPUs = entry i of the rank's
# OMP_PLACES), the thread runs inside its place, the rank has the plan's
# thread count and OMP_PLACES = the PUs `hpclaunch plan` gives its local
# rank; ranks of a node do not share CPUs unless oversubscribed.
#
# Shapes: every dev node sees this machine's CPUs (2 cores here), so
#   A  -N 2 -n 2 -c 2   1 task x 2 threads per node (the largest that fits)
#   B  -N 2 -n 4 -c 1   2 tasks x 1 thread per node
#   C  -N 2 -n 4 -c 2   the issue's shape: 2 tasks x 2 threads per node,
#                       with HPCL_OVERSUBSCRIBE=1 on a node with fewer
#                       than 4 cores (tasks then share its cores)
# under srun (--cpu-bind=none, --mpi=pmix) and under mpirun (--bind-to
# none, inside the same allocation).
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_openmp.$$
mkdir -p "$work"
H=$HPCLAUNCH
prefix=$(cd "$(dirname "$(command -v "$H")")/.." && pwd)
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
ex=$prefix/share/doc/hpclaunch/examples
unset OMP_NUM_THREADS OMP_PLACES OMP_PROC_BIND HPCL_THREADS_PER_TASK \
    HPCL_GPUS_PER_TASK HPCL_SMT HPCL_DISTRIBUTION HPCL_OVERSUBSCRIBE \
    HPCL_PINNED HPCL_PIN_REEXEC HPCL_PIN_REEXECED SLURM_CPUS_PER_TASK

# --- build against the installed prefix ------------------------------------
rpath="-Wl,-rpath,$(pkg-config --variable=libdir hpclaunch)"
progs=()
build() { # NAME RUNTIME COMMAND...: build, and check the OpenMP runtime
    local name=$1 runtime=$2; shift 2
    if "$@" -o "$work/$name" >"$work/$name.build" 2>&1 &&
        ldd "$work/$name" | grep -q "$runtime"; then
        ok "$name: built against $prefix with pkg-config, linked with $runtime"
        progs+=("$name")
    else
        not_ok "$name: built against $prefix with pkg-config, linked with $runtime"
        diag <"$work/$name.build"
    fi
}
# shellcheck disable=SC2046
build c_gomp libgomp mpicc -fopenmp "$ex/omp_places.c" \
    $(pkg-config --cflags --libs hpclaunch) "$rpath"
if command -v clang >/dev/null && echo 'int main(void){return 0;}' |
    clang -fopenmp -x c - -o "$work/omp-probe" 2>/dev/null; then
    # shellcheck disable=SC2046
    build c_libomp 'libomp\.so' env OMPI_CC=clang mpicc -fopenmp \
        "$ex/omp_places.c" $(pkg-config --cflags --libs hpclaunch) "$rpath"
else
    ok "c_libomp # SKIP clang with LLVM's libomp not installed (apt-get install clang libomp-dev)"
fi
if pkg-config --exists hpclaunch-fortran; then
    # shellcheck disable=SC2046
    build f_gomp libgomp mpifort -fopenmp "$ex/omp_places.f90" \
        $(pkg-config --cflags --libs hpclaunch-fortran) "$rpath"
else
    not_ok "hpclaunch-fortran.pc installed (configure found no Fortran compiler: apt-get install gfortran)"
fi

# --- one batch job: every program, shape and launcher ----------------------
ncores=$(lscpu -p=CORE 2>/dev/null | grep -v '^#' | sort -u | wc -l)
over=0
[ "$ncores" -lt 4 ] && over=1
cat >"$work/job.sh" <<JOB
#!/bin/bash
cd "$work"
for p in ${progs[*]}; do
    srun -N 2 -n 2 -c 2 --cpu-bind=none --mpi=pmix ./\$p >\$p.srun.A 2>\$p.srun.A.err
    srun -N 2 -n 4 -c 1 --cpu-bind=none --mpi=pmix ./\$p >\$p.srun.B 2>\$p.srun.B.err
    HPCL_OVERSUBSCRIBE=$over srun -N 2 --ntasks-per-node 2 -c 2 --cpu-bind=none \
        --mpi=pmix ./\$p >\$p.srun.C 2>\$p.srun.C.err
    mpirun -np 2 --map-by ppr:1:node --bind-to none -x HPCL_THREADS_PER_TASK=2 \
        ./\$p >\$p.mpirun.A 2>\$p.mpirun.A.err
    mpirun -np 4 --map-by ppr:2:node --bind-to none -x HPCL_THREADS_PER_TASK=1 \
        ./\$p >\$p.mpirun.B 2>\$p.mpirun.B.err
    mpirun -np 4 --map-by ppr:2:node --bind-to none -x HPCL_THREADS_PER_TASK=2 \
        -x HPCL_OVERSUBSCRIBE=$over ./\$p >\$p.mpirun.C 2>\$p.mpirun.C.err
done
JOB
timeout 600 sbatch --wait -N 2 --ntasks-per-node=2 -c 2 -t 8 -D "$work" \
    -o "$work/job.out" "$work/job.sh" >"$work/sbatch.out" 2>&1
check "the batch job (2 nodes, 4 tasks x 2 CPUs) ran" [ $? -eq 0 ]
diag <"$work/sbatch.out"

# --- the plan each local rank should get -----------------------------------
# want_pus N THREADS OVER: line i = the PUs of local rank i, "{a},{b}"
want_pus() {
    local o=()
    [ "$3" = 1 ] && o=(--oversubscribe)
    "$H" plan -n "$1" -c "$2" "${o[@]}" --json |
        python3 -c '
import json, sys
for t in json.load(sys.stdin)["plan"]["tasks"]:
    print(",".join("{%d}" % pu for pu in t["pus"]))'
}

# check_run FILE RANKS THREADS PER_NODE OVER: every thread inside its place
check_run() {
    local out=$1 ranks=$2 threads=$3 per=$4 over=$5 what bad
    what="$(basename "$out"): $ranks ranks x $threads threads"
    want_pus "$per" "$threads" "$over" >"$out.want"
    bad=$(awk -v ranks="$ranks" -v threads="$threads" -v per="$per" \
        -v over="$over" -v wantf="$out.want" '
        BEGIN { while ((getline l < wantf) > 0) want[n_want++] = l }
        /^host=/ {
            for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            split(f["rank"], r, "/"); split(f["local"], lr, "/")
            split(f["thread"], t, "/")
            lines++; seen[r[1] "/" t[1]]++; nodes[f["host"]]++
            if (t[2] != threads) { print "rank " r[1] ": " t[2] " threads"; next }
            if (lr[2] != per) { print "rank " r[1] ": local size " lr[2]; next }
            if (f["places"] != want[lr[1]])
                print "rank " r[1] " (local " lr[1] "): OMP_PLACES " f["places"] ", plan " want[lr[1]]
            if (f["place"] != t[1])
                print "rank " r[1] " thread " t[1] ": OpenMP place " f["place"]
            s = f["places"]; gsub(/^\{|\}$/, "", s); k = split(s, entry, /\},\{/)
            if (f["place"] < 0 || f["place"] >= k) next
            if (f["place_cpus"] != entry[f["place"] + 1])
                print "rank " r[1] " thread " t[1] ": runtime place " f["place_cpus"] ", OMP_PLACES entry " entry[f["place"] + 1]
            m = split(entry[f["place"] + 1], ids, ","); inside = 0
            for (i = 1; i <= m; i++) if (ids[i] == f["cpu"]) inside = 1
            if (!inside)
                print "rank " r[1] " thread " t[1] ": on CPU " f["cpu"] ", outside its place {" entry[f["place"] + 1] "}"
            used[f["host"] " " f["cpu"] " " r[1]] = 1
            owner = f["host"] " " f["cpu"]
            if (!over && (owner in by) && by[owner] != r[1])
                print "ranks " by[owner] " and " r[1] " share CPU " f["cpu"] " of " f["host"]
            by[owner] = r[1]
        }
        END {
            if (lines != ranks * threads) print lines + 0 " lines, want " ranks * threads
            for (k in seen) if (seen[k] != 1) print k " reported " seen[k] " times"
            if (length(nodes) != 2) print length(nodes) " nodes, want 2"
        }' "$out")
    check "$what: every thread on a CPU of its OMP_PLACES entry, as planned" \
        [ -z "$bad" ]
    { echo "$bad"; cat "$out"; head -5 "$out.err"; } | grep . | head -30 | diag
}

for p in "${progs[@]}"; do
    for l in srun mpirun; do
        check_run "$work/$p.$l.A" 2 2 1 0
        check_run "$work/$p.$l.B" 4 1 2 0
        check_run "$work/$p.$l.C" 4 2 2 "$over"
    done
done

# --- without the second start: what the library fixes ---------------------
# The same program with HPCL_PIN_REEXEC=never: libgomp read OMP_* before
# main, so its threads have no places (proof that the check above can
# fail, and that the opt-out works).
if [[ " ${progs[*]} " == *" c_gomp "* ]]; then
    (cd "$work" && HPCL_PIN_REEXEC=never timeout 120 srun -N 1 -n 1 -c 2 \
        --cpu-bind=none --mpi=pmix ./c_gomp >never.out 2>never.err)
    check "HPCL_PIN_REEXEC=never: libgomp keeps what it read before main (no places)" \
        grep -q 'place=-1 ' "$work/never.out"
    diag <"$work/never.out"
fi

rm -rf "$work"
tap_done
