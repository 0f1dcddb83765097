# Random audits: a draw of 200 members that anybody can repeat from its
# record (the seed cpd drew and the eligible members), the mails
# to the members drawn, evidence added to approved claims, reminders on
# their days, outcomes, and members who gave no response drawn again.
setup_scheme
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
box=$TESTDIR/mail

# 198 more members: with ann and bob, 200 who attend two IIMS training days
# in 2017 (the quota); sec does not.
{
  echo "login,name,email"
  for i in $(seq -f '%03g' 1 198); do echo "m$i,Member $i,m$i@example.org"; done
} >"$TESTDIR/members.csv"
ok sec member import "$TESTDIR/members.csv"
{
  echo "login"
  echo ann
  echo bob
  for i in $(seq -f '%03g' 1 198); do echo "m$i"; done
} >"$TESTDIR/attendance.csv"
ok sec import attendance "$TESTDIR/attendance.csv" --activity iims-training-day --date 2017-03-01
ok sec import attendance "$TESTDIR/attendance.csv" --activity iims-training-day --date 2017-03-02
CPD_TODAY=2018-01-02 ok sec rollover
export CPD_TODAY=2018-02-01

# drawn FILE: the logins a draw's JSON holds, one line.
drawn() {
  /usr/bin/python3 -c 'import json,sys; print(" ".join(m["member"] for m in json.load(open(sys.argv[1]))["members"]))' "$1"
}

TEST "a year still open cannot be audited; members may not draw"
refused 1 "2018 is not closed" sec audit draw --year 2018
refused 77 "only the membership secretary" ann audit draw --year 2017
refused 65 "not a percentage" sec audit draw --year 2017 --percent 0
refused 64 "--seed is not taken: the seed is drawn from the system's random source" sec audit draw --year 2017 --seed 4
refused 1 "no audit of 2017 has been drawn" ann audit check-draw --year 2017

TEST "5% of 200 members: 10 drawn with a seed nobody chose, and anybody repeats the draw"
ok sec backup "$TESTDIR/before-draw.db"
for copy in again other-seed; do
  cp "$TESTDIR/before-draw.db" "$TESTDIR/$copy.db"
  ok sec --db "$TESTDIR/$copy.db" config set mail.url "maildir:$TESTDIR/mail-$copy"
done
ok sec audit draw --year 2017 --json
printf '%s' "$OUT" >"$TESTDIR/draw.json"
expect_equal "$(json 'len(d["members"])')" "10"
expect_equal "$(json '(d["year"], d["eligible"], d["percent"])')" "(2017, 200, 5)"
seed=$(json 'd["seed"]')
expect_equal "$(json 'sorted(set(m["deadline"] for m in d["members"]))')" "['2018-04-02']"
expect_equal "$(json 'sorted(set(m["status"] for m in d["members"]))')" "['waiting']"
expect_equal "$(json 'all(len(m["claims"]) == 2 for m in d["members"])')" "True"
# The same draw on a copy of the same data takes another seed.
ok sec --db "$TESTDIR/again.db" audit draw --year 2017 --json
[ "$(json 'd["seed"]')" != "$seed" ] || fail "two draws took the same seed"
ok ann audit check-draw --year 2017
expect_equal "$OUT" "Draw #1 of 2017 (5%, seed $seed): the seed draws the same 10 of 200 eligible members; it matches the record."
ok sec audit check-draw --year 2017 --json
expect_equal "$(json '(d[0]["matches"], len(d[0]["pool"]), sorted(d[0]["drawn"]) == sorted(d[0]["expected"]))')" "(True, 200, True)"
printf '%s' "$OUT" >"$TESTDIR/check.json"
# The documented algorithm, written again here from the manual: xoshiro256**
# seeded through splitmix64, numbers below a bound by rejection, a partial
# Fisher-Yates shuffle of the pool in its recorded order.
/usr/bin/python3 - "$TESTDIR/check.json" "$TESTDIR/draw.json" <<'PY' || fail "the draw does not repeat by the manual's algorithm"
import json, sys
check = json.load(open(sys.argv[1]))[0]
drawn = sorted(m["member"] for m in json.load(open(sys.argv[2]))["members"])
M = (1 << 64) - 1
def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)
rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
state, s = int(check["seed"]), []
for _ in range(4):
    state, out = splitmix(state)
    s.append(out)
def nxt():
    result = (rotl((s[1] * 5) & M, 7) * 9) & M
    t = (s[1] << 17) & M
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
    return result
def below(bound):
    threshold = (1 << 64) % bound
    while True:
        r = nxt()
        if r >= threshold:
            return r % bound
