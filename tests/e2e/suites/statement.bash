# Statements: what a member shows an employer or an inspector, in text and
# as a printable page, with a code anybody can check with cpd verify.
setup_scheme
export CPD_TODAY=2017-12-01
ok ann claim iims-training-day --date 2017-03-14
ok ann claim iims-conference --days 1.5 --date 2017-09-14 --note "Day one and the morning of day two"
ok ann claim iims-webinar --date 2017-10-02
ok sec approve 1 2 3
ok bob claim iims-webinar --date 2017-04-01
ok sec approve 4
ok ann claim iims-branch-meeting --date 2017-11-20
CPD_TODAY=2018-01-02 ok sec rollover
export CPD_TODAY=2018-01-10

TEST "a statement gives the organisation, member, year, figures, standing, activities, date and code"
ok ann statement
statement=$OUT
expect_contains "$statement" "CPD statement 2017"
expect_contains "$statement" "International Institute of Marine Surveying"
expect_contains "$statement" "Member:      Ann Surveyor (ann)"
expect_contains "$statement" "CPD year:    2017 (closed)"
expect_contains "$statement" "Quota:       10 points"
expect_contains "$statement" "Earned:      13.5 points"
expect_contains "$statement" "Carried in:  0 points"
expect_contains "$statement" "Total:       13.5 points"
expect_contains "$statement" "Standing:    compliant: the quota of 10 points was met"
expect_contains "$statement" "2017-03-14  IIMS training day"
grep -qE '^2017-09-14  IIMS conference \(per day attended\)  1\.5 days +7\.5$' <<<"$statement" \
  || fail "no line for the conference with its quantity and points"
expect_contains "$statement" "2017-10-02  IIMS webinar"
expect_not_contains "$statement" "branch meeting" # still pending: not approved
expect_contains "$statement" "Issued on 10 January 2018."
code=$(sed -n 's/^Verification code: //p' <<<"$statement")
[[ "$code" =~ ^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$ ]] || fail "not a code: $code"
expect_contains "$statement" "International Institute of Marine Surveying confirms this statement with: cpd verify $code"
ok ann statement --json
expect_equal "$(json '(d["code"], d["member"], d["year"], d["total"], d["carried_in"], d["standing"], d["issued"])')" \
  "('$code', 'ann', 2017, 13.5, 0, 'compliant', '2018-01-10')"
expect_equal "$(json '[(a["claim"], a["quantity"], a["unit"], a["points"]) for a in d["activities"]]')" \
  "[(1, None, 'claim', 5), (2, 1.5, 'day', 7.5), (3, None, 'claim', 1)]"

TEST "the same record issued again keeps its code; a secretary issues anybody's; a member only their own"
CPD_TODAY=2018-01-20 ok ann statement
expect_contains "$OUT" "Verification code: $code"
expect_contains "$OUT" "Issued on 10 January 2018."
ok sec statement bob --year 2017
expect_contains "$OUT" "Standing:    not compliant: 9 points short of the quota of 10 points"
refused 77 "secretary" bob statement ann
ok ann statement --year 2018
expect_contains "$OUT" "CPD year:    2018 (in progress)"
expect_contains "$OUT" "Carried in:  3 points"
expect_contains "$OUT" "the year is in progress: 7 points more needed by 31 December 2018"
expect_contains "$OUT" "Approved activities: none."
refused 1 "2019 has not begun" ann statement --year 2019
refused 67 "not a member" stranger statement

TEST "anybody verifies a genuine code, and reads what the statement said"
ok stranger verify "$code"
expect_contains "$OUT" "$code is the code of a CPD statement issued by International Institute of Marine Surveying on 10 January 2018."
expect_contains "$OUT" "Member:    Ann Surveyor (ann)"
expect_contains "$OUT" "CPD year:  2017"
expect_contains "$OUT" "Total:     13.5 points (quota 10 points; 3 approved activities)"
expect_contains "$OUT" "Standing:  compliant: the quota of 10 points was met"
# As people read it out: lower case, spaces, O for 0 and I or L for 1.
typed=$(tr 'A-Z-' 'a-z ' <<<"$code" | sed 's/0/o/g; s/1/l/g')
ok stranger verify "$typed"
expect_contains "$OUT" "$code is the code"
# Typed as the manual promises: any case, the groups as separate words,
# or run together without dashes.
read -r -a groups <<<"$(tr 'A-Z-' 'a-z ' <<<"$code")"
expect_equal "${#groups[@]}" "4"
ok stranger verify "${groups[@]}"
expect_contains "$OUT" "$code is the code"
ok stranger verify "${code//-/}"
expect_contains "$OUT" "$code is the code"
ok stranger verify "$(tr 'A-Z' 'a-z' <<<"$code")"
expect_contains "$OUT" "$code is the code"
ok stranger verify "${groups[0]}" "${groups[1]}-${groups[2]}" "${groups[3]}" --json
expect_equal "$(json 'd["code"]')" "$code"
ok stranger verify "$code" --json
expect_equal "$(json '(d["code"], d["member"], d["name"], d["year"], d["total"], d["standing"], d["current"], d["superseded_on"], d["record_changed"])')" \
  "('$code', 'ann', 'Ann Surveyor', 2017, 13.5, 'compliant', True, None, False)"

