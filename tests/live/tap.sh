# TAP helpers and the dev-cluster environment for live shell tests.
# Sourced; a live test that cannot reach its cluster fails, never skips.
: "${HPCL_DEV_DIR:=/var/tmp/hpclaunch-dev}"
# shellcheck source=../tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

if [ ! -r "$HPCL_DEV_DIR/env.sh" ]; then
    echo "1..1"; echo "not ok 1 - dev cluster environment $HPCL_DEV_DIR/env.sh missing: run 'bash dev/cluster start'"
    exit 1
fi
# shellcheck disable=SC1091
. "$HPCL_DEV_DIR/env.sh"
if ! scontrol ping >/dev/null 2>&1; then
    echo "1..1"; echo "not ok 1 - site A's slurmctld does not answer (SLURM_CONF=$SLURM_CONF): run 'bash dev/cluster start'"
    exit 1
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
: "${HPCLAUNCH:=hpclaunch}"

# cancel_named NAME...: cancel this user's jobs of these names at the three
# sites (scancel --name takes one name, not a list)
cancel_named() {
    local n
    for n in "$@"; do
        scancel -u "$(id -un)" -n "$n" 2>/dev/null
        SLURM_CONF=$HPCL_DEV_SITEB_CONF scancel -u "$(id -un)" -n "$n" 2>/dev/null
        "$HPCL_DEV_SITEC_RUN" scancel -u "$(id -un)" -n "$n" 2>/dev/null
    done
    return 0
}

# wait_state REF STATE SECONDS: poll until the job reaches STATE
wait_state() {
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        "$HPCLAUNCH" status --json "$1" 2>/dev/null | grep -q "\"state\":\"$2\"" && return 0
        sleep 0.2
    done
    return 1
}
