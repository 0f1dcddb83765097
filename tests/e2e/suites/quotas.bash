# What one member may put into the shared database, through cpd serve as
# real users: claims a day and evidence a year are capped by settings, a
# claim over a quota is refused with one line and the secretary told once;
# the daily run purges the evidence of withdrawn claims; 6,000 duplicate
# claims keep `pending` linear; and only secretaries learn that another
# claim holds the same file. Needs root (CI runs it as root).

# Users of its own, so that it may run alongside the other server suites.
USERS_PREFIX=cpdq
# shellcheck source=../shared_host.bash
source "$E2E_DIR/shared_host.bash"
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
BOX=$STATE/mail

set_up_scheme

# The rows that hold what members put in: claims, their files, their events.
records() {
  sql "SELECT count(*), coalesce(sum(length(content)), 0) FROM attachment;
       SELECT count(*) FROM claim; SELECT count(*) FROM claim_event;"
}

# Delivers the queued mail into the Maildir, as the timer would.
send_mail() {
  as root "$BIN" mail send >/dev/null 2>&1 || fail "mail send failed"
}

# quota_mails WORDS: how many mails in the Maildir have WORDS in their subject.
quota_mails() {
  $MAILBOX list "$BOX" | grep -c -- "$1"
}

TEST "a claim over claim.max_per_day is refused with one line, and the secretary is told once"
ok $SEC config set claim.max_per_day 3
for day in 01 02 03; do
  ok $BOB claim iims-webinar --date 2017-03-$day
done
before=$(records)
run $BOB claim iims-webinar --date 2017-03-04
expect_equal "$STATUS" 1
expect_equal "$ERR" "cpd: error: you have made 3 claims in the last 24 hours, the most a member may (claim.max_per_day); nothing was claimed, and the membership secretary has been told"
expect_equal "$OUT" ""
expect_equal "$(records)" "$before"
send_mail
refused 1 "you have made 3 claims in the last 24 hours" $BOB claim iims-webinar --date 2017-03-05
send_mail
expect_equal "$(quota_mails "reached the limit of 3 claims in 24 hours")" 1
$MAILBOX show "$BOX" "reached the limit of 3 claims" >"$TESTDIR/claims-mail.txt"
expect_contains "$(cat "$TESTDIR/claims-mail.txt")" "To: \"Membership secretary"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/claims-mail.txt")" "Bob Marine ($BOB) made a claim over the limit of 3 claims in 24 hours"
expect_contains "$(cat "$TESTDIR/claims-mail.txt")" "cpd config set claim.max_per_day N"
# The member gets no mail of it.
[ "$($MAILBOX list "$BOX" | grep -c "^bob@example.org.*limit")" = 0 ] || fail "the member was mailed"
# A limit of one claim is one claim, in the error and in the mail.
ok $SEC config set claim.max_per_day 1
ok $ANN claim iims-webinar --date 2017-03-01
run $ANN claim iims-webinar --date 2017-03-02
expect_equal "$STATUS" 1
expect_contains "$ERR" "you have made 1 claim in the last 24 hours"
send_mail
expect_equal "$(quota_mails "Ann Surveyor reached the limit of 1 claim in 24 hours$")" 1
$MAILBOX show "$BOX" "Ann Surveyor reached the limit" >"$TESTDIR/claim-mail.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/claim-mail.txt")" "over the limit of 1 claim in 24 hours a member"
ok $SEC config set claim.max_per_day ""

