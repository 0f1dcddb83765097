# Every mail the scheme promises, over real SMTP (aiosmtpd on loopback) and
# to a Maildir; outages lose nothing and double nothing.
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "mail: python3-aiosmtpd is not installed" >&2
  exit 125
fi
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
SERVER_SCRIPT=$E2E_DIR/../smtp_server.py
SERVERS=()
trap 'for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null; done' EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() {
  for _ in $(seq 1 100); do
    if /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$1" 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "mail: the SMTP server on port $1 did not start" >&2
  exit 70
}

# Debian's aiosmtpd with its Mailbox handler, on a free port.
start_aiosmtpd() {
  local dir=$1
  mkdir -p "$dir/tmp" "$dir/new" "$dir/cur"
  PORT=$(free_port)
  /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox "$dir" &
  SERVERS+=($!)
  SERVER=$!
  wait_for_port "$PORT"
}

# The test server with failure injection (see tests/smtp_server.py).
start_test_server() {
  local dir=$1
  shift
  PORT=$(free_port)
  /usr/bin/python3 "$SERVER_SCRIPT" --port "$PORT" --maildir "$dir" "$@" >/dev/null &
  SERVERS+=($!)
  SERVER=$!
  wait_for_port "$PORT"
}

stop_server() {
  kill "$SERVER" 2>/dev/null
  wait "$SERVER" 2>/dev/null
}

setup_scheme
ok sec member add sue --name "Sue Second" --email sue@example.org --secretary
mkdir -p "$TESTDIR/smtp"
start_aiosmtpd "$TESTDIR/smtp"
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
box=$TESTDIR/smtp

TEST "a claim mails the member and the secretaries over SMTP"
CPD_TODAY=2017-03-15 ok ann claim iims-training-day --date 2017-03-14 --note "Hull survey course"
expect_equal "$($MAILBOX list "$box")" "$(printf '%s\t%s\n' \
  ann@example.org "CPD claim #1 received: 5 points for IIMS training day" \
  sec@example.org "CPD claim #1: Ann Surveyor claims 5 points" \
  sue@example.org "CPD claim #1: Ann Surveyor claims 5 points")"
$MAILBOX show "$box" "received" >"$TESTDIR/received.txt"
expect_contains "$(cat "$TESTDIR/received.txt")" "will verify it soon"
expect_contains "$(cat "$TESTDIR/received.txt")" "Date:      14 March 2017"
$MAILBOX show "$box" "claims 5 points" >"$TESTDIR/notify.txt"
expect_contains "$(cat "$TESTDIR/notify.txt")" "To approve it:  cpd approve 1"
expect_contains "$(cat "$TESTDIR/notify.txt")" "Hull survey course"
expect_equal "$($MAILBOX check "$box")" "3"
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" "3"

TEST "approval tells the member what is still needed by 31 December"
ok sec approve 1
$MAILBOX show "$box" "approved" >"$TESTDIR/approved.txt"
expect_contains "$(cat "$TESTDIR/approved.txt")" "To: Ann Surveyor <ann@example.org>"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/approved.txt")" "You only require 5 more points by 31 December 2017 to make your quota"
expect_contains "$(cat "$TESTDIR/approved.txt")" "Reply-To:" # the secretary is reachable
expect_contains "$(cat "$TESTDIR/approved.txt")" "Auto-Submitted: auto-generated"

TEST "reaching the quota is said as such"
ok ann claim iims-conference --days 1 --date 2017-03-01
ok sec approve 2
$MAILBOX show "$box" "#2 approved" >"$TESTDIR/met.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/met.txt")" "you have met your quota of 10 points for 2017"

TEST "a decline gives the reason; a withdrawal tells the secretary"
ok bob claim iims-webinar --date 2017-03-10
ok sec decline 3 --reason "Not an IIMS webinar; claim it as external-webinar"
$MAILBOX show "$box" "#3 declined" >"$TESTDIR/declined.txt"
expect_contains "$(cat "$TESTDIR/declined.txt")" "Not an IIMS webinar; claim it as external-webinar"
ok bob claim iims-branch-meeting --date 2017-03-11
ok bob withdraw 4
expect_contains "$($MAILBOX list "$box")" "sec@example.org	CPD claim #4 withdrawn by Bob Marine"

