#!/bin/bash
# Reading a large slurmrestd job list: the REST driver's way (cut down as
# it arrives, rest_slim.c) beside the whole text parsed by jansson (the
# peer) and the whole text slimmed (hpclaunch before it read as the
# answer arrived): time and the memory each takes, for answers of 50 and
# 200 MB (or SIZES MB), and the peer's cost over the driver's.
#   bench/slim.sh [BUILDDIR [SIZES...]]     (default _build/main, 50 200)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build/main}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 200)
[ -f "$build/Makefile" ] || "$top/scripts/build.sh" "$build"
make -C "$build" -j"$(nproc)" bench/bench_slim >/dev/null
for mb in "${sizes[@]}"; do
    out=$("$build/bench/bench_slim" "$mb")
    echo "$out"
    echo "$out" | awk '/^\(a\)/ { ta = $(NF-2); ma = $(NF-1) }
                       /^\(b\)/ { tb = $(NF-2); mb = $(NF-1) }
                       END { printf "peer/driver: time %.1fx, memory %.1fx\n\n",
                             ta / tb, ma / mb }'
done
