# The secretary decides claims; members withdraw theirs; balance and history.
setup_scheme
ok sec member add sue --name "Sue Second" --email sue@example.org --secretary
CPD_TODAY=2017-03-14 ok ann claim iims-training-day --note "Hull survey course"
ok bob claim iims-webinar --date 2017-03-10
ok ann claim private-study --hours 2
ok sec claim iims-branch-meeting --date 2017-03-01

TEST "pending lists waiting claims oldest first"
ok sec pending
expect_contains "$OUT" "4 claims waiting"
expect_equal "$(sed -n 2p <<<"$OUT" | awk '{print $1, $2, $3}')" "1 ann iims-training-day"
ok sec pending --json
expect_equal "$(json '[c["id"] for c in d]')" "[1, 2, 3, 4]"
expect_equal "$(json 'd[0]["member"], d[0]["activity"], d[0]["points"], d[0]["date"], d[0]["status"]')" \
  "('ann', 'iims-training-day', 5, '2017-03-14', 'pending')"
refused 77 "only the membership secretary" ann pending

TEST "the secretary approves a claim: the member sees 5 of 10 points and the deadline"
ok sec approve 1
expect_equal "$OUT" "Claim #1 approved: 5 points for Ann Surveyor (ann), IIMS training day on 2017-03-14."
ok ann balance
expect_contains "$OUT" "Total         5 of 10 points"
expect_contains "$OUT" "You need 5 points more by 31 December 2017."
ok ann balance --json
expect_equal "$(json 'd["member"], d["year"], d["earned"], d["carried_in"], d["total"], d["quota"], d["remaining"], d["pending"], d["compliant"], d["exempt"], d["deadline"]')" \
  "('ann', 2017, 5, 0, 5, 10, 5, 1, False, False, '2017-12-31')"
expect_equal "$(sql "SELECT kind, points, year, claim_id FROM entry")" "award|50|2017|1"

TEST "approving twice is refused and changes nothing"
refused 1 "claim #1 is already approved" sec approve 1

TEST "a batch is all or nothing"
refused 1 "claim #1 is already approved" sec approve 2 1
expect_equal "$(sql "SELECT status FROM claim WHERE id = 2")" "pending"

TEST "nobody decides their own claim"
refused 77 "your own" sec approve 4
ok sue approve 4 --note "Branch attendance list checked"
expect_equal "$(sql "SELECT status, reason FROM claim WHERE id = 4")" "approved|Branch attendance list checked"

TEST "a decline needs a reason, which is kept"
refused 64 "reason" sec decline 2
refused 64 "needs a reason" sec decline 2 --reason "  "
ok sec decline 2 --reason "Not an IIMS webinar; claim it as external-webinar"
expect_contains "$OUT" "Claim #2 declined"
expect_equal "$(sql "SELECT status, reason FROM claim WHERE id = 2")" "declined|Not an IIMS webinar; claim it as external-webinar"
expect_equal "$(sql "SELECT count(*) FROM entry WHERE claim_id = 2")" "0"

TEST "bad claim ids are refused"
refused 1 "no claim #99" sec approve 99
refused 65 "not a claim id" sec approve abc
refused 65 "not a claim id" sec approve -- -3
refused 65 "not a claim id" sec approve 0
refused 65 "not a claim id" sec approve 99999999999999999999999

TEST "a member withdraws their own pending claim only"
refused 77 "not yours" bob withdraw 3
ok ann withdraw 3
expect_equal "$OUT" "Claim #3 withdrawn."
refused 1 "already withdrawn" ann withdraw 3
refused 1 "already approved" ann withdraw 1
refused 1 "already withdrawn" sec approve 3

TEST "members decide nothing"
ok bob claim external-webinar --hours 1 --date 2017-03-10
refused 77 "only the membership secretary" ann approve 5
refused 77 "only the membership secretary" ann decline 5 --reason "no"

TEST "history shows claims and ledger entries"
ok ann history
expect_contains "$OUT" "Ann Surveyor (ann)"
expect_contains "$OUT" "iims-training-day"
expect_contains "$OUT" "withdrawn"
expect_contains "$OUT" "claim #1 approved"
ok ann history --json
expect_equal "$(json '[(c["id"], c["status"], c["points"]) for c in d]')" "[(1, 'approved', 5), (3, 'withdrawn', 1)]"
expect_equal "$(json 'set(d[0]) >= {"id", "member", "activity", "points", "date", "status"}')" "True"
expect_equal "$(json 'd[1]["quantity"]')" "2"
ok ann history --ledger --json
expect_equal "$(json '[(e["kind"], e["points"], e["claim"]) for e in d]')" "[('award', 5, 1)]"

TEST "members see only their own record; the secretary sees anybody's"
refused 77 "only the membership secretary" bob history ann
refused 77 "only the membership secretary" bob balance ann
ok sec balance ann --json
expect_equal "$(json 'd["total"]')" "5"
ok sec history bob --json
expect_equal "$(json '[c["status"] for c in d]')" "['declined', 'pending']"
refused 67 "no member with login 'zed'" sec balance zed

TEST "balance of another year"
ok ann balance --year 2016 --json
expect_equal "$(json 'd["total"], d["deadline"]')" "(0, '2016-12-31')"
refused 65 "not a year" ann balance --year 17
refused 65 "not a year" ann balance --year twenty

TEST "the quota met"
ok ann claim iims-conference --days 1 --date 2017-03-01
ok sec approve "$(sql "SELECT max(id) FROM claim")"
ok ann balance
expect_contains "$OUT" "Quota met for 2017."
ok ann balance --json
expect_equal "$(json 'd["total"], d["remaining"], d["compliant"]')" "(10, 0, True)"
