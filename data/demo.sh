#!/usr/bin/env bash
# A tour of cpd on a fresh database in a temporary folder: the secretary sets
# up the IIMS scheme, a member claims an IIMS training day, the secretary
# approves it and the member sees 5 of 10 points and the deadline.
#
#   data/demo.sh [path/to/cpd]      (default: build/cli/cpd)
set -euo pipefail

cpd_bin=$(realpath "${1:-$(dirname "$0")/../build/cli/cpd}")
demo=$(mktemp -d "${TMPDIR:-/tmp}/cpd-demo.XXXXXX")
export CPD_DB=$demo/cpd.db
export CPD_TODAY=2017-03-15

step() { printf '\n\033[1m## %s\033[0m\n' "$*"; }
as() {
  local user=$1
  shift
  printf '%s$ cpd %s\n' "$user" "$*"
  CPD_USER=$user "$cpd_bin" "$@"
}

step "The membership secretary sets up the scheme"
as sec init --name "Sam Secretary" --email secretary@iims.example \
  --org "International Institute of Marine Surveying"
as sec member add ann --name "Ann Surveyor" --email ann@example.org

step "Ann looks up the points table and claims yesterday's IIMS training day"
as ann activities | head -6
as ann claim iims-training-day --date 2017-03-14 --note "Hull and machinery survey course, Southampton"

step "The secretary verifies and approves it"
as sec pending
as sec approve 1

step "Ann checks her balance and her record"
as ann balance
as ann history

printf '\nThe demo database is %s\n' "$CPD_DB"
