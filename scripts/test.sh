#!/bin/bash
# The README's test command: install dependencies, build, start the dev
# cluster, run the unit tests, the live tests, and the unit tests again
# under AddressSanitizer + UndefinedBehaviorSanitizer.  Exit 0 only if all
# of it passed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export HPCL_DEV_DIR=${HPCL_DEV_DIR:-/var/tmp/hpclaunch-dev}
prefix=$HPCL_DEV_DIR/prefix
passed=0 failed=0

stage() { # stage NAME COMMAND...: run one stage, count it, keep going
    local name=$1; shift
    echo "=== $name"
    local t0=$SECONDS
    if "$@"; then
        echo "=== $name: ok ($((SECONDS - t0)) s)"; passed=$((passed + 1))
    else
        echo "=== $name: FAILED ($((SECONDS - t0)) s)"; failed=$((failed + 1))
        return 1
    fi
}

unit_tests() { # unit_tests BUILDDIR [RUN...]: make check (run by RUN), logs of failures shown
    "${@:2}" make -C "$1" -j"$(nproc)" check >"$1/check.out" 2>&1
    local rc=$?
    grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):|^# (TOTAL|PASS|FAIL|ERROR)' "$1/check.out"
    if [ $rc -ne 0 ]; then
        tail -30 "$1/check.out"
        for log in $(grep -lE '^(not ok|FAIL|ERROR)' $(find "$1/tests" -name '*.log') 2>/dev/null); do
            echo "--- $log"; grep -vE '^ok ' "$log" | head -60
        done
    fi
    return $rc
}

# The Debian 13 root (dev/debian13, cached; site C runs from it too): the
# tree is bound at its own path, with /sys for hwloc and ../shared (the
# real-machine topologies) when there is one.  make's autotools are off in
# there: the generated files come from the Debian 12 build, and the root's
# automake is another version.
d13_binds="$top /sys"
[ -d "$top/../shared" ] && d13_binds="$d13_binds $(cd "$top/../shared" && pwd)"
in_debian13() { # in_debian13 COMMAND...: run it inside the Debian 13 root
    HPCL_ROOT_BIND=$d13_binds MAKEFLAGS="ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true" \
        bash dev/debian13 run "$@"
}
debian13_build() { # hpclaunch against libslurm 24.11, warnings fatal
    local b=$top/_build/debian13
    bash dev/debian13 build || return 1
    in_debian13 bash -c 'mkdir -p "$1" && cd "$1" || exit 1
        [ -f Makefile ] || "$2/configure" --enable-werror >configure.out 2>&1 ||
            { tail -20 configure.out; exit 1; }
        make -j"$(nproc)" >make.out 2>&1 ||
            { grep -E "error|warning" make.out | head -40; tail -20 make.out; exit 1; }
        sed -n "s/^#define HPCL_SLURM_VERSION \"\(.*\)\"/libslurm version: \1/p" config.h' sh "$b" "$top"
}

install_tree() {
    make -C "$1" install >"$1/install.out" 2>&1 || { tail -20 "$1/install.out"; return 1; }
}

stage "install dependencies" bash scripts/install-deps.sh || exit 1
stage "build" scripts/build.sh _build/main --prefix="$prefix" --enable-werror || exit 1
stage "unit tests" unit_tests _build/main
stage "install into $prefix" install_tree _build/main || exit 1
stage "start dev cluster" bash dev/cluster start || exit 1
stage "live tests" bash tests/live/run.sh _build/main "$prefix"
stage "sanitizer build" scripts/build.sh _build/asan --enable-sanitizers --enable-werror &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        stage "unit tests (ASan+UBSan)" unit_tests _build/asan
# The libFuzzer harnesses (tests/fuzz/README.md): every input kept in
# tests/fuzz/corpus replayed, then a short search, FUZZ_TIME s each.
fuzz_smoke() {
    scripts/build.sh _build/fuzz --enable-fuzzing CC=clang CXX=clang++ \
        --without-mpi --without-fortran &&
        make -C _build/fuzz fuzz-smoke FUZZ_TIME="${FUZZ_TIME:-25}"
}
stage "fuzz smoke" fuzz_smoke
stage "Debian 13 build (libslurm 24.11)" debian13_build &&
    stage "unit tests (Debian 13, libslurm 24.11)" unit_tests "$top/_build/debian13" in_debian13

echo "test stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
