# Files through the socket, and where the client writes them: backups,
# exports and a claim's files come from cpd serve as descriptors of files
# the server made, copied by the user's own cpd with the user's rights, so
# that neither side ever holds them whole; names that read as options are
# saved behind an underscore; no output path goes through a symbolic link.
# Real users against a real server. Needs root.

USERS_PREFIX=cpdfiles
# shellcheck source=../shared_host.bash
source "$E2E_DIR/shared_host.bash"
set_up_scheme

SEC_HOME=$TESTDIR/home/$SEC
ANN_HOME=$TESTDIR/home/$ANN
MIB=1048576

# peak_kb FILE: the client's peak resident memory that /usr/bin/time wrote.
peak_kb() {
  tail -n 1 "$1"
}
# server_peak_kb: the server's peak resident memory since reset_server_peak.
server_peak_kb() {
  awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status"
}
# reset_server_peak: the peak starts again from the server's memory now,
# kept in SERVER_BEFORE_KB.
reset_server_peak() {
  echo 5 >"/proc/$SERVER_PID/clear_refs"
  SERVER_BEFORE_KB=$(server_rss_kb)
}
# expect_flat WHAT CLIENT_TIME_FILE: the server grew by under 32 MiB and
# stayed under 128 MiB, the client under 16 MiB, whatever the data's size.
expect_flat() {
  local server_kb client_kb
  server_kb=$(server_peak_kb)
  client_kb=$(peak_kb "$2")
  echo "files: $1: server RSS $SERVER_BEFORE_KB KiB before, peak $server_kb KiB; client peak RSS $client_kb KiB" >&2
  local factor=$RSS_FACTOR
  [ $((server_kb - SERVER_BEFORE_KB)) -lt $((32768 * factor)) ] ||
    fail "the server grew from $SERVER_BEFORE_KB to $server_kb KiB"
  [ "$server_kb" -lt $((131072 * factor)) ] || fail "the server's peak memory was $server_kb KiB"
  [ "$client_kb" -lt $((16384 * factor)) ] || fail "the client's peak memory was $client_kb KiB"
}
# timed USER OUT ARGS...: runs cpd as USER through the server with its
# peak memory in OUT (a file in USER's home).
timed() {
  local user=$1 out=$2
  shift 2
  LAST_COMMAND="$user: cpd $*"
  as "$user" /usr/bin/time -f '%M' -o "$out" "$BIN" "$@" >"$TESTDIR/.out" 2>"$TESTDIR/.err"
  STATUS=$?
  OUT=$(cat "$TESTDIR/.out")
  ERR=$(cat "$TESTDIR/.err")
}

TEST "files named like options are saved behind an underscore, and tar cf x * in their folder is harmless"
printf 'touch ran-the-members-script\n' >"$ANN_HOME/x.sh"
printf 'a\n' >"$ANN_HOME/-rf"
printf 'b\n' >"$ANN_HOME/--checkpoint=1"
printf 'c\n' >"$ANN_HOME/--checkpoint-action=exec=sh x.sh"
ok $ANN claim technical-paper --date 2017-03-01 --attach ./-rf --attach ./--checkpoint=1 \
  --attach "./--checkpoint-action=exec=sh x.sh" --attach x.sh --json
id=$(json 'd["id"]')
ok $SEC attachment get "$id" --out "$SEC_HOME/options"
expect_equal "$(ls -A "$SEC_HOME/options" | sort)" \
  "$(printf '%s\n' "_--checkpoint-action=exec=sh x.sh" "_--checkpoint=1" "_-rf" "x.sh" | sort)"
expect_equal "$(cat "$SEC_HOME/options/_-rf")" "a"
as $SEC sh -c "cd '$SEC_HOME/options' && tar cf ../options.tar *" || fail "tar failed"
[ ! -e "$SEC_HOME/options/ran-the-members-script" ] || fail "tar ran the member's script"
expect_equal "$(tar tf "$SEC_HOME/options.tar" | sort | tr '\n' '|')" \
  "_--checkpoint-action=exec=sh x.sh|_--checkpoint=1|_-rf|x.sh|"
expect_server_serves

