#!/bin/bash
# Live: faults with nothing lost (issue 15).  Each case ends with the
# count of jobs at the sites (squeue, by this run's job names) against the
# journal's entries (hpclaunch jobs --json), and checks that no job is at
# a site that the journal does not know, and none is there twice:
#  1. the journal's folder read-only (a read-only bind mount in a private
#     mount namespace: root ignores file modes): submit refuses before it
#     asks any site anything, naming the path and the reason;
#  2. the journal's folder on a full 64 KiB tmpfs: the same, empty and
#     after jobs filled it;
#  3. 8 processes x 50 submits on one journal at once;
#  4. site B's token file removed, garbled, then replaced by a new one;
#  5. site A's slurmctld killed (SIGKILL) and site B's slurmrestd stopped
#     in the middle of a burst of submits, then restarted: every job
#     accounted for, every failure naming its site;
#  6. a wait for jobs at the three sites while A's slurmctld and B's
#     slurmrestd are stopped and started again and C's token expires and
#     is renewed: the wait goes on through all of it, as sbatch --wait
#     does, says each outage once, and ends with the jobs' ends.
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${HPCL_DEV_SITEC_RUN:-}
if [ -z "$RUN" ]; then
    echo "1..1"; echo "not ok 1 - no site C in $HPCL_DEV_DIR/env.sh (HPCL_DEV_SITEC_RUN): restart the dev cluster"
    exit 1
fi
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
    echo "1..1"; echo "not ok 1 - needs root and unshare -m (a private mount namespace for the read-only and full journal folders)"
    exit 1
fi
work=$HPCL_DEV_WORK/cli_faults.$$
mkdir -p "$work"
tag=flt$$
restb=$HPCL_DEV_DIR/log/siteb-restd.log restc=$HPCL_DEV_DIR/log/sitec-restd.log
token=$HPCL_DEV_SITEB_TOKEN_FILE
cluster() { HPCL_DEV_DIR=$HPCL_DEV_DIR bash "$top/dev/cluster" "$@"; }

# Whatever happens, the daemons come back, the token is restored and this
# run's jobs go.
cleanup() {
    [ -f "$work/token.orig" ] && cat "$work/token.orig" >"$token"
    [ -f "$work/tokenc.orig" ] && cat "$work/tokenc.orig" >"$tokenc"
    cluster start-daemon sitea-ctld >/dev/null 2>&1
    cluster start-daemon siteb-restd >/dev/null 2>&1
    cancel_named $names
    rm -rf "$work"
}
names="${tag}_ro ${tag}_full ${tag}_conc ${tag}_tok ${tag}_burst ${tag}_out"
tokenc=$HPCL_DEV_SITEC_TOKEN_FILE
cp "$token" "$work/token.orig"
cp "$tokenc" "$work/tokenc.orig"
trap cleanup EXIT

# at_sites NAME: SITE:ID of every job named NAME at the three sites.
at_sites() {
    { squeue -h -u root -n "$1" -o 'sitea:%i'
      SLURM_CONF=$HPCL_DEV_SITEB_CONF squeue -h -u root -n "$1" -o 'siteb:%i'
      "$RUN" squeue -h -u root -n "$1" -o 'sitec:%i'; } | sort
}

