# A RICS-like scheme from the shipped preset: 20 hours a calendar year, at
# least 10 of them formal. A member with 20 hours of which 8 formal is
# short, and every place that judges says by what: 2 formal points.
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
BOX=$TESTDIR/mail
body() {
  $MAILBOX show-to "$BOX" "$1" "$2" | tr '\n' ' ' | tr -s ' '
}

TEST "an unknown scheme is refused and makes no database"
refused 64 "no shipped scheme 'nope': choose acca, iims, rics" sec init --name "Sam Secretary" \
  --email sec@example.org --scheme nope
[ ! -e "$CPD_DB" ] || fail "cpd init made a database for an unknown scheme"

TEST "cpd init --scheme rics: its rules and its points table with categories"
ok sec init --name "Sam Secretary" --email sec@example.org --org RICS --scheme rics --no-cpd --json
expect_equal "$(json 'd["scheme"], d["activities"]')" "('rics', 10)"
ok sec config set mail.url "maildir:$BOX"
ok sec config set mail.from cpd@rics.example
ok sec member add ann --name "Ann Surveyor" --email ann@example.org
ok sec member add bob --name "Bob Valuer" --email bob@example.org
ok ann scheme show
expect_contains "$OUT" "Categories of the points table: formal, informal."
expect_contains "$OUT" "Required            20 points per cycle"
expect_contains "$OUT" "Category minimums   formal 10 points"
expect_contains "$OUT" "Carried             nothing"
ok ann scheme show --json
expect_equal "$(json 'd["years"][0]["rules"]["scheme.minimums"], d["years"][0]["until"]')" \
  "('formal:10', None)"
ok ann activities --json
expect_equal "$(json 'sorted({a["category"] for a in d})')" "['formal', 'informal']"

TEST "20 hours with 8 formal: 2 more formal points, in the balance and the approval mail"
ok ann claim private-study --hours 12 --date 2017-03-01
ok ann claim conference --hours 8 --date 2017-03-02
ok sec approve 1 2
ok ann balance
expect_contains "$OUT" "Total         20 of 20 points"
expect_contains "$OUT" "formal        8 of at least 10 points"
expect_contains "$OUT" "You need 2 more formal points by 31 December 2017."
ok ann balance --json
expect_equal "$(json 'd["compliant"], d["remaining"], [(r["kind"], r["category"], r["required"], r["has"], r["remaining"]) for r in d["requirements"]]')" \
  "(False, 2, [('total', None, 20, 20, 0), ('category', 'formal', 10, 8, 2)])"
ok sec mail send
expect_contains "$(body ann@example.org "#2 approved")" \
  "Your total for 2017 is now 20 points. You only require 2 more formal points by 31 December 2017 to make your quota of 20 points, of which at least 10 formal."

TEST "the report says who is short of what"
ok bob claim conference --hours 20 --date 2017-03-03
ok sec approve 3
ok sec report
expect_contains "$OUT" "quota 20 points (at least 10 formal)"
expect_contains "$OUT" "SHORT OF"
expect_contains "$OUT" "2 formal"
ok sec report --json
expect_equal "$(json 'sorted((m["member"], m["status"], m["remaining"], m["short_of"]) for m in d["members"])')" \
  "[('ann', 'short', 2, '2 formal'), ('bob', 'compliant', 0, '')]"

TEST "moving an activity to another category leaves the claims made under it"
ok sec activity set private-study --category formal
ok ann balance --json
expect_equal "$(json 'd["requirements"][1]["has"]')" "8"
ok sec activity set private-study --category informal
refused 65 "category" sec activity set private-study --category "Not A Category"

TEST "a minimum that is not one is refused, nothing changed"
refused 65 "'formal' is not a valid value for scheme.minimums" sec config set scheme.minimums formal
refused 65 "scheme.minimums" sec config set scheme.minimums formal:-1

TEST "year end: the statement judges by the minimum and says so"
export CPD_TODAY=2018-01-02
ok sec rollover
ok sec mail send
expect_contains "$($MAILBOX list "$BOX")" "Your CPD statement for 2017: 2 points short"
expect_contains "$(body ann@example.org "statement for 2017")" \
  "Your total was 20 points, which falls short of the quota of 20 points, of which at least 10 formal by 2 formal points."
expect_contains "$(body bob@example.org "statement for 2017")" "quota of 20 points, of which at least 10 formal"
ok ann statement --json
expect_equal "$(json 'd["standing"], d["requirement"], d["short_by"]')" \
  "('short', '20 points, of which at least 10 formal', '2 formal points')"
code=$(json 'd["code"]')
ok stranger verify "$code" --json
expect_equal "$(json 'd["short_by"]')" "2 formal points"
ok sec check
