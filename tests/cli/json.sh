#!/bin/bash
# Offline: every data command's --json against doc/hpclaunch-json.schema.json
# (hpclaunch-json(7)), with tests/check-json.py: topo, plan, and, against a
# site file whose sites do not answer, submit (--dry-run, --print-script,
# a real submission), probe, sites, status, wait, cancel and jobs; usage
# errors of every command; exit statuses the same as without --json.
# Unknown or missing members fail.  No Slurm needed.  TAP.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
H=${HPCLAUNCH:-$top_builddir/cli/hpclaunch}
SCHEMA=$top_srcdir/doc/hpclaunch-json.schema.json
CHECK=$top_srcdir/tests/check-json.py
fixtures=$top_srcdir/tests/data/topo
unset HPCL_HWLOC_XMLFILE HPCLAUNCH_CONF SLURM_JOB_ID SBATCH_PARTITION
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! command -v python3 >/dev/null; then
    echo "1..1"
    echo "not ok 1 - python3 is needed to check the JSON (tests/check-json.py)"
    exit 1
fi

# jq-like reads of the last document: get PYTHON-EXPRESSION on d
get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/out" "$1" 2>&1; }

# doc WANT DESCRIPTION ARGS...: hpclaunch ARGS exits WANT, prints one
# document that the schema accepts, for the command ARGS name.
doc() {
    local want=$1 d=$2; shift 2
    "$H" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? errs
    errs=$(python3 "$CHECK" "$SCHEMA" "$tmp/out" 2>&1)
    if [ $rc -eq "$want" ] && [ -z "$errs" ]; then ok "$d"; else
        not_ok "$d (exit $rc, want $want)"
        { echo "$errs"; head -c 2000 "$tmp/out"; echo; cat "$tmp/err"; } |
            diag
    fi
}
# is DESCRIPTION EXPRESSION WANT: the last document's EXPRESSION is WANT
is() {
    local got; got=$(get "$2")
    if [ "$got" = "$3" ]; then ok "$1"; else
        not_ok "$1 (got '$got', want '$3')"; fi
}

# --- the validator itself fails on what it must --------------------------
good='{"version":2,"command":"cancel","jobs":[{"ref":"a:1","cancelled":true}],"errors":[]}'
check_doc() { printf '%s\n' "$1" | python3 "$CHECK" "$SCHEMA" >"$tmp/v" 2>&1; }
if check_doc "$good"; then ok "validator: a good document passes"; else
    not_ok "validator: a good document passes"; diag <"$tmp/v"; fi
for bad in \
    '{"version":2,"command":"cancel","jobs":[{"ref":"a:1","cancelled":true}],"errors":[],"extra":1}' \
    '{"version":2,"command":"cancel","jobs":[{"ref":"a:1"}],"errors":[]}' \
    '{"version":2,"command":"cancel","errors":[]}' \
    '{"version":1,"command":"cancel","jobs":null,"errors":[]}' \
    '{"version":2,"command":"status","jobs":[{"ref":"a:1","state":"RUNNING","reason":"","nodes":null,"exit_code":-1}],"errors":[]}' \
    '{"version":2,"command":"cancel","jobs":null,"errors":[{"object":"job","name":null,"code":"nojob","message":"x"}]}' \
    '{"version":2,"command":"frobnicate","errors":[]}' \
    '[{"ref":"a:1","state":"RUNNING"}]'; do
    if check_doc "$bad"; then not_ok "validator refuses $bad"; else
        ok "validator refuses ${bad:0:60}..."; fi
done

# --- the members each command prints are the schema's ---------------------
python3 - "$top_srcdir/cli/json_doc.c" "$SCHEMA" >"$tmp/v" 2>&1 <<'EOF'
import json, re, sys
src = open(sys.argv[1]).read()
schema = json.load(open(sys.argv[2]))
table = re.findall(r'\{"(\w+)",\s*\{([^}]*)\}\}', src)
bad = 0
for cmd, members in table:
    mine = re.findall(r'"(\w+)"', members)
    want = [m for m in schema["$defs"]["doc_" + cmd]["required"]
             if m not in ("version", "command", "errors")]
    if mine != want:
        print("%s: cli/json_doc.c has %s, the schema %s" % (cmd, mine, want))
        bad = 1
if len(table) != 9:
    print("cli/json_doc.c: %d commands in its layout, not 9" % len(table))
    bad = 1
