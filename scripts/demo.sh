#!/bin/bash
# The README's main command: install dependencies, build, start the dev
# cluster, fill site A with long jobs, then submit the pinned MPI+OpenMP
# hello world across 2 nodes: site A is saturated, so hpclaunch weighs
# site B (Slurm 22.05, slurmrestd v0.0.38) against site C (Slurm 24.11,
# v0.0.42), sends it where it starts first (both idle: B, the preferred;
# C's nodes run Debian 13, which lacks this Debian 12 build's Open MPI),
# says why, waits for it and shows its output.
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

H="$prefix/bin/hpclaunch"
fill=()
cleanup() { [ ${#fill[@]} -eq 0 ] || "$H" cancel "${fill[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== filling site A with 4 exclusive 10-minute jobs"
for i in 1 2 3 4; do
    fill+=("$("$H" submit --parsable --site sitea --no-pin --exclusive -N 1 -t 10 \
        -D "$HPCL_DEV_WORK/demo" -o /dev/null -- /bin/sleep 600)")
done
for i in $(seq 50); do
    "$H" status "${fill[@]}" | grep -q PENDING || break
    sleep 0.2
done
"$H" sites

echo "== submitting the MPI hello world: 2 nodes, 2 ranks, each pinned"
set -x
"$H" submit --explain --wait --timeout 300 -N 2 -n 2 -t 5 \
    -D "$HPCL_DEV_WORK/demo" -o "$HPCL_DEV_WORK/demo/hello-%j.out" \
    -- "$HPCL_DEV_WORK/bin/mpi_hello" | tee "$HPCL_DEV_WORK/demo/last"
{ set +x; } 2>/dev/null
out=$(sed -n 's/.*; output: //p' "$HPCL_DEV_WORK/demo/last")
echo "--- $out"
cat "$out"

# Data in the decision (issue 16): site A is still full; a job that reads
# a 200 MB file kept at home.  Over a slow link to B (100 kB/s: 2000 s of
# copying, longer than A's queue) it stays home; over a fast one (1 GB/s)
# it goes to B, its input copied and checked there first.  Dry runs.
echo "== a job with a 200 MB input at home: slow link, then fast link"
head -c 200000000 /dev/zero >"$HPCL_DEV_WORK/demo/input.dat"
for bw in 100k 1G; do
    sed "s/^bandwidth = .*/bandwidth = $bw/" "$HPCLAUNCH_CONF" >"$HPCL_DEV_WORK/demo/sites-$bw.conf"
    HPCLAUNCH_CONF=$HPCL_DEV_WORK/demo/sites-$bw.conf "$H" submit --dry-run -n 1 -t 10 \
        --input "$HPCL_DEV_WORK/demo/input.dat" -- sha256sum "$HPCL_DEV_WORK/demo/input.dat"
done
