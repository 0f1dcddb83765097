# Bulk decisions by filter, confirmed on a terminal or with --yes; exports.
setup_scheme
ok sec member add sue --name "Sue Second" --email sue@example.org --secretary
MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"

# on_terminal INPUT USER ARGS...: runs cpd with a pseudo-terminal as stdin
# fed INPUT; OUT gets what it printed (stdout and stderr), STATUS its status.
on_terminal() {
  local input=$1 user=$2
  shift 2
  LAST_COMMAND="(terminal) CPD_USER=$user cpd $*"
  OUT=$(CPD_USER=$user /usr/bin/python3 - "$input" "$CPD" "$@" <<'PY'
import os, pty, sys
input_text, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
os.write(fd, input_text.encode())
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
)
  STATUS=$?
  ERR=
}

ok ann claim iims-webinar --date 2017-03-01          # 1
ok bob claim iims-webinar --date 2017-03-02          # 2
ok ann claim iims-branch-meeting --date 2017-02-10   # 3
ok bob claim iims-training-day --date 2017-03-10     # 4
ok sec claim iims-webinar --date 2017-03-03          # 5, the secretary's own

TEST "without a terminal a filter needs --yes; nothing changes"
refused 64 "2 claims match; add --yes to approve them" sec approve --activity iims-webinar </dev/null
refused 64 "add --yes to decline" sec decline --all-pending --reason "No evidence" </dev/null
refused 64 "ids or a filter, not both" sec approve 1 --all-pending --yes
refused 64 "name the claims to approve" sec approve
refused 67 "no member with login 'zed'" sec approve --member zed --yes
refused 65 "not a date" sec approve --before 1.3.2017 --yes
refused 77 "only the membership secretary" ann approve --all-pending --yes

TEST "on a terminal the matching claims are shown and N changes nothing"
before=$(db_snapshot)
on_terminal $'n\n' sec approve --activity iims-webinar
expect_equal "$STATUS" 0
expect_contains "$OUT" "Approve these 2 claims? [y/N]"
expect_contains "$OUT" "ann     iims-webinar  2017-03-01"
expect_contains "$OUT" "Nothing was changed."
expect_contains "$OUT" "1 claim of your own left out"
expect_equal "$(db_snapshot)" "$before" "answering no changed the database"

TEST "on a terminal y approves the matching claims, each with its own mail"
on_terminal $'y\n' sec approve --activity iims-webinar --member ann
expect_equal "$STATUS" 0
expect_contains "$OUT" "Claim #1 approved"
expect_equal "$(sql "SELECT id, status FROM claim WHERE status <> 'pending' ORDER BY id")" "1|approved"
expect_contains "$($MAILBOX list "$TESTDIR/mail")" "ann@example.org	CPD claim #1 approved"

TEST "--yes decides every match; the secretary's own claim is left out"
run sec approve --all-pending --before 2017-03-05 --yes
expect_equal "$STATUS" 0
expect_contains "$ERR" "1 claim of your own left out; another secretary must decide it"
expect_contains "$OUT" "Claim #2 approved"
expect_contains "$OUT" "Claim #3 approved"
expect_equal "$(sql "SELECT id FROM claim WHERE status = 'pending' ORDER BY id" | tr '\n' ' ')" "4 5 "
mails=$($MAILBOX list "$TESTDIR/mail")
expect_contains "$mails" "bob@example.org	CPD claim #2 approved"
expect_contains "$mails" "ann@example.org	CPD claim #3 approved"

TEST "a filter that matches nothing says so"
ok sec approve --activity iims-conference --yes
expect_equal "$OUT" "No pending claims match."
ok sec --json decline --member ann --reason x --yes
expect_equal "$OUT" "[]"

TEST "decline by filter gives each member their own mail"
ok sec decline --member bob --reason "Attendance not recorded" --yes
expect_contains "$OUT" "Claim #4 declined"
expect_contains "$($MAILBOX list "$TESTDIR/mail")" "bob@example.org	CPD claim #4 declined"
ok sue approve --all-pending --yes
expect_contains "$OUT" "Claim #5 approved"

