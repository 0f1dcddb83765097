# One standing everywhere: what a member's balance says, the report, the
# statement and the mail say too. An exempt member and a member with no CPD
# duty are never told they need or require points.
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
setup_scheme
export CPD_TODAY=2017-06-01
ok sec member add dan --name "Dan Deck" --email dan@example.org
ok sec member add stf --name "Sue Staff" --email stf@example.org --no-cpd
ok sec exempt dan --year 2017 --reason "career break"
ok ann claim iims-webinar --date 2017-03-01
ok sec approve 1

# exempt_agrees: dan's line in the report (JSON and CSV) and his balance
# both say that nothing is required of him and nothing remains.
exempt_agrees() {
  ok dan balance --json
  expect_equal "$(json 'd["quota"], d["remaining"], d["compliant"], d["exempt"], d["duty"]')" \
    "(0, 0, True, True, True)"
  ok sec report --json
  expect_equal "$(json '[(m["status"], m["required"], m["remaining"]) for m in d["members"] if m["member"] == "dan"]')" \
    "[('exempt', 0, 0)]"
  ok sec report --csv
  expect_contains "$OUT" "dan,Dan Deck,dan@example.org,0,0,0,0,0,exempt"
  ok sec report
  grep -qE '^dan .* 0 +0 +exempt' <<<"$OUT" || fail "the report's line for dan needs more than 0"
}

TEST "an exempt member's report line says what his balance says: nothing needed"
exempt_agrees
# ann, short by 9, is there to show the report still tells what remains.
ok sec report --json
expect_equal "$(json '[(m["status"], m["remaining"]) for m in d["members"] if m["member"] == "ann"]')" \
  "[('short', 9)]"

TEST "the same when the year's members are judged one by one (a joiner's pro rata)"
ok sec member add eve --name "Eve Joiner" --email eve@example.org --joined 2017-04-01
ok eve balance --json
expect_equal "$(json 'd["quota"]')" "7" # 9 months of 12 of 10 points, rounded down
exempt_agrees

TEST "a member with no CPD duty is told that no quota applies, not what they need"
ok stf balance
expect_contains "$OUT" "No CPD duty: no quota applies."
expect_not_contains "$OUT" "need"
expect_not_contains "$OUT" "of 0 points"
ok stf balance --json
expect_equal "$(json 'd["duty"], d["quota"], d["remaining"], d["compliant"], d["exempt"]')" \
  "(False, 0, 0, True, False)"
ok ann balance --json
expect_equal "$(json 'd["duty"]')" "True"
ok sec report --json
expect_equal "$(json '[m["member"] for m in d["members"] if m["member"] == "stf"]')" "[]"

TEST "the attendance mail tells a member with no CPD duty the same, and no requirement"
printf 'Name,Login\nSue Staff,stf\n' >"$TESTDIR/day.csv"
ok sec import attendance "$TESTDIR/day.csv" --activity iims-training-day --date 2017-05-10
recorded=$($MAILBOX show-to "$TESTDIR/mail" stf@ "5 points added" | tr '\n' ' ')
expect_contains "$recorded" "has recorded your attendance at IIMS training day on 10 May 2017"
expect_contains "$recorded" "Your total for 2017 is now 5 points. You have no CPD duty, so no quota applies to you."
expect_not_contains "$recorded" "require"
expect_not_contains "$recorded" "quota of"
ok stf balance --json
expect_equal "$(json 'd["total"], d["quota"], d["remaining"]')" "(5, 0, 0)"

TEST "a member with no CPD duty has no statement: refused, with one line"
refused 1 "stf has no CPD duty, so there is no statement of 2017" stf statement
refused 1 "stf has no CPD duty" sec statement stf --year 2017
ok ann statement
expect_contains "$OUT" "Verification code:"
