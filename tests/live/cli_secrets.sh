#!/bin/bash
# Live: the JWT of the REST sites (B: v0.0.38, C: v0.0.42) is never
# anywhere but in its file and in hpclaunch's memory.  For submit,
# status, wait and cancel at each REST site, a failing submit and status
# (error messages), sites and jobs:
#  - every program hpclaunch starts, and hpclaunch itself: argv and
#    environment of each execve(2), traced with strace -f -v;
#  - the environment of the jobs (the job prints it) and their output;
#  - everything hpclaunch prints, and the library's log at every level,
#    DEBUG included (the CLI shows warnings only: a small ctypes program
#    submits, queries and cancels with a log callback);
#  - the logs of slurmctld and slurmrestd of both sites;
#  - the journal and the requests file.
# Each token is looked for whole and by its signature (the part a partial
# print would show); the scan is shown to find the token where it is (its
# file), so that it cannot pass by scanning nothing.  Then the journal and
# requests file are 0600 though made under umask 000, and are made 0600
# again, with a warning naming them, when found looser.
. "$(dirname "$0")/tap.sh"
H=$HPCLAUNCH
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${HPCL_DEV_SITEC_TOKEN_FILE:-}" ] || ! command -v strace >/dev/null; then
    echo "1..1"; echo "not ok 1 - needs site C (restart the dev cluster) and strace (scripts/install-deps.sh)"
    exit 1
fi
work=$HPCL_DEV_WORK/cli_secrets.$$
mkdir -p "$work/scan"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export HPCLAUNCH_JOURNAL=$work/state/journal
umask 000
tag=sec$$
declare -A TOKEN=([siteb]=$HPCL_DEV_SITEB_TOKEN_FILE [sitec]=$HPCL_DEV_SITEC_TOKEN_FILE)
prefix=$(cd "$(dirname "$(command -v "$H")")/.." && pwd)

# traced NAME CMD...: run CMD under strace (every execve, argv and
# environment in full), its output to scan/NAME.out, its exit status
# returned.
n_traces=0
traced() {
    local name=$1; shift
    n_traces=$((n_traces + 1))
    strace -f -qq -v -s 1000000 -e trace=execve -o "$work/scan/$name.trace" \
        "$@" >"$work/scan/$name.out" 2>&1
}

for site in siteb sitec; do
    traced "$site.submit" "$H" submit --parsable --explain --site "$site" -J "${tag}_$site" \
        -o "$work/job.$site.out" -- /usr/bin/env
    ref=$(tail -n 1 "$work/scan/$site.submit.out")
    check "$site: a job that prints its environment was submitted ($ref)" grep -q "^$site:[0-9]*$" <<<"$ref"
    traced "$site.wait" "$H" wait --timeout 90 "$ref"
    check "$site: wait saw it end (0)" test $? -eq 0
    traced "$site.status" "$H" status --json "$ref"
    check "$site: the job's environment was written" grep -q '^SLURM_JOB_ID=' "$work/job.$site.out"
    cp "$work/job.$site.out" "$work/scan/"
    traced "$site.submit-held" "$H" submit --parsable --json --site "$site" -H -J "${tag}_$site" -o /dev/null -- /bin/true
    held=$(grep -o "\"ref\":\"$site:[0-9]*\"" "$work/scan/$site.submit-held.out" | head -n 1 | cut -d'"' -f4)
    traced "$site.cancel" "$H" cancel "$held"
    check "$site: cancel of the held job $held (0)" test $? -eq 0
    # Error messages: a refused submit, an unknown job.
    traced "$site.submit-bad" "$H" submit --site "$site" -p nosuchpartition -J "${tag}_$site" -- /bin/true
    check "$site: a submit to a partition that does not exist fails" test $? -ne 0
    traced "$site.status-bad" "$H" status "$site:999999"
    check "$site: status of an unknown job fails" test $? -ne 0
done
traced sites "$H" sites --json
traced jobs "$H" jobs --json

# The library's log at every level, through a log callback.
traced library python3 - "$prefix" "$HPCLAUNCH_CONF" "$tag" <<'EOF'
import ctypes, glob, sys
prefix, conf, tag = sys.argv[1:4]
lib = ctypes.CDLL(sorted(glob.glob(prefix + "/lib*/libhpclaunch.so*"))[0])
P = ctypes.c_void_p
LOG = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, P)
for f, args, res in [
        ("hpcl_ctx_create", [ctypes.POINTER(P), ctypes.c_uint], ctypes.c_int),
        ("hpcl_ctx_set_log", [P, LOG, P], ctypes.c_int),
        ("hpcl_ctx_load_sites", [P, ctypes.c_char_p, ctypes.c_uint], ctypes.c_int),
        ("hpcl_ctx_errmsg", [P], ctypes.c_char_p),
        ("hpcl_job_create", [ctypes.POINTER(P), P], ctypes.c_int),
        ("hpcl_job_set_command", [P, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)], ctypes.c_int),
        ("hpcl_job_set_site", [P, ctypes.c_char_p], ctypes.c_int),
        ("hpcl_job_set_hold", [P, ctypes.c_int], ctypes.c_int),
        ("hpcl_job_set_name", [P, ctypes.c_char_p], ctypes.c_int),
        ("hpcl_job_set_output", [P, ctypes.c_char_p], ctypes.c_int),
        ("hpcl_job_submit", [P, ctypes.c_uint], ctypes.c_int),
        ("hpcl_job_ref", [P], ctypes.c_char_p),
        ("hpcl_job_refresh", [P], ctypes.c_int),
        ("hpcl_job_cancel", [P], ctypes.c_int),
        ("hpcl_job_destroy", [P], None),
        ("hpcl_ctx_destroy", [P], None)]:
    getattr(lib, f).argtypes, getattr(lib, f).restype = args, res
