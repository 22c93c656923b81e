#!/bin/bash
# Live, differential: a job submitted by 'hpclaunch submit' gets exactly the
# allocation 'sbatch' gives for the same options, at site A (driver slurm,
# libslurm), at site B (driver slurmrestd, Slurm 22.05, v0.0.38) and at site C
# (driver slurmrestd, Slurm 24.11, v0.0.42; its own 24.11 sbatch and scontrol
# run in the Debian 13 root through $HPCL_DEV_SITEC_RUN; the sets that do not
# fit its nodes are left out there).  HPCL_DIFF_SITES="sitec" runs one site.
#
# Each option set of the matrix below is submitted held (-H) twice per site:
#   SLURM_CONF=<site's slurm.conf> sbatch --parsable -H OPTIONS --wrap true
#   hpclaunch submit --site SITE -H --parsable OPTIONS -- /bin/true
# and both jobs are read back with 'scontrol -o show job ID' against the same
# site; the fields in FIELDS must be equal.  One TAP line per option set per
# site; every difference is printed with the set, the site, the field and both
# values.  A set that either command rejects fails too: the matrix uses only
# sbatch's own option names, and sbatch must accept every set at both sites.
# Every job and reservation created here is cancelled/deleted at the end.
#
# Needs from the dev cluster (dev/cluster): node features fast,ib / slow at
# each site (-C sets).  The test creates its own reservation at each site.
# shellcheck source-path=SCRIPTDIR source=tap.sh
. "$(dirname "$0")/tap.sh"
set -f                       # option values such as 'fast|slow' or '*' are not globs
unset "${!SBATCH_@}"         # sbatch's input variables would change what it asks for
H=$HPCLAUNCH
work=$HPCL_DEV_WORK/cli_sbatch_diff.$$
mkdir -p "$work" && cd "$work" || exit 1
SITES=(sitea siteb)
declare -A CONF=([sitea]=$HPCL_DEV_SITEA_CONF [siteb]=$HPCL_DEV_SITEB_CONF)
# Site C (Slurm 24.11, reached over slurmrestd v0.0.4x) is compared with
# 24.11's own sbatch, run in the Debian 13 root ($HPCL_DEV_SITEC_RUN).
if [ -n "${HPCL_DEV_SITEC_RUN:-}" ]; then
    SITES+=(sitec)
    CONF[sitec]=$HPCL_DEV_SITEC_CONF
fi
[ -n "${HPCL_DIFF_SITES:-}" ] && read -ra SITES <<<"$HPCL_DIFF_SITES"
# sl SITE COMMAND...: a Slurm client of the site's own release
sl() {
    local s=$1; shift
    if [ "$s" = sitec ]; then
        "$HPCL_DEV_SITEC_RUN" "$@"
    else
        SLURM_CONF=${CONF[$s]} "$@"
    fi
}
# Sets that do not fit site C's nodes (32 CPUs, 2 GPUs each): sbatch
# refuses them there.
too_big_for_c() {
    [[ $1 == *"-n 32 -c 4"* || $1 == *"gpus-per-node=4"* ||
       $1 == *"gpus-per-node 4"* ]]
}
declare -A JOBS=() RESV=() DEP=()

