# Member imports and attendance lists: all or nothing, lines named.
setup_scheme
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"

TEST "member import adds and updates, never duplicates, and reports counts"
printf '\xef\xbb\xbfLogin,EMAIL,Name,role\r\ncid,cid@example.org,"Cid, the Surveyor",\r\nann,ann@example.org,Ann Surveyor,member\r\nbob,bob@new.example,Bob Marine,\r\ndee,dee@example.org,Dee Deputy,secretary\r\n' >"$TESTDIR/members.csv"
ok sec member import "$TESTDIR/members.csv"
expect_equal "$OUT" "2 added, 1 updated, 1 unchanged."
expect_equal "$(sql "SELECT login, name, email, role FROM member WHERE login IN ('bob', 'cid', 'dee') ORDER BY login")" \
  "$(printf 'bob|Bob Marine|bob@new.example|member\ncid|Cid, the Surveyor|cid@example.org|member\ndee|Dee Deputy|dee@example.org|secretary')"
ok sec --json member import "$TESTDIR/members.csv"
expect_equal "$(json '(d["added"], d["updated"], d["unchanged"])')" "(0, 0, 4)"
expect_equal "$(sql "SELECT count(*) FROM member")" "5"

TEST "--dry-run reports and changes nothing"
printf 'login,name,email\neve,Eve Early,eve@example.org\nann,Ann Renamed,ann@example.org\n' >"$TESTDIR/dry.csv"
before=$(db_snapshot)
ok sec member import "$TESTDIR/dry.csv" --dry-run
expect_equal "$OUT" "$(printf '%s\n' \
  "dry.csv line 2: would add eve" \
  "dry.csv line 3: would update ann: name Ann Surveyor -> Ann Renamed" \
  "Dry run: 1 added, 1 updated, 0 unchanged; nothing was changed.")"
expect_equal "$(db_snapshot)" "$before" "a dry run changed the database"
ok sec --json member import "$TESTDIR/dry.csv" --dry-run
expect_equal "$(json '[(r["where"], r["login"], r["action"], r["changes"]) for r in d["rows"]]')" \
  "[('dry.csv line 2', 'eve', 'add', []), ('dry.csv line 3', 'ann', 'update', [{'field': 'name', 'from': 'Ann Surveyor', 'to': 'Ann Renamed'}])]"

TEST "member import warns of logins that differ only in case, and of shared addresses"
printf 'login,name,email
Ann,Ann Again,ann2@example.org
fay,Fay Ferry,bob@new.example
gus,Gus,gus@example.org
hal,Hal,GUS@example.org
' >"$TESTDIR/clash.csv"
before=$(db_snapshot)
run sec member import "$TESTDIR/clash.csv" --dry-run
expect_equal "$STATUS" 0
expect_equal "$ERR" "$(printf '%s\n' \
  "cpd: note: warning: clash.csv line 2: 'Ann' differs from the login 'ann' only in case: two members, or one written two ways?" \
  "cpd: note: warning: clash.csv line 3: 'fay' shares the address bob@new.example with 'bob'" \
  "cpd: note: warning: clash.csv line 5: 'hal' shares the address GUS@example.org with 'gus'")"
expect_contains "$OUT" "clash.csv line 2: would add Ann"
expect_equal "$(db_snapshot)" "$before" "a dry run changed the database"
ok sec --json member import "$TESTDIR/clash.csv" --dry-run
expect_equal "$(json 'len(d["warnings"])')" "3"

