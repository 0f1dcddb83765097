# Output for people at a terminal, and for everything else: colour, the
# balance bar and tables fitted to the width only on a terminal (run under
# script(1)), never with NO_COLOR, never when piped.

setup_scheme
LONG_NAME="Annabel Surveyor-Smythe of the Royal Institution of Naval Architects"
ok sec member add ann2 --name "$LONG_NAME" --email ann2@example.org
ok ann claim iims-training-day --date 2017-03-14 --note "Hull and machinery survey course"
ok bob claim iims-webinar --date 2017-03-10
ok sec approve 1
ESC=$'\033'

# at_terminal COLUMNS COMMAND...: runs cpd (as sec) in a pseudo-terminal that
# many columns wide; its output, without carriage returns, in TTY_OUT.
at_terminal() {
  local columns=$1
  shift
  local command
  printf -v command '%q ' "$@"
  TTY_OUT=$(script -qec "stty cols $columns; $command" /dev/null </dev/null | tr -d '\r')
}

# widest TEXT: the most terminal columns a line of TEXT takes, colour aside.
widest() {
  /usr/bin/python3 -c '
import re, sys, unicodedata
text = re.sub(r"\x1b\[[0-9;]*m", "", sys.stdin.read())
print(max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
          for line in text.splitlines()))' <<<"$1"
}

TEST "piped, no escape codes, no bar, nothing cut"
for command in "balance ann" "history ann" pending report "mail list" "member list" activities \
  "config list"; do
  # shellcheck disable=SC2086
  ok sec $command
  expect_not_contains "$OUT" "$ESC"
done
ok ann balance
expect_not_contains "$OUT" "▕"
expect_contains "$OUT" "You need 5 points more by 31 December 2017."
ok sec report
expect_contains "$OUT" "$LONG_NAME"
expect_not_contains "$OUT" "…"

if ! command -v script >/dev/null; then
  cannot_check "script(1) is not installed (apt-get install bsdutils): terminal output"
  return 0
fi

TEST "on a terminal, the balance is a bar towards the quota"
CPD_USER=ann at_terminal 80 "$CPD" balance
expect_contains "$TTY_OUT" "5 of 10 points "
expect_contains "$TTY_OUT" "▕█████     ▏"
expect_contains "$TTY_OUT" " 5 more by 31 December 2017"
expect_contains "$TTY_OUT" "You need 5 points more by 31 December 2017."
expect_contains "$TTY_OUT" "${ESC}[33m▕"
CPD_USER=bob NO_COLOR=1 at_terminal 80 "$CPD" balance
expect_contains "$TTY_OUT" "0 of 10 points ▕          ▏ 10 more by 31 December 2017"
ok sec member add sue --name "Sue Second" --email sue@example.org --secretary
ok sec claim iims-conference --days 3 --date 2017-03-01
ok sue approve 3
CPD_USER=sec NO_COLOR=1 at_terminal 80 "$CPD" balance
expect_contains "$TTY_OUT" "15 of 10 points ▕██████████▏ quota met"
ok ann claim private-study --hours 1 --date 2017-03-02
ok sec approve 4
CPD_USER=ann NO_COLOR=1 at_terminal 80 "$CPD" balance
expect_contains "$TTY_OUT" "5.5 of 10 points ▕█████▌    ▏ 4.5 more by 31 December 2017"

TEST "on a terminal, status words are coloured, but never with NO_COLOR"
at_terminal 200 "$CPD" report
expect_contains "$TTY_OUT" "${ESC}[31mshort${ESC}[0m"
expect_contains "$TTY_OUT" "${ESC}[32mcompliant${ESC}[0m"
NO_COLOR=1 at_terminal 200 "$CPD" report
expect_not_contains "$TTY_OUT" "$ESC"
expect_contains "$TTY_OUT" "short"
NO_COLOR= at_terminal 200 "$CPD" report
expect_contains "$TTY_OUT" "$ESC"

TEST "on a terminal, a wide table is fitted to the width with an ellipsis"
at_terminal 200 "$CPD" report
expect_contains "$TTY_OUT" "$LONG_NAME"
at_terminal 72 "$CPD" report
expect_not_contains "$TTY_OUT" "$LONG_NAME"
expect_contains "$TTY_OUT" "Annabel"
expect_contains "$TTY_OUT" "…"
[ "$(widest "$TTY_OUT")" -le 72 ] || fail "a line is wider than 72 columns: $TTY_OUT"
expect_contains "$TTY_OUT" "compliant"
at_terminal 60 "$CPD" activities
[ "$(widest "$TTY_OUT")" -le 60 ] || fail "a line is wider than 60 columns: $TTY_OUT"
expect_contains "$TTY_OUT" "iims-training-day"

TEST "JSON is the same on a terminal and piped"
ok sec report --json
at_terminal 40 "$CPD" report --json
expect_equal "$TTY_OUT" "$OUT"