TEST "an output path through a symbolic link to a folder is refused, and nothing is written"
as $SEC mkdir -p "$SEC_HOME/real/inner"
as $SEC ln -s "$SEC_HOME/real" "$SEC_HOME/link"
refused 1 "goes through a symbolic link" $SEC attachment get "$id" --out "$SEC_HOME/link/inner/got"
refused 1 "goes through a symbolic link" $SEC attachment get "$id" --out "$SEC_HOME/link/new/got"
refused 1 "goes through a symbolic link" $SEC backup "$SEC_HOME/link/inner/copy.db"
refused 1 "goes through a symbolic link" $SEC export --out "$SEC_HOME/link/inner/export.jsonl"
refused 1 "goes through a symbolic link" $SEC export --out "$SEC_HOME/link/export.jsonl"
expect_equal "$(find "$SEC_HOME/real" -mindepth 1 | tr '\n' ' ')" "$SEC_HOME/real/inner "
# The same folders named without the link are written.
ok $SEC attachment get "$id" --out "$SEC_HOME/real/inner/got"
expect_equal "$(cat "$SEC_HOME/real/inner/got/_-rf")" "a"
# A link planted by another user in a folder both may write: refused too.
install -d -m 1777 "$TESTDIR/shared"
as $EVE mkdir "$TESTDIR/shared/eve"
as $EVE ln -s "$SEC_HOME" "$TESTDIR/shared/drop"
refused 1 "goes through a symbolic link" $SEC export --out "$TESTDIR/shared/drop/x/export.jsonl"
[ ! -e "$SEC_HOME/x" ] || fail "a folder was made through the link"
expect_server_serves

TEST "a backup of a private file goes straight into its place with VACUUM INTO, for its owner alone"
# On a private file the user's own cpd is the database's side: its date.
export EXTRA_ENV=CPD_TODAY=2017-03-15
as $SEC "$BIN" --db "$SEC_HOME/private.db" init --name "Sam Secretary" --email sec@example.org \
  --org IIMS >/dev/null || fail "init of a private file failed"
for i in 1 2 3 4; do
  head -c $((10 * MIB)) /dev/urandom >"$SEC_HOME/evidence-$i.bin"
  chown $SEC "$SEC_HOME/evidence-$i.bin"
  as $SEC "$BIN" --db "$SEC_HOME/private.db" claim technical-paper --date "2017-02-0$i" \
    --attach "evidence-$i.bin" >/dev/null 2>&1 || fail "a claim on the private file failed"
done
as $SEC mkdir "$SEC_HOME/copies"
LAST_COMMAND="$SEC: cpd --db private.db backup copies/private-copy.db"
as $SEC sh -c "umask 022; exec /usr/bin/time -f %M -o '$SEC_HOME/private.time' '$BIN' --db '$SEC_HOME/private.db' backup '$SEC_HOME/copies/private-copy.db'" \
  >"$TESTDIR/.out" 2>"$TESTDIR/.err"
STATUS=$?
OUT=$(cat "$TESTDIR/.out")
ERR=$(cat "$TESTDIR/.err")
expect_equal "$STATUS" 0
expect_contains "$OUT" "to $SEC_HOME/copies/private-copy.db"
client_kb=$(peak_kb "$SEC_HOME/private.time")
echo "files: private backup of $(($(stat -c %s "$SEC_HOME/private.db") / MIB)) MiB: peak RSS $client_kb KiB" >&2
[ "$client_kb" -lt $((32768 * RSS_FACTOR)) ] || fail "the backup's peak memory was $client_kb KiB"
expect_equal "$(stat -c '%a %U' "$SEC_HOME/copies/private-copy.db")" "600 $SEC"
expect_equal "$(ls -A "$SEC_HOME/copies")" "private-copy.db"
expect_equal "$(sqlite3 "$SEC_HOME/copies/private-copy.db" "PRAGMA integrity_check")" "ok"
expect_equal "$(sqlite3 "$SEC_HOME/copies/private-copy.db" "PRAGMA journal_mode")" "wal"
expect_equal "$(sqlite3 "$SEC_HOME/copies/private-copy.db" "SELECT count(*) FROM attachment")" "4"
run $SEC --db "$SEC_HOME/private.db" backup "$SEC_HOME/copies/private-copy.db"
expect_equal "$STATUS" 1
expect_contains "$ERR" "already exists; add --force"
run $SEC --db "$SEC_HOME/private.db" backup "$SEC_HOME/link/inner/private-copy.db"
expect_equal "$STATUS" 1
expect_contains "$ERR" "goes through a symbolic link"
expect_equal "$(find "$SEC_HOME/real/inner" -name 'private*' | wc -l)" "0"
ls "$SEC_HOME" | grep -q partial && fail "a temporary file was left"
unset EXTRA_ENV

