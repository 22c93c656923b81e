#!/bin/bash
# Submission benchmark on the dev cluster's site A: held jobs per second
#   (a) hpclaunch library, one process   (b) raw slurm_submit_batch_job
#   (c) sbatch in a loop                 (d) hpclaunch submit in a loop
# and the ratios a/b (target >= 0.8) and a/c (target >= 4).  Every job it
# submitted is cancelled at the end.
#   bench/submit.sh [COUNT]      (default 300 jobs for a and b, 100 for c, d)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-300}
loop_count=$(( count / 3 > 0 ? count / 3 : 1 ))
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
build=$top/_build/main
[ -f "$build/Makefile" ] || "$top/scripts/build.sh" "$build" --prefix="$HPCL_DEV_DIR/prefix"
make -C "$build" -j"$(nproc)" all bench/bench_submit >/dev/null
# The installed binary, not the build tree's libtool wrapper script.
make -C "$build" install >/dev/null
hpclaunch=$(sed -n "s/^prefix = //p" "$build/Makefile")/bin/hpclaunch
# libslurm runs in the build tree's helper process, as in make check.
export HPCL_SLURM_HELPER=$build/libexec/hpclaunch-slurm
bash "$top/dev/cluster" start >/dev/null
. "$HPCL_DEV_DIR/env.sh"
unset HPCLAUNCH_CONF # refs local:ID, the built-in site (site A)
work=$HPCL_DEV_WORK/bench; mkdir -p "$work"; cd "$work"
ids=$work/ids; : >"$ids"
cleanup() { # cancel everything submitted, in batches
    sed 's/^[a-z0-9_-]*://' "$ids" | xargs -r -n 500 scancel 2>/dev/null || true
}
trap cleanup EXIT

rate_of_loop() { # rate_of_loop N COMMAND...: jobs/s of N runs of COMMAND
    local n=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    for ((i = 0; i < n; i++)); do "$@" >>"$ids"; done
    t1=$(date +%s.%N)
    awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / (b - a) }'
}

# (e), (f): the journal on, a site file with site A alone.
printf '[site sitea]\ndriver = slurm\nslurm_conf = %s\n' "$SLURM_CONF" >"$work/bench.conf"
export HPCL_BENCH_CONF=$work/bench.conf HPCLAUNCH_JOURNAL=$work/journal
b=$("$build/bench/bench_submit" raw "$count" "$work" "$ids")
a=$("$build/bench/bench_submit" lib "$count" "$work" "$ids")
e=$("$build/bench/bench_submit" journal "$count" "$work" "$ids")
f=$("$build/bench/bench_submit" batch "$count" "$work" "$ids")
c=$(rate_of_loop "$loop_count" sbatch --parsable -H -t 1 --wrap true)
d=$(rate_of_loop "$loop_count" "$hpclaunch" submit --parsable -H -t 1 -- /bin/true)

printf '%-44s %10s\n' "path (held jobs, site A)" "jobs/s"
printf '%-44s %10s\n' "(a) hpclaunch library, one process" "$a"
printf '%-44s %10s\n' "(b) raw slurm_submit_batch_job, one process" "$b"
printf '%-44s %10s\n' "(c) sbatch in a loop" "$c"
printf '%-44s %10s\n' "(d) hpclaunch submit in a loop" "$d"
printf '%-44s %10s\n' "(e) library + journal, 1 job per call" "$e"
printf '%-44s %10s\n' "(f) library + journal, 100 jobs per call" "$f"
awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" 'BEGIN {
    printf "a/b = %.2f (target >= 0.8)   a/c = %.1f (target >= 4)   d/c = %.2f\n",
        a / b, a / c, d / c }'
awk -v b="$b" -v e="$e" -v f="$f" 'BEGIN {
    printf "e/b = %.2f (target >= 0.5)   f/b = %.2f (target >= 0.8)\n",
        e / b, f / b }'
