#!/bin/bash
# REST submission benchmark on the dev cluster's site B (slurmrestd, JWT):
# held jobs per second through the hpclaunch library
#   (a) one context: every submit over one kept-alive connection
#   (b) a new context, so a new connection, for every job
#   (c) a `curl` process per job, as a shell script would do it
# and the ratios a/b (target >= 3) and a/c.  Every job is cancelled at the
# end.   bench/rest.sh [COUNT]      (default 200)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-200}
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
build=$top/_build/main
[ -f "$build/Makefile" ] || "$top/scripts/build.sh" "$build" --prefix="$HPCL_DEV_DIR/prefix"
make -C "$build" -j"$(nproc)" all bench/bench_submit >/dev/null
bash "$top/dev/cluster" start >/dev/null
. "$HPCL_DEV_DIR/env.sh"
work=$HPCL_DEV_WORK/bench-rest; mkdir -p "$work"; cd "$work"
ids=$work/ids; : >"$ids"
export HPCL_BENCH_CONF=$HPCLAUNCH_CONF HPCL_BENCH_SITE=siteb
export HPCLAUNCH_JOURNAL=$work/journal
cleanup() {
    local id
    sed -n 's/^siteb://p' "$ids" | while read -r id; do
        curl -s -o /dev/null -X DELETE -H "X-SLURM-USER-NAME: root" \
            -H "X-SLURM-USER-TOKEN: $(cat "$HPCL_DEV_SITEB_TOKEN_FILE")" \
            "$HPCL_DEV_SITEB_URL/slurm/v0.0.38/job/$id" || true
    done
}
trap cleanup EXIT

a=$("$build/bench/bench_submit" rest "$count" "$work" "$ids")
b=$("$build/bench/bench_submit" rest-new "$count" "$work" "$ids")
body='{"script":"#!/bin/bash\ntrue","job":{"name":"bench","hold":true,"time_limit":1,"current_working_directory":"'$work'","environment":{"PATH":"/usr/bin:/bin"}}}'
n=$((count / 4)); t0=$(date +%s.%N)
for ((i = 0; i < n; i++)); do
    # The token goes through a header file, never argv.
    curl -s -H @<(printf 'X-SLURM-USER-NAME: root\nX-SLURM-USER-TOKEN: %s\n' \
        "$(cat "$HPCL_DEV_SITEB_TOKEN_FILE")") -H 'Content-Type: application/json' \
        -d "$body" "$HPCL_DEV_SITEB_URL/slurm/v0.0.38/job/submit" |
        sed -n 's/.*"job_id": *\([0-9]*\).*/siteb:\1/p' >>"$ids"
done
c=$(awk -v n="$n" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", n / (b - a) }')

printf '%-50s %10s\n' "path (held jobs, site B, slurmrestd)" "jobs/s"
printf '%-50s %10s\n' "(a) library, one kept-alive connection" "$a"
printf '%-50s %10s\n' "(b) library, a new connection per job" "$b"
printf '%-50s %10s\n' "(c) a curl process per job" "$c"
awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {
    printf "a/b = %.2f (target >= 3)   a/c = %.1f\n", a / b, a / c }'
