# Year end: rollover with the carry cap, catch-up, late approvals,
# revocation, dispensation, the compliance report and cpd check.
setup_scheme
ok sec member add cat --name "Cat Harbour" --email cat@example.org
ok sec member add dan --name "Dan Deck" --email dan@example.org
approve_new() { ok sec approve "$(sql "SELECT max(id) FROM claim")"; }

# 2017: ann 15, bob 9 (+5 pending), cat 12.5, dan exempt with nothing.
ok ann claim iims-training-day --date 2017-03-14; approve_new
ok ann claim iims-conference --days 2 --date 2017-02-01; approve_new
ann_conference=$(sql "SELECT max(id) FROM claim")
ok bob claim iims-conference --days 1 --date 2017-02-02; approve_new
ok bob claim external-conference --days 1 --date 2017-02-04; approve_new
ok bob claim iims-webinar --date 2017-02-03; approve_new
ok bob claim iims-training-day --date 2017-03-01
bob_pending=$(sql "SELECT max(id) FROM claim")
ok cat claim iims-half-day --date 2017-03-02; approve_new
ok cat claim iims-conference --days 2 --date 2017-03-03; approve_new

TEST "nothing to close during the first year: the scheme's start says why"
ok sec rollover
expect_equal "$OUT" "Nothing to close yet: the scheme started on 1 January 2017."
ok sec rollover --dry-run
expect_equal "$OUT" "Nothing to close yet: the scheme started on 1 January 2017."
# A scheme that starts next year names its own first day.
CPD_USER=sec "$CPD" --db "$TESTDIR/later.db" init --name "Sam Secretary" --email sec@example.org >/dev/null \
  || fail "init failed"
ok sec --db "$TESTDIR/later.db" config set scheme.start 2018-01-01
ok sec --db "$TESTDIR/later.db" rollover
expect_equal "$OUT" "Nothing to close yet: the scheme starts on 1 January 2018."

TEST "a dispensation with a reason"
refused 64 "reason" sec exempt dan --year 2017
ok sec exempt dan --year 2017 --reason "Retired in January"
ok dan balance --json
expect_equal "$(json 'd["exempt"]')" "True"
refused 1 "already exempt" sec exempt dan --year 2017 --reason again
refused 77 "only the membership secretary" ann exempt bob --year 2017 --reason "no"

TEST "the report before year end"
ok sec report --json
expect_equal "$(json '[(m["member"], m["total"], m["status"]) for m in d["members"]]')" \
  "[('sec', 0, 'short'), ('bob', 9, 'short'), ('ann', 15, 'compliant'), ('cat', 12.5, 'compliant'), ('dan', 0, 'exempt')]"
expect_equal "$(json 'd["compliant"], d["short"], d["exempt"]')" "(2, 2, 1)"

TEST "a dry run shows the carries and changes nothing"
before=$(db_snapshot)
CPD_TODAY=2018-01-01 ok sec rollover --dry-run
expect_contains "$OUT" "Would close 2017"
expect_contains "$(grep '^ann ' <<<"$OUT")" "15        3"
expect_equal "$(db_snapshot)" "$before" "dry run changed the database"

TEST "rollover on 1 January closes 2017 with the carry cap"
CPD_TODAY=2018-01-01 ok sec rollover
expect_equal "$OUT" "Closed 2017: 5 members, 2 compliant, 2 short, 1 exempt; 5.5 points carried into 2018 by 2 members."
expect_equal "$(sql "SELECT quota, carry_cap FROM year_close WHERE year = 2017")" "100|30"
CPD_TODAY=2018-01-01 ok ann balance --json
expect_equal "$(json 'd["year"], d["carried_in"], d["earned"], d["total"], d["remaining"]')" "(2018, 3, 0, 3, 7)"
CPD_TODAY=2018-01-01 ok cat balance --json
expect_equal "$(json 'd["carried_in"]')" "2.5"
CPD_TODAY=2018-01-01 ok bob balance --json
expect_equal "$(json 'd["carried_in"]')" "0"

TEST "running it again does nothing"
before=$(db_snapshot)
CPD_TODAY=2018-01-02 ok sec rollover
expect_equal "$OUT" "Nothing to close: every CPD year before 2018 is closed."
expect_equal "$(db_snapshot)" "$before"

TEST "claims into a closed year are refused once its grace period is over"
CPD_TODAY=2018-02-01 refused 1 "2017 is closed: claims for it were taken until 31 January 2018; ask the membership secretary to adjust your record" ann claim iims-webinar --date 2017-12-30

