#!/bin/bash
# Offline: the command line itself -- help from the option tables, "did
# you mean", refusals that name the option and why under one prefix
# (hpclaunch CMD:), usage errors that exit 2, arguments after the options
# passed on byte for byte, and the man pages listing every option of the
# tables.  No Slurm needed (every case fails before a site is asked).  TAP.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
H=${HPCLAUNCH:-$top_builddir/cli/hpclaunch}
unset HPCLAUNCH_CONF SBATCH_ARRAY_INX SBATCH_TIMELIMIT SBATCH_PARTITION
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# The commands, as the completion lists them (the dispatch table's).
commands=$("$H" __complete 1 hpclaunch "" | grep -vx help)

# A site file of two sites, so that no machine's own file is read.
conf=$tmp/sites.conf
cat >"$conf" <<'CONF'
[site alpha]
driver = slurm

[site beta]
driver = slurm
CONF

# refuse WANT_RC MESSAGE_RE DESCRIPTION COMMAND...: the command exits
# WANT_RC, and its first line on stderr is "hpclaunch CMD: ..." matching
# MESSAGE_RE (extended regular expression).
refuse() {
    local want=$1 re=$2 d=$3; shift 3
    "$@" >/dev/null 2>"$tmp/err"
    local rc=$? first
    first=$(head -n 1 "$tmp/err")
    if [ "$rc" -ne "$want" ]; then
        not_ok "$d (exit $rc, want $want)"; diag <"$tmp/err"
    elif ! grep -qE -- "$re" <<<"$first"; then
        not_ok "$d (message)"; diag <"$tmp/err"
    else
        ok "$d"
    fi
}

# --- help: one text per command, from its table ---------------------------
"$H" --help >"$tmp/top"
check "hpclaunch help is hpclaunch --help" \
    cmp -s "$tmp/top" <("$H" help)
for cmd in $commands; do
    check "--help lists $cmd" grep -qE "^  $cmd +[a-z]" "$tmp/top"
    "$H" "$cmd" --help >"$tmp/a"; rc=$?
    "$H" help "$cmd" >"$tmp/b"
    check "$cmd --help exits 0 with its usage" \
        [ $rc -eq 0 -a "$(head -c $((17 + ${#cmd})) "$tmp/a")" = "usage: hpclaunch $cmd" ]
    check "hpclaunch help $cmd prints $cmd --help" cmp -s "$tmp/a" "$tmp/b"
    check "$cmd --help ends with the exit statuses" \
        grep -q '^Exit status: ' "$tmp/a"
done

# --- did you mean ----------------------------------------------------------
refuse 2 "^hpclaunch: 'sumbit' is not a command; did you mean 'submit'\?$" \
    "unknown command: did you mean" "$H" sumbit -n 1 -- true
refuse 2 "did you mean 'status'" "help of an unknown command" "$H" help stauts
refuse 2 "^hpclaunch: 'frobnicate' is not a command; see" \
    "no suggestion for a word far from any command" "$H" frobnicate
refuse 2 "^hpclaunch submit: option '--ntask' is ambiguous .*did you mean '--ntasks'\?" \
    "submit --ntask: did you mean --ntasks" "$H" submit --ntask 2 -- true
refuse 2 "^hpclaunch status: unknown option '--jsn'; did you mean '--json'\?" \
    "status --jsn" "$H" status --jsn 1
refuse 2 "^hpclaunch plan: unknown option '--oversubscrbe'; did you mean '--oversubscribe'\?" \
    "plan --oversubscrbe" "$H" plan -n 2 --oversubscrbe
refuse 2 "^hpclaunch jobs: unknown option '--snice'; did you mean '--since'\?" \
    "jobs --snice=2h (the value is not part of the name)" "$H" jobs --snice=2h
refuse 2 "^hpclaunch: option --conf needs a value \(FILE\)" \
    "hpclaunch --conf without a value" "$H" --conf
refuse 2 "^hpclaunch topo: unknown option '--zzzzzz'$" \
    "no suggestion for an option far from any" "$H" topo --zzzzzz

# --- each refusal names the option and why ----------------------------------
refuse 2 "^hpclaunch probe: option -t/--time needs a value \(TIME\)" \
    "a missing value" "$H" probe -t
refuse 2 "^hpclaunch wait: option --timeout needs a value" \
    "a missing value of a long option" "$H" wait 1 --timeout
refuse 2 "^hpclaunch sites: option --json takes no value" \
    "a value given to a flag" "$H" sites --json=1
refuse 2 "^hpclaunch submit: unknown option '-Z'" "an unknown letter" \
    "$H" submit -Z -- true
refuse 2 "^hpclaunch submit: invalid value '1-x' for -a/--array: " \
    "a bad --array is a usage error" "$H" submit --conf "$conf" -a 1-x -- true
refuse 2 "^hpclaunch submit: invalid value '5-1' for -a/--array: " \
    "--array 5-1 (first above last)" "$H" submit --conf "$conf" -a 5-1 -- true
refuse 2 "^hpclaunch submit: invalid value '0-15:0' for -a/--array" \
    "--array with step 0" "$H" submit --conf "$conf" --array=0-15:0 -- true
refuse 2 "^hpclaunch submit: invalid value 'x' for -n/--ntasks" \
    "-n x" "$H" submit --conf "$conf" -n x -- true
