#pragma once

#include <cpd/util/date.hpp>

#include <cstdint>
#include <string>

namespace cpd {

// Who acts: a person, by their login, or the system itself (root or the
// server's own user on a shared host): year end, reminders, mail delivery
// and checks, never a claim or a decision.
enum class Actor { person, system };

// Who is acting and when. The command line fills it in from the OS user and
// the clock; tests and the library's callers pass their own.
struct Context
{
  std::string login;          // the acting user's login
  Date today;                 // the civil date the scheme's rules apply to
  std::int64_t now = 0;       // seconds since 1970-01-01 UTC, for the record
  int utc_offset_minutes = 0; // local time minus UTC, for mail Date headers
  Actor actor = Actor::person;
};

// For commands that can show what they would do without doing it.
enum class DryRun { no, yes };

} // namespace cpd
