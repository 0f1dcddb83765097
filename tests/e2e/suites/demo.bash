# The README's first command ends in data/demo.sh: the tour must run through
# to the year-end and show the mail it delivered.

ROOT=$(cd "$E2E_DIR/../.." && pwd)

TEST "the tour runs from set-up to rollover and shows the delivered mail"
TMPDIR=$TESTDIR bash "$ROOT/data/demo.sh" "$CPD" >"$TESTDIR/tour" 2>"$TESTDIR/tour.err"
status=$?
tour=$(cat "$TESTDIR/tour")
expect_equal "$status" "0" "data/demo.sh's exit status; stderr: $(tail -3 "$TESTDIR/tour.err")"
expect_contains "$tour" "Claim #1 approved: 5 points for Ann Surveyor"
expect_contains "$tour" "You need 5 points more by 31 December 2017."
expect_contains "$tour" "Reminded 2 members."
expect_contains "$tour" "Closed 2017"
expect_contains "$tour" "  Carried in    3"
expect_contains "$tour" "ann       Your CPD statement for 2017: quota met"
expect_contains "$tour" "bob       Your CPD for 2017: 0 of 10 points so far"
expect_contains "$tour" "3 points are carried forward into 2018."
expect_contains "$tour" "ann@2018-01-02$ cpd statement --year 2017"
expect_contains "$tour" "Standing:    compliant: the quota of 10 points was met"
code=$(sed -n 's/^Verification code: //p' <<<"$tour")
[ -n "$code" ] || fail "the tour shows no verification code"
expect_contains "$tour" "client@2018-01-02$ cpd verify $code"
expect_contains "$tour" "$code is the code of a CPD statement issued by International Institute of Marine Surveying on 2 January 2018."
mails=$(ls "$TESTDIR"/cpd-demo.*/mail/new | wc -l)
expect_equal "$mails" "12" "mails in the demo's Maildir"
expect_not_contains "$tour" $'\033'
