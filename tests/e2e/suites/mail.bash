# Every mail the scheme promises, over real SMTP (aiosmtpd on loopback) and
# to a Maildir; outages lose nothing and double nothing.
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  skip_suite "python3-aiosmtpd is not installed"
fi
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
SERVER_SCRIPT=$E2E_DIR/../smtp_server.py
SERVERS=()
trap 'for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null; done' EXIT

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
# cpd init made sec's address mail.secretary; without it, as in a database
# set up before, each secretary gets the secretary's mail.
ok sec config set mail.secretary ""
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

TEST "an outage loses nothing; mail send says the server cannot be reached"
stop_server
CPD_TODAY=2017-03-16 run ann claim iims-half-day --date 2017-03-16
expect_equal "$STATUS" 0
expect_contains "$OUT" "Claim #7 submitted"
# A member hears that the mail waits, never which command to run.
expect_equal "$ERR" "cpd: note: mail about this could not be sent yet; it waits in the queue and the membership secretary sees to it"
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" "3"
expect_equal "$(sql "SELECT group_concat(attempts) FROM (SELECT attempts FROM outbox WHERE state = 'queued' ORDER BY id)")" "1,0,0" \
  "only the mail that found no server counts a try"
CPD_TODAY=2017-03-16 ok sec mail send
expect_contains "$OUT" "Nothing is due yet: 3 mails queued, the next due at 2017-03-16 "
expect_contains "$OUT" "cpd mail send --now sends them now"
CPD_TODAY=2017-03-17 run sec mail send
expect_equal "$STATUS" 69 "cron hears that the server is unreachable"
expect_equal "$(printf '%s\n' "$ERR" | wc -l)" "1"
expect_contains "$ERR" "cpd: error: the mail server cannot be reached (smtp://127.0.0.1:$PORT: "
expect_contains "$ERR" "3 mails stay queued"
expect_equal "$(sql "SELECT group_concat(attempts) FROM (SELECT attempts FROM outbox WHERE state = 'queued' ORDER BY id)")" "2,0,0"
CPD_TODAY=2017-03-17 ok sec --json mail list --queued
expect_equal "$(json '[(m["attempts"], m["next_attempt"][:11], "127.0.0.1" in m["last_error"], m["last_code"]) for m in d]')" \
  "[(0, '2017-03-17T', True, None), (0, '2017-03-17T', True, None), (2, '2017-03-17T', True, None)]"
CPD_TODAY=2017-03-17 ok sec mail list --queued
expect_contains "$(head -1 <<<"$OUT")" "TRIES"
expect_contains "$(head -1 <<<"$OUT")" "NEXT TRY"
expect_contains "$OUT" "Couldn't connect to server"
before=$(ls "$box/new" | wc -l)
start_aiosmtpd "$box"
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
CPD_TODAY=2017-03-17 ok sec mail send
expect_contains "$OUT" "Nothing is due yet: 3 mails queued"
expect_equal "$(($(ls "$box/new" | wc -l) - before))" "0" "the backoff holds"

TEST "send --now sends deferred mail at once, once"
CPD_TODAY=2017-03-17 ok sec mail send --now
expect_equal "$OUT" "Sent 3 mails."
expect_equal "$(($(ls "$box/new" | wc -l) - before))" "3"
expect_equal "$(sql "SELECT group_concat(attempts) FROM (SELECT attempts FROM outbox WHERE cause LIKE 'claim:7:%' ORDER BY id)")" "3,1,1"
CPD_TODAY=2017-03-18 ok sec mail send
expect_equal "$OUT" ""
CPD_TODAY=2017-03-18 ok sec mail send --now
expect_equal "$OUT" ""
expect_equal "$(($(ls "$box/new" | wc -l) - before))" "3" "a second send sends nothing again"

