# The manual, man/cpd.1: it documents every command, option and JSON field
# the binary has, and renders without a warning.

ROOT=$(cd "$E2E_DIR/../.." && pwd)
MANUAL=$ROOT/man/cpd.1
# The manual's text with roff's escaped hyphens made plain.
SOURCE=$(sed 's/\\-/-/g' "$MANUAL")

# The subcommands a help text lists.
subcommands() {
  sed -n '/^Subcommands:/,/^$/p' | awk 'NF && !/^Subcommands:/ {print $1}'
}

TEST "every command and subcommand of cpd --help has an entry"
commands=$("$CPD" --help | subcommands)
[ "$(wc -l <<<"$commands")" -ge 19 ] || fail "cpd --help lists too few commands: $commands"
for command in $commands; do
  grep -qE "^\.B cpd $command( |\$)" <<<"$SOURCE" || fail "no entry for cpd $command"
  for sub in $("$CPD" "$command" --help | subcommands); do
    grep -qE "^\.B cpd $command $sub( |\$)" <<<"$SOURCE" || fail "no entry for cpd $command $sub"
  done
done

TEST "every option of every command is described"
for command in "" $commands; do
  for sub in "" $([ -n "$command" ] && "$CPD" "$command" --help | subcommands); do
    # shellcheck disable=SC2086
    help=$("$CPD" $command $sub --help)
    for option in $(grep -oE -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
      grep -qF -- "$option" <<<"$SOURCE" || fail "cpd $command $sub: $option is not in the manual"
    done
  done
done

TEST "the sections a user looks for are there"
for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" ENVIRONMENT FILES "SHARED HOST" \
  SCHEDULING "JSON OUTPUT" SETTINGS EXAMPLES; do
  grep -qx "\.SH $section" <<<"$SOURCE" || fail "no section $section"
done
exits=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' <<<"$SOURCE" | sed -n 's/^\.B \([0-9]*\)$/\1/p' | tr '\n' ' ')
expect_equal "$exits" "0 1 64 65 66 67 69 70 74 75 77 78 "
environment=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH/p' <<<"$SOURCE")
for variable in CPD_DB CPD_SOCKET CPD_USER CPD_TODAY NO_COLOR; do
  expect_contains "$environment" ".B $variable"
done
shared=$(sed -n '/^\.SH SHARED HOST/,/^\.SH/p' <<<"$SOURCE")
for promise in "SO_PEERCRED" "0700" "0600" "cpd.socket" "--force" "_bash_aliases"; do
  expect_contains "$shared" "$promise"
done

TEST "every setting of cpd config list is described"
setup_scheme
ok sec config list --json
for setting in $(json '" ".join(d.keys())'); do
  grep -qE "^\.BR? .*$setting" <<<"$SOURCE" || fail "setting $setting is not in the manual"
done

TEST "every field of the JSON output is named"
ok ann claim iims-training-day --date 2017-03-14 --json
claim_out=$OUT
ok bob claim iims-webinar --date 2017-03-10
# json_keys: every key in the JSON document in $OUT, nested ones too.
json_keys() {
  /usr/bin/python3 -c '
import json, sys
def keys(v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from keys(x)
    elif isinstance(v, list):
        for x in v:
            yield from keys(x)
print("\n".join(sorted(set(keys(json.load(sys.stdin))))))' <<<"$OUT"
}
documented() {
  for key in $(json_keys); do
    grep -qE "^\.B(R)? $key( |\$)" <<<"$SOURCE" || fail "$1: JSON field '$key' is not in the manual"
  done
}
OUT=$claim_out documented "cpd claim"
for command in activities pending "history ann" "history --ledger ann" "balance ann" "member list" \
  report "remind --dry-run" "mail list" check; do
  # shellcheck disable=SC2086
  ok sec $command --json
  documented "cpd $command"
done
ok sec approve 1 --json
documented "cpd approve"
ok sec member add cron --name Scheduler --email cpd@example.org --secretary --no-cpd --json
documented "cpd member add"
ok sec member set bob --email bob@new.example --json
documented "cpd member set"
printf 'login,name,email\nBob,Bob Again,bob@new.example\n' >"$TESTDIR/members.csv"
ok sec member import "$TESTDIR/members.csv" --dry-run --json
documented "cpd member import"
ok sec exempt bob --from 2017 --reason retired --json
documented "cpd exempt"
ok sec adjust ann 1 --year 2017 --reason "claimed late" --json
documented "cpd adjust"
ok sec activity add iims-quiz --title Quiz --points 1 --json
documented "cpd activity add"
CPD_TODAY=2018-01-02 ok sec rollover --dry-run --json
documented "cpd rollover"
ok sec mail send --json
documented "cpd mail send"
ok sec --db "$TESTDIR/other.db" init --name Other --email other@example.org --json
documented "cpd init"
ok ann claim iims-conference --days 1 --date 2017-03-13
ok sec approve "$(sql "SELECT max(id) FROM claim")"
CPD_TODAY=2018-01-02 ok sec rollover
CPD_TODAY=2018-01-03 ok ann statement --json
documented "cpd statement"
code=$(json 'd["code"]')
ok stranger verify "$code" --json
documented "cpd verify"
CPD_TODAY=2018-01-03 ok sec audit draw --year 2017 --percent 100 --json
documented "cpd audit draw"
printf 'evidence\n' >"$TESTDIR/evidence.txt"
CPD_TODAY=2018-01-03 ok ann attach 1 "$TESTDIR/evidence.txt" --json
documented "cpd attach"
CPD_TODAY=2018-01-03 ok ann audit respond --json
documented "cpd audit respond"
CPD_TODAY=2018-01-03 ok sec audit fail ann --year 2017 --reason none --revoke 1 --json
documented "cpd audit fail"
CPD_TODAY=2018-01-03 ok sec audit --json
documented "cpd audit"
CPD_TODAY=2018-02-20 ok sec remind --dry-run --json
documented "cpd remind"
ok sec attachment list 1 --json
documented "cpd attachment list"
ok sec backup "$TESTDIR/copy.db" --json
documented "cpd backup"
CPD_TODAY=2018-02-20 ok sec report --year 2017 --json
documented "cpd report"

TEST "the manual renders without a warning"
if command -v mandoc >/dev/null; then
  expect_equal "$(mandoc -T lint -W warning "$MANUAL" 2>&1)" "" "mandoc -T lint"
else
  cannot_check "mandoc is not installed (apt-get install mandoc): the manual's lint"
fi
if command -v groff >/dev/null; then
  expect_equal "$(groff -man -ww -z "$MANUAL" 2>&1)" "" "groff -man -ww"
fi
if command -v man >/dev/null; then
  page=$(MANWIDTH=80 man -l "$MANUAL" 2>"$TESTDIR/man.err")
  expect_equal "$(cat "$TESTDIR/man.err")" "" "man -l"
  expect_contains "$page" "cpd - Continuing Professional Development"
  expect_contains "$page" "cpd-rollover.timer"
fi
