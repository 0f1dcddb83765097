# Evidence: members attach files, the secretary lists, fetches and checks
# them; the same file on two claims is pointed out.
setup_scheme

printf '%%PDF-1.4 certificate of attendance\n' >"$TESTDIR/cert.pdf"
printf 'notes, with a comma\n' >"$TESTDIR/notes.txt"
cert_sha=$(sha256sum "$TESTDIR/cert.pdf" | cut -d' ' -f1)

TEST "attachment list shows name, size, type and SHA-256 to the owner and the secretary"
ok ann claim technical-paper --date 2017-03-01 --attach "$TESTDIR/cert.pdf" --attach "$TESTDIR/notes.txt"
ok ann attachment list 1
expect_contains "$OUT" "cert.pdf"
expect_contains "$OUT" "$(stat -c %s "$TESTDIR/cert.pdf")"
expect_contains "$OUT" "application/pdf"
expect_contains "$OUT" "$cert_sha"
ok sec --json attachment list 1
expect_equal "$(json '[(f["name"], f["size"], f["media_type"], f["sha256"]) for f in d][0]')" \
  "('cert.pdf', $(stat -c %s "$TESTDIR/cert.pdf"), 'application/pdf', '$cert_sha')"
expect_equal "$(json 'len(d)')" "2"

TEST "other members may not see or fetch a claim's files"
refused 77 "not yours" bob attachment list 1
mkdir "$TESTDIR/bobs"
refused 77 "not yours" bob attachment get 1 --out "$TESTDIR/bobs"
expect_equal "$(ls -A "$TESTDIR/bobs")" ""
refused 67 "not a member" nobody attachment list 1
refused 1 "no claim #9" sec attachment list 9

TEST "attachment get writes the files byte-exact into a directory"
mkdir "$TESTDIR/fetched"
umask 000 # whatever the umask lets through, the files are 0600
ok sec attachment get 1 --out "$TESTDIR/fetched"
umask 022
expect_contains "$OUT" "$TESTDIR/fetched/cert.pdf"
cmp "$TESTDIR/cert.pdf" "$TESTDIR/fetched/cert.pdf" || fail "cert.pdf differs"
cmp "$TESTDIR/notes.txt" "$TESTDIR/fetched/notes.txt" || fail "notes.txt differs"
# Members' evidence: readable by whoever fetched it alone.
expect_equal "$(stat -c %a "$TESTDIR/fetched/cert.pdf" "$TESTDIR/fetched/notes.txt" | sort -u)" "600"
mkdir "$TESTDIR/here" && (cd "$TESTDIR/here" && CPD_USER=ann "$CPD" attachment get 1 >/dev/null) \
  || fail "get into the current directory failed"
cmp "$TESTDIR/cert.pdf" "$TESTDIR/here/cert.pdf" || fail "cert.pdf in . differs"

TEST "attachment get never overwrites a file unless --force"
printf 'my own notes\n' >"$TESTDIR/fetched/notes.txt"
rm "$TESTDIR/fetched/cert.pdf"
refused 1 "notes.txt already exists.*--force" sec attachment get 1 --out "$TESTDIR/fetched"
expect_equal "$(cat "$TESTDIR/fetched/notes.txt")" "my own notes"
[ ! -e "$TESTDIR/fetched/cert.pdf" ] || fail "a file was written although the get was refused"
ln -s /nonexistent/target "$TESTDIR/fetched/cert.pdf"
rm "$TESTDIR/fetched/notes.txt"
refused 1 "cert.pdf already exists" sec attachment get 1 --out "$TESTDIR/fetched"
ok sec attachment get 1 --out "$TESTDIR/fetched" --force
cmp "$TESTDIR/cert.pdf" "$TESTDIR/fetched/cert.pdf" || fail "--force did not replace the link"
expect_equal "$(stat -c %a "$TESTDIR/fetched/cert.pdf")" "600"
[ ! -L "$TESTDIR/fetched/cert.pdf" ] || fail "the symbolic link was followed"
expect_equal "$(ls -A "$TESTDIR/fetched" | sort | tr '\n' ' ')" "cert.pdf notes.txt "

