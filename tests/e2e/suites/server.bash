# The shared host, against real Unix users: cpd serve runs as the system user
# cpd and alone owns the database; a secretary, two members and a local user
# who is no member reach it only through the socket, known by the kernel's
# word. Every attack that broke the setgid install is tried again here and
# must fail with nothing changed. Needs root (CI runs it as root).

# shellcheck source=../shared_host.bash
source "$E2E_DIR/shared_host.bash"

TEST "only the system sets up the server, naming the first secretary"
refused 77 "only the system administrator" $ANN init --name Ann --email ann@example.org
run root init --name "Sam Secretary" --email sec@example.org
expect_equal "$STATUS" 64
expect_contains "$ERR" "--login"
ok root init --login $SEC --name "Sam Secretary" --email sec@example.org --org IIMS
expect_contains "$OUT" "$SEC is the membership secretary"
refused 1 "already set up" root init --login $EVE --name Eve --email eve@example.org
ok $SEC member add $ANN --name "Ann Surveyor" --email ann@example.org
ok $SEC member add $BOB --name "Bob Marine" --email bob@example.org
refused 77 "root sets mail.url in $HOST_CONFIG" $SEC config set mail.url "maildir:$STATE"
ok $SEC config set mail.from cpd@iims.example

TEST "identity and today come from the kernel and the server, not the client"
EXTRA_ENV="CPD_USER=$SEC CPD_TODAY=2030-01-01" run $ANN pending
expect_equal "$STATUS" 77
EXTRA_ENV="CPD_USER=$SEC CPD_TODAY=2030-01-01" ok $ANN claim iims-training-day --json
expect_equal "$(json 'd["member"]')" "$ANN"
expect_equal "$(json 'd["date"]')" "2017-03-15"
ok $ANN balance --json
expect_equal "$(json 'd["pending"]')" "5"
refused 77 "acts as the system" root claim iims-webinar
refused 67 "not a member" $EVE balance
ok $EVE activities
expect_contains "$OUT" "iims-training-day"

TEST "the state folder and every file of the database are the server user's alone"
ok $BOB claim iims-webinar --date 2017-03-10 --note "notes only the secretary may read"
# The server's delivery thread writes the mail, just after the commit.
for _ in $(seq 50); do
  [ -n "$(ls "$STATE/mail/new" 2>/dev/null)" ] && break
  sleep 0.1
done
folders=$(find "$STATE" -type d -exec stat -c '%U %a' {} + | sort -u | tr '\n' ' ')
files=$(find "$STATE" -type f -exec stat -c '%U %a' {} + | sort -u | tr '\n' ' ')
expect_equal "$folders" "cpd 700 "
expect_equal "$files" "cpd 600 "
[ -e "$STATE/cpd.db-wal" ] || fail "no WAL file to check"
[ -n "$(ls "$STATE/mail/new")" ] || fail "the server delivered no mail"
expect_equal "$(stat -c %a "$SOCKET")" "666"

TEST "a member cannot read the database, its log, or anybody's mail"
for target in "$STATE/cpd.db" "$STATE/cpd.db-wal" "$STATE/cpd.db-shm" "$STATE/mail/new"; do
  as $ANN cat "$target" >/dev/null 2>&1 && fail "$ANN could read $target"
  refused 66 "permission denied" $ANN claim technical-paper --attach "$target"
done
as $ANN ls "$STATE/mail/new" >/dev/null 2>&1 && fail "$ANN could list the mail"
pid=$(pgrep -u cpd -f "cpd serve" | head -n 1)
refused 66 "permission denied" $ANN claim technical-paper --attach "/proc/$pid/fd/3"
refused 64 "no longer a setting" $SEC config set mail.password s3cret-pw

TEST "a user cannot wipe the database through an export's temporary file"
as $EVE ln -s "$STATE/cpd.db" "$TESTDIR/home/$EVE/x.partial"
before=$(db_snapshot)
refused 67 "not a member" $EVE export --out x
refused 77 "only the membership secretary" $ANN export --out x --force
run $SEC export --out "$STATE/cpd.db" --force
expect_equal "$STATUS" 74
expect_equal "$(db_snapshot)" "$before"
ok $SEC export --out archive.jsonl
expect_equal "$(stat -c %U "$TESTDIR/home/$SEC/archive.jsonl")" "$SEC"

TEST "a member cannot replace the database through an attachment"
as $ANN sh -c 'printf "SQLite format 3\0 not a database" >evil.db'
ok $ANN claim technical-paper --attach evil.db --date 2017-03-01 --json
id=$(json 'd["id"]')
before=$(db_snapshot)
run $ANN attachment get "$id" --out "$STATE" --force
expect_equal "$STATUS" 74
run $SEC attachment get "$id" --out "$STATE" --force
expect_equal "$STATUS" 74
expect_equal "$(db_snapshot)" "$before"
[ -e "$STATE/evil.db" ] && fail "a file was written into the state folder"

TEST "a member's file never becomes the secretary's start-up file"
as $ANN sh -c 'printf "alias ls=\"echo owned\"\n" >.bash_aliases'
ok $ANN claim technical-paper --attach .bash_aliases --date 2017-03-02 --json
id=$(json 'd["id"]')
ok $SEC attachment get "$id"
[ -e "$TESTDIR/home/$SEC/.bash_aliases" ] && fail "the secretary's .bash_aliases was written"
expect_equal "$(cat "$TESTDIR/home/$SEC/_bash_aliases")" 'alias ls="echo owned"'
expect_equal "$(stat -c %U "$TESTDIR/home/$SEC/_bash_aliases")" "$SEC"
refused 1 "already exists" $SEC attachment get "$id"

