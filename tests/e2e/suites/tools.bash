# The secretary's everyday tools: member set and reactivate, staff accounts,
# lasting dispensations, adjustments, bulk approval that leaves flagged
# claims out, history with the note and the remark apart; and a cpd that is
# loud where it must be: typos, a full disk, a reader that goes away.
setup_scheme
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
body() {
  $MAILBOX show-to "$TESTDIR/mail" "$1" "$2" | tr '\n' ' ' | tr -s ' '
}

TEST "cpd init made the first secretary's address the secretary's, for replies too"
ok sec config get mail.secretary
expect_equal "$OUT" "sec@example.org"
ok ann claim iims-webinar --date 2017-03-01
expect_contains "$($MAILBOX show-to "$TESTDIR/mail" ann@ "received")" \
  'Reply-To: "Membership secretary, International Institute of Marine Surveying" <sec@example.org>'

TEST "member add --no-cpd, member set shows what changed"
ok sec member add cron --name "Scheduler" --email cpd@iims.example --secretary --no-cpd
ok sec member list --json
expect_equal "$(json '[(m["login"], m["role"], m["cpd_duty"]) for m in d]')" \
  "[('ann', 'member', True), ('bob', 'member', True), ('cron', 'secretary', False), ('sec', 'secretary', True)]"
ok sec member set bob --email bob@new.example --name "Bob Marine-Smith"
expect_equal "$OUT" "$(printf '%s\n' "Changed bob:" "  name      Bob Marine -> Bob Marine-Smith" "  email     bob@example.org -> bob@new.example")"
ok sec member set cron --cpd --json
expect_equal "$(json 'd["member"]["cpd_duty"], d["changed"]')" "(True, [{'field': 'cpd_duty', 'from': 'no', 'to': 'yes'}])"
ok sec member set cron --no-cpd
ok sec member set cron --no-cpd
expect_equal "$OUT" "Nothing changed: Scheduler (cron) is already like that."
refused 77 "nobody changes their own role" sec member set sec --role member
refused 77 "nobody changes their own CPD duty" sec member set sec --no-cpd
refused 77 "nobody changes their own join date" sec member set sec --joined 2016-01-01
refused 77 "'cron' is a membership secretary: only the system administrator" sec member set cron --role member
refused 64 "say what to change" sec member set ann
refused 64 "--cpd or --no-cpd, not both" sec member set ann --cpd --no-cpd
refused 64 "--role takes member or secretary" sec member set ann --role boss
refused 65 "not a valid email address" sec member set ann --email nowhere
refused 67 "no member with login 'zed'" sec member set zed --name Zed
refused 77 "only the membership secretary" ann member set bob --name Bob

TEST "a deactivated member's balance says so; member reactivate brings them back"
ok sec member deactivate bob
ok sec balance bob
expect_contains "$OUT" "Membership deactivated: no new claims, no reminders."
ok sec balance bob --json
expect_equal "$(json 'd["active"]')" "False"
refused 77 "deactivated" bob claim iims-webinar
refused 1 "'ann' is active already" sec member reactivate ann
ok sec member reactivate bob
expect_equal "$OUT" "Reactivated Bob Marine-Smith (bob): they can claim again."
ok bob claim iims-webinar --date 2017-03-02
ok sec balance bob
expect_not_contains "$OUT" "deactivated"