sys.exit(bad)
EOF
if [ $? -eq 0 ]; then ok "cli/json_doc.c's members are the schema's, in order"
else not_ok "cli/json_doc.c's members are the schema's"; diag <"$tmp/v"; fi

# --- topo and plan -----------------------------------------------------------
doc 0 "topo --json of this machine" topo --json
is "topo --json: command" 'd["command"]' topo
doc 0 "topo --json of a GPU fixture" topo --json \
    --topology "$fixtures/gpu-edge-cases.xml"
is "topo --json: GPU count" 'd["topology"]["gpu_count"]' 4
doc 0 "topo --json of MI300A partitions" topo --json \
    --topology "$fixtures/mi300a-cpx.xml"
doc 0 "plan --json" plan --json -n 4 --gpus-per-task 1 \
    --topology "$fixtures/gpu-edge-cases.xml"
is "plan --json: the plan's own version" 'd["plan"]["version"]' 2
is "plan --json: gpu_count, not gpus, counts" \
    'd["plan"]["topology"]["gpu_count"]' 4
is "plan --json: tasks" 'len(d["plan"]["tasks"])' 4
doc 1 "topo --json: unreadable topology is a library error" topo --json \
    --topology "$tmp/none.xml"
is "topo --json: the error names the file" \
    '(d["errors"][0]["object"], d["errors"][0]["name"].endswith("none.xml"), d["errors"][0]["code"], d["topology"])' \
    "('file', True, 'HPCL_E_TOPOLOGY', None)"
doc 1 "plan --json: a plan that does not fit" plan --json -n 64 -c 8 \
    --topology "$fixtures/gpu-edge-cases.xml"
is "plan --json: the error's code" 'd["errors"][0]["code"]' HPCL_E_PLAN

# --- usage errors, for every data command ------------------------------------
for cmd in submit status wait cancel probe sites jobs topo plan; do
    doc 2 "$cmd --json --no-such-option: a usage error, as JSON" \
        "$cmd" --json --no-such-option
    is "$cmd: the error names the option" \
        '(d["command"], d["errors"][0]["object"], d["errors"][0]["name"], d["errors"][0]["code"])' \
        "('$cmd', 'option', '--no-such-option', 'usage')"
    "$H" "$cmd" --no-such-option >/dev/null 2>&1
    rc=$?
    if [ $rc -eq 2 ]; then ok "$cmd: the same exit status without --json"
    else not_ok "$cmd: exit $rc without --json, not 2"; fi
done
doc 2 "an unknown command under --json" frobnicate --json
is "unknown command: command null, the error names it" \
    '(d["command"], d["errors"][0]["object"], d["errors"][0]["name"])' \
    "(None, 'command', 'frobnicate')"
doc 2 "status --json with no job" status --json
is "status --json with no job: jobs null" 'd["jobs"]' None
doc 2 "plan --json with no task count" plan --json
"$H" status --json --help >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^usage: hpclaunch status' "$tmp/out" &&
    ! grep -q '^{' "$tmp/out"; then
    ok "status --json --help is the help text, not a document"
else
    not_ok "status --json --help is the help text (exit $rc)"; diag <"$tmp/out"
fi

# --- sites that do not answer -------------------------------------------------
# ha: a controller on a closed port; hb: slurmrestd on a closed port.
printf 'ClusterName=ha\nSlurmctldHost=localhost\nSlurmctldPort=1\n' \
    >"$tmp/slurm.conf"
echo token >"$tmp/token" && chmod 600 "$tmp/token"
cat >"$tmp/sites.conf" <<EOF
[defaults]
home = ha
max_wait = 2m
timeout = 2s
journal = $tmp/journal

[site ha]
driver = slurm
slurm_conf = $tmp/slurm.conf

[site hb]
driver = slurmrestd
url = http://127.0.0.1:9
token_file = $tmp/token
user = root
EOF
export HPCLAUNCH_CONF=$tmp/sites.conf

doc 1 "submit --dry-run --json: no site answers" \
    submit --dry-run --json -n 1 -t 5 -- true
is "dry run: ref and key null, dry_run true, no chosen site" \
    '(d["ref"], d["key"], d["dry_run"], d["decision"]["chosen"])' \
    "(None, None, True, None)"
