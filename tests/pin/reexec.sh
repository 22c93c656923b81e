#!/bin/bash
# make check: OpenMP from the first line (lib/place/pin_reexec.c).  A
# GCC OpenMP program calls hpcl_pin_self() first, as the only task of this
# node (Open MPI's variables, no mpirun needed): the library starts it
# again once, in the same process, and libgomp then has the plan's
# threads and places.  Also: the opt-out, a bad HPCL_PIN_REEXEC, nothing
# to do when the variables were there from the start, never twice.  TAP.
top_builddir=${top_builddir:-.}
probe=$top_builddir/tests/pin/reexec_probe
. "$(dirname "$0")/../tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

unset OMP_NUM_THREADS OMP_PLACES OMP_PROC_BIND HPCL_THREADS_PER_TASK \
    HPCL_GPUS_PER_TASK HPCL_SMT HPCL_DISTRIBUTION HPCL_OVERSUBSCRIBE \
    HPCL_PINNED HPCL_PIN_REEXEC HPCL_PIN_REEXECED SLURM_CPUS_PER_TASK \
    SLURM_LOCALID PMIX_LOCAL_RANK MPI_LOCALRANKID HPCL_HWLOC_XMLFILE
export OMPI_COMM_WORLD_LOCAL_RANK=0 OMPI_COMM_WORLD_LOCAL_SIZE=1
# Two threads where this process may use two CPUs, else one.
cpus=$(grep -c . <(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
    awk -F- '{for (i = $1; i <= ($2 == "" ? $1 : $2); i++) print i}'))
threads=$((cpus >= 2 ? 2 : 1))
export HPCL_THREADS_PER_TASK=$threads

# starts FILE: how many times main() began; pids FILE: how many pids
starts() { grep -c '^start pid=' "$1"; }
pids() { sed -n 's/^start pid=//p' "$1" | sort -u | wc -l; }
# places_ok FILE: THREADS lines, thread i on place i, its CPU in that
# place of OMP_PLACES ("{0},{1}" or "{0,1},{2,3}").
places_ok() {
    awk -v want="$2" '
        /^thread=/ {
            split($1, t, "[=/]"); split($2, p, "="); split($3, c, "=")
            split($4, pl, "=")
            n++; if (t[3] != want || p[2] != t[2]) bad++
            s = pl[2]; gsub(/^\{|\}$/, "", s); k = split(s, entry, /\},\{/)
            if (p[2] < 0 || p[2] >= k) { bad++; next }
            m = split(entry[p[2] + 1], ids, ","); found = 0
            for (i = 1; i <= m; i++) if (ids[i] == c[2]) found = 1
            if (!found) bad++
        }
        END { exit !(n == want && bad == 0) }' "$1"
}

"$probe" >"$tmp/auto" 2>&1
check "auto: exits 0" [ $? -eq 0 ]
check "auto: main() began twice, in one process" \
    [ "$(starts "$tmp/auto")" -eq 2 -a "$(pids "$tmp/auto")" -eq 1 ]
check "auto: $threads threads, thread i on OpenMP place i, its CPU in that place" \
    places_ok "$tmp/auto" "$threads"
diag <"$tmp/auto"

HPCL_PIN_REEXEC=never "$probe" >"$tmp/never" 2>&1
check "never: main() began once" [ "$(starts "$tmp/never")" -eq 1 ]
check "never: libgomp never read OMP_PLACES (place -1): what auto fixes" \
    [ "$(grep -c 'place=-1 ' "$tmp/never")" -ge 1 ]
diag <"$tmp/never"

HPCL_PIN_REEXEC=sometimes "$probe" >"$tmp/bad" 2>&1
check "HPCL_PIN_REEXEC=sometimes: pin fails (HPCL_E_INVAL) naming the values" \
    grep -q '^pin: 1 HPCL_PIN_REEXEC=sometimes: use auto .*always or never' \
    "$tmp/bad"
check "... before anything started again" [ "$(starts "$tmp/bad")" -eq 1 ]

# The variables the plan sets, there from the start: nothing to re-read,
# but a runtime that bound its first thread before main() (GCC 14's
# libgomp does; GCC 12's does not) lost that binding to the pin: once
# more then, and never more.
eval "$(sed -n 's/^thread=0\/[0-9]* .* places=\(.*\)$/OMP_PLACES="\1"/p' "$tmp/auto")"
OMP_PLACES=$OMP_PLACES OMP_NUM_THREADS=$threads OMP_PROC_BIND=close \
    "$probe" >"$tmp/same" 2>&1
same_ok() { [ "$(starts "$tmp/same")" -le 2 ] && places_ok "$tmp/same" "$threads"; }
check "OMP_* already the plan's at start: main() began once (twice if the runtime had bound its first thread), places right" \
    same_ok
diag <"$tmp/same"

# Never twice: the marker names this very process.
bash -c 'HPCL_PIN_REEXECED=$$ exec "$0"' "$probe" >"$tmp/twice" 2>&1
check "HPCL_PIN_REEXECED = own pid: not started again" \
    [ "$(starts "$tmp/twice")" -eq 1 ]
# A marker inherited from a parent (another pid) does not stop it.
HPCL_PIN_REEXECED=1 "$probe" >"$tmp/parent" 2>&1
check "HPCL_PIN_REEXECED of another pid: started again" \
    [ "$(starts "$tmp/parent")" -eq 2 ]

tap_done
