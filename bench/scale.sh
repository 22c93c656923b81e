#!/bin/bash
# Scale benchmark on the dev cluster: what hpclaunch costs as the queues of
# sites A (libslurm) and B (slurmrestd) grow.  For each queue size (held
# jobs per site, submitted through hpcl_job_submit_many, 100 a call) it
# prints medians of 5 of the following (the queue counts the 500 held
# jobs of the `jobs` measurement too, so its smallest size is 500)
#   - the probe of each site (`hpclaunch probe --site S`) against
#     `sbatch --test-only` at the same site, and their ratio;
#   - the 2-site decision (`hpclaunch submit --dry-run`) and its peak RSS;
#   - `hpclaunch jobs` over 1,000 live journal entries (500 per site)
#     against `squeue` listing the same jobs at both sites.
# and once, `hpclaunch jobs` (table and --json) over a journal of 100,000
# settled jobs (bench/journal_gen.py), with its peak RSS.
# Every job it submitted is cancelled at the end.
#   bench/scale.sh [SIZE...]     (default: 0 1000 10000 50000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(0 1000 10000 50000)
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
build=${HPCL_BUILD:-$top/_build/main}
[ -f "$build/Makefile" ] || "$top/scripts/build.sh" "$build" --prefix="$HPCL_DEV_DIR/prefix"
make -C "$build" -j"$(nproc)" all bench/bench_submit >/dev/null
make -C "$build" install >/dev/null
H=$(sed -n "s/^prefix = //p" "$build/Makefile")/bin/hpclaunch
export HPCL_SLURM_HELPER=$build/libexec/hpclaunch-slurm
bash "$top/dev/cluster" start >/dev/null 2>&1
. "$HPCL_DEV_DIR/env.sh"
work=$HPCL_DEV_WORK/scale; rm -rf "$work"; mkdir -p "$work"; cd "$work"
declare -A CONF=([sitea]=$HPCL_DEV_SITEA_CONF [siteb]=$HPCL_DEV_SITEB_CONF)
# Sites A and B only: the decision between a libslurm and a REST site.
awk '/^\[/ {skip = ($0 == "[site sitec]")} !skip' "$HPCLAUNCH_CONF" >"$work/ab.conf"
export HPCLAUNCH_CONF=$work/ab.conf HPCLAUNCH_JOURNAL=$work/journal

cleanup() {
    local s
    for s in sitea siteb; do
        SLURM_CONF=${CONF[$s]} scancel --name=scale_fill --state=PENDING 2>/dev/null || true
        SLURM_CONF=${CONF[$s]} scancel --name=scale_live 2>/dev/null || true
    done
}
trap cleanup EXIT

max_jobs=$(SLURM_CONF=$HPCL_DEV_SITEA_CONF scontrol show config | awk '$1 == "MaxJobCount" {print $3}')
for n in "${sizes[@]}"; do
    if [ "$n" -ge "$max_jobs" ]; then
        echo "bench/scale.sh: $n jobs per site needs MaxJobCount above $n (the dev cluster has $max_jobs)" >&2
        exit 2
    fi
done

# fill SITE COUNT NAME [JOURNAL]: COUNT more held jobs named NAME at SITE.
fill() {
    local site=$1 count=$2 name=$3
    [ "$count" -gt 0 ] || return 0
    HPCL_BENCH_CONF=$work/ab.conf HPCL_BENCH_SITE=$site HPCL_BENCH_NAME=$name \
        HPCLAUNCH_JOURNAL=${4:-$work/fill.journal} \
        "$build/bench/bench_submit" batch "$count" "$work" "$work/$name.ids" >/dev/null
}
queued() { SLURM_CONF=${CONF[$1]} squeue -h -t PD -o %i | wc -l; }

# median COMMAND...: the median wall time of 5 runs, in ms.
median() {
    local i t0 t1 times=()
    for i in 1 2 3 4 5; do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; echo -1; return; }
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }

# The 1,000 live journal entries that `jobs` lists: 500 held jobs a site.
fill sitea 500 scale_live "$work/live.journal"
fill siteb 500 scale_live "$work/live.journal"
live_ids() { SLURM_CONF=${CONF[$1]} squeue -h -n scale_live -o %i | paste -sd,; }
ida=$(live_ids sitea) idb=$(live_ids siteb)
squeue_both() {
    SLURM_CONF=$HPCL_DEV_SITEA_CONF squeue -j "$ida" && SLURM_CONF=$HPCL_DEV_SITEB_CONF squeue -j "$idb"
}

# 100,000 settled entries: nothing to ask any site.
python3 "$top/bench/journal_gen.py" 100000 sitea >"$work/settled.journal"
export HPCLAUNCH_JOURNAL=$work/settled.journal
settled_text=$(median "$H" jobs)
settled_json=$(median "$H" jobs --json)
/usr/bin/time -o "$work/rss" -f %M "$H" jobs >/dev/null 2>&1
printf '100k settled journal entries: jobs %s ms, jobs --json %s ms, peak RSS %s MiB\n' \
    "$settled_text" "$settled_json" "$(awk -v k="$(tail -1 "$work/rss")" 'BEGIN { printf "%.1f", k / 1024 }')"
export HPCLAUNCH_JOURNAL=$work/journal

printf '%-7s %-6s %9s %9s %6s  %10s %8s  %9s %9s %6s\n' JOBS SITE "PROBE_ms" "TEST_ms" RATIO \
    "DECIDE_ms" "RSS_MiB" "JOBS_ms" "SQUEUE_ms" RATIO
for n in "${sizes[@]}"; do
    for site in sitea siteb; do
        fill "$site" $((n - $(queued "$site"))) scale_fill
    done
    decide=$(median "$H" submit --dry-run -t 1 -- /bin/true)
    /usr/bin/time -o "$work/rss" -f %M "$H" submit --dry-run -t 1 -- /bin/true >/dev/null 2>&1
    rss=$(tail -1 "$work/rss")
    jobs_ms=$(HPCLAUNCH_JOURNAL=$work/live.journal median "$H" jobs)
    squeue_ms=$(median squeue_both)
    for site in sitea siteb; do
        probe=$(median "$H" probe --site "$site" -t 1)
        test_only=$(SLURM_CONF=${CONF[$site]} median sbatch --test-only -t 1 --wrap true)
        printf '%-7s %-6s %9s %9s %6s  %10s %8s  %9s %9s %6s\n' "$(queued "$site")" "$site" "$probe" "$test_only" \
            "$(ratio "$probe" "$test_only")" "$decide" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
            "$jobs_ms" "$squeue_ms" "$(ratio "$jobs_ms" "$squeue_ms")"
    done
done