# 40 distinct files of 10 MiB, attached by ann to 40 claims through the
# server: 400 MiB of evidence in the database. (Last: `refused` dumps the
# database, which takes long at this size.)
# Room for them in one member's year, where there is a quota of evidence.
as $SEC "$BIN" config set attach.max_year_bytes $((1024 * MIB)) >/dev/null 2>&1
head -c $((10 * MIB - 8)) /dev/urandom >"$TESTDIR/random"
for i in $(seq 1 40); do
  { printf '%08d' "$i"; cat "$TESTDIR/random"; } >"$ANN_HOME/evidence-$i.bin"
  day=$(date -d "2017-01-01 + $((i - 1)) days" +%F)
  as $ANN "$BIN" claim technical-paper --date "$day" --attach "evidence-$i.bin" >/dev/null \
    || { echo "files: cannot attach evidence-$i.bin" >&2; exit 70; }
done
rm -f "$TESTDIR/random"
DB_BYTES=$(stat -c %s "$CPD_DB")
CLAIMS=$(sql "SELECT count(*) FROM claim")
FILES=$(sql "SELECT count(*) FROM attachment")
echo "files: a database of $((DB_BYTES / MIB)) MiB, $CLAIMS claims, $FILES attachments" >&2

TEST "a backup of 400 MiB of evidence through the server: whole and sound, with both sides' memory flat"
[ "$DB_BYTES" -ge $((400 * MIB)) ] || fail "the database is only $DB_BYTES bytes"
reset_server_peak
timed $SEC "$SEC_HOME/backup.time" backup "$SEC_HOME/copy.db"
expect_equal "$STATUS" 0
expect_contains "$OUT" "Backed up $CPD_DB to $SEC_HOME/copy.db ("
expect_flat "backup of $((DB_BYTES / MIB)) MiB" "$SEC_HOME/backup.time"
expect_equal "$(stat -c '%a %U' "$SEC_HOME/copy.db")" "600 $SEC"
expect_equal "$(sqlite3 "$SEC_HOME/copy.db" "PRAGMA integrity_check")" "ok"
expect_equal "$(sqlite3 "$SEC_HOME/copy.db" "SELECT count(*) FROM claim")" "$CLAIMS"
expect_equal "$(sqlite3 "$SEC_HOME/copy.db" "SELECT count(*) FROM attachment")" "$FILES"
sqlite3 "$SEC_HOME/copy.db" \
  "SELECT writefile('$TESTDIR/from-copy.bin', content) FROM attachment WHERE name = 'evidence-27.bin'" >/dev/null
expect_equal "$(sha256sum <"$TESTDIR/from-copy.bin")" "$(sha256sum <"$ANN_HOME/evidence-27.bin")"
# No copy is left in the server's folder: it went with its descriptor.
expect_equal "$(ls "$STATE" | grep -c backup)" "0"

TEST "a client that keeps the copy's descriptor open holds none of the server's disk once it closes"
cat >"$TESTDIR/keeper.py" <<'PY'
import os, socket, struct, sys, time
def field(tag, value):
    return bytes([tag]) + struct.pack(">I", len(value)) + value
payload = field(1, b"backup") + field(1, b"kept.db") + field(3, bytes(9))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"cpd\x02" + struct.pack(">I", len(payload)) + payload)
data, fds, _, _ = socket.recv_fds(s, 1 << 16, 16)
before = os.fstat(fds[0]).st_size
if len(sys.argv) > 2:  # hold the connection open until killed
    print("holding", os.getpid(), flush=True)
    time.sleep(60)
s.close()
for _ in range(50):
    time.sleep(0.1)
    if os.fstat(fds[0]).st_size == 0:
        break
print(len(fds), before, os.fstat(fds[0]).st_size)
PY
kept=$(as $SEC $PY "$TESTDIR/keeper.py" "$SOCKET")
read -r count before after <<<"$kept"
expect_equal "$count" "1"
[ "${before:-0}" -ge $((400 * MIB)) ] || fail "the copy passed was $before bytes"
expect_equal "$after" "0"
[ ! -e "$SEC_HOME/kept.db" ] || fail "a file was written"

TEST "an export through the server, to a file and to standard output, with both sides' memory flat"
reset_server_peak
timed $SEC "$SEC_HOME/export.time" export --out "$SEC_HOME/export.jsonl"
expect_equal "$STATUS" 0
expect_contains "$OUT" "$CLAIMS claims"
expect_flat "export --out" "$SEC_HOME/export.time"
expect_equal "$(stat -c '%a %U' "$SEC_HOME/export.jsonl")" "600 $SEC"
count_claims='import json, sys; print(sum(json.loads(l)["type"] == "claim" for l in open(sys.argv[1])))'
expect_equal "$($PY -c "$count_claims" "$SEC_HOME/export.jsonl")" "$CLAIMS"
reset_server_peak
timed $SEC "$SEC_HOME/stdout.time" export
expect_equal "$STATUS" 0
expect_flat "export to standard output" "$SEC_HOME/stdout.time"
printf '%s\n' "$OUT" >"$TESTDIR/stdout.jsonl"
expect_equal "$($PY -c "$count_claims" "$TESTDIR/stdout.jsonl")" "$CLAIMS"
expect_equal "$(wc -l <"$TESTDIR/stdout.jsonl")" "$(wc -l <"$SEC_HOME/export.jsonl")"
expect_equal "$(ls "$STATE" | grep -vc '^cpd.db\|^mail$')" "0"

