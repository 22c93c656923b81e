#!/bin/bash
# make check: the Fortran module (tests/fortran/test_module.f90) on the
# built libraries; its plan's JSON must be `hpclaunch plan --json`'s.
# Without a Fortran compiler configure builds no module: skipped, saying
# so.  TAP.
top_srcdir=${top_srcdir:-.}; top_builddir=${top_builddir:-.}
prog=$top_builddir/tests/fortran/test_module
if [ -z "$FC" ] || [ ! -x "$prog" ]; then
    echo "1..0 # SKIP no Fortran compiler: the module is not built"
    exit 0
fi
shared=${HPCL_SHARED_TOPOLOGIES:-$top_srcdir/../shared/topologies}
xml=$shared/dell-xe8640-2x56c-snc4-4xh100.xml
[ -f "$xml" ] || xml=$top_srcdir/tests/data/topo/gpu-edge-cases.xml
xml=$(cd "$(dirname "$xml")" && pwd)/$(basename "$xml") # the test runs elsewhere
unset OMPI_COMM_WORLD_LOCAL_RANK PMIX_LOCAL_RANK MPI_LOCALRANKID SLURM_LOCALID \
    HPCL_PINNED OMP_NUM_THREADS HPCL_THREADS_PER_TASK SLURM_CPUS_PER_TASK
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
prog=$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")
out=$(cd "$tmp" && HPCL_TEST_XML=$xml "$prog")
rc=$?
n=$(sed -n 's/^1\.\.//p' <<<"$out")
grep -v '^1\.\.' <<<"$out"
n=$((n + 1))
# the CLI's document holds the library's plan (hpclaunch-json(7))
if [ $rc -eq 0 ] && "$top_builddir/cli/hpclaunch" plan --topology "$xml" -n 4 \
    --gpus-per-task 1 --json | python3 -c '
import json, sys
sys.exit(json.load(sys.stdin)["plan"] != json.load(open(sys.argv[1])))' \
    "$tmp/plan.json"; then
    echo "ok $n - the module's plan JSON = hpclaunch plan --json ($(basename "$xml"))"
else
    echo "not ok $n - the module's plan JSON = hpclaunch plan --json ($(basename "$xml"))"
fi
echo "1..$n"
