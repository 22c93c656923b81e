#!/bin/bash
# Live: every data command's --json on the three dev sites (A: libslurm,
# B: slurmrestd v0.0.38, C: Slurm 24.11 over v0.0.4x), each document
# checked against doc/hpclaunch-json.schema.json (tests/check-json.py:
# unknown or missing members fail), with the error cases: an unknown job,
# a site that does not answer, a site the site file does not have, a usage
# error; and the exit status the same as without --json.
# Every job submitted here is cancelled at the end.
. "$(dirname "$0")/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
H=$HPCLAUNCH
SCHEMA=$top/doc/hpclaunch-json.schema.json
CHECK=$top/tests/check-json.py
work=$HPCL_DEV_WORK/cli_json.$$
mkdir -p "$work" && cd "$work" || exit 1
export HPCLAUNCH_CONF=$HPCL_DEV_DIR/hpclaunch.conf
export HPCLAUNCH_JOURNAL=$work/journal
unset "${!SBATCH_@}"
refs=()

cleanup() {
    mapfile -t more < <("$H" jobs --json 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin)["jobs"]:
    if e["ref"]: print(e["ref"])' 2>/dev/null)
    "$H" cancel "${refs[@]}" "${more[@]}" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# doc WANT DESCRIPTION ARGS...: hpclaunch ARGS exits WANT and prints one
# document the schema accepts; it stays in $work/out for get and is.
doc() {
    local want=$1 d=$2; shift 2
    "$H" "$@" >"$work/out" 2>"$work/err"
    local rc=$? errs
    errs=$(python3 "$CHECK" "$SCHEMA" "$work/out" 2>&1)
    if [ $rc -eq "$want" ] && [ -z "$errs" ]; then ok "$d"; else
        not_ok "$d (exit $rc, want $want)"
        { echo "$errs"; head -c 3000 "$work/out"; echo; cat "$work/err"; } |
            diag
    fi
}
# get EXPRESSION: a Python expression on the last document, d
get() { python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$work/out" "$1" 2>&1; }
# is DESCRIPTION EXPRESSION WANT
is() {
    local got; got=$(get "$2")
    if [ "$got" = "$3" ]; then ok "$1"; else
        not_ok "$1 (got '$got', want '$3')"; fi
}
# same_status DESCRIPTION ARGS...: the exit status without --json is the
# one the last doc run had
same_status() {
    local d=$1 want; shift
    want=$(cat "$work/rc")
    "$H" "$@" >/dev/null 2>&1
    local rc=$?
    if [ $rc -eq "$want" ]; then ok "$d: exit $rc without --json too"
    else not_ok "$d: exit $rc without --json, $want with"; fi
}
rc_of() { "$H" "$@" >/dev/null 2>&1; echo $? >"$work/rc"; }

# --- sites and a dry run: the three sites answer ------------------------------
doc 0 "sites --json" sites --json
is "sites: the three sites, all reachable" \
    '[(s["site"], s["reachable"], s["probe"]) for s in d["sites"]]' \
    "[('sitea', True, 'ok'), ('siteb', True, 'ok'), ('sitec', True, 'ok')]"
doc 0 "submit --dry-run --json" submit --dry-run --json -n 1 -t 1 -- /bin/true
is "dry run: home chosen, nothing submitted" \
    '(d["ref"], d["dry_run"], d["decision"]["chosen"], d["decision"]["version"])' \
    "(None, True, 'sitea', 2)"

for site in sitea siteb sitec; do
    # --- probe ------------------------------------------------------------
    doc 0 "$site: probe --json" probe --json --site "$site" -n 1 -t 1
    is "$site: probe names the site, reachable, with its figures" \
        '(d["probe"]["site"], d["probe"]["reachable"], d["probe"]["total_nodes"] > 0)' \
        "('$site', True, True)"

    # --- submit, then status --------------------------------------------------
    doc 0 "$site: submit --json (held)" submit --json --site "$site" -H \
        -n 1 -t 1 -J json_held -- /bin/true
    held=$(get 'd["ref"]'); refs+=("$held")
    is "$site: submit --json: the reference, the key, the decision" \
        '(d["ref"].split(":")[0], d["key"].startswith("hpcl-"), d["decision"]["chosen"], d["job"])' \
        "('$site', True, '$site', None)"
    doc 0 "$site: status --json of the held job" status --json "$held"
    is "$site: status: PENDING, no exit code yet, not an array" \
        '(d["jobs"][0]["ref"], d["jobs"][0]["state"], d["jobs"][0]["exit_code"], d["jobs"][0]["signal"], d["jobs"][0]["tasks"])' \
        "('$held', 'PENDING', None, None, None)"

    # --- submit --wait: the state reached, ended or not --------------------
    doc 3 "$site: submit --wait --json of a job that exits 3" \
        submit --json --wait --timeout 120 --site "$site" -n 1 -t 1 \
        -o /dev/null -J json_exit3 -- /bin/sh -c 'exit 3'
    failed=$(get 'd["ref"]'); refs+=("$failed")
    is "$site: submit --wait: FAILED, exit code 3, no signal, not timed out" \
        '(d["job"]["ref"] == d["ref"], d["job"]["state"], d["job"]["exit_code"], d["job"]["signal"], d["timed_out"])' \
        "(True, 'FAILED', 3, 0, False)"
    doc 4 "$site: submit --wait --timeout 2 --json of a held job" \
        submit --json --wait --timeout 2 --site "$site" -H -n 1 -t 1 \
        -J json_timeout -- /bin/true
    late=$(get 'd["ref"]'); refs+=("$late")
    is "$site: the timeout still gives the reference and its state" \
        '(d["ref"] is not None, d["job"]["state"], d["timed_out"])' \
        "(True, 'PENDING', True)"

    # --- wait of several: every job's state, ended or not ------------------
    doc 4 "$site: wait --json --timeout 2 of an ended and a held job" \
        wait --json --timeout 2 "$failed" "$held"
    is "$site: wait: both jobs, in order, and timed out" \
        '([(j["ref"], j["state"]) for j in d["jobs"]], d["timed_out"])' \
        "([('$failed', 'FAILED'), ('$held', 'PENDING')], True)"

    # --- an unknown job ----------------------------------------------------
    doc 1 "$site: status --json of an unknown job" status --json \
        "$site:99999999" "$held"
    is "$site: the held job is shown, the unknown one is an error naming it" \
        '([j["ref"] for j in d["jobs"]], [(e["object"], e["name"], e["code"]) for e in d["errors"]])' \
        "(['$held'], [('job', '$site:99999999', 'HPCL_E_NOJOB')])"
    rc_of status --json "$site:99999999"
    same_status "$site: status of an unknown job" status "$site:99999999"

    # --- cancel --------------------------------------------------------------
    doc 0 "$site: cancel --json" cancel --json "$held" "$late"
    is "$site: cancel: both cancelled" \
        '[(j["ref"], j["cancelled"]) for j in d["jobs"]]' \
        "[('$held', True), ('$late', True)]"
    wait_state "$held" CANCELLED 20
    doc 1 "$site: cancel --json of an unknown job" cancel --json \
        "$site:99999999"
    is "$site: cancel of an unknown job: not cancelled, the error names it" \
        '(d["jobs"][0]["cancelled"], d["errors"][0]["object"], d["errors"][0]["name"])' \
        "(False, 'job', '$site:99999999')"
done

# --- jobs: the journal of all that, every entry in the schema --------------
doc 0 "jobs --json" jobs --json
is "jobs: the 9 submitted jobs, each with a journal state" \
    '(len(d["jobs"]), all(e["journal_state"] in ("active", "ended", "cancelled") for e in d["jobs"]))' \
    "(9, True)"
doc 0 "jobs --json --site sitec --state ENDED" jobs --json --site sitec \
    --state ENDED
is "jobs --site sitec --state ENDED: its job that exited 3" \
    '[(e["site"], e["state"], e["exit_code"]) for e in d["jobs"]]' \
    "[('sitec', 'FAILED', 3)]"

# --- a site that does not answer --------------------------------------------
cp "$HPCLAUNCH_CONF" "$work/down.conf"
echo token >"$work/token" && chmod 600 "$work/token"
cat >>"$work/down.conf" <<EOF

[site sited]
driver = slurmrestd
url = http://127.0.0.1:9
token_file = $work/token
user = root
EOF
doc 0 "sites --json with a site down: data, not an error" \
    --conf "$work/down.conf" sites --json
is "sites: sited unreachable with why, the others reachable" \
    '([(s["site"], s["reachable"]) for s in d["sites"]], d["sites"][3]["error"] is not None, d["errors"])' \
    "([('sitea', True), ('siteb', True), ('sitec', True), ('sited', False)], True, [])"
doc 1 "probe --json --site sited: it does not answer" \
    --conf "$work/down.conf" probe --json --site sited -n 1 -t 1
is "probe sited: unreachable, the error names the site" \
    '(d["probe"]["reachable"], d["errors"][0]["object"], d["errors"][0]["name"], d["errors"][0]["code"])' \
    "(False, 'site', 'sited', 'HPCL_E_UNREACHABLE')"
rc_of --conf "$work/down.conf" probe --json --site sited -n 1 -t 1
same_status "probe of a site that does not answer" --conf "$work/down.conf" \
    probe --site sited -n 1 -t 1
doc 1 "status --json of a job at sited" --conf "$work/down.conf" \
    status --json sited:1
is "status sited:1: the error names the job" \
    '[(e["object"], e["name"], e["code"]) for e in d["errors"]]' \
    "[('job', 'sited:1', 'HPCL_E_UNREACHABLE')]"
doc 1 "submit --json --site sited: not submitted" \
    --conf "$work/down.conf" submit --json --site sited -n 1 -t 1 -- /bin/true
is "submit --site sited: no reference, the attempt failed, the error names the site" \
    '(d["ref"], d["decision"]["attempts"][0]["outcome"], d["errors"][0]["object"], d["errors"][0]["name"])' \
    "(None, 'failed', 'site', 'sited')"

# --- a site the site file does not have; a usage error ----------------------
doc 2 "status --json of a job at an unknown site" status --json nosuch:1
is "status nosuch:1: a usage error naming the job" \
    '[(e["object"], e["name"], e["code"]) for e in d["errors"]]' \
    "[('job', 'nosuch:1', 'usage')]"
rc_of status --json nosuch:1
same_status "status of a job at an unknown site" status nosuch:1
doc 2 "submit --json --site nosuch" submit --json --site nosuch -n 1 -- /bin/true
is "submit --site nosuch: the error names the site" \
    '(d["errors"][0]["object"], d["errors"][0]["name"])' "('site', 'nosuch')"
doc 2 "wait --json --timeout x: a usage error" wait --json --timeout x sitea:1
is "wait --timeout x: the error names the option" \
    '(d["jobs"], d["errors"][0]["object"], d["errors"][0]["name"])' \
    "(None, 'option', '--timeout')"

tap_done
