# The command line itself: help, version, usage errors, the database option.

TEST "--help and --version"
ok sec --help
expect_contains "$OUT" "claim"
expect_contains "$OUT" "approve"
ok sec claim --help
expect_contains "$OUT" "--attach"
ok sec --version
expect_contains "$OUT" "cpd "

TEST "usage errors exit 64 with one line on stderr"
refused 64 "subcommand" sec
refused 64 "" sec frobnicate
refused 64 "" sec claim
refused 64 "" sec balance --colour
refused 64 "" sec member

TEST "--db and CPD_DB choose the database"
ok sec --db "$TESTDIR/other.db" init --name "Other Sec" --email o@example.org
[ -f "$TESTDIR/other.db" ] || fail "--db was not used"
[ ! -e "$CPD_DB" ] || fail "CPD_DB was used despite --db"
CPD_DB=$TESTDIR/other.db ok sec member list --json
expect_equal "$(json '[m["login"] for m in d]')" "['sec']"
ok sec member list --db "$TESTDIR/other.db"
expect_contains "$OUT" "Other Sec"

TEST "a bad CPD_TODAY is refused"
CPD_TODAY=2017-13-01 refused 65 "CPD_TODAY" sec --db "$TESTDIR/other.db" balance

TEST "a file that is not a cpd database is refused and left alone"
printf 'hello\n' >"$TESTDIR/notes.txt"
refused 65 "not a cpd database" sec --db "$TESTDIR/notes.txt" activities
expect_equal "$(cat "$TESTDIR/notes.txt")" "hello"
sqlite3 "$TESTDIR/foreign.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
refused 65 "not a cpd database" sec --db "$TESTDIR/foreign.db" init --name A --email a@example.org
expect_equal "$(sqlite3 "$TESTDIR/foreign.db" "SELECT x FROM t")" "1"

TEST "a database from a newer cpd is refused"
cp "$TESTDIR/other.db" "$TESTDIR/newer.db"
sqlite3 "$TESTDIR/newer.db" "PRAGMA user_version = 999"
refused 65 "newer cpd" sec --db "$TESTDIR/newer.db" activities
