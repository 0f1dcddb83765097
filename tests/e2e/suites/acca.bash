# An ACCA-like scheme from the shipped preset: 40 units a year, at least 21
# verifiable; up to 21 surplus units carry into the next year, verifiable
# ones only, and none out of the year a member was admitted in (which owes
# nothing: members start their CPD the year after admission).
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
BOX=$TESTDIR/mail
body() {
  $MAILBOX show-to "$BOX" "$1" "$2" | tr '\n' ' ' | tr -s ' '
}
printf 'certificate\n' >"$TESTDIR/certificate.txt"
# units USER ACTIVITY HOURS DATE: a claim, approved.
units() {
  if [ "$2" = course ]; then
    ok "$1" claim "$2" --hours "$3" --date "$4" --attach "$TESTDIR/certificate.txt"
  else
    ok "$1" claim "$2" --hours "$3" --date "$4"
  fi
  ok sec approve "$(sql "SELECT max(id) FROM claim")"
}

ok sec init --name "Sam Secretary" --email sec@example.org --org ACCA --scheme acca --no-cpd
expect_contains "$OUT" "under the rules of the Association of Chartered Certified Accountants (ACCA)"
ok sec config set mail.url "maildir:$BOX"
ok sec config set mail.from cpd@acca.example
ok sec member add ann --name "Ann Admitted" --email ann@example.org --joined 2017-03-01
for who in bob cat dan; do
  ok sec member add $who --name "${who^} Member" --email $who@example.org
done
export CPD_TODAY=2017-06-01

TEST "the year of admission owes nothing"
units ann course 50 2017-05-01
ok ann balance
expect_contains "$OUT" "Pro rata      0 of 12 months: joined on 1 March 2017, so 0 of 40 points"
expect_contains "$OUT" "Quota met for 2017."
ok sec scheme show
expect_contains "$OUT" "Category minimums   verifiable 21 points"

TEST "surplus carries as verifiable units over the minimum, at most 21, never from the first year"
units bob course 50 2017-05-01
units bob reading 10 2017-05-02
units cat course 30 2017-05-01
units cat reading 30 2017-05-02
units dan reading 60 2017-05-01
ok dan balance
expect_contains "$OUT" "verifiable    0 of at least 21 points"
expect_contains "$OUT" "You need 21 more verifiable points by 31 December 2017."
export CPD_TODAY=2018-01-02
ok sec rollover --json
expect_equal "$(json 'sorted((c["member"], c["total"], c["carried"]) for c in d["years"][0]["carries"])')" \
  "[('ann', 50, 0), ('bob', 60, 20), ('cat', 60, 9), ('dan', 60, 0)]"
ok sec report --year 2017 --json
expect_equal "$(json 'sorted((m["member"], m["status"], m["short_of"]) for m in d["members"])')" \
  "[('ann', 'compliant', ''), ('bob', 'compliant', ''), ('cat', 'compliant', ''), ('dan', 'short', '21 verifiable')]"
ok bob history --ledger --json
expect_equal "$(json '[(e["year"], e["points"], e["category"]) for e in d if e["kind"] == "carry"]')" \
  "[(2018, 20, 'verifiable')]"
ok ann history --ledger --json
expect_equal "$(json '[e for e in d if e["kind"] == "carry"]')" "[]"
ok sec mail send
expect_contains "$(body bob@example.org "statement for 2017")" "20 points"
expect_contains "$(body ann@example.org "statement for 2017")" "Nothing is carried forward into 2018."
expect_contains "$(body dan@example.org "statement for 2017")" "by 21 verifiable points"

TEST "the carried verifiable units count towards the next year's verifiable minimum"
export CPD_TODAY=2018-02-01
ok bob balance --json
expect_equal "$(json 'd["carried_in"], [(r["category"], r["has"], r["remaining"]) for r in d["requirements"]]')" \
  "(20, [(None, 20, 20), ('verifiable', 20, 1)])"
ok bob balance
expect_contains "$OUT" "You need 20 more points, of which at least 1 verifiable by 31 December 2018."
ok cat balance --json
expect_equal "$(json 'd["carried_in"]')" "9"
ok ann balance --json
expect_equal "$(json 'd["carried_in"], d["quota"]')" "(0, 40)"
ok sec check
expect_contains "$OUT" "the ledger follows the scheme's rules"
