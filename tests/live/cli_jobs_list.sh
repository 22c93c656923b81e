#!/bin/bash
# Live: hpclaunch jobs asks each site once for all its journal entries --
# counted by the sites themselves: slurmctld's RPC statistics (sdiag) for
# the libslurm site A, slurmrestd's request log for the REST site B -- and
# agrees with squeue; --site, --state, --since filter; --prune drops the
# settled entries (and their requests) and keeps the others.
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
N=25
work=$HPCL_DEV_WORK/cli_jobs_list.$$
mkdir -p "$work"
export HPCLAUNCH_JOURNAL=$work/journal   # this test's own journal
restlog=$HPCL_DEV_DIR/log/siteb-restd.log

for ((i = 0; i < N; i++)); do
    "$H" submit --parsable --site sitea -H -o /dev/null -J jl_a -- /bin/true
    "$H" submit --parsable --site siteb -H -o /dev/null -J jl_b -- /bin/true
done >"$work/refs"
check "$((2 * N)) held jobs submitted" test "$(grep -c . "$work/refs")" -eq $((2 * N))

rpc() { sdiag | awk -v t="$1" '$1 == t {sub(/.*count:/, ""); print $1 + 0; f=1} END {if (!f) print 0}'; }
gets() { grep -c 'GET /slurm/v0\.0\.[0-9]*/job' "$restlog"; }
user0=$(rpc REQUEST_JOB_USER_INFO); single0=$(rpc REQUEST_JOB_INFO_SINGLE)
gets0=$(gets)
queueb=$(SLURM_CONF=$HPCL_DEV_SITEB_CONF sdiag |
    awk '/^Jobs (pending|running):/ {n += $3} END {print n + 0}')
echo "site B's queue by sdiag: $queueb; by squeue: $(SLURM_CONF=$HPCL_DEV_SITEB_CONF squeue -h -t PENDING,RUNNING | wc -l)" | diag
t0=$(date +%s%N)
"$H" jobs --json >"$work/all.json"
t1=$(date +%s%N)
user1=$(rpc REQUEST_JOB_USER_INFO); single1=$(rpc REQUEST_JOB_INFO_SINGLE)
gets1=$(gets)
echo "jobs over $((2 * N)) entries: $(((t1 - t0) / 1000000)) ms; site A RPCs: $((user1 - user0)) user-info, $((single1 - single0)) single-job; site B GETs of jobs: $((gets1 - gets0))" | diag
check "site A was asked once (one REQUEST_JOB_USER_INFO)" test $((user1 - user0)) -eq 1
check "site A was not asked job by job" test $((single1 - single0)) -eq 0
# Site B: one GET of /jobs, or one GET /job/ID per entry once the queue
# is over 8 times the entries (REST_LIST_SHARE in rest_driver.c) -- the
# queue as the site reports it (/diag, as sdiag: slurmctld updates these
# counts in its own time, so they can lag squeue).
if [ $((N * 8)) -lt $((queueb + 1)) ]; then
    check "site B (queue $queueb) was asked job by job, each entry once" test $((gets1 - gets0)) -eq $N
else
    check "site B (queue $queueb) was asked once (one GET of /jobs)" test $((gets1 - gets0)) -eq 1
fi

summary() { python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["jobs"]:
    print(e["site"], e["id"], e["journal_state"], e["state"])' "$1" | sort; }
summary "$work/all.json" >"$work/all.txt"
check "every entry is active PENDING" test "$(grep -c ' active PENDING$' "$work/all.txt")" -eq $((2 * N))
awk '$1 == "sitea" {print $2}' "$work/all.txt" | sort -n >"$work/ids.a"
squeue -h -u "$(id -un)" -n jl_a -o %i | sort -n >"$work/squeue.a"
check "site A's ids are squeue's" diff "$work/ids.a" "$work/squeue.a"

"$H" jobs --json --site siteb >"$work/b.json"
check "--site siteb lists site B's only" test "$(summary "$work/b.json" | grep -c '^siteb ')" -eq $N -a "$(summary "$work/b.json" | grep -vc '^siteb ')" -eq 0
"$H" jobs --json --state pending >"$work/p.json"
check "--state pending lists all" test "$(summary "$work/p.json" | grep -c .)" -eq $((2 * N))
"$H" jobs --json --state ENDED >"$work/e.json"
check "--state ENDED lists none" test "$(summary "$work/e.json" | grep -c .)" -eq 0
"$H" jobs --json --since 1h >"$work/s1.json"
check "--since 1h lists all" test "$(summary "$work/s1.json" | grep -c .)" -eq $((2 * N))
"$H" jobs --json --since 2099-01-01 >"$work/s2.json"
check "--since 2099-01-01 lists none" test "$(summary "$work/s2.json" | grep -c .)" -eq 0
"$H" jobs --since yesterdayish >/dev/null 2>&1
check "--since with a bad time is a usage error (2)" test $? -eq 2

# Site A's jobs end (cancelled behind hpclaunch's back): one listing
# journals all their ends; then --prune drops them and keeps site B's.
scancel -u "$(id -un)" -n jl_a
sleep 2
"$H" jobs --json --site sitea >"$work/a2.json"
check "site A's jobs are seen ended" test "$(summary "$work/a2.json" | grep -c ' ended CANCELLED$')" -eq $N
sleep 1
mode0=$(stat -c %a "$HPCLAUNCH_JOURNAL")
requests=$work/requests
req_at() { grep -c "\"site\":\"$1\"" "$requests"; }
check "the requests file holds the $((2 * N)) requests" test "$(req_at sitea)" -eq $N -a "$(req_at siteb)" -eq $N
"$H" jobs --prune 0 >"$work/prune.out"
diag <"$work/prune.out"
check "--prune 0 drops the $N ended entries" grep -qx "Pruned $N settled jobs from the journal" "$work/prune.out"
check "the journal keeps mode $mode0" test "$(stat -c %a "$HPCLAUNCH_JOURNAL")" = 600
check "--prune drops the ended jobs' requests and keeps site B's" \
    test "$(req_at sitea)" -eq 0 -a "$(req_at siteb)" -eq $N -a "$(grep -c . "$requests")" -eq $N
check "the requests file keeps mode 600" test "$(stat -c %a "$requests")" = 600
"$H" jobs --json >"$work/after.json"
check "site B's $N entries are kept" test "$(summary "$work/after.json" | grep -c '^siteb .* active PENDING$')" -eq $N -a "$(summary "$work/after.json" | grep -c .)" -eq $N

SLURM_CONF=$HPCL_DEV_SITEB_CONF scancel -u "$(id -un)" -n jl_b
rm -rf "$work"
tap_done
