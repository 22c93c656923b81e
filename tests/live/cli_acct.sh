#!/bin/bash
# Live: accounting settles what the controller forgot.  On site A
# (libslurm, slurmdb interface) and site B (slurmrestd, /slurmdb/): jobs
# that completed, failed (exit 3), were killed by a signal or cancelled,
# some watched by hpclaunch to their end and some not, are purged by the
# controller (MinJobAge, short in the dev cluster); hpclaunch jobs --json
# then shows each with its real end, --resubmit refuses each, and no
# second job carries any of their keys (sacct).  A controller crash right
# after an acknowledged submit loses the job: reported lost, resubmitted
# exactly once by two concurrent --resubmit.  With slurmdbd stopped, a
# job the controller forgot is "unknown", never "lost".
. "$(dirname "$0")/tap.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$HPCL_DEV_WORK/cli_acct.$$
mkdir -p "$work"
H=$HPCLAUNCH
export HPCLAUNCH_CONF=$HPCL_DEV_DIR/hpclaunch.conf HPCLAUNCH_JOURNAL=$work/journal
declare -A CONF=([sitea]=$HPCL_DEV_SITEA_CONF [siteb]=$HPCL_DEV_SITEB_CONF)
stopped=()

start() { (cd / && bash "$top/dev/cluster" start-daemon "$1" >/dev/null 2>&1); }
stop() { stopped+=("$1"); (cd / && bash "$top/dev/cluster" stop-daemon "$1" >/dev/null 2>&1); }
cleanup() {
    local d
    for d in "${stopped[@]}"; do start "$d"; done
    mapfile -t refs < <("$H" jobs --json 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin)["jobs"]:
    if e["ref"]: print(e["ref"])' 2>/dev/null)
    "$H" cancel "${refs[@]}" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# sub SITE NAME [submit options] -- COMMAND: submit, print the reference.
sub() {
    local site=$1 name=$2; shift 2
    "$H" submit --parsable --site "$site" -o /dev/null -t 2 -J "acct_$name" "$@" 2>>"$work/submit.err"
}

# --- the jobs: each way of ending, watched and not, at both sites -----------
declare -A REF WANT SIG
for site in sitea siteb; do
    REF[$site.done_w]=$(sub "$site" done_w --wait -- /bin/true)
    REF[$site.done_u]=$(sub "$site" done_u -- /bin/true)
    REF[$site.fail_w]=$(sub "$site" fail_w --wait -- /bin/sh -c 'exit 3')
    REF[$site.fail_u]=$(sub "$site" fail_u -- /bin/sh -c 'exit 3')
    # The batch script's own shell killed (Slurm's ExitCode 0:9), not a
    # child's death passed on as exit 137.
    REF[$site.sig_w]=$(sub "$site" sig_w --wait --wrap 'kill -9 $$')
    REF[$site.sig_u]=$(sub "$site" sig_u --wrap 'kill -9 $$')
    REF[$site.canc_w]=$(sub "$site" canc_w -H -- /bin/true)
    "$H" cancel "${REF[$site.canc_w]}" >/dev/null 2>&1
    REF[$site.canc_u]=$(sub "$site" canc_u -H -- /bin/true)
    # Cancelled behind hpclaunch's back: only accounting will know.
    SLURM_CONF=${CONF[$site]} scancel "${REF[$site.canc_u]#*:}"
    # What each must show: status, state, exit code ("-": not checked).
    WANT[$site.done_w]="ended COMPLETED 0" WANT[$site.done_u]="ended COMPLETED 0"
    WANT[$site.fail_w]="ended FAILED 3" WANT[$site.fail_u]="ended FAILED 3"
    WANT[$site.sig_w]="ended FAILED 137" WANT[$site.sig_u]="ended FAILED 137"
    WANT[$site.canc_w]="cancelled - -" WANT[$site.canc_u]="ended CANCELLED -"
    # The signal, where the journal has it (the end was seen): status
    # then tells the end as before the purge, exit_code 0 and signal 9.
    SIG[$site.sig_w]=9
done
# slurmrestd 22.05's dbv0.0.38 reports any non-zero exit as SUCCESS/0
# (sacct shows 3:0): hpclaunch leaves those exit codes unknown, not 0.
if [[ $(SLURM_CONF=$HPCL_DEV_SITEB_CONF scontrol --version) == "slurm-wlm 22.05."* ]]; then
    WANT[siteb.fail_u]="ended FAILED -" WANT[siteb.sig_u]="ended FAILED -"
fi
n=0
for k in "${!REF[@]}"; do [ -n "${REF[$k]}" ] && n=$((n + 1)); done
check "16 jobs submitted (8 per site)" [ "$n" -eq 16 ]
diag <"$work/submit.err"

# purged SITE:ID...: the controllers know none of them any more.
purged() {
    local r
    for r in "$@"; do
        SLURM_CONF=${CONF[${r%%:*}]} scontrol show job "${r#*:}" >/dev/null 2>&1 && return 1
    done
    return 0
}
end=$((SECONDS + 200))
until purged "${REF[@]}" || ((SECONDS > end)); do sleep 3; done
check "the controllers purged all 16 (MinJobAge) within 200 s" purged "${REF[@]}"
# The unwatched jobs, not reconciled yet: for the accounting outage below.
cp "$HPCLAUNCH_JOURNAL" "$work/journal.outage"

# --- after the purge: status tells every end, from the journal or accounting --
for k in $(printf '%s\n' "${!REF[@]}" | sort); do
    read -r _ want_state want_ec <<<"${WANT[$k]}"
    [ "$want_state" = - ] && want_state=CANCELLED
    got=$("$H" status --json "${REF[$k]}" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
print(j["state"], j["exit_code"], j["signal"], j["reason"])' 2>&1)
    read -r state ec sig _ <<<"$got"
    ok=1
    [ "$state" = "$want_state" ] || ok=0
    if [ -n "${SIG[$k]:-}" ]; then
        [ "$ec" = 0 ] && [ "$sig" = "${SIG[$k]}" ] || ok=0
    else
        [ "$want_ec" = - ] || [ "$ec" = "$want_ec" ] || ok=0
    fi
    check "status $k (${REF[$k]}) after the purge: $got" [ "$ok" -eq 1 ]
done

# --- and jobs: every end, from the journal or from accounting ----------------
"$H" jobs --json >"$work/jobs.json" 2>"$work/jobs.err"
diag <"$work/jobs.err"
# ref status state exit_code source
table() {
    python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["jobs"]:
    ec = e["exit_code"]
    print(e["ref"] or "-", e["journal_state"], e["state"] or "-",
          "-" if ec is None else ec, e["source"] or "journal", e["key"])' "$1"
}
table "$work/jobs.json" >"$work/table"
diag <"$work/table"
for k in $(printf '%s\n' "${!REF[@]}" | sort); do
    read -r want_status want_state want_ec <<<"${WANT[$k]}"
    read -r _ status state ec source _ < <(grep "^${REF[$k]} " "$work/table")
    ok=1
    [ "$status" = "$want_status" ] || ok=0
    [ "$want_state" = - ] || [ "$state" = "$want_state" ] || ok=0
    [ "$want_ec" = - ] || [ "$ec" = "$want_ec" ] || ok=0
    check "$k (${REF[$k]}): $status $state exit $ec from $source, want ${WANT[$k]}" [ "$ok" -eq 1 ]
done
check "the unwatched ends came from accounting (8)" \
    [ "$(grep -c ' accounting hpcl-' "$work/table")" -eq 8 ]
check "no job is lost or unknown" [ "$(grep -cE ' (lost|unknown) ' "$work/table")" -eq 0 ]

# --- --resubmit refuses every one, and no second job carries a key ------------
refused=0
while read -r ref _ _ _ _ key; do
    e=$("$H" jobs --resubmit "$key" 2>&1) || { refused=$((refused + 1)); continue; }
    echo "resubmitted $ref $key: $e" | diag
done <"$work/table"
check "--resubmit refuses all 16" [ "$refused" -eq 16 ]
# keys_in SITE: the keys of every job accounting holds for the cluster
# (the states named: a job cancelled while held was never eligible, and
# sacct's time window alone leaves it out).
keys_in() {
    SLURM_CONF=$HPCL_DEV_SITEA_CONF sacct -M "$1" -a -X -D -n -P -o comment -S 2000-01-01 -E now \
        -s CA,CD,DL,F,NF,OOM,PD,PR,R,RQ,RS,RV,S,TO 2>/dev/null |
        sed -n 's/.*hpcl-key=\(hpcl-[0-9a-f]*\).*/\1/p'
}
{ keys_in sitea; keys_in siteb; } >"$work/acct_keys"
dups=0
while read -r _ _ _ _ _ key; do
    c=$(grep -c "^$key$" "$work/acct_keys")
    [ "$c" -eq 1 ] || { dups=$((dups + 1)); echo "$key: $c jobs in accounting" | diag; }
done <"$work/table"
check "each key names exactly one job in accounting (sacct), none twice" [ "$dups" -eq 0 ]

# --- another site file calls another cluster "sitea" ------------------------
# The journal's entry went to cluster sitea; this site file's "sitea" is
# cluster siteb (through libslurm): the entry is never asked about there.
held=$(sub sitea other -H -- /bin/true)
sed "s|^slurm_conf = .*|slurm_conf = $HPCL_DEV_SITEB_CONF|" "$HPCLAUNCH_CONF" >"$work/other.conf"
HPCLAUNCH_CONF=$work/other.conf "$H" jobs --json >"$work/other.json" 2>/dev/null
line=$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["jobs"]:
    if e["ref"] == sys.argv[2]:
        print(e["journal_state"] + "|" + (e["cluster"] or "") + "|" + (e["error"] or ""))' "$work/other.json" "$held")
echo "$held: $line" | diag
check "other cluster, same label: $held is shown as other cluster" grep -q '^other cluster|slurm:sitea@' <<<"$line"
key=$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["jobs"]:
    if e["ref"] == sys.argv[2]: print(e["key"])' "$work/other.json" "$held")
e=$(HPCLAUNCH_CONF=$work/other.conf "$H" jobs --resubmit "$key" 2>&1)
check "other cluster, same label: --resubmit refuses it" grep -q "other cluster" <<<"$e"
status=$("$H" jobs --json | python3 -c '
import json, sys
for e in json.load(sys.stdin)["jobs"]:
    if e["ref"] == sys.argv[1]: print(e["journal_state"])' "$held")
check "with its own site file it is active ($status)" [ "$status" = active ]
"$H" cancel "$held" >/dev/null 2>&1

# --- accounting down: what the controller forgot is unknown, never lost ------
stop slurmdbd
HPCLAUNCH_JOURNAL=$work/journal.outage "$H" jobs --json >"$work/outage.json" 2>/dev/null
table "$work/outage.json" >"$work/outage.table"
diag <"$work/outage.table"
unwatched=$(for k in "${!REF[@]}"; do [[ $k == *_u ]] && echo "${REF[$k]}"; done)
bad=0
for r in $unwatched; do grep -q "^$r unknown " "$work/outage.table" || bad=$((bad + 1)); done
check "slurmdbd stopped: the 8 unwatched jobs are unknown" [ "$bad" -eq 0 ]
check "slurmdbd stopped: none is lost" [ "$(grep -c ' lost ' "$work/outage.table")" -eq 0 ]
python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["jobs"]:
    if e["journal_state"] == "unknown": print(e["error"] or "")' "$work/outage.json" >"$work/outage.why"
check "slurmdbd stopped: each says accounting could not be asked" \
    [ "$(grep -c 'accounting could not be asked' "$work/outage.why")" -eq 8 ]
head -2 "$work/outage.why" | diag
key=$(grep "^${REF[sitea.done_u]} " "$work/outage.table" | awk '{print $6}')
e=$(HPCLAUNCH_JOURNAL=$work/journal.outage "$H" jobs --resubmit "$key" 2>&1)
check "slurmdbd stopped: --resubmit refuses an unknown job" grep -q "not LOST" <<<"$e"
echo "$e" | diag
start slurmdbd; stopped=()

# --- a controller crash loses an acknowledged job: lost, resubmitted once -----
# slurmctld saves its state at most every 5 s after acknowledging a submit:
# SIGKILL right after the submit loses the job (FACTS.md).
# The controller saves at once after a quiet while: a first submit starts
# the 5 s during which the next one is not saved.
for site in sitea siteb; do
    sub "$site" warm -H -- /bin/true >/dev/null
    ref=$(sub "$site" crash -H -- /bin/true)
    kill -9 "$(cat "$HPCL_DEV_DIR/run/$site-ctld.pid")"
    stopped=("$site-ctld"); start "$site-ctld"; stopped=()
    line=$("$H" jobs --json | python3 -c '
import json, sys
for e in json.load(sys.stdin)["jobs"]:
    if e["ref"] == sys.argv[1]:
        print(e["journal_state"], e["key"], e["error"] or "")' "$ref")
    echo "$ref: $line" | diag
    read -r status key _ <<<"$line"
    check "$site crash: $ref is reported lost" [ "$status" = lost ]
    # Two at once: the journal's claim lets exactly one through.
    "$H" jobs --resubmit "$key" >"$work/r1" 2>&1 & p1=$!
    "$H" jobs --resubmit "$key" >"$work/r2" 2>&1 & p2=$!
    wait $p1; r1=$?; wait $p2; r2=$?
    cat "$work/r1" "$work/r2" | diag
    check "$site crash: of two concurrent --resubmit, exactly one succeeds" \
        [ $((r1 == 0)) -ne $((r2 == 0)) ]
    n=$(SLURM_CONF=${CONF[$site]} squeue -h -O comment:80 | grep -c "hpcl-key=$key")
    check "$site crash: exactly one job carries the key at $site (squeue)" [ "$n" -eq 1 ]
done
# The restarted controllers take their nodes back: the next test needs them.
end=$((SECONDS + 60))
until ! SLURM_CONF=$HPCL_DEV_SITEA_CONF sinfo -h -o %t | grep -qvE '^(idle|mix|alloc)$' &&
      ! SLURM_CONF=$HPCL_DEV_SITEB_CONF sinfo -h -o %t | grep -qvE '^(idle|mix|alloc)$' ||
      ((SECONDS > end)); do sleep 1; done
tap_done
