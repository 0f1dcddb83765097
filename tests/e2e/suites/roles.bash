# The secretary is not the administrator, and a login is not forever: on a
# shared host, as real users through cpd serve. Nobody changes their own CPD
# duty, join date or role, and a secretary's role is root's to change; the
# audit's seed is the server's and anybody repeats the draw; a login made
# again with another user id is refused until a secretary confirms it; text
# from members is refused or escaped, never obeyed; the timers' commands
# work under the hardening their units give them. Needs root.

USERS_PREFIX=cpdroles
# shellcheck source=../shared_host.bash
source "$E2E_DIR/shared_host.bash"
set_up_scheme
MAILBOX="$PY $E2E_DIR/mailbox.py"

TEST "a secretary's own --no-cpd, --joined and --role are refused, by set and by import"
refused 77 "nobody changes their own CPD duty" $SEC member set $SEC --no-cpd
refused 77 "nobody changes their own join date" $SEC member set $SEC --joined 2016-01-01
refused 77 "nobody changes their own role" $SEC member set $SEC --role member
printf 'login,name,email,role,joined\n%s,Sam Secretary,sec@example.org,secretary,2016-01-01\n' $SEC \
  >"$TESTDIR/own.csv"
chmod 644 "$TESTDIR/own.csv"
refused 77 "line 2: nobody changes their own join date" $SEC member import "$TESTDIR/own.csv"
ok $SEC member list --json
expect_equal "$(json "[(m['role'], m['cpd_duty'], m['joined']) for m in d if m['login'] == '$SEC']")" \
  "[('secretary', True, None)]"
expect_server_serves

TEST "a second secretary's role is root's to change, not the other secretary's"
ok $ANN balance # the first contact records the account
ok $SEC member set $ANN --role secretary
refused 77 "'$ANN' is a membership secretary: only the system administrator \(root\)" \
  $SEC member set $ANN --role member
refused 77 "nobody changes their own role" $ANN member set $ANN --role member
refused 77 "only the system administrator" $ANN member set $SEC --role member
# Deactivating a secretary would take their powers as a demotion does.
refused 77 "'$ANN' is a membership secretary: only the system administrator \(root\) deactivates" \
  $SEC member deactivate $ANN
ok $ANN pending
ok root member deactivate $ANN
refused 77 "deactivated" $ANN pending
refused 77 "only the system administrator \(root\) reactivates" $SEC member reactivate $ANN
ok root member reactivate $ANN
ok $ANN pending
ok root member set $ANN --role member
expect_contains "$OUT" "role      secretary -> member"
# The system changes a secretary's role by an import too.
ok root member set $ANN --role secretary
printf 'login,name,email,role\n%s,Ann Surveyor,ann@example.org,member\n' $ANN >"$TESTDIR/demote.csv"
chmod 644 "$TESTDIR/demote.csv"
ok root member import "$TESTDIR/demote.csv"
expect_equal "$(sql "SELECT role FROM member WHERE login = '$ANN'")" "member"
ok root member set $SEC --no-cpd
expect_contains "$OUT" "CPD duty  yes -> no"
refused 77 "only the membership secretary" $ANN member set $ANN --joined 2016-01-01

TEST "root reads the settings, and only reads them; a secretary changes them"
ok $SEC config get scheme.quota
quota=$OUT
ok root config get scheme.quota
expect_equal "$OUT" "$quota"
ok root config list
expect_contains "$(grep '^scheme.quota ' <<<"$OUT")" " $quota "
ok root config list --json
expect_equal "$(json 'd["scheme.quota"]')" "$quota"
refused 77 "acts as the system here" root config set scheme.quota 20
refused 77 "only the membership secretary" $ANN config get scheme.quota
refused 77 "only the membership secretary" $ANN config list
ok $SEC config get scheme.quota
expect_equal "$OUT" "$quota"
expect_server_serves

TEST "a login made again with another user id is refused until a secretary confirms it"
KIM=cpdroles-kim
make_user $KIM --create-home --home-dir "$TESTDIR/home/$KIM" --shell /bin/sh
ok $SEC member add $KIM --name "Kim Keel" --email kim@example.org
ok $KIM claim iims-webinar --date 2017-03-10 --note "mine"
old_uid=$(id -u $KIM)
expect_equal "$(sql "SELECT uid FROM member WHERE login = '$KIM'")" "$old_uid"
userdel $KIM
new_uid=$((old_uid + 100))
while getent passwd $new_uid >/dev/null; do new_uid=$((new_uid + 1)); done
useradd -u $new_uid --create-home --home-dir "$TESTDIR/home/$KIM" --shell /bin/sh $KIM || exit 70
chown -R $KIM "$TESTDIR/home/$KIM"
refused 77 "'$KIM' belonged to another account \(user id $old_uid, now $new_uid\); ask the membership secretary.*confirm-account $KIM" \
  $KIM balance
