# kill -9 at random moments during rollover (seeded): the database is always
# as before or as after each year, never half, `cpd check` passes, and the next
# run completes it with the same totals as an uninterrupted one.
setup_scheme
# Mail stays queued: this suite is about the ledger.
CPD_USER=sec "$CPD" config set mail.url ""
RANDOM=20171231
export CPD_TODAY=2023-06-01

# 1,500 members with points in every year from 2017 to 2022.
sql "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
INSERT INTO member(login, name, email, created_at)
SELECT 'm' || i, 'Member ' || i, 'm' || i || '@example.org', 0 FROM n;
WITH RECURSIVE y(year) AS (SELECT 2017 UNION ALL SELECT year + 1 FROM y WHERE year < 2022)
INSERT INTO entry(member_id, year, kind, points, at, reason)
SELECT id, year, 'adjustment', (id * 37 + year * 11) % 170, 0, 'imported'
FROM member, y;"
cp "$CPD_DB" "$TESTDIR/base.db"

carries() {
  sqlite3 -batch "$1" "SELECT year, member_id, points FROM entry WHERE kind = 'carry' ORDER BY year, member_id" | sha256sum
}

TEST "an uninterrupted rollover closes six years"
start=$(date +%s%N)
run sec rollover
expect_equal "$STATUS" 0
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_contains "$OUT" "Closed 2022"
expect_equal "$(sql "SELECT count(*) FROM year_close")" "6"
reference=$(carries "$CPD_DB")
ok sec check

TEST "50 runs killed at random moments lose nothing and complete"
partial=0
for trial in $(seq 1 50); do
  cp "$TESTDIR/base.db" "$CPD_DB"
  rm -f "$CPD_DB-wal" "$CPD_DB-shm"
  delay_ms=$((RANDOM % (elapsed_ms + 5)))
  CPD_USER=sec "$CPD" rollover >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v ms="$delay_ms" 'BEGIN { print ms / 1000 }')"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  closed=$(sql "SELECT count(*) FROM year_close")
  if [ "$closed" -lt 6 ]; then
    partial=$((partial + 1))
  fi
  run sec check
  if [ "$STATUS" != 0 ]; then
    fail "trial $trial (killed after ${delay_ms} ms, $closed years closed): check failed"
  fi
  run sec rollover
  if [ "$STATUS" != 0 ] || [ "$(carries "$CPD_DB")" != "$reference" ]; then
    fail "trial $trial: the next rollover did not complete with the same carries"
  fi
done
echo "crash: $partial of 50 runs were killed before the last year closed" >&2
if [ "$partial" -lt 10 ]; then
  fail "only $partial runs were interrupted: the test did not exercise crashes"
fi

# kill_at MAX_MS USER ARGS...: runs cpd and kills it after a random delay.
kill_at() {
  local max_ms=$1 user=$2
  shift 2
  CPD_USER=$user "$CPD" "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$(awk -v ms="$((RANDOM % max_ms))" 'BEGIN { print ms / 1000 }')"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# Back to one year, with mail delivered to a Maildir.
cp "$TESTDIR/base.db" "$CPD_DB"
rm -f "$CPD_DB-wal" "$CPD_DB-shm"
export CPD_TODAY=2017-06-01
sql "DELETE FROM setting WHERE key = 'scheme.start'"
ok sec config set mail.url "maildir:$TESTDIR/crashmail"

# time_ms USER ARGS...: how long one uninterrupted run takes, in ms.
time_ms() {
  local user=$1 start
  shift
  start=$(date +%s%N)
  CPD_USER=$user "$CPD" "$@" >/dev/null 2>&1
  echo $((($(date +%s%N) - start) / 1000000))
}

TEST "claims killed at random moments are whole or absent, with their mail"
# Kills spread over the time a claim takes here, so that some land
# before the commit and some after, on a fast machine or a slow one.
claim_ms=$(time_ms m100 claim iims-branch-meeting --date 2017-05-01)
for trial in $(seq 1 50); do
  kill_at $((claim_ms * 3 / 4 + 1)) m$trial claim iims-branch-meeting --date 2017-05-01 --note "trial $trial"
done
ok sec check
expect_equal "$(sql "SELECT count(*) FROM claim c WHERE (SELECT count(*) FROM claim_event e WHERE e.claim_id = c.id) != 1
  OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.cause = 'claim:' || c.id || ':submitted')")" "0" "half-made claims"
claims=$(sql "SELECT count(*) FROM claim WHERE member_id != (SELECT id FROM member WHERE login = 'm100')")
echo "crash: $claims of 50 killed claims were stored" >&2
# Timing decides where the kills land; say so when they all fell on one side.
[ "$claims" -gt 0 ] && [ "$claims" -lt 50 ] || echo "crash: note: every kill landed on the same side of the commit" >&2

TEST "approvals killed at random moments are whole or absent"
approve_ms=$(time_ms sec approve "$(sql "SELECT id FROM claim WHERE member_id = (SELECT id FROM member WHERE login = 'm100')")")
for id in $(sql "SELECT id FROM claim WHERE status = 'pending'"); do
  kill_at $((approve_ms * 3 / 4 + 1)) sec approve "$id"
done
ok sec check
expect_equal "$(sql "SELECT count(*) FROM claim c WHERE c.status = 'approved' AND NOT EXISTS
  (SELECT 1 FROM outbox o WHERE o.cause = 'claim:' || c.id || ':approved')")" "0" "approvals without their mail"
approved=$(($(sql "SELECT count(*) FROM claim WHERE status = 'approved'") - 1))
echo "crash: $approved of $claims killed approvals were stored" >&2
for id in $(sql "SELECT id FROM claim WHERE status = 'pending'"); do
  ok sec approve "$id"
done
ok sec check

TEST "mail delivery killed at random moments loses nothing and sends nothing twice"
send_ms=$(($(sql "SELECT count(*) FROM outbox") / 10 + 20))
for trial in $(seq 1 50); do
  # A killed run keeps its lease for 15 minutes: move the clock past it.
  CPD_TODAY=2017-06-$(printf '%02d' $((trial % 28 + 2))) kill_at "$send_ms" sec mail send
done
CPD_TODAY=2017-07-01 run sec mail send
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state != 'sent'")" "0" "mail not delivered"
expect_equal "$(ls "$TESTDIR/crashmail/new" | wc -l)" "$(sql "SELECT count(*) FROM outbox")" "Maildir files vs outbox"
expect_equal "$(grep -h '^Message-ID:' "$TESTDIR"/crashmail/new/* | sort | uniq -d | wc -l)" "0" "duplicates"