TEST "a forged code, one character changed, is refused; so is what is not a code"
last=${code: -1}
forged=${code:0:18}$([ "$last" = A ] && echo B || echo A)
refused 1 "no statement cpd issued has the code $forged: it is not genuine" stranger verify "$forged"
refused 65 "not a verification code" stranger verify "1234"
refused 65 "not a verification code" stranger verify "UUUU-UUUU-UUUU-UUUU"
refused 65 "not a verification code" stranger verify "${groups[@]}" "${groups[0]}"
refused 65 "not a verification code" stranger verify "${groups[0]}" "${groups[1]}"
refused 65 "'${groups[0]} ${groups[1]} ${groups[2]}' is not a verification code" stranger verify "${groups[0]}" "${groups[1]}" "${groups[2]}"
refused 1 "no statement cpd issued has the code $forged" stranger verify ${forged//-/ }

TEST "after a late change the statement is issued again with a new code; the old one is superseded"
CPD_TODAY=2018-01-25 ok sec revoke 2 --reason "Not an IIMS conference"
ok stranger verify "$code"
expect_contains "$OUT" "The member's record for 2017 has changed since"
CPD_TODAY=2018-02-03 ok ann statement --year 2017
new=$(sed -n 's/^Verification code: //p' <<<"$OUT")
[ -n "$new" ] && [ "$new" != "$code" ] || fail "the code did not change: $new"
expect_contains "$OUT" "Total:       6 points"
expect_contains "$OUT" "Standing:    not compliant: 4 points short of the quota of 10 points"
expect_contains "$OUT" "Issued on 3 February 2018."
run stranger verify "$code"
expect_equal "$STATUS" "1"
expect_contains "$OUT" "issued by International Institute of Marine Surveying on 10 January 2018, superseded on 3 February 2018."
expect_contains "$OUT" "Total:     13.5 points"
expect_equal "$ERR" "cpd: error: statement $code was superseded on 2018-02-03: the record changed after it was issued; ask the member for their current statement"
ok stranger verify "$new"
expect_contains "$OUT" "Total:     6 points"
run stranger verify "$code" --json
expect_equal "$(json '(d["current"], d["superseded_on"])')" "(False, '2018-02-03')"

TEST "an altered stored statement is caught by verify and by cpd check"
cp "$CPD_DB" "$TESTDIR/altered.db"
cp "$CPD_DB.key" "$TESTDIR/altered.db.key" # the key goes with a copy
sqlite3 "$TESTDIR/altered.db" "UPDATE statement SET content = replace(content, 'Ann Surveyor', 'Ann Forger')"
refused 65 "does not match its code" stranger --db "$TESTDIR/altered.db" verify "$new"
run sec --db "$TESTDIR/altered.db" check
expect_equal "$STATUS" "65"
expect_contains "$OUT" "does not match its verification code"

TEST "the HTML page is printable and escapes what members wrote"
ok sec member add eve --name "Eve <b>Bold</b> & \"Quoted\"" --email eve@example.org
ok sec statement eve --year 2018 --html
page=$OUT
expect_contains "$page" "<!DOCTYPE html>"
expect_contains "$page" "@media print"
expect_contains "$page" "Eve &lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Quoted&quot; (eve)"
expect_not_contains "$page" "<b>Bold"
ok ann statement --year 2017 --html
page=$OUT
expect_contains "$page" "<td>IIMS training day</td>"
expect_contains "$page" "Verification code: <span class=\"code\">$new</span>"
expect_contains "$page" "Issued on 3 February 2018."
# Well-formed: every element opened is closed, in order.
/usr/bin/python3 - "$page" <<'PY' || fail "the HTML page is not well-formed"
import html.parser, sys
void = {"meta", "br", "link"}
class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.open = []
    def handle_starttag(self, tag, attrs):
        if tag not in void:
            self.open.append(tag)
    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, tag
check = Check()
check.feed(sys.argv[1])
assert check.open == [], check.open
PY