# account LABEL NAME JOURNAL: jobs named NAME at the sites against the
# entries of JOURNAL, as `hpclaunch jobs` reconciles them (which settles
# ambiguous entries by key).  Prints the counts; fails on a job at a site
# that no entry has, or that two entries have.
account() {
    local label=$1 name=$2 journal=$3 n_sites n_entries n_ids stray dup
    at_sites "$name" >"$work/$label.sites"
    HPCLAUNCH_JOURNAL=$journal "$H" jobs --json >"$work/$label.json" 2>"$work/$label.jobs.err"
    python3 - "$work/$label.json" "$work/$label.entries" "$work/$label.status" <<'EOF' | sort >"$work/$label.ids"
import json, sys
doc = json.load(open(sys.argv[1]))
entries = doc["jobs"] if isinstance(doc, dict) else doc  # schema v2, or v1
with open(sys.argv[2], "w") as f:
    for e in entries:
        print(e["key"], file=f)
status = {}
for e in entries:
    st = e.get("journal_state", e.get("status"))
    status[st] = status.get(st, 0) + 1
    if e.get("id"):
        print("%s:%s" % (e["site"], e["id"]))
with open(sys.argv[3], "w") as f:
    print(", ".join("%d %s" % (n, s) for s, n in sorted(status.items())), file=f)
EOF
    n_sites=$(grep -c . "$work/$label.sites")
    n_entries=$(grep -c . "$work/$label.entries")
    n_ids=$(grep -c . "$work/$label.ids")
    stray=$(comm -23 "$work/$label.sites" "$work/$label.ids" | tr '\n' ' ')
    dup=$( (uniq -d "$work/$label.ids"; sort "$work/$label.entries" | uniq -d) | tr '\n' ' ')
    echo "$label: $n_sites jobs at the sites; $n_entries journal entries, $n_ids with a job id ($(cat "$work/$label.status"))" | diag
    check "$label: every job at a site is in the journal${stray:+ (not: $stray)}" test -z "$stray"
    check "$label: no job id or key twice in the journal${dup:+ ($dup)}" test -z "$dup"
}

# The requests each site saw: site A's submit RPCs (sdiag), the REST
# sites' request lines.
seen() {
    echo "$(sdiag | awk '$1 == "REQUEST_SUBMIT_BATCH_JOB" {sub(/.*count:/, ""); print $1 + 0; f=1} END {if (!f) print 0}')" \
        "$(grep -c 'operations_router' "$restb")" "$(grep -c 'operations_router' "$restc")"
}

# --- 1. read-only journal folder -------------------------------------------
ro=$work/ro
mkdir -p "$ro"
for site in sitea siteb sitec; do
    before=$(seen)
    unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
        _ "$ro" env HPCLAUNCH_JOURNAL="$ro/journal" "$H" submit --site "$site" -H -o /dev/null \
        -J "${tag}_ro" -- /bin/true >"$work/ro.out" 2>"$work/ro.err"
    rc=$?
    diag <"$work/ro.err"
    check "read-only journal folder, $site: submit fails (1)" test $rc -eq 1
    check "read-only journal folder, $site: the message names $ro/journal and the reason" \
        grep -q "$ro/journal.*Read-only file system" "$work/ro.err"
    check "read-only journal folder, $site: no site was asked anything" test "$(seen)" = "$before"
done
account read-only "${tag}_ro" "$ro/journal"
check "read-only journal folder: no job at any site" test ! -s "$work/read-only.sites"

# --- 2. journal folder on a full tmpfs -------------------------------------
# In one private mount namespace: (a) a full, empty tmpfs; (b) a tmpfs
# with room for some jobs, submitted to until one is refused.  The
# journal is copied out before the namespace (and its tmpfs) goes.
full=$work/full
mkdir -p "$full" "$work/full.copy"
unshare -m bash -s "$full" "$H" "$tag" "$work" <<'EOS'
d=$1 H=$2 tag=$3 work=$4
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$d" || exit 1
export HPCLAUNCH_JOURNAL=$d/journal
dd if=/dev/zero of="$d/fill" bs=4k 2>/dev/null
for site in sitea siteb sitec; do
    "$H" submit --site "$site" -H -o /dev/null -J "${tag}_full" -- /bin/true 2>>"$work/full.err.a"
    echo "$site $?"
done >"$work/full.rc.a"
rm -f "$d/fill" "$d/journal" "$d/requests"
"$H" submit --parsable --site sitea -H -o /dev/null -J "${tag}_full" -- /bin/true >"$work/full.ok" || exit 1
dd if=/dev/zero of="$d/fill" bs=4k count=12 2>/dev/null
sites=(sitea siteb sitec)
for ((i = 0; i < 60; i++)); do
    site=${sites[i % 3]}
    "$H" submit --parsable --site "$site" -H -o /dev/null -J "${tag}_full" -- /bin/true \
        >>"$work/full.ok" 2>"$work/full.err.b" || { echo "$site $?" >"$work/full.rc.b"; break; }
