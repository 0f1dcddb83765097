# Members who join during a year, under IIMS's defaults: their first year's
# quota is pro rata by the whole months left after they joined, rounded
# down to whole points. A member admitted on 15 October owes November and
# December: 10 × 2 / 12 = 1.67, so 1 point. Every mail they get says so,
# never "10 points by 31 December".
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
BOX=$TESTDIR/mail

setup_scheme --no-cpd
# The body of the mail to ADDRESS whose subject holds TEXT, on one line.
body() {
  $MAILBOX show-to "$BOX" "$1" "$2" | tr '\n' ' ' | tr -s ' '
}
# The subjects mailed to ADDRESS, one a line.
subjects() {
  $MAILBOX list "$BOX" | awk -F '\t' -v to="$1" 'index($1, to) { print $2 }'
}

TEST "a member admitted on 15 October owes 1 point of 10, and balance says why"
export CPD_TODAY=2017-10-16
ok sec member add dee --name "Dee Joiner" --email dee@example.org --joined 2017-10-15
expect_equal "$OUT" "Added Dee Joiner (dee) as a member, joined on 15 October 2017."
ok dee balance
expect_contains "$OUT" "Total         0 of 1 point"
expect_contains "$OUT" "Pro rata      2 of 12 months: joined on 15 October 2017, so 1 of 10 points"
expect_contains "$OUT" "You need 1 point more by 31 December 2017."
[[ "$OUT" != *"10 points by"* ]] || fail "a joiner is told the whole year's quota: $OUT"
ok dee balance --json
expect_equal "$(json 'd["quota"], d["remaining"], d["joined"], d["requirements"][0]["required"]')" \
  "(1, 1, '2017-10-15', 1)"
# A member without a join date owes the whole year, as before.
ok ann balance --json
expect_equal "$(json 'd["quota"], d["joined"]')" "(10, None)"
ok sec member list
expect_contains "$OUT" "2017-10-15"

TEST "a join date that is not a date is refused, nothing added"
refused 65 "--joined '2017-13-01' is not a date" sec member add x --name X --email x@example.org \
  --joined 2017-13-01

TEST "the reminder counts down from the pro-rated quota; one admitted in December owes nothing"
ok sec member add eve --name "Eve December" --email eve@example.org --joined 2017-12-05
CPD_TODAY=2017-11-01 ok sec remind
CPD_TODAY=2017-12-06 ok sec remind --dry-run --json
expect_equal "$(json '[m["member"] for m in d]')" "['ann', 'bob', 'dee']"
ok sec mail send
expect_equal "$(subjects dee@example.org)" "Your CPD for 2017: 0 of 1 point so far"
reminder=$(body dee@example.org "Your CPD for 2017")
expect_contains "$reminder" "to acquire 1 CPD point (pro rata from your joining on 15 October 2017) by 31 December 2017."
expect_contains "$reminder" "you require 1 more point."
expect_equal "$(subjects eve@example.org)" ""
CPD_TODAY=2017-12-06 ok eve balance
expect_contains "$OUT" "Pro rata      0 of 12 months: joined on 5 December 2017, so 0 of 10 points"

TEST "approval mail: the pro-rated quota met, with the reason"
export CPD_TODAY=2017-11-02
ok dee claim iims-webinar --date 2017-11-02
ok sec approve "$(sql "SELECT max(id) FROM claim")"
ok sec mail send
approved=$(body dee@example.org "approved")
expect_contains "$approved" "Your total for 2017 is now 1 point: you have met your quota of 1 point (pro rata from your joining on 15 October 2017) for 2017."

TEST "members imported with a join date of 1 July owe July to December"
printf 'login,name,email,joined\nfay,Fay July,fay@example.org,2017-07-01\n' >"$TESTDIR/members.csv"
ok sec member import "$TESTDIR/members.csv"
ok fay balance --json
expect_equal "$(json 'd["quota"], d["joined"]')" "(5, '2017-07-01')"
# An intake admitted on one day: --joined for the rows without a date;
# members already known keep theirs.
printf 'login,name,email\nhal,Hal Intake,hal@example.org\nfay,Fay July,fay@example.org\n' \
  >"$TESTDIR/intake.csv"
ok sec member import "$TESTDIR/intake.csv" --joined 2017-09-01
ok sec member list --json
expect_equal "$(json '{m["login"]: m["joined"] for m in d if m["login"] in ("fay", "hal")}')" \
  "{'fay': '2017-07-01', 'hal': '2017-09-01'}"
ok hal balance --json
expect_equal "$(json 'd["quota"]')" "3"
ok sec member set hal --no-cpd
printf 'login,name,email,joined\ngus,Gus,gus@example.org,1 July\n' >"$TESTDIR/bad.csv"
refused 65 "join date must be YYYY-MM-DD" sec member import "$TESTDIR/bad.csv"

TEST "year end: the joiners are judged by their own quota, and told so"
export CPD_TODAY=2018-01-02
ok sec rollover
ok sec report --year 2017 --json
expect_equal "$(json 'sorted((m["member"], m["status"], m["required"], m["remaining"]) for m in d["members"])')" \
  "[('ann', 'short', 10, 10), ('bob', 'short', 10, 10), ('dee', 'compliant', 1, 0), ('eve', 'compliant', 0, 0), ('fay', 'short', 5, 5)]"
ok sec mail send
expect_contains "$(subjects dee@example.org)" "Your CPD statement for 2017: quota met"
expect_contains "$(body dee@example.org "statement for 2017")" \
  "Your total was 1 point, which meets the quota of 1 point (pro rata from your joining on 15 October 2017). Thank you."
expect_contains "$(subjects fay@example.org)" "Your CPD statement for 2017: 5 points short"
expect_contains "$(body fay@example.org "statement for 2017")" \
  "which is 5 points short of the quota of 5 points (pro rata from your joining on 1 July 2017)."
expect_contains "$(subjects ann@example.org)" "Your CPD statement for 2017: 10 points short"

TEST "the year after joining is owed whole"
ok dee balance --json
expect_equal "$(json 'd["year"], d["quota"]')" "(2018, 10)"
ok dee balance
[[ "$OUT" != *"Pro rata"* ]] || fail "the second year is pro rata: $OUT"
ok sec check
