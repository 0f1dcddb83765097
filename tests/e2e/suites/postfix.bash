# cpd's mail through a real Postfix on loopback, made strict: bare line feeds
# refused, 8-bit and raw 8-bit headers refused, RFC 821 envelopes and a fully
# qualified EHLO name required. Delivered by Postfix's virtual(8) agent into
# one Maildir. A year of mail, plain and over STARTTLS with a CA made here;
# Message-IDs unique across two databases; an outage; a corrected address; a
# mail too large for the server.
#
# Needs root (Postfix's master runs as root) and Debian's postfix package,
# installed by .ci/run; skipped otherwise.
if [ "$(id -u)" != 0 ]; then
  skip_suite "running a Postfix instance needs root"
fi
if [ ! -x /usr/sbin/postfix ] || [ ! -x /usr/sbin/postconf ] || ! getent passwd postfix >/dev/null; then
  skip_suite "Debian's postfix package is not installed"
fi
if ! command -v openssl >/dev/null; then
  skip_suite "openssl is not installed"
fi
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"

# Postfix's own users must reach its folders inside the test folder.
chmod 0711 "$TESTDIR"
PF=$TESTDIR/postfix
BOX=$PF/vmail/all
PORT=$(free_port)
MASTER=
mkdir -p "$PF/etc" "$PF/queue" "$PF/data" "$PF/vmail" "$PF/tls"
chown postfix "$PF/data"
chown 65534:65534 "$PF/vmail"

# A private CA and the server's certificate for 127.0.0.1, signed by it.
(
  cd "$PF/tls" || exit 70
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cpd test CA" \
    -keyout ca.key -out ca.pem
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
  printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile san.ext -out server.pem
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
    -keyout other.key -out other.pem
) >"$PF/tls.log" 2>&1 || { cat "$PF/tls.log" >&2; exit 70; }

# The addresses this server has; anything else at example.org is refused
# with 550 "User unknown".
printf '%s all/\n' sec@example.org ann@example.org bob@example.org zoe@example.org \
  dee@example.org kim@example.org >"$PF/etc/mailboxes"

cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = mx.test.example
mydomain = test.example
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_banner = \$myhostname ESMTP

# Strict: no bare line feeds from anybody, loopback included; no 8-bit text
# without 8BITMIME; envelopes in <>; a fully qualified EHLO name.
smtpd_forbid_bare_newline = reject
smtpd_forbid_bare_newline_exclusions =
strict_8bitmime = yes
strict_7bit_headers = yes
strict_rfc821_envelopes = yes
smtpd_helo_required = yes
smtpd_helo_restrictions = reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname
smtpd_sender_restrictions = reject_non_fqdn_sender
smtpd_relay_restrictions = reject_non_fqdn_recipient, reject_unlisted_recipient,
  reject_unauth_destination

smtpd_tls_security_level = may
smtpd_tls_cert_file = $PF/tls/server.pem
smtpd_tls_key_file = $PF/tls/server.key
smtpd_tls_received_header = yes

virtual_mailbox_domains = example.org
virtual_mailbox_base = $PF/vmail
virtual_mailbox_maps = texthash:$PF/etc/mailboxes
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
EOF

cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF

# Stops this instance by its master's process id, whatever state the suite
# ends in (its configuration may be gone by then).
stop_master() {
  if [ -n "$MASTER" ]; then
    kill "$MASTER" 2>/dev/null
    for _ in $(seq 1 100); do
      kill -0 "$MASTER" 2>/dev/null || break
      sleep 0.05
    done
    MASTER=
  fi
}
trap stop_master EXIT

start_postfix() {
  if ! postfix -c "$PF/etc" start >>"$PF/control.log" 2>&1; then
    echo "postfix: Postfix did not start:" >&2
    tail -5 "$PF/maillog" >&2
    exit 70
  fi
  MASTER=$(tr -d ' ' <"$PF/queue/pid/master.pid")
  wait_for_port "$PORT"
}

stop_postfix() {
  postfix -c "$PF/etc" stop >>"$PF/control.log" 2>&1
  stop_master
}