done
df -k "$d" | tail -1 >"$work/full.df"
cp -p "$d/journal" "$d/requests" "$work/full.copy/"
EOS
diag <"$work/full.err.a"
check "full tmpfs, empty journal: every site refused (1)" test "$(grep -c ' 1$' "$work/full.rc.a")" -eq 3
check "full tmpfs, empty journal: the messages name $full/journal and the reason" \
    test "$(grep -c "$full/journal.*No space left on device" "$work/full.err.a")" -eq 3
ok_n=$(grep -c . "$work/full.ok")
echo "full tmpfs: $ok_n jobs submitted before the submit to $(cut -d' ' -f1 "$work/full.rc.b" 2>/dev/null) was refused; tmpfs: $(cat "$work/full.df")" | diag
diag <"$work/full.err.b"
check "full tmpfs: submits go on until the journal is full, then one is refused (1)" \
    test -s "$work/full.rc.b" -a "$(cut -d' ' -f2 "$work/full.rc.b" 2>/dev/null)" = 1
check "full tmpfs: the refusal names $full and the reason" grep -q "$full/.*No space left on device" "$work/full.err.b"
account full-tmpfs "${tag}_full" "$work/full.copy/journal"
check "full tmpfs: the sites hold exactly the $ok_n jobs submitted" test "$(grep -c . "$work/full-tmpfs.sites")" -eq "$ok_n"

# --- 3. 8 processes x 50 jobs on one journal -------------------------------
export HPCLAUNCH_JOURNAL=$work/conc/journal
t0=$(date +%s)
for ((p = 0; p < 8; p++)); do
    site=sitea; ((p % 2)) && site=siteb
    (for ((i = 0; i < 50; i++)); do
        "$H" submit --parsable --site "$site" -H -o /dev/null -J "${tag}_conc" -- /bin/true || echo "FAILED $site" >&2
    done >"$work/conc.$p" 2>"$work/conc.$p.err") &
done
wait
echo "8 x 50 submits: $(($(date +%s) - t0)) s" | diag
cat "$work"/conc.*.err | head -5 | diag
check "8 x 50 submits: 400 references printed" test "$(cat "$work"/conc.[0-7] | grep -c .)" -eq 400
check "8 x 50 submits: no reference twice" test -z "$(cat "$work"/conc.[0-7] | sort | uniq -d)"
account concurrent "${tag}_conc" "$HPCLAUNCH_JOURNAL"
check "8 x 50 submits: 400 jobs at the sites, 400 journal entries" \
    test "$(grep -c . "$work/concurrent.sites")" -eq 400 -a "$(grep -c . "$work/concurrent.entries")" -eq 400
check "8 x 50 submits: the references printed are the sites' jobs" \
    diff <(cat "$work"/conc.[0-7] | sort) "$work/concurrent.sites"

# --- 4. the token file removed, garbled, replaced --------------------------
export HPCLAUNCH_JOURNAL=$work/tok/journal
ref=$("$H" submit --parsable --site siteb -H -o /dev/null -J "${tag}_tok" -- /bin/true)
check "token: a job submitted at site B ($ref)" test -n "$ref"
rm -f "$token"
"$H" submit --site siteb -H -o /dev/null -J "${tag}_tok" -- /bin/true 2>"$work/tok.err1"
rc=$?
diag <"$work/tok.err1"
check "token file removed: submit fails (1)" test $rc -eq 1
check "token file removed: the message names site B and the file" \
    test -n "$(grep siteb "$work/tok.err1" | grep -F "$token")"
"$H" status "$ref" 2>"$work/tok.err2" >/dev/null
rc=$?
diag <"$work/tok.err2"
check "token file removed: status fails (1), naming site B and the file" \
    test $rc -eq 1 -a -n "$(grep siteb "$work/tok.err2" | grep -F "$token")"
(umask 077; echo "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.garbled" >"$token")
"$H" submit --site siteb -H -o /dev/null -J "${tag}_tok" -- /bin/true 2>"$work/tok.err3"
rc=$?
diag <"$work/tok.err3"
check "token garbled: submit fails (1), naming site B and the token file" \
    test $rc -eq 1 -a -n "$(grep siteb "$work/tok.err3" | grep -F "$token")"
