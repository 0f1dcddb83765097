# A whole CPD year as the timers play it: rollover, remind and mail send
# on the 1st of every month of 2017, into 2018 (a December claim made on 10
# January, a claim after the grace period). Every mail of the year is read
# back: who was reminded when, the right countdown, no deadline that has
# passed, numbers that agree with their nouns, replies to the secretary.
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
BOX=$TESTDIR/mail

setup_scheme --no-cpd
# sec is a membership secretary who is no surveyor: no CPD duty.
ok sec member add cat --name "Cat Harbour" --email cat@example.org
ok sec member add dan --name "Dan Deck" --email dan@example.org
ok sec member add cron --name "CPD scheduler" --email cpd@iims.example --secretary --no-cpd
expect_equal "$OUT" "Added CPD scheduler (cron) as a membership secretary without a CPD duty."

# Which CPD day each delivered mail was sent on: the Date header is the
# clock's, not CPD_TODAY's.
touch "$TESTDIR/days"
note_mail() {
  local file
  mkdir -p "$BOX/new"
  for file in $(ls "$BOX/new" | sort); do
    grep -q "^$file " "$TESTDIR/days" || echo "$file $CPD_TODAY" >>"$TESTDIR/days"
  done
}
# timers DAY: what the scheduler runs that day, as the system would.
timers() {
  export CPD_TODAY=$1
  ok cron rollover
  ok cron remind
  ok cron mail send
  note_mail
}
# as USER ARGS...: a person's command that day, its mail noted.
as() {
  ok "$@"
  note_mail
}
# The subjects mailed to ADDRESS, with the day: "2017-04-01 Your CPD for ...".
mailed_to() {
  /usr/bin/python3 - "$BOX" "$TESTDIR/days" "$1" <<'PY'
import email, email.policy, sys
box, days, address = sys.argv[1:]
for line in open(days):
    name, day = line.split()
    with open("%s/new/%s" % (box, name), "rb") as f:
        mail = email.message_from_binary_file(f, policy=email.policy.default)
    if address in str(mail["To"]):
        print(day, mail["Subject"])
PY
}
# The body of the mail to ADDRESS whose subject holds TEXT, one line.
body() {
  $MAILBOX show-to "$BOX" "$1" "$2" | tr '\n' ' ' | tr -s ' '
}

TEST "January to March: nobody is reminded before 60 days of the year have passed"
timers 2017-01-01
expect_equal "$OUT" ""
timers 2017-02-01
CPD_TODAY=2017-02-01 as sec exempt dan --from 2017 --reason "Retired in January"
expect_equal "$OUT" "dan is exempt from the quota from 2017 on; they have been told by mail."
expect_contains "$(body dan@ "exempt from the quota")" "has exempted you from the CPD quota from 2017 on, until it is lifted, for this reason: Retired in January"
timers 2017-03-01
CPD_TODAY=2017-03-01 ok cron remind --dry-run
expect_equal "$OUT" "Nobody is due a reminder: reminders of the quota start on 2 March 2017 (remind.after_days)."
CPD_TODAY=2017-03-10 as cat claim iims-webinar --date 2017-03-09
CPD_TODAY=2017-03-11 as sec decline "$(sql "SELECT max(id) FROM claim")" --reason "Not an IIMS webinar; claim it as external-webinar"
CPD_TODAY=2017-03-20 as ann claim iims-webinar --date 2017-03-20
CPD_TODAY=2017-03-21 as sec approve "$(sql "SELECT max(id) FROM claim")"
expect_contains "$(body ann@ "approved: 1 point added")" "Your total for 2017 is now 1 point. You only require 9 more points by 31 December 2017 to make your quota of 10 points."