pool = list(check["pool"])
count = max(1, -(-len(pool) * int(check["percent"] * 10) // 1000))
for i in range(count):
    j = i + below(len(pool) - i)
    pool[i], pool[j] = pool[j], pool[i]
assert sorted(pool[:count]) == drawn, (sorted(pool[:count]), drawn)
PY
# A record changed afterwards no longer repeats.
cp "$TESTDIR/again.db" "$TESTDIR/tampered.db"
sqlite3 "$TESTDIR/tampered.db" "UPDATE audit_draw SET seed = '12345'"
run sec --db "$TESTDIR/tampered.db" audit check-draw --year 2017
expect_equal "$STATUS" 1
expect_contains "$OUT" "the seed does NOT draw the 10 members recorded from the 200 eligible."
read -ra members <<<"$(drawn "$TESTDIR/draw.json")"
first=${members[0]}
second=${members[1]}
# Whoever the draw took first, by the name mail gives them ("Member 042",
# or "Ann Surveyor" when it took ann).
first_name=$(sql "SELECT name FROM member WHERE login = '$first'")
third=${members[2]}

TEST "the draw is listed with its seed, and a second draw needs --add"
ok sec audit
expect_contains "$OUT" "Audit of 2017, drawn on 2018-02-01 by sec: 10 of 200 eligible members (5%, seed $seed)"
expect_contains "$OUT" "10 members: 10 waiting, 0 responded, 0 passed, 0 failed, 0 no response."
refused 1 "drawn on 2018-02-01 already.*--add" sec audit draw --year 2017
ok sec --db "$TESTDIR/again.db" audit draw --year 2017 --add --percent 1
expect_contains "$OUT" "Drew 2 of 190 eligible members for the audit of 2017 (1%, seed "
expect_contains "$OUT" "Anybody can re-check the draw: cpd audit check-draw --year 2017."
ok sec --db "$TESTDIR/again.db" audit check-draw --year 2017
expect_equal "$(grep -c "it matches the record" <<<"$OUT")" "2"

TEST "each member drawn is mailed the year, the claims without evidence, the deadline and how to answer"
expect_equal "$($MAILBOX list "$box" | grep -c 'CPD audit of your 2017 record: evidence due by 2 April 2018')" "10"
$MAILBOX show-to "$box" "$first@" "CPD audit" >"$TESTDIR/request.txt"
request=$(cat "$TESTDIR/request.txt")
expect_contains "$request" "Your CPD record for 2017 has been"
expect_contains "$request" "These 2 approved claims of yours for 2017 have no evidence attached:"
expect_contains "$request" "IIMS training day, 1 March 2017: 5 points"
expect_contains "$request" "IIMS training day, 2 March 2017: 5 points"
expect_contains "$request" "Please answer by 2 April 2018 (60 days from today)"
expect_contains "$request" "cpd attach ID FILE..."
expect_contains "$request" "cpd audit respond --note"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/request.txt")" "you will be drawn again for the audit of 2018."
expect_not_contains "$request" "gave no response"
expect_equal "$($MAILBOX check "$box")" "$(ls "$box/new" | wc -l)"

TEST "a member drawn sees their audit and what it asks for"
ok "$first" audit
# The count is the draw's, not the one line a member is shown.
expect_contains "$OUT" "Audit of 2017, drawn on 2018-02-01 by sec: 10 of 200 eligible members (5%, seed $seed)"
expect_contains "$OUT" "waiting"
expect_contains "$OUT" "no file yet"
expect_contains "$OUT" "Answer by 2 April 2018"
expect_not_contains "$OUT" "$second"
ok ann --json audit --year 2016
expect_equal "$OUT" "[]"

printf '%%PDF-1.4 certificate, 1 March\n' >"$TESTDIR/cert.pdf"
: >"$TESTDIR/empty.pdf"
claim_of() { # claim_of LOGIN DATE: the id of that member's claim of that day
  sql "SELECT c.id FROM claim c JOIN member m ON m.id = c.member_id WHERE m.login = '$1' AND c.activity_date = '$2'"
}

TEST "evidence is added to approved claims under audit, and only then"
c1=$(claim_of "$first" 2017-03-01)
CPD_TODAY=2018-02-10 ok "$first" attach "$c1" "$TESTDIR/cert.pdf"
expect_contains "$OUT" "Attached cert.pdf ($(stat -c %s "$TESTDIR/cert.pdf") bytes) to claim #$c1 for the audit of 2017; it now has 1 file."
expect_equal "$(sql "SELECT sha256 FROM attachment WHERE claim_id = $c1")" "$(sha256sum "$TESTDIR/cert.pdf" | cut -d' ' -f1)"
$MAILBOX show "$box" "CPD claim #$c1: $first_name" >"$TESTDIR/evidence.txt"
expect_contains "$(cat "$TESTDIR/evidence.txt")" "has added 1 file to claim #$c1 (approved)"
expect_contains "$(cat "$TESTDIR/evidence.txt")" "under audit for 2017"
expect_contains "$(cat "$TESTDIR/evidence.txt")" "cpd audit pass $first --year 2017"
expect_equal "$($MAILBOX attachments "$box" "CPD claim #$c1: $first_name" | cut -f1,4)" \
  "$(printf 'cert.pdf\t%s' "$(sha256sum "$TESTDIR/cert.pdf" | cut -d' ' -f1)")"
refused 1 "same file as cert.pdf, already attached to claim #$c1" "$first" attach "$c1" "$TESTDIR/cert.pdf"
refused 65 "empty.pdf is empty" "$first" attach "$(claim_of "$first" 2017-03-02)" "$TESTDIR/empty.pdf"
notdrawn=$(sql "SELECT login FROM member WHERE login LIKE 'm%' AND id NOT IN (SELECT member_id FROM audit) ORDER BY login LIMIT 1")
refused 1 "approved; evidence can be added to a pending claim, or to an approved one while its year is under audit" \
  "$notdrawn" attach "$(claim_of "$notdrawn" 2017-03-01)" "$TESTDIR/cert.pdf"
refused 77 "not yours" "$second" attach "$c1" "$TESTDIR/cert.pdf"
ok "$first" --json attachment list "$c1"
expect_equal "$(json 'len(d)')" "1"

TEST "reminders go out on the set days before the deadline, once"
CPD_TODAY=2018-03-11 ok sec remind --json
expect_equal "$(json '[m for m in d if m["reminder"] == "audit"]')" "[]"
CPD_TODAY=2018-03-12 ok sec remind --dry-run
expect_contains "$OUT" "10 members would be reminded of their audit."
CPD_TODAY=2018-03-12 ok sec remind
expect_contains "$OUT" "Reminded 10 members of their audit."
CPD_TODAY=2018-03-12 ok sec remind
expect_not_contains "$OUT" "of their audit"
expect_equal "$($MAILBOX list "$box" | grep -c 'your answer is due in 21 days')" "10"
$MAILBOX show-to "$box" "$first@" "due in 21 days" >"$TESTDIR/reminder.txt"
reminder=$(tr '\n' ' ' <"$TESTDIR/reminder.txt")
expect_contains "$reminder" "Your CPD record for 2017 was drawn for an audit"
expect_contains "$reminder" "It is due by 2 April 2018, in 21 days."
expect_contains "$reminder" "This claim still has no evidence:"
expect_contains "$reminder" "2 March 2017: 5 points"
expect_not_contains "$reminder" "1 March 2017"
$MAILBOX show-to "$box" "$second@" "due in 21 days" >"$TESTDIR/reminder2.txt"
expect_contains "$(cat "$TESTDIR/reminder2.txt")" "These 2 claims still have no evidence:"

TEST "a member answers; the secretary is mailed how the claims stand"
CPD_TODAY=2018-03-20 ok "$first" audit respond --note "The certificate of 1 March; the 2nd was the same course"
expect_contains "$OUT" "Your answer to the audit of 2017 has gone to the membership secretary; 1 claim still has no evidence."
$MAILBOX show "$box" "has answered" >"$TESTDIR/answered.txt"
answered=$(cat "$TESTDIR/answered.txt")
expect_contains "$answered" "Subject: CPD audit of 2017: $first_name has answered"
expect_contains "$answered" "The certificate of 1 March; the 2nd was the same course"
expect_contains "$answered" "1 March 2017: 5 points, 1 file"
expect_contains "$answered" "2 March 2017: 5 points, still no file"
refused 1 "responded already" "$first" audit respond --year 2017
refused 1 "no audit waiting" "$notdrawn" audit respond

TEST "seven days before the deadline, those who have not answered are reminded again"
CPD_TODAY=2018-03-26 ok sec remind
expect_contains "$OUT" "Reminded 9 members of their audit."
expect_equal "$($MAILBOX list "$box" | grep -c 'your answer is due in 7 days')" "9"
$MAILBOX show-to "$box" "$second@" "due in 7 days" >"$TESTDIR/reminder7.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/reminder7.txt")" "It is due by 2 April 2018, in 7 days."

TEST "outcomes are recorded and mailed; a fail can revoke claims"
refused 77 "only the membership secretary" ann audit pass "$first" --year 2017
refused 64 "reason" sec audit fail "$second" --year 2017
refused 1 "not one of $second's claims for 2017" sec audit fail "$second" --year 2017 --reason "x" --revoke "$c1"
CPD_TODAY=2018-03-28 ok sec audit pass "$first" --year 2017 --reason "The course organiser confirmed the 2nd day"
expect_equal "$OUT" "$first passed the audit of 2017; $first has been mailed."
$MAILBOX show-to "$box" "$first@" "passed" >"$TESTDIR/passed.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/passed.txt")" "The audit of your CPD record for 2017 is complete, and you have passed it"
expect_contains "$(cat "$TESTDIR/passed.txt")" "The course organiser confirmed the 2nd day"
c2=$(claim_of "$second" 2017-03-02)
CPD_TODAY=2018-03-28 ok sec audit fail "$second" --year 2017 --reason "No evidence of the 2 March course" --revoke "$c2"
expect_equal "$OUT" "$second failed the audit of 2017, and claim #$c2 was revoked; $second has been mailed."
$MAILBOX show-to "$box" "$second@" "not passed" >"$TESTDIR/failed.txt"
failed=$(cat "$TESTDIR/failed.txt")
expect_contains "$failed" "you have not
passed it, for this reason:

  No evidence of the 2 March course"
