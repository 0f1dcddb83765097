#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>

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
  // A dispensation of part of a year: its days (`from` and `until` are
  // then their years).
  std::optional<Date> from_day{};
  std::optional<Date> until_day{};
};

// The years it covers, for a sentence: "for 2018", "from 2018 to 2020",
// "from 2018 on".
std::string years_phrase(int from, std::optional<int> until);

// The days it covers, for a sentence: "from 1 March 2017 to 31 August 2017",
// "from 1 March 2017 on".
std::string days_phrase(Date from, std::optional<Date> until);

// Its years or days, for a sentence.
std::string span_phrase(const Dispensation& dispensation);

// The furthest a dispensation may reach beyond this year.
inline constexpr int k_dispensation_years_ahead = 5;

// A secretary grants a member a dispensation, and the member is mailed.
// Refused: a year before the scheme started or more than
// k_dispensation_years_ahead ahead, `until` before `from`, a year the member
// is exempt for already, a member without a CPD duty, and one's own.
Dispensation grant_dispensation(Database& db,
                                const Secretary& context,
                                std::string_view login,
                                int from,
                                std::optional<int> until,
                                std::string_view reason);

// A secretary grants a member a dispensation of part of a year (or from a
// day on): the months it touches are taken off their requirement, pro
// rata; the member is mailed. Refused as a whole-year one is, and when the
// scheme does not pro-rate (scheme.prorata none) or it overlaps one in
// force.
Dispensation grant_dispensation_days(Database& db,
                                     const Secretary& context,
                                     std::string_view login,
                                     Date from,
                                     std::optional<Date> until,
                                     std::string_view reason);

// A secretary lifts a member's dispensations of part of a year that touch
// the days `from` to `until` (every day from `from` on when empty); their
// days outside stay in force. Refused when none does.
Dispensation lift_dispensation_days(Database& db,
                                    const Secretary& context,
                                    std::string_view login,
                                    Date from,
                                    std::optional<Date> until);

// A secretary lifts a member's dispensation for the years `from` to
// `until` (every year from `from` on when empty), of whole years or part of
// one; the parts of a dispensation outside those years stay in force. Lifted dispensations stay
// on record. The member is mailed. Refused when no dispensation covers any
// of those years.
Dispensation lift_dispensation(Database& db,
                               const Secretary& context,
                               std::string_view login,
                               int from,
                               std::optional<int> until);

} // namespace cpd
