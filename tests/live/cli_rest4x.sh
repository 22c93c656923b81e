#!/bin/bash
# Live: site C (Slurm 24.11, slurmrestd serving data_parser v0.0.40, v0.0.41
# and v0.0.42) through the REST driver, with api_version = auto (the site
# file dev/cluster writes) and pinned to each version:
#   - the version negotiated and the Slurm release, in sites and --explain;
#   - submit/status/wait/cancel of jobs that complete, exit 3, are killed by
#     SIGKILL and are cancelled: state and exit code as hpclaunch shows them
#     for libslurm (128 + signal), checked against 24.11's scontrol;
#   - cancel of an unknown job is an error; a pinned version the site does
#     not serve is an error naming what it serves;
#   - held jobs compared field by field with what 24.11's sbatch creates for
#     the same options (the hybrid -N 2 -n 4 -c 2 and others);
#   - exactly once: a proxy that loses the answer to a submit (find-by-key),
#     and SIGKILL at random points during submit.
# Every job submitted here is cancelled at the end.
. "$(dirname "$0")/tap.sh"
here=$(cd "$(dirname "$0")" && pwd)
H=$HPCLAUNCH
CONF=$HPCL_DEV_DIR/hpclaunch.conf
RUN=${HPCL_DEV_SITEC_RUN:-}
work=$HPCL_DEV_WORK/cli_rest4x.$$
mkdir -p "$work" && cd "$work" || exit 1
export HPCLAUNCH_CONF=$CONF HPCLAUNCH_JOURNAL=$work/journal
unset "${!SBATCH_@}"
refs=() sids=() proxy=""

if [ -z "$RUN" ] || [ -z "${HPCL_DEV_SITEC_URL:-}" ]; then
    echo "1..1"
    echo "not ok 1 - no site C in $HPCL_DEV_DIR/env.sh (HPCL_DEV_SITEC_RUN, HPCL_DEV_SITEC_URL): restart the dev cluster"
    exit 1
fi