TEST "a claim pending at year end can still be approved: the carry is corrected"
CPD_TODAY=2018-01-05 ok sec approve "$bob_pending"
CPD_TODAY=2018-01-05 ok bob balance --year 2017 --json
expect_equal "$(json 'd["total"], d["compliant"], d["closed"]')" "(14, True, True)"
CPD_TODAY=2018-01-05 ok bob balance --json
expect_equal "$(json 'd["carried_in"]')" "3"
expect_equal "$(sql "SELECT points, reason FROM entry WHERE kind = 'carry' AND member_id = (SELECT id FROM member WHERE login = 'bob')")" "30|carry from 2017 corrected: claim #$bob_pending approved after the year closed"

TEST "a revocation in a closed year reverses the award and the carry"
refused 64 "reason" sec revoke "$ann_conference"
CPD_TODAY=2018-01-06 ok sec revoke "$ann_conference" --reason "Attendance not confirmed by the organiser"
expect_contains "$OUT" "Claim #$ann_conference revoked"
CPD_TODAY=2018-01-06 ok ann balance --year 2017 --json
expect_equal "$(json 'd["total"], d["compliant"]')" "(5, False)"
CPD_TODAY=2018-01-06 ok ann balance --json
expect_equal "$(json 'd["carried_in"]')" "0"
expect_equal "$(sql "SELECT group_concat(kind || ':' || points, ' ') FROM entry WHERE claim_id = $ann_conference")" "award:100 revocation:-100"
refused 1 "only an approved claim" sec revoke "$ann_conference" --reason again
CPD_TODAY=2018-01-06 ok ann history --json
expect_equal "$(json '[c["status"] for c in d if c["id"] == '"$ann_conference"'][0]')" "revoked"

TEST "cpd check passes after all of that"
ok sec check
expect_contains "$OUT" "ledger follows the scheme's rules"

TEST "a machine off for three years catches up, oldest year first"
CPD_TODAY=2018-06-01 ok ann claim iims-conference --days 3 --date 2018-05-01; CPD_TODAY=2018-06-01 approve_new
CPD_TODAY=2021-02-01 ok sec rollover
expect_equal "$(sed -n 1p <<<"$OUT" | cut -c1-12)" "Closed 2018:"
expect_equal "$(sed -n 3p <<<"$OUT" | cut -c1-12)" "Closed 2020:"
expect_equal "$(sql "SELECT group_concat(year) FROM (SELECT year FROM year_close ORDER BY year)")" "2017,2018,2019,2020"
# ann: 15 in 2018 → 3 into 2019 → 3 < 10 → nothing into 2020.
CPD_TODAY=2021-02-01 ok ann balance --year 2019 --json
expect_equal "$(json 'd["carried_in"], d["total"]')" "(3, 3)"
CPD_TODAY=2021-02-01 ok ann balance --year 2020 --json
expect_equal "$(json 'd["carried_in"]')" "0"
ok sec check

TEST "quota and cap changes apply to the years still open"
ok sec config set scheme.quota 5
ok sec config set scheme.carry_cap 10
CPD_TODAY=2021-06-01 ok bob claim iims-conference --days 3 --date 2021-05-01; CPD_TODAY=2021-06-01 approve_new
CPD_TODAY=2022-01-01 ok sec rollover
CPD_TODAY=2022-01-01 ok bob balance --json
expect_equal "$(json 'd["carried_in"], d["quota"]')" "(10, 5)"
CPD_TODAY=2022-01-01 ok ann balance --year 2017 --json
expect_equal "$(json 'd["quota"]')" "10" "a closed year keeps its quota"
ok sec check

TEST "the report of a closed year, as CSV"
ok sec report --year 2017 --csv
expect_equal "$(head -1 <<<"$OUT" | tr -d '\r')" "member,name,email,earned,carried_in,total,remaining,pending,status,audit"
expect_contains "$OUT" "bob,Bob Marine,bob@example.org,14,0,14,0,0,compliant"
expect_contains "$OUT" "dan,Dan Deck,dan@example.org,0,0,0,0,0,exempt"
ok sec report --year 2017
expect_contains "$OUT" "CPD year 2017 (closed), quota 10 points"

TEST "lifting a dispensation"
ok sec exempt dan --year 2017 --lift
ok sec report --year 2017 --json
expect_equal "$(json '[m["status"] for m in d["members"] if m["member"] == "dan"][0]')" "short"
refused 1 "not exempt" sec exempt dan --year 2017 --lift
expect_equal "$(sql "SELECT count(*) FROM exemption WHERE lifted_at IS NOT NULL")" "1"

TEST "cpd check finds a ledger that does not follow the rules"
sql "INSERT INTO entry(member_id, year, kind, points, at) VALUES ((SELECT id FROM member WHERE login = 'cat'), 2018, 'carry', 5, 0)"
run sec check
expect_equal "$STATUS" 65
expect_contains "$OUT" "cat: carried into 2018 is 3, the rules give 2.5"
expect_contains "$ERR" "1 problem found"
refused 77 "only the membership secretary" ann check