# Every mail cpd sent (in both databases) reached the Maildir: Postfix
# delivers after it answers, so this waits for it, for at most 20 seconds.
delivered() {
  ls "$BOX/new" 2>/dev/null | wc -l
}
sent_count() {
  local total=0 db
  for db in "$TESTDIR/cpd.db" "$TESTDIR/second/cpd.db"; do
    if [ -f "$db" ]; then
      total=$((total + $(sqlite3 -batch -cmd ".timeout 10000" "$db" "SELECT count(*) FROM outbox WHERE state = 'sent'")))
    fi
  done
  echo "$total"
}
wait_delivered() {
  local want
  want=$(sent_count)
  for _ in $(seq 1 400); do
    [ "$(delivered)" -ge "$want" ] && break
    sleep 0.05
  done
  expect_equal "$(delivered)" "$want" "every mail cpd sent is in the Maildir, once"
}

start_postfix

setup_scheme
ok sec config set mail.url "smtp://127.0.0.1:$PORT"
ok sec config set org.name "Internationale Gesellschaft für Schiffsvermessung und Meerestechnik"
ok sec member add zoe --name "Zoë-Ångström Maximiliane Björnsdóttir-Vermessungsingenieurin" --email zoe@example.org

TEST "the server is as strict as it says: a bare line feed and a non-FQDN EHLO are refused"
expect_equal "$(postconf -c "$PF/etc" -h smtpd_forbid_bare_newline strict_8bitmime strict_7bit_headers strict_rfc821_envelopes | tr '\n' ' ')" "reject yes yes yes "
probe=$(/usr/bin/python3 - "$PORT" <<'EOF'
import smtplib, socket, sys
port = int(sys.argv[1])
# The name cpd used to greet with.
try:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=10) as s:
        s.sendmail("cpd@iims.example", ["ann@example.org"], b"Subject: x\r\n\r\nx\r\n")
    print("localhost accepted")
except smtplib.SMTPRecipientsRefused as e:
    print("localhost", e.recipients["ann@example.org"][0])
# A bare line feed in the message text.
with socket.create_connection(("127.0.0.1", port), 10) as s:
    f = s.makefile("rb")
    def reply():
        lines = []
        while True:
            line = f.readline()
            lines.append(line)
            if line[3:4] != b"-":
                return lines[-1].split()[0].decode()
    reply()
    for command in (b"EHLO probe.example\r\n", b"MAIL FROM:<cpd@iims.example>\r\n",
                    b"RCPT TO:<ann@example.org>\r\n", b"DATA\r\n"):
        s.sendall(command)
        reply()
    s.sendall(b"Subject: bare\r\n\r\nline one\nline two\r\n.\r\n")
    print("bare", reply())
EOF
)
expect_equal "$probe" "$(printf 'localhost 504\nbare 550')"
expect_equal "$(delivered)" "0"

TEST "a year of mail goes through, every message whole"
day() { CPD_TODAY=$1; export CPD_TODAY; }
day 2017-01-10; ok ann claim iims-training-day --date 2017-01-09 --note "Hull survey course"
day 2017-01-12; ok sec approve 1
for month in 02 03 04 05 06 07 08 09 10 11 12; do
  day "2017-$month-01"
  ok sec remind
