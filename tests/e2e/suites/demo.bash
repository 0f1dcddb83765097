# The README's first command ends in data/demo.sh: the tour must run through
# to the year-end and show the mail it delivered.

ROOT=$(cd "$E2E_DIR/../.." && pwd)

TEST "the tour runs from set-up to rollover and shows the delivered mail"
TMPDIR=$TESTDIR bash "$ROOT/data/demo.sh" "$CPD" >"$TESTDIR/tour" 2>"$TESTDIR/tour.err"
status=$?
tour=$(cat "$TESTDIR/tour")
expect_equal "$status" "0" "data/demo.sh's exit status; stderr: $(tail -3 "$TESTDIR/tour.err")"
expect_contains "$tour" "Claim #1 approved: 5 points for Ann Surveyor"
expect_contains "$tour" "cat is exempt from the quota from 2017 on; they have been told by mail."
expect_contains "$tour" "email     bob@example.org -> bob@marine.example"
expect_contains "$tour" "0.7 points for Private study of technical literature, rules and regulations on 2017-09-18 (1.5 hours × 0.5 points an hour = 0.75 points, rounded down to 0.7)"
expect_contains "$tour" "Claim #3 approved: 0.7 points for Ann Surveyor (ann), 1.5 hours of Private study"
expect_contains "$tour" "bob@2018-01-10$ cpd claim iims-training-day --date 2017-12-12"
expect_contains "$tour" "Claim #4 approved: 5 points for Bob Marine (bob), IIMS training day on 2017-12-12."
expect_contains "$tour" "bob       CPD claim #4 approved: 5 points added"
expect_contains "$tour" "sec@2018-02-10$ cpd adjust bob 1 --year 2017"
expect_contains "$tour" "Adjusted bob's 2017 by +1 point: the total is now 6 points."
expect_contains "$tour" "bob       Your CPD record for 2017: adjusted by +1 point"
expect_contains "$tour" "cat       Your CPD: exempt from the quota from 2017 on, until it is lifted"
expect_contains "$tour" "You need 5 points more by 31 December 2017."
expect_contains "$tour" "Reminded 2 members."
expect_contains "$tour" "Closed 2017"
expect_contains "$tour" "  Carried in    3"
expect_contains "$tour" "ann       Your CPD statement for 2017: quota met"
expect_contains "$tour" "bob       Your CPD for 2017: 0 of 10 points so far"
expect_contains "$tour" "3 points are carried forward into 2018."
expect_contains "$tour" "ann@2018-02-10$ cpd statement --year 2017"
expect_contains "$tour" "Standing:    compliant: the quota of 10 points was met"
code=$(sed -n 's/^Verification code: //p' <<<"$tour")
[ -n "$code" ] || fail "the tour shows no verification code"
expect_contains "$tour" "client@2018-02-10$ cpd verify $code"
expect_contains "$tour" "$code is the code of a CPD statement issued by International Institute of Marine Surveying on 10 February 2018."
mails=$(ls "$TESTDIR"/cpd-demo.*/mail/new | wc -l)
expect_equal "$mails" "21" "mails in the demo's Maildir"
expect_not_contains "$tour" $'\033'