TEST "April to December: the non-claimer and the declined-only member, once a month"
for month in 04 05 06 07 08 09 10 11 12; do
  timers "2017-$month-01"
  case $month in
    05) CPD_TODAY=2017-05-02 as ann claim iims-conference --days 1 --date 2017-04-28
        CPD_TODAY=2017-05-03 as sec approve "$(sql "SELECT max(id) FROM claim")"
        expect_contains "$(body ann@ "approved: 5 points added")" "You only require 4 more points by 31 December 2017" ;;
    09) CPD_TODAY=2017-09-05 as ann claim iims-branch-meeting --date 2017-09-04
        CPD_TODAY=2017-09-06 as sec approve "$(sql "SELECT max(id) FROM claim")" ;;
    10) CPD_TODAY=2017-10-09 as ann claim private-study --hours 4 --date 2017-10-08
        CPD_TODAY=2017-10-10 as sec approve "$(sql "SELECT max(id) FROM claim")"
        expect_contains "$(body ann@ "approved: 2 points added")" "Your total for 2017 is now 9 points. You only require 1 more point by 31 December 2017" ;;
  esac
done
# A daily run in the middle of a month sends nothing new.
CPD_TODAY=2017-04-15 ok cron remind
expect_equal "$OUT" "Nobody is due a reminder."
reminders() { mailed_to "$1" | grep "Your CPD for 2017" | cut -c1-10 | tr '\n' ' '; }
months="2017-04-01 2017-05-01 2017-06-01 2017-07-01 2017-08-01 2017-09-01 2017-10-01 2017-11-01 2017-12-01 "
expect_equal "$(reminders bob@)" "$months" "bob, who never claims"
expect_equal "$(reminders cat@)" "$months" "cat, whose only claim was declined"
expect_equal "$(reminders ann@)" "" "ann claims"
expect_equal "$(reminders dan@)" "" "dan is exempt"
expect_equal "$(reminders sec@)" "" "sec has no CPD duty"
expect_equal "$(reminders cpd@iims)" "" "the scheduler has no CPD duty"
expect_contains "$(body bob@ "Your CPD for 2017: 0 of 10 points so far")" "your duty as a member to acquire 10 CPD points by 31 December 2017. So far you have 0 points for 2017: you require 10 more points."

TEST "year end: statements to members with a duty, claims still waiting named"
CPD_TODAY=2017-12-28 as cat claim iims-training-day --date 2017-12-27
cat_waiting=$(sql "SELECT max(id) FROM claim")
timers 2018-01-01
expect_equal "$(reminders bob@ | wc -w)" "9" "nobody is reminded on 1 January"
expect_equal "$(mailed_to ann@ | grep -c "statement for 2017")" "1"
expect_contains "$(mailed_to ann@)" "2018-01-01 Your CPD statement for 2017: 1 point short"
expect_contains "$(mailed_to dan@)" "2018-01-01 Your CPD statement for 2017"
expect_equal "$(mailed_to sec@ | grep -c "Your CPD statement")" "0" "no statement without a CPD duty"
expect_equal "$(mailed_to cpd@iims | wc -l)" "0" "nothing at all to the scheduler"
statement=$(body cat@ "Your CPD statement for 2017")
expect_contains "$statement" "This claim of yours for 2017 is still waiting for a decision: #$cat_waiting IIMS training day, 27 December 2017: 5 points"
summary=$(body sec@ "CPD year 2017 closed")
expect_contains "$summary" "CPD year 2017 closed: 0 compliant, 3 short, 1 exempt"
expect_contains "$summary" "#$cat_waiting Cat Harbour (cat): IIMS training day, 27 December 2017: 5 points"
expect_not_contains "$summary" "Sam Secretary (sec)"
expect_not_contains "$summary" "scheduler"
CPD_TODAY=2018-01-01 ok sec report --year 2017 --json
expect_equal "$(json '[(m["member"], m["status"]) for m in d["members"]]')" \
  "[('bob', 'short'), ('cat', 'short'), ('ann', 'short'), ('dan', 'exempt')]"

