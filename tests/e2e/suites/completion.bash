# Shell completion: the bash function from data/completion/cpd.bash, driven as
# bash drives it, and the zsh function with zsh's builtins stood in for.

ROOT=$(cd "$E2E_DIR/../.." && pwd)
setup_scheme
CPD_USER=sec "$CPD" claim iims-webinar --date 2017-03-01 >/dev/null || exit 70

# complete USER WORD...: runs the bash completion function for the command
# line `cpd WORD...` (the last word is the one being completed) as USER and
# leaves the candidates in REPLY, one a line.
complete_bash() {
  local user=$1
  shift
  REPLY=$(
    # shellcheck source=/dev/null
    source "$ROOT/data/completion/cpd.bash"
    COMP_WORDS=("$CPD" "$@")
    COMP_CWORD=$#
    CPD_USER=$user _cpd
    printf '%s\n' "${COMPREPLY[@]}"
  )
}

TEST "the bash script registers a completion for cpd"
registered=$(bash -c "source '$ROOT/data/completion/cpd.bash' && complete -p cpd")
expect_contains "$registered" "-F _cpd cpd"

TEST "subcommands complete, and the hidden one is not offered"
complete_bash ann ""
expect_contains "$REPLY" "claim"
expect_contains "$REPLY" "balance"
expect_contains "$REPLY" "rollover"
expect_not_contains "$REPLY" "__complete"
complete_bash ann ap
expect_equal "$REPLY" "approve"
complete_bash ann member ""
expect_equal "$(echo $REPLY)" "add list import deactivate reactivate confirm-account set"

TEST "options complete for the subcommand, with the global ones"
complete_bash ann claim --
expect_contains "$REPLY" "--date"
expect_contains "$REPLY" "--attach"
expect_contains "$REPLY" "--json"
expect_not_contains "$REPLY" "--reason"
complete_bash ann decline 3 --r
expect_equal "$REPLY" "--reason"

TEST "activity codes complete for anyone, and not retired ones"
complete_bash ann claim iims-t
expect_equal "$REPLY" "iims-training-day"
complete_bash nobody claim iims-w
expect_equal "$REPLY" "iims-webinar"
CPD_USER=sec "$CPD" activity retire iims-webinar >/dev/null || fail "retire failed"
complete_bash ann claim iims-w
expect_equal "$REPLY" ""
complete_bash sec activity set iims-tr
expect_equal "$REPLY" "iims-training-day"

TEST "member logins complete for a secretary only"
complete_bash sec balance ""
expect_equal "$(echo $REPLY)" "ann bob sec"
complete_bash sec exempt b
expect_equal "$REPLY" "bob"
complete_bash ann balance ""
expect_equal "$REPLY" ""
complete_bash ann history b
expect_equal "$REPLY" ""

TEST "pending claim ids complete for approve, settings for config"
complete_bash sec approve ""
expect_equal "$REPLY" "1"
complete_bash sec config set scheme.q
expect_equal "$REPLY" "scheme.quota"

TEST "option values: files for --attach, units for --per, the --db on the line"
mkdir "$TESTDIR/evidence" && touch "$TESTDIR/evidence/paper.pdf"
complete_bash ann claim technical-paper --attach "$TESTDIR/evidence/pa"
expect_equal "$REPLY" "$TESTDIR/evidence/paper.pdf"
complete_bash sec activity add x --per h
expect_equal "$REPLY" "hour"
CPD_DB=$TESTDIR/none.db complete_bash ann --db "$CPD_DB" claim iims-tr
expect_equal "$REPLY" "iims-training-day"
CPD_DB=$TESTDIR/none.db complete_bash ann claim iims-tr
expect_equal "$REPLY" ""

TEST "the zsh function offers the same candidates"
if ! command -v zsh >/dev/null; then
  cannot_check "zsh is not installed (apt-get install zsh): zsh completion"
else
  zsh_reply() {
    CPD_USER=$1 zsh -f -c '
      compadd() { print -l -- "${(@P)2}"; }
      _files() { print -- FILES; }
      words=("$@"); CURRENT=$#
      source "$ZSH_SCRIPT"' cpd "$CPD" "${@:2}"
  }
  export ZSH_SCRIPT=$ROOT/data/completion/_cpd
  expect_equal "$(zsh_reply ann claim iims-tr)" "iims-training-day"
  expect_equal "$(zsh_reply ann claim --attach x)" "FILES"
  expect_equal "$(zsh_reply sec balance b)" "bob"
fi
