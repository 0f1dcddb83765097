#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cpd {

// An exact number of CPD points, counted in tenths over a 64-bit integer.
// Never built from floating point; arithmetic throws on overflow.
class Points
{
public:
  constexpr Points() = default;

  static constexpr Points
  from_tenths(std::int64_t tenths)
  {
    return Points(tenths);
  }

  // Parses "5", "0.5", "12.0", "-3" (a sign only with Sign::allowed). Returns
  // nothing for anything else, including "0.25", "1e3", " 5" and overflow.
  enum class Sign { allowed, forbidden };
  static std::optional<Points> parse(std::string_view text, Sign sign = Sign::forbidden);

  constexpr std::int64_t
  tenths() const
  {
    return m_tenths;
  }

  // "5", "0.5", "-2.5": the shortest exact decimal, also valid JSON.
  std::string to_string() const;

  Points operator+(Points other) const;
  Points operator-(Points other) const;
  Points operator-() const;
  Points& operator+=(Points other);
  Points& operator-=(Points other);

  constexpr auto operator<=>(const Points&) const = default;

private:
  constexpr explicit Points(std::int64_t tenths)
    : m_tenths(tenths)
  {}

  std::int64_t m_tenths = 0;
};

// The larger of two amounts, or the smaller.
constexpr Points
max(Points a, Points b)
{
  return a < b ? b : a;
}
constexpr Points
min(Points a, Points b)
{
  return a < b ? a : b;
}

// A quantity of hours or units, counted in hundredths ("1.25" hours).
class Quantity
{
public:
  // Parses a positive decimal with at most two decimal places.
  static std::optional<Quantity> parse(std::string_view text);

  static constexpr Quantity
  from_hundredths(std::int64_t hundredths)
  {
    return Quantity(hundredths);
  }

  constexpr std::int64_t
  hundredths() const
  {
    return m_hundredths;
  }

  std::string to_string() const;

  constexpr auto operator<=>(const Quantity&) const = default;

private:
  constexpr explicit Quantity(std::int64_t hundredths)
    : m_hundredths(hundredths)
  {}

  std::int64_t m_hundredths = 0;
};

// "5 points", "1 point", "0.5 points": an amount in a sentence.
std::string points_phrase(Points points);

// `rate` points per unit times `quantity` units, or nothing when the result is
// not a whole number of tenths (0.5 points/hour for 1.25 hours) or overflows.
std::optional<Points> multiply(Points rate, Quantity quantity);

} // namespace cpd
