#!/bin/bash
# Decision benchmark on the dev cluster: three sites --
# site A (libslurm), site B (slurmrestd) and a dead REST site that accepts
# connections and never answers -- decided at once, against probing them
# one after another.  Targets: the first decision takes the slowest live probe plus
# at most one timeout (the dead site's, 2 s here); the next ones, with the
# dead site known down, about the slowest live probe.  Then ten libslurm
# sites whose slurmctld accepts connections and never answers (their
# slurm.conf points at the same listener; timeout = 2s each) beside the
# live home site A: each has its own helper process, so the first decision
# must take at most one timeout + 0.5 s, and stay home.  Submits nothing.
#   bench/decide.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
build=${HPCL_BUILD:-$top/_build/main}
[ -f "$build/Makefile" ] || "$top/scripts/build.sh" "$build" --prefix="$HPCL_DEV_DIR/prefix"
make -C "$build" -j"$(nproc)" bench/bench_decide libexec/hpclaunch-slurm >/dev/null
# The build tree's libslurm helper, not whatever is installed.
export HPCL_SLURM_HELPER=$build/libexec/hpclaunch-slurm
bash "$top/dev/cluster" start >/dev/null
. "$HPCL_DEV_DIR/env.sh"
work=$HPCL_DEV_WORK/bench; mkdir -p "$work"; cd "$work"
# The dead site: a port that accepts connections and never answers, as a
# hung slurmrestd (or a firewall that swallows packets) would.
rm -f "$work/dead.port"
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])' "$work/dead.port" &
dead=$!
trap 'kill $dead 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$work/dead.port" ] && break; sleep 0.1; done
{
    cat "$HPCL_DEV_DIR/hpclaunch.conf"
    printf '\n[site dead]\ndriver = slurmrestd\nurl = http://127.0.0.1:%s\n' "$(cat "$work/dead.port")"
    printf 'token_file = %s\nuser = root\ntimeout = 2s\n' "$HPCL_DEV_SITEB_TOKEN_FILE"
} >"$work/decide.conf"
"$build/bench/bench_decide" "$work/decide.conf"

echo
echo "== ten silent libslurm sites (timeout 2 s each) and the home site A"
port=$(cat "$work/dead.port")
{
    printf '[defaults]\nhome = sitea\nmax_wait = 2m\n\n'
    printf '[site sitea]\ndriver = slurm\nslurm_conf = %s\n' "$HPCL_DEV_SITEA_CONF"
    for i in $(seq 10); do
        sed -e "s/^ClusterName=.*/ClusterName=silent$i/" \
            -e "s/^SlurmctldHost=.*/SlurmctldHost=localhost(127.0.0.1)/" \
            -e "s/^SlurmctldPort=.*/SlurmctldPort=$port/" \
            "$HPCL_DEV_SITEA_CONF" >"$work/silent$i.slurm.conf"
        printf '\n[site silent%d]\ndriver = slurm\nslurm_conf = %s\ntimeout = 2s\n' \
            "$i" "$work/silent$i.slurm.conf"
    done
} >"$work/silent.conf"
"$build/bench/bench_decide" "$work/silent.conf" | tee "$work/silent.out"
awk '/^decision 1:/ {
         ok = $3 <= 2.5 && $6 == "sitea"
         printf "target (first decision <= 2.5 s, home chosen): %s (%s s, %s)\n",
                ok ? "met" : "NOT MET", $3, $6
         exit !ok
     }' "$work/silent.out"
