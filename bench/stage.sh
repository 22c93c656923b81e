#!/bin/bash
# Staging benchmark on the dev cluster (issue 16), nothing left queued:
#  1. throughput: a SIZE_MB input (default 200) staged to site B by
#     hpclaunch (rsync over B's sshd data endpoint, then sha256sum there
#     and at home) against plain `rsync -a` of the same file over the same
#     ssh endpoint; both into fresh folders, both over loopback.
#  2. decision time with staging estimates for the three dev sites
#     (hpclaunch submit --dry-run --input ...), median of 5 runs.
#   bench/stage.sh [SIZE_MB]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
prefix=${HPCL_PREFIX:-$HPCL_DEV_DIR/prefix}
H=$prefix/bin/hpclaunch
size=${1:-200}
[ -x "$H" ] || { echo "bench/stage.sh: $H missing: make install with --prefix=$prefix (or set HPCL_PREFIX)" >&2; exit 1; }
bash "$top/dev/cluster" start >/dev/null
. "$HPCL_DEV_DIR/env.sh"
work=$HPCL_DEV_WORK/bench-stage.$$; mkdir -p "$work"; cd "$work"
export HPCLAUNCH_JOURNAL=$work/journal
trap 'rm -rf "$work" "$HPCL_DEV_DATA_DIR/siteb$work" "$HPCL_DEV_DATA_DIR/siteb-plain$$"' EXIT
head -c $((size * 1000000)) /dev/urandom >"$work/in.dat"
ssh_opts=(-o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes
          -o "UserKnownHostsFile=$HPCL_DEV_DATA_DIR/ssh/known_hosts" -i "$HPCL_DEV_DATA_DIR/ssh/id_ed25519")
port=$(sed -n 's/^data_endpoint = root@127.0.0.1:\([0-9]*\):.*siteb$/\1/p' "$HPCLAUNCH_CONF")

now() { date +%s.%N; }
t0=$(now)
rsync -a -e "ssh ${ssh_opts[*]} -p $port" "$work/in.dat" "root@127.0.0.1:$HPCL_DEV_DATA_DIR/siteb-plain$$/"
t1=$(now)
# --site siteb: stage, verify, submit a held job, cancel it.
ref=$("$H" submit --site siteb --parsable -H -n1 -t1 --input "$work/in.dat" -o /dev/null -- true)
t2=$(now)
"$H" cancel "$ref"
plain=$(echo "$t1 - $t0" | bc -l) staged=$(echo "$t2 - $t1" | bc -l)
printf 'stage-in of %d MB to siteb: plain rsync %.2f s (%.0f MB/s); hpclaunch (rsync + sha256 both ends + submit) %.2f s (%.0f MB/s)\n' \
    "$size" "$plain" "$(echo "$size / $plain" | bc -l)" "$staged" "$(echo "$size / $staged" | bc -l)"

times=()
for _ in 1 2 3 4 5; do
    a=$(now)
    "$H" submit --dry-run --prefer finish -n1 -t10 --input "$work/in.dat" -- true >/dev/null 2>&1
    b=$(now)
    times+=("$(echo "$b - $a" | bc -l)")
done
med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
printf 'decision with staging estimates, 3 sites: median %.3f s of 5 (%s)\n' "$med" "${times[*]}"
