#!/bin/bash
# Offline: the one time grammar (hpclaunch(7), TIME FORMATS) where the
# tool reads durations -- -t/--time, --max-wait, --timeout, jobs --prune,
# the site file's max_wait and timeout -- with the documented meanings:
# a bare number is minutes for -t (as sbatch) and seconds elsewhere,
# Slurm's colon forms mean what they mean to Slurm.  No Slurm needed.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
H=${HPCLAUNCH:-$top_builddir/cli/hpclaunch}
unset HPCLAUNCH_CONF SBATCH_TIMELIMIT
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"; [ -n "$srv" ] && kill "$srv" 2>/dev/null' EXIT
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_STATE_HOME=$tmp/state

# --- -t/--time: minutes, as sbatch writes them in #SBATCH --time --------
# form -> the minutes sbatch would give (seconds round up)
while read -r form want; do
    got=$("$H" submit --print-script -t "$form" -- /bin/true 2>&1 |
        sed -n 's/^#SBATCH --time=//p')
    check "-t $form is $want minutes (got '$got')" [ "$got" = "$want" ]
done <<'EOF'
90 90
1:30:00 90
90m 90
1h30m 90
1.5h 90
0:30 1
30s 1
1:30 2
2-12 3600
2-12:30 3630
2-12:30:15 3631
1d 1440
UNLIMITED UNLIMITED
infinite UNLIMITED
0 UNLIMITED
EOF
# SBATCH_TIMELIMIT is read with the same grammar.
got=$(SBATCH_TIMELIMIT=1:30:00 "$H" submit --print-script -- /bin/true |
    sed -n 's/^#SBATCH --time=//p')
check "SBATCH_TIMELIMIT=1:30:00 is 90 minutes (got '$got')" [ "$got" = 90 ]

# --- refusals name the option and show the forms, exit 2 -----------------
refused() {
    local d=$1 want=$2; shift 2
    "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    if [ $rc -eq 2 ] && grep -q -- "$want" "$tmp/err" &&
        grep -q "1:30:00 (HH:MM:SS)" "$tmp/err"; then ok "$d"; else
        not_ok "$d (exit $rc)"; diag <"$tmp/err"; fi
}
refused "-t 500ms is refused (sub-minute limits are whole seconds)" \
    "'500ms' for -t/--time: finer than a second" \
    "$H" submit --print-script -t 500ms -- /bin/true
refused "-t 1:2:3:4 is refused" "'1:2:3:4' for -t/--time: not a duration" \
    "$H" submit --print-script -t 1:2:3:4 -- /bin/true
refused "--max-wait 1h30 is refused" "'1h30' for --max-wait: not a duration" \
    "$H" submit --dry-run --max-wait 1h30 -- /bin/true
refused "--max-wait UNLIMITED is refused" "for --max-wait: unlimited" \
    "$H" submit --dry-run --max-wait UNLIMITED -- /bin/true
refused "wait --timeout 5x is refused" "'5x' for --timeout: not a duration" \
    "$H" wait --timeout 5x local:1
refused "wait --timeout 0 is refused" "'0' for --timeout: it must be more" \
    "$H" wait --timeout 0 local:1
refused "submit --timeout 10 min is refused" "'10 min' for --timeout" \
    "$H" submit --wait --timeout "10 min" -- /bin/true
refused "jobs --prune 3 weeks is refused" "'3 weeks' for --prune" \
    "$H" jobs --prune "3 weeks"

# --- --timeout takes every form (the deadline itself: tests/live) --------
for form in 90 1:30 1:30:00 90m 500ms 2.5 UNLIMITED; do
    "$H" wait --timeout "$form" local:notajob >/dev/null 2>"$tmp/err"
    check "wait --timeout $form is accepted (the reference is what fails)" \
        grep -q "local:notajob" "$tmp/err"
done

# --- --max-wait and max_wait: seconds, in the decision -------------------
echo tok >"$tmp/tok" && chmod 600 "$tmp/tok"
site_file() { # max_wait timeout
    cat >"$tmp/s.conf" <<EOF
[defaults]
max_wait = $1
timeout = $2
[site a]
driver = slurmrestd
url = http://127.0.0.1:$3
token_file = $tmp/tok
EOF
}
max_wait_of() {
    "$H" submit --conf "$tmp/s.conf" --dry-run --json -n1 "$@" -- /bin/true |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["decision"]["max_wait_seconds"])'
}
site_file 10 5 9
for form in 1:30:00 90m 5400 0-1:30 1.5h; do
    got=$(max_wait_of --max-wait "$form")
    check "--max-wait $form is 5400 s in the decision (got $got)" [ "$got" = 5400 ]
done
got=$(max_wait_of --max-wait 1:30)
check "--max-wait 1:30 is 90 s (MM:SS; got $got)" [ "$got" = 90 ]
for form in 1:30:00 90m 5400; do
    site_file "$form" 5 9
    got=$(max_wait_of)
    check "site file max_wait = $form is 5400 s (got $got)" [ "$got" = 5400 ]
done
site_file 10m 1:3x 9
"$H" sites --conf "$tmp/s.conf" >/dev/null 2>"$tmp/err"
check "site file timeout = 1:3x names the file, line and key" \
    grep -q "s.conf:3: key 'timeout': '1:3x' is not a duration; a bare number counts seconds" "$tmp/err"

# --- the site file's timeout: 0:02 is two seconds (MM:SS) ----------------
# A listener that never answers: the request waits for the timeout.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); time.sleep(120)' "$port" &
srv=$!
# listening before the clock starts (a loaded machine is slow to start it)
python3 -c 'import socket, sys, time
for i in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)' "$port"
site_file 10m 0:02 "$port"
t0=$(date +%s.%N)
"$H" sites --conf "$tmp/s.conf" >"$tmp/out" 2>&1
t=$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$t0" "$(date +%s.%N)")
diag <"$tmp/out"
check "site file timeout = 0:02 gives up after about 2 s, not 2 minutes (${t} s)" \
    python3 -c "import sys; sys.exit(not 1.5 <= $t < 30)"
check "... and says it timed out" grep -qi "timeout\|timed out" "$tmp/out"

tap_done
