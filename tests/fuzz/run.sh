#!/bin/bash
# Run the fuzz harnesses (tests/fuzz/README.md):
#   run.sh smoke|long SRCDIR BUILDDIR HARNESS...
# smoke: FUZZ_TIME seconds each (default 25); long: FUZZ_RUNS executions
# (default 10^7) or FUZZ_TIME seconds (default 14400), whichever comes
# first.
# Each harness first replays its corpus (tests/fuzz/corpus/NAME: seeds
# and every regression input), then fuzzes from there and the seeds made
# from the fixtures (seeds.py); what it learns stays in
# BUILDDIR/tests/fuzz/work/NAME.  A crash leaves its input in
# BUILDDIR/tests/fuzz/findings/ and fails the run.  One line per harness
# goes to BUILDDIR/tests/fuzz/summary.txt: executions, edges, seconds.
set -uo pipefail
mode=$1 src=$2 build=$3; shift 3
case $mode in
smoke) time_s=${FUZZ_TIME:-25} ;;
long) time_s=${FUZZ_TIME:-14400} ;;
*) echo "run.sh: unknown mode '$mode' (smoke or long)" >&2; exit 2 ;;
esac
out=$build/tests/fuzz
mkdir -p "$out/findings" "$out/work" "$out/seeds"
python3 "$src/tests/fuzz/seeds.py" "$src" "$out/seeds" || exit 1
summary=$out/summary.txt
: >"$summary"
failed=0
for bin in "$@"; do
    name=$(basename "$bin"); name=${name#fuzz_}
    corpus=$src/tests/fuzz/corpus/$name
    work=$out/work/$name
    mkdir -p "$work"
    dirs=("$work" "$corpus")
    [ -d "$out/seeds/$name" ] && dirs+=("$out/seeds/$name")
    case $name in rest|topo_xml) max_len=131072 ;; *) max_len=8192 ;; esac
    runs=${FUZZ_RUNS:-10000000}
    # topo_xml: hwloc's own leaks on malformed XML (tests/fuzz/lsan.supp);
    # a smaller quarantine of freed memory (libxml2 frees thousands of
    # blocks a file; fresh pages for each took a third of the time); and
    # the inputs that make hwloc size a bitmap by a 4-billion index (a
    # second each, and 512 MiB a bitmap: a higher memory limit) picked
    # less often than fast ones.  Its leaks are looked for at the end of
    # a run, not after each input: an input that crashes hwloc leaves
    # what hwloc had allocated, and the search that follows each such
    # input (a scan of the whole heap) came to take most of the time.
    # That memory stays (about 0.3 MB a crash), so a long run is rounds
    # of half a million executions, each a new process on the corpus
    # the last one left, as libFuzzer's -fork mode does.
    lsan=${LSAN_OPTIONS:-} asan=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    rss_mb=2048 round=$runs opts=()
    if [ "$name" = topo_xml ]; then
        rss_mb=4096 round=500000
        [ -z "$lsan" ] &&
            lsan=suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0
        [ -z "${ASAN_OPTIONS:-}" ] && asan=$asan:quarantine_size_mb=16
        opts=(-entropic_scale_per_exec_time=1 -detect_leaks=0)
    fi
    log=$out/$name.log
    : >"$log"
    t0=$SECONDS execs=0 rounds=0 rc=0
    while :; do
        left_s=$((time_s - (SECONDS - t0)))
        limit=(-max_total_time=$((left_s > 0 ? left_s : 1)))
        if [ "$mode" = long ]; then
            n=$((runs - execs < round ? runs - execs : round))
            limit+=(-runs=$n)
        fi
        # Leaks are findings too; a run stops at the first one.
        ASAN_OPTIONS=$asan \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        LSAN_OPTIONS=$lsan \
            "$bin" "${limit[@]}" "${opts[@]}" -max_len=$max_len -timeout=10 \
            -rss_limit_mb=$rss_mb -print_final_stats=1 \
            -artifact_prefix="$out/findings/$name-" "${dirs[@]}" \
            >"$log.round" 2>&1
        rc=$?
        cat "$log.round" >>"$log"
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log.round" | tail -1)
        execs=$((execs + ${n:-0})) rounds=$((rounds + 1))
        [ $rc -eq 0 ] && [ "$mode" = long ] && [ $execs -lt "$runs" ] &&
            [ $((SECONDS - t0)) -lt "$time_s" ] || break
    done
    rm -f "$log.round"
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    line="$name: $execs executions, ${cov:-?} edges (cov), $((SECONDS - t0)) s"
    [ $rounds -gt 1 ] && line="$line, in $rounds processes"
    if [ $rc -ne 0 ]; then
        line="$line: FINDING (exit $rc, see $log and $out/findings)"
        failed=$((failed + 1))
        grep -E 'ERROR|runtime error|SUMMARY|==[0-9]+==' "$log" | head -20
    fi
    echo "$line" | tee -a "$summary"
done
[ $failed -eq 0 ]
