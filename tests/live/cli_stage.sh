#!/bin/bash
# Live: data in the decision, and the data moved with the job (issue 16).
# Home (site A) moderately busy, a 200 MB input at home: a slow link to
# site B keeps the job home, a fast one sends it to B -- staged over B's
# sshd data endpoint, verified, run there, its output brought back with
# the same checksum.  A budget too small for B keeps it home; one too
# small for any site refuses it with the reason.  A byte flipped in the
# copy (an rsync wrapper, HPCL_RSYNC) is caught and copied again.  A
# submission killed while staging, run again, copies no verified file
# twice and makes exactly one job.  jobs --prune then drops the transfers
# log's lines of the jobs it drops: their outputs, and their inputs
# changed since; their unchanged inputs and the running job's stay.
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_stage.$$
mkdir -p "$work"
H=$HPCLAUNCH
export HPCLAUNCH_JOURNAL=$work/journal
log=$work/journal.transfers
refs=() fill=()

cleanup() {
    [ "${#refs[@]}" -gt 0 ] && "$H" cancel "${refs[@]}" >/dev/null 2>&1
    [ "${#fill[@]}" -gt 0 ] && scancel "${fill[@]}" >/dev/null 2>&1
    rm -rf "$work" "$HPCL_DEV_DATA_DIR/siteb$work"
}
trap cleanup EXIT
cd "$work" || exit 1

# sites BANDWIDTH [BWLIMIT]: a site file of A (home) and B with a link of
# BANDWIDTH; A is cheap and dirty, B dear and green.
sites() {
    sed -n '/^\[site sitec\]/q;p' "$HPCL_DEV_DIR/hpclaunch.conf" |
        sed -e "s/^bandwidth = .*/bandwidth = $1/" -e 's/^max_wait = .*/max_wait = 20s/' \
            -e '/^\[site sitea\]/a price_core_hour = 0.02\ncarbon_intensity = 400' \
            -e '/^\[site siteb\]/a price_core_hour = 0.10\ncarbon_intensity = 40' \
            -e '/^\[defaults\]/a currency = EUR' >"$work/sites.conf"
    [ -n "${2:-}" ] && echo "bwlimit = $2" >>"$work/sites.conf"
    export HPCLAUNCH_CONF=$work/sites.conf
}

# chosen: the site of a dry run's JSON decision (stdin).
chosen() { python3 -c 'import json,sys; print(json.load(sys.stdin)["decision"]["chosen"])'; }

head -c 200000000 /dev/urandom >"$work/in.dat"
want=$(sha256sum <"$work/in.dat" | cut -d' ' -f1)

# Home moderately busy: every node of A taken by a 5-minute job.
for _ in 1 2 3 4; do
    fill+=("$(sbatch --parsable -N1 --exclusive -t 5 -o /dev/null --wrap 'sleep 300')")
done
sleep 3
job=(-n 1 -t 10 -J stage_t --input "$work/in.dat" --output-back "$work/out.txt"
     -o "$work/out.txt" -- sha256sum "$work/in.dat")

sites 100k
out=$("$H" submit --dry-run --json "${job[@]}" 2>&1)
"$H" submit --dry-run --explain "${job[@]}" 2>&1 | diag
check "slow link (100 kB/s, 200 MB): the job stays home" [ "$(echo "$out" | chosen)" = sitea ]

sites 1G
"$H" submit --dry-run --explain "${job[@]}" 2>&1 | diag
out=$("$H" submit --dry-run --json "${job[@]}" 2>&1)
check "fast link (1 GB/s): the job goes to siteb" [ "$(echo "$out" | chosen)" = siteb ]

# Budget: B costs 0.10/core-hour x 10 min = 0.0167 EUR, A 0.0033.
out=$("$H" submit --dry-run --json --budget 0.01 "${job[@]}" 2>&1)
check "a budget too small for siteb keeps the job home" [ "$(echo "$out" | chosen)" = sitea ]
err=$("$H" submit --dry-run --budget 0.001 "${job[@]}" 2>&1); rc=$?
echo "$err" | diag
check "a budget too small for every site: refused with the reason" \
    bash -c '[ "$1" -eq 1 ] && grep -q "over the budget" <<<"$2"' _ "$rc" "$err"

# The real thing: staged, verified, run at siteb, output back, verified.
out=$("$H" submit --wait --timeout 120 "${job[@]}" 2>&1); rc=$?
echo "$out" | diag
ref=$(echo "$out" | sed -n 's/^Submitted batch job //p')
refs+=("$ref")
check "fast link: submitted to siteb and completed" \
    bash -c '[ "$1" -eq 0 ] && [[ $2 == siteb:* ]]' _ "$rc" "$ref"
