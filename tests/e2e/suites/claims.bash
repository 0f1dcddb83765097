# Members claim points; every refusal of SPEC's Claims section.
setup_scheme

TEST "a member claims an IIMS training day"
ok ann claim iims-training-day --date 2017-03-14 --note "Hull survey course, Southampton"
expect_equal "$OUT" "Claim #1 submitted: 5 points for IIMS training day on 2017-03-14, waiting for verification."
expect_equal "$(sql "SELECT status, points, activity_date, year FROM claim WHERE id = 1")" "pending|50|2017-03-14|2017"
expect_equal "$(sql "SELECT count(*) FROM entry")" "0" "nothing is credited before approval"

TEST "claim --json gives id, status, points, activity, date"
ok bob claim iims-webinar --json
expect_equal "$(json 'd["id"], d["status"], d["points"], d["activity"], d["date"]')" "(2, 'pending', 1, 'iims-webinar', '2017-03-15')"

TEST "per-hour activities multiply and cap"
ok ann claim private-study --hours 3 --note "Reading SOLAS amendments"
expect_contains "$OUT" "1.5 points"
ok ann claim mentoring --hours 7.5 --date 2017-03-01
expect_contains "$OUT" "5 points" # capped at the maximum of 5
ok ann claim iims-conference --days 2 --date 2017-02-01
expect_contains "$OUT" "10 points"

TEST "global options work after the subcommand too"
ok ann claim iims-branch-meeting --date 2017-03-02 --json
expect_equal "$(json 'd["points"]')" "1"
ok ann --json balance
expect_equal "$(json 'd["pending"]')" "22.5"

TEST "refused: unknown activity, with a suggestion"
refused 1 "unknown activity 'iims-trainng-day'.*did you mean 'iims-training-day'" ann claim iims-trainng-day

TEST "refused: a date in the future"
refused 1 "in the future" ann claim iims-webinar --date 2017-03-16

TEST "refused: a date before the scheme started"
refused 1 "before the scheme started on 2017-01-01" ann claim iims-webinar --date 2016-12-31

TEST "refused: not a date"
for bad in 2017-02-30 2017-1-5 0000-01-01 yesterday "" 2017-03-14T10:00; do
  refused 65 "not a date" ann claim iims-webinar --date "$bad"
done

TEST "a quantity between two tenths is rounded down; the reply and both mails show how"
ok ann claim private-study --hours 1.25 --date 2017-03-04
id=$(sql "SELECT max(id) FROM claim")
expect_equal "$OUT" "Claim #$id submitted: 0.6 points for Private study of technical literature, rules and regulations on 2017-03-04 (1.25 hours × 0.5 points an hour = 0.625 points, rounded down to 0.6), waiting for verification."
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
received=$($MAILBOX show-to "$TESTDIR/mail" ann@ "#$id received")
# Wrapped after the values are in: the value's lines under its column.
expect_contains "$received" "  Activity:  1.25 hours of Private study of technical literature, rules
             and regulations"
expect_contains "$received" "Points:    0.6 points"
expect_contains "$(tr '\n' ' ' <<<"$received")" "How the points were worked out: 1.25 hours × 0.5 points an hour = 0.625 points, rounded down to 0.6."
to_secretary=$($MAILBOX show-to "$TESTDIR/mail" sec@ "#$id:")
expect_contains "$(tr '\n' ' ' <<<"$to_secretary")" "claims 0.6 points for 1.25 hours of Private study of technical literature, rules and regulations on 4 March 2017."
for mail in "$received" "$to_secretary"; do
  # The body: below the headers' blank line.
  awk 'body && length($0) > 78 { print; bad = 1 } /^$/ { body = 1 } END { exit bad }' <<<"$mail" ||
    fail "a mail's body has a line over 78 columns"
done
expect_contains "$(tr '\n' ' ' <<<"$to_secretary")" "= 0.625 points, rounded down to 0.6."
# 90 and 45 minutes
ok ann claim private-study --hours 1.5 --date 2017-03-05 --json
expect_equal "$(json 'd["points"], d["quantity"], d["per"]')" "(0.7, 1.5, 'hour')"
ok ann claim private-study --hours 0.75 --date 2017-03-06 --json
expect_equal "$(json 'd["points"]')" "0.3"
ok ann claim iims-conference --days 4 --date 2017-03-07
expect_contains "$OUT" "15 points for IIMS conference (per day attended) on 2017-03-07 (4 days × 5 points a day = 20 points, capped at 15 per claim)"
ok ann history --json
expect_equal "$(json '[(c["quantity"], c["per"]) for c in d if c["activity"] in ("iims-webinar", "iims-conference")][-2:]')" "[(2, 'day'), (4, 'day')]"
ok ann claim iims-webinar --date 2017-03-08 --json
expect_equal "$(json 'd["quantity"], d["per"], d["note"]')" "(None, 'claim', None)"
refused 1 "0.05 of a point, less than the 0.1" ann claim private-study --hours 0.1 --date 2017-03-09