TEST "a stored name with a path is refused; nothing is written outside the directory"
sql "UPDATE attachment SET name = '../escaped.pdf' WHERE id = 1"
mkdir "$TESTDIR/inner"
refused 65 "unsafe name" sec attachment get 1 --out "$TESTDIR/inner"
[ ! -e "$TESTDIR/escaped.pdf" ] || fail "a file was written outside the directory"
sql "UPDATE attachment SET name = 'cert.pdf' WHERE id = 1"

TEST "a damaged attachment is detected by its SHA-256"
sql "UPDATE attachment SET content = CAST('tampered' AS BLOB) WHERE id = 2"
mkdir "$TESTDIR/damaged"
refused 65 "does not match its recorded SHA-256" sec attachment get 1 --out "$TESTDIR/damaged"
sql "UPDATE attachment SET content = readfile('$TESTDIR/notes.txt') WHERE id = 2"

TEST "the same file on another claim is pointed out in cpd pending"
ok bob claim technical-paper --date 2017-03-02 --attach "$TESTDIR/cert.pdf"
ok sec pending
expect_contains "$OUT" "ID  MEMBER  ACTIVITY         DATE        QUANTITY  POINTS  FILES  FLAGS            NOTE"
expect_contains "$OUT" " 2  bob     technical-paper  2017-03-02                 3      1  same file as #1"
expect_contains "$OUT" "Claim #2 has a file also attached to claim #1"
ok sec --json pending
expect_equal "$(json '[(c["id"], c["duplicate_of"]) for c in d]')" "[(1, [2]), (2, [1])]"
ok sec --json attachment list 2
expect_equal "$(json 'd[0]["duplicate_of"]')" "[1]"

TEST "a 10 MB attachment is stored and fetched byte-exact"
ok sec config set attach.max_file_bytes 20000000
head -c 10485760 /dev/urandom >"$TESTDIR/big.pdf"
ok ann claim technical-paper --date 2017-03-03 --attach "$TESTDIR/big.pdf"
id=$(sql "SELECT max(id) FROM claim")
expect_equal "$(sql "SELECT size, sha256 FROM attachment WHERE claim_id = $id")" \
  "10485760|$(sha256sum "$TESTDIR/big.pdf" | cut -d' ' -f1)"
mkdir "$TESTDIR/bigout"
ok ann attachment get "$id" --out "$TESTDIR/bigout"
cmp "$TESTDIR/big.pdf" "$TESTDIR/bigout/big.pdf" || fail "the 10 MB file differs"

MAILBOX="/usr/bin/python3 $E2E_DIR/mailbox.py"
box=$TESTDIR/mail

TEST "the secretary's mail carries the evidence as MIME parts, byte-exact"
head -c 300000 /dev/urandom >"$TESTDIR/photo.jpg"
ok sec config set mail.attach_max_bytes 1000000
ok bob claim technical-paper --date 2017-03-04 --attach "$TESTDIR/photo.jpg" --attach "$TESTDIR/notes.txt"
id=$(sql "SELECT max(id) FROM claim")
expect_equal "$($MAILBOX attachments "$box" "claim #$id: Bob")" "$(printf '%s\t%s\t%s\t%s\n' \
  photo.jpg image/jpeg 300000 "$(sha256sum "$TESTDIR/photo.jpg" | cut -d' ' -f1)" \
  notes.txt text/plain "$(stat -c %s "$TESTDIR/notes.txt")" "$(sha256sum "$TESTDIR/notes.txt" | cut -d' ' -f1)")"