TEST "the withdrawn-claim flood: capped by attach.max_year_bytes, the secretary told once"
ok $SEC config set attach.max_year_bytes 20971520
# 20 claims of 5 MiB, each withdrawn at once, as fast as one member can.
flood() {
  local n id
  for n in $(seq 1 20); do
    head -c 5242880 /dev/urandom >"$TESTDIR/home/$ANN/flood.pdf"
    chown $ANN "$TESTDIR/home/$ANN/flood.pdf"
    if as $ANN "$BIN" --json claim technical-paper --date 2017-03-10 --force \
      --attach flood.pdf >"$TESTDIR/flood.out" 2>"$TESTDIR/flood.err"; then
      id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <"$TESTDIR/flood.out")
      as $ANN "$BIN" withdraw "$id" >/dev/null 2>&1 || echo "withdraw $id failed"
    else
      echo "refused $?: $(cat "$TESTDIR/flood.err")"
    fi
  done >"$TESTDIR/flood.log"
}
flood &
flooding=$!
sleep 0.5
expect_server_serves
wait $flooding
expect_equal "$(sql "SELECT count(*) FROM claim WHERE status = 'withdrawn'")" 4
expect_equal "$(sql "SELECT sum(size) FROM attachment")" 20971520
expect_equal "$(grep -c '^refused 1: cpd: error: 5.0 MiB more would take your evidence for 2017 past the 20.0 MiB a member may attach to the claims of a year (attach.max_year_bytes; 20.0 MiB used); nothing was stored, and the membership secretary has been told$' "$TESTDIR/flood.log")" 16
expect_equal "$(grep -cv '^refused' "$TESTDIR/flood.log")" 0
send_mail
expect_equal "$(quota_mails "reached the limit of 20.0 MiB of evidence")" 1
$MAILBOX show "$BOX" "reached the limit of 20.0 MiB" >"$TESTDIR/evidence-mail.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/evidence-mail.txt")" "Ann Surveyor ($ANN) tried to attach evidence to a claim of 2017 over the limit of 20.0 MiB"
expect_contains "$(cat "$TESTDIR/evidence-mail.txt")" "cpd config set attach.max_year_bytes N"

TEST "attach over the yearly evidence is refused too, and changes nothing"
ok $ANN claim iims-webinar --date 2017-03-11
id=$(sql "SELECT max(id) FROM claim")
head -c 1000 /dev/urandom >"$TESTDIR/home/$ANN/more.pdf"
chown $ANN "$TESTDIR/home/$ANN/more.pdf"
refused 1 "1000 bytes more would take your evidence for 2017 past the 20.0 MiB" $ANN attach "$id" more.pdf
send_mail
expect_equal "$(quota_mails "reached the limit of 20.0 MiB of evidence")" 1

TEST "a declined claim keeps its evidence"
head -c 3000000 /dev/urandom >"$TESTDIR/home/$BOB/appeal.pdf"
chown $BOB "$TESTDIR/home/$BOB/appeal.pdf"
ok $BOB claim technical-paper --date 2017-03-12 --attach appeal.pdf
declined=$(sql "SELECT max(id) FROM claim")
ok $SEC decline "$declined" --reason "not a journal"
ok $ANN withdraw "$id"

TEST "the daily run purges the evidence of claims withdrawn 30 days ago; history says so"
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
page_size=$(sql "PRAGMA page_size")
db_before=$(stat -c %s "$STATE/cpd.db")
used_before=$(($(sql "PRAGMA page_count") - $(sql "PRAGMA freelist_count")))
# 29 days on, nothing is due; 31 days on, the withdrawn claims' files go.
restart_server 2017-04-13
ok root remind
expect_not_contains "$OUT" "Purged"
restart_server 2017-04-15
# A dry run says what would go, and keeps it.
ok root remind --dry-run
expect_contains "$OUT" "Would purge the evidence of 4 withdrawn claims (4 files, 20.0 MiB)."
ok root --json remind --dry-run
expect_equal "$(sql "SELECT count(*) FROM claim WHERE evidence_purged IS NOT NULL")" 0
ok root remind
expect_contains "$OUT" "Purged the evidence of 4 withdrawn claims (4 files, 20.0 MiB)."
expect_equal "$(sql "SELECT count(*) FROM attachment a JOIN claim c ON c.id = a.claim_id WHERE c.status = 'withdrawn'")" 0
expect_equal "$(sql "SELECT count(*) FROM attachment WHERE claim_id = $declined")" 1
expect_equal "$(sql "PRAGMA foreign_key_check")" ""
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
db_after=$(stat -c %s "$STATE/cpd.db")
used_after=$(($(sql "PRAGMA page_count") - $(sql "PRAGMA freelist_count")))
freed=$(((used_before - used_after) * page_size))
[ "$freed" -ge 20971520 ] || fail "only $freed bytes of pages were freed"
echo "quotas: database $db_before bytes before the purge, $db_after after; $((used_before * page_size)) bytes in use before, $((used_after * page_size)) after" >&2
ok $ANN history
expect_contains "$OUT" "evidence purged on 2017-04-15"
ok $ANN --json history
expect_equal "$(json '[c.get("evidence_purged") for c in d if c["status"] == "withdrawn"]')" \
  "['2017-04-15', '2017-04-15', '2017-04-15', '2017-04-15', None]"
