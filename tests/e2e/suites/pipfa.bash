# A PIPFA-like rolling cycle: 120 hours over any 3 years with at least 20
# every year. Surplus counts for as long as it is within the window, and
# no longer: nothing is carried. The scheme started on 1 January 2017, so
# its first two cycles are pro rata (12 and 24 of 36 months).
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
BOX=$TESTDIR/mail
body() {
  $MAILBOX show-to "$BOX" "$1" "$2" | tr '\n' ' ' | tr -s ' '
}
# hours USER HOURS DATE: a claim of HOURS study hours, approved.
hours() {
  ok "$1" claim study --hours "$2" --date "$3"
  ok sec approve "$(sql "SELECT max(id) FROM claim")"
}

setup_scheme --no-cpd
ok sec activity add study --title "Study hour" --points 1 --per hour

TEST "a cycle of several years needs the carry off first; then the rules are set"
refused 1 "set scheme.carry_cap to 0 first" sec config set scheme.cycle_years 3
ok sec config set scheme.carry_cap 0
ok sec config set scheme.cycle_years 3
ok sec config set scheme.quota 120
ok sec config set scheme.year_minimum 20
refused 65 "scheme.cycle_years" sec config set scheme.cycle_years 0
ok ann scheme show
expect_contains "$OUT" "Cycle               3 years, rolling on a year at a time"
expect_contains "$OUT" "Required            120 points per cycle"
expect_contains "$OUT" "Every year          at least 20 points"

TEST "2017, the scheme's first year: 40 of 120, and at least 20 in the year"
hours ann 70 2017-03-01
hours bob 30 2017-03-01
ok ann balance
expect_contains "$OUT" "Total         70 of 40 points"
expect_contains "$OUT" "In 2017       70 of at least 20 points"
expect_contains "$OUT" "Pro rata      12 of 36 months: the scheme started in 2017, so 40 of 120 points"
ok bob balance
expect_contains "$OUT" "You need 10 points more by 31 December 2017."
export CPD_TODAY=2018-01-02
ok sec rollover
ok sec report --year 2017 --json
expect_equal "$(json 'sorted((m["member"], m["status"], m["required"], m["remaining"]) for m in d["members"])')" \
  "[('ann', 'compliant', 40, 0), ('bob', 'short', 40, 10)]"
ok sec mail send
expect_contains "$(body ann@example.org "statement for 2017")" \
  "Your total was 70 points, which meets the quota of 40 points and at least 20 points a year."
expect_contains "$(body ann@example.org "statement for 2017")" "Nothing is carried forward into 2018."
expect_contains "$(body bob@example.org "statement for 2017")" "10 points short of the quota of 40 points"

TEST "2018: the surplus of 2017 counts over the cycle, but the year's floor is its own"
export CPD_TODAY=2018-06-01
hours ann 10 2018-05-01
hours bob 50 2018-05-01
ok ann balance
expect_contains "$OUT" "2017 to 2018  80 of 80 points"
expect_contains "$OUT" "In 2018       10 of at least 20 points"
expect_contains "$OUT" "You need 10 more points by 31 December 2018."
ok ann balance --json
expect_equal "$(json 'd["carried_in"], d["cycle_from"], d["cycle_total"], d["quota"], d["remaining"]')" \
  "(0, 2017, 80, 80, 10)"
ok sec mail send
expect_contains "$(body ann@example.org "#3 approved")" \
  "Your total for 2018 is now 10 points, and 80 points over 2017 to 2018. You only require 10 more points by 31 December 2018 to make your quota of 80 points over 2017 to 2018 and at least 20 points a year."
ok bob balance
expect_contains "$OUT" "Quota met for 2018."
hours ann 10 2018-05-02
export CPD_TODAY=2019-01-02
ok sec rollover
ok sec report --year 2018 --json
expect_equal "$(json 'sorted((m["member"], m["status"]) for m in d["members"])')" \
  "[('ann', 'compliant'), ('bob', 'compliant')]"

TEST "2019, the first whole cycle: 120 over 2017 to 2019"
export CPD_TODAY=2019-06-01
hours ann 30 2019-05-01
hours bob 20 2019-05-01
ok ann balance
expect_contains "$OUT" "2017 to 2019  120 of 120 points"
expect_contains "$OUT" "Quota met for 2019."
ok bob balance
expect_contains "$OUT" "2017 to 2019  100 of 120 points"
expect_contains "$OUT" "You need 20 points more by 31 December 2019."
export CPD_TODAY=2020-01-02
ok sec rollover

TEST "2020: the window has moved on, and the hours of 2017 no longer count"
export CPD_TODAY=2020-06-01
hours ann 20 2020-05-01
ok ann balance
expect_contains "$OUT" "2018 to 2020  70 of 120 points"
expect_contains "$OUT" "You need 50 points more by 31 December 2020."
ok ann history --ledger --json
expect_equal "$(json '[e["kind"] for e in d if e["kind"] == "carry"]')" "[]"
ok sec check
expect_contains "$OUT" "the ledger follows the scheme's rules"
