#!/bin/bash
# Live: home is not abandoned on a non-answer.  Right after a submission,
# and for a held job, Slurm's will-run answer is no estimate (2058):
# back-to-back submissions to an idle home, held or not, must all stay
# there.  Every job submitted here is cancelled at the end.
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_home.$$
mkdir -p "$work"
H=$HPCLAUNCH
export HPCLAUNCH_CONF=$HPCL_DEV_DIR/hpclaunch.conf
export HPCLAUNCH_JOURNAL=$work/journal
refs=()

cleanup() {
    [ "${#refs[@]}" -gt 0 ] && "$H" cancel "${refs[@]}" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

# idle_a SECONDS: wait until every node of site A is idle (earlier tests'
# jobs may still be ending).
idle_a() {
    local i
    for ((i = 0; i < $1 * 2; i++)); do
        [ "$(SLURM_CONF=$HPCL_DEV_SITEA_CONF sinfo -h -N -t idle -o %N |
            sort -u | wc -l)" -eq 4 ] && return 0
        sleep 0.5
    done
    return 1
}

# burst NAME OPTION...: ten back-to-back submissions; prints the refs.
burst() {
    local name=$1 i
    shift
    for i in $(seq 10); do
        "$H" submit --parsable "$@" -n1 -t1 -J "$name" -o /dev/null -- /bin/true
    done
}

check "site A is idle before the bursts" idle_a 60
SLURM_CONF=$HPCL_DEV_SITEA_CONF sinfo | diag

# The held job is probed as released: an idle home starts it at once.
# Asked before the bursts: right after them the queue holds jobs Slurm
# has not scheduled yet, and "unknown" is then the right answer.
out=$("$H" probe -H -n1 -t1 --json)
echo "$out" | diag
check "probe -H of an idle home: not unknown, not a wait over max_wait" \
    python3 -c 'import json, sys
w = json.loads(sys.argv[1])["probe"]["wait_seconds"]
sys.exit(not (w is not None and w <= 120))' "$out"

mapfile -t run < <(burst home_run)
refs+=("${run[@]}")
echo "${run[*]}" | diag
check "10 back-to-back submits: 10 references" [ "${#run[@]}" -eq 10 ]
check "10 back-to-back submits: all on site A" \
    [ "$(printf '%s\n' "${run[@]}" | grep -c '^sitea:[0-9]*$')" -eq 10 ]

mapfile -t held < <(burst home_held -H)
refs+=("${held[@]}")
echo "${held[*]}" | diag
check "10 back-to-back held submits: 10 references" [ "${#held[@]}" -eq 10 ]
check "10 back-to-back held submits: all on site A" \
    [ "$(printf '%s\n' "${held[@]}" | grep -c '^sitea:[0-9]*$')" -eq 10 ]

# --explain gives the rule: home (within max_wait, or unknown start).
"$H" submit --parsable --explain -H -n1 -t1 -J home_explain -o /dev/null \
    -- /bin/true >"$work/ref" 2>"$work/explain"
refs+=("$(cat "$work/ref")")
diag <"$work/explain"
check "--explain: the held job stays home by rule home" \
    grep -q '^decision: sitea (rule home: the home site sitea ' "$work/explain"

tap_done