TEST "a hostile note cannot add headers or recipients"
ok bob claim iims-branch-meeting --date 2017-03-12 --note $'Meeting\nBcc: victim@evil.example\nSubject: hacked'
$MAILBOX show "$box" "#5: Bob" >"$TESTDIR/hostile.txt"
expect_not_contains "$(sed '/^$/q' "$TESTDIR/hostile.txt")" "victim@evil.example"
expect_not_contains "$($MAILBOX list "$box")" "victim@evil.example"
expect_not_contains "$($MAILBOX list "$box")" "hacked"
expect_contains "$(cat "$TESTDIR/hostile.txt")" "Bcc: victim@evil.example" # kept in the body, verbatim

TEST "non-ASCII names are encoded in headers and decode back"
ok sec member add zoe --name "Zoë Ångström" --email zoe@example.org
ok zoe claim iims-webinar --date 2017-03-13
expect_contains "$($MAILBOX list "$box")" "CPD claim #6: Zoë Ångström claims 1 point"
expect_equal "$($MAILBOX check "$box")" "$(ls "$box/new" | wc -l)"

TEST "an outage loses nothing; the next send delivers once"
stop_server
CPD_TODAY=2017-03-16 run ann claim iims-half-day --date 2017-03-16
expect_equal "$STATUS" 0
expect_contains "$OUT" "Claim #7 submitted"
expect_contains "$ERR" "3 mails not delivered yet"
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" "3"
CPD_TODAY=2017-03-16 ok sec mail send
expect_equal "$OUT" "" "nothing is due before the backoff"
CPD_TODAY=2017-03-17 run sec mail send
expect_equal "$STATUS" 75 "mail send says the server is still down"
expect_contains "$ERR" "could not be delivered"
expect_equal "$(sql "SELECT group_concat(attempts) FROM outbox WHERE state = 'queued'")" "2,2,2"
before=$(ls "$box/new" | wc -l)
start_aiosmtpd "$box"
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
CPD_TODAY=2017-03-18 ok sec mail send # after the backoff
expect_equal "$OUT" "Sent 3 mails."
expect_equal "$(($(ls "$box/new" | wc -l) - before))" "3"
CPD_TODAY=2017-03-18 ok sec mail send
expect_equal "$OUT" ""
expect_equal "$(($(ls "$box/new" | wc -l) - before))" "3" "a second send sends nothing again"

TEST "a 5xx rejection fails the mail, keeps it and lists it"
stop_server
mkdir -p "$TESTDIR/rejecting"
start_test_server "$TESTDIR/rejecting" --reject-rcpt bob@
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
run bob claim iims-half-day --date 2017-03-14
expect_equal "$STATUS" 0
expect_contains "$ERR" "refused by the mail server"
ok sec mail list --failed --json
expect_equal "$(json '[(m["to"], m["state"], m["last_code"]) for m in d]')" "[('bob@example.org', 'failed', 550)]"
expect_equal "$($MAILBOX check-crlf "$TESTDIR/rejecting")" "2" "the secretaries' copies went through"
ok sec mail send
expect_equal "$(sql "SELECT state FROM outbox WHERE to_address = 'bob@example.org' ORDER BY id DESC LIMIT 1")" "failed"
ok sec mail retry
expect_equal "$OUT" "Queued 1 mail again."
run sec mail send
expect_equal "$STATUS" 1
stop_server

TEST "a 451 is retried with backoff, then delivered"
mkdir -p "$TESTDIR/greylist"
start_test_server "$TESTDIR/greylist" --fail-first 1 --code 451
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
ok sec member add cat --name "Cat Harbour" --email cat@example.org
run cat claim iims-webinar --date 2017-03-14
expect_contains "$ERR" "not delivered yet"
expect_equal "$(sql "SELECT attempts, last_code FROM outbox WHERE to_address = 'cat@example.org'")" "1|451"
CPD_TODAY=2017-03-16 ok sec mail send
expect_equal "$(grep -l 'cat@example.org' "$TESTDIR/greylist/new/"* | wc -l)" "1"
stop_server

