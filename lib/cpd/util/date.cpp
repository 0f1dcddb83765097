#include <cpd/util/date.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <array>

namespace cpd {

namespace {

bool
leap(int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
days_in_month(int year, int month)
{
  static constexpr std::array<int, 12> k_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : k_days[static_cast<std::size_t>(month - 1)];
}

constexpr std::array<const char*, 12> k_month_names = {"January",
                                                       "February",
                                                       "March",
                                                       "April",
                                                       "May",
                                                       "June",
                                                       "July",
                                                       "August",
                                                       "September",
                                                       "October",
                                                       "November",
                                                       "December"};

} // namespace

bool
Date::valid(int year, int month, int day)
{
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1
         && day <= days_in_month(year, month);
}

int
checked_year(int year)
{
  if (!Date::valid(year, 1, 1)) {
    throw Error(ErrorKind::bad_input, "{} is not a year", year);
  }
  return year;
}

Date::Date(int year, int month, int day)
  : m_year(year)
  , m_month(month)
  , m_day(day)
{
  if (!valid(year, month, day)) {
    throw Error(ErrorKind::bad_input, "{:04}-{:02}-{:02} is not a date", year, month, day);
  }
}

std::optional<Date>
Date::parse(std::string_view text)
{
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  auto number = [&](std::size_t from, std::size_t count) -> int {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return -1;
      }
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = number(0, 4);
  const int month = number(5, 2);
  const int day = number(8, 2);
  if (!valid(year, month, day)) {
    return std::nullopt;
  }
  return Date(year, month, day);
}

std::int64_t
Date::days() const
{
  return days_from_civil(m_year, m_month, m_day);
}

Date
Date::from_days(std::int64_t days)
{
  const auto civil = civil_from_days(days);
  return {static_cast<int>(civil.year), civil.month, civil.day};
}

Date
Date::plus_days(std::int64_t n) const
{
  return from_days(days() + n);
}

std::string
Date::to_string() const
{
  return fmt::format("{:04}-{:02}-{:02}", m_year, m_month, m_day);
}

std::string
Date::to_long_string() const
{
  return fmt::format(
    "{} {} {}", m_day, k_month_names[static_cast<std::size_t>(m_month - 1)], m_year);
}

Date
year_end(int year)
{
  return {year, 12, 31};
}

std::int64_t
days_from_civil(std::int64_t year, std::int64_t month, std::int64_t day)
{
  const std::int64_t y = month <= 2 ? year - 1 : year;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDay
civil_from_days(std::int64_t days)
{
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {
    yoe + era * 400 + (month <= 2 ? 1 : 0), month, static_cast<int>(doy - (153 * mp + 2) / 5 + 1)};
}

} // namespace cpd