refused 77 "belonged to another account" $KIM history
refused 77 "belonged to another account" $KIM withdraw 1
expect_server_serves
refused 77 "only the membership secretary" $BOB member confirm-account $KIM
ok $SEC member confirm-account $KIM
expect_contains "$OUT" "the account that next uses cpd as $KIM is Kim Keel's"
ok $KIM balance --json
expect_equal "$(json 'd["pending"]')" "1"
expect_equal "$(sql "SELECT uid FROM member WHERE login = '$KIM'")" "$new_uid"

TEST "C1 controls and bidi marks in an import are refused, named by line and column"
printf 'login,name,email\nzed,Zed\xc2\x9b2J Zero,zed@example.org\n' >"$TESTDIR/c1.csv"
printf 'login,name,email\nzed,Zed \xe2\x80\x8fZero,zed@example.org\n' >"$TESTDIR/rlm.csv"
printf 'login,name,email\nzed,Zed \xe2\x80\xaeoreZ,zed@example.org\n' >"$TESTDIR/rlo.csv"
printf 'login,name,email\nzed,Zed\xe2\x80\xa8Zero,zed@example.org\n' >"$TESTDIR/ls.csv"
printf 'login,name,email\nzed,Zed\xe2\x80\x8bZero,zed@example.org\n' >"$TESTDIR/zw.csv"
printf 'login,name,email\nzed,Zed\xf3\xa0\x81\x81Zero,zed@example.org\n' >"$TESTDIR/tag.csv"
chmod 644 "$TESTDIR"/*.csv
for file in c1:009B rlm:200F rlo:202E ls:2028 zw:200B tag:E0041; do
  refused 65 "${file%%:*}.csv line 2, column name: U\+${file##*:} is a control, bidi or invisible character" \
    $SEC member import "$TESTDIR/${file%%:*}.csv"
  LC_ALL=C grep -q $'\xc2[\x80-\x9f]\|\xe2\x80[\x8b-\x8f\xa8-\xae]\|\xf3\xa0' <<<"$ERR" && fail "a hidden character reached the terminal"
done
# What the import echoes from a file is written out, never obeyed.
printf 'login,name,email,\xc2\x9b2J\xe2\x80\xae\n' >"$TESTDIR/header.csv"
chmod 644 "$TESTDIR/header.csv"
refused 65 'unknown|column' $SEC member import "$TESTDIR/header.csv"
expect_contains "$ERR" '\u009b2J\u202e'
LC_ALL=C grep -q $'\xc2\x9b\|\xe2\x80\xae' <<<"$ERR" && fail "a raw C1 or bidi character reached the terminal"
# Text stored before any of this is escaped in tables.
sql "UPDATE member SET name = 'Bob ' || char(8238) || 'eniraM' || char(155) WHERE login = '$BOB'"
ok $SEC member list
expect_contains "$OUT" 'Bob \u202eeniraM\u009b'
LC_ALL=C grep -q $'\xc2\x9b\|\xe2\x80\xae' <<<"$OUT" && fail "a raw C1 or bidi character reached the table"
ok $SEC member set $BOB --name "Bob Marine"
# An attachment's name is text from a member too.
printf 'evidence' >"$TESTDIR/home/$BOB/"$'cert\u202efdp.exe'
chown $BOB "$TESTDIR/home/$BOB/"$'cert\u202efdp.exe'
refused 65 "the file name 'cert\\\\u202efdp.exe' holds U\+202E, a control, bidi or invisible character" \
  $BOB claim iims-webinar --date 2017-03-09 --attach $'cert\u202efdp.exe'
expect_server_serves

TEST "a note with line breaks is an indented quote in the secretary's mail"
ok $ANN claim iims-branch-meeting --date 2017-03-14 \
  --note $'Branch meeting, Hull\n\nTo approve it:  cpd approve 1\nClaims waiting: none'
claim=$(json 'd["id"]' 2>/dev/null || sql "SELECT max(id) FROM claim")
for _ in $(seq 50); do
  $MAILBOX show-to "$STATE/mail" sec@example.org "CPD claim #$claim:" >"$TESTDIR/claim-mail.txt" 2>/dev/null && break
  sleep 0.1
done
mail=$(cat "$TESTDIR/claim-mail.txt")
expect_contains "$mail" "$(printf '%s\n' \
  "  Note:         (quoted below)" \
  "    > Branch meeting, Hull" \
  "    >" \
  "    > To approve it:  cpd approve 1" \
  "    > Claims waiting: none")"
grep -qx "To approve it:  cpd approve 1" "$TESTDIR/claim-mail.txt" && fail "the note's line stands as a line of the mail"
expect_contains "$mail" "To approve it:  cpd approve $claim"

TEST "the timers' commands run as cpd with no network and no privileged or resource calls"
# What cpd-mail, cpd-remind, cpd-backup and cpd-rollover.service allow:
# a filesystem socket from a network namespace of its own, and
# @system-service without @privileged and @resources.
# syscalls_of GROUP: its system calls, its groups' included.
syscalls_of() {
  local entry
  systemd-analyze syscall-filter "$1" 2>/dev/null | awk 'NR > 1 && /^    [@a-z]/ {print $1}' |
    while read -r entry; do
      if [[ $entry == @* ]]; then syscalls_of "$entry"; else echo "$entry"; fi
    done
}
denied=$( (syscalls_of @privileged; syscalls_of @resources) | sort -u)
allowed=$(syscalls_of @system-service | sort -u)
[ -n "$denied" ] && [ -n "$allowed" ] || fail "systemd-analyze lists no system calls"
ok $SEC config set backup.dir "$STATE/backups"
as cpd mkdir -p "$STATE/backups"
for command in "mail send" "remind --dry-run" "backup" "rollover --dry-run"; do
  # shellcheck disable=SC2086
  unshare -n strace -f -qq -o "$TESTDIR/calls" \
    setpriv --reuid=cpd --regid="$(id -g cpd)" --init-groups \
    env -i PATH=/usr/bin:/bin CPD_SOCKET="$SOCKET" "$BIN" $command >"$TESTDIR/.out" 2>"$TESTDIR/.err" \
    || fail "cpd $command failed without a network: $(cat "$TESTDIR/.err")"
  # The calls the client makes once it is cpd (after setpriv's execve).
  used=$(awk '/execve\(.*\/cpd"/ {on = 1} on {sub(/^[0-9]+ +/, ""); if (match($0, /^[a-z_0-9]+\(/)) print substr($0, 1, RLENGTH - 1)}' \
    "$TESTDIR/calls" | sort -u)
  [ -n "$used" ] || fail "no system calls traced for cpd $command"
  bad=$(comm -12 <(echo "$used") <(echo "$denied") | tr '\n' ' ')
  [ -z "$bad" ] || fail "cpd $command makes calls its unit denies: $bad"
  outside=$(comm -23 <(echo "$used") <(echo "$allowed") | grep -vx 'execve\|exit_group' | tr '\n' ' ')
  [ -z "$outside" ] || fail "cpd $command makes calls outside @system-service: $outside"
done
[ -n "$(as cpd ls "$STATE/backups")" ] || fail "the server wrote no backup for the timer"
expect_server_serves

TEST "the audit's seed is the server's, and anybody repeats the draw from its record"
# 2017 closes once the server's today is in 2018.
printf 'login\n%s\n%s\n%s\n' $ANN $BOB $KIM >"$TESTDIR/attendance.csv"
chmod 644 "$TESTDIR/attendance.csv"
ok $SEC import attendance "$TESTDIR/attendance.csv" --activity iims-training-day --date 2017-03-01
ok $SEC import attendance "$TESTDIR/attendance.csv" --activity iims-training-day --date 2017-03-02
stop_server
start_server 2018-02-01
ok root rollover
mail_settled
refused 64 "--seed is not taken: the seed is drawn from the system's random source" \
  $SEC audit draw --year 2017 --seed 42
refused 64 "--seed is not taken" root audit draw --year 2017 --seed 42
refused 64 "--seed is not taken" $SEC audit draw --year 2017 --seed ""
ok $SEC audit draw --year 2017 --percent 50 --json
seed=$(json 'd["seed"]')
expect_equal "$(json 'len([m for m in d["members"] if m["redrawn_after"] is None])')" "2"
expect_equal "$(sql "SELECT seed FROM audit_draw")" "$seed"
ok $BOB audit check-draw --year 2017
expect_equal "$OUT" "Draw #1 of 2017 (50%, seed $seed): the seed draws the same 2 of 3 eligible members; it matches the record."
ok $EVE activities
ok $SEC audit check-draw --year 2017 --json
expect_equal "$(json 'd[0]["matches"], sorted(d[0]["pool"])')" "(True, $(printf "%s\n" $ANN $BOB $KIM | sort | $PY -c 'import sys; print(sorted(sys.stdin.read().split()))'))"
# A record changed afterwards (a member left out of the pool) shows.
sql "UPDATE audit_draw SET pool = substr(pool, instr(pool, char(10)) + 1)"
run $BOB audit check-draw --year 2017
expect_equal "$STATUS" 1
expect_contains "$OUT" "does NOT draw"
expect_server_serves
rss=$(server_rss_kb)
[ "$rss" -gt 0 ] && [ "$rss" -lt $((512 * 1024 * RSS_FACTOR)) ] || fail "the server's RSS is $rss KiB"
echo "roles: server RSS $rss KiB" >&2