done
day 2017-02-14; ok bob claim iims-webinar --date 2017-02-13
day 2017-02-15; ok sec decline 2 --reason "Not an IIMS webinar; claim it as external-webinar"
day 2017-03-20; ok zoe claim iims-conference --days 1 --date 2017-03-18 --note "Schiffsvermessungslehrgang in Lübeck-Travemünde"
day 2017-03-22; ok sec approve 3
printf '%%PDF-1.4 certificate\n' >"$TESTDIR/certificate.pdf"
day 2017-06-05; ok ann claim iims-half-day --date 2017-06-02 --attach "$TESTDIR/certificate.pdf"
day 2017-06-06; ok sec approve 4
day 2017-09-12; ok bob claim iims-training-day --date 2017-09-11
day 2017-09-13; ok sec approve 5
day 2017-10-02; ok sec revoke 5 --reason "The course was cancelled"
day 2017-11-20; ok bob claim iims-branch-meeting --date 2017-11-17
day 2017-11-21; ok bob withdraw 6
day 2018-01-02; ok sec rollover
unset CPD_TODAY
export CPD_TODAY=2018-01-03
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state != 'sent'")" "0"
year=$(sent_count)
echo "postfix: $year mails in the year" >&2
[ "$year" -ge 50 ] || fail "only $year mails in a year"
wait_delivered
expect_equal "$($MAILBOX check "$BOX")" "$year" "every message parses without a defect"
expect_equal "$($MAILBOX check-lines "$BOX")" "$year"
list=$($MAILBOX list "$BOX")
expect_contains "$list" "ann@example.org	CPD claim #1 approved"
expect_contains "$list" "bob@example.org	CPD claim #2 declined"
expect_contains "$list" "zoe@example.org	Your CPD statement for 2017"
expect_contains "$list" "sec@example.org	CPD year 2017 closed"
expect_contains "$list" "sec@example.org	CPD claim #3: Zoë-Ångström Maximiliane Björnsdóttir-Vermessungsingenieurin claims"
expect_equal "$($MAILBOX attachments "$BOX" "#4: Ann Surveyor" | cut -f1,2)" "$(printf 'certificate.pdf\tapplication/pdf')"
# The EHLO name was fully qualified (Postfix refuses anything else here) and
# is the one Postfix recorded.
helo=$(sed -n 's/^Received: from \([^ ]*\) (localhost \[127.0.0.1\])$/\1/p' "$BOX/new/"* | sort -u)
expect_equal "$(wc -l <<<"$helo")" "1"
[[ "$helo" == *.* && "$helo" != localhost* ]] || fail "EHLO name [$helo] is not fully qualified"

TEST "mail.helo names the EHLO"
ok sec config set mail.helo cpd.iims.example
ok ann claim iims-webinar --date 2018-01-02
wait_delivered
expect_contains "$(grep -h '^Received: from ' "$BOX/new/"* | sort | uniq -c)" "Received: from cpd.iims.example (localhost [127.0.0.1])"

TEST "Message-IDs are unique across two databases, on the mail.from domain"
mkdir -p "$TESTDIR/second"
(
  export CPD_DB=$TESTDIR/second/cpd.db
  setup_scheme
  CPD_USER=sec "$CPD" config set mail.url "smtp://127.0.0.1:$PORT" || exit 70
  for date in 2018-01-01 2018-01-02; do
    CPD_USER=ann "$CPD" claim iims-webinar --date "$date" >/dev/null || exit 70
  done
) || fail "the second database did not send its mail"
wait_delivered
ids=$($MAILBOX ids "$BOX")
expect_equal "$(wc -l <<<"$ids")" "$(sent_count)"
expect_equal "$(sort <<<"$ids" | uniq -d)" "" "no Message-ID twice"
first=$(sql "SELECT token FROM identity")
second=$(sqlite3 "$TESTDIR/second/cpd.db" "SELECT token FROM identity")
[ "$first" != "$second" ] || fail "both databases have the identity $first"
expect_equal "$(grep -c "^<cpd\.1\.$first\.[0-9a-f]\{8\}@iims\.example>\$" <<<"$ids")" "1"
expect_equal "$(grep -c "^<cpd\.1\.$second\.[0-9a-f]\{8\}@iims\.example>\$" <<<"$ids")" "1"
expect_equal "$(grep -cvE '^<cpd\.[0-9]+\.[0-9a-f]{16}\.[0-9a-f]{8}@iims\.example>$' <<<"$ids")" "0"

TEST "after an outage, mail send says so, and send --now delivers at once, once"
stop_postfix
before=$(delivered)
CPD_TODAY=2018-01-04 run ann claim iims-webinar --date 2018-01-03
expect_equal "$STATUS" 0
expect_contains "$ERR" "the membership secretary sees to it"
CPD_TODAY=2018-01-04 run sec mail send
expect_equal "$STATUS" 0
expect_contains "$OUT" "Nothing is due yet: 2 mails queued"
CPD_TODAY=2018-01-05 run sec mail send
expect_equal "$STATUS" 69
expect_contains "$ERR" "the mail server cannot be reached (smtp://127.0.0.1:$PORT: "
start_postfix
CPD_TODAY=2018-01-05 ok sec mail send
expect_contains "$OUT" "Nothing is due yet: 2 mails queued"
CPD_TODAY=2018-01-05 ok sec mail send --now
expect_equal "$OUT" "Sent 2 mails."
wait_delivered
expect_equal "$(($(delivered) - before))" "2"
CPD_TODAY=2018-01-05 ok sec mail send --now
expect_equal "$OUT" ""
sleep 0.5
expect_equal "$(($(delivered) - before))" "2" "nothing twice"