levels = {}
def log(level, msg, arg):
    levels[level] = levels.get(level, 0) + 1
    print("log %d: %s" % (level, msg.decode(errors="replace")))
cb = LOG(log)
ctx = P()
assert lib.hpcl_ctx_create(ctypes.byref(ctx), 0) == 0
lib.hpcl_ctx_set_log(ctx, cb, None)
assert lib.hpcl_ctx_load_sites(ctx, conf.encode(), 0) == 0
for site in (b"siteb", b"sitec"):
    job = P()
    argv = (ctypes.c_char_p * 1)(b"/bin/true")
    assert lib.hpcl_job_create(ctypes.byref(job), ctx) == 0
    lib.hpcl_job_set_command(job, 1, argv)
    lib.hpcl_job_set_site(job, site)
    lib.hpcl_job_set_hold(job, 1)
    lib.hpcl_job_set_name(job, ("%s_lib" % tag).encode())
    lib.hpcl_job_set_output(job, b"/dev/null")
    rc = lib.hpcl_job_submit(job, 0)
    print("submit", site.decode(), rc, lib.hpcl_job_ref(job), lib.hpcl_ctx_errmsg(ctx))
    print("refresh", lib.hpcl_job_refresh(job), "cancel", lib.hpcl_job_cancel(job))
    lib.hpcl_job_destroy(job)
lib.hpcl_ctx_destroy(ctx)
print("log lines by level:", levels)
sys.exit(0 if 3 in levels else 1)
EOF
check "library: submit, refresh and cancel logged at DEBUG level" test $? -eq 0
diag <"$work/scan/library.out"

cp "$HPCLAUNCH_JOURNAL" "$work/state/requests" "$work/scan/"
for f in siteb-restd siteb-ctld sitec-restd sitec-ctld; do
    cp "$HPCL_DEV_DIR/log/$f.log" "$work/scan/"
done
execs=$(cat "$work"/scan/*.trace | grep -c 'execve(')
# What hpclaunch itself started (library.trace is python's own start-up).
children=$(ls "$work"/scan/*.trace | grep -v /library.trace | xargs cat | grep 'execve(' |
    grep -v ENOENT | grep -v "execve(\"$prefix/bin/hpclaunch\"" | grep -o 'execve("[^"]*"' | sort | uniq -c | tr -s ' \n' ' ')
echo "scanned: $(ls "$work/scan" | wc -l) files, $(cat "$work"/scan/* | wc -c) bytes; $n_traces traced runs, $execs execve calls; programs hpclaunch started: ${children:-none}" | diag
check "every traced run was traced ($execs execve calls)" test "$execs" -ge "$n_traces"
for site in siteb sitec; do
    tok=$(cat "${TOKEN[$site]}")
    sig=${tok##*.}
    check "$site: the scan finds the token in its own file" grep -qF "$sig" "${TOKEN[$site]}"
    found=$(grep -rlF -e "$tok" -e "$sig" "$work/scan" | tr '\n' ' ')
    check "$site: the token is in no argv, environment, job, output, message, log, journal or requests file${found:+ (found in: $found)}" \
        test -z "$found"
done

# Modes: 0600 under umask 000; made 0600 again when found looser.
check "the journal is 0600 under umask 000" test "$(stat -c %a "$HPCLAUNCH_JOURNAL")" = 600
check "the requests file is 0600 under umask 000" test "$(stat -c %a "$work/state/requests")" = 600
check "the journal's folder is 0700" test "$(stat -c %a "$work/state")" = 700
chmod 644 "$HPCLAUNCH_JOURNAL"
chmod 666 "$work/state/requests"
"$H" submit --parsable --site siteb -H -J "${tag}_mode" -o /dev/null -- /bin/true >"$work/mode.out" 2>"$work/mode.err"
rc=$?
diag <"$work/mode.err"
check "a submit with looser modes goes on (0)" test $rc -eq 0
check "the journal is made 0600 again, with a warning naming it" \
    test "$(stat -c %a "$HPCLAUNCH_JOURNAL")" = 600 -a -n "$(grep -F "journal $HPCLAUNCH_JOURNAL was mode 0644" "$work/mode.err")"
check "the requests file is made 0600 again, with a warning naming it" \
    test "$(stat -c %a "$work/state/requests")" = 600 -a -n "$(grep -F "requests file $work/state/requests was mode 0666" "$work/mode.err")"
cancel_named "${tag}_siteb" "${tag}_sitec" "${tag}_lib" "${tag}_mode"
tap_done
