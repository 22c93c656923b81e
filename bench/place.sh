#!/bin/bash
# Placement benchmark: the median time of one plan for 8, 64 and 128 tasks
# on each real-machine topology (../shared/topologies, or
# $HPCL_SHARED_TOPOLOGIES) and on a synthetic 16,384-PU node, beside
# hwloc's own hwloc_distrib() on the same topology in the same process;
# then `hpclaunch pin -- /bin/true` beside the same binding by `taskset -c
# CPU /bin/true` and `hwloc-bind core:0 -- /bin/true`, and /bin/true alone
# (median of RUNS runs each, run round robin; the ratios; peak RSS).
# Targets: a plan on a real node well under 100 us, 128 tasks on 16,384
# PUs under 10 ms, the wrapper under 3 ms.
#   bench/place.sh [RUNS [BUILDDIR]]     (default 200 runs, _build/main)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-200}
build=${2:-$top/_build/main}
shared=${HPCL_SHARED_TOPOLOGIES:-$top/../shared/topologies}
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
[ -f "$build/Makefile" ] || "$top/scripts/build.sh" "$build" --prefix="$HPCL_DEV_DIR/prefix"
make -C "$build" -j"$(nproc)" all bench/bench_place >/dev/null
# The installed binary, not the build tree's libtool wrapper script.
make -C "$build" install >/dev/null
hpclaunch=$(sed -n "s/^prefix = //p" "$build/Makefile")/bin/hpclaunch

# 16 packages x 4 NUMA x 64 cores x 4 PUs = 16,384 PUs.
topologies=("$shared"/*.xml "synthetic:pack:16 numa:4 core:64 pu:4")
[ -d "$shared" ] || topologies=("${topologies[@]:1}")
echo "== one plan (median us; 'os': more tasks than cores, oversubscribed)"
"$build/bench/bench_place" plan "${topologies[@]}"
echo
echo "== the task wrapper, as local rank 0 of 1 on this machine, against"
echo "   taskset and hwloc-bind (util-linux, hwloc-nox: left out if absent)"
"$build/bench/bench_place" wrapper "$runs" "$hpclaunch"