# --- the matrix ---------------------------------------------------------------
# Words split on blanks (no shell quoting, no globbing).  @DEP@ becomes the id
# of a held job submitted earlier at the same site, @RESV@ the reservation this
# test creates at that site.  Every set must be valid at both sites: site B has
# 2 nodes of 64 CPUs and 4 GPUs, site A 4 such nodes.
MATRIX=(
    # tasks, nodes, CPUs per task
    "-n 1"
    "-n 4"
    "-n 8 -N 2"
    "-N 2"
    "-N 1-2 -n 4"
    "--nodes=1-2 -c 4 -n 2"
    "-c 2"
    "-c 4 -n 2"
    "-c 8 -n 3 -N 1"
    "--cpus-per-task=16 -n 4"
    "-c 3 -n 5"
    "-n 32 -c 4 -t 1:00:00"
    "-N 2 --ntasks-per-node 4"
    "--ntasks-per-node=2 -c 4 -N 1-2"
    "--ntasks-per-node 8 -n 8"
    # GPUs
    "-n 2 --gpus-per-task 1"
    "-n 4 -c 2 --gpus-per-task=1"
    "-N 2 --gpus-per-node 2"
    "--gpus-per-node=4 -n 8 -c 2"
    "-G 3"
    "--gpus=2 -n 2"
    "--gres=gpu:2"
    "--gres=gpu:1 -N 2"
    # memory
    "--mem 2000"
    "--mem=2G -n 2"
    "--mem 500M -c 2"
    "--mem=0"
    "--mem-per-cpu 100 -n 4"
    "--mem-per-cpu=1G -c 2"
    # every time format
    "-t 30"
    "-t 30:15"
    "-t 2:00:00"
    "-t 1-2"
    "-t 1-2:30"
    "--time=1-2:30:40"
    "-t UNLIMITED"
    # arrays
    "-a 0-3%2"
    "--array=1,3,5-7%1 -t 5"
    "-a 0-15:4"
    # dependencies on an earlier held job of the same site
    "-d afterok:@DEP@"
    "--dependency=afterany:@DEP@ -n 2"
    "-d singleton -J hpcl-diff-single"
    # node sharing, QOS, features, reservation
    "--exclusive"
    "--exclusive -N 2 -n 4"
    "-q normal"
    "--qos=normal -t 10"
    "-C fast"
    "--constraint=slow -N 1"
    "-C fast&ib -n 2"
    "-C fast|slow"
    "--reservation=@RESV@"
    # begin times: absolute, and relative (compared with a tolerance)
    "--begin=2027-01-05T10:00:00"
    "--begin 2030-06-01T08:30"
    "--begin=now+1hour"
    "--begin now+90"
    # partition, name, signal, mail
    "-p batch"
    "--partition=batch -J hpcl-diff-named"
    "-J hpcl-diff-name -n 2"
    "--signal=USR1@60"
    "--signal=TERM@120 -t 10"
    "--mail-type=END,FAIL --mail-user=ops@example.org"
    "--mail-type=ALL"
    # what real users submit: several at once
    "-N 2 --ntasks-per-node 4 -c 8 --gpus-per-node 4 --mem 32G -t 12:00:00 -p batch -J train --exclusive"
    "-n 4 --gpus-per-task 1 --mem-per-cpu 500 -t 45 -a 0-1"
    "--begin=2027-01-05T10:00:00 -d afterok:@DEP@ --mail-type=BEGIN -t 0-4"
    "-N 1-2 -n 6 -c 2 --gres=gpu:2 --mem=4G -q normal -C fast -t 90"
)

# The fields compared.  Slurm 22.05 names the requested TRES 'TRES' on a
# pending job (later releases 'ReqTRES') and the --begin time 'EligibleTime'
# (elsewhere 'BeginTime'): both names are listed, a field absent from both
# records is not counted.  JobName is compared when the set names the job.
# Not comparable in 22.05: --signal (scontrol, squeue --json and REST do not
# show it; those sets still check that the option is accepted and changes
# nothing else) and the real QOS (without accounting every job shows (null)).
FIELDS=(NumNodes NumCPUs NumTasks CPUs/Task MinCPUsNode NtasksPerN:B:S:C
        ReqTRES TRES TresPerTask TresPerNode TresPerJob TresPerSocket
        MinMemoryNode MinMemoryCPU TimeLimit Partition QOS Features Dependency
        ArrayTaskId ArrayTaskThrottle OverSubscribe Contiguous Reservation
        BeginTime EligibleTime MailType MailUser)
TOLERANCE=10                 # seconds, for EligibleTime of --begin now+...
# HPCL_DIFF_VERBOSE=1 prints every field compared, equal or not.

