#!/bin/bash
# Record slurmrestd 24.11 replies from the dev cluster's site C
# (dev/cluster, $HPCL_DEV_SITEC_URL) for data_parser v0.0.40, v0.0.41 and
# v0.0.42: each reply is saved as DIR/vX/NAME.STATUS.json (pretty-printed;
# .txt when the reply is not JSON) and each request body as
# NAME.request.json.  tests/data/rest/README-24.11.md lists them.
#   HPCL_DEV_DIR=... tests/data/rest/record-24.11.sh [DIR]   (default: tests/data/rest)
# The token goes to curl in a header file (-H @file), never on a command line.
# It submits jobs at site C and cancels what it leaves running.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
: "${HPCL_DEV_DIR:=/var/tmp/hpclaunch-dev}"
. "$HPCL_DEV_DIR/env.sh"
out=${1:-$top/tests/data/rest}
url=$HPCL_DEV_SITEC_URL
work=$HPCL_DEV_WORK
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tok=$(<"$HPCL_DEV_SITEC_TOKEN_FILE")
(
  umask 077
  printf 'X-SLURM-USER-TOKEN: %s\n' "$tok" >"$tmp/auth"
  # A refused token: the real one with its signature replaced.
  printf 'X-SLURM-USER-TOKEN: %s.c2lnbmF0dXJlLWJ5LW5vYm9keQ\n' "${tok%.*}" >"$tmp/badauth"
)
unset tok
printf 'X-SLURM-USER-NAME: root\n' >"$tmp/noauth"   # no token at all

# pretty [IDS]: indent JSON from stdin; with IDS (comma-separated) keep
# only those jobs (a job record is ~15 KB: a list of all of them is large).
pretty() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
if len(sys.argv) > 1 and isinstance(d.get("jobs"), list):
    keep = sys.argv[1].split(",")
    d["jobs"] = [j for j in d["jobs"] if isinstance(j, dict) and str(j.get("job_id")) in keep]
json.dump(d, sys.stdout, indent=2)
print()' "$@"
}

# call METHOD PATH [BODYFILE] [AUTHFILE]: one request; the reply in
# $tmp/body, "STATUS CONTENT_TYPE" in $tmp/status.
call() {
  local method=$1 path=$2 body=${3:-} auth=${4:-$tmp/auth}
  local args=(-s -o "$tmp/body" -w '%{http_code} %{content_type}\n' -X "$method" -H @"$auth")
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary @"$body")
  curl "${args[@]}" "$url/slurm/$V/$path" >"$tmp/status"
}

# rec NAME METHOD PATH [BODYFILE] [AUTHFILE] [JOB_IDS]: call and save the reply.
rec() {
  local name=$1 code ctype; shift
  call "$1" "$2" "${3:-}" "${4:-}"
  read -r code ctype <"$tmp/status"
  if [[ $ctype == application/json* ]]; then
    pretty ${5:+"$5"} <"$tmp/body" >"$dir/$name.$code.json"
  else
    cp "$tmp/body" "$dir/$name.$code.txt"
  fi
  echo "  $V $name: $code" >&2
}

# body NAME SCRIPT [EXTRA_JSON]: a submit request for job "fx-V-NAME".
body() {
  python3 -c 'import json, sys
v, name, script, work = sys.argv[1:5]
job = {"name": "fx-%s-%s" % (v, name), "script": "#!/bin/sh\n" + script + "\n",
       "partition": "batch", "current_working_directory": work,
       "environment": ["PATH=/usr/bin:/bin"], "standard_output": work + "/fx-%j.out",
       "tasks": 1, "cpus_per_task": 1, "time_limit": {"set": True, "infinite": False, "number": 5}}
job.update(json.loads(sys.argv[5]) if len(sys.argv) > 5 else {})
json.dump({"job": job}, sys.stdout, indent=2)
print()' "$V" "$1" "$2" "$work" ${3:+"$3"} >"$tmp/$1.req"
  cp "$tmp/$1.req" "$dir/submit_$1.request.json"
}

# submit NAME SCRIPT [EXTRA_JSON] [FIXTURE]: submit; print the job id
# (empty if none); with FIXTURE save the reply as that.
submit() {
  body "$1" "$2" "${3:-}"
  if [[ -n ${4:-} ]]; then rec "$4" POST job/submit "$tmp/$1.req"; else call POST job/submit "$tmp/$1.req"; fi
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("job_id", ""))' "$tmp/body"
}

# state ID: the job's state array, joined ("RUNNING", "CANCELLED").
state() {
  V=v0.0.42 call GET "job/$1"
  python3 -c 'import json,sys
j = json.load(open(sys.argv[1])).get("jobs") or [{}]
print(",".join(j[-1].get("job_state", ["NONE"])))' "$tmp/body" 2>/dev/null || echo NONE
}

# wait_state ID REGEX: until the job's state matches (60 s at most).
wait_state() {
  local i s
  for ((i = 0; i < 120; i++)); do
    s=$(state "$1")
    [[ $s =~ ^($2)(,|$) ]] && return 0
    sleep 0.5
  done
  echo "record: job $1 is $s, not $2, after 60 s" >&2
  exit 1
}

# del_body ID: a DELETE /jobs/ body.
del_body() { printf '{"jobs": ["%s"]}\n' "$1" >"$tmp/del_$1.req"; echo "$tmp/del_$1.req"; }

wait_idle() {
  local i
  for ((i = 0; i < 120; i++)); do
    "$HPCL_DEV_SITEC_RUN" sinfo -h -o %t | grep -qv idle || return 0
    sleep 0.5
  done
  echo "record: site C's nodes are not idle after 60 s" >&2; exit 1
}

