# Local accounts trying to starve cpd serve of memory, connections,
# descriptors and log space, as real Unix users against a real server with
# the 1,024 descriptors of a default system. During every attack the server
# stays up, under its documented memory bound (man cpd, LIMITS), and a
# member's `cpd balance` and root's `cpd mail send` answer within a second.
# Its own users, so that it runs beside e2e.server. Needs root.

# shellcheck disable=SC2034 # read by shared_host.bash
USERS_PREFIX=cpdstv
SERVER_WRAPPER="prlimit --nofile=1024:1024 --"
# shellcheck source=../shared_host.bash
source "$E2E_DIR/shared_host.bash"

# The documented bound on the server's resident memory, in KiB; a sanitizer
# build, whose shadow memory counts too, passes a factor.
RSS_BOUND_KB=$((512 * 1024 * RSS_FACTOR))

# Attackers: local accounts that are no members.
ATTACKERS=()
for n in $(seq -w 1 32); do
  make_user "cpdstv-a$n" --no-create-home --shell /bin/sh
  ATTACKERS+=("cpdstv-a$n")
done
X1=cpdstv-x1 X2=cpdstv-x2
make_user $X1 --no-create-home --shell /bin/sh
make_user $X2 --no-create-home --shell /bin/sh

set_up_scheme
PEAK=0
# watch PID: samples the server's RSS every 50 ms until PID is gone (at most
# 2 minutes), keeping the largest in PEAK.
watch() {
  local rss
  PEAK=0
  for _ in $(seq 2400); do
    rss=$(server_rss_kb)
    [ "$rss" -gt "$PEAK" ] && PEAK=$rss
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
}
# survives PID: while the attack PID goes on, a member and root are answered
# within a second, and the server's peak memory stays under the bound.
survives() {
  sleep 0.3
  expect_server_serves
  watch "$1"
  expect_under_bound
}
# refused_while_serving TEXT ARGS...: the secretary's `cpd ARGS` is refused
# (65) with TEXT, and the server survives it meanwhile.
refused_while_serving() {
  local text=$1
  shift
  (as $SEC "$BIN" "$@" >"$TESTDIR/refused.out" 2>&1) &
  local attack=$!
  survives $attack
  wait $attack
  expect_equal "$?" 65
  expect_contains "$(cat "$TESTDIR/refused.out")" "$text"
}
expect_under_bound() {
  echo "starve: $CURRENT: peak RSS $((PEAK / 1024)) MiB, now $(($(server_rss_kb) / 1024)) MiB" >&2
  [ "$PEAK" -lt "$RSS_BOUND_KB" ] || fail "the server reached $PEAK KiB (bound $RSS_BOUND_KB)"
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server is gone"
}
descriptors() {
  find "/proc/$SERVER_PID/fd" -mindepth 1 2>/dev/null | wc -l
}
database_descriptors() {
  find "/proc/$SERVER_PID/fd" -mindepth 1 -lname "$STATE/*" 2>/dev/null | wc -l
}
ok $BOB balance
BASE_RSS=$(server_rss_kb)
echo "starve: RSS at rest $((BASE_RSS / 1024)) MiB" >&2

TEST "members' 63 MiB command words: short answers, within the budgets"
(
  as $ANN $PY "$HOSTILE" word "$SOCKET" 63 4 >"$TESTDIR/ann.out" &
  as $SEC $PY "$HOSTILE" word "$SOCKET" 63 4 >"$TESTDIR/sec.out" &
  wait
) &
attack=$!
survives $attack
answers=$(cat "$TESTDIR/ann.out" "$TESTDIR/sec.out")
expect_equal "$(wc -l <<<"$answers")" 8
expect_contains "$answers" "64 99 cpd: error: the command line is longer than any cpd takes"
# Every answer is a line, not megabytes: refused as too long, or as busy.
while read -r status size _; do
  [ "$status" = 64 ] || [ "$status" = 75 ] || fail "an answer of status $status"
  [ "$size" -lt 300 ] || fail "an answer of $size bytes"