cleanup() {
    local s ids
    for s in "${SITES[@]}"; do
        read -ra ids <<<"${JOBS[$s]:-}"
        ((${#ids[@]})) && sl "$s" scancel "${ids[@]}" >/dev/null 2>&1
        if [ -n "${RESV[$s]:-}" ]; then
            # a reservation still named by a pending job cannot be deleted
            # until the cancel has gone through: retry for a few seconds
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                sl "$s" scontrol delete reservation "${RESV[$s]}" \
                    >/dev/null 2>&1 && break
                sleep 0.5
            done
        fi
    done
    rm -rf "$work"              # held jobs never ran: nothing in it to keep
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# parse_job ARRAY LINE: the Key=Value words of 'scontrol -o show job' into ARRAY
# shellcheck disable=SC2034  # m is the caller's array, by name
parse_job() {
    local -n m=$1
    local w words
    m=()
    read -ra words <<<"$2"
    for w in "${words[@]}"; do [[ $w == *=* ]] && m[${w%%=*}]=${w#*=}; done
}

# show SITE ID: the job's one-line record (an array's pending meta record)
show() { sl "$1" timeout 20 scontrol -o show job "$2" 2>&1 | head -n 1; }

# --- per-site set-up: the earlier held job and the reservation ----------------
for s in "${SITES[@]}"; do
    feats=$(sl "$s" sinfo -h -o '%f' 2>/dev/null | tr '\n' ' ')
    if [[ " ${feats//,/ } " != *" fast "* ]]; then
        echo "$s: no node has the feature 'fast' (features: ${feats:-none})." \
             "The -C sets will fail: restart the dev cluster" \
             "(bash dev/cluster stop && bash dev/cluster start) to apply dev/cluster's Features=." | diag
    fi
    dep=$(sl "$s" timeout 20 sbatch --parsable -H -J hpcl-diff-dep -t 1 --wrap true 2>&1)
    if [[ $dep =~ ^[0-9]+$ ]]; then
        DEP[$s]=$dep; JOBS[$s]+=" $dep"
    else
        echo "$s: the held job for -d could not be submitted: $dep" | diag
        DEP[$s]=0
    fi
    node=$(sl "$s" sinfo -h -N -o '%N' 2>/dev/null | sort -u | tail -n 1)
    resv=hpcl-diff-$s-$$
    # In a week, for an hour, on one node, for the seconds this test runs:
    # only a job asking that node for more than a week has to wait for it.
    if msg=$(sl "$s" timeout 20 scontrol create reservation reservationname="$resv" users="$(id -un)" \
            starttime=now+7days duration=60 nodes="$node" flags=ignore_jobs 2>&1); then
        RESV[$s]=$resv
    else
        echo "$s: scontrol create reservation failed: $msg" | diag
    fi
done
unset SLURM_CONF
# shellcheck disable=SC1091  # written by dev/cluster
. "$HPCL_DEV_DIR/env.sh"     # hpclaunch sees the environment the other live tests give it
export HPCLAUNCH_JOURNAL=$work/journal   # not the user's journal

# compare SITE SBATCH_ID HPCLAUNCH_ID LABEL SET: one TAP line, the fields of
# FIELDS equal in both records (JobName too when SET names the job)
compare() {
    local s=$1 sid=$2 hid=$3 label=$4 set=$5 f a b ta tb
    local -a fields diffs=()
    declare -A A=() B=()
    parse_job A "$(show "$s" "$sid")"
    parse_job B "$(show "$s" "$hid")"
    if [ -z "${A[JobId]:-}" ] || [ -z "${B[JobId]:-}" ]; then
        not_ok "$label: scontrol show job $sid / $hid gave no record"
        return
    fi
    fields=("${FIELDS[@]}")
    [[ " $set " == *" -J "* || $set == *--job-name* ]] && fields+=(JobName)
    for f in "${fields[@]}"; do
        [[ -v A[$f] || -v B[$f] ]] || continue
        n_fields=$((n_fields + 1))
        a=${A[$f]-(absent)} b=${B[$f]-(absent)}
        [ -n "${HPCL_DIFF_VERBOSE:-}" ] && echo "$label: $f: sbatch=$a hpclaunch=$b" | diag
        [ "$a" = "$b" ] && continue
        if [[ $f == *Time && $set == *now+* ]]; then
            ta=$(date -d "$a" +%s 2>/dev/null) tb=$(date -d "$b" +%s 2>/dev/null)
            if [ -n "$ta" ] && [ -n "$tb" ] && ((ta - tb <= TOLERANCE && tb - ta <= TOLERANCE)); then
                continue
            fi
        fi
        diffs+=("$f: sbatch=$a hpclaunch=$b")
    done
    if ((${#diffs[@]} == 0)); then
        ok "$label"
    else
        n_diffs=$((n_diffs + ${#diffs[@]}))
        not_ok "$label: ${#diffs[@]} difference(s): $(IFS=';'; echo "${diffs[*]}")"
        printf '%s\n' "${diffs[@]}" | sed "s|^|$s [$set] |" | diag
    fi
}

# run_sbatch SITE LABEL ARGS...: the held job's id in $sid, else not ok
run_sbatch() {
    local s=$1 label=$2 out err; shift 2
    sid=
    # stdout holds the id, stderr any warning: a job with a warning exists
    out=$(sl "$s" timeout 20 sbatch --parsable -H "$@" 2>"$work/err")
    err=$(tr '\n' ' ' <"$work/err")
    if ! [[ ${out%%;*} =~ ^[0-9]+$ ]]; then
        n_rej_sbatch=$((n_rej_sbatch + 1))
        not_ok "$label: sbatch rejects the set (matrix or dev cluster problem): $out $err"
        return 1
    fi
    sid=${out%%;*}
    JOBS[$s]+=" $sid"
    [ -n "$err" ] && echo "$label: sbatch says: $err" | diag
    return 0
}

# run_hpclaunch SITE LABEL ARGS...: the held job's id in $hid, else not ok
run_hpclaunch() {
    local s=$1 label=$2 out err rc; shift 2
    hid=
    out=$(timeout 20 "$H" submit --site "$s" -H --parsable "$@" 2>"$work/err")
    rc=$?
    err=$(tr '\n' ' ' <"$work/err")
    if ! [[ $out =~ ^$s:([0-9]+)$ ]]; then
        n_rej_hpcl=$((n_rej_hpcl + 1))
        not_ok "$label: hpclaunch submit rejects the set (exit $rc): ${out//$'\n'/ } $err"
        return 1
    fi
    hid=${BASH_REMATCH[1]}
    JOBS[$s]+=" $hid"
    [ -n "$err" ] && echo "$label: hpclaunch says: $err" | diag
    return 0
}

# --- the matrix, at each site ---------------------------------------------------
n_fields=0 n_diffs=0 n_rej_sbatch=0 n_rej_hpcl=0 n_sets=0
start=$SECONDS
for s in "${SITES[@]}"; do
    for set in "${MATRIX[@]}"; do
        set=${set//@DEP@/${DEP[$s]}}
        set=${set//@RESV@/${RESV[$s]:-hpcl-diff-no-reservation}}
        [ "$s" = sitec ] && too_big_for_c "$set" && continue
        read -ra opts <<<"$set"
        label="$s: $set"
        n_sets=$((n_sets + 1))
        run_sbatch "$s" "$label" "${opts[@]}" --wrap true &&
            run_hpclaunch "$s" "$label" "${opts[@]}" -- /bin/true &&
            compare "$s" "$sid" "$hid" "$label" "$set"
    done
done

# --- what sbatch reads besides its options ------------------------------------
# A batch script's #SBATCH directives: 'sbatch job.sh' and 'hpclaunch submit
# job.sh' (the script is the batch script, its directives read as sbatch
# reads them: a quoted job name, a trailing comment, a directive after the
# first command that does not count).
cat >"$work/job.sh" <<'EOF'
#!/bin/bash
# a hybrid job
#SBATCH -N 2 -n 4 -c 2
#SBATCH --gpus-per-task=1 --mem-per-cpu=500
#SBATCH --job-name="hpcl diff script"   # quoted, then a comment
#SBATCH -t 1:30:00
srun hostname
#SBATCH -t 5
EOF
for s in "${SITES[@]}"; do
    n_sets=$((n_sets + 1))
    run_sbatch "$s" "$s: job.sh" "$work/job.sh" &&
        run_hpclaunch "$s" "$s: job.sh" "$work/job.sh" &&
        compare "$s" "$sid" "$hid" "$s: sbatch job.sh = hpclaunch submit job.sh" "-J"
    # Precedence, as sbatch: the command line over SBATCH_* over the script.
    n_sets=$((n_sets + 1))
    export SBATCH_TIMELIMIT=45 SBATCH_GPUS_PER_NODE=1 SBATCH_PARTITION=batch \
        SBATCH_JOB_NAME=hpcl-diff-env
    run_sbatch "$s" "$s: SBATCH_* + job.sh" -c 4 "$work/job.sh" &&
        run_hpclaunch "$s" "$s: SBATCH_* + job.sh" -c 4 "$work/job.sh" &&
        compare "$s" "$sid" "$hid" "$s: SBATCH_TIMELIMIT, _GPUS_PER_NODE, _PARTITION, _JOB_NAME over job.sh, -c 4 over both" "-J"
    unset SBATCH_TIMELIMIT SBATCH_GPUS_PER_NODE SBATCH_PARTITION SBATCH_JOB_NAME
    # --print-script: sbatch on the printed script asks for the same.
    n_sets=$((n_sets + 1))
    popts=(-N 2 --ntasks-per-node 2 -c 4 --gpus-per-task 1 --mem-per-cpu 500
           -t 1-2 -J "hpcl printed #1" --mail-type=END --exclusive)
    if "$H" submit --print-script "${popts[@]}" -- /bin/true >"$work/printed.sh"; then
        run_sbatch "$s" "$s: --print-script" "$work/printed.sh" &&
            run_hpclaunch "$s" "$s: --print-script" "${popts[@]}" -- /bin/true &&
            compare "$s" "$sid" "$hid" "$s: sbatch on the --print-script script = hpclaunch submit" "-J"
    else
        not_ok "$s: hpclaunch submit --print-script failed"
    fi
done

# --wrap: the same script-less job from both (named "wrap" by both).
for s in "${SITES[@]}"; do
    n_sets=$((n_sets + 1))
    run_sbatch "$s" "$s: --wrap" -n 2 -c 2 --wrap "echo wrapped" &&
        run_hpclaunch "$s" "$s: --wrap" -n 2 -c 2 --wrap "echo wrapped" &&
        compare "$s" "$sid" "$hid" "$s: --wrap 'echo wrapped' -n 2 -c 2" "-J"
done

# --signal=B: (signal the batch shell only): libslurm sites take it; Slurm
# 22.05's slurmrestd refuses the prefix, and hpclaunch says so up front.
if out=$("$H" submit --site siteb -H --parsable --signal=B:TERM@120 -t 10 -- /bin/true 2>&1); then
    JOBS[siteb]+=" ${out#*:}"
    not_ok "siteb: --signal=B: should be refused by name, not sent"
else
    check "siteb: --signal=B: refused with a reason naming the site" \
        grep -q "site siteb: slurmrestd.*does not take --signal with B: or R:" <<<"$out"
fi
run_hpclaunch sitea "sitea: --signal=B:TERM@120" --signal=B:TERM@120 -t 10 -- /bin/true &&
    ok "sitea: --signal=B:TERM@120 accepted by the libslurm site"

echo "$n_sets option sets over ${#SITES[@]} sites (${#MATRIX[@]} per site in the matrix), $n_fields fields compared," \
     "$n_diffs differences; sets rejected: $n_rej_sbatch by sbatch," \
     "$n_rej_hpcl by hpclaunch ($((SECONDS - start)) s)" | diag
tap_done