refuse 2 "^hpclaunch submit: program '': the program name is empty" \
    "submit -- '' is a usage error" "$H" submit --conf "$conf" -- ''
refuse 2 "^hpclaunch submit: --site 'nowhere': unknown site 'nowhere' \(sites: alpha, beta" \
    "an unknown --site is a usage error" \
    "$H" submit --conf "$conf" --site nowhere -- true
refuse 2 "^hpclaunch probe: --site 'nowhere': unknown site" \
    "probe: an unknown --site is a usage error" \
    "$H" probe --conf "$conf" --site nowhere
# jobs --site: a site of the file, or one the journal still names (its
# site left the file); else a typo, refused as squeue -M refuses one.
python3 "$top_srcdir/bench/journal_gen.py" 1 gone >"$tmp/journal"
refuse 2 "^hpclaunch jobs: --site 'nowhere': unknown site 'nowhere' \(sites: alpha, beta; from .*\), and the journal has no job of it" \
    "jobs: an unknown --site is a usage error" \
    env HPCLAUNCH_JOURNAL="$tmp/journal" "$H" jobs --conf "$conf" --site nowhere
check "jobs: --site of a site that left the file lists its journal entries" \
    bash -c '[ "$(HPCLAUNCH_JOURNAL="$1" "$2" jobs --conf "$3" --site gone |
                 grep -c " gone ")" -eq 1 ]' _ "$tmp/journal" "$H" "$conf"
check "jobs: --site of a site of the file with no jobs is an empty list" \
    bash -c 'HPCLAUNCH_JOURNAL="$1" "$2" jobs --conf "$3" --site beta >"$4" &&
             [ "$(wc -l <"$4")" -eq 1 ]' _ "$tmp/journal" "$H" "$conf" "$tmp/out"
refuse 2 "^hpclaunch status: invalid job id 'abc' in job reference 'alpha:abc'" \
    "a malformed reference is a usage error" "$H" status --conf "$conf" alpha:abc
refuse 2 "^hpclaunch status: unknown site 'nowhere' in job reference" \
    "a reference to an unknown site is a usage error" \
    "$H" status --conf "$conf" nowhere:12
refuse 2 "^hpclaunch cancel: invalid job id '12x'" "cancel 12x" \
    "$H" cancel --conf "$conf" 12x
refuse 2 "^hpclaunch wait: unknown site 'x' in job reference 'x:1'" "wait x:1" \
    "$H" wait --conf "$conf" x:1
refuse 2 "^hpclaunch status: no job given" "status without a job" \
    "$H" status --conf "$conf"
refuse 2 "^hpclaunch plan: unexpected argument 'extra'" "a stray word" \
    "$H" plan -n 1 extra
# local: names the home site with a site file too (the reference a job
# submitted without one was given): the id is what is wrong here.
refuse 2 "^hpclaunch status: invalid job id 'abc' in job reference 'local:abc'" \
    "local:ID is the home site when a site file is loaded" \
    "$H" status --conf "$conf" local:abc
printf '#!/bin/sh\n#SBATCH --ntask=2\ntrue\n' >"$tmp/job.sh"
refuse 2 "^hpclaunch submit: $tmp/job.sh:2: option '--ntask' is ambiguous.*did you mean '--ntasks'" \
    "a directive's option: where, and did you mean" \
    "$H" submit --conf "$conf" "$tmp/job.sh"
printf '#!/bin/sh\n#SBATCH --help\ntrue\n' >"$tmp/job.sh"
refuse 2 "^hpclaunch submit: $tmp/job.sh:2: --help is not a job option" \
    "--help in a directive is refused" "$H" submit --conf "$conf" "$tmp/job.sh"
refuse 2 "^hpclaunch submit: SBATCH_TIMELIMIT: invalid value 'soon' for -t/--time" \
    "an SBATCH_* variable is named" \
    env SBATCH_TIMELIMIT=soon "$H" submit --conf "$conf" -- true

# --- after the options, words are the program's, byte for byte -------------
out=$(SLURM_LOCALID=0 SLURM_TASKS_PER_NODE=1 "$H" pin -- printf '%s|' \
    --help '-n 3' '' 'a b' '--cpus-per-task=2')
check "pin passes the program's arguments unchanged" \
    [ "$out" = "--help|-n 3||a b|--cpus-per-task=2|" ]
out=$(SLURM_LOCALID=0 SLURM_TASKS_PER_NODE=1 "$H" pin -c 1 printf '%s|' -c 2 --)
check "options end at the program, without --" [ "$out" = "-c|2|--|" ]
out=$("$H" submit --conf "$conf" --print-script -n 2 ./app --ntasks '' "x'y")
check "submit: the program's options stay its own" \
    grep -qF "'./app' '--ntasks' '' 'x'\\''y'" <<<"$out"
check "submit: -n before the program is the job's" \
    grep -q '^#SBATCH --ntasks=2$' <<<"$out"

# --- the man pages list every option of the tables -------------------------
for cmd in $commands; do
    page=$top_srcdir/man/man1/hpclaunch-$cmd.1 missing=
    for o in $("$H" __complete 2 hpclaunch "$cmd" --); do
        grep -qF -- "${o//-/\\-}" "$page" || missing="$missing $o"
    done
    check "hpclaunch-$cmd(1) lists every option${missing:+ (not:$missing)}" \
        [ -z "$missing" ]
done

tap_done