TEST "Maildir delivery"
ok sec config set mail.url "maildir:$TESTDIR/maildir"
ok ann claim iims-branch-meeting --date 2017-03-13
expect_equal "$($MAILBOX check-crlf "$TESTDIR/maildir")" "3"
expect_contains "$($MAILBOX list "$TESTDIR/maildir")" "ann@example.org	CPD claim #10 received"

TEST "reminders: members without a claim, at most once per interval"
ok sec member add dan --name "Dan Deck" --email dan@example.org
ok sec member add eve --name "Eve Estuary" --email eve@example.org
ok sec exempt eve --year 2017 --reason "Retired"
ok sec remind --dry-run
expect_contains "$OUT" "dan"
expect_not_contains "$OUT" "eve"
expect_not_contains "$OUT" "ann "
ok sec remind --json
expect_equal "$(json '[m["member"] for m in d]')" "['dan', 'sec', 'sue']" "secretaries owe CPD too"
$MAILBOX show "$TESTDIR/maildir" "Your CPD for 2017" >"$TESTDIR/reminder.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/reminder.txt")" "duty as a member to acquire 10 CPD points by 31 December 2017"
ok sec remind
expect_equal "$OUT" "Nobody is due a reminder."
ok sec remind --below-quota --json
expect_equal "$(json 'sorted(m["member"] for m in d)')" "['bob', 'cat', 'zoe']"
CPD_TODAY=2017-04-16 ok sec remind --json
expect_equal "$(json '[m["member"] for m in d]')" "['dan', 'sec', 'sue']" "reminded again after 30 days"
refused 77 "only the membership secretary" ann remind

TEST "year end: a statement to each member and a summary to the secretary"
CPD_TODAY=2018-01-02 ok sec rollover
expect_contains "$($MAILBOX list "$TESTDIR/maildir")" "ann@example.org	Your CPD statement for 2017: quota met"
expect_contains "$($MAILBOX list "$TESTDIR/maildir")" "dan@example.org	Your CPD statement for 2017: 10 points short"
$MAILBOX show "$TESTDIR/maildir" "CPD year 2017 closed" >"$TESTDIR/summary.txt"
expect_contains "$(cat "$TESTDIR/summary.txt")" "Dan Deck (dan): 0 of 10 points"
expect_contains "$(head -1 "$TESTDIR/summary.txt")" "" # parsed
CPD_TODAY=2018-01-02 ok sec rollover
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE template = 'year-summary'")" "2" "one per secretary, once"

TEST "templates can be overridden; a bad one is refused"
mkdir -p "$TESTDIR/templates"
printf 'Subject: We got claim #{claim_id}\n\nHello {name}, thanks.\n' >"$TESTDIR/templates/claim-received.txt"
ok sec config set mail.templates "$TESTDIR/templates"
CPD_TODAY=2018-01-03 ok ann claim iims-webinar
expect_contains "$($MAILBOX list "$TESTDIR/maildir")" "We got claim #"
mkdir -p "$TESTDIR/bad"
printf 'Subject: {nosuch}\n\nx\n' >"$TESTDIR/bad/claim-received.txt"
refused 65 "unknown placeholder" sec config set mail.templates "$TESTDIR/bad"

TEST "with no transport, mail stays queued and the command says so once"
ok sec config set mail.url ""
CPD_TODAY=2018-01-03 run bob claim iims-webinar
expect_equal "$STATUS" 0
expect_equal "$(printf '%s\n' "$ERR" | wc -l)" "1"
expect_contains "$ERR" "no mail transport is set"
run sec mail send
expect_equal "$STATUS" 78

TEST "the password is never shown"
ok sec config set mail.password "s3cret-pw"
ok sec config get mail.password
expect_equal "$OUT" "(set)"
ok sec config list
expect_not_contains "$OUT" "s3cret-pw"