cleanup() {
    [ -n "$proxy" ] && kill "$proxy" 2>/dev/null
    mapfile -t more < <("$H" jobs --json 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin)["jobs"]:
    if e["ref"]: print(e["ref"])' 2>/dev/null)
    "$H" cancel "${refs[@]}" "${more[@]}" >/dev/null 2>&1
    ((${#sids[@]})) && "$RUN" scancel "${sids[@]}" >/dev/null 2>&1
}
trap cleanup EXIT

# json FIELD < JSON: a field (a.b.0.c) of a JSON document
json() { python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print("" if v is None else v)' "$1" 2>/dev/null; }

# site_field NAME FIELD < JSON: a field of one site of sites --json or a decision
site_field() { python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d.get("decision", d)
for s in d["sites"]:
    if s["site"] == sys.argv[1]:
        print(s.get(sys.argv[2]) or "")' "$1" "$2" 2>/dev/null; }

# keys_at_c NAME: "key id" of site C's jobs called NAME (not cancelled)
keys_at_c() { python3 - "$1" <<'EOF'
import json, os, re, sys, urllib.request
req = urllib.request.Request(os.environ["HPCL_DEV_SITEC_URL"] + "/slurm/v0.0.42/jobs/")
req.add_header("X-SLURM-USER-TOKEN",
               open(os.environ["HPCL_DEV_SITEC_TOKEN_FILE"]).read().strip())
for j in json.load(urllib.request.urlopen(req, timeout=10))["jobs"]:
    m = re.search(r"hpcl-key=(hpcl-[0-9a-f]{32})", j.get("comment") or "")
    if j.get("name") == sys.argv[1] and m and "CANCELLED" not in j["job_state"]:
        print(m.group(1), j["job_id"])
EOF
}

# field ID NAME: one Key=Value field of 24.11's 'scontrol -o show job'
field() {
    "$RUN" scontrol -o show job "$1" 2>/dev/null | head -n 1 | tr ' ' '\n' |
        sed -n "s/^$2=//p"
}

# --- the version each site speaks ---------------------------------------------
out=$("$H" sites --json)
echo "$out" | diag
api=$(site_field sitec api_version <<<"$out")
rel=$(site_field sitec slurm_release <<<"$out")
check "sites: C answers" [ "$(site_field sitec probe <<<"$out")" = ok ]
check "sites: C speaks v0.0.42 (auto: the newest it serves)" [ "$api" = v0.0.42 ]
check "sites: C runs Slurm 24.11 ($rel)" grep -q '^24\.11\.' <<<"$rel"
check "sites: B speaks v0.0.38, Slurm 22.05" \
    [ "$(site_field siteb api_version <<<"$out") $(site_field siteb slurm_release <<<"$out" | cut -c1-5)" = "v0.0.38 22.05" ]
echo "negotiated: sitec $api (Slurm $rel), siteb $(site_field siteb api_version <<<"$out")" | diag
table=$("$H" sites)
check "sites table: C's line shows API and release" \
    grep -qE "^sitec +slurmrestd +v0\.0\.42 +24\.11\." <<<"$table"
# C as home: its answer is the one the decision waits for (another
# site's probe may be "not needed" once home answered).
sed 's/^home = .*/home = sitec/' "$CONF" >"$work/homec.conf"
"$H" submit --conf "$work/homec.conf" --dry-run --explain -n1 -t1 \
    -- /bin/true >"$work/explain" 2>&1
check "--explain names C's API and release" \
    grep -q "sitec (slurmrestd v0.0.42, Slurm 24.11" "$work/explain"

# --- a pinned version the site does not serve -----------------------------------
sed '/^\[site sitec\]/a api_version = v0.0.38' "$CONF" >"$work/pin38.conf"
e=$("$H" status --conf "$work/pin38.conf" sitec:1 2>&1); rc=$?
echo "$e" | diag
check "pinned v0.0.38 at C: exit 1" [ $rc -eq 1 ]
check "pinned v0.0.38 at C: the error names site, version and what C serves" \
    grep -q "site sitec: api_version = v0.0.38 is not served .*(it serves: v0.0.42, v0.0.41, v0.0.40)" <<<"$e"

# --- jobs that end every way, for each version -----------------------------------
# ended REF STATE EXIT:SIGNAL WAITRC: status and wait of an ended job
# (EXIT:SIGNAL as Slurm's ExitCode: 0:9 for a job killed by SIGKILL)
ended() {
    local ref=$1 st=$2 ex=$3 wrc=$4 s
    "$H" wait --timeout 60 "$ref" >/dev/null 2>&1
    check "$v: wait $ref ends with exit status $wrc" [ $? -eq "$wrc" ]
    s=$("$H" status --json "$ref")
    echo "$s" | diag
    check "$v: status $ref: $st" [ "$(json jobs.0.state <<<"$s")" = "$st" ]
    check "$v: status $ref: exit code:signal $ex" \
        [ "$(json jobs.0.exit_code <<<"$s"):$(json jobs.0.signal <<<"$s")" = "$ex" ]
}
for v in auto v0.0.40 v0.0.41; do
    c=$work/$v.conf
    if [ $v = auto ]; then cp "$CONF" "$c"; else sed "/^\[site sitec\]/a api_version = $v" "$CONF" >"$c"; fi
    S=("$H" submit --conf "$c" --site sitec --parsable -n1 -t1 -D "$work")
    r_ok=$("${S[@]}" -J r4_ok -- /bin/true)
    r_3=$("${S[@]}" -J r4_exit3 --wrap 'exit 3')
    r_9=$("${S[@]}" -J r4_kill9 --wrap 'kill -9 $$')
    r_c=$("${S[@]}" -J r4_cancel -- /bin/sleep 300)
    refs+=("$r_ok" "$r_3" "$r_9" "$r_c")
    check "$v: four submits give sitec refs" \
        bash -c '[[ "$1 $2 $3 $4" =~ ^sitec:[0-9]+\ sitec:[0-9]+\ sitec:[0-9]+\ sitec:[0-9]+$ ]]' _ \
        "$r_ok" "$r_3" "$r_9" "$r_c"
    export HPCLAUNCH_CONF=$c
    check "$v: the sleeping job runs" wait_state "$r_c" RUNNING 30
    check "$v: cancel of a running job exits 0" "$H" cancel "$r_c"
    ended "$r_ok" COMPLETED 0:0 0
    ended "$r_3" FAILED 3:0 3
    ended "$r_9" FAILED 0:9 3
    # A cancel kills the job's shell with SIGTERM (143), or the shell
    # ends first on the signal its child got (Slurm records its status):
    # the code must be what 24.11 recorded.
    ended "$r_c" CANCELLED "$(field "${r_c#sitec:}" ExitCode)" 3
    check "$v: 24.11 says job ${r_9#sitec:} died of signal 9 (ExitCode 0:9)" \
        [ "$(field "${r_9#sitec:}" ExitCode)" = 0:9 ]
    check "$v: 24.11 says job ${r_3#sitec:} exited 3 (ExitCode 3:0)" \
        [ "$(field "${r_3#sitec:}" ExitCode)" = 3:0 ]
    check "$v: cancel of an ended job is not an error" "$H" cancel "$r_ok"
    e=$("$H" cancel sitec:987654 2>&1); rc=$?
    echo "$e" | diag
    check "$v: cancel of an unknown job at C exits 1" [ $rc -eq 1 ]
    check "$v: ... and says the job was not found" grep -q "sitec:987654 not found" <<<"$e"
    e=$("$H" status sitec:987654 2>&1); rc=$?
    check "$v: status of an unknown job at C exits 1, not found" \
        bash -c '[ "$1" -eq 1 ] && grep -q "not found" <<<"$2"' _ "$rc" "$e"
    export HPCLAUNCH_CONF=$CONF
done

# --- probe ---------------------------------------------------------------------
p=$("$H" probe --site sitec -N 2 -n 2 -t 1 --json)
echo "$p" | diag
check "probe at C: partition batch (its only one: no default flag in v0.0.4x)" \
    [ "$(json probe.partition <<<"$p")" = batch ]
check "probe at C: 2 nodes in all" [ "$(json probe.total_nodes <<<"$p")" = 2 ]
check "probe at C: an idle site starts now" [ "$(json probe.wait_seconds <<<"$p")" = 0 ]

# --- the same job as 24.11's sbatch makes ---------------------------------------
FIELDS=(NumNodes NumCPUs NumTasks CPUs/Task MinCPUsNode NtasksPerN:B:S:C ReqTRES
        TresPerTask TresPerNode TresPerJob TresBind MinMemoryNode MinMemoryCPU
        TimeLimit Partition OverSubscribe Contiguous ArrayTaskId
        ArrayTaskThrottle BeginTime MailType MailUser Features Dependency
        JobName)
dep=$("$RUN" sbatch --parsable -H -J r4_dep -t 1 --wrap true 2>/dev/null)
[[ $dep =~ ^[0-9]+$ ]] && sids+=("$dep")
SETS=(
    "-N 2 -n 4 -c 2"
    "-n 1"
    "-n 4"
    "-N 2"
    "-N 1-2 -n 4"
    "-c 4 -n 2"
    "-N 2 --ntasks-per-node 4"
    "-n 2 --gpus-per-task 1"
    "-N 2 --gpus-per-node 2"
    "-G 3"
    "--gres=gpu:1 -N 2"
    "--exclusive"
    "--exclusive -N 2 -n 4"
    "--mem 2000"
    "--mem-per-cpu 100 -n 4"
    "-t 1-2:30"
    "-t UNLIMITED"
    "-a 0-3%2"
    "--begin=2027-01-05T10:00:00"
    "--mail-type=END,FAIL --mail-user=ops@example.org"
    "-c 3 -n 5"
    "--ntasks-per-node=2 -c 4 -N 1-2"
    "--mem=0"
    "--mem=2G -n 2"
    "-t 30:15"
    "--array=1,3,5-7%1 -t 5"
    "-C fast"
    "-C fast|slow -n 2"
    "-d afterok:@DEP@"
    "-d singleton -J r4-single"
    "--mail-type=ALL"
    "--signal=USR1@60"
    "--signal=B:TERM@120 -t 10"
    "-N 2 -n 4 -c 2 --gpus-per-task 1 --mem-per-cpu 500 -t 1:30:00 --exclusive"
)
set -f   # option values such as 'fast|slow' are not globs
for set in "${SETS[@]}"; do
    set=${set//@DEP@/$dep}
    read -ra opts <<<"$set"
    # Both name the job alike unless the set does: sbatch --wrap "wrap".
    [[ " $set " == *" -J "* ]] || opts+=(-J r4-diff)
    sid=$("$RUN" sbatch --parsable -H "${opts[@]}" --wrap true 2>"$work/err")
    sid=${sid%%;*}
    ref=$("$H" submit --site sitec -H --parsable "${opts[@]}" -- /bin/true 2>>"$work/err")
    hid=${ref#sitec:}
    [[ $sid =~ ^[0-9]+$ ]] && sids+=("$sid")
    [[ $ref == sitec:* ]] && refs+=("$ref")
    if ! [[ $sid =~ ^[0-9]+$ && $hid =~ ^[0-9]+$ ]]; then
        not_ok "sitec [$set]: sbatch gave '$sid', hpclaunch '$ref': $(tr '\n' ' ' <"$work/err")"
        continue
    fi
    a=$("$RUN" scontrol -o show job "$sid" | head -n 1 | tr ' ' '\n')
    b=$("$RUN" scontrol -o show job "$hid" | head -n 1 | tr ' ' '\n')
    diffs=()
    for f in "${FIELDS[@]}"; do
        x=$(sed -n "s|^$f=||p" <<<"$a") y=$(sed -n "s|^$f=||p" <<<"$b")
        [ "$x" = "$y" ] || diffs+=("$f: sbatch=${x:-(absent)} hpclaunch=${y:-(absent)}")
    done
    if ((${#diffs[@]} == 0)); then
        ok "sitec [$set]: the job equals 24.11 sbatch's in ${#FIELDS[@]} fields"
    else
        not_ok "sitec [$set]: $(IFS=';'; echo "${diffs[*]}")"
    fi
done
set +f

# --- exactly once: a site that loses the answer to a submit --------------------
for mode in drop delay; do
    python3 "$here/slow_proxy.py" 0 "${HPCL_DEV_SITEC_URL##*:}" "$mode" "$work/port" &
    proxy=$!
    for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
    python3 - "$CONF" "$(cat "$work/port")" >"$work/slow.conf" <<'EOF'
import sys
sec = None
for line in open(sys.argv[1]):
    if line.startswith("["):
        sec = line.strip()
    if sec == "[site sitec]" and line.startswith("url = "):
        line = "url = http://127.0.0.1:%s\n" % sys.argv[2]
    if line.startswith("timeout = "):
        line = "timeout = 3s\n"
    sys.stdout.write(line)
EOF
    out=$("$H" submit --conf "$work/slow.conf" --site sitec --json -H -n1 -t1 \
        -J "r4_slow_$mode" -- /bin/true 2>"$work/slow.err")
    kill "$proxy"; wait "$proxy" 2>/dev/null; proxy=""; rm -f "$work/port"
    ref=$(json ref <<<"$out") key=$(json key <<<"$out"); refs+=("$ref")
    diag <"$work/slow.err"
    check "slow site C ($mode): the submit succeeds ($ref)" [ -n "$ref" ]
    check "slow site C ($mode): the job was adopted by its key" \
        [ "$(json decision.attempts.0.outcome <<<"$out")" = adopted ]
    n=$(keys_at_c "r4_slow_$mode" | grep -c "^$key ")
    check "slow site C ($mode): exactly one job with key $key at C" [ "$n" -eq 1 ]
done

# --- SIGKILL at random points during submit to C, 30 times ----------------------
export HPCLAUNCH_JOURNAL=$work/kill.journal
for i in $(seq 30); do
    "$H" submit --site sitec -H -n1 -t1 -J "r4_kill_$$" -- /bin/true >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$(printf '%02d' $((RANDOM % 31)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
"$H" jobs --json >"$work/kill.json"
python3 - "$work/kill.json" >"$work/kill.summary" <<'EOF'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
print(len(jobs), sum(1 for j in jobs if j["journal_state"] in
                     ("active", "ended", "not submitted", "lost")))
for j in jobs:
    print(j["key"], j["site"], j["id"] or 0, j["journal_state"])
EOF
read -r total settled <"$work/kill.summary"
echo "journal: $total jobs, $settled settled" | diag
check "SIGKILL x30 at C: every journal job is found, not submitted, or lost" \
    test "$total" -gt 0 -a "$total" -eq "$settled"
keys_at_c "r4_kill_$$" | sed 's/$/ sitec/' >"$work/at_c"
check "SIGKILL x30 at C: no key exists twice" \
    [ -z "$(awk '{print $1}' "$work/at_c" | sort | uniq -d)" ]
missing=$(awk 'NR == FNR {j[$1 " " $3] = $4; next} j[$1 " " $2] != "active"' \
    <(tail -n +2 "$work/kill.summary") "$work/at_c")
check "SIGKILL x30 at C: every job at C is in the journal as active" [ -z "$missing" ]
echo "$missing" | diag
mapfile -t -O "${#refs[@]}" refs < <(awk '{print $3 ":" $2}' "$work/at_c")
export HPCLAUNCH_JOURNAL=$work/journal

echo "site C: API $api (Slurm $rel); $tap_n checks" | diag
[ "$tap_failed" -eq 0 ] && rm -rf "$work"
tap_done
