#!/bin/bash
# Live, differential: the environment a job's tasks see.  For each option set
# and each site (A: libslurm, B: slurmrestd, C: slurmrestd of Slurm 24.11)
# two jobs are run to completion:
#   SLURM_CONF=<site's conf> sbatch --wait -J NAME -o F1 OPTIONS --wrap env
#   hpclaunch submit --site SITE --wait --launcher none --no-pin -J NAME -o F2 \
#       OPTIONS -- /usr/bin/env
# and their SLURM_*/SLURMD_* variables (plus FOO and HPCL_DIFF_CANARY, which
# show what --export passed) must be the same.  One TAP line per set per site.
# Both jobs get the same -J, are submitted from the same folder and run side
# by side, so only what differs between two jobs must be left out (below).
# 2 x 8 x 2 short jobs, plus one finished job per site for -d: the dev cluster
# runs on 2 cores.  Every job is cancelled at the end, whatever happened.
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"
set -f
unset "${!SBATCH_@}"         # sbatch's input variables would change what it asks for
H=$HPCLAUNCH
work=$HPCL_DEV_WORK/cli_task_env.$$
mkdir -p "$work" && cd "$work" || exit 1
SITES=(sitea siteb)
declare -A CONF=([sitea]=$HPCL_DEV_SITEA_CONF [siteb]=$HPCL_DEV_SITEB_CONF)
# Site C (Slurm 24.11, slurmrestd v0.0.4x) against 24.11's own sbatch, run
# in the Debian 13 root.  One difference is meant there: sbatch 24.11 no
# longer exports SLURM_GPUS_PER_TASK (only SLURM_TRES_PER_TASK), and the
# REST driver keeps it because hpclaunch pin reads it.
if [ -n "${HPCL_DEV_SITEC_RUN:-}" ]; then
    SITES+=(sitec)
    CONF[sitec]=$HPCL_DEV_SITEC_CONF
fi
# sl SITE COMMAND...: a Slurm client of the site's own release
sl() {
    local s=$1; shift
    if [ "$s" = sitec ]; then
        "$HPCL_DEV_SITEC_RUN" "$@"
    else
        SLURM_CONF=${CONF[$s]} "$@"
    fi
}
declare -A FINISHED=()
WAIT=90                      # seconds any one job may take, queueing included

# @FINISHED@ is a job of the same site that has already ended (COMPLETED).
SETS=(
    "-c 2"
    "-n 4 -c 2"
    "--ntasks-per-node 2 -N 2"
    "--gpus-per-task 1 -n 2"
    "--mem-per-cpu 100"
    "--export=NONE"
    "--export=ALL,FOO=bar"
    "-d afterok:@FINISHED@"
)
COMMON=(-t 5)                # a job that hangs ends on its own

# Variables left out, each because it differs between any two jobs:
#   SLURM_JOB_ID, SLURM_JOBID      two jobs, two ids
#   SLURM_ARRAY_*                  array ids (no set here is an array)
#   SLURM_TASK_PID                 the pid of the batch script on its node
#   SLURM_*_PORT                   ports of srun/step listeners, per step
#   SLURM_JOB_NODELIST, SLURM_NODELIST, SLURMD_NODENAME, SLURM_TOPOLOGY_ADDR
#                                  which nodes: the two jobs run side by side
#                                  and cannot get the same ones; the shape of
#                                  the allocation is still compared through
#                                  SLURM_JOB_NUM_NODES, SLURM_NNODES,
#                                  SLURM_JOB_CPUS_PER_NODE, SLURM_TASKS_PER_NODE
#   SLURM_JOB_START_TIME, SLURM_JOB_END_TIME (newer Slurm): when it ran
# And normalised to a count, not left out: the GPU index lists
# (SLURM_JOB_GPUS, SLURM_STEP_GPUS, GPU_DEVICE_ORDINAL, CUDA_VISIBLE_DEVICES):
# which GPUs depends on what the other job took, how many must match.
EXCLUDE='^(SLURM_JOB_ID|SLURM_JOBID|SLURM_ARRAY_[A-Z_]*|SLURM_TASK_PID|SLURM_[A-Z_]*_PORT|SLURM_JOB_NODELIST|SLURM_NODELIST|SLURMD_NODENAME|SLURM_TOPOLOGY_ADDR|SLURM_JOB_START_TIME|SLURM_JOB_END_TIME)='
GPULISTS='^(SLURM_JOB_GPUS|SLURM_STEP_GPUS|GPU_DEVICE_ORDINAL|CUDA_VISIBLE_DEVICES)='
# Set in the submitting environment: --export=NONE must drop it, ALL keep it.
export HPCL_DIFF_CANARY=from-submit-env
export HPCLAUNCH_JOURNAL=$work/journal   # not the user's journal

