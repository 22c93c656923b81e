#!/bin/bash
# The README's main command: install dependencies, build, start the dev
# cluster, submit the MPI hello world across 2 nodes of site A with
# hpclaunch, wait for it, and show its output.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
prefix=$HPCL_DEV_DIR/prefix

bash scripts/install-deps.sh
scripts/build.sh _build/main --prefix="$prefix" --enable-werror
make -C _build/main -j"$(nproc)" install examples/mpi_hello >/dev/null
bash dev/cluster start
. "$HPCL_DEV_DIR/env.sh"
mkdir -p "$HPCL_DEV_WORK/bin" "$HPCL_DEV_WORK/demo"
cp _build/main/examples/mpi_hello "$HPCL_DEV_WORK/bin/"
# Open MPI refuses to run as root without these; the job inherits them.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

set -x
"$prefix/bin/hpclaunch" submit --wait --timeout 300 -N 2 -n 2 -t 5 \
    -D "$HPCL_DEV_WORK/demo" -o "$HPCL_DEV_WORK/demo/hello-%j.out" \
    -- "$HPCL_DEV_WORK/bin/mpi_hello" | tee "$HPCL_DEV_WORK/demo/last"
{ set +x; } 2>/dev/null
out=$(sed -n 's/.*; output: //p' "$HPCL_DEV_WORK/demo/last")
echo "--- $out"
cat "$out"
