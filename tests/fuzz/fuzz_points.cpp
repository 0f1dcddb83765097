// libFuzzer target for exact points and quantities: Points::parse,
// Quantity::parse and work_out_points(). Input: "RATE\0QUANTITY" (or one field).
// Whatever parses prints back to text that parses to the same value, and
// arithmetic is exact or refused, never wrong.

#include "fuzz.hpp"

#include <cpd/util/points.hpp>

#include <string>

namespace {

void
round_trip(std::string_view text)
{
  using fuzz::check;
  const auto unsigned_points = cpd::Points::parse(text);
  const auto signed_points = cpd::Points::parse(text, cpd::Points::Sign::allowed);
  if (unsigned_points) {
    check(signed_points == unsigned_points);
    check(unsigned_points->tenths() >= 0);
  }
  if (signed_points) {
    const auto printed = signed_points->to_string();
    check(cpd::Points::parse(printed, cpd::Points::Sign::allowed) == signed_points);
    check(!cpd::points_phrase(*signed_points).empty());
    // Sums are exact or refused as out of range.
    fuzz::accepts({cpd::ErrorKind::bad_input}, [&] {
      const auto twice = *signed_points + *signed_points;
      check(twice.tenths() == 2 * signed_points->tenths());
      check(twice - *signed_points == *signed_points);
    });
    fuzz::accepts({cpd::ErrorKind::bad_input},
                  [&] { check(-(-*signed_points) == *signed_points); });
  }
  if (const auto quantity = cpd::Quantity::parse(text)) {
    check(quantity->hundredths() > 0);
    check(cpd::Quantity::parse(quantity->to_string()) == quantity);
  }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using fuzz::check;
  const auto [first, second] = fuzz::split(fuzz::as_text(data, size));
  round_trip(first);
  round_trip(second);

  const auto rate = cpd::Points::parse(first);
  const auto quantity = cpd::Quantity::parse(second);
  if (rate && quantity) {
    const auto working = cpd::work_out_points(*rate, *quantity);
    const __int128 exact = static_cast<__int128>(rate->tenths()) * quantity->hundredths();
    if (working) {
      check(static_cast<__int128>(working->exact_thousandths) == exact);
      // Rounded down to a tenth: never more than the product, less by under 0.1.
      check(static_cast<__int128>(working->points.tenths()) * 100 <= exact);
      check(exact - static_cast<__int128>(working->points.tenths()) * 100 < 100);
      check(working->rounded_down() == (exact % 100 != 0));
    } else {
      // Refused only out of range.
      check(exact > INT64_MAX);
    }
  }
  return 0;
}
