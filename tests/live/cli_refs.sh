#!/bin/bash
# Live: job references and the journal's columns.  A job submitted without
# a site file is local:ID; once the site file is loaded, local:ID and the
# bare ID still name it (the home site, sitea), for status and cancel,
# and agree with squeue.  `hpclaunch jobs` shows each job's name and
# submit time, in the table and in --json.  The bash completion offers
# the dev sites for --site.
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
work=$HPCL_DEV_WORK/cli_refs.$$
mkdir -p "$work"
export HPCLAUNCH_JOURNAL=$work/journal   # this test's own journal
conf=$HPCLAUNCH_CONF
name=refs_$$

# --- local:ID, before and after the site file -------------------------------
ref=$(env -u HPCLAUNCH_CONF HOME="$work" "$H" submit --parsable -H \
    -o /dev/null -J "$name" -- /bin/true)
id=${ref#local:}
check "without a site file the job is local:ID ($ref)" \
    bash -c '[[ $1 =~ ^local:[0-9]+$ ]]' _ "$ref"
check "squeue has it, held" \
    test "$(squeue -h -j "$id" -o '%j %T' 2>/dev/null)" = "$name PENDING"
for r in "$ref" "$id" "sitea:$id"; do
    out=$(HPCLAUNCH_CONF=$conf "$H" status "$r" 2>&1); rc=$?
    check "with the site file, status $r: exit 0, the home site's job" \
        bash -c '[ "$1" -eq 0 ] && grep -qE "^sitea:$2 +PENDING" <<<"$3"' \
        _ "$rc" "$id" "$out"
    [ "$rc" -eq 0 ] || diag <<<"$out"
done
"$H" cancel "local:$id"; rc=$?
check "cancel local:ID with the site file: exit 0" test "$rc" -eq 0
sleep 1
check "squeue: it is gone or CANCELLED" \
    bash -c '! squeue -h -j "$1" -o %T 2>/dev/null | grep -qv CANCELLED' _ "$id"

# --- jobs: NAME and SUBMITTED columns ----------------------------------------
before=$(date +%s)
ref2=$("$H" submit --parsable --site sitea -H -o /dev/null -J "${name}_b" -- /bin/true)
"$H" jobs >"$work/table" 2>&1
grep -F " $ref2 " "$work/table" >"$work/row"
check "jobs: the header has NAME and SUBMITTED" \
    grep -qE '^KEY +SITE +JOB +NAME +SUBMITTED +STATUS +STATE' "$work/table"
check "jobs: the row of $ref2 has its name" grep -qF " ${name}_b " "$work/row"
check "jobs: and its submit time, to the minute" \
    grep -qE " $(date -d "@$before" +%Y-%m-%dT%H):[0-9]{2} " "$work/row"
diag <"$work/row"
"$H" jobs --json >"$work/jobs.json"
check "jobs --json: name and first_time of $ref2" python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc["jobs"] if isinstance(doc, dict) else doc
row = [r for r in rows if r.get("ref") == sys.argv[2]][0]
assert row["name"] == sys.argv[3], row
assert abs(row["first_time"] - int(sys.argv[4])) < 60, row
' "$work/jobs.json" "$ref2" "${name}_b" "$before"
"$H" cancel "$ref2"

# --- completion: the dev sites -----------------------------------------------
src=$(dirname "$(dirname "$(command -v "$H")")")/share/bash-completion/completions/hpclaunch
compopt() { :; }
# shellcheck disable=SC1090
. "$src"
COMP_WORDS=("$H" submit --site ""); COMP_CWORD=3; _hpclaunch
check "installed bash completion: --site offers the dev sites (${COMPREPLY[*]})" \
    test "${COMPREPLY[*]}" = "sitea siteb sitec"

rm -rf "$work"
tap_done
