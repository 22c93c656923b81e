#!/bin/bash
# Live: cross-site submission on the dev cluster (site A through libslurm,
# site B through slurmrestd): the choice, dead sites, a site that loses the
# answer, SIGKILL during submit, tokens and site-file errors.  Every job
# submitted here is cancelled at the end, and every daemon stopped here is
# started again, whatever happened.
. "$(dirname "$0")/tap.sh"
here=$(cd "$(dirname "$0")" && pwd)
work=$HPCL_DEV_WORK/cli_sites.$$
mkdir -p "$work"
H=$HPCLAUNCH
# The dev cluster's site file without site C: this test is about A and B
# ("A full: the job lands on B"; the token edits below are meant for B's
# token), and site C must not take B's place in its decisions.
CONF=$work/hpclaunch.conf
awk '/^\[/ {skip = ($0 == "[site sitec]")} !skip' "$HPCL_DEV_DIR/hpclaunch.conf" >"$CONF"
export HPCLAUNCH_CONF=$CONF HPCLAUNCH_JOURNAL=$work/journal
refs=() proxy=""
stopped=()

cleanup() {
    local d
    for d in "${stopped[@]}"; do start "$d"; done
    [ -n "$proxy" ] && kill "$proxy" 2>/dev/null
    # Everything this test's journal knows of, and the fill jobs.
    mapfile -t more < <("$H" jobs --json 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin)["jobs"]:
    if e["ref"]: print(e["ref"])' 2>/dev/null)
    "$H" cancel "${refs[@]}" "${more[@]}" >/dev/null 2>&1
    # Jobs whose submit was killed before the journal had their id: by
    # name, so that no held job of this test outlives it.
    local c
    for c in "$HPCL_DEV_SITEA_CONF" "$HPCL_DEV_SITEB_CONF"; do
        SLURM_CONF=$c squeue -h -o '%i %j' 2>/dev/null |
            awk '$2 ~ /^sites_/ {print $1}' | xargs -r env SLURM_CONF="$c" scancel
    done
}
top=$(cd "$here/../.." && pwd)
trap cleanup EXIT
# Daemons are started from / : they keep the folder they start in, and
# $work is removed at the end.
stop() { stopped+=("$1"); (cd / && bash "$top/dev/cluster" stop-daemon "$1" >/dev/null 2>&1); }
start() { (cd / && bash "$top/dev/cluster" start-daemon "$1" >/dev/null 2>&1); }