# --- slurmctld down: a second slurmrestd, run once per request in inetd mode
# (request on stdin, reply on stdout) with a copy of site C's slurm.conf whose
# SlurmctldPort has nothing listening; the cluster itself is not stopped.
dead=$work/record-dead.$$.conf
trap 'rm -rf "$tmp" "$dead"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s/^SlurmctldPort=.*/SlurmctldPort=$port/" "$HPCL_DEV_SITEC_CONF" >"$dead"
chmod 644 "$dead"

# down NAME METHOD PATH [BODYFILE]: one request to the slurmrestd whose
# controller is down; saved as NAME.STATUS.json.  Runs in the background.
down() {
  local name=$1 method=$2 path=$3 body=${4:-} req=$tmp/down_$1
  (
    umask 077
    {
      printf '%s /slurm/%s/%s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n' "$method" "$V" "$path"
      printf 'X-SLURM-USER-TOKEN: %s\r\n' "$(<"$HPCL_DEV_SITEC_TOKEN_FILE")"
      if [[ -n $body ]]; then
        printf 'Content-Type: application/json\r\nContent-Length: %s\r\n\r\n' "$(wc -c <"$body")"
        cat "$body"
      else
        printf '\r\n'
      fi
    } >"$req"
  )
  "$HPCL_DEV_SITEC_RUN" env SLURM_CONF="$dead" SLURM_JWT=daemon /usr/sbin/slurmrestd -f "$dead" \
    -a rest_auth/jwt -s openapi/slurmctld -u nobody <"$req" >"$req.out" 2>/dev/null
  python3 - "$req.out" "$dir/$name" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
head, _, body = raw.partition(b"\r\n\r\n")
lines = head.split(b"\r\n")
code = lines[0].split()[1].decode()
# The connection stays open after a 200: what follows the body is not its.
size = [int(l.split(b":")[1]) for l in lines if l.lower().startswith(b"content-length:")]
d = json.loads(body[:size[0]] if size else body)
with open("%s.%s.json" % (sys.argv[2], code), "w") as f:
    json.dump(d, f, indent=2)
    f.write("\n")
print("  %s: %s (slurmctld down)" % (sys.argv[2].split("/")[-1], code), file=sys.stderr)
PY
}

for V in v0.0.40 v0.0.41 v0.0.42; do
  dir=$out/$V
  mkdir -p "$dir"
  rm -f "$dir"/*.json "$dir"/*.txt
  wait_idle
  rec ping GET ping/
  rec partitions GET partitions/
  rec nodes_idle GET nodes/
  # Submit replies; the jobs they make are read back below.
  run1=$(submit running "sleep 120" "" submit_ok)
  held=$(submit held "sleep 1" '{"hold": true}' submit_held)
  submit never_start "true" '{"minimum_nodes": 3, "maximum_nodes": 3}' submit_never_start >/dev/null
  submit bad_partition "true" '{"partition": "nosuch"}' submit_bad_partition >/dev/null
  done_id=$(submit completed "echo done")
  exit3=$(submit exit3 "exit 3")
  sig9=$(submit signal9 'kill -9 $$')
  array=$(submit array "sleep 60" '{"array": "0-3%2"}')
  run2=$(submit running2 "sleep 120")
  victim=$(submit cancelled "sleep 120")
  wait_state "$run1" RUNNING; wait_state "$run2" RUNNING; wait_state "$victim" RUNNING
  wait_state "$done_id" COMPLETED; wait_state "$exit3" FAILED; wait_state "$sig9" FAILED
  wait_state "$array" 'RUNNING|PENDING'
  sleep 6   # let backfill split the array and start two tasks
  rec job_running GET "job/$run1"
  rec job_pending_held GET "job/$held"
  rec job_completed GET "job/$done_id"
  rec job_failed_exit3 GET "job/$exit3"
  rec job_signal9 GET "job/$sig9"
  rec job_array GET "job/$array"
  rec job_unknown GET job/999999
  rec job_zero GET job/0
  rec nodes_busy GET nodes/
  rec jobs GET jobs/ "" "" "$run1,$held,$done_id"
  # Cancel: DELETE /job/{id}, and DELETE /jobs/ with a body.
  rec delete_running DELETE "job/$victim"
  wait_state "$victim" CANCELLED
  rec job_cancelled GET "job/$victim"
  rec delete_ended DELETE "job/$done_id"
  rec delete_unknown DELETE job/999999
  rec delete_zero DELETE job/0
  rec jobs_delete_running DELETE jobs/ "$(del_body "$run2")"
  rec jobs_delete_ended DELETE jobs/ "$(del_body "$exit3")"
  rec jobs_delete_unknown DELETE jobs/ "$(del_body 999999)"
  # Authentication: a refused token, and none at all.
  rec jobs_bad_token GET jobs/ "" "$tmp/badauth"
  rec ping_bad_token GET ping/ "" "$tmp/badauth"
  rec jobs_no_token GET jobs/ "" "$tmp/noauth"
  rec submit_no_token POST job/submit "$tmp/running.req" "$tmp/noauth"
  for id in "$run1" "$held" "$array"; do call DELETE "job/$id"; done
  # slurmctld down: each takes MessageTimeout (10 s) or twice that, so all at once.
  down ping_ctld_down GET ping/ &
  down partitions_ctld_down GET partitions/ &
  down nodes_ctld_down GET nodes/ &
  down jobs_ctld_down GET jobs/ &
  down job_ctld_down GET "job/$done_id" &
  down submit_ctld_down POST job/submit "$tmp/running.req" &
  down delete_ctld_down DELETE "job/$run1" &
  wait
done
wait_idle
echo "record: done; replies under $out/v0.0.4{0,1,2}" >&2
