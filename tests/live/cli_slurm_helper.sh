#!/bin/bash
# Live: the libslurm helper (one process per libslurm site, the only thing
# linked with libslurm).  The installed library does not link libslurm and
# finds the installed helper; a missing helper is explained; a site whose
# slurm.conf makes libslurm fatal() is reported by name while the others
# work; libslurm sites that never answer cost one timeout in all; and
# libslurm's own log lines never reach the caller's stderr.  Submits
# nothing but one job that is refused.
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_slurm_helper.$$
mkdir -p "$work"
H=$HPCLAUNCH
CONF=$HPCL_DEV_DIR/hpclaunch.conf
export HPCLAUNCH_CONF=$CONF HPCLAUNCH_JOURNAL=$work/journal
prefix=$(cd "$(dirname "$(command -v "$H")")/.." && pwd)
listener=""

cleanup() {
    [ -n "$listener" ] && kill "$listener" 2>/dev/null
    [ "$tap_failed" -eq 0 ] && rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

# json FIELD < JSON: a field of a JSON document (a.b.0.c).
json() { python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print("" if v is None else v)' "$1" 2>/dev/null; }

# contains TEXT STRING...: TEXT holds every STRING.
contains() {
    local t=$1 p
    shift
    for p; do grep -qF -- "$p" <<<"$t" || return 1; done
}

# site_field NAME FIELD < JSON: a field of one site of `sites --json` or
# of a decision.
site_field() { python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d.get("decision", d)
for s in d["sites"]:
    if s["site"] == sys.argv[1]:
        print("" if s.get(sys.argv[2]) is None else s[sys.argv[2]])' "$1" "$2" 2>/dev/null; }

# An earlier test may have restarted site A's controller: wait until its
# nodes answer again (a probe succeeds), so that its probe is an answer.
for ((i = 0; i < 60; i++)); do
    "$H" probe --site sitea -n 1 -t 1 >/dev/null 2>&1 && break
    sleep 0.5
done
echo "site A answers a probe after $((i / 2)) s" | diag

# --- the installed library and helper -----------------------------------
lib=$(ls "$prefix"/lib/libhpclaunch.so.* 2>/dev/null | head -1)
helper=$prefix/libexec/hpclaunch/hpclaunch-slurm
readelf -d "$lib" | grep NEEDED | diag
check "libhpclaunch.so ($lib) does not link libslurm" \
    bash -c "[ -n '$lib' ] && ! readelf -d '$lib' | grep -q 'NEEDED.*libslurm'"
check "the helper is installed ($helper) and links libslurm" \
    bash -c "[ -x '$helper' ] &&
             readelf -d '$helper' | grep -q 'NEEDED.*libslurm'"
out=$(env -u HPCL_SLURM_HELPER "$H" sites --json 2>"$work/err")
check "without \$HPCL_SLURM_HELPER, the installed helper serves site A" \
    [ "$(site_field sitea probe <<<"$out")" = ok ]

# --- no helper -----------------------------------------------------------
out=$(HPCL_SLURM_HELPER=$work/no-such-helper "$H" sites --json 2>/dev/null)
why=$(site_field sitea error <<<"$out")
echo "$why" | diag
check "missing helper: site A fails naming the helper and the fix" \
    contains "$why" "site sitea: cannot run the libslurm helper" \
    "$work/no-such-helper" "make install" "driver = slurmrestd"
check "missing helper: site B still answers" \
    [ "$(site_field siteb probe <<<"$out")" = ok ]

# --- a slurm.conf that makes libslurm fatal() -----------------------------
printf 'ClusterName=broken\nFooBar=1\n' >"$work/broken.slurm.conf"
{
    cat "$CONF"
    printf '\n[site broken]\ndriver = slurm\nslurm_conf = %s\n' \
        "$work/broken.slurm.conf"
} >"$work/broken.conf"
out=$("$H" submit --conf "$work/broken.conf" --dry-run --json -n1 -t1 \
    -- /bin/true 2>"$work/err")
rc=$?
# The decision need not wait for the broken site once home has answered
# (it may be "not needed"); `sites` asks every site, so it reports it.
why=$("$H" sites --conf "$work/broken.conf" --json 2>>"$work/err" |
    site_field broken error)
echo "$why" | diag
check "fatal slurm.conf: the caller survives and decides (exit $rc)" \
    [ "$rc" -eq 0 ]
check "fatal slurm.conf: reported by site name with libslurm's words" \
    contains "$why" "site broken: libslurm ended its helper (exit 1)" \
    "fatal: Unable to process configuration file"
check "fatal slurm.conf: the job stays home" \
    [ "$(json decision.chosen <<<"$out")" = sitea ]
check "fatal slurm.conf: nothing on stderr" [ ! -s "$work/err" ]

# --- libslurm sites that accept connections and never answer --------------
rm -f "$work/silent.port"
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(128)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])' "$work/silent.port" &
listener=$!
for _ in $(seq 50); do [ -s "$work/silent.port" ] && break; sleep 0.1; done
cp "$CONF" "$work/silent.conf"
port=$(cat "$work/silent.port")
for i in 1 2 3; do
    sed -e "s/^ClusterName=.*/ClusterName=silent$i/" \
        -e "s/^SlurmctldHost=.*/SlurmctldHost=localhost(127.0.0.1)/" \
        -e "s/^SlurmctldPort=.*/SlurmctldPort=$port/" \
        "$HPCL_DEV_SITEA_CONF" >"$work/silent$i.slurm.conf"
    printf '\n[site silent%s]\ndriver = slurm\nslurm_conf = %s\n' \
        "$i" "$work/silent$i.slurm.conf" >>"$work/silent.conf"
    printf 'timeout = 2s\n' >>"$work/silent.conf"
done
t0=$(date +%s.%N)
out=$("$H" submit --conf "$work/silent.conf" --dry-run --json -n1 -t1 \
    -- /bin/true 2>"$work/err")
t1=$(date +%s.%N)
echo "$out" | diag
wall=$(json decision.wall_seconds <<<"$out")
check "3 silent libslurm sites: the job stays home" \
    [ "$(json decision.chosen <<<"$out")" = sitea ]
# Home (idle) answers first and decides alone: the decision does not
# wait for the silent sites ("not needed"); the command's end waits for
# their probes, at most one timeout.
check "3 silent libslurm sites: decided in ${wall}s, without waiting for them" \
    python3 -c "import sys; sys.exit(not float('$wall') < 1.0)"
unneeded=0
for i in 1 2 3; do
    [ "$(site_field "silent$i" probe <<<"$out")" = "not needed" ] &&
        unneeded=$((unneeded + 1))
done
check "3 silent libslurm sites: reported not needed ($unneeded of 3)" \
    [ "$unneeded" -eq 3 ]
check "3 silent libslurm sites: the whole command took under 3 s" \
    python3 -c "import sys; sys.exit(not $t1 - $t0 < 3)"
check "3 silent libslurm sites: nothing on stderr" [ ! -s "$work/err" ]
# hpclaunch sites waits for every probe: all at once, one timeout.
t0=$(date +%s.%N)
out=$("$H" sites --conf "$work/silent.conf" --json 2>"$work/err")
t1=$(date +%s.%N)
echo "$out" | diag
named=0
for i in 1 2 3; do
    why=$(site_field "silent$i" error <<<"$out")
    contains "$why" "site silent$i: no answer to the probe" &&
        named=$((named + 1))
done
check "3 silent libslurm sites: each one timed out, named ($named of 3)" \
    [ "$named" -eq 3 ]
check "3 silent libslurm sites: sites took one timeout (2 s) + 1 s" \
    python3 -c "import sys; sys.exit(not 1.9 < $t1 - $t0 <= 3)"

# --- libslurm's log stays in the helper ----------------------------------
"$H" submit --site sitea -p nosuch -n1 -t1 -- /bin/true \
    >/dev/null 2>"$work/err"
rc=$?
diag <"$work/err"
check "refused submit: exit 1 with hpclaunch's own message only" \
    bash -c '[ "$1" -eq 1 ] && [ "$(wc -l <"$2")" -eq 1 ] &&
             grep -q "^hpclaunch submit: .*partition .nosuch. on site sitea" \
                 "$2"' _ "$rc" "$work/err"
check "refused submit: no libslurm line (hpclaunch-slurm: ...) on stderr" \
    bash -c '! grep -q "hpclaunch-slurm" "$1"' _ "$work/err"

# --- the cluster's identity, from slurm.conf as the controller says it --
# A SUBMITTED record carries "cluster=slurm:CLUSTER@CONTROLLER:PORT"
# (lib/submit/cluster_id.c), read from slurm.conf without an RPC; it must
# be what slurmctld's own configuration says, or older records of the
# same cluster would read as another cluster's.
cfg=$(SLURM_CONF=$HPCL_DEV_SITEA_CONF scontrol show config)
cluster=$(awk '$1 == "ClusterName" {print $3}' <<<"$cfg")
ctld=$(awk '$1 ~ /^SlurmctldHost\[0\]$/ {print $3}' <<<"$cfg")
ctld_addr=$(sed -n 's/.*(\(.*\))$/\1/p' <<<"$ctld")
port=$(awk '$1 == "SlurmctldPort" {print $3}' <<<"$cfg")
want="slurm:$cluster@${ctld_addr:-$ctld}:${port%%-*}"
id=$("$H" submit --parsable --site sitea -H -o /dev/null -J helper_ident \
    -- /bin/true 2>"$work/err")
SLURM_CONF=$HPCL_DEV_SITEA_CONF scancel -n helper_ident 2>/dev/null
note=$(grep " SUBMITTED .* id=${id#sitea:} " "$work/journal" | tail -1 |
    sed -n 's/.* note=\([^ ]*\).*/\1/p')
diag <<<"controller's identity: $want; journal note: $note"
check "identity from slurm.conf is the controller's ($want)" \
    [ -n "$cluster" -a "$note" = "cluster=$want" ]

tap_done
