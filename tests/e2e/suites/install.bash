# `cmake --install`: the tree a user or a package gets, and that it works
# from there. Needs the build folder ($CPD_BUILD_DIR).

if [ -z "${CPD_BUILD_DIR:-}" ]; then
  skip_suite "CPD_BUILD_DIR is not set"
fi

TEST "a staged install (DESTDIR) puts every file where Debian looks"
DESTDIR=$TESTDIR/root cmake --install "$CPD_BUILD_DIR" --prefix /usr >"$TESTDIR/install.log" 2>&1 \
  || fail "cmake --install failed: $(tail -5 "$TESTDIR/install.log")"
R=$TESTDIR/root
for file in usr/bin/cpd \
  usr/share/man/man1/cpd.1.gz usr/share/man/man5/cpd.conf.5.gz \
  usr/share/bash-completion/completions/cpd \
  usr/share/zsh/vendor-completions/_cpd \
  usr/lib/systemd/system/cpd-rollover.timer usr/lib/systemd/system/cpd-rollover.service \
  usr/lib/systemd/system/cpd-remind.timer usr/lib/systemd/system/cpd-remind.service \
  usr/lib/systemd/system/cpd-mail.timer usr/lib/systemd/system/cpd-mail.service \
  usr/lib/systemd/system/cpd-backup.timer usr/lib/systemd/system/cpd-backup.service \
  usr/share/cpd/templates/audit-request.txt \
  usr/lib/systemd/system/cpd.socket usr/lib/systemd/system/cpd.service \
  usr/share/doc/cpd/examples/cpd.cron usr/share/doc/cpd/README.md \
  usr/share/cpd/activities.csv usr/share/cpd/templates/reminder.txt; do
  [ -f "$R/$file" ] || fail "$file is not installed"
done
[ -x "$R/usr/bin/cpd" ] || fail "usr/bin/cpd is not executable"
unexpected=$(cd "$R" && find . -type f | grep -vE '^\./usr/(bin|share|lib/systemd/system)/')
expect_equal "$unexpected" "" "files outside the expected folders"

TEST "the installed cpd is an ordinary program"
[ -g "$R/usr/bin/cpd" ] && fail "a staged cpd is setgid"
[ -u "$R/usr/bin/cpd" ] && fail "a staged cpd is setuid"
expect_equal "$(stat -c '%a' "$R/usr/bin/cpd")" "755"

TEST "the installed cpd, manual and completion work"
run sec --version
"$R/usr/bin/cpd" --version >"$TESTDIR/version" || fail "the installed cpd does not run"
expect_equal "$(cat "$TESTDIR/version")" "$OUT"
if command -v man >/dev/null; then
  page=$(MANWIDTH=80 man -l "$R/usr/share/man/man1/cpd.1.gz" 2>&1)
  expect_contains "$page" "EXIT STATUS"
  expect_contains "$page" "cpd rollover"
fi
setup_scheme
reply=$(
  source "$R/usr/share/bash-completion/completions/cpd"
  COMP_WORDS=("$R/usr/bin/cpd" claim iims-train)
  COMP_CWORD=2
  _cpd
  echo "${COMPREPLY[*]}"
)
expect_equal "$reply" "iims-training-day"

TEST "an install under another prefix works from there, as an ordinary program"
cmake --install "$CPD_BUILD_DIR" --prefix "$TESTDIR/prefix" >"$TESTDIR/prefix.log" 2>&1 \
  || fail "cmake --install --prefix failed"
expect_equal "$(stat -c '%a' "$TESTDIR/prefix/bin/cpd")" "755"
"$TESTDIR/prefix/bin/cpd" --help >/dev/null || fail "cpd does not run from the prefix"
[ -f "$TESTDIR/prefix/share/man/man1/cpd.1.gz" ] || fail "no manual under the prefix"