TEST "retry sends a waiting mail now; unknown and sent mail are refused"
stop_server
CPD_TODAY=2017-03-18 run bob claim iims-webinar --date 2017-03-17
expect_contains "$ERR" "the membership secretary sees to it"
waiting=$(sql "SELECT max(id) FROM outbox")
start_aiosmtpd "$box"
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
before=$(ls "$box/new" | wc -l)
CPD_TODAY=2017-03-18 ok sec mail retry "$waiting"
expect_equal "$OUT" "$(printf 'Queued 1 mail again.\nSent 1 mail.')"
expect_equal "$(($(ls "$box/new" | wc -l) - before))" "1"
expect_equal "$(sql "SELECT state FROM outbox WHERE id = $waiting")" "sent"
CPD_TODAY=2017-03-18 ok sec --json mail retry
expect_equal "$(json '(d["retried"], d["sent"], d["queued"])')" "(2, 2, 0)"
refused 1 "no such mail #999; see cpd mail list" sec mail retry 999
refused 1 "mail #1 was sent already" sec mail retry 1
refused 65 "'x' is not a mail id" sec mail retry x

TEST "a 5xx rejection fails the mail, keeps it and lists it"
stop_server
mkdir -p "$TESTDIR/rejecting"
start_test_server "$TESTDIR/rejecting" --reject-rcpt bob@
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
run bob claim iims-half-day --date 2017-03-14
expect_equal "$STATUS" 0
expect_contains "$ERR" "the membership secretary sees to it"
ok sec mail list --failed --json
expect_equal "$(json '[(m["to"], m["state"], m["last_code"]) for m in d]')" "[('bob@example.org', 'failed', 550)]"
expect_equal "$($MAILBOX check-crlf "$TESTDIR/rejecting")" "2" "the secretaries' copies went through"
ok sec mail send
expect_equal "$(sql "SELECT state FROM outbox WHERE to_address = 'bob@example.org' ORDER BY id DESC LIMIT 1")" "failed"
run sec mail retry
expect_equal "$STATUS" 1 "retrying sends at once, and the server refuses again"
expect_equal "$OUT" "Queued 1 mail again."
expect_contains "$ERR" "1 mail was refused by the server"
expect_contains "$ERR" "(server: 550 5.1.1 <bob@example.org>: recipient rejected)"
ok sec mail send

TEST "a retry goes to the member's corrected address"
failed=$(sql "SELECT id FROM outbox WHERE to_address = 'bob@example.org' AND state = 'failed' ORDER BY id DESC LIMIT 1")
printf 'login,name,email\nbob,Bob Marine,bob.marine@example.org\n' >"$TESTDIR/bob.csv"
ok sec member import "$TESTDIR/bob.csv"
run sec mail retry "$failed"
expect_equal "$STATUS" 0
expect_equal "$OUT" "$(printf 'Queued 1 mail again.\nSent 1 mail.')"
expect_equal "$(sql "SELECT state, to_address FROM outbox WHERE id = $failed")" "sent|bob.marine@example.org"
expect_contains "$($MAILBOX list "$TESTDIR/rejecting")" "bob.marine@example.org	CPD claim #"
claim=$(sql "SELECT substr(cause, 7, instr(substr(cause, 7), ':') - 1) FROM outbox WHERE id = $failed")
$MAILBOX show "$TESTDIR/rejecting" "#$claim received" >"$TESTDIR/corrected.txt"
expect_contains "$(cat "$TESTDIR/corrected.txt")" "To: Bob Marine <bob.marine@example.org>"
stop_server

TEST "a mail refused as too large goes again without its files, saying where they are"
mkdir -p "$TESTDIR/small"
ok sec config set mail.url "smtp://127.0.0.1:$(free_port)" # nobody there yet
head -c 40000 /dev/urandom >"$TESTDIR/survey.pdf"
run ann claim iims-half-day --date 2017-03-10 --attach "$TESTDIR/survey.pdf"
expect_equal "$STATUS" 0
expect_contains "$ERR" "the membership secretary sees to it"
start_test_server "$TESTDIR/small" --max-size 30000
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
ok sec mail send --now
expect_equal "$OUT" "$(printf '%s\n' "Sent 3 mails." \
  "2 mails were too large for the mail server with their files, and were tried again without them, pointing to cpd attachment get.")"
big=$(sql "SELECT claim_id FROM attachment ORDER BY id DESC LIMIT 1")
expect_equal "$(sql "SELECT group_concat(state || ' ' || files_dropped || ' ' || last_code, ', ') FROM (SELECT * FROM outbox WHERE cause LIKE 'claim:$big:submitted:%' ORDER BY id)")" \
  "sent 1 250, sent 1 250"