TEST "a refused address is retried to the member's corrected one"
ok sec member add dee --name "Dee Deputy" --email dee.typo@example.org
run dee claim iims-webinar --date 2018-01-02
expect_equal "$STATUS" 0
expect_contains "$ERR" "the membership secretary sees to it"
ok sec --json mail list --failed
expect_equal "$(json '[(m["to"], m["last_code"]) for m in d]')" "[('dee.typo@example.org', 550)]"
expect_contains "$(json 'd[0]["last_error"]')" "(server: 550 5.1.1 <dee.typo@example.org>: Recipient address rejected: User unknown in virtual mailbox table)"
refused_id=$(json 'd[0]["id"]')
printf 'login,name,email\ndee,Dee Deputy,dee@example.org\n' >"$TESTDIR/dee.csv"
ok sec member import "$TESTDIR/dee.csv"
ok sec mail retry "$refused_id"
expect_equal "$OUT" "$(printf 'Queued 1 mail again.\nSent 1 mail.')"
wait_delivered
expect_contains "$($MAILBOX list "$BOX")" "dee@example.org	CPD claim #"
expect_equal "$(sql "SELECT state, to_address, attempts FROM outbox WHERE id = $refused_id")" "sent|dee@example.org|2"

TEST "a mail too large for the server goes again without its files"
postconf -c "$PF/etc" -e message_size_limit=60000
postfix -c "$PF/etc" reload >>"$PF/control.log" 2>&1
sleep 0.5
head -c 70000 /dev/urandom >"$TESTDIR/survey.pdf"
run ann claim iims-half-day --date 2018-01-02 --attach "$TESTDIR/survey.pdf"
expect_equal "$STATUS" 0
expect_equal "$ERR" ""
claim=$(sql "SELECT max(id) FROM claim")
expect_equal "$(sql "SELECT state, files_dropped, attempts FROM outbox WHERE cause = 'claim:$claim:submitted:secretary'")" "sent|1|2"
wait_delivered
$MAILBOX show "$BOX" "#$claim: Ann Surveyor claims" >"$TESTDIR/big.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/big.txt")" "The mail server refused this mail as too large"
expect_contains "$(cat "$TESTDIR/big.txt")" "  cpd attachment get $claim"
expect_equal "$($MAILBOX attachments "$BOX" "#$claim: Ann Surveyor claims")" ""
postconf -c "$PF/etc" -e message_size_limit=10240000
postfix -c "$PF/etc" reload >>"$PF/control.log" 2>&1

TEST "STARTTLS against the test's own CA; another CA's trust is refused"
ok sec config set mail.starttls required
# The certificates to trust are the administrator's, in the host configuration.
export CPD_CONFIG=$TESTDIR/cpd.conf
printf 'mail.ca_file = %s\n' "$PF/tls/other.pem" >"$CPD_CONFIG"
run sec member add kim --name "Kim Keel" --email kim@example.org
expect_equal "$STATUS" 0
run kim claim iims-webinar --date 2018-01-02
expect_equal "$STATUS" 0
expect_contains "$ERR" "the membership secretary sees to it"
run sec mail send --now
expect_equal "$STATUS" 78
expect_contains "$ERR" "not trusted"
printf 'mail.ca_file = %s\n' "$PF/tls/ca.pem" >"$CPD_CONFIG"
run sec mail send --now
expect_equal "$STATUS" 0
expect_equal "$OUT" "Sent 2 mails."
wait_delivered
for file in $(grep -l '^Delivered-To: kim@example.org' "$BOX/new/"*); do
  grep -q 'with ESMTPS id' "$file" || fail "the mail to kim did not travel over TLS"
done
expect_equal "$($MAILBOX check "$BOX")" "$(sent_count)"
expect_equal "$($MAILBOX check-lines "$BOX")" "$(sent_count)"

stop_postfix