TEST "a December claim made on 10 January is taken, and corrects 2017 and its carry"
CPD_TODAY=2018-01-10 as ann claim iims-training-day --date 2017-12-18 --note "Hull survey course"
december=$(sql "SELECT max(id) FROM claim")
expect_contains "$OUT" "Claim #$december submitted: 5 points for IIMS training day on 2017-12-18"
CPD_TODAY=2018-01-12 as sec approve "$december" "$cat_waiting"
approved=$(body ann@ "#$december approved")
expect_contains "$approved" "The CPD year 2017 is closed; its total is now 14 points, which meets the quota of 10 points. 3 points are carried forward into 2018."
expect_not_contains "$approved" "require"
corrected=$(body ann@ "corrected CPD statement for 2017")
expect_contains "$corrected" "Your corrected CPD statement for 2017: quota met"
expect_contains "$corrected" "claim #$december for IIMS training day on 18 December 2017 was approved."
expect_contains "$corrected" "Your total for 2017 is now 14 points, which meets the quota of 10 points. 3 points are carried forward into 2018."
CPD_TODAY=2018-01-12 ok ann balance --json
expect_equal "$(json 'd["carried_in"], d["total"]')" "(3, 3)"
expect_equal "$(sql "SELECT reason FROM entry WHERE kind = 'carry' AND year = 2018")" \
  "carry from 2017 corrected: claim #$december approved after the year closed"
# cat's waiting claim: a closed year's total, still short, no carry: no correction.
expect_contains "$(body cat@ "#$cat_waiting approved")" "The CPD year 2017 is closed; its total is now 5 points, 5 points short of the quota of 10 points. Nothing is carried forward into 2018."
expect_equal "$(mailed_to cat@ | grep -c corrected)" "0"
ok sec check

TEST "after the grace period a claim of 2017 is refused; the secretary adjusts instead"
CPD_TODAY=2018-02-01 refused 1 "the CPD year 2017 is closed: claims for it were taken until 31 January 2018; ask the membership secretary to adjust your record" \
  bob claim iims-webinar --date 2017-12-15
CPD_TODAY=2018-02-01 as sec adjust bob 1 --year 2017 --reason "IIMS webinar of 15 December, claimed late"
expect_equal "$OUT" "Adjusted bob's 2017 by +1 point: the total is now 1 point."
adjusted=$(body bob@ "adjusted by +1 point")
expect_contains "$adjusted" "IIMS webinar of 15 December, claimed late"
expect_contains "$adjusted" "The CPD year 2017 is closed; its total is now 1 point, 9 points short of the quota of 10 points. Nothing is carried forward into 2018."
CPD_TODAY=2018-02-01 ok bob history --year 2017 --ledger --json
expect_equal "$(json '[(e["kind"], e["points"], e["by"], e["reason"]) for e in d]')" \
  "[('adjustment', 1, 'sec', 'IIMS webinar of 15 December, claimed late')]"
timers 2018-02-01
ok sec check

TEST "every mail of the year: no passed deadline, numbers agree, replies to the secretary"
/usr/bin/python3 - "$BOX" "$TESTDIR/days" <<'PY' >"$TESTDIR/problems"
import email, email.policy, re, sys
box, days = sys.argv[1:]
count = 0
for line in open(days):
    name, day = line.split()
    with open("%s/new/%s" % (box, name), "rb") as f:
        mail = email.message_from_binary_file(f, policy=email.policy.default)
    text = " ".join((str(mail["Subject"]) + "\n" + mail.get_content()).split())
    count += 1
    where = "%s %s %s" % (day, mail["To"], mail["Subject"])
    for deadline in re.findall(r"by (\d+ December (\d{4}))", text):
        if day > deadline[1] + "-12-31":
            print("%s: a deadline that has passed: %s" % (where, deadline[0]))
    for wrong in re.findall(r"(?<![\d.])1 (?:more )?(?:points|members|claims|days|hours|files|mails)\b"
                            r"|(?<![\d.])(?:[02-9]|\d\d+|\d+\.\d) (?:more )?"
                            r"(?:point|member|claim|day|hour|file|mail)\b(?!s)",
                            text):
        print("%s: %r" % (where, wrong))
    if "sec@example.org" not in str(mail["Reply-To"]) or "cpd@iims.example" in str(mail["Reply-To"]):
        print("%s: Reply-To %s" % (where, mail["Reply-To"]))
    if "exempt" in text and "require" in text and "dan@" in str(mail["To"]):
        print("%s: an exempt member is told they require points" % where)
print("mails:", count, file=sys.stderr)
PY
expect_equal "$(cat "$TESTDIR/problems")" ""
expect_equal "$(wc -l <"$TESTDIR/days")" "$(ls "$BOX/new" | wc -l)" "every mail was read"
expect_equal "$($MAILBOX check "$BOX")" "$(ls "$BOX/new" | wc -l)"
