#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cpd {

// A civil (proleptic Gregorian) date between 0001-01-01 and 9999-12-31.
class Date
{
public:
  // Throws on an invalid date; use parse() for untrusted text.
  Date(int year, int month, int day);

  // Exactly YYYY-MM-DD naming a real day: "2017-02-30", "2017-1-5",
  // "0000-01-01" and " 2017-01-01" give nothing.
  static std::optional<Date> parse(std::string_view text);

  // The date `days` days after 1970-01-01 (negative: before).
  static Date from_days(std::int64_t days);

  static bool valid(int year, int month, int day);

  int
  year() const
  {
    return m_year;
  }
  int
  month() const
  {
    return m_month;
  }
  int
  day() const
  {
    return m_day;
  }

  // Days since 1970-01-01.
  std::int64_t days() const;

  Date plus_days(std::int64_t n) const;

  // "2017-03-14"
  std::string to_string() const;

  // "14 March 2017"
  std::string to_long_string() const;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Date&) const = default;

private:
  int m_year;
  int m_month;
  int m_day;
};

// The last day of the calendar year.
Date year_end(int year);

// `year`, when a Date can be in it (1 to 9999); refuses any other
// (bad_input).
int checked_year(int year);

// Days since 1970-01-01 of a proleptic Gregorian date and back, for any
// year (Howard Hinnant's public-domain algorithms); Date checks the range.
std::int64_t days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day);
struct CivilDay
{
  std::int64_t year = 1970;
  int month = 1;
  int day = 1;
};
CivilDay civil_from_days(std::int64_t days);

} // namespace cpd
