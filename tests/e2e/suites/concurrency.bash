# Many cpd processes writing at once: 8 members claiming 50 times each while
# two secretaries approve. Every write lands, nobody sees "database is
# locked", every mail is delivered exactly once, and cpd check is clean.
setup_scheme
ok sec member add sue --name "Sue Second" --email sue@example.org --secretary
for i in $(seq 1 8); do
  ok sec member add "m$i" --name "Member $i" --email "m$i@example.org"
done

claimer() {
  local login=$1 failures=0
  for n in $(seq 1 50); do
    day=$(printf '2017-%02d-%02d' $(((n - 1) / 28 + 1)) $(((n - 1) % 28 + 1)))
    if ! CPD_USER=$login "$CPD" claim iims-branch-meeting --date "$day" >/dev/null 2>>"$TESTDIR/errors.$login"; then
      failures=$((failures + 1))
    fi
  done
  echo "$failures" >"$TESTDIR/failures.$login"
}

approver() {
  local login=$1 rounds=0
  while [ ! -e "$TESTDIR/claims-done" ] || [ "$(sql "SELECT count(*) FROM claim WHERE status = 'pending'")" != 0 ]; do
    for id in $(sql "SELECT id FROM claim WHERE status = 'pending' ORDER BY random() LIMIT 5"); do
      # Two secretaries race for the same claims: "already approved" is fine.
      CPD_USER=$login "$CPD" approve "$id" >/dev/null 2>>"$TESTDIR/approve-errors.$login"
    done
    rounds=$((rounds + 1))
    [ "$rounds" -lt 2000 ] || break
  done
}

TEST "8 members × 50 claims while two secretaries approve"
pids=()
for i in $(seq 1 8); do
  claimer "m$i" &
  pids+=($!)
done
approver sec &
a1=$!
approver sue &
a2=$!
wait "${pids[@]}"
touch "$TESTDIR/claims-done"
wait "$a1" "$a2"
expect_equal "$(awk "{ s += \$1 } END { print s }" "$TESTDIR"/failures.*)" "0" "claims that failed"
expect_equal "$(cat "$TESTDIR"/errors.* | wc -l)" "0" "lines on stderr from claims"
expect_not_contains "$(cat "$TESTDIR"/approve-errors.* "$TESTDIR"/errors.*)" "locked"
expect_not_contains "$(cat "$TESTDIR"/approve-errors.*)" "busy"
expect_equal "$(sql "SELECT count(*) FROM claim")" "400"
expect_equal "$(sql "SELECT count(*) FROM claim WHERE status = 'approved'")" "400"
expect_equal "$(sql "SELECT count(*) FROM entry WHERE kind = 'award'")" "400"
ok sec check

TEST "every mail was delivered exactly once"
ok sec mail send
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state != 'sent'")" "0"
expect_equal "$(ls "$TESTDIR/mail/new" | wc -l)" "$(sql "SELECT count(*) FROM outbox")"
expect_equal "$(grep -h '^Message-ID:' "$TESTDIR"/mail/new/* | sort | uniq -d | wc -l)" "0" "duplicate Message-IDs"
