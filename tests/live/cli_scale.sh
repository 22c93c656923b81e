#!/bin/bash
# Live: a site of real size.  10,000 held jobs at site B (slurmrestd),
# submitted through the library's batch call (hpcl_job_submit_many, 100 a
# call: bench/bench_submit batch), and then
#   - the REST probe still answers within the site's timeout: it must
#     succeed; its time is printed, not asserted (the
#     machine is shared, and a timed assertion would fail at random);
#   - `hpclaunch jobs` lists the 10,000 journaled jobs as active, asking
#     site B for them in one listing, not one request per job.
# Everything is cancelled at the end.  It adds about a minute to the live
# run on 2 cores (submission 20-40 s, cancel 10-20 s).
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
N=${HPCL_SCALE_JOBS:-10000}
NAME=cli_scale_$$
work=$HPCL_DEV_WORK/cli_scale.$$
mkdir -p "$work"
export HPCLAUNCH_JOURNAL=$work/journal # this test's own journal
restlog=$HPCL_DEV_DIR/log/siteb-restd.log
B() { SLURM_CONF=$HPCL_DEV_SITEB_CONF "$@"; }
trap 'B scancel --name="$NAME" 2>/dev/null' EXIT

t0=$(date +%s%N)
HPCL_BENCH_CONF=$HPCLAUNCH_CONF HPCL_BENCH_SITE=siteb HPCL_BENCH_NAME=$NAME \
    "$HPCL_BENCH_SUBMIT" batch "$N" "$work" "$work/ids" >"$work/rate" 2>"$work/submit.err"
check "the batch call submitted $N held jobs" test $? -eq 0
t1=$(date +%s%N)
queued=$(B squeue -h -n "$NAME" -t PD -o %i | wc -l)
echo "$queued held jobs at site B in $(((t1 - t0) / 1000000)) ms ($(cat "$work/rate") jobs/s)" | diag
check "site B holds them all ($queued)" test "$queued" -eq "$N"

t0=$(date +%s%N)
"$H" probe --site siteb -t 1 >"$work/probe.out" 2>"$work/probe.err"
rc=$?
t1=$(date +%s%N)
echo "REST probe with $N jobs queued: $(((t1 - t0) / 1000000)) ms (site timeout $(sed -n 's/^timeout *= *//p' "$HPCLAUNCH_CONF" | head -1))" | diag
check "the REST probe answers with $N jobs queued" test $rc -eq 0
diag <"$work/probe.err"
# slurmctld samples its pending count about once a minute: printed, not
# checked.
grep '^pending jobs:' "$work/probe.out" | diag

gets() { grep -c 'GET /slurm/v0\.0\.[0-9]*/job' "$restlog"; }
gets0=$(gets)
t0=$(date +%s%N)
"$H" jobs --json >"$work/jobs.json"
rc=$?
t1=$(date +%s%N)
gets1=$(gets)
echo "jobs over $N entries: $(((t1 - t0) / 1000000)) ms, $((gets1 - gets0)) GETs of jobs" | diag
check "jobs answers" test $rc -eq 0
active=$(grep -o '"journal_state":"active"' "$work/jobs.json" | wc -l)
check "jobs lists the $N as active ($active)" test "$active" -eq "$N"
check "site B was asked in one listing (GETs: $((gets1 - gets0)))" test $((gets1 - gets0)) -eq 1

B scancel --name="$NAME"
for ((i = 0; i < 150; i++)); do
    [ "$(B squeue -h -n "$NAME" -o %i | wc -l)" -eq 0 ] && break
    sleep 0.2
done
check "all cancelled" test "$(B squeue -h -n "$NAME" -o %i | wc -l)" -eq 0
rm -rf "$work"
tap_done
