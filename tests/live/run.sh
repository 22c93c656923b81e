#!/bin/bash
# Run the live tests against the dev cluster.
#   tests/live/run.sh BUILDDIR PREFIX
# BUILDDIR holds the built tree, PREFIX the installed hpclaunch.  Programs
# that jobs run are copied under $HPCL_DEV_WORK: each dev node has a
# private /tmp and may not see the build folder.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$(cd "$1" && pwd); prefix=$2
: "${HPCL_DEV_DIR:=/var/tmp/hpclaunch-dev}"
. "$HPCL_DEV_DIR/env.sh" || { echo "live: no dev cluster ($HPCL_DEV_DIR/env.sh)"; exit 1; }

make -C "$builddir" -j"$(nproc)" examples/mpi_hello tests/live/test_live_job \
    tests/live/test_live_rest libexec/hpclaunch-slurm bench/bench_submit \
    >/dev/null || exit 1
mkdir -p "$HPCL_DEV_WORK/bin"
cp "$builddir/examples/mpi_hello" "$HPCL_DEV_WORK/bin/"
export PATH="$prefix/bin:$PATH" HPCLAUNCH="$prefix/bin/hpclaunch"
export HPCL_DEV_BIN="$HPCL_DEV_WORK/bin"
# libslurm sites are served by the build tree's helper, as in make check
# (cli_slurm_helper.sh also checks the installed one).
export HPCL_SLURM_HELPER="$builddir/libexec/hpclaunch-slurm"
# cli_scale.sh fills a site through the library's batch call.
export HPCL_BENCH_SUBMIT="$builddir/bench/bench_submit"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

cd "$HPCL_DEV_WORK"
# cli_*.sh includes the differential tests against sbatch: cli_sbatch_diff.sh
# (the allocation of held jobs, sites A, B and C) and cli_task_env.sh (the SLURM_*
# variables a job sees, both sites).  cli_scale.sh goes last: its 10,000
# cancelled jobs stay in site B's controller for MinJobAge (300 s), and in
# the tests that followed it site B's slurmrestd did not answer /ping in
# 5 s for minutes (cli_sites.sh, in two runs on a loaded machine).
tests=()
for t in "$top"/tests/live/cli_*.sh; do
    [ "${t##*/}" = cli_scale.sh ] || tests+=("$t")
done
prove -v --exec '' "$builddir/tests/live/test_live_job" \
    "$builddir/tests/live/test_live_rest" &&
    prove -v --exec bash "${tests[@]}" "$top/tests/live/cli_scale.sh"