$MAILBOX show "$TESTDIR/small" "#$big: Ann Surveyor claims" >"$TESTDIR/small.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/small.txt")" "refused this mail as too large with its files, so it comes without them. Where it says a file is attached, fetch it from cpd instead:"
expect_contains "$(cat "$TESTDIR/small.txt")" "  cpd attachment get $big"
expect_contains "$(cat "$TESTDIR/small.txt")" "survey.pdf" # still listed, with its SHA-256
expect_equal "$($MAILBOX attachments "$TESTDIR/small" "#$big: Ann Surveyor claims")" ""
expect_equal "$($MAILBOX check-crlf "$TESTDIR/small")" "3"
stop_server

TEST "the EHLO name is fully qualified: mail.helo, else this host's name or the mail.from domain"
mkdir -p "$TESTDIR/helo"
start_test_server "$TESTDIR/helo"
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
ok ann claim iims-webinar --date 2017-03-09
helo=$(sed -n 's/^X-Helo: //p' "$TESTDIR/helo/new/"* | tr -d '\r' | sort -u)
expect_equal "$(wc -l <<<"$helo")" "1"
[[ "$helo" == *.* && "$helo" != localhost* ]] || fail "EHLO name [$helo] is not fully qualified"
ok sec config set mail.helo cpd.iims.example
ok ann claim iims-webinar --date 2017-03-08
expect_equal "$(sed -n 's/^X-Helo: //p' "$TESTDIR/helo/new/"* | tr -d '\r' | sort | uniq -c | sort -n | head -1 | awk '{print $2}')" "cpd.iims.example"
refused 65 "fully qualified host name" sec config set mail.helo localhost
ok sec config set mail.helo ""
stop_server

TEST "a 451 is retried with backoff, then delivered; mail send exits 75 while it lasts"
mkdir -p "$TESTDIR/greylist"
start_test_server "$TESTDIR/greylist" --fail-first 4 --code 451
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
ok sec member add cat --name "Cat Harbour" --email cat@example.org
run cat claim iims-webinar --date 2017-03-14
expect_contains "$ERR" "the membership secretary sees to it"
expect_equal "$(sql "SELECT attempts, last_code FROM outbox WHERE to_address = 'cat@example.org'")" "1|451"
CPD_TODAY=2017-03-16 run sec mail send
expect_equal "$STATUS" 75
expect_equal "$OUT" "Sent 2 mails."
expect_equal "$(printf '%s\n' "$ERR" | wc -l)" "1"
expect_contains "$ERR" "cpd: error: 1 mail could not be delivered (smtp://127.0.0.1:$PORT: "
expect_contains "$ERR" "(server: 451 4.3.0 try again later)); it stays queued for the next run"
CPD_TODAY=2017-03-16 run sec mail send
expect_equal "$STATUS" 0
expect_contains "$OUT" "Nothing is due yet: 1 mail queued"
expect_contains "$OUT" "cpd mail send --now sends it now"
CPD_TODAY=2017-03-17 ok sec mail send
expect_equal "$OUT" "Sent 1 mail."
expect_equal "$(grep -l 'cat@example.org' "$TESTDIR/greylist/new/"* | wc -l)" "1"
expect_equal "$(sql "SELECT state, attempts, last_code FROM outbox WHERE to_address = 'cat@example.org'")" "sent|3|250"
stop_server

TEST "Maildir delivery"
ok sec config set mail.url "maildir:$TESTDIR/maildir"
ok ann claim iims-branch-meeting --date 2017-03-13
expect_equal "$($MAILBOX check-crlf "$TESTDIR/maildir")" "3"
expect_contains "$($MAILBOX list "$TESTDIR/maildir")" "ann@example.org	CPD claim #$(sql "SELECT max(id) FROM claim") received"

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

TEST "templates can be overridden in the host configuration; a bad one is refused"
mkdir -p "$TESTDIR/templates"
printf 'Subject: We got claim #{claim_id}\n\nHello {name}, thanks.\n' >"$TESTDIR/templates/claim-received.txt"
printf '# the administrator'"'"'s\nmail.templates = %s\n' "$TESTDIR/templates" >"$TESTDIR/cpd.conf"
CPD_CONFIG=$TESTDIR/cpd.conf CPD_TODAY=2018-01-03 ok ann claim iims-webinar
expect_contains "$($MAILBOX list "$TESTDIR/maildir")" "We got claim #"
mkdir -p "$TESTDIR/bad"
printf 'Subject: {nosuch}\n\nx\n' >"$TESTDIR/bad/claim-received.txt"
printf 'mail.templates = %s\n' "$TESTDIR/bad" >"$TESTDIR/bad.conf"
CPD_CONFIG=$TESTDIR/bad.conf refused 78 "claim-received.txt: unknown placeholder" ann claim iims-webinar
refused 64 "mail.templates is no longer a setting: the administrator sets mail.templates in /etc/cpd/cpd.conf" \
  sec config set mail.templates "$TESTDIR/templates"

