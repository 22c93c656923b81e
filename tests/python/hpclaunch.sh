#!/bin/sh
# make check: the Python package (python/hpclaunch) from the source tree on
# the built library; skipped, saying so, without python3.  TAP.
top_srcdir=${top_srcdir:-.}; top_builddir=${top_builddir:-.}
py=${PYTHON:-python3}
case $py in ""|no|:) py=python3 ;; esac
if ! command -v "$py" >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 not found: the Python package is not tested"
    exit 0
fi
lib=$(cd "$top_builddir/lib/.libs" 2>/dev/null && pwd)/libhpclaunch.so
if [ ! -f "$lib" ]; then
    echo "1..1"; echo "not ok 1 - the shared library $lib is built"; exit 1
fi
unset HPCL_HWLOC_XMLFILE OMP_NUM_THREADS HPCL_THREADS_PER_TASK \
    SLURM_CPUS_PER_TASK SLURM_GPUS_PER_TASK HPCL_GPUS_PER_TASK HPCL_SMT \
    HPCL_PINNED OMPI_COMM_WORLD_LOCAL_RANK PMIX_LOCAL_RANK MPI_LOCALRANKID \
    SLURM_LOCALID SLURM_JOB_ID HPCLAUNCH_CONF
# A sanitizer build's library needs ASan's runtime loaded first; python
# itself is not built with it (its leaks are not ours).
if ldd "$lib" | grep -q 'libasan'; then
    LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)${LD_PRELOAD:+:$LD_PRELOAD}
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    export LD_PRELOAD ASAN_OPTIONS
fi
HPCLAUNCH_LIBRARY=$lib \
PYTHONPATH=$(cd "$top_srcdir/python" && pwd) \
HPCLAUNCH=$top_builddir/cli/hpclaunch \
HPCL_SHARED_TOPOLOGIES=${HPCL_SHARED_TOPOLOGIES:-$top_srcdir/../shared/topologies} \
PYTHONDONTWRITEBYTECODE=1 \
    exec "$py" "$top_srcdir/tests/python/test_hpclaunch.py"