TEST "a malformed row names its line and changes nothing"
printf 'login,name,email\neve,Eve Early,eve@example.org\nfay,Fay,not-an-address\n' >"$TESTDIR/bad-email.csv"
refused 65 "bad-email.csv line 3: 'not-an-address' is not a valid email address.*nothing was imported" sec member import "$TESTDIR/bad-email.csv"
printf 'login,name,email\neve,Eve Early,eve@example.org\n"fay,Fay,fay@example.org\n' >"$TESTDIR/bad-quote.csv"
refused 65 "bad-quote.csv line 3" sec member import "$TESTDIR/bad-quote.csv"
printf 'login,name,email,role\neve,Eve Early,eve@example.org,admin\n' >"$TESTDIR/bad-role.csv"
refused 65 "line 2: the role must be member or secretary" sec member import "$TESTDIR/bad-role.csv"
printf 'login,name\neve,Eve Early\n' >"$TESTDIR/no-email.csv"
refused 65 "email" sec member import "$TESTDIR/no-email.csv"
printf 'login,name,email\neve,Eve,eve@example.org\nann,Ann,ann@example.org\neve,Eve Again,eve@example.org\n' >"$TESTDIR/twice.csv"
refused 65 "line 4: 'eve' is listed again \(first on line 2\)" sec member import "$TESTDIR/twice.csv"
printf 'login,name,email\neve,Eve,eve@example.org\nbad login,X,x@example.org\n' >"$TESTDIR/bad-login.csv"
refused 65 "line 3: 'bad login' is not a valid login" sec member import "$TESTDIR/bad-login.csv"
printf 'login,name,email,role\nsec,Sam Secretary,sec@example.org,member\n' >"$TESTDIR/demote.csv"
refused 77 "line 2: nobody changes their own role" sec member import "$TESTDIR/demote.csv"
printf 'login,name,email,role,joined\nsec,Sam Secretary,sec@example.org,secretary,2016-01-01\n' >"$TESTDIR/own-joined.csv"
refused 77 "line 2: nobody changes their own join date" sec member import "$TESTDIR/own-joined.csv"
printf 'login,name,email,role\nsue,Sue Second,sue@example.org,secretary\n' >"$TESTDIR/sue.csv"
ok sec member import "$TESTDIR/sue.csv"
printf 'login,name,email,role\nsue,Sue Second,sue@example.org,member\n' >"$TESTDIR/demote-sue.csv"
refused 77 "line 2: 'sue' is a membership secretary: only the system administrator" sec member import "$TESTDIR/demote-sue.csv"
printf 'login,name,email\neve,Eve\xc2\x9b31m Early,eve@example.org\n' >"$TESTDIR/c1.csv"
refused 65 "c1.csv line 2, column name: U\\+009B is a control, bidi or invisible character" sec member import "$TESTDIR/c1.csv"
for mark in '\xe2\x80\x8f' '\xd8\x9c' '\xe2\x80\xa8' '\xe2\x80\x8b' '\xf3\xa0\x81\x81'; do
  printf "login,name,email\neve,Eve${mark}Early,eve@example.org\n" >"$TESTDIR/hidden.csv"
  refused 65 "hidden.csv line 2, column name: U\\+" sec member import "$TESTDIR/hidden.csv"
done

TEST "member import: unreadable file 66, a member 77"
refused 66 "no such file" sec member import "$TESTDIR/missing.csv"
refused 66 "not a regular file" sec member import "$TESTDIR"
refused 77 "only the membership secretary" ann member import "$TESTDIR/members.csv"

TEST "10,000 members import in one go"
/usr/bin/python3 - "$TESTDIR/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("login,name,email,role\r\n")
    for i in range(10000):
        f.write('m%05d,"Member %05d, Surveyor",m%05d@example.org,member\r\n' % (i, i, i))
PY
start=$EPOCHREALTIME
ok sec member import "$TESTDIR/big.csv"
echo "imports: 10,000 members imported in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s" >&2
expect_equal "$OUT" "10000 added, 0 updated, 0 unchanged."
expect_equal "$(sql "SELECT count(*) FROM member WHERE login LIKE 'm0%'")" "10000"
expect_equal "$(sql "SELECT name FROM member WHERE login = 'm09999'")" "Member 09999, Surveyor"
ok sec member import "$TESTDIR/big.csv"
expect_equal "$OUT" "0 added, 0 updated, 10000 unchanged."

TEST "a malformed last row of 10,000 changes nothing"
/usr/bin/python3 - "$TESTDIR/big-bad.csv" <<'PY'
import sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("login,name,email\n")
    for i in range(10000):
        f.write("n%05d,New %05d,n%05d@example.org\n" % (i, i, i))
    f.write("n10000,New,broken@\n")
PY
refused 65 "big-bad.csv line 10002" sec member import "$TESTDIR/big-bad.csv"

TEST "an attendance list approves one claim per member, with one mail each and the ledger"
printf 'Name,Login,Signed\nAnn Surveyor,ann,yes\n"Marine, Bob",bob,yes\nCid,cid,yes\n' >"$TESTDIR/day.csv"
ok cid claim iims-training-day --date 2017-03-14 # cid claimed it already
ok sec import attendance "$TESTDIR/day.csv" --activity iims-training-day --date 2017-03-14
expect_contains "$OUT" "2 claims of IIMS training day on 2017-03-14 approved, 5 points each:"
expect_contains "$OUT" "day.csv line 4: cid: already claimed (claim #1, pending)"
expect_equal "$(sql "SELECT m.login, c.status, c.points, d.login FROM claim c JOIN member m ON m.id = c.member_id JOIN member d ON d.id = c.decided_by ORDER BY c.id")" \
  "$(printf 'ann|approved|50|sec\nbob|approved|50|sec')"
expect_equal "$(sql "SELECT m.login, e.kind, e.points FROM entry e JOIN member m ON m.id = e.member_id ORDER BY e.id")" \
  "$(printf 'ann|award|50\nbob|award|50')"