# A new token, made now: picked up by the next command, and by a wait
# that was already running when the file changed.
new=$(SLURM_CONF=$HPCL_DEV_SITEB_CONF scontrol token username=root lifespan=600 | sed -n 's/^SLURM_JWT=//p')
check "token: scontrol made a new one" test -n "$new"
cat "$work/token.orig" >"$token"
(sleep 2; (umask 077; echo "$new" >"$token.new"); mv "$token.new" "$token") &
"$H" wait --timeout 5 "$ref" >"$work/tok.wait" 2>&1
rc=$?
wait
diag <"$work/tok.wait"
check "token replaced during a wait: the wait goes on to its timeout (4)" test $rc -eq 4
ref2=$("$H" submit --parsable --site siteb -H -o /dev/null -J "${tag}_tok" -- /bin/true)
check "token replaced: the new token is picked up ($ref2)" test -n "$ref2"
check "token replaced: status works" "$H" status "$ref2"
account token "${tag}_tok" "$HPCLAUNCH_JOURNAL"
check "token: the sites hold the 2 jobs submitted" test "$(grep -c . "$work/token.sites")" -eq 2

# --- 5. daemons lost during a burst of submits -----------------------------
export HPCLAUNCH_JOURNAL=$work/burst/journal
burst() {
    for ((i = 0; i < 25; i++)); do
        if r=$("$H" submit --parsable --site "$1" -H -o /dev/null -J "${tag}_burst" -- /bin/true 2>"$work/burst.err.$1.$i"); then
            echo "$r"
        else
            echo "rc=$? $(head -c 300 "$work/burst.err.$1.$i")" >>"$work/burst.fail.$1"
        fi
        sleep 0.1
    done >"$work/burst.ok.$1"
}
# A torn write first (the requests file and the journal cut mid-line, as
# a crash leaves them): the burst's requests must still be read back.
"$H" submit --parsable --site sitea -H -o /dev/null -J "${tag}_burst" -- /bin/true >"$work/burst.ok.first"
truncate -s -30 "$work/burst/requests"
truncate -s -10 "$HPCLAUNCH_JOURNAL"
burst sitea &
pa=$!
burst siteb &
pb=$!
sleep 2
ctld=$(cat "$HPCL_DEV_DIR/run/sitea-ctld.pid")
kill -9 "$ctld"
cluster stop-daemon siteb-restd
wait $pa $pb
for s in sitea siteb; do
    echo "burst at $s: $(grep -c . "$work/burst.ok.$s") submitted, $(grep -c . "$work/burst.fail.$s" 2>/dev/null || echo 0) failed" | diag
    head -3 "$work/burst.fail.$s" 2>/dev/null | diag
done
check "burst: some submits failed at site A once slurmctld was killed" test -s "$work/burst.fail.sitea"
check "burst: some submits failed at site B once slurmrestd stopped" test -s "$work/burst.fail.siteb"
check "burst: every failure at site A names it" test -z "$(grep -v 'sitea' "$work/burst.fail.sitea" 2>/dev/null)"
check "burst: every failure at site B names it" test -z "$(grep -v 'siteb' "$work/burst.fail.siteb" 2>/dev/null)"
cluster start-daemon sitea-ctld >/dev/null 2>&1
cluster start-daemon siteb-restd >/dev/null 2>&1
check "burst: site A's slurmctld is back" scontrol ping
# Its nodes register again before the next test uses them.
for ((i = 0; i < 60; i++)); do
    [ -z "$(sinfo -h -N -o %t | grep -v -e idle -e mix -e alloc)" ] && break
    sleep 0.5
done
check "burst: site A's nodes are back" test -z "$(sinfo -h -N -o %t | grep -v -e idle -e mix -e alloc)"
check "burst: site B's slurmrestd is back" bash -c "\"\$1\" sites | grep -q '^siteb .* up '" _ "$H"
account burst "${tag}_burst" "$HPCLAUNCH_JOURNAL"
for s in sitea siteb; do
    echo "burst at $s: $(grep -c "^$s:" "$work/burst.sites") jobs at the site, $(grep -c "^$s:" "$work/burst.ids") journal entries with an id" | diag
done
lost=$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
entries = doc["jobs"] if isinstance(doc, dict) else doc
print(sum(1 for e in entries if e.get("journal_state", e.get("status")) in ("unknown", "in flight", "unresolved")))' "$work/burst.json")
check "burst: after the restart every entry is settled (none unknown, in flight or unresolved: $lost)" test "$lost" -eq 0
check "burst: every reference printed is in the journal" \
    test -z "$(cat "$work"/burst.ok.site? | sort | comm -23 - "$work/burst.ids")"