TEST "refused: quantities that are no number of hours"
refused 65 "not a positive number" ann claim private-study --hours 0.001
refused 65 "not a positive number" ann claim private-study --hours -2
refused 65 "not a positive number" ann claim private-study --hours 1e3
refused 65 "not a positive number" ann claim private-study --hours 99999999999999999999

TEST "refused: a quantity in the wrong unit, or missing, names the right option"
refused 64 "'iims-conference' is counted in days, not hours: use --days 3$" ann claim iims-conference --hours 3
refused 64 "'private-study' is counted in hours, not days: use --hours 1$" ann claim private-study --days 1
refused 64 "counted in hours, not items: use --hours 2" ann claim private-study --items 2
refused 64 "per claim; --hours does not apply" ann claim iims-training-day --hours 2
refused 64 "per claim; --days does not apply" ann claim iims-training-day --days 1
refused 64 "say how many hours with --hours N" ann claim private-study
refused 64 "say how many days with --days N" ann claim iims-conference
refused 64 "one of --hours and --days, not both" ann claim iims-conference --days 1 --hours 8
refused 64 "units" ann claim iims-conference --units 1

TEST "refused: evidence required but none attached"
refused 1 "needs evidence.*--attach" ann claim technical-paper

TEST "refused: a missing or unreadable attachment"
refused 66 "no such file" ann claim technical-paper --attach "$TESTDIR/missing.pdf"
mkdir -p "$TESTDIR/adir"
refused 66 "not a regular file" ann claim technical-paper --attach "$TESTDIR/adir"
if [ "$(id -u)" != 0 ]; then
  printf 'secret' >"$TESTDIR/locked.pdf" && chmod 000 "$TESTDIR/locked.pdf"
  refused 66 "cannot attach" ann claim technical-paper --attach "$TESTDIR/locked.pdf"
fi

TEST "attachments are stored with name, size, type and SHA-256"
printf '%%PDF-1.4 paper about hull corrosion\n' >"$TESTDIR/paper.pdf"
ok ann claim technical-paper --attach "$TESTDIR/paper.pdf" --note "Corrosion in ballast tanks"
id=$(sql "SELECT max(id) FROM claim")
expect_equal "$(sql "SELECT name, media_type, size, sha256 FROM attachment WHERE claim_id = $id")" \
  "paper.pdf|application/pdf|$(stat -c %s "$TESTDIR/paper.pdf")|$(sha256sum "$TESTDIR/paper.pdf" | cut -d' ' -f1)"
expect_equal "$(sql "SELECT content FROM attachment WHERE claim_id = $id")" "$(cat "$TESTDIR/paper.pdf")"

TEST "refused: an attachment over the size limit"
ok sec config set attach.max_file_bytes 1000
head -c 1001 /dev/zero >"$TESTDIR/big.pdf"
refused 1 "larger than the 1000 bytes" ann claim technical-paper --attach "$TESTDIR/big.pdf"
ok sec config set attach.max_file_bytes ""

TEST "refused: the same activity on the same day, unless the member insists"
refused 1 "already claimed 'iims-training-day' on 2017-03-14 \(claim #1\).*--force" ann claim iims-training-day --date 2017-03-14
ok ann claim iims-training-day --date 2017-03-14 --force
expect_contains "$OUT" "submitted"
# another member may claim the same day
ok bob claim iims-training-day --date 2017-03-14

TEST "refused: a date in a closed year"
sql "INSERT INTO year_close(year, quota, carry_cap, rules, at) VALUES (2016, 100, 30, 'scheme.quota=10' || char(10), 0)"
ok sec config set scheme.start 2016-01-01
refused 1 "CPD year 2016 is closed" ann claim iims-webinar --date 2016-06-01
ok sec config set scheme.start ""

TEST "refused: a retired activity"
ok sec activity retire iims-webinar
refused 1 "retired" ann claim iims-webinar --date 2017-03-10

TEST "refused: hostile notes"
refused 65 "too long" ann claim iims-branch-meeting --date 2017-03-03 --note "$(head -c 3000 /dev/zero | tr '\0' x)"
refused 65 "control characters" ann claim iims-branch-meeting --date 2017-03-03 --note $'bad\x1b[31m'
refused 65 "UTF-8" ann claim iims-branch-meeting --date 2017-03-03 --note $'caf\xe9'

TEST "notes with quotes and SQL are stored verbatim"
ok ann claim iims-branch-meeting --date 2017-03-03 --note "Robert'); DROP TABLE claim;-- \"quoted\""
expect_equal "$(sql "SELECT note FROM claim WHERE id = (SELECT max(id) FROM claim)")" "Robert'); DROP TABLE claim;-- \"quoted\""
