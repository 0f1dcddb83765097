# The host configuration (cpd.conf(5)) on a shared host: the files mail reads
# are root's to name, read once by the server as regular files within a
# limit, never because a request named them; a secretary can neither point
# the server at a file nor send the SMTP password elsewhere; no copy of the
# database holds a secret. Needs root (CI runs it as root).

USERS_PREFIX=cpdhc
HOST_CONFIG=$TESTDIR/cpd.conf
mkdir -p "$TESTDIR/templates"
printf 'Subject: Received by the host template\n\nClaim {claim_id} of {name}.\n' \
  >"$TESTDIR/templates/claim-received.txt"
printf '# cpd.conf: the administrator'"'"'s\nmail.url = maildir:%s\nmail.templates = %s\n' \
  "$TESTDIR/state/mail" "$TESTDIR/templates" >"$HOST_CONFIG"

# shellcheck source=../shared_host.bash
source "$E2E_DIR/shared_host.bash"

# The subjects of the mail delivered so far, as the server's user reads them.
subjects() {
  as cpd sh -c "cat '$STATE'/mail/new/* 2>/dev/null" | tr -d '\r' | sed -n 's/^Subject: //p'
}
# Waits until a mail with this subject has been delivered COUNT times.
wait_for_subject() {
  local subject=$1 count=$2
  for _ in $(seq 50); do
    [ "$(subjects | grep -cF "$subject")" -ge "$count" ] && return
    sleep 0.1
  done
  fail "no ${count}th mail '$subject'"
}
# Sends SIGHUP and waits for the server's log to say what came of it.
reload() {
  local lines
  lines=$(wc -l <"$TESTDIR/server.log")
  kill -HUP "$SERVER_PID"
  for _ in $(seq 50); do
    [ "$(wc -l <"$TESTDIR/server.log")" -gt "$lines" ] && break
    sleep 0.1
  done
  RELOADED=$(tail -n +"$((lines + 1))" "$TESTDIR/server.log")
}

# The odd files the administrator might name by mistake, or be tricked into.
mkfifo "$TESTDIR/fifo"
truncate -s 12G "$TESTDIR/sparse.pem"
mkdir -p "$TESTDIR/fifo-templates"
mkfifo "$TESTDIR/fifo-templates/claim-received.txt"
ln -s "$TESTDIR/templates/claim-received.txt" "$TESTDIR/link.pem"

set_up_scheme

TEST "neither a secretary nor a non-member can make the server read a file: the settings that named files are gone"
before=$(server_rss_kb)
for key in mail.templates mail.ca_file mail.password_file; do
  refused 64 "$key is no longer a setting: the administrator sets $key in $HOST_CONFIG" \
    $SEC config set "$key" /dev/zero
  refused 67 "not a member" $EVE config set "$key" /dev/zero
done
refused 64 "the administrator sets the SMTP password in mail.password_file" \
  $SEC config set mail.password s3cret-pw
after=$(server_rss_kb)
[ "$after" -le $((before + 8192 * RSS_FACTOR)) ] || fail "the server grew from $before to $after KiB"
echo "hostconf: server RSS $before KiB before, $after KiB after" >&2
expect_server_serves

TEST "the templates of the host configuration are read at start and used"
ok $ANN claim iims-webinar --date 2017-03-01
wait_for_subject "Received by the host template" 1

TEST "a host configuration naming /dev/zero, a sparse file, a FIFO or a link: the server does not start"
try_start() {
  printf '%s\n' "$@" >"$TESTDIR/bad.conf"
  local started
  started=$(date +%s%N)
  as cpd "$BIN" serve --db "$STATE/cpd.db" --socket "$RUNDIR/other.sock" \
    --config "$TESTDIR/bad.conf" >"$TESTDIR/start.out" 2>"$TESTDIR/start.err"
  STATUS=$?
  TOOK=$((($(date +%s%N) - started) / 1000000))
  ERR=$(cat "$TESTDIR/start.err")
  expect_equal "$STATUS" 78 "$1"
  expect_equal "$(wc -l <"$TESTDIR/start.err")" "1" "one line"
  [ "$TOOK" -le 1000 ] || fail "the refusal took $TOOK ms"
  [ -e "$RUNDIR/other.sock" ] && fail "a server started with $1"
  expect_server_serves
}
try_start "mail.ca_file = /dev/zero"
expect_equal "$ERR" "cpd: error: mail.ca_file /dev/zero is not a regular file (a device)"
try_start "mail.ca_file = $TESTDIR/sparse.pem"
expect_equal "$ERR" "cpd: error: mail.ca_file $TESTDIR/sparse.pem is 12884901888 bytes, over the limit of 1048576 bytes"
try_start "mail.ca_file = $TESTDIR/fifo"
expect_equal "$ERR" "cpd: error: mail.ca_file $TESTDIR/fifo is not a regular file (a FIFO)"
try_start "mail.ca_file = $TESTDIR/link.pem"
expect_equal "$ERR" "cpd: error: mail.ca_file $TESTDIR/link.pem is a symbolic link; name the file itself"
try_start "mail.templates = /dev/zero"
expect_contains "$ERR" "mail.templates /dev/zero is not a directory"
try_start "mail.templates = $TESTDIR/fifo-templates"
expect_contains "$ERR" "claim-received.txt is not a regular file (a FIFO)"
try_start "mail.url = maildir:$STATE/mail" "mail.password_file = $TESTDIR/fifo"
expect_contains "$ERR" "mail.password_file $TESTDIR/fifo is not a regular file (a FIFO)"
try_start "mail.templats = $TESTDIR/templates"
expect_equal "$ERR" "cpd: error: $TESTDIR/bad.conf:1: unknown key 'mail.templats' (known: mail.url, mail.username, mail.password_file, mail.ca_file, mail.templates)"
chmod 666 "$TESTDIR/bad.conf"
try_start "mail.templates = $TESTDIR/templates"
expect_contains "$ERR" "must belong to root and be writable by nobody else"