TEST "dispensations for years to come, with a reason, mailed; lifted in part"
refused 64 "needs a reason" sec exempt bob --from 2017
refused 64 "give the years" sec exempt bob --reason retired
refused 64 "--until goes with --from" sec exempt bob --year 2017 --until 2018 --reason retired
refused 1 "the scheme started in 2017" sec exempt bob --from 2016 --reason retired
refused 1 "2030 is more than 5 years ahead" sec exempt bob --from 2017 --until 2030 --reason retired
refused 1 "no CPD duty" sec exempt cron --year 2017 --reason staff
refused 77 "nobody grants themself" sec exempt sec --year 2017 --reason busy
ok sec exempt bob --from 2017 --reason "Retired in February" --json
expect_equal "$(json 'd["member"], d["from"], d["until"], d["lifted"], d["reason"]')" "('bob', 2017, None, False, 'Retired in February')"
expect_contains "$(body bob@ "exempt from the quota")" "from 2017 on, until it is lifted, for this reason: Retired in February"
refused 1 "already exempt from 2017 on" sec exempt bob --year 2019 --reason again
CPD_TODAY=2019-06-01 ok sec balance bob --json
expect_equal "$(json 'd["exempt"]')" "True"
ok sec exempt bob --from 2018 --lift
expect_equal "$OUT" "bob is no longer exempt from 2018 on; they have been told by mail."
expect_contains "$(body bob@ "no longer exempt from 2018")" "has lifted your dispensation from the CPD quota from 2018 on."
CPD_TODAY=2018-06-01 ok sec balance bob --json
expect_equal "$(json 'd["exempt"]')" "False"
ok sec balance bob --json
expect_equal "$(json 'd["exempt"]')" "True"
ok sec exempt ann --year 2017 --reason "Long illness"
ok sec exempt ann --year 2017 --lift --json
expect_equal "$(json 'd["lifted"]')" "True"
refused 1 "not exempt for 2017" sec exempt ann --year 2017 --lift
expect_equal "$(sql "SELECT count(*) FROM exemption WHERE lifted_at IS NOT NULL")" "2" "lifted ones stay on record"

TEST "an adjustment: signed, with a reason, mailed, in the history"
ok sec adjust ann 2.5 --year 2017 --reason "Course certificate found" --json
expect_equal "$(json 'd["member"], d["year"], d["points"], d["total"], d["carries"]')" "('ann', 2017, 2.5, 2.5, [])"
ok sec adjust ann -1 --year 2017 --reason "Counted twice"
expect_equal "$OUT" "Adjusted ann's 2017 by -1 point: the total is now 1.5 points."
expect_contains "$(body ann@ "adjusted by -1 point")" "Counted twice"
expect_contains "$(body ann@ "adjusted by -1 point")" "Your total for 2017 is now 1.5 points. You only require 8.5 more points by 31 December 2017 to make your quota of 10 points."
ok ann history --ledger --json
expect_equal "$(json '[(e["kind"], e["points"], e["reason"]) for e in d]')" \
  "[('adjustment', 2.5, 'Course certificate found'), ('adjustment', -1, 'Counted twice')]"
refused 1 "cannot take the total below 0" sec adjust ann -5 --year 2017 --reason oops
refused 64 "changes nothing" sec adjust ann 0 --year 2017 --reason oops
refused 64 "reason" sec adjust ann 1 --year 2017
refused 65 "not a number of points" sec adjust ann 1.25 --year 2017 --reason oops
refused 1 "2018 is not a CPD year that can be adjusted" sec adjust ann 1 --year 2018 --reason early
refused 77 "nobody adjusts their own record" sec adjust sec 1 --year 2017 --reason mine
refused 77 "only the membership secretary" ann adjust bob 1 --year 2017 --reason friend
ok sec check

TEST "bulk approval leaves flagged claims out unless asked; the table shows flags and notes"
printf '%%PDF-1.4 certificate\n' >"$TESTDIR/cert.pdf"
ok ann claim iims-half-day --date 2017-03-03 --attach "$TESTDIR/cert.pdf" --note "Survey seminar"
first=$(sql "SELECT max(id) FROM claim")
ok bob claim iims-half-day --date 2017-03-03 --attach "$TESTDIR/cert.pdf"
same_file=$(sql "SELECT max(id) FROM claim")
ok ann claim iims-branch-meeting --date 2017-03-04
ok ann claim iims-branch-meeting --date 2017-03-04 --force --note "Two talks that evening"
forced=$(sql "SELECT max(id) FROM claim")
ok sec pending
expect_contains "$OUT" "same file as #$first"
expect_contains "$OUT" "also claimed as #$((forced - 1))"
run sec approve --activity iims-half-day --yes
expect_equal "$STATUS" 0
expect_contains "$ERR" "claim #$first left out (same file as #$same_file)"
expect_contains "$ERR" "add --include-flagged"
expect_equal "$(sql "SELECT status FROM claim WHERE id IN ($first, $same_file)" | sort -u)" "pending"
run sec approve --activity iims-branch-meeting --yes
expect_equal "$(sql "SELECT group_concat(status) FROM claim WHERE activity_id = (SELECT id FROM activity WHERE code = 'iims-branch-meeting') ORDER BY id")" "pending,pending"
# On a terminal, with --include-flagged: the flags and notes are in the table asked about.
OUT=$(CPD_USER=sec /usr/bin/python3 - "$CPD" approve --activity iims-half-day --include-flagged <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
os.write(fd, b"n\n")
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
PY
)
expect_contains "$OUT" "FLAGS"
expect_contains "$OUT" "same file as #$same_file"
expect_contains "$OUT" "Survey seminar"
expect_contains "$OUT" "Approve these 2 claims? [y/N]"
ok sec approve --activity iims-half-day --include-flagged --yes
expect_equal "$(sql "SELECT status FROM claim WHERE id IN ($first, $same_file)" | sort -u)" "approved"