expect_contains "$failed" "This claim was revoked:

  #$c2  IIMS training day, 2 March 2017: 5 points"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/failed.txt")" "now stands at 5 of 10 points. Nothing is carried forward into 2018."
expect_equal "$($MAILBOX list "$box" | grep -c "CPD claim #$c2 revoked")" "0"
ok sec history "$second" --json
expect_equal "$(json "[c['status'] for c in d if c['id'] == $c2]")" "['revoked']"
refused 1 "decided already" sec audit pass "$second" --year 2017
ok sec check

TEST "the report shows each member's audit"
CPD_TODAY=2018-04-03 ok sec report --year 2017
expect_contains "$OUT" "AUDIT"
expect_contains "$OUT" "Audit: 10 drawn; 0 waiting, 0 responded, 1 passed, 1 failed, 8 no response."
CPD_TODAY=2018-04-03 ok sec report --year 2017 --json
expect_equal "$(json "sorted(str(m['audit']) for m in d['members'] if m['member'] in ('$first', '$second', '$third', '$notdrawn'))")" \
  "['None', 'failed', 'no_response', 'passed']"
CPD_TODAY=2018-04-03 ok sec report --year 2017 --csv
expect_contains "$(head -1 <<<"$OUT")" ",status,audit"
ok sec report --year 2016
expect_not_contains "$OUT" "AUDIT"