TEST "a claim's files through the server, byte for byte, with both sides' memory flat"
id=$(sql "SELECT claim_id FROM attachment WHERE name = 'evidence-33.bin'")
reset_server_peak
timed $SEC "$SEC_HOME/get.time" attachment get "$id" --out "$SEC_HOME/got"
expect_equal "$STATUS" 0
expect_flat "attachment get of 10 MiB" "$SEC_HOME/get.time"
expect_equal "$(sha256sum <"$SEC_HOME/got/evidence-33.bin")" "$(sha256sum <"$ANN_HOME/evidence-33.bin")"
expect_equal "$(stat -c '%a %U' "$SEC_HOME/got/evidence-33.bin")" "600 $SEC"

TEST "a server that passes a FIFO, or a file shorter than it says, gets nothing written"
# A fake server of the user's own (the client trusts its own uid): it
# answers with an output file whose bytes are in a passed descriptor.
cat >"$TESTDIR/fake_server.py" <<'PY'
import os, socket, struct, sys
path, kind, target = sys.argv[1], sys.argv[2], sys.argv[3]
def field(tag, value):
    return bytes([tag]) + struct.pack(">I", len(value)) + value
if kind == "fifo":
    os.mkfifo(path + ".fifo")
    fd = os.open(path + ".fifo", os.O_RDWR)
    size = 10
else:
    fd = os.open(path + ".short", os.O_RDWR | os.O_CREAT, 0o600)
    os.write(fd, b"0123456789")
    size = 11
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
print("ready", flush=True)
conn, _ = server.accept()
header = conn.recv(8)
length = struct.unpack(">I", header[4:8])[0]
while length > 0:
    length -= len(conn.recv(length))
name = target.encode()
extent = struct.pack(">IQQ", 0, 0, size)
payload = (field(16, struct.pack(">I", 0)) + field(17, b"") + field(18, b"")
           + field(21, struct.pack(">I", len(name)) + name + b"\x00" + extent))
frame = b"cpd\x02" + struct.pack(">I", len(payload)) + payload
socket.send_fds(conn, [frame], [fd])
conn.close()
PY
for kind in fifo short; do
  rm -f "$SEC_HOME/fake.sock"
  as $SEC $PY "$TESTDIR/fake_server.py" "$SEC_HOME/fake.sock" $kind "$SEC_HOME/passed-$kind.txt" \
    >"$TESTDIR/fake.out" 2>&1 &
  fake_pid=$!
  for _ in $(seq 50); do [ -S "$SEC_HOME/fake.sock" ] && break; sleep 0.1; done
  run $SEC --socket "$SEC_HOME/fake.sock" balance
  expect_equal "$STATUS" 69
  if [ $kind = fifo ]; then
    expect_contains "$ERR" "a passed file that is not a regular file"
  else
    expect_contains "$ERR" "an extent beyond the end of its file"
  fi
  expect_equal "$(printf '%s\n' "$ERR" | wc -l)" "1"
  [ ! -e "$SEC_HOME/passed-$kind.txt" ] || fail "a file was written from a bad descriptor"
  wait "$fake_pid"
done

TEST "a stopping server does not wait for a client that keeps its connection after the answer"
as $SEC $PY "$TESTDIR/keeper.py" "$SOCKET" hold >"$TESTDIR/holding" 2>&1 &
holder=$!
for _ in $(seq 100); do grep -q holding "$TESTDIR/holding" && break; sleep 0.1; done
read -r said keeper_pid <"$TESTDIR/holding"
expect_equal "$said" "holding"
start=$(date +%s%N)
kill -TERM "$SERVER_PID"
for _ in $(seq 200); do
  grep -qs '^State:[[:space:]]*[^Z]' "/proc/$SERVER_PID/status" || break
  sleep 0.05
done
took=$((($(date +%s%N) - start) / 1000000))
echo "files: the server stopped in $took ms with a client holding its answer" >&2
[ "$took" -lt 5000 ] || fail "the server took $took ms to stop"
# The keeper itself (its user goes with the suite only once it is gone).
kill "$keeper_pid" 2>/dev/null
wait "$holder" 2>/dev/null