mkdir "$TESTDIR/frommail"
SAVE=$TESTDIR/frommail $MAILBOX attachments "$box" "claim #$id: Bob" >/dev/null
cmp "$TESTDIR/photo.jpg" "$TESTDIR/frommail/photo.jpg" || fail "the mailed photo differs"
$MAILBOX show "$box" "claim #$id: Bob" >"$TESTDIR/notify.txt"
expect_contains "$(cat "$TESTDIR/notify.txt")" "photo.jpg (293.0 KiB, image/jpeg)"
expect_contains "$(cat "$TESTDIR/notify.txt")" "attached to this mail"
expect_equal "$($MAILBOX attachments "$box" "#$id received")" "" # the member's copy has none
expect_equal "$($MAILBOX check "$box")" "$(ls "$box/new" | wc -l)"

TEST "files past mail.attach_max_bytes are named with their size and how to fetch them"
ok sec config set mail.attach_max_bytes 100000
ok ann claim technical-paper --date 2017-03-05 --attach "$TESTDIR/photo.jpg" --attach "$TESTDIR/cert.pdf"
id=$(sql "SELECT max(id) FROM claim")
expect_equal "$($MAILBOX attachments "$box" "claim #$id: Ann" | cut -f1,4)" "cert.pdf	$cert_sha"
$MAILBOX show "$box" "claim #$id: Ann" >"$TESTDIR/notify.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/notify.txt")" "photo.jpg (293.0 KiB, image/jpeg)     too large to send here; fetch it with: cpd attachment get $id"

TEST "the secretary's mail points out the same file on another claim"
expect_contains "$(cat "$TESTDIR/notify.txt")" "The same file was sent before"
expect_contains "$(cat "$TESTDIR/notify.txt")" "cert.pdf is also attached to claim #1 and #2."
expect_contains "$(cat "$TESTDIR/notify.txt")" "photo.jpg is also attached to claim #"

TEST "a member adds evidence to a pending claim; the secretary gets the new files, and how to decide"
ok ann claim iims-training-day --date 2017-03-06
id=$(sql "SELECT max(id) FROM claim")
printf 'agenda of the day\n' >"$TESTDIR/agenda.txt"
ok ann attach "$id" "$TESTDIR/photo.jpg" "$TESTDIR/agenda.txt"
expect_equal "$OUT" "Attached photo.jpg (293.0 KiB), agenda.txt (18 bytes) to claim #$id; it now has 2 files. The membership secretary has been told."
$MAILBOX show "$box" "CPD claim #$id: Ann Surveyor adds evidence" >"$TESTDIR/added.txt"
added=$(cat "$TESTDIR/added.txt")
expect_contains "$added" "Ann Surveyor (ann) has added 2 files to claim #$id (pending):"
expect_contains "$added" "5 points for IIMS training day on 6 March 2017."
expect_contains "$added" "Evidence (2 files):"
expect_contains "$added" "To approve it:  cpd approve $id"
expect_equal "$($MAILBOX attachments "$box" "CPD claim #$id: Ann Surveyor adds evidence" | cut -f1)" "agenda.txt"
expect_contains "$(tr '\n' ' ' <"$TESTDIR/added.txt")" "photo.jpg (293.0 KiB, image/jpeg)     too large to send here"
refused 1 "photo.jpg is the same file as photo.jpg, already attached to claim #$id" ann attach "$id" "$TESTDIR/photo.jpg"
cp "$TESTDIR/notes.txt" "$TESTDIR/copy.txt"
refused 1 "copy.txt is the same file as notes.txt: attach each file once" ann attach "$id" "$TESTDIR/notes.txt" "$TESTDIR/copy.txt"
: >"$TESTDIR/empty.txt"
refused 65 "empty.txt is empty" ann attach "$id" "$TESTDIR/empty.txt"
refused 66 "no such file" ann attach "$id" "$TESTDIR/missing.pdf"
refused 77 "not yours" bob attach "$id" "$TESTDIR/agenda.txt"
ok sec approve "$id"
refused 1 "claim #$id is approved; evidence can be added to a pending claim" ann attach "$id" "$TESTDIR/cert.pdf"