done <<<"$answers"
# The longest word a command line can hold: a suggestion looks at its start.
long=$(head -c 100000 /dev/zero | tr '\0' b)
answer=$(as $ANN $PY "$HOSTILE" ask "$SOCKET" "balanc$long")
expect_contains "$answer" "(2, 64, \"cpd: error: unknown command 'balancbbbbb"
expect_contains "$answer" "bbb...'; see cpd --help"
[ "${#answer}" -lt 300 ] || fail "an answer of ${#answer} bytes"

TEST "a non-member's 63 MiB word is turned away before it is read"
(
  as $EVE $PY "$HOSTILE" word "$SOCKET" 63 8 >"$TESTDIR/eve.out"
) &
attack=$!
survives $attack
[ "$PEAK" -lt $((BASE_RSS + 32 * 1024)) ] || fail "the server grew to $PEAK KiB from $BASE_RSS"
expect_equal "$(wc -l <"$TESTDIR/eve.out")" 8
expect_equal "$(grep -c "^67 [0-9]* cpd: error: '$EVE' is not a member" "$TESTDIR/eve.out")" 8
# Authorised before any word is looked at: no suggestion for a non-member.
answer=$(as $EVE $PY "$HOSTILE" ask "$SOCKET" balnce)
expect_contains "$answer" "(2, 67, \"cpd: error: '$EVE' is not a member"
expect_not_contains "$answer" "did you mean"
answer=$(as $ANN $PY "$HOSTILE" ask "$SOCKET" balnce)
expect_contains "$answer" "did you mean 'balance'"
ok $EVE activities
ok $EVE --help

TEST "members keep the large requests, and a non-member's is refused unread"
as $ANN sh -c 'head -c 9000000 /dev/urandom >survey.pdf'
ok $ANN claim technical-paper --attach survey.pdf --date 2017-03-01
as $EVE sh -c 'cd /tmp && head -c 1000000 /dev/urandom >/tmp/cpdstv-eve.pdf'
refused 67 "'$EVE' is not a member" $EVE claim technical-paper --attach /tmp/cpdstv-eve.pdf
rm -f /tmp/cpdstv-eve.pdf
grep -q "uid $(id -u $EVE): (a large request, unread): exit 67" "$TESTDIR/server.log" \
  || fail "the non-member's request was read"

TEST "a secretary's attendance list of five million rows is refused within the bound"
as $SEC sh -c 'seq -f "m%.0f" 0 5000000 | sed "1s/.*/login/" >huge.csv'
refused_while_serving "an attendance list holds at most 100000 attendees" \
  import attendance huge.csv --activity iims-training-day --date 2017-03-01

TEST "a secretary's member list of a million rows is refused within the bound"
as $SEC awk 'BEGIN { print "login,name,email"
  for (i = 1; i <= 1000000; i++) printf "u%d,User,u%d@example.org\n", i, i }' >"$TESTDIR/members.csv"
chmod 644 "$TESTDIR/members.csv"
refused_while_serving "a member list holds at most 300000 rows" \
  member import "$TESTDIR/members.csv" --dry-run

TEST "three non-member uids at once hold no memory"
(
  for user in $EVE $X1 $X2; do
    as $user $PY "$HOSTILE" word "$SOCKET" 63 8 >/dev/null &
    as $user $PY "$HOSTILE" park "$SOCKET" 8 4 60000 >/dev/null &
  done
  wait
) &
attack=$!
survives $attack

TEST "16 uids with 32 slow connections each lock nobody out"
pids=()
for user in "${ATTACKERS[@]:0:16}"; do
  as "$user" $PY "$HOSTILE" stall "$SOCKET" 32 8 >"$TESTDIR/stall.$user" &
  pids+=($!)
done
for _ in $(seq 100); do
  [ "$(cat "$TESTDIR"/stall.* | wc -l)" -ge 16 ] && break
  sleep 0.1