TEST "with no transport, mail stays queued and the command says so once"
ok sec config set mail.url ""
CPD_TODAY=2018-01-03 run bob claim iims-webinar
expect_equal "$STATUS" 0
expect_equal "$(printf '%s\n' "$ERR" | wc -l)" "1"
expect_contains "$ERR" "the membership secretary sees to it"
expect_not_contains "$ERR" "cpd config" # never a secretary's command to a member
CPD_TODAY=2018-01-03 run sue claim iims-webinar
expect_equal "$STATUS" 0
expect_equal "$(printf '%s\n' "$ERR" | wc -l)" "1"
expect_contains "$ERR" "mails queued; no mail transport is set (cpd config set mail.url smtp://HOST or maildir:PATH)"
run sec mail send
expect_equal "$STATUS" 78

TEST "the files mail reads are named in the host configuration and checked when it is read"
for key in mail.ca_file mail.password_file mail.templates; do
  refused 64 "$key is no longer a setting: the administrator sets $key in /etc/cpd/cpd.conf" \
    sec config set "$key" /nonexistent
done
conf() { printf '%s\n' "$@" >"$TESTDIR/host.conf"; }
conf "mail.ca_file = /nonexistent.pem"
CPD_CONFIG=$TESTDIR/host.conf refused 78 "mail.ca_file /nonexistent.pem does not exist" sec balance
conf "mail.ca_file = ca.pem"
CPD_CONFIG=$TESTDIR/host.conf refused 78 "mail.ca_file must be an absolute path" sec balance
printf 'not a certificate\n' >"$TESTDIR/ca.pem"
conf "mail.ca_file = $TESTDIR/ca.pem"
CPD_CONFIG=$TESTDIR/host.conf refused 78 "holds no PEM certificate" sec balance
printf 'pw\n' >"$TESTDIR/pw"
conf "mail.password_file = $TESTDIR/pw"
CPD_CONFIG=$TESTDIR/host.conf refused 78 "mail.password_file needs mail.url in the same file" sec balance
conf "mail.url = maildir:$TESTDIR/maildir" "mail.password_file = $TESTDIR/pw" "mail.templatse = /x"
CPD_CONFIG=$TESTDIR/host.conf refused 78 "host.conf:3: unknown key 'mail.templatse'" sec balance
CPD_CONFIG=$TESTDIR/none.conf refused 78 "the host configuration $TESTDIR/none.conf does not exist" sec balance

TEST "Message-IDs carry the database's identity and the mail.from domain, and never repeat"
ids=$(cat "$box/new/"* "$TESTDIR/maildir/new/"* | tr -d '\r' | sed -n 's/^Message-ID: //p')
expect_equal "$(sort <<<"$ids" | uniq -d)" "" "no Message-ID twice"
identity=$(sql "SELECT token FROM identity")
expect_equal "$(grep -cvE "^<cpd\.[0-9]+\.$identity\.[0-9a-f]{8}@iims\.example>\$" <<<"$ids")" "0"

TEST "the password is never shown, nor kept in the database"
refused 64 "the administrator sets the SMTP password in mail.password_file" sec config set mail.password "s3cret-pw"
printf 's3cret-pw\n' >"$TESTDIR/pw"
printf 'mail.url = maildir:%s\nmail.password_file = %s\n' "$TESTDIR/maildir" "$TESTDIR/pw" >"$TESTDIR/cpd.conf"
CPD_CONFIG=$TESTDIR/cpd.conf ok sec config list
expect_not_contains "$OUT" "s3cret-pw"
expect_contains "$OUT" "(set in $TESTDIR/cpd.conf)"
expect_equal "$(sql "SELECT count(*) FROM setting WHERE value LIKE '%s3cret%'")" "0"