cleanup() {
    local s ids
    for s in "${SITES[@]}"; do
        # every job id either tool printed for this site
        mapfile -t ids < <(cat "$work/$s".*.id 2>/dev/null |
            sed -n "s/^Submitted batch job \(${s}:\)\{0,1\}\([0-9][0-9]*\)$/\2/p")
        ((${#ids[@]})) && sl "$s" scancel "${ids[@]}" >/dev/null 2>&1
    done
    [ "$tap_failed" -eq 0 ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# vars FILE: the compared variables of an env dump, sorted
vars() {
    grep -E '^(SLURM_|SLURMD_|FOO=|HPCL_DIFF_CANARY=|GPU_DEVICE_ORDINAL=|CUDA_VISIBLE_DEVICES=)' "$1" |
        grep -Ev "$EXCLUDE" |
        awk -v re="$GPULISTS" '$0 ~ re { i = index($0, "="); v = substr($0, i + 1)
                                          n = (v == "" ? 0 : split(v, x, ","))
                                          $0 = substr($0, 1, i) "<" n " GPUs>" } { print }' |
        sort
}

# --- one finished job per site, for -d afterok ----------------------------------
for s in "${SITES[@]}"; do
    (sl "$s" timeout "$WAIT" sbatch --wait -t 1 -J hpcl-env-done \
        -o /dev/null --wrap true >"$work/$s.done.id" 2>&1) &
done
wait
for s in "${SITES[@]}"; do
    FINISHED[$s]=$(sed -n 's/^Submitted batch job \([0-9][0-9]*\)$/\1/p' "$work/$s.done.id")
    [ -n "${FINISHED[$s]}" ] || { echo "$s: the job for -d did not run:"; cat "$work/$s.done.id"; } | diag
done

# --- all jobs of a site at once, then the comparison ------------------------------
for s in "${SITES[@]}"; do
    for k in "${!SETS[@]}"; do
        set=${SETS[$k]//@FINISHED@/${FINISHED[$s]:-0}}
        read -ra opts <<<"$set"
        name=hpcl-env-$k
        (sl "$s" timeout "$WAIT" sbatch --wait -J "$name" \
            -o "$work/$s.$k.sbatch.out" "${COMMON[@]}" "${opts[@]}" --wrap env \
            >"$work/$s.$k.sbatch.id" 2>&1
         echo $? >"$work/$s.$k.sbatch.rc") &
        (timeout "$WAIT" "$H" submit --site "$s" --wait --timeout "$WAIT" --launcher none \
            --no-pin -J "$name" -o "$work/$s.$k.hpcl.out" "${COMMON[@]}" "${opts[@]}" \
            -- /usr/bin/env >"$work/$s.$k.hpcl.id" 2>&1
         echo $? >"$work/$s.$k.hpcl.rc") &
    done
    wait
    for k in "${!SETS[@]}"; do
        set=${SETS[$k]//@FINISHED@/${FINISHED[$s]:-0}}
        label="$s: $set"
        p=$work/$s.$k
        if [ "$(cat "$p.sbatch.rc")" != 0 ] || [ ! -s "$p.sbatch.out" ]; then
            not_ok "$label: the sbatch job did not complete (exit $(cat "$p.sbatch.rc")): $(tr '\n' ' ' <"$p.sbatch.id")"
            continue
        fi
        if [ "$(cat "$p.hpcl.rc")" != 0 ] || [ ! -s "$p.hpcl.out" ]; then
            not_ok "$label: the hpclaunch job did not complete (exit $(cat "$p.hpcl.rc")): $(tr '\n' ' ' <"$p.hpcl.id")"
            continue
        fi
        vars "$p.sbatch.out" >"$p.sbatch.vars"
        vars "$p.hpcl.out" >"$p.hpcl.vars"
        # one line per variable: NAME: sbatch=VALUE hpclaunch=VALUE ((unset) if absent)
        d=$(awk '{ i = index($0, "="); k = substr($0, 1, i - 1); v[FILENAME == ARGV[1], k] = substr($0, i + 1); key[k] }
                 END { for (k in key) {
                           a = ((1, k) in v) ? v[1, k] : "(unset)"; b = ((0, k) in v) ? v[0, k] : "(unset)"
                           if (a != b) print k ": sbatch=" a " hpclaunch=" b } }' \
                "$p.sbatch.vars" "$p.hpcl.vars" | sort)
        [ "$s" = sitec ] && d=$(grep -v '^SLURM_GPUS_PER_TASK: sbatch=(unset) hpclaunch=' <<<"$d")
        if [ -z "$d" ]; then
            ok "$label: $(wc -l <"$p.sbatch.vars") variables equal"
        else
            not_ok "$label: $(wc -l <<<"$d") difference(s): $(paste -sd';' <<<"$d")"
            awk -v p="$s [$set] " '{ print p $0 }' <<<"$d" | diag
        fi
    done
done
tap_done