# A job lost in the crash comes back with its request, read past the torn
# line (--resubmit asks the site and accounting again first).
lostkey=$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for e in (doc["jobs"] if isinstance(doc, dict) else doc):
    if e.get("journal_state", e.get("status")) == "lost" and not e.get("started"):
        print(e["key"]); break' "$work/burst.json")
if [ -n "$lostkey" ]; then
    "$H" jobs --resubmit "$lostkey" >"$work/resubmit.out" 2>&1
    rc=$?
    diag <"$work/resubmit.out"
    check "burst: a job lost in the crash is resubmitted after the torn write (0)" test $rc -eq 0
    check "burst: the resubmitted job is at site A" test -n "$(squeue -h -u root -n "${tag}_burst" -o %i)"
else
    echo "no job was lost in the crash this time (it saved its state before the kill)" | diag
fi

# --- 6. a wait rides out its sites' outages ---------------------------------
# C's token lives 8 s: it expires while the wait uses it.  A's slurmctld
# is stopped as a restart does (its state saved), so its job is kept.
export HPCLAUNCH_JOURNAL=$work/out/journal
c_token() { "$RUN" scontrol token username=root lifespan="$1" | sed -n 's/^SLURM_JWT=//p'; }
put_token() { (umask 077; echo "$1" >"$tokenc.new") && mv "$tokenc.new" "$tokenc"; }
put_token "$(c_token 8)"
refs=()
for site in sitea siteb sitec; do
    refs+=("$("$H" submit --parsable --site "$site" -n1 -t1 -o /dev/null -J "${tag}_out" -- sleep 25)")
done
check "outages: a job running at each site (${refs[*]})" test "${#refs[@]}" -eq 3 -a -n "${refs[2]}"
"$H" wait --timeout 150 "${refs[@]}" >"$work/out.wait" 2>"$work/out.err" &
pw=$!
"$H" submit --wait --timeout 150 --site siteb -n1 -t1 -o /dev/null -J "${tag}_out" \
    -- sleep 20 >"$work/out.submit" 2>"$work/out.submit.err" &
ps=$!
sleep 3
cluster stop-daemon sitea-ctld >/dev/null 2>&1
cluster stop-daemon siteb-restd >/dev/null 2>&1
sleep 11
cluster start-daemon sitea-ctld >/dev/null 2>&1
cluster start-daemon siteb-restd >/dev/null 2>&1
put_token "$(c_token 3600)"
wait $pw
rc=$?
wait $ps
rc_submit=$?
diag <"$work/out.err"
diag <"$work/out.wait"
diag <"$work/out.submit.err"
check "outages: the wait ends when the jobs end (0)" test $rc -eq 0
check "outages: every job shown COMPLETED" \
    test "$(grep -c ' COMPLETED ' "$work/out.wait")" -eq 3
said() { grep -F "hpclaunch wait: job $1: " "$work/out.err" | grep -c -- "$2"; }
check "outages: site A's stopped slurmctld said once, naming it" \
    test "$(said "${refs[0]}" 'slurmctld .*still waiting for it$')" -eq 1
check "outages: site B's stopped slurmrestd said once, naming it" \
    test "$(said "${refs[1]}" 'slurmrestd .*still waiting for it$')" -eq 1
check "outages: site C's expired token said once, naming the token file" \
    test "$(said "${refs[2]}" "token.*$tokenc.*still waiting for it\$")" -eq 1
for i in 0 1 2; do
    check "outages: ${refs[i]}'s site answering again said once" \
        test "$(said "${refs[i]}" 'its site answers again$')" -eq 1
done
check "outages: submit --wait ends when its job ends (0)" test $rc_submit -eq 0
check "outages: submit --wait says once that site B's slurmrestd is not answering" \
    test "$(grep -c '^hpclaunch submit: job siteb:[0-9]*: .*slurmrestd .*still waiting for it$' "$work/out.submit.err")" -eq 1
check "outages: site A's slurmctld is back" scontrol ping
tap_done
