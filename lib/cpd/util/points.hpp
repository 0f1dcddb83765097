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

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
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

// "5 points", "1 point", "-1 point", "0.5 points": an amount in a sentence.
std::string points_phrase(Points points);

// What a per-hour, per-day or per-item claim is worth, and how: `rate`
// points per unit times `quantity` units, exactly, then rounded down to a
// tenth of a point, then capped at the activity's maximum.
struct PointsWorking
{
  Points rate;
  Quantity quantity = Quantity::from_hundredths(0);
  std::int64_t exact_thousandths = 0; // rate × quantity, exactly, in thousandths of a point
  std::optional<Points> cap;          // the maximum per claim, when it applied
  Points points;                      // what the claim is worth

  // True when the exact product was not a whole number of tenths.
  bool
  rounded_down() const
  {
    return !cap && exact_thousandths % 100 != 0;
  }

  // The exact product as a decimal, "0.625", "20".
  std::string exact_text() const;
};

// `rate` points per unit times `quantity` units, rounded down to 0.1 and
// capped at `max`; nothing when the product overflows.
std::optional<PointsWorking>
work_out_points(Points rate, Quantity quantity, std::optional<Points> max = std::nullopt);

} // namespace cpd