check "the input is verified at siteb (transfers log)" grep -q "^V siteb $want " "$log"
got=$(awk '/in.dat$/ {print $1}' "$work/out.txt" 2>/dev/null)
check "the output came back: the job's sha256 of its input equals home's" [ "$got" = "$want" ]
check "the output came back verified (transfers log)" grep -q "^B siteb .* $work/out.txt\$" "$log"

# A byte flipped in the copy: caught, copied again, job runs.
cat >"$work/rsync-flip" <<EOS
#!/bin/bash
rsync "\$@" || exit
[ -e "$work/flipped" ] && exit 0
touch "$work/flipped"
f=$HPCL_DEV_DATA_DIR/siteb$work/small.dat
printf 'X' | dd of="\$f" bs=1 seek=1000 conv=notrunc status=none
EOS
chmod +x "$work/rsync-flip"
head -c 3000000 /dev/urandom >"$work/small.dat"
err=$(HPCL_RSYNC=$work/rsync-flip "$H" submit --site siteb --parsable -n1 -t1 -J stage_flip \
    --input "$work/small.dat" -o /dev/null -- sha256sum "$work/small.dat" 2>&1); rc=$?
echo "$err" | diag
refs+=("$(echo "$err" | tail -1)")
check "a flipped byte is detected" \
    bash -c '[ -e "$1" ] && grep -q "differs at the site" <<<"$2"' _ "$work/flipped" "$err"
check "... copied again: the copy at siteb now equals home's" \
    [ "$(sha256sum <"$HPCL_DEV_DATA_DIR/siteb$work/small.dat")" = "$(sha256sum <"$work/small.dat")" ]
check "... and the job was submitted" [ "$rc" -eq 0 ]

# SIGKILL while staging (20 MB/s: 10 s for 200 MB), then again.
mkdir -p "$work/set" && head -c 1000000 /dev/urandom >"$work/set/a.dat" &&
    head -c 200000000 /dev/urandom >"$work/set/big.dat"
sites 1G 20000
kjob=(--site siteb --parsable -n1 -t5 -J stage_kill --input "$work/set" -o /dev/null -- sleep 60)
"$H" submit "${kjob[@]}" >"$work/k1.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "a.dat" "$log" 2>/dev/null && break; sleep 0.1; done
sleep 2
kill -KILL "$pid"; wait "$pid" 2>/dev/null
check "killed while staging: a.dat verified, big.dat not yet" \
    bash -c '[ "$(grep -c " $1/set/a.dat\$" "$2")" -eq 1 ] && ! grep -q " $1/set/big.dat\$" "$2"' _ "$work" "$log"
sites 1G
ref=$("$H" submit "${kjob[@]}" 2>"$work/k2.err"); rc=$?
diag <"$work/k2.err"
refs+=("$ref")
check "the rerun submits" bash -c '[ "$1" -eq 0 ] && [[ $2 == siteb:* ]]' _ "$rc" "$ref"
check "the rerun copied no verified file again (a.dat logged once)" \
    [ "$(grep -c "^V siteb .* $work/set/a.dat\$" "$log")" -eq 1 ]
check "big.dat verified at siteb after the rerun" grep -q "^V siteb .* $work/set/big.dat\$" "$log"
n=$(SLURM_CONF=$HPCL_DEV_SITEB_CONF squeue -h -n stage_kill | wc -l)
check "exactly one job (not $n)" [ "$n" -eq 1 ]

# The first job ended (submit --wait saw it); in.dat changes since.
echo changed >>"$work/in.dat"
"$H" jobs >/dev/null 2>&1
sleep 1
"$H" jobs --prune 0 >"$work/prune.out" 2>&1
diag <"$work/prune.out"
check "--prune: the ended job's output lines leave the transfers log" \
    [ "$(grep -c " $work/out.txt\$" "$log")" -eq 0 ]
check "--prune: its input changed since, its line leaves too" \
    [ "$(grep -c " $work/in.dat\$" "$log")" -eq 0 ]
check "--prune: the input of the other ended job, unchanged, stays" \
    [ "$(grep -c "^V siteb .* $work/small.dat\$" "$log")" -eq 1 ]
check "--prune: the running job's inputs stay" \
    [ "$(grep -c "^V siteb .* $work/set/[ab][a-z]*.dat\$" "$log")" -eq 2 ]
check "--prune: the transfers log keeps mode 600" [ "$(stat -c %a "$log")" = 600 ]
tap_done
