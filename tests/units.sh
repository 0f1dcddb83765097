#!/bin/bash
# The shipped systemd units: every service scores under 2.0 in
# `systemd-analyze security --offline=true`, the server is bounded in memory,
# tasks and descriptors, and the timers' services can still reach the
# server's socket. Usage: units.sh DATA_SYSTEMD_DIR
set -u
dir=${1:?the folder of the units}
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze" >&2; exit 125; }
failed=0
fail() {
  echo "FAIL: $*" >&2
  failed=1
}

services=("$dir"/*.service)
[ -e "${services[0]}" ] || { echo "no services in $dir" >&2; exit 1; }
for unit in "${services[@]}"; do
  name=$(basename "$unit")
  report=$(systemd-analyze security --offline=true "$unit" 2>&1)
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$report")
  if [ -z "$score" ]; then
    fail "$name: no score: $report"
    continue
  fi
  echo "$name: $score"
  awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' || fail "$name scores $score, not under 2.0"
done

# The server's bounds.
for setting in MemoryMax=1G TasksMax=1100 LimitNOFILE=4096; do
  grep -qx "$setting" "$dir/cpd.service" || fail "cpd.service does not set $setting"
done

# Each timer starts a service that runs as cpd and may still use a Unix
# socket, the server's.
for timer in "$dir"/*.timer; do
  service=$(basename "$timer" .timer).service
  [ -f "$dir/$service" ] || { fail "$(basename "$timer") has no $service"; continue; }
  grep -qx "User=cpd" "$dir/$service" || fail "$service does not run as cpd"
  grep -qx "RestrictAddressFamilies=AF_UNIX" "$dir/$service" || fail "$service may not reach the socket"
  grep -q "^ExecStart=cpd " "$dir/$service" || fail "$service runs no cpd command"
done
exit "$failed"
