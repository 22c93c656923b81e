#!/bin/bash
# Live: a job's end is journaled when it is seen -- by submit --wait, by
# status (another process, by reference) and by cancel -- so that once the
# controller purges the job (MinJobAge) it is still reported ended or
# cancelled, never lost, and --resubmit refuses it.  The purge itself is
# not waited for here (cli_acct.sh does): what matters is that the
# journal holds the end before it happens.
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
work=$HPCL_DEV_WORK/cli_ends.$$
mkdir -p "$work"
export HPCLAUNCH_JOURNAL=$work/journal   # this test's own journal

"$H" submit --wait -o /dev/null -J ends_done -- /bin/true >"$work/done" 2>&1
check "submit --wait of /bin/true completes" grep -q "ended COMPLETED" "$work/done"
held=$("$H" submit --parsable -H -J ends_held -- /bin/true)
"$H" cancel "$held"
failed=$("$H" submit --parsable -o /dev/null -J ends_exit3 -- /bin/sh -c 'exit 3')
"$H" wait --timeout 60 "$failed" >/dev/null 2>&1
# A separate status, by reference: that process does not know the key.
"$H" status "$failed" >/dev/null 2>&1
"$H" jobs --json >"$work/jobs.json"
diag <"$work/jobs.json"
summary=$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["jobs"]:
    print(e["journal_event"], e["journal_state"], e["state"], e["exit_code"])' "$work/jobs.json")
echo "$summary" | diag
check "the completed job is journaled ENDED COMPLETED, exit 0" \
    grep -qx "ENDED ended COMPLETED 0" <<<"$summary"
check "the cancelled job is journaled CANCELLED" \
    grep -qx "CANCELLED cancelled None None" <<<"$summary"
check "the job that exited 3 is journaled ENDED FAILED, exit 3" \
    grep -qx "ENDED ended FAILED 3" <<<"$summary"
check "no job is lost" [ "$(grep -c lost <<<"$summary")" -eq 0 ]
keys=$(python3 -c '
import json, sys
print(" ".join(e["key"] for e in json.load(open(sys.argv[1]))["jobs"]))' "$work/jobs.json")
refused=0
for k in $keys; do
    "$H" jobs --resubmit "$k" >/dev/null 2>&1 || refused=$((refused + 1))
done
check "--resubmit refuses all three" [ "$refused" -eq 3 ]
rm -rf "$work"
tap_done