# One mail each: no "received" for a claim the member did not make.
expect_equal "$($MAILBOX list "$TESTDIR/mail" | grep -c '^ann@')" "1"
expect_contains "$($MAILBOX list "$TESTDIR/mail")" "ann@example.org	CPD: 5 points added for IIMS training day on 14 March 2017"
expect_contains "$($MAILBOX list "$TESTDIR/mail")" "bob@new.example	CPD: 5 points added for IIMS training day on 14 March 2017"
recorded=$($MAILBOX show-to "$TESTDIR/mail" ann@ "5 points added" | tr '\n' ' ')
expect_contains "$recorded" "has recorded your attendance at IIMS training day on 14 March 2017: your CPD record for 2017 is credited with 5 points (claim #2)."
expect_contains "$recorded" "Your total for 2017 is now 5 points. You only require 5 more points by 31 December 2017 to make your quota of 10 points."
expect_not_contains "$recorded" "received"
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE cause LIKE 'claim:2:%' AND to_address LIKE 'sec%'")" "0"
ok ann balance --json
expect_equal "$(json 'd["total"]')" "5"

TEST "running the same list again skips everybody"
ok sec --json import attendance "$TESTDIR/day.csv" --activity iims-training-day --date 2017-03-14
expect_equal "$(json '[(s["login"], s["reason"]) for s in d["skipped"]]')" \
  "[('ann', 'already claimed (claim #2, approved)'), ('bob', 'already claimed (claim #3, approved)'), ('cid', 'already claimed (claim #1, pending)')]"
expect_equal "$(json 'd["approved"]')" "[]"

TEST "the secretary's own login is skipped: nobody decides their own claim"
printf 'login\nsec\ndee\ndee\n' >"$TESTDIR/own.csv"
ok sec import attendance "$TESTDIR/own.csv" --activity iims-webinar --date 2017-03-10
expect_contains "$OUT" "own.csv line 2: sec: your own attendance"
expect_contains "$OUT" "own.csv line 4: dee: listed again (first on own.csv line 3)"
expect_equal "$(sql "SELECT count(*) FROM claim c JOIN member m ON m.id = c.member_id WHERE m.login = 'sec'")" "0"
expect_equal "$(sql "SELECT count(*) FROM claim c JOIN member m ON m.id = c.member_id WHERE m.login = 'dee'")" "1"

TEST "unknown members are listed with their lines and nothing is recorded"
printf 'login,name\nann,Ann\nzed,Zed\nbob,Bob\nyan,Yan\n' >"$TESTDIR/unknown.csv"
refused 67 "2 unknown members.*nothing was recorded: 'zed' \(unknown.csv line 3\), 'yan' \(unknown.csv line 5\)" \
  sec import attendance "$TESTDIR/unknown.csv" --activity iims-webinar --date 2017-03-11

TEST "attendance: refusals change nothing"
refused 1 "in the future" sec import attendance "$TESTDIR/day.csv" --activity iims-webinar --date 2017-03-16
refused 1 "unknown activity" sec import attendance "$TESTDIR/day.csv" --activity no-such --date 2017-03-11
refused 65 "not a date" sec import attendance "$TESTDIR/day.csv" --activity iims-webinar --date 11/03/2017
refused 66 "no such file" sec import attendance "$TESTDIR/none.csv" --activity iims-webinar --date 2017-03-11
refused 77 "only the membership secretary" ann import attendance "$TESTDIR/day.csv" --activity iims-webinar --date 2017-03-11
printf 'name,email\nAnn,ann@example.org\n' >"$TESTDIR/nologin.csv"
refused 65 "no login column" sec import attendance "$TESTDIR/nologin.csv" --activity iims-webinar --date 2017-03-11
printf 'login,name\nann,Ann\nbob\n' >"$TESTDIR/short.csv"
refused 65 "short.csv line 3: 1 field where the header has 2" sec import attendance "$TESTDIR/short.csv" --activity iims-webinar --date 2017-03-11
printf 'login,name\nann,Ann\n,Nobody\n' >"$TESTDIR/blank.csv"
refused 65 "blank.csv line 3: no login" sec import attendance "$TESTDIR/blank.csv" --activity iims-webinar --date 2017-03-11

TEST "attendance --dry-run reports and changes nothing, unknown logins too"
before=$(db_snapshot)
ok sec import attendance "$TESTDIR/day.csv" --activity iims-webinar --date 2017-03-11 --dry-run
expect_contains "$OUT" "Dry run: 3 claims of IIMS webinar"
expect_equal "$(db_snapshot)" "$before" "a dry run changed the database"
ok sec import attendance "$TESTDIR/unknown.csv" --activity iims-webinar --date 2017-03-11 --dry-run
expect_contains "$OUT" "Dry run: 2 claims of IIMS webinar on 2017-03-11 would be approved"
expect_contains "$OUT" "unknown.csv line 3: zed: not a member"
expect_contains "$OUT" "unknown.csv line 5: yan: not a member"
expect_equal "$(db_snapshot)" "$before" "a dry run changed the database"
