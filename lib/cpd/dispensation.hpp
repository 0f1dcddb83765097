#pragma once

#include <cpd/context.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cpd {

class Database;

// A dispensation from the quota: for the years `from` to `until`, or every
// year from `from` on while `until` is empty (a retired member).
struct Dispensation
{
  std::int64_t id = 0;
  std::string member; // login
  int from = 0;
  std::optional<int> until;
  std::string reason;
};

// The years it covers, for a sentence: "for 2018", "from 2018 to 2020",
// "from 2018 on".
std::string years_phrase(int from, std::optional<int> until);

// The furthest a dispensation may reach beyond this year.
inline constexpr int k_dispensation_years_ahead = 5;

// A secretary grants a member a dispensation, and the member is mailed.
// Refused: a year before the scheme started or more than
// k_dispensation_years_ahead ahead, `until` before `from`, a year the member
// is exempt for already, a member without a CPD duty, and one's own.
Dispensation grant_dispensation(Database& db,
                                const Context& context,
                                std::string_view login,
                                int from,
                                std::optional<int> until,
                                std::string_view reason);

// A secretary lifts a member's dispensation for the years `from` to
// `until` (every year from `from` on when empty); the parts of a
// dispensation outside those years stay in force. Lifted dispensations stay
// on record. The member is mailed. Refused when no dispensation covers any
// of those years.
Dispensation lift_dispensation(
  Database& db, const Context& context, std::string_view login, int from, std::optional<int> until);

} // namespace cpd
