#!/usr/bin/env bash
# A tour of cpd on a fresh database in a temporary folder, through one CPD
# year of the IIMS scheme: the secretary sets it up, with a retired member
# exempt from the quota, a member claims an IIMS training day and the
# secretary approves it; she claims a conference and 90 minutes of study, a
# member who claimed nothing is reminded, and on 2 January the year is
# closed and her surplus carried forward. On 10 January he claims a December
# event, which still counts for the year closed; in February it is too late,
# and the secretary adjusts his record instead. She shows her statement for
# the year to a client, who checks its code. Mail goes to a Maildir in the
# same folder, and the tour ends with what was delivered.
#
#   data/demo.sh [path/to/cpd]      (default: build/cli/cpd)
set -euo pipefail

cpd_bin=$(realpath "${1:-$(dirname "$0")/../build/cli/cpd}")
demo=$(mktemp -d "${TMPDIR:-/tmp}/cpd-demo.XXXXXX")
export CPD_DB=$demo/cpd.db
export CPD_TODAY=2017-03-15

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m## %s\033[0m\n' "$*"; }
else
  step() { printf '\n## %s\n' "$*"; }
fi
as() {
  local user=$1
  shift
  local shown=() word
  for word in "$@"; do
    [[ "$word" =~ ^[-A-Za-z0-9_.@:/=]+$ ]] && shown+=("$word") || shown+=("\"$word\"")
  done
  printf '%s@%s$ cpd %s\n' "$user" "$CPD_TODAY" "${shown[*]}"
  CPD_USER=$user "$cpd_bin" "$@"
}

step "The membership secretary sets up the scheme, with mail to a local Maildir"
as sec init --name "Sam Secretary" --email secretary@iims.example \
  --org "International Institute of Marine Surveying"
as sec config set mail.url "maildir:$demo/mail"
as sec config set mail.from cpd@iims.example
as sec member add ann --name "Ann Surveyor" --email ann@example.org
as sec member add bob --name "Bob Marine" --email bob@example.org
as sec member add cat --name "Cat Harbour" --email cat@example.org
as sec exempt cat --from 2017 --reason "Retired from surveying"
as sec member set bob --email bob@marine.example

step "Ann looks up the points table and claims yesterday's IIMS training day"
as ann activities | head -6
as ann claim iims-training-day --date 2017-03-14 --note "Hull and machinery survey course, Southampton"

step "The secretary verifies and approves it"
as sec pending
as sec approve 1

step "Ann checks her balance and her record"
as ann balance
as ann history

step "In September: Ann claims two days at the IIMS conference; Bob has claimed nothing"
export CPD_TODAY=2017-09-20
as ann claim iims-conference --days 2 --date 2017-09-14
as ann claim private-study --hours 1.5 --date 2017-09-18
as sec approve 2 3
as sec remind --dry-run
as sec remind
as sec report

step "On 2 January the year is closed: Ann carries 3 of her 5 surplus points into 2018"
export CPD_TODAY=2018-01-02
as sec rollover --dry-run
as sec rollover
as ann balance

step "On 10 January Bob claims the training day he attended in December: it still counts for 2017"
export CPD_TODAY=2018-01-10
as bob claim iims-training-day --date 2017-12-12
as sec approve 4
as bob balance --year 2017

step "In February it is too late to claim for 2017: the secretary adjusts Bob's record instead"
export CPD_TODAY=2018-02-10
as bob claim iims-webinar --date 2017-11-30 || true
as sec adjust bob 1 --year 2017 --reason "IIMS webinar of 30 November, claimed late"

step "Ann's statement for 2017, for a client; anybody can check its code"
as ann statement --year 2017 | tee "$demo/statement.txt"
as sec history ann --year 2017
code=$(sed -n 's/^Verification code: //p' "$demo/statement.txt")
as client verify "$code"

step "The mail cpd delivered to $demo/mail"
/usr/bin/python3 - "$demo/mail/new" <<'PY'
import email, email.policy, email.utils, pathlib, re, sys

def queued(mail):  # the outbox id in the Message-ID: the order they were written
    found = re.search(r"<cpd\.(\d+)\.", mail["Message-ID"] or "")
    return int(found.group(1)) if found else 0

mails = []
for path in pathlib.Path(sys.argv[1]).iterdir():
    with open(path, "rb") as f:
        mails.append(email.message_from_binary_file(f, policy=email.policy.default))
mails.sort(key=queued)
for mail in mails:
    day = email.utils.parsedate_to_datetime(mail["Date"]).date()
    print(f"{day}  {mail['To'].addresses[0].username:<9} {mail['Subject']}")
statement = [m for m in mails if "statement" in m["Subject"] and "ann@" in m["To"]][-1]
print(f"\nTo: {statement['To']}\nSubject: {statement['Subject']}\n")
print(statement.get_content().rstrip())
PY

printf '\nThe demo database is %s; its mail is in %s/mail/new\n' "$CPD_DB" "$demo"