first=$(sql "SELECT min(id) FROM claim WHERE status = 'withdrawn'")
refused 1 "claim #$first was withdrawn and its evidence purged on 2017-04-15" $ANN attachment get "$first" --out got
# The freed pages take new evidence: the file does not grow.
head -c 4000000 /dev/urandom >"$TESTDIR/home/$BOB/new.pdf"
chown $BOB "$TESTDIR/home/$BOB/new.pdf"
ok $BOB claim technical-paper --date 2017-04-14 --attach new.pdf
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
expect_equal "$(stat -c %s "$STATE/cpd.db")" "$db_after"
# Nothing more to purge the next day.
restart_server 2017-04-16
ok root remind
expect_not_contains "$OUT" "Purged"

TEST "the same-file flag is shown to secretaries only"
ok $SEC config set attach.max_year_bytes ""
printf '%%PDF-1.4 the one certificate\n' >"$TESTDIR/cert.pdf"
for who in $ANN $BOB; do
  install -o "$who" -m 600 "$TESTDIR/cert.pdf" "$TESTDIR/home/$who/cert.pdf"
done
ok $BOB claim technical-paper --date 2017-04-01 --attach cert.pdf
bobs=$(sql "SELECT max(id) FROM claim")
ok $ANN claim technical-paper --date 2017-04-02 --attach cert.pdf
anns=$(sql "SELECT max(id) FROM claim")
expect_not_contains "$OUT" "#$bobs"
ok $ANN attachment list "$anns"
expect_not_contains "$OUT" "SAME FILE"
expect_not_contains "$OUT" "#$bobs"
ok $ANN --json attachment list "$anns"
expect_equal "$(json '"duplicate_of" in d[0]')" "False"
printf '%%PDF-1.4 notes\n' >"$TESTDIR/home/$ANN/notes.pdf"
chown $ANN "$TESTDIR/home/$ANN/notes.pdf"
ok $ANN --json attach "$anns" notes.pdf
expect_equal "$(json '"duplicate_of" in d[0]')" "False"
for view in history balance; do
  ok $ANN --json $view
  expect_not_contains "$OUT" "duplicate_of"
  expect_not_contains "$OUT" "same_day"
  ok $ANN $view
  expect_not_contains "$OUT" "same file"
done
send_mail
for message in $($MAILBOX list "$BOX" | grep -n '^ann@example.org' | cut -d: -f1); do
  subject=$($MAILBOX list "$BOX" | sed -n "${message}p" | cut -f2)
  body=$($MAILBOX show-to "$BOX" ann@example.org "$subject")
  expect_not_contains "$body" "also attached"
  expect_not_contains "$body" "#$bobs"
done
# The secretary sees it everywhere.
ok $SEC pending
expect_contains "$OUT" "same file as #$bobs"
ok $SEC --json attachment list "$anns"
expect_equal "$(json 'd[0]["duplicate_of"]')" "[$bobs]"

