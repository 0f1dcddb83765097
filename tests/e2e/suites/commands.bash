# The command table (`cpd __commands`) against what happens. Every command
# it lists is run, each from the same database, by a secretary (sec), a
# member (ann), a deactivated member (gone) and a login that is no member
# (nobody) on a private file, and by the system (this user) through a
# server: whoever the table lets in gets past the check, whoever it keeps
# out is refused before anything changes.

setup_scheme
ok sec member add gone --name "Gone Away" --email gone@example.org
ok sec member deactivate gone
ok ann claim iims-training-day --date 2017-02-01
ok sec approve 1
ok ann claim iims-webinar --date 2017-03-10
ok sec member set ann --joined 2016-01-01
printf 'login,name,email\nzed,Zed Zulu,zed@example.org\n' >"$TESTDIR/members.csv"
printf 'login\nbob\n' >"$TESTDIR/attendance.csv"
printf 'minutes\n' >"$TESTDIR/minutes.txt"
cp "$CPD_DB" "$TESTDIR/base.db"

# What each command is run with: enough to get past its parser, and about
# somebody else's records, so that a refusal is the table's, not a rule
# about the object's.
declare -A args=(
  ["init"]="init --name X --email x@example.org"
  ["member add"]="member add zed --name Zed --email zed@example.org"
  ["member list"]="member list"
  ["member import"]="member import $TESTDIR/members.csv"
  ["member deactivate"]="member deactivate bob"
  ["member reactivate"]="member reactivate gone"
  ["member confirm-account"]="member confirm-account bob"
  ["member set"]="member set bob --name Bobby"
  ["import attendance"]="import attendance $TESTDIR/attendance.csv --activity iims-training-day --date 2017-03-01"
  ["activities"]="activities"
  ["activity add"]="activity add new-thing --title New --points 1"
  ["activity set"]="activity set iims-webinar --title Webinar"
  ["activity retire"]="activity retire iims-webinar"
  ["claim"]="claim iims-webinar --date 2017-03-11"
  ["withdraw"]="withdraw 2"
  ["attach"]="attach 2 $TESTDIR/minutes.txt"
  ["attachment list"]="attachment list 2"
  ["attachment get"]="attachment get 2"
  ["pending"]="pending"
  ["approve"]="approve 2"
  ["decline"]="decline 2 --reason no"
  ["balance"]="balance"
  ["history"]="history"
  ["statement"]="statement --year 2016"
  ["verify"]="verify 7K3M-9QXD-2B8F-H4TN"
  ["revoke"]="revoke 1 --reason wrong"
  ["exempt"]="exempt bob --year 2017 --reason ill"
  ["adjust"]="adjust bob 1 --year 2017 --reason extra"
  ["rollover"]="rollover --dry-run"
  ["remind"]="remind --dry-run"
  ["report"]="report"
  ["scheme show"]="scheme show"
  ["audit"]="audit"
  ["audit draw"]="audit draw --year 2016"
  ["audit check-draw"]="audit check-draw --year 2016"
  ["audit respond"]="audit respond --note done"
  ["audit pass"]="audit pass bob --year 2016"
  ["audit fail"]="audit fail bob --year 2016 --reason none"
  ["export"]="export --out $TESTDIR/export.json"
  ["mail send"]="mail send"
  ["mail list"]="mail list"
  ["mail retry"]="mail retry"
  ["config get"]="config get scheme.quota"
  ["config set"]="config set scheme.quota 20"
  ["config list"]="config list"
  ["check"]="check"
  ["backup"]="backup $TESTDIR/copy.db"
  ["serve"]="serve --db $TESTDIR/other.db --socket $TESTDIR/other.sock"
  ["__complete"]="__complete -- cpd cl"
  ["__commands"]="__commands"
)

# May `role` run a command that needs `who`?
lets_in() {
  local who=$1 role=$2
  case "$who:$role" in
    anyone:*) return 0 ;;
    listed:sec | listed:ann | listed:gone) return 0 ;;
    member:sec | member:ann | member-or-system:sec | member-or-system:ann) return 0 ;;
    member-or-system:system | secretary-or-system:system) return 0 ;;
    secretary:sec | secretary-or-system:sec) return 0 ;;
  esac
  return 1
}

# Whether the last run was refused for who ran it (a rule about the object,
# "claim #2 is not yours", is the library's and may still refuse).
refused_for_who() {
  [ "$STATUS" = 70 ] && return 0
  [[ "$ERR" =~ "only the membership secretary may do this"|"is deactivated; ask"|"acts as the system here"|"is not a member of this CPD scheme" ]]
}