is "dry run: both sites unreachable, with why" \
    '[(s["site"], s["reachable"], s["probe"], s["error"] is not None) for s in d["decision"]["sites"]]' \
    "[('ha', False, 'failed', True), ('hb', False, 'failed', True)]"
is "dry run: the error" 'd["errors"][0]["code"]' HPCL_E_NOBACKEND
doc 1 "submit --json: nothing submitted" submit --json -n 1 -t 5 -- true
is "submit --json: ref null, decision with attempts" \
    '(d["ref"], d["job"], d["timed_out"], type(d["decision"]["attempts"]).__name__)' \
    "(None, None, None, 'list')"
doc 1 "submit --wait --json: nothing submitted, nothing waited for" \
    submit --wait --timeout 2 --json -n 1 -t 5 -- true
doc 0 "submit --print-script --json" submit --print-script --json -n 2 \
    -t 5 -- ./app "an arg"
is "the script is a member" 'd["script"].startswith("#!")' True
doc 2 "submit --json --site nosuch: a usage error naming the site" \
    submit --json --site nosuch -n 1 -- true
is "submit --site nosuch: object site" \
    '(d["errors"][0]["object"], d["errors"][0]["name"])' "('site', 'nosuch')"

doc 1 "probe --json: home does not answer" probe --json -n 1 -t 5
is "probe: the site object says so, the error names the site" \
    '(d["probe"]["site"], d["probe"]["reachable"], d["errors"][0]["object"], d["errors"][0]["name"], d["errors"][0]["code"])' \
    "('ha', False, 'site', 'ha', 'HPCL_E_UNREACHABLE')"
doc 1 "probe --json --site hb: slurmrestd does not answer" \
    probe --json --site hb -n 1 -t 5
doc 2 "probe --json --site nosuch: a usage error" probe --json --site nosuch
is "probe --site nosuch: probe null, error names the site" \
    '(d["probe"], d["errors"][0]["object"], d["errors"][0]["name"])' \
    "(None, 'site', 'nosuch')"

doc 0 "sites --json: sites down are data, not errors" sites --json
is "sites: both unreachable, errors empty" \
    '([s["reachable"] for s in d["sites"]], d["errors"], d["file"].endswith("sites.conf"))' \
    "([False, False], [], True)"

doc 1 "status --json of jobs at sites that do not answer" \
    status --json ha:1 hb:2
is "status: no job, one error per job, naming it" \
    '(d["jobs"], [(e["object"], e["name"]) for e in d["errors"]])' \
    "([], [('job', 'ha:1'), ('job', 'hb:2')])"
doc 2 "status --json of a reference to an unknown site" status --json zz:1
is "status zz:1: a usage error naming the job" \
    '[(e["object"], e["name"], e["code"]) for e in d["errors"]]' \
    "[('job', 'zz:1', 'usage')]"
doc 1 "wait --json --timeout 1 of a job at a site that does not answer" \
    wait --json --timeout 1 ha:1
is "wait: jobs empty, not timed out, the error" \
    '(d["jobs"], d["timed_out"], d["errors"][0]["name"])' "([], False, 'ha:1')"
doc 1 "cancel --json of a job at a site that does not answer" \
    cancel --json ha:1
is "cancel: the job, not cancelled, and why" \
    '(d["jobs"], d["errors"][0]["code"])' \
    "([{'ref': 'ha:1', 'cancelled': False}], 'HPCL_E_UNREACHABLE')"
doc 0 "jobs --json: the journal (no site took a job: empty)" jobs --json
is "jobs: a list, no error" '(d["jobs"], d["errors"])' "([], [])"
doc 0 "jobs --json --prune 1d" jobs --json --prune 1d
is "jobs --prune: pruned is a count, jobs null" '(d["pruned"], d["jobs"])' \
    "(0, None)"
doc 1 "jobs --json --resubmit of an unknown key" jobs --json --resubmit \
    no-such-key
is "jobs --resubmit: the error names the job key" \
    '(d["resubmitted"], d["errors"][0]["object"], d["errors"][0]["name"])' \
    "(None, 'job', 'no-such-key')"
doc 1 "status --json with a site file that does not exist" \
    --conf "$tmp/none.conf" status --json ha:1
is "missing site file: the error names the file" \
    '(d["errors"][0]["object"], d["errors"][0]["name"] == "'"$tmp/none.conf"'")' \
    "('file', True)"

tap_done
