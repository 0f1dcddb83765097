# The harness itself: a suite that runs nothing, or a "nothing changed"
# check that cannot look, fails rather than passes.

# inner SUITE: runs a suite of tests/e2e/harness with this harness.
inner() {
  E2E_SUITES=$E2E_DIR/harness bash "$E2E_DIR/run" "$1" >"$TESTDIR/inner.out" 2>"$TESTDIR/inner.err"
  STATUS=$?
  OUT=$(cat "$TESTDIR/inner.out")
  ERR=$(cat "$TESTDIR/inner.err")
}

TEST "a suite that runs no test fails"
inner empty
expect_equal "$STATUS" 1
expect_contains "$ERR" "no test ran"

TEST "refused fails when it cannot snapshot the database"
inner unreadable
expect_equal "$STATUS" 1
expect_contains "$ERR" "cannot take a snapshot of the database"
expect_contains "$OUT" "0 passed, 1 failed"