TEST "6,000 duplicate claims: pending stays linear in time, output and memory"
# The 6,000 claims are copies of a real one made through the server (same
# member, activity, day and file, as --force makes them), written straight
# into the database as the server's user: made one at a time through the
# socket they would take minutes and mail 12,000 messages, and this test is
# about reading them.
ok $SEC config set claim.max_per_day 10000
ok $ANN claim technical-paper --date 2017-04-03 --attach cert.pdf --force
model=$(sql "SELECT max(id) FROM claim")
copies() {
  sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
       INSERT INTO claim(member_id, activity_id, activity_date, year, quantity, points, note,
                         submitted_at, category)
         SELECT member_id, activity_id, activity_date, year, quantity, points, note,
                submitted_at + i, category FROM claim, n WHERE id = $model;
       INSERT INTO claim_event(claim_id, status, actor_id, at)
         SELECT c.id, 'pending', c.member_id, c.submitted_at FROM claim c WHERE c.id > $model
         AND NOT EXISTS (SELECT 1 FROM claim_event e WHERE e.claim_id = c.id);
       INSERT INTO attachment(claim_id, name, media_type, size, sha256, content)
         SELECT c.id, a.name, a.media_type, a.size, a.sha256, a.content FROM claim c, attachment a
         WHERE a.claim_id = $model AND c.id > $model
         AND NOT EXISTS (SELECT 1 FROM attachment b WHERE b.claim_id = c.id);"
}
copies 2999
expect_equal "$(sql "SELECT count(*) FROM claim WHERE id >= $model AND status = 'pending'")" 3000
pending_3000=$(sql "SELECT count(*) FROM claim WHERE status = 'pending'")
start=$(date +%s%N)
as $SEC "$BIN" pending >"$TESTDIR/pending-3000.txt" 2>&1 || fail "pending failed"
ms_3000=$((($(date +%s%N) - start) / 1000000))
copies 3000
expect_equal "$(sql "SELECT count(*) FROM claim WHERE id >= $model AND status = 'pending'")" 6000
pending=$(sql "SELECT count(*) FROM claim WHERE status = 'pending'")
rss_before=$(server_rss_kb)
( as $SEC "$BIN" pending >"$TESTDIR/pending-6000.txt" 2>&1 ) &
reading=$!
expect_server_serves
wait $reading || fail "pending failed"
start=$(date +%s%N)
as $SEC "$BIN" pending >"$TESTDIR/pending-6000.txt" 2>&1 || fail "pending failed"
ms_6000=$((($(date +%s%N) - start) / 1000000))
rss_after=$(server_rss_kb)
as $SEC "$BIN" --json pending >"$TESTDIR/pending-6000.json" 2>&1 || fail "pending --json failed"
bytes_3000=$(stat -c %s "$TESTDIR/pending-3000.txt")
bytes_6000=$(stat -c %s "$TESTDIR/pending-6000.txt")
json_6000=$(stat -c %s "$TESTDIR/pending-6000.json")
echo "quotas: pending of $pending claims: $ms_6000 ms, $bytes_6000 bytes ($json_6000 as JSON); of $pending_3000: $ms_3000 ms, $bytes_3000 bytes; server RSS $rss_before KiB before, $rss_after KiB after" >&2
# Twice the claims, about twice the output: never four times.
[ $((bytes_6000 * 10)) -le $((bytes_3000 * 22)) ] || fail "output grew from $bytes_3000 to $bytes_6000 bytes"
[ "$bytes_6000" -le 3000000 ] || fail "pending printed $bytes_6000 bytes"
[ "$json_6000" -le 3000000 ] || fail "pending --json printed $json_6000 bytes"
[ "$ms_6000" -le 5000 ] || fail "pending took $ms_6000 ms"
[ "$rss_after" -le $((262144 * RSS_FACTOR)) ] || fail "the server grew to $rss_after KiB"
expect_contains "$(grep "^ *$model " "$TESTDIR/pending-6000.txt")" "same file as #$bobs, #$anns, #$((model + 1)) and 5998 more; also claimed as #$((model + 1)), #$((model + 2)), #$((model + 3)) and 5996 more"
expect_equal "$(/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); c=d[-1]; print(len(c["duplicate_of"]), c["duplicate_of_more"], len(c["same_day"]), c["same_day_more"])' <"$TESTDIR/pending-6000.json")" "3 5998 3 5996"
expect_server_serves