TEST "history --csv is RFC 4180 for spreadsheets"
ok ann claim iims-webinar --date 2017-03-12 --note $'Webinar, "SOLAS"\nsecond line — ü'
ok ann history --csv
/usr/bin/python3 -c '
import csv, io, sys
text = sys.stdin.read()
rows = list(csv.DictReader(io.StringIO(text, newline="")))
assert text.startswith("id,member,date,year,activity"), text[:40]
assert "\r\n" in text
last = rows[-1]
assert last["note"] == "Webinar, \"SOLAS\"\nsecond line — ü", repr(last["note"])
assert [r["status"] for r in rows] == ["approved", "approved", "pending"], rows
assert rows[0]["points"] == "1" and rows[0]["decided_by"] == "sec", rows[0]
print(len(rows))
' <<<"$OUT" >"$TESTDIR/csvcheck" 2>&1 || fail "history --csv: $(cat "$TESTDIR/csvcheck")"
expect_equal "$(cat "$TESTDIR/csvcheck")" "3"
ok ann history --csv --ledger
expect_equal "$(printf '%s\n' "$OUT" | head -1 | tr -d '\r')" "id,member,year,date,kind,points,claim,by,reason"
expect_equal "$(printf '%s\n' "$OUT" | wc -l)" "3"
refused 77 "only the membership secretary" ann history --csv bob

TEST "cpd export writes every member, claim (attachment details, no bytes) and entry as JSON lines"
printf '%%PDF-1.4 secret evidence bytes\n' >"$TESTDIR/proof.pdf"
ok bob claim technical-paper --date 2017-03-13 --attach "$TESTDIR/proof.pdf"
ok sec export
printf '%s\n' "$OUT" >"$TESTDIR/export.jsonl"
/usr/bin/python3 - "$TESTDIR/export.jsonl" "$(sha256sum "$TESTDIR/proof.pdf" | cut -d' ' -f1)" "$(sql 'PRAGMA user_version')" <<'PY' >"$TESTDIR/exportcheck" 2>&1 || fail "export: $(cat "$TESTDIR/exportcheck")"
import collections, json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
records = [json.loads(line) for line in lines]
kinds = collections.Counter(r["type"] for r in records)
assert records[0]["type"] == "export" and records[0]["schema"] == int(sys.argv[3]), records[0]
assert kinds["member"] == 4 and kinds["claim"] == 7 and kinds["entry"] == 4, kinds
claim = [r for r in records if r["type"] == "claim"][-1]
assert claim["member"] == "bob" and claim["status"] == "pending" and claim["points"] == 3, claim
assert claim["attachments"] == [{"name": "proof.pdf", "media_type": "application/pdf",
                                 "size": 31, "sha256": sys.argv[2]}], claim["attachments"]
assert "secret evidence" not in open(sys.argv[1]).read()
entry = [r for r in records if r["type"] == "entry"][0]
assert entry["kind"] == "award" and entry["points"] == 1 and entry["by"] == "sec", entry
PY
umask 000 # whatever the umask lets through, the export is 0600
ok sec export --out "$TESTDIR/archive.jsonl"
umask 022
expect_contains "$OUT" "Exported 4 members"
# Every member's data: readable by the secretary alone, as a backup is.
expect_equal "$(stat -c %a "$TESTDIR/archive.jsonl")" "600"
# The same records; the header's created_at may be a second later.
expect_equal "$(tail -n +2 "$TESTDIR/archive.jsonl")" "$(tail -n +2 "$TESTDIR/export.jsonl")"
expect_contains "$(head -1 "$TESTDIR/archive.jsonl")" "{\"type\":\"export\",\"format\":1,\"schema\":$(sql 'PRAGMA user_version'),"
[ ! -e "$TESTDIR/archive.jsonl.partial" ] || fail "a partial export was left behind"
refused 77 "only the membership secretary" ann export
refused 74 "cannot write" sec export --out "$TESTDIR/no/such/dir/x.jsonl"