done
expect_server_serves
held=$(descriptors)
echo "starve: $CURRENT: $held descriptors open" >&2
[ "$held" -lt 960 ] || fail "$held descriptors open of 1,024"
as "${ATTACKERS[0]}" "$BIN" activities >/dev/null 2>"$TESTDIR/a.err"
expect_contains "$(cat "$TESTDIR/a.err")" "too many connections from you"
for user in "${ATTACKERS[@]:0:16}"; do stop_hostile "$user"; done
wait "${pids[@]}" 2>/dev/null

TEST "when others hold every ordinary connection, root and the timers get through"
pids=()
for user in "${ATTACKERS[@]}"; do
  as "$user" $PY "$HOSTILE" park "$SOCKET" 32 8 1000 >"$TESTDIR/park.$user" &
  pids+=($!)
done
# Until every attacker has made its connections (each says how many).
for _ in $(seq 100); do
  [ "$(cat "$TESTDIR"/park.* | wc -l)" -ge ${#ATTACKERS[@]} ] && break
  sleep 0.1
done
held=$(descriptors)
echo "starve: $CURRENT: $held descriptors open" >&2
[ "$held" -lt 960 ] || fail "$held descriptors open of 1,024"
run $BOB balance
expect_equal "$STATUS" 75
expect_contains "$ERR" "too many connections; try again"
took=$(elapsed_ms as root "$BIN" mail send)
[ "$took" -le 1000 ] || fail "root's mail send took $took ms"
ok root mail send
ok cpd remind --dry-run
for user in "${ATTACKERS[@]}"; do stop_hostile "$user"; done
wait "${pids[@]}" 2>/dev/null
sleep 0.5
ok $BOB balance

TEST "a flood of connections writes a bounded log"
eve_uid=$(id -u $EVE)
before=$(grep -c "uid $eve_uid:" "$TESTDIR/server.log")
bytes=$(stat -c %s "$TESTDIR/server.log")
as $EVE $PY "$HOSTILE" flood "$SOCKET" 3000 >"$TESTDIR/flood.out" &
attack=$!
survives $attack
lines=$(($(grep -c "uid $eve_uid:" "$TESTDIR/server.log") - before))
grown=$(($(stat -c %s "$TESTDIR/server.log") - bytes))
echo "starve: $CURRENT: $(cat "$TESTDIR/flood.out") requests, $lines lines, $grown bytes" >&2
[ "$lines" -le 75 ] || fail "$lines log lines about $EVE"
[ "$grown" -le 20000 ] || fail "the log grew by $grown bytes"
sleep 2
ok $EVE activities
sleep 0.2
grep -q "uid $eve_uid: [0-9]* lines about this user were not logged" "$TESTDIR/server.log" \
  || fail "no line counts what was dropped"

TEST "idle database connections are closed"
pids=()
for _ in 1 2 3 4; do
  for user in $ANN $BOB $SEC; do
    for _ in 1 2 3 4; do
      as $user "$BIN" history >/dev/null 2>&1 &
      pids+=($!)
    done
  done
done
wait "${pids[@]}"
busy=$(database_descriptors)
echo "starve: $CURRENT: $busy descriptors on database files after 48 requests" >&2
# At most 8 kept, and the mail courier's while it delivers: each a file, a
# WAL and its index. Idle, none (or the courier's, if mail is going out).
[ "$busy" -le 27 ] || fail "$busy descriptors on the database after the requests"
for _ in $(seq 30); do
  [ "$(database_descriptors)" -le 3 ] && break
  sleep 0.5
done
idle=$(database_descriptors)
echo "starve: $CURRENT: $idle descriptors on database files when idle" >&2
[ "$idle" -le 3 ] || fail "$idle descriptors on the database files when idle"
ok $BOB balance

TEST "the server stops cleanly after all that"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
expect_equal "$?" "0"
if grep -q "ThreadSanitizer" "$TESTDIR/server.log"; then
  fail "ThreadSanitizer: $(grep -m1 -A3 "WARNING: ThreadSanitizer" "$TESTDIR/server.log")"
fi