TEST "on SIGHUP a bad host configuration is logged, and the one before stays"
cp "$HOST_CONFIG" "$TESTDIR/good.conf"
for bad in "mail.ca_file = /dev/zero" "mail.ca_file = $TESTDIR/sparse.pem" \
  "mail.ca_file = $TESTDIR/fifo" "mail.templates = $TESTDIR/fifo-templates"; do
  printf '%s\n' "$bad" >"$HOST_CONFIG"
  before=$(server_rss_kb)
  reload
  expect_contains "$RELOADED" "the host configuration was not reloaded, the previous one stays"
  expect_equal "$(wc -l <<<"$RELOADED")" "1" "one log line for $bad"
  [ "$(server_rss_kb)" -le $((before + 8192 * RSS_FACTOR)) ] || fail "the server grew reading $bad"
  expect_server_serves
done
ok $ANN claim iims-webinar --date 2017-03-02
wait_for_subject "Received by the host template" 2

TEST "on SIGHUP a good host configuration replaces the one before"
printf 'Subject: Received by the new template\n\nClaim {claim_id}.\n' \
  >"$TESTDIR/templates/claim-received.txt"
cp "$TESTDIR/good.conf" "$HOST_CONFIG"
ok $ANN claim iims-webinar --date 2017-03-03
wait_for_subject "Received by the host template" 3 # read once: an edit waits for the reload
reload
expect_contains "$RELOADED" "read the host configuration $HOST_CONFIG again"
ok $ANN claim iims-webinar --date 2017-03-04
wait_for_subject "Received by the new template" 1

TEST "a mail.url the administrator sets cannot be redirected by a secretary"
printf 's3cret-pw\n' >"$TESTDIR/smtp-password"
chmod 600 "$TESTDIR/smtp-password"
chown cpd "$TESTDIR/smtp-password"
printf 'mail.url = maildir:%s\nmail.username = cpd\nmail.password_file = %s\n' \
  "$STATE/mail" "$TESTDIR/smtp-password" >"$HOST_CONFIG"
reload
expect_contains "$RELOADED" "again"
refused 77 "mail.url is set by the administrator in $HOST_CONFIG; ask them to change it there" \
  $SEC config set mail.url "smtp://127.0.0.1:2525"
refused 77 "mail.username is set by the administrator" $SEC config set mail.username me
ok $SEC config get mail.url
expect_equal "$OUT" "maildir:$STATE/mail (set in $HOST_CONFIG)"
ok $SEC config list
expect_not_contains "$OUT" "s3cret-pw"

TEST "a copy of the database holds no secret"
ok $ANN statement --year 2017
code=$(sed -n 's/^Verification code: //p' <<<"$OUT")
[ -n "$code" ] || fail "no code"
key=$(as cpd cat "$STATE/cpd.db.key")
expect_equal "$(as cpd stat -c '%U %a' "$STATE/cpd.db.key")" "cpd 600"
ok $SEC backup copy.db
copy=$TESTDIR/home/$SEC/copy.db
expect_equal "$(sqlite3 "$copy" "SELECT count(*) FROM sqlite_schema WHERE name = 'statement_key'")" "0"
expect_equal "$(sqlite3 "$copy" "SELECT count(*) FROM setting WHERE key LIKE 'mail.pass%' OR value LIKE '%s3cret%'")" "0"
expect_equal "$(sqlite3 "$copy" "SELECT count(*) FROM statement")" "1"
grep -qaF "s3cret-pw" "$copy" && fail "the SMTP password is in the copy"
grep -qaiF "$key" "$copy" && fail "the statement key is in the copy as text"
od -An -tx1 -v "$copy" | tr -d ' \n' | grep -qiF "$key" && fail "the statement key is in the copy"
ok $EVE verify "$code"