# The refusal a role meets when the table keeps it out: status and words.
refusal() {
  case "$1" in
    nobody) echo "67 is not a member of this CPD scheme" ;;
    gone) echo "77 the membership of 'gone' is deactivated" ;;
    system) echo "77 acts as the system here" ;;
    *) echo "77 only the membership secretary may do this" ;;
  esac
}

ok sec __commands
TABLE=$OUT
[ "$(wc -l <<<"$TABLE")" -ge 45 ] || fail "the table lists $(wc -l <<<"$TABLE") commands"
walked=0

TEST "every command in the table has a way to run it here, and nothing here is missing from it"
while IFS=$'\t' read -r path _ _ _; do
  [ -n "${args[$path]+x}" ] || fail "no arguments for cpd $path"
done <<<"$TABLE"
for path in "${!args[@]}"; do
  grep -q "^$path	" <<<"$TABLE" || fail "cpd $path is not in the table"
done

TEST "on a private file, each command lets in whom the table says and refuses the others with 67 or 77"
while IFS=$'\t' read -r path database who through; do
  # init creates a database and serve never returns: their columns are
  # checked below.
  [ "$database" = exists ] || continue
  read -r -a words <<<"${args[$path]}"
  for role in sec ann gone nobody; do
    cp "$TESTDIR/base.db" "$CPD_DB"
    walked=$((walked + 1))
    if lets_in "$who" "$role"; then
      run "$role" "${words[@]}"
      if refused_for_who; then
        fail "$role running cpd $path ($who): $STATUS $ERR"
      fi
    else
      read -r status words_of <<<"$(refusal "$role")"
      refused "$status" "$words_of" "$role" "${words[@]}"
    fi
  done
done <<<"$TABLE"
[ "$walked" -ge 180 ] || fail "only $walked runs"

TEST "a command declared to need no database runs without one; init creates it"
rm -f "$CPD_DB"
ok nobody __commands
ok nobody activities --help
run nobody activities
[ "$STATUS" != 0 ] || fail "activities ran without a database"
[ ! -e "$CPD_DB" ] || fail "activities made a database"
ok sec init --name "Sam Secretary" --email sec@example.org
[ -f "$CPD_DB" ] || fail "init made no database"

TEST "through a server the system runs the system's commands and is refused the others; serve is never run for a client"
cp "$TESTDIR/base.db" "$CPD_DB"
"$CPD" serve --db "$CPD_DB" --socket "$TESTDIR/cpd.sock" 2>"$TESTDIR/serve.log" &
server=$!
for _ in $(seq 1 100); do [ -S "$TESTDIR/cpd.sock" ] && break; sleep 0.05; done
# The client, talking to the server: this user is the server's, the system.
printf '#!/bin/sh\nexec env -u CPD_DB CPD_SOCKET="%s" "%s" "$@"\n' "$TESTDIR/cpd.sock" "$CPD" \
  >"$TESTDIR/served"
chmod +x "$TESTDIR/served"
served() { CPD=$TESTDIR/served "$@"; }
while IFS=$'\t' read -r path database who through; do
  [ "$database" = exists ] || continue
  read -r -a words <<<"${args[$path]}"
  walked=$((walked + 1))
  if lets_in "$who" system; then
    served run system "${words[@]}"
    if refused_for_who; then
      fail "the system running cpd $path ($who) through the server: $STATUS $ERR"
    fi
    cp "$TESTDIR/base.db" "$CPD_DB"
  else
    served refused 77 "acts as the system here" system "${words[@]}"
  fi
done <<<"$TABLE"
# A cpd client runs such a command itself: ask the server as another client could.
while IFS=$'\t' read -r path _ _ through; do
  [ "$through" = here-only ] || continue
  read -r -a words <<<"${args[$path]}"
  answer=$(/usr/bin/python3 "$E2E_DIR/hostile_client.py" ask "$TESTDIR/cpd.sock" "${words[@]}")
  expect_contains "$answer" "cpd $path is not a command a server runs for a client"
  [ ! -e "$TESTDIR/other.sock" ] || fail "the server ran cpd $path for a client"
done <<<"$TABLE"
kill "$server"
wait "$server"
echo "commands: $walked runs of $(wc -l <<<"$TABLE") commands"
