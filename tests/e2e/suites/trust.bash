# The install model, for real: cpd setgid to a group that owns the database
# folder, run by unprivileged users who cannot read the file, cannot act as
# somebody else and cannot point cpd elsewhere.
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
  echo "trust: needs root with useradd and runuser to create test users; skipped" >&2
  exit 125
fi
ROOT=${CPD_TRUST_ROOT:?}
group=cpdt$$
sec=cpdt$$s
ann=cpdt$$a
cleanup() {
  userdel "$sec" 2>/dev/null
  userdel "$ann" 2>/dev/null
  groupdel "$sec" 2>/dev/null
  groupdel "$ann" 2>/dev/null
  groupdel "$group" 2>/dev/null
  rm -rf "$ROOT"
}
trap cleanup EXIT
cleanup
groupadd "$group" || exit 70
useradd -M -U -s /bin/sh "$sec" || exit 70
useradd -M -U -s /bin/sh "$ann" || exit 70
mkdir -p "$ROOT/bin" "$ROOT/db"
chmod 755 "$ROOT" "$ROOT/bin"
install -o root -g "$group" -m 2755 "$CPD_TRUST" "$ROOT/bin/cpd"
chown "root:$group" "$ROOT/db"
chmod 2770 "$ROOT/db"
db=$ROOT/db/cpd.db
today=$(date +%F)

# as USER [VAR=VALUE...] -- ARGS...: runs the installed cpd as USER.
as() {
  local user=$1
  shift
  local vars=()
  while [ "$1" != "--" ]; do
    vars+=("$1")
    shift
  done
  shift
  LAST_COMMAND="$user: ${vars[*]} cpd $*"
  runuser -u "$user" -- env -i PATH=/usr/bin:/bin "${vars[@]}" "$ROOT/bin/cpd" "$@" \
    >"$TESTDIR/.out" 2>"$TESTDIR/.err"
  STATUS=$?
  OUT=$(cat "$TESTDIR/.out")
  ERR=$(cat "$TESTDIR/.err")
}
chmod 755 "$TESTDIR"

TEST "only root sets up an installed cpd, naming the first secretary"
as "$ann" -- init --name "Ann" --email ann@example.org
expect_equal "$STATUS" 77
expect_contains "$ERR" "only root"
[ ! -e "$db" ] || fail "a member created the database"
"$ROOT/bin/cpd" init --login "$sec" --name "Sam Secretary" --email sec@example.org >/dev/null
expect_equal "$?" 0
expect_equal "$(stat -c '%U:%G %a' "$db")" "root:$group 660"

TEST "members cannot open the database file themselves"
as "$sec" -- member add "$ann" --name "Ann Surveyor" --email ann@example.org
expect_equal "$STATUS" 0
runuser -u "$ann" -- cat "$db" >/dev/null 2>&1 && fail "a member could read the database file"
runuser -u "$ann" -- sqlite3 "$db" "UPDATE claim SET status = 'approved'" 2>/dev/null && fail "a member could write the database with sqlite3"
true

TEST "a member claims through cpd; the date and the identity are the real ones"
as "$ann" CPD_TODAY=2017-03-15 CPD_USER="$sec" -- claim iims-webinar --json
expect_equal "$STATUS" 0
expect_equal "$(json 'd["member"], d["date"]')" "('$ann', '$today')"

TEST "CPD_USER cannot make a member the secretary"
as "$ann" CPD_USER="$sec" -- approve 1
expect_equal "$STATUS" 77
expect_equal "$(sqlite3 "$db" "SELECT status FROM claim WHERE id = 1")" "pending"

TEST "--db is refused and CPD_DB ignored"
as "$ann" -- --db "$TESTDIR/mine.db" balance
expect_equal "$STATUS" 77
expect_contains "$ERR" "--db cannot be used"
as "$ann" CPD_DB="$TESTDIR/mine.db" -- balance --json
expect_equal "$STATUS" 0
expect_equal "$(json 'd["member"], d["pending"]')" "('$ann', 1)"
[ ! -e "$TESTDIR/mine.db" ] || fail "CPD_DB was followed"

TEST "members see only their own record"
as "$ann" -- balance "$sec"
expect_equal "$STATUS" 77
as "$ann" -- history "$sec"
expect_equal "$STATUS" 77

TEST "attachments are read with the member's own rights"
printf '%%PDF-1.4 group only\n' >"$ROOT/db/internal.pdf"
chown "root:$group" "$ROOT/db/internal.pdf"
chmod 640 "$ROOT/db/internal.pdf"
as "$ann" -- claim technical-paper --attach "$ROOT/db/internal.pdf"
expect_equal "$STATUS" 66
as "$ann" -- claim technical-paper --attach "$db"
expect_equal "$STATUS" 66
expect_equal "$(sqlite3 "$db" "SELECT count(*) FROM attachment")" "0"
printf '%%PDF-1.4 my paper\n' >"$TESTDIR/paper.pdf"
chown "$ann" "$TESTDIR/paper.pdf"
chmod 600 "$TESTDIR/paper.pdf"
as "$ann" -- claim technical-paper --attach "$TESTDIR/paper.pdf"
expect_equal "$STATUS" 0
expect_equal "$(sqlite3 "$db" "SELECT name FROM attachment")" "paper.pdf"

TEST "the secretary decides, through cpd"
as "$sec" -- approve 1
expect_equal "$STATUS" 0
as "$ann" -- balance --json
expect_equal "$(json 'd["total"]')" "1"
as "$sec" -- check
expect_equal "$STATUS" 0
