#include <cpd/util/error.hpp>
#include <cpd/util/points.hpp>

#include <fmt/format.h>

#include <limits>

namespace cpd {

namespace {

// Parses an unsigned decimal with at most `max_decimals` decimals into an
// integer scaled by 10^max_decimals.
std::optional<std::int64_t>
parse_scaled(std::string_view text, int max_decimals)
{
  std::int64_t value = 0;
  int decimals = -1; // -1: no decimal point seen yet
  bool any_digit = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (decimals >= 0 || !any_digit || i + 1 == text.size()) {
        return std::nullopt;
      }
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    if (decimals >= 0 && ++decimals > max_decimals) {
      return std::nullopt;
    }
    any_digit = true;
    if (__builtin_mul_overflow(value, 10, &value)
        || __builtin_add_overflow(value, c - '0', &value)) {
      return std::nullopt;
    }
  }
  if (!any_digit) {
    return std::nullopt;
  }
  for (int d = std::max(decimals, 0); d < max_decimals; ++d) {
    if (__builtin_mul_overflow(value, 10, &value)) {
      return std::nullopt;
    }
  }
  return value;
}

std::string
format_scaled(std::int64_t value, int decimals)
{
  const bool negative = value < 0;
  // Work in unsigned to format INT64_MIN without overflow.
  const auto magnitude =
    negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) {
    scale *= 10;
  }
  std::uint64_t whole = magnitude / scale;
  std::uint64_t fraction = magnitude % scale;
  std::string text = fmt::format("{}{}", negative ? "-" : "", whole);
  if (fraction != 0) {
    std::string digits = fmt::format("{:0{}}", fraction, decimals);
    while (digits.back() == '0') {
      digits.pop_back();
    }
    text += '.';
    text += digits;
  }
  return text;
}

[[noreturn]] void
overflow()
{
  throw Error(ErrorKind::bad_input, "points out of range");
}

} // namespace

std::optional<Points>
Points::parse(std::string_view text, Sign sign)
{
  bool negative = false;
  if (sign == Sign::allowed && !text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const auto tenths = parse_scaled(text, 1);
  if (!tenths) {
    return std::nullopt;
  }
  return Points(negative ? -*tenths : *tenths);
}

std::string
Points::to_string() const
{
  return format_scaled(m_tenths, 1);
}

Points
Points::operator+(Points other) const
{
  std::int64_t sum = 0;
  if (__builtin_add_overflow(m_tenths, other.m_tenths, &sum)) {
    overflow();
  }
  return Points(sum);
}

Points
Points::operator-(Points other) const
{
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(m_tenths, other.m_tenths, &difference)) {
    overflow();
  }
  return Points(difference);
}

Points
Points::operator-() const
{
  return Points() - *this;
}

Points&
Points::operator+=(Points other)
{
  return *this = *this + other;
}

Points&
Points::operator-=(Points other)
{
  return *this = *this - other;
}

std::optional<Quantity>
Quantity::parse(std::string_view text)
{
  const auto hundredths = parse_scaled(text, 2);
  if (!hundredths || *hundredths == 0) {
    return std::nullopt;
  }
  return Quantity(*hundredths);
}

std::string
Quantity::to_string() const
{
  return format_scaled(m_hundredths, 2);
}

std::string
points_phrase(Points points)
{
  return points.to_string()
         + (points.tenths() == 10 || points.tenths() == -10 ? " point" : " points");
}

std::string
PointsWorking::exact_text() const
{
  return format_scaled(exact_thousandths, 3);
}

std::optional<PointsWorking>
work_out_points(Points rate, Quantity quantity, std::optional<Points> max)
{
  // tenths × hundredths = thousandths of a point. Wide enough that only a
  // result beyond 64 bits overflows.
  __extension__ using Wide = __int128;
  const Wide product = static_cast<Wide>(rate.tenths()) * quantity.hundredths();
  if (product > std::numeric_limits<std::int64_t>::max()
      || product < std::numeric_limits<std::int64_t>::min()) {
    return std::nullopt;
  }
  PointsWorking working;
  working.rate = rate;
  working.quantity = quantity;
  working.exact_thousandths = static_cast<std::int64_t>(product);
  // Rounded down, towards zero: rates and quantities are positive.
  working.points = Points::from_tenths(static_cast<std::int64_t>(product / 100));
  if (max && working.points > *max) {
    working.cap = *max;
    working.points = *max;
  }
  return working;
}

} // namespace cpd
