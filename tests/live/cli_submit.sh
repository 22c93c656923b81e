#!/bin/bash
# Live: hpclaunch submit/status/wait/cancel/probe against site A.
. "$(dirname "$0")/tap.sh"
# This test names jobs local:ID: the built-in site, not the dev site file.
unset HPCLAUNCH_CONF
work=$HPCL_DEV_WORK/cli_submit.$$
mkdir -p "$work"
H=$HPCLAUNCH

# --- a 2-node MPI job, both launchers: output names two nodes -------------
for launcher in srun mpirun; do
    out=$work/mpi-$launcher.out
    msg=$("$H" submit --wait --timeout 120 -N2 -n2 -t 2 --launcher "$launcher" \
        -D "$work" -o "$out" -- "$HPCL_DEV_BIN/mpi_hello" 2>&1)
    rc=$?
    check "submit --wait (--launcher $launcher) exits 0" [ $rc -eq 0 ]
    echo "$msg" | diag
    check "submit --wait says where the output is" grep -q "output: $out" <<<"$msg"
    hosts=$(sed -n 's/^host=\([^ ]*\) rank=[0-9]*\/2 .*/\1/p' "$out" 2>/dev/null | sort -u | wc -l)
    check "$launcher: 2 ranks on 2 different nodes" [ "$hosts" -eq 2 ]
    diag <"$out"
done

# --- hostile arguments reach the program verbatim -------------------------
canary=$work/canary
args=("\$(touch $canary)" "'; touch $canary; echo '" '`touch '"$canary"'`' \
      'two  spaces' '' '*' 'new
line' 'back\slash' '"dq"' 'ünïcödé' '--' '-n')
"$H" submit --wait --timeout 60 -n1 -t 1 --launcher none -D "$work" \
    -o "$work/hostile.out" -- /usr/bin/printf '[%s]\n' "${args[@]}" >/dev/null 2>&1
printf '[%s]\n' "${args[@]}" >"$work/hostile.expected"
check "hostile arguments reach the program byte for byte" \
    cmp -s "$work/hostile.out" "$work/hostile.expected"
check "no command in the arguments ran" [ ! -e "$canary" ]

# --- cancel of a pending (held) job ---------------------------------------
ref=$("$H" submit --parsable -H -n1 -t 1 -D "$work" -- /bin/true)
check "held submit prints a reference" grep -qE '^local:[0-9]+$' <<<"$ref"
check "held job is PENDING" wait_state "$ref" PENDING 10
check "cancel exits 0" "$H" cancel "$ref"
check "cancelled job shows CANCELLED" wait_state "$ref" CANCELLED 10
check "cancel of an ended job is not an error" "$H" cancel "$ref"
"$H" wait --timeout 10 "$ref" >/dev/null 2>&1
check "wait on a cancelled job exits 3" [ $? -eq 3 ]

# --- unknown job: clear error, exit 1 --------------------------------------
err=$("$H" status local:987654 2>&1 >/dev/null); rc=$?
check "status of an unknown job exits 1" [ $rc -eq 1 ]
check "the error names the job and says it was not found" \
    grep -qE 'local:987654.*not found|not found.*local:987654' <<<"$err"
echo "$err" | diag

# --- probe: while site A is full, the expected start is later than now ----
fill=()
for i in 1 2 3 4; do
    fill+=("$("$H" submit --parsable --exclusive -N1 -t 10 -D "$work" -- /bin/sleep 600)")
done
for r in "${fill[@]}"; do wait_state "$r" RUNNING 20; done
json=$("$H" probe -n1 -t 1 --json)
echo "$json" | diag
wait_s=$(sed -n 's/.*"wait_seconds":\([0-9]*\).*/\1/p' <<<"$json")
check "probe on a full site: expected start later than now" [ "${wait_s:-0}" -gt 60 ]
check "probe on a full site: no idle node" grep -q '"idle_nodes":0' <<<"$json"
"$H" cancel "${fill[@]}"
for r in "${fill[@]}"; do wait_state "$r" CANCELLED 20; done
json=$("$H" probe -n1 -t 1 --json)
wait_s=$(sed -n 's/.*"wait_seconds":\([0-9]*\).*/\1/p' <<<"$json")
check "probe on an idle site: starts now" [ "${wait_s:-1}" -eq 0 ]

# --- wait --timeout: one deadline for all the jobs ----------------------------
run3=()
for i in 1 2 3; do
    run3+=("$("$H" submit --parsable -o /dev/null -J wait3 -t 2 -- /bin/sleep 120)")
done
for r in "${run3[@]}"; do wait_state "$r" RUNNING 30; done
t0=$SECONDS
"$H" wait --timeout 3 "${run3[@]}" >"$work/wait3" 2>"$work/wait3.err"
rc=$? took=$((SECONDS - t0))
diag <"$work/wait3"
check "wait --timeout 3 on three running jobs: exit 4 after 3-4 s, not 9 (took ${took} s)" \
    [ "$rc" -eq 4 -a "$took" -le 4 ]
check "... and shows all three, RUNNING" [ "$(grep -c ' RUNNING ' "$work/wait3")" -eq 3 ]
t0=$SECONDS
"$H" wait --json --timeout 3 "${run3[@]}" >"$work/wait3.json" 2>/dev/null
rc=$? took=$((SECONDS - t0))
diag <"$work/wait3.json"
check "wait --json --timeout 3 on the three: exit 4 after 3-4 s (took ${took} s)" \
    [ "$rc" -eq 4 -a "$took" -le 4 ]
check "... and gives all three, RUNNING, timed out" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
refs = sys.argv[2:]
assert d["timed_out"] is True, d["timed_out"]
assert sorted(j["ref"] for j in d["jobs"]) == sorted(refs), d["jobs"]
assert all(j["state"] == "RUNNING" for j in d["jobs"]), d["jobs"]' "$work/wait3.json" "${run3[@]}"
"$H" cancel "${run3[@]}"

# --- usage errors -----------------------------------------------------------
"$H" submit -n abc -- /bin/true 2>/dev/null
check "a bad option value exits 2" [ $? -eq 2 ]
"$H" submit -n1 2>/dev/null
check "submit without a program exits 2" [ $? -eq 2 ]
check "submit --help exits 0" bash -c '"$1" submit --help >/dev/null' _ "$H"

[ "$tap_failed" -eq 0 ] && rm -rf "$work"
tap_done
