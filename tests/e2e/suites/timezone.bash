# The scheme's time zone: today, deadlines and the year's end are its own,
# whatever the host's clock says. The host here runs in UTC; CPD_NOW puts
# the clock at a chosen instant.
[ -f /usr/share/zoneinfo/Pacific/Auckland ] || skip_suite "no zone files (apt-get install tzdata)"
export TZ=UTC
setup_scheme --no-cpd

TEST "a zone that is not one is refused in one line, nothing changed"
refused 65 "'Mars/Base' is not a time zone\"?|\"Mars/Base\" is not a time zone" \
  sec config set scheme.timezone Mars/Base
refused 65 "is not a time zone" sec config set scheme.timezone ../../etc/passwd
ok sec scheme show
expect_contains "$OUT" "Today and deadlines are in the host's time zone."

TEST "23:50 on 31 December in Auckland (10:50 UTC) is still 2017, and 00:10 is 2018"
ok sec config set scheme.timezone Pacific/Auckland
ok ann scheme show
expect_contains "$OUT" "Pacific/Auckland"
CPD_NOW=2017-12-31T10:50:00Z ok ann claim iims-webinar --json
expect_equal "$(json 'd["date"], d["year"]')" "('2017-12-31', 2017)"
CPD_NOW=2017-12-31T10:50:00Z ok ann balance --json
expect_equal "$(json 'd["year"], d["pending"], d["deadline"]')" "(2017, 1, '2017-12-31')"
# Twenty minutes later it is New Year's Day there, though not in UTC.
CPD_NOW=2017-12-31T11:10:00Z ok bob claim iims-webinar --json
expect_equal "$(json 'd["date"], d["year"]')" "('2018-01-01', 2018)"
CPD_NOW=2017-12-31T11:10:00Z ok ann claim iims-branch-meeting --date 2018-01-01
CPD_NOW=2017-12-31T11:10:00Z ok sec rollover --json
expect_equal "$(json '[y["year"] for y in d["years"]]')" "[2017]"
CPD_NOW=2017-12-31T11:10:00Z ok ann balance --json
expect_equal "$(json 'd["year"]')" "2018"

TEST "recorded instants are shown in the scheme's zone, not the host's"
# bob's claim was made at 00:10 on 1 January in Auckland, 11:10 on 31
# December in UTC.
ok bob history --json
expect_equal "$(json '[c["submitted"] for c in d]')" "['2018-01-01']"
ok sec mail list --json
expect_contains "$(json 'sorted({m["created"] for m in d})')" "'2018-01-01'"
ok bob history
expect_contains "$OUT" "2018-01-01"

TEST "without the zone, the host's UTC clock would have it otherwise"
ok sec --db "$TESTDIR/utc.db" init --name Sam --email sec@example.org
CPD_NOW=2017-12-31T11:10:00Z refused 1 "future" sec --db "$TESTDIR/utc.db" claim iims-webinar \
  --date 2018-01-01

TEST "behind UTC: 23:40 on 31 December in New York (04:40 UTC on 1 January) is a claim of 2017"
ok sec --db "$TESTDIR/ny.db" init --name Sam --email sec@example.org
ok sec --db "$TESTDIR/ny.db" config set scheme.timezone America/New_York
ok sec --db "$TESTDIR/ny.db" config set mail.url "maildir:$TESTDIR/ny-mail"
ok sec --db "$TESTDIR/ny.db" config set mail.from cpd@iims.example
CPD_NOW=2018-01-01T04:40:00Z ok sec --db "$TESTDIR/ny.db" claim iims-webinar --json
expect_equal "$(json 'd["date"], d["year"]')" "('2017-12-31', 2017)"
CPD_NOW=2018-01-01T04:40:00Z ok sec --db "$TESTDIR/ny.db" rollover --json
expect_equal "$(json 'd["years"]')" "[]"
CPD_NOW=2018-01-01T04:40:00Z refused 1 "future" sec --db "$TESTDIR/ny.db" claim iims-webinar \
  --date 2018-01-01

TEST "CPD_TODAY is a day in the scheme's zone"
CPD_TODAY=2017-12-31 ok ann claim iims-branch-meeting --json
expect_equal "$(json 'd["date"]')" "2017-12-31"
CPD_NOW=tomorrow refused 65 "CPD_NOW=tomorrow is not an instant" ann balance
