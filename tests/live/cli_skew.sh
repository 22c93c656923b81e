#!/bin/bash
# Live: a libslurm site whose slurmctld runs another Slurm release than the
# libslurm hpclaunch is built with.  libslurm itself answers only
# "Unspecified error"; hpclaunch names both releases and the two fixes
# (driver = slurmrestd, or a rebuild), prints nothing else, submits nothing,
# and the same controller reached through slurmrestd answers.  The site
# asked is site C (Slurm 24.11) for a build against another libslurm (the
# Debian 12 one, 22.05), else site A (22.05).
. "$(dirname "$0")/tap.sh"
work=$HPCL_DEV_WORK/cli_skew.$$
mkdir -p "$work"
H=$HPCLAUNCH
trap '[ "$tap_failed" -eq 0 ] && rm -rf "$work"' EXIT
cd "$work" || exit 1

if [ -z "${HPCL_DEV_SITEC_CONF:-}" ] || [ ! -r "$HPCL_DEV_SITEC_CONF" ]; then
    echo "1..1"
    echo "not ok 1 - no site C (Slurm 24.11) in the dev cluster ($HPCL_DEV_DIR/env.sh has no readable HPCL_DEV_SITEC_CONF): run 'bash dev/cluster start'"
    exit 1
fi

# contains TEXT STRING...: TEXT holds every STRING.
contains() {
    local t=$1 p
    shift
    for p; do grep -qF -- "$p" <<<"$t" || return 1; done
}

# The libslurm release of this build, from the soname its helper links
# (libslurm.so.38 is 22.05, .42 is 24.11).
prefix=$(cd "$(dirname "$(command -v "$H")")/.." && pwd)
helper=${HPCL_SLURM_HELPER:-$prefix/libexec/hpclaunch/hpclaunch-slurm}
so=$(readelf -d "$helper" | sed -n 's/.*NEEDED.*libslurm\.so\.\([0-9]*\).*/\1/p')
if [ "$so" = 42 ]; then
    site=sitea conf=$HPCL_DEV_SITEA_CONF theirs="a different Slurm release"
    rebuild="the site's libslurm"
    jobs_at() { squeue -h -n "$1"; }
    export -f jobs_at
else
    site=sitec conf=$HPCL_DEV_SITEC_CONF theirs="Slurm 24.11"
    rebuild="Slurm 24.11's libslurm"
    jobs_at() { "$HPCL_DEV_SITEC_RUN" squeue -h -n "$1"; }
    export -f jobs_at
fi
echo "helper $helper links libslurm.so.$so: asking $site ($conf) through libslurm" | diag

cat >"$work/skew.conf" <<EOF
[defaults]
home = $site
timeout = 20s
journal = $work/journal

[site $site]
driver = slurm
slurm_conf = $conf
EOF

# --- submit -----------------------------------------------------------
name=skew-$$
"$H" submit --conf "$work/skew.conf" -J "$name" -n1 -t1 -- /bin/true \
    >"$work/out" 2>"$work/err"
rc=$?
msg=$(cat "$work/err")
echo "$msg" | diag
check "submit: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "submit: one line on stderr, hpclaunch's own" \
    bash -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q "^hpclaunch submit: " "$1" &&
             ! grep -q "hpclaunch-slurm" "$1"' _ "$work/err"
check "submit: names the controller's release and this build's libslurm" \
    contains "$msg" "site $site: its slurmctld runs $theirs" \
    "this hpclaunch's libslurm is "
check "submit: says to use slurmrestd or to rebuild" \
    contains "$msg" "driver = slurmrestd in [site $site]" \
    "rebuild hpclaunch against $rebuild"
check "submit: nothing on stdout" [ ! -s "$work/out" ]
# squeue itself must answer: an empty list from a failed squeue proves nothing.
check "submit: no job $name at $site (squeue there answers)" \
    bash -c 'out=$("$@") && [ -z "$out" ]' _ jobs_at "$name"

# --- status and sites -------------------------------------------------
msg=$("$H" status --conf "$work/skew.conf" "$site:1" 2>&1 >/dev/null)
rc=$?
echo "$msg" | diag
check "status: exit 1 with the same explanation (got $rc)" \
    bash -c '[ "$1" -eq 1 ] && grep -qF "its slurmctld runs $2" <<<"$3"' \
    _ "$rc" "$theirs" "$msg"
out=$("$H" sites --conf "$work/skew.conf" --json 2>"$work/err")
why=$(python3 -c '
import json, sys
for s in json.load(sys.stdin)["sites"]:
    print(s["error"] or "")' <<<"$out" 2>/dev/null)
check "sites: the site's error is the explanation" \
    contains "$why" "site $site: its slurmctld runs $theirs" "driver = slurmrestd"
check "sites: nothing on stderr" [ ! -s "$work/err" ]

# --- the fix: the same controller through slurmrestd ----------------------
if [ "$site" = sitec ]; then
    out=$("$H" sites --json 2>/dev/null)
    st=$(python3 -c '
import json, sys
for s in json.load(sys.stdin)["sites"]:
    if s["site"] == "sitec":
        print(s["driver"], s["probe"])' <<<"$out" 2>/dev/null)
    check "the dev site file's sitec (driver = slurmrestd) answers: $st" \
        [ "$st" = "slurmrestd ok" ]
fi

tap_done