TEST "files only the server could read are never read for a member"
install -o cpd -m 600 /dev/null "$STATE/private.csv"
as cpd sh -c "printf 'login,name,email\nmallory,Mallory,m@example.org\n' >'$STATE/private.csv'"
refused 66 "permission denied" $SEC member import "$STATE/private.csv"
refused 66 "permission denied" $ANN member import "$STATE/private.csv"
refused 66 "permission denied" $ANN import attendance "$STATE/private.csv" \
  --activity iims-training-day --date 2017-03-01
# Who may set a setting is checked before the setting is looked at.
refused 77 "only the membership secretary may do this" $ANN config set mail.templates "$STATE"
expect_not_contains "$ERR" "mallory"
rm -f "$STATE/private.csv"

TEST "stalled, stopped and garbage-sending clients hold up nobody else"
# As many as a user may hold beside the garbage they send too.
as $EVE $PY "$HOSTILE" stall "$SOCKET" 6 8 >"$TESTDIR/stall.out" &
stall_pid=$!
as $EVE $PY "$HOSTILE" garbage "$SOCKET" 1048576 >"$TESTDIR/garbage.out" &
garbage_pid=$!
as $ANN "$BIN" history >/dev/null 2>&1 &
stopped_pid=$!
pkill -STOP -u $ANN -f "bin/cpd history"
# A client stopped halfway through sending its request.
as $ANN $PY -c "
import os, signal, socket
s = socket.socket(socket.AF_UNIX); s.connect('$SOCKET'); s.send(b'cpd\x01\x00\x00\x01')
os.kill(os.getpid(), signal.SIGSTOP)" &
half_pid=$!
sleep 1
# The quickest of three claims: one slow on a busy machine is no block, a
# server held up by the others would make all three wait.
best=99999
for attempt in 1 2 3; do
  ms=$(elapsed_ms as $BOB "$BIN" claim iims-webinar --date "2017-03-0$((attempt + 2))")
  [ "$ms" -lt "$best" ] && best=$ms
done
[ "$best" -lt 1000 ] || fail "claims took at least $best ms while others stalled"
expect_equal "$(sql "SELECT count(*) FROM claim WHERE member_id = (SELECT id FROM member WHERE login = '$BOB')")" "4"
wait "$garbage_pid"
expect_contains "$(cat "$TESTDIR/garbage.out")" "(2, 65, 'cpd: error: bad request: malformed message: not a cpd frame')"
pkill -CONT -u $ANN 2>/dev/null
stop_hostile $EVE
pkill -KILL -u $ANN -f "os.kill" 2>/dev/null
wait "$stopped_pid" "$stall_pid" "$half_pid" 2>/dev/null
kill -0 "$SERVER_PID" || fail "the server died"
ok $BOB balance

TEST "one user's connections are capped; the others' are not"
as $EVE $PY "$HOSTILE" stall "$SOCKET" 40 5 >"$TESTDIR/stall.out" &
stall_pid=$!
sleep 1
ok $ANN balance
as $EVE "$BIN" activities >/dev/null 2>"$TESTDIR/eve.err"
expect_contains "$(cat "$TESTDIR/eve.err")" "too many connections"
stop_hostile $EVE
wait "$stall_pid" 2>/dev/null

TEST "requests of the wrong version or size are refused, saying why"
out=$(as $EVE $PY "$HOSTILE" version "$SOCKET" 1 2>&1)
expect_contains "$out" "(2, 69, \"cpd: error: this cpd server speaks protocol version 2, the client version 1: install"
out=$(as $EVE $PY "$HOSTILE" oversize "$SOCKET" 2>&1)
expect_contains "$out" "over the limit"
kill -0 "$SERVER_PID" || fail "the server died"

TEST "a socket that is not the server's gets nothing"
as $EVE $PY "$HOSTILE" listen "$TESTDIR/home/$EVE/fake.sock" "$TESTDIR/home/$EVE/got" &
fake_pid=$!
for _ in $(seq 50); do [ -S "$TESTDIR/home/$EVE/fake.sock" ] && break; sleep 0.1; done
chmod 711 "$TESTDIR/home/$EVE"
run $ANN --socket "$TESTDIR/home/$EVE/fake.sock" claim iims-webinar --note "for eve's eyes?"
expect_equal "$STATUS" 69
expect_contains "$ERR" "is not the cpd server's"
sleep 0.3
expect_equal "$(cat "$TESTDIR/home/$EVE/got")" "0"
stop_hostile $EVE
wait "$fake_pid" 2>/dev/null

TEST "the system runs the unattended jobs; it decides no claim"
ok cpd rollover
ok cpd mail send
ok root check
ok root remind --dry-run
refused 77 "acts as the system" cpd approve 1
refused 77 "acts as the system" root balance

TEST "answers come through whole: JSON, exit statuses, notes"
ok $ANN balance --json
expect_equal "$(json 'd["member"]')" "$ANN"
refused 77 "only the membership secretary" $ANN approve 1
run $SEC approve --all-pending
expect_equal "$STATUS" 64
expect_contains "$ERR" "--yes"
ok $SEC approve --all-pending --yes
ok $ANN balance --json
expect_equal "$(json 'd["total"] > 0')" "True"

TEST "the server stops cleanly and removes its socket"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
expect_equal "$?" "0"
[ -e "$SOCKET" ] && fail "the socket was left behind"
run $ANN balance
expect_equal "$STATUS" 69
expect_contains "$ERR" "not running"
