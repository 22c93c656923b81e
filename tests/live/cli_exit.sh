#!/bin/bash
# Live: how jobs end, as Slurm reports it, at the three sites (A: libslurm
# 22.05, B: slurmrestd v0.0.38, C: Slurm 24.11 over v0.0.4x):
# - a job killed by SIGSEGV and one that exits 139 are told apart, in text
#   and JSON, and agree with `scontrol show job`'s ExitCode (0:11, 139:0);
# - an array job's status shows every task, as `squeue -r` does;
# - waits talk (--progress: lines in order; on a terminal by default;
#   --quiet), and Ctrl-C/SIGTERM stop the wait, not the job (130/143, the
#   cancel command printed, the job still RUNNING in squeue);
# - the time grammar reaches Slurm: -t 1:30:00 and -t 90m give sbatch's
#   TimeLimit 01:30:00, wait --timeout 0:02 is two seconds.
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
work=$HPCL_DEV_WORK/cli_exit.$$
mkdir -p "$work"
export HPCLAUNCH_JOURNAL=$work/journal
SITES=(sitea siteb sitec)

# scontrol and squeue of a site (C's are 24.11's, from the Debian 13 root).
slurm() {
    local site=$1; shift
    case $site in
    sitea) "$@" ;;
    siteb) SLURM_CONF=$HPCL_DEV_SITEB_CONF "$@" ;;
    sitec) (cd "$work" && "$HPCL_DEV_SITEC_RUN" "$@") ;;
    esac
}
exit_code_of() { # SITE ID: scontrol's ExitCode
    slurm "$1" scontrol show job "$2" | grep -o 'ExitCode=[0-9]*:[0-9]*' | cut -d= -f2
}
json() { python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print("null" if v is None else v)' "$1"; }
sub() { # SITE ARGS...: a job reference
    local site=$1; shift
    "$H" submit --site "$site" --parsable -n1 -t2 -D "$work" -o /dev/null "$@"
}

# --- a signal is not an exit code ------------------------------------------
declare -A SEGV EXIT139
for s in "${SITES[@]}"; do
    SEGV[$s]=$(sub "$s" -J exit_segv --wrap 'kill -SEGV $$')
    EXIT139[$s]=$(sub "$s" -J exit_139 --wrap 'exit 139')
done
for s in "${SITES[@]}"; do
    segv=${SEGV[$s]} e139=${EXIT139[$s]}
    "$H" wait --timeout 2m "$segv" "$e139" >"$work/$s.wait" 2>&1
    rc=$?
    diag <"$work/$s.wait"
    check "$s: wait of a failed job exits 3 (got $rc)" [ $rc -eq 3 ]
    check "$s: scontrol says the SIGSEGV job ended 0:11" \
        [ "$(exit_code_of "$s" "${segv#*:}")" = 0:11 ]
    check "$s: scontrol says the exit-139 job ended 139:0" \
        [ "$(exit_code_of "$s" "${e139#*:}")" = 139:0 ]
    "$H" status "$segv" "$e139" >"$work/$s.table"
    diag <"$work/$s.table"
    check "$s: text: $segv FAILED, signal 11 (SIGSEGV)" \
        grep -Eq "^$segv +FAILED +signal 11 \(SIGSEGV\) " "$work/$s.table"
    check "$s: text: $e139 FAILED, exit 139" \
        grep -Eq "^$e139 +FAILED +exit 139 " "$work/$s.table"
    for ref in "$segv" "$e139"; do
        j=$("$H" status --json "$ref")
        want=$(exit_code_of "$s" "${ref#*:}")
        got="$(json jobs.0.exit_code <<<"$j"):$(json jobs.0.signal <<<"$j")"
        check "$s: JSON exit_code:signal of $ref is scontrol's ExitCode $want (got $got)" \
            [ "$got" = "$want" ]
    done
    check "$s: JSON names the signal SIGSEGV" \
        [ "$("$H" status --json "$segv" | json jobs.0.signal_name)" = SIGSEGV ]
done
# accounting (site A's slurmdbd) agrees, once the record is there
for i in $(seq 20); do
    acct=$(sacct -n -X -j "${SEGV[sitea]#*:}" -o ExitCode 2>/dev/null | tr -d ' ')
    [ -n "$acct" ] && break
    sleep 0.5
done
check "sitea: sacct says the SIGSEGV job ended 0:11 (got '$acct')" [ "$acct" = 0:11 ]

# --- a running job has no exit code yet: null, '-' -------------------------
run=$(sub sitec -J exit_running -- /bin/sleep 60)
check "sitec: the sleeping job runs" wait_state "$run" RUNNING 60
j=$("$H" status --json "$run")
check "a running job's exit_code and signal are null" \
    [ "$(json jobs.0.exit_code <<<"$j") $(json jobs.0.signal <<<"$j")" = "null null" ]
check "a running job's EXIT column is '-'" \
    grep -Eq "^$run +RUNNING +- " <<<"$("$H" status "$run")"

# --- wait --timeout is Slurm's MM:SS too ------------------------------------
t0=$(date +%s.%N)
"$H" wait --timeout 0:02 "$run" >/dev/null 2>&1
rc=$?
t=$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$t0" "$(date +%s.%N)")
check "wait --timeout 0:02 returns 4 after 2 s (got $rc after $t s)" \
    python3 -c "import sys; sys.exit(not ($rc == 4 and 1.8 <= $t < 5))"

# --- Ctrl-C stops the wait, not the job ---------------------------------------
"$H" wait --progress "$run" >"$work/int.out" 2>"$work/int.err" &
pid=$!
for i in $(seq 50); do grep -q "RUNNING on" "$work/int.err" && break; sleep 0.2; done
kill -INT $pid
wait $pid
rc=$?
diag <"$work/int.err"
check "SIGINT to a waiting hpclaunch wait: exit 130 (got $rc)" [ $rc -eq 130 ]
check "... it says the job keeps running" grep -q "job $run keeps running" "$work/int.err"
check "... and gives the exact cancel command" \
    grep -q "to cancel it: hpclaunch cancel $run\$" "$work/int.err"
check "... the job is still RUNNING at its site (squeue)" \
    [ "$(slurm sitec squeue -h -j "${run#*:}" -o %T)" = RUNNING ]
check "... and the table on stdout shows it RUNNING" grep -Eq "^$run +RUNNING" "$work/int.out"
# The printed command does cancel it.
cmd=$(sed -n 's/.*to cancel it: //p' "$work/int.err")
$cmd
check "the printed command cancels it" wait_state "$run" CANCELLED 30

# submit --wait, SIGTERM: 143, the job keeps running (site B, over REST)
"$H" submit --site siteb --wait --progress --json -n1 -t2 -D "$work" -o /dev/null \
    -J exit_term -- /bin/sleep 60 >"$work/term.out" 2>"$work/term.err" &
pid=$!
for i in $(seq 100); do grep -q "RUNNING on" "$work/term.err" && break; sleep 0.2; done
kill -TERM $pid
wait $pid
rc=$?
diag <"$work/term.err"
ref=$(json ref <"$work/term.out")
check "SIGTERM to submit --wait: exit 143 (got $rc)" [ $rc -eq 143 ]
check "... --json still prints the job and the state it reached" \
    [ "$(json job.state <"$work/term.out")" = RUNNING ]
check "... the job is still RUNNING at site B (squeue)" \
    [ "$(slurm siteb squeue -h -j "${ref#*:}" -o %T)" = RUNNING ]
"$H" cancel "$ref"

# --- progress lines, in order ------------------------------------------------
for s in "${SITES[@]}"; do
    r=$(sub "$s" -J exit_progress -- /bin/sleep 2)
    "$H" wait --progress --timeout 2m "$r" >/dev/null 2>"$work/p.$s"
    diag <"$work/p.$s"
    # the lines about this job, in order: PENDING? RUNNING on NODES, COMPLETED exit 0
    order=$(grep "^$r " "$work/p.$s" | awk '{print $2}' | uniq | tr '\n' ' ')
    check "$s: progress: [PENDING] RUNNING COMPLETED, in order (got $order)" \
        grep -Eq "^(PENDING )?RUNNING COMPLETED $" <<<"$order"
    check "$s: progress: RUNNING names the node" grep -Eq "^$r RUNNING on [a-c][0-9]" "$work/p.$s"
    check "$s: progress: the end says exit 0" grep -qx "$r COMPLETED exit 0" "$work/p.$s"
done
# Without --progress: on a terminal by default, silent with --quiet, and
# never on stdout.
r=$(sub sitea -J exit_tty -- /bin/sleep 1)
script -qec "$H wait --timeout 2m $r 2>&1 >/dev/null" /dev/null >"$work/tty" 2>&1
check "on a terminal, wait prints progress by default" grep -q "$r COMPLETED exit 0" "$work/tty"
script -qec "$H wait --quiet --timeout 2m $r 2>&1 >/dev/null" /dev/null >"$work/tty.q" 2>&1
check "--quiet prints nothing on stderr" [ ! -s "$work/tty.q" ]
"$H" wait --progress --timeout 2m "$r" 2>/dev/null >"$work/stdout"
check "progress never goes to stdout" [ "$(grep -c "COMPLETED exit 0" "$work/stdout")" -eq 0 ]

# --- an array job: every task, as squeue -r shows them -----------------------
for s in sitea sitec; do
    arr=$(sub "$s" -J exit_array -a 0-3%2 -- /bin/sleep 30)
    ok_run=0
    for i in $(seq 100); do
        [ "$(slurm "$s" squeue -h -r -j "${arr#*:}" -t R -o %i | wc -l)" -eq 2 ] && ok_run=1 && break
        sleep 0.2
    done
    check "$s: two tasks of $arr run (throttle %2)" [ $ok_run -eq 1 ]
    # squeue -r gives the pending tasks one a line: expand "ID_[2-3]"
    want=$(slurm "$s" squeue -h -r -j "${arr#*:}" -o '%i %T' | sort)
    got=$("$H" status --json "$arr" | python3 -c '
import json, re, sys
for t in json.load(sys.stdin)["jobs"][0]["tasks"]:
    ref = t["ref"].split(":", 1)[1]
    m = re.fullmatch(r"(\d+)_\[(.*)\]", ref)
    if not m:
        print(ref, t["state"])
        continue
    for part in m.group(2).split(","):
        lo, _, hi = part.partition("-")
        for i in range(int(lo), int(hi or lo) + 1):
            print("%s_%d" % (m.group(1), i), t["state"])' | sort)
    echo "$want" | diag
    check "$s: status --json lists every task as squeue -r does" [ "$got" = "$want" ]
    table=$("$H" status "$arr")
    echo "$table" | diag
    check "$s: the table shows task 1 RUNNING, not task 0 only" \
        grep -Eq "^  $arr\_1 +RUNNING" <<<"$table"
    check "$s: the table shows the pending tasks [2-3]" \
        grep -Eq "^  $arr\_\[2-3\] +PENDING" <<<"$table"
    "$H" cancel "$arr"
done

# --- -t reaches Slurm as sbatch's TimeLimit ------------------------------------
for s in "${SITES[@]}"; do
    for form in 1:30:00 90m 90; do
        r=$("$H" submit --site "$s" --parsable -H -n1 -t "$form" -D "$work" -J exit_t -- /bin/true)
        tl=$(slurm "$s" scontrol show job "${r#*:}" | grep -o 'TimeLimit=[^ ]*')
        check "$s: -t $form gives $tl" [ "$tl" = TimeLimit=01:30:00 ]
        "$H" cancel "$r"
    done
done
sb=$(sbatch --parsable -H -n1 -t 1:30:00 -o /dev/null --wrap true)
check "sbatch -t 1:30:00 gives the same TimeLimit=01:30:00" \
    [ "$(scontrol show job "$sb" | grep -o 'TimeLimit=[^ ]*')" = TimeLimit=01:30:00 ]
scancel "$sb"

tap_done