TEST "members who gave no response are drawn again the next year, and told why"
CPD_TODAY=2018-04-03 ok sec audit --json
expect_equal "$(json "[m['status'] for m in d[0]['members'] if m['member'] == '$third']")" "['no_response']"
# 2018: everybody attends two days of the conference; the year is closed
# and audited.
CPD_TODAY=2018-05-03 ok sec import attendance "$TESTDIR/attendance.csv" --activity iims-conference --days 2 --date 2018-05-01
CPD_TODAY=2019-01-02 ok sec rollover
CPD_TODAY=2019-02-01 ok sec audit draw --year 2018 --json
printf '%s' "$OUT" >"$TESTDIR/draw2018.json"
silent=$(/usr/bin/python3 -c 'import json,sys; print(sorted(m["member"] for m in json.load(open(sys.argv[1]))["members"] if m["member"] not in sys.argv[2:]))' \
  "$TESTDIR/draw.json" "$first" "$second")
expect_equal "$(json 'sorted(m["member"] for m in d["members"] if m["redrawn_after"] == 2017)')" "$silent"
expect_equal "$(json 'len([m for m in d["members"] if m["redrawn_after"] is None])')" "10"
expect_equal "$(json 'd["eligible"]')" "192"
$MAILBOX show-to "$box" "$third@" "CPD audit of your 2018 record" >"$TESTDIR/again.txt"
again=$(tr '\n' ' ' <"$TESTDIR/again.txt")
expect_contains "$again" "You gave no response to the audit of your CPD record for 2017, so you have been drawn again this year."
expect_contains "$again" "evidence due by 2 April 2019"
expect_contains "$again" "This approved claim of yours for 2018 has no evidence attached:"
expect_contains "$again" "IIMS conference (per day attended), 1 May 2018: 10 points"
expect_contains "$again" "you will be drawn again for the audit of 2019."
CPD_TODAY=2019-02-01 ok sec audit --year 2018
# Those drawn again are counted apart from the sample.
redrawn=$(/usr/bin/python3 -c 'import json,sys; print(sum(m["redrawn_after"] == 2017 for m in json.load(open(sys.argv[1]))["members"]))' "$TESTDIR/draw2018.json")
[ "$redrawn" -ge 2 ] || fail "only $redrawn drawn again"
expect_contains "$OUT" "10 of 192 eligible members, and $redrawn members again who gave no response before (5%, seed "
expect_contains "$OUT" "$((redrawn + 10)) members: "
expect_contains "$OUT" "drawn again: no response for 2017"
expect_equal "$($MAILBOX check "$box")" "$(ls "$box/new" | wc -l)"