TEST "a database from before the key file keeps verifying its codes"
# The database as an older cpd left it: the key in the table statement_key.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
sql "DROP TABLE audit_reminder;
CREATE TABLE outbox_old (id INTEGER PRIMARY KEY, cause TEXT NOT NULL UNIQUE,
  template TEXT NOT NULL, member_id INTEGER REFERENCES member(id), to_name TEXT NOT NULL,
  to_address TEXT NOT NULL, facts TEXT, subject TEXT, body TEXT,
  message_id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, lease_until INTEGER,
  last_code INTEGER, last_error TEXT, sent_at INTEGER,
  files_dropped INTEGER NOT NULL DEFAULT 0 CHECK (files_dropped IN (0, 1)),
  CHECK ((facts IS NULL) = (subject IS NOT NULL AND body IS NOT NULL))) STRICT;
INSERT INTO outbox_old(id, cause, template, member_id, to_name, to_address, facts, message_id,
  created_at, state, attempts, next_attempt_at, lease_until, last_code, last_error, sent_at,
  files_dropped)
  SELECT id, cause, template, member_id, to_name, to_address, facts, message_id, created_at,
  state, attempts, next_attempt_at, lease_until, last_code, last_error, sent_at, files_dropped
  FROM outbox;
DROP TABLE outbox; ALTER TABLE outbox_old RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_member ON outbox(member_id, template, created_at);
ALTER TABLE member DROP COLUMN uid; ALTER TABLE audit_draw DROP COLUMN pool;
DROP INDEX claim_withdrawn; DROP INDEX claim_member_year;
CREATE INDEX claim_member_year ON claim(member_id, year);
ALTER TABLE claim DROP COLUMN evidence_purged; ALTER TABLE claim DROP COLUMN purged_bytes;
CREATE TABLE statement_key (id INTEGER PRIMARY KEY CHECK (id = 1), secret BLOB NOT NULL) STRICT;
INSERT INTO statement_key VALUES (1, X'$key');
INSERT INTO setting VALUES ('mail.password', 's3cret-pw'), ('mail.templates', '/dev/zero');
PRAGMA user_version = 10;"
as cpd rm "$STATE/cpd.db.key"
setpriv --reuid=cpd --regid="$(id -g cpd)" --init-groups \
  env -i PATH=/usr/bin:/bin CPD_TODAY=2017-03-15 "$BIN" serve --db "$STATE/cpd.db" \
  --socket "$SOCKET" --config "$HOST_CONFIG" 2>>"$TESTDIR/server.log" &
SERVER_PID=$!
for _ in $(seq 50); do
  [ -S "$SOCKET" ] && break
  sleep 0.1
done
ok $EVE verify "$code"
expect_contains "$OUT" "$code is the code of a CPD statement"
expect_equal "$(as cpd cat "$STATE/cpd.db.key")" "$key"
expect_equal "$(as cpd stat -c '%U %a' "$STATE/cpd.db.key")" "cpd 600"
expect_equal "$(sql "SELECT count(*) FROM sqlite_schema WHERE name = 'statement_key'")" "0"
expect_equal "$(sql "SELECT count(*) FROM setting WHERE key IN ('mail.password', 'mail.templates')")" "0"

TEST "restored without its key, a copy says what is missing; with it, its codes verify"
mkdir -p "$TESTDIR/restored"
cp "$copy" "$TESTDIR/restored/cpd.db"
restored() { env -i PATH=/usr/bin:/bin CPD_USER=root "$BIN" --db "$TESTDIR/restored/cpd.db" "$@"; }
out=$(restored verify "$code" 2>&1)
expect_equal "$?" "78"
expect_equal "$out" "cpd: error: the statement key $TESTDIR/restored/cpd.db.key is missing: put back the copy kept with the database's backups, or no code of its statements verifies"
as cpd cat "$STATE/cpd.db.key" >"$TESTDIR/restored/cpd.db.key"
out=$(restored verify "$code" 2>&1)
expect_equal "$?" "0"
expect_contains "$out" "$code is the code of a CPD statement"

TEST "a user's private file does not read the server's host configuration"
if [ -e /etc/cpd/cpd.conf ]; then
  cannot_check "/etc/cpd/cpd.conf exists on this host, and is not this suite's to replace"
else
  # As the README has it: the SMTP password readable by the server's account
  # alone. A user's own file must neither need it nor read it.
  install -d -m 755 /etc/cpd
  install -o cpd -m 600 /dev/null "$TESTDIR/server-password"
  printf 'mail.url = smtp://127.0.0.1:2525\nmail.password_file = %s\n' \
    "$TESTDIR/server-password" >/etc/cpd/cpd.conf
  run $EVE --db "$TESTDIR/home/$EVE/own.db" init --name "Eve Own" --email eve@example.org
  rm -f /etc/cpd/cpd.conf
  rmdir /etc/cpd 2>/dev/null
  expect_equal "$STATUS" 0
  expect_equal "$ERR" ""
fi
