#!/bin/bash
# Offline: the bash completion (cli/completion/hpclaunch), driven as bash
# drives it -- COMP_WORDS and COMP_CWORD set, the function called, the
# candidates read from COMPREPLY -- over `hpclaunch __complete` of this
# build.  No terminal, no Slurm.  TAP.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
H=${HPCLAUNCH:-$top_builddir/cli/hpclaunch}
case $H in /*) ;; *) H=$PWD/$H ;; esac
unset HPCLAUNCH_CONF
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# compopt works only inside a completion bash started; outside, a no-op.
compopt() { :; }
# shellcheck source=../../cli/completion/hpclaunch
source "$top_srcdir/cli/completion/hpclaunch"

# complete WANT DESCRIPTION WORD... (the last word is the current one):
# every word of WANT (space-separated) is offered, and nothing else
# when WANT starts with '='.
complete_is() {
    local want=$1 d=$2; shift 2
    COMP_WORDS=("$H" "$@")
    COMP_CWORD=$(($# ))
    _hpclaunch
    local got=" ${COMPREPLY[*]} " w exact=0
    [ "${want#=}" != "$want" ] && { exact=1; want=${want#=}; }
    for w in $want; do
        case $got in *" $w "*) ;; *) not_ok "$d (no '$w' in:$got)"; return ;;
        esac
    done
    if [ $exact -eq 1 ] && [ "${#COMPREPLY[@]}" -ne "$(wc -w <<<"$want")" ]
    then not_ok "$d (more than '$want':$got)"; return; fi
    ok "$d"
}

complete_is "=submit sites status" "commands by prefix" s
complete_is "=submit" "sub -> submit" sub
complete_is "submit status wait cancel fetch probe sites jobs topo plan pin run help" \
    "every command on an empty word" ""
complete_is "=--conf" "global options" --co
complete_is "=submit" "help COMMAND" help sub
complete_is "=--ntasks --ntasks-per-node" "submit's job options" submit --ntasks
complete_is "--wait --max-wait --site --explain --print-script" \
    "submit's own options" submit --
complete_is "=--json" "status --j" status --j
complete_is "=--timeout" "wait --t" wait --t
complete_is "=--hint" "plan: shared task options" plan --hi
complete_is "=--keep-binding" "pin's own option" pin --keep
complete_is "=--dry-run" "run's own option" run --dry
complete_is "=--topology" "topo: topology options" topo --topo
complete_is "=multithread nomultithread" "--hint VALUE" plan --hint ""
complete_is "=nomultithread" "--hint=no (bash splits at =)" plan --hint = no
complete_is "=--distribution=compact" "--distribution=c in one word" plan --distribution=c
complete_is "=srun mpirun none" "--launcher values" submit --launcher ""
complete_is "=mpirun" "--launcher m" submit --launcher m
complete_is "=srun mpirun" "run --launcher values" run --launcher ""
complete_is "=END" "--mail-type E" submit --mail-type EN

# --site: the site file's names, from --conf before or after the command
cat >"$tmp/sites.conf" <<'CONF'
[site alpha]
driver = slurm

[site beta]
driver = slurm
CONF
complete_is "=alpha beta" "submit --site: the site names" \
    submit --conf "$tmp/sites.conf" --site ""
complete_is "=beta" "probe --site b" probe --conf="$tmp/sites.conf" --site b
complete_is "=alpha" "jobs --site with --conf before the command" \
    --conf "$tmp/sites.conf" jobs --site a
complete_is "=alpha beta" "--site = (bash splits at =)" \
    submit --conf "$tmp/sites.conf" --site = ""
HPCLAUNCH_CONF=$tmp/sites.conf complete_is "=alpha" \
    "HPCLAUNCH_CONF names the site file" submit --site al

# files: a program after the options, a script, -o
touch "$tmp/job.sh" "$tmp/job.out"
complete_is "$tmp/job.sh" "the program of submit is a file" \
    submit -n 2 "$tmp/job."
complete_is "$tmp/job.sh" "after --, files" submit -- "$tmp/job.s"
complete_is "$tmp/job.out" "the program's own options are not ours" \
    submit "$tmp/job.sh" --foo "$tmp/job.o"
complete_is "$tmp/job.out" "-o PATTERN: files" submit -o "$tmp/job.o"
complete_is "=" "nothing for a job reference" status ""
complete_is "=" "nothing for an unknown command" sumbit --

# the candidates are the tables': --help of each command lists them all
for cmd in $("$H" __complete 1 hpclaunch "" | grep -vx help); do
    COMP_WORDS=("$H" "$cmd" --); COMP_CWORD=2; _hpclaunch
    missing=
    for o in "${COMPREPLY[@]}"; do
        "$H" "$cmd" --help | grep -q -- "$o\\b" || missing="$missing $o"
    done
    check "$cmd: every completed option is in --help${missing:+ (not:$missing)}" \
        [ -z "$missing" -a "${#COMPREPLY[@]}" -gt 1 ]
done

tap_done