TEST "history keeps the member's note and the secretary's remark apart"
ok sec approve "$forced" --note "Both talks checked with the branch"
ok ann history
expect_contains "$(head -3 <<<"$OUT" | tail -1)" "NOTE"
expect_contains "$(head -3 <<<"$OUT" | tail -1)" "SECRETARY'S REMARK"
expect_contains "$(grep "^ *$forced " <<<"$OUT")" "Two talks that evening  Both talks checked with the branch"
ok ann history --json
expect_equal "$(json '[(c["note"], c["reason"]) for c in d if c["id"] in ('"$forced"', '"$((forced - 1))"')]')" \
  "[(None, None), ('Two talks that evening', 'Both talks checked with the branch')]"

TEST "--json on the secretary's commands that print"
ok sec activity add iims-quiz --title "IIMS CPD quiz" --points 0.5 --per item --max 2 --json
expect_equal "$(json 'd["code"], d["per"], d["points"], d["max_points"]')" "('iims-quiz', 'item', 0.5, 2)"
ok sec activity set iims-quiz --points 1 --json
expect_equal "$(json 'd["points"]')" "1"
ok ann claim iims-quiz --items 3 --date 2017-03-05
expect_contains "$OUT" "2 points for IIMS CPD quiz on 2017-03-05 (3 items × 1 point an item = 3 points, capped at 2 per claim)"
ok sec activity retire iims-quiz --json
expect_equal "$(json 'd["retired"]')" "True"

TEST "a mistyped command gets the nearest one, and errors point to the command's help"
refused 64 "unknown command 'balnce' \(did you mean 'balance'\?\); see cpd --help" ann balnce
refused 64 "unknown command 'member ad' \(did you mean 'member add'\?\); see cpd member --help" sec member ad zoe
refused 64 "unknown command 'frobnicate'; see cpd --help$" ann frobnicate
refused 64 "see cpd claim --help" ann claim iims-webinar --bogus

TEST "a failed write to standard output exits 74; a reader that goes away loses no mail"
if [ -e /dev/full ]; then
  CPD_USER=ann "$CPD" activities >/dev/full 2>"$TESTDIR/full.err"
  expect_equal "$?" "74"
  expect_contains "$(cat "$TESTDIR/full.err")" "cpd: error: cannot write to standard output"
fi
before=$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")
CPD_USER=ann /usr/bin/python3 - "$CPD" >"$TESTDIR/pipe.txt" <<'PY'
import os, subprocess, sys
read_end, write_end = os.pipe()
os.close(read_end)  # the reader is gone before cpd writes
status = subprocess.run([sys.argv[1], "claim", "iims-webinar", "--date", "2017-03-06"],
                        stdout=write_end, stderr=subprocess.PIPE).returncode
print(status)
PY
expect_equal "$(cat "$TESTDIR/pipe.txt")" "0"
expect_equal "$(sql "SELECT count(*) FROM claim WHERE activity_date = '2017-03-06'")" "1"
expect_equal "$(($(sql "SELECT count(*) FROM outbox WHERE state = 'sent'") - before))" "2" "its mail went out"
CPD_USER=ann "$CPD" claim iims-webinar --date 2017-03-07 >&- 2>&-
expect_equal "$?" "0" "closed stdout and stderr"
expect_equal "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" "0"
