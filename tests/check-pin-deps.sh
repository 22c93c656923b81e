#!/bin/bash
# Placement needs hwloc alone: a program that places and pins (hpclaunch
# pin, plan, topo; hpcl_pin_self) loads neither libslurm, jansson, inih
# nor libcurl.  The library and the tool are not linked with them; jansson,
# inih and libcurl are loaded with dlopen() by the features that need them
# and libslurm only by the helper program (hpclaunch(7), LIBRARIES).
# Checked on the built binaries: their NEEDED entries, their undefined
# symbols, and what the dynamic loader says it loads (LD_DEBUG=files)
# while they run.  TAP.
top_builddir=${top_builddir:-.}
libdir=$(cd "$top_builddir/lib/.libs" 2>/dev/null && pwd)
lib=$libdir/libhpclaunch.so
# The real program, not libtool's wrapper script: that may relink it, and
# the linker itself loads jansson.
bin=$top_builddir/cli/.libs/hpclaunch
[ -x "$bin" ] || bin=$top_builddir/cli/hpclaunch # built without libtool's
forbidden='libslurm|libjansson|libinih|libcurl'
. "$(dirname "$0")/tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# needed FILE: no forbidden library among its NEEDED entries.
needed() {
    local what=$1 file=$2 bad
    if [ ! -f "$file" ]; then
        not_ok "$what: $file exists (build the shared library)"
        return
    fi
    bad=$(readelf -d "$file" | grep '(NEEDED)' | grep -E "$forbidden")
    if [ -z "$bad" ]; then ok "$what: NEEDED has none of $forbidden"
    else not_ok "$what: NEEDED has $forbidden"; diag <<<"$bad"; fi
}
needed "the library" "$lib"
needed "hpclaunch" "$bin"

# A call not routed through a loader (core/jansson_load.h, ...) leaves an
# undefined symbol, which would pull the library back in.
bad=$(nm -D --undefined-only "$lib" 2>&1 |
    grep -E ' (json_|jansson_|ini_|curl_|slurm_)')
what="the library leaves no jansson, inih, curl or slurm symbol undefined"
if [ -z "$bad" ]; then ok "$what"; else not_ok "$what"; diag <<<"$bad"; fi

# run NAME ARGS...: hpclaunch ARGS under LD_DEBUG=files, one task of srun
# on this machine; the loader's report in $tmp/NAME.ld, the status in rc.
run() {
    local name=$1; shift
    env -u HPCL_HWLOC_XMLFILE -u HPCL_PINNED -u OMP_NUM_THREADS \
        -u OMPI_COMM_WORLD_LOCAL_RANK -u PMIX_LOCAL_RANK -u MPI_LOCALRANKID \
        -u SLURM_JOB_ID -u SLURM_STEP_ID -u SLURM_CPUS_PER_TASK \
        -u SLURM_GPUS_PER_TASK -u HPCL_THREADS_PER_TASK -u HPCL_GPUS_PER_TASK \
        SLURM_LOCALID=0 SLURM_TASKS_PER_NODE=1 \
        LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        LD_DEBUG=files "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.ld"
    rc=$?
}

# loads NAME: what the loader reports loading (linked or dlopen'ed).
loaded() {
    grep -oE 'file=[^ ]+ \[[0-9]+\]; +(needed|dynamically loaded) by' \
        "$tmp/$1.ld" | sed 's/^file=//; s/ .*//' | sort -u
}

# clean NAME DESCRIPTION: the run exited 0 and loaded nothing forbidden.
clean() {
    local bad
    bad=$(loaded "$1" | grep -E "$forbidden")
    if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then ok "$2 loads none of $forbidden"
    else not_ok "$2 loads none of $forbidden (exit $rc)"
        { echo "$bad"; grep -v '^ *[0-9]*:' "$tmp/$1.ld"; } | diag; fi
}

run pin pin -- /bin/true
# The report is real: it names the libraries this hpclaunch runs with.
if grep -q "calling init: $lib" "$tmp/pin.ld" &&
    loaded pin | grep -q '^libhwloc'; then
    ok "LD_DEBUG shows the built library and hwloc loaded"
else
    not_ok "LD_DEBUG shows the built library and hwloc loaded"
    head -20 "$tmp/pin.ld" | diag
fi
clean pin "hpclaunch pin -- /bin/true (rank 0 of 1 under srun)"
run plan plan -n 2 --json
clean plan "hpclaunch plan -n 2 --json"
run topo topo
clean topo "hpclaunch topo"
run topojson topo --json
clean topojson "hpclaunch topo --json"

# And the loaders do load them when needed: reading a site file loads
# inih, listing the journal's jobs as JSON loads jansson.
journal=$tmp/journal
printf '[defaults]\njournal = %s\n[site a]\ndriver = slurm\n' \
    "$journal" >"$tmp/site.conf"
run jobs jobs --json --conf "$tmp/site.conf"
got=$(grep -oE 'file=[^ ]+ \[[0-9]+\]; +dynamically loaded by' \
    "$tmp/jobs.ld" | grep -oE 'lib(inih|jansson)[^ ]*' | sort -u | tr '\n' ' ')
if [ "$rc" -eq 0 ] && grep -q libinih <<<"$got" &&
    grep -q libjansson <<<"$got"; then
    ok "hpclaunch jobs loads inih and jansson with dlopen ($got)"
else
    not_ok "hpclaunch jobs loads inih and jansson with dlopen (exit $rc)"
    { cat "$tmp/jobs.out"; grep -v '^ *[0-9]*:' "$tmp/jobs.ld"; } | diag
fi

tap_done