# json FIELD... < JSON: print a field of a JSON document (a.b.0.c).
json() { python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print("" if v is None else v)' "$1" 2>/dev/null; }

# site_of JSON_DECISION NAME FIELD: a field of one site of a decision.
site_field() { python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d.get("decision", d)
for s in d["sites"]:
    if s["site"] == sys.argv[1]:
        print("" if s.get(sys.argv[2]) is None else s[sys.argv[2]])' "$1" "$2" 2>/dev/null; }

# keys_at_b NAME: "key id" of site B's jobs called NAME, from REST /jobs.
keys_at_b() { python3 - "$1" <<'EOF'
import json, os, re, sys, urllib.request
req = urllib.request.Request(os.environ["HPCL_DEV_SITEB_URL"] + "/slurm/v0.0.38/jobs")
req.add_header("X-SLURM-USER-NAME", "root")
req.add_header("X-SLURM-USER-TOKEN",
               open(os.environ["HPCL_DEV_SITEB_TOKEN_FILE"]).read().strip())
for j in json.load(urllib.request.urlopen(req, timeout=10))["jobs"]:
    m = re.search(r"hpcl-key=(hpcl-[0-9a-f]{32})", j.get("comment") or "")
    if j.get("name") == sys.argv[1] and m and j["job_state"] not in ("CANCELLED",):
        print(m.group(1), j["job_id"])
EOF
}
# keys_at_a NAME: the same for site A, from squeue --Format=comment.
keys_at_a() {
    SLURM_CONF=$HPCL_DEV_SITEA_CONF squeue -h -t all -n "$1" -O "JobID:12,StateCompact:4,Comment:80" |
        awk '$2 != "CA" {if (match($0, /hpcl-key=hpcl-[0-9a-f]+/)) print substr($0, RSTART + 9, 37), $1}'
}

# contains TEXT STRING...: TEXT holds every STRING.
contains() {
    local t=$1 p
    shift
    for p; do grep -qF -- "$p" <<<"$t" || return 1; done
}

cd "$work" || exit 1

# --- both sites up ------------------------------------------------------------
out=$("$H" sites --json)
echo "$out" | diag
check "sites: A answers" [ "$(site_field sitea probe <<<"$out")" = ok ]
check "sites: B answers" [ "$(site_field siteb probe <<<"$out")" = ok ]

# --- A idle: the job stays home -----------------------------------------------
out=$("$H" submit --json -H -n1 -t1 -J sites_idle -- /bin/true)
ref=$(json ref <<<"$out"); refs+=("$ref")
check "A idle: the job stays on A ($ref)" grep -q '^sitea:' <<<"$ref"
check "A idle: rule home" [ "$(json decision.rule <<<"$out")" = home ]

# --- A saturated: the job lands on B and runs there -----------------------------
for i in 1 2 3 4; do
    r=$("$H" submit --parsable --site sitea --exclusive -N1 -t 10 -J sites_fill -- /bin/sleep 600)
    refs+=("$r")
done
for r in "${refs[@]:1}"; do wait_state "$r" RUNNING 30; done
out=$("$H" submit --json --explain --wait --timeout 120 -N2 -n2 -t 2 -J sites_b \
    -o "$work/b.out" -- /bin/hostname 2>"$work/explain")
ref=$(json ref <<<"$out"); refs+=("$ref")
diag <"$work/explain"
check "A full: the job lands on B ($ref)" grep -q '^siteb:' <<<"$ref"
check "A full: rule earliest" [ "$(json decision.rule <<<"$out")" = earliest ]
check "A full: the job completed" [ "$(json job.state <<<"$out")" = COMPLETED ]
check "A full: its output names b1 and b2" \
    bash -c "grep -qx b1 '$work/b.out' && grep -qx b2 '$work/b.out'"
check "--explain says A is saturated" grep -q "saturated" "$work/explain"

# --- B's slurmrestd stopped: the decision says why B was skipped ---------------
stop siteb-restd
out=$("$H" submit --dry-run --json -n1 -t1 -- /bin/true)
echo "$out" | diag
check "B stopped: B failed in the decision" [ "$(site_field siteb probe <<<"$out")" = failed ]
why=$(site_field siteb error <<<"$out")
check "B stopped: the reason names slurmrestd and its URL" \
    contains "$why" slurmrestd "$HPCL_DEV_SITEB_URL"
start siteb-restd; stopped=()
"$H" cancel "${refs[@]:1:4}" >/dev/null
for r in "${refs[@]:1:4}"; do wait_state "$r" CANCELLED 20; done

# --- A's slurmctld stopped: the job goes to B, quickly ---------------------------
stop sitea-ctld
t0=$(date +%s.%N)
out=$("$H" submit --json -H -n1 -t1 -J sites_adown -- /bin/true)
t1=$(date +%s.%N)
ref=$(json ref <<<"$out"); refs+=("$ref")
start sitea-ctld; stopped=()
echo "$out" | diag
check "A down: the job goes to B ($ref)" grep -q '^siteb:' <<<"$ref"
check "A down: the decision says A did not answer" \
    grep -q "not reachable" <<<"$(site_field sitea error <<<"$out")"
wall=$(json decision.wall_seconds <<<"$out")
check "A down: probes took ${wall}s, at most one probe timeout (1 s)" \
    python3 -c "import sys; sys.exit(not float('$wall') < 1.5)"
check "A down: the whole submit took under 3 s" \
    python3 -c "import sys; sys.exit(not $t1 - $t0 < 3)"

# --- a site that loses the answer to a submit: exactly one job ------------------
for mode in drop delay; do
    python3 "$here/slow_proxy.py" 0 "${HPCL_DEV_SITEB_URL##*:}" "$mode" "$work/port" &
    proxy=$!
    for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
    sed -e "s|^url = .*|url = http://127.0.0.1:$(cat "$work/port")|" \
        -e "s|^timeout = .*|timeout = 3s|" "$CONF" >"$work/slow.conf"
    out=$("$H" submit --conf "$work/slow.conf" --site siteb --json -H -n1 -t1 \
        -J "sites_slow_$mode" -- /bin/true 2>"$work/slow.err")
    kill "$proxy"; wait "$proxy" 2>/dev/null; proxy=""; rm -f "$work/port"
    ref=$(json ref <<<"$out") key=$(json key <<<"$out"); refs+=("$ref")
    cat "$work/slow.err" | diag
    check "slow site ($mode): the submit succeeds ($ref)" [ -n "$ref" ]
    check "slow site ($mode): the job was adopted by its key" \
        [ "$(json decision.attempts.0.outcome <<<"$out")" = adopted ]
    n=$(keys_at_b "sites_slow_$mode" | grep -c "^$key ")
    check "slow site ($mode): exactly one job with key $key at B" [ "$n" -eq 1 ]
    check "slow site ($mode): the journal says ADOPTED ${ref#siteb:}" \
        grep -q "ADOPTED key=$key site=siteb id=${ref#siteb:} " "$HPCLAUNCH_JOURNAL"
done

# --- SIGKILL at random points during submit, 50 times ---------------------------
export HPCLAUNCH_JOURNAL=$work/kill.journal
for i in $(seq 50); do
    site=sitea; [ $((i % 2)) -eq 0 ] && site=siteb
    "$H" submit --site "$site" -H -n1 -t1 -J "sites_kill_$$" -- /bin/true >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$(printf '%02d' $((RANDOM % 31)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
# An entry its site cannot settle now (a site busy past its timeout) is
# left "unresolved", for a later jobs: asked again, up to 4 times.
for try in 1 2 3 4; do
    "$H" jobs --json >"$work/kill.json"
    python3 - "$work/kill.json" >"$work/kill.summary" <<'EOF'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
print(len(jobs), sum(1 for j in jobs if j["journal_state"] in
                     ("active", "ended", "not submitted", "lost")))
for j in jobs:
    print(j["key"], j["site"], j["id"] or 0, j["journal_state"],
          (j.get("error") or "").replace("\n", " "))
EOF
    read -r total settled < "$work/kill.summary"
    echo "jobs, try $try: $total journal entries, $settled settled" | diag
    # the entries not settled, and why
    awk 'NR > 1 && $4 != "active" && $4 != "ended" && $4 != "lost" &&
         !($4 == "not" && $5 == "submitted")' "$work/kill.summary" | diag
    [ "$total" -eq "$settled" ] && break
    sleep 10
done
check "SIGKILL x50: every journal job is found at its site, not submitted, or lost" \
    test "$total" -gt 0 -a "$total" -eq "$settled"
{ keys_at_a "sites_kill_$$" | sed 's/$/ sitea/'; keys_at_b "sites_kill_$$" | sed 's/$/ siteb/'; } >"$work/at_sites"
check "SIGKILL x50: no key exists twice across the sites" \
    [ -z "$(awk '{print $1}' "$work/at_sites" | sort | uniq -d)" ]
missing=$(awk 'NR == FNR {j[$1 " " $3] = $4; next} j[$1 " " $2] != "active"' \
    <(tail -n +2 "$work/kill.summary") "$work/at_sites")
check "SIGKILL x50: every job at a site is in the journal as active" [ -z "$missing" ]
echo "$missing" | diag
mapfile -t -O "${#refs[@]}" refs < <(awk '{print $3 ":" $2}' "$work/at_sites")
export HPCLAUNCH_JOURNAL=$work/journal

# --- a controller crash loses an acknowledged job: reported lost, resubmitted --
# slurmctld saves its state at most every 5 s after acknowledging a submit
# (measured on 22.05): SIGKILL right after the submit loses the job,
# unless a save came in between: a submit when none came in the last 5 s
# is saved at once, so a held job goes first (its save starts the 5 s).
# Then again, 3 times.
for try in 1 2 3; do
    refs+=("$("$H" submit --site sitea -H -n1 -t1 -J sites_lost_first \
        -- /bin/true | sed -n 's/^Submitted batch job //p')")
    out=$("$H" submit --json --site sitea -H -n1 -t1 -J sites_lost -- /bin/true)
    ref=$(json ref <<<"$out") key=$(json key <<<"$out"); refs+=("$ref")
    stopped=(sitea-ctld)
    kill -9 "$(cat "$HPCL_DEV_DIR/run/sitea-ctld.pid")"
    start sitea-ctld; stopped=()
    status=$("$H" jobs --json | python3 -c '
import json, sys
for e in json.load(sys.stdin)["jobs"]:
    if e["key"] == sys.argv[1]:
        print(e["journal_state"], e["error"] or "")' "$key")
    echo "try $try: $ref $key: $status" | diag
    grep -q '^lost ' <<<"$status" && break
    "$H" cancel "$ref" >/dev/null 2>&1 # saved in time: not lost
done
check "controller crash: the lost job is reported lost" grep -q '^lost ' <<<"$status"
out=$("$H" jobs --resubmit "$key" --json)
new=$(json resubmitted.ref <<<"$out"); refs+=("$new")
echo "$out" | diag
check "controller crash: --resubmit submits it again ($new)" grep -q '^sitea:' <<<"$new"
check "controller crash: the new job carries the same key" \
    grep -q "^$key " <(keys_at_a sites_lost)
check "controller crash: jobs shows it active again" \
    bash -c "'$H' jobs --json | grep -q '\"key\":\"$key\"[^}]*\"journal_state\":\"active\"'"
e=$("$H" jobs --resubmit "$key" 2>&1)
check "--resubmit of a job that is not lost is refused" grep -q "not LOST" <<<"$e"

# --- tokens and site files: clear errors naming the site or file:line -----------
conf_with() { sed "s|^token_file = .*|token_file = $1|" "$CONF" >"$work/tok.conf"; }
err_of() { "$H" submit --conf "$work/tok.conf" --site siteb -H -n1 -t1 -- /bin/true 2>&1 >/dev/null; }
conf_with "$work/missing.token"
e=$(err_of); echo "$e" | diag
check "missing token file: the error names the file and the site" \
    contains "$e" "$work/missing.token" "site siteb"
cp "$HPCL_DEV_SITEB_TOKEN_FILE" "$work/open.token"; chmod 644 "$work/open.token"
conf_with "$work/open.token"
e=$(err_of); echo "$e" | diag
check "token file readable by others: refused, naming the file" \
    contains "$e" "readable by group or others" "$work/open.token"
(umask 077; echo "not-a-jwt" >"$work/bad.token")
conf_with "$work/bad.token"
e=$(err_of); echo "$e" | diag
check "bad token: authentication failed at site siteb" \
    contains "$e" "authentication failed" "siteb"
check "bad token: the token is not in the message" bash -c '! grep -q not-a-jwt <<<"$1"' _ "$e"
(umask 077; SLURM_CONF=$HPCL_DEV_SITEB_CONF scontrol token username=root lifespan=1 |
    sed 's/^SLURM_JWT=//' >"$work/old.token")
sleep 2
conf_with "$work/old.token"
e=$(err_of); echo "$e" | diag
check "expired token: authentication failed at site siteb" \
    contains "$e" "authentication failed" "siteb"
# A token from a variable reaches neither the job's environment nor --explain.
sed "s|^token_file = .*|token_env = HPCL_TEST_TKN|" "$CONF" >"$work/env.conf"
# The token is kept in a variable and matched from its file (grep -f), so
# that it is in no process's argv.
tokf=$HPCL_DEV_SITEB_TOKEN_FILE
tok=$(<"$tokf")
HPCL_TEST_TKN=$tok "$H" submit --conf "$work/env.conf" --site siteb --explain --wait \
    --timeout 60 -n1 -t1 --launcher none -o "$work/env.out" -- /usr/bin/env \
    >"$work/env.ref" 2>"$work/env.explain"
refs+=("$(sed -n 's/^Submitted batch job //p' "$work/env.ref")")
grep -q '^Submitted batch job siteb:' "$work/env.ref" ||
    cat "$work/env.ref" "$work/env.explain" | diag
check "token_env: the job ran at B" grep -q '^Submitted batch job siteb:' "$work/env.ref"
check "token_env: neither the variable nor the token in the job's environment" \
    bash -c '[ -s "$1" ] && ! grep -qF -e HPCL_TEST_TKN -f "$2" "$1"' _ "$work/env.out" "$tokf"
check "token_env: the token is not in --explain" \
    bash -c '! grep -qF -f "$2" "$1"' _ "$work/env.explain" "$tokf"

printf '[defaults]\nhome = sitea\n[site sitea]\ndriver = slurm\nbogus line\n' >"$work/bad.conf"
e=$("$H" sites --conf "$work/bad.conf" 2>&1); echo "$e" | diag
check "malformed site file: file:line in the error" grep -q "$work/bad.conf:5:" <<<"$e"
printf '[site x]\ndriver = slurmrestd\nurl = http://127.0.0.1:1\n' >"$work/bad2.conf"
e=$("$H" sites --conf "$work/bad2.conf" 2>&1); echo "$e" | diag
check "site file without a token source: names the site and line" \
    grep -q "$work/bad2.conf:1: site 'x'.*token_file or token_env" <<<"$e"

[ "$tap_failed" -eq 0 ] && rm -rf "$work"
tap_done
