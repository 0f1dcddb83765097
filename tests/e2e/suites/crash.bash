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
