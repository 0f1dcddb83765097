#!/bin/sh
# Refuses unit test case names that CTest would split: doctest_discover_tests
# makes one CTest entry per case, and a ";" in a name cuts it into entries
# that match no case. Run after each build of the unit tests.
names=$("$1" --list-test-cases --no-version --no-intro) || exit 1
bad=$(printf '%s\n' "$names" | grep -F ';')
if [ -n "$bad" ]; then
  printf '%s\n' "$bad" | sed 's/^/unit test name holds ";", which CTest splits: /' >&2
  exit 1
fi
