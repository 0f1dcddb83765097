# Setting up a scheme: init, members, settings, the points table.

TEST "init creates the database and makes the caller secretary"
ok sec init --name "Sam Secretary" --email sec@example.org --org "International Institute of Marine Surveying"
expect_contains "$OUT" "sec is the membership secretary"
expect_equal "$(sql "SELECT role FROM member WHERE login = 'sec'")" "secretary"
expect_equal "$(sql "SELECT points FROM activity WHERE code = 'iims-training-day'")" "50" "5 points in tenths"
expect_equal "$(sql "SELECT value FROM setting WHERE key = 'org.name'")" "International Institute of Marine Surveying"

TEST "a private database file is its user's alone, whatever the umask"
(umask 000 && CPD_USER=sec "$CPD" --db "$TESTDIR/open.db" init --name "Sam Secretary" --email sec@example.org >/dev/null) \
  || fail "init with umask 000 failed"
CPD_USER=sec "$CPD" --db "$TESTDIR/open.db" member add ann --name "Ann Surveyor" --email ann@example.org >/dev/null \
  || fail "member add failed"
expect_equal "$(stat -c %a "$TESTDIR/open.db" "$TESTDIR/open.db.key" | sort -u)" "600"
expect_equal "$(stat -c %a "$CPD_DB")" "600"

TEST "init a second time is refused and changes nothing"
refused 1 "already set up" sec init --name "Other" --email other@example.org

TEST "a command before init says how to create the database"
run sec --db "$TESTDIR/none.db" activities
expect_equal "$STATUS" 69
expect_contains "$ERR" "cpd init"
[ ! -e "$TESTDIR/none.db" ] || fail "a database was created"

TEST "the points table lists the IIMS training day at 5 points"
ok nobody activities
expect_contains "$OUT" "iims-training-day"
expect_contains "$(grep iims-training-day <<<"$OUT")" " 5 "
ok nobody activities --json
expect_equal "$(json '[a["points"] for a in d if a["code"] == "iims-training-day"][0]')" "5"
expect_equal "$(json 'type([a["points"] for a in d if a["code"] == "iims-half-day"][0]).__name__')" "float"

TEST "the secretary adds and lists members"
ok sec member add ann --name "Ann Surveyor" --email ann@example.org
expect_contains "$OUT" "Added Ann Surveyor (ann) as a member"
ok sec member add sue --name "Zoë Ångström" --email sue@example.org --secretary
ok sec member list --json
expect_equal "$(json '[m["login"] for m in d]')" "['ann', 'sec', 'sue']"
expect_equal "$(json '[m["role"] for m in d if m["login"] == "sue"][0]')" "secretary"
ok sec member list
expect_contains "$OUT" "Zoë Ångström"

TEST "member add refuses bad input and changes nothing"
refused 1 "already a member" sec member add ann --name "Ann Again" --email ann2@example.org
refused 65 "not a valid email" sec member add carl --name "Carl" --email "carl at example.org"
refused 65 "not a valid email" sec member add carl --name "Carl" --email $'carl@example.org\r\nBcc: x@y.z'
refused 65 "name of 'carl'" sec member add carl --name $'Carl\nBcc: x@y.z' --email carl@example.org
refused 65 "not a valid login" sec member add "../carl" --name "Carl" --email carl@example.org
refused 64 "name" sec member add carl --email carl@example.org

TEST "members cannot use secretary commands"
refused 77 "only the membership secretary" ann member add eve --name Eve --email eve@example.org
refused 77 "only the membership secretary" ann member list
refused 77 "only the membership secretary" ann config set scheme.quota 5
refused 77 "only the membership secretary" ann config list
refused 77 "only the membership secretary" ann activity add new-thing --title "New" --points 1

TEST "an unknown login may only read the points table"
ok stranger activities
refused 67 "not a member" stranger balance
refused 67 "not a member" stranger claim iims-training-day

TEST "deactivated members keep their record but cannot claim"
ok sec member add dan --name "Dan Deck" --email dan@example.org
ok sec member deactivate dan
expect_contains "$OUT" "record is kept"
refused 77 "deactivated" dan claim iims-training-day
refused 1 "already deactivated" sec member deactivate dan
refused 67 "no member" sec member deactivate nobody

TEST "settings: list, get, set, reset, and refusals"
ok sec config get scheme.quota
expect_equal "$OUT" "10"
ok sec config set scheme.quota 12.5
ok sec config get scheme.quota
expect_equal "$OUT" "12.5"
ok sec config set scheme.quota ""
ok sec config get scheme.quota
expect_equal "$OUT" "10"
ok sec config list --json
expect_equal "$(json 'd["scheme.carry_cap"]')" "3"
expect_equal "$(json 'd["scheme.start"]')" "2017-01-01"
refused 65 "not a valid value" sec config set scheme.quota 0.25
refused 65 "not a valid value" sec config set scheme.start 2017-02-30
refused 64 "unknown setting.*did you mean 'scheme.quota'" sec config set scheme.qouta 5

TEST "the secretary adds, changes and retires activities"
ok sec activity add iims-site-course --title "IIMS on-site course" --points 3 --evidence yes
ok sec activity set iims-site-course --points 3.5
expect_equal "$(sql "SELECT points FROM activity WHERE code = 'iims-site-course'")" "35"
ok sec activity retire iims-site-course
ok nobody activities
expect_not_contains "$OUT" "iims-site-course"
ok nobody activities --all
expect_contains "$OUT" "IIMS on-site course (retired)"
refused 1 "exists already" sec activity add iims-training-day --title "Again" --points 1
refused 65 "not a number of points" sec activity add x-y --title "X" --points 0.25
refused 65 "not a valid activity code" sec activity add "Bad Code" --title "X" --points 1
