#include <cpd/util/error.hpp>
#include <cpd/util/points.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

using cpd::Points;
using cpd::Quantity;

TEST_CASE("Points::parse")
{
  SUBCASE("whole and one decimal")
  {
    CHECK(Points::parse("5")->tenths() == 50);
    CHECK(Points::parse("0.5")->tenths() == 5);
    CHECK(Points::parse("12.0")->tenths() == 120);
    CHECK(Points::parse("007")->tenths() == 70);
  }
  SUBCASE("refuses more precision than a tenth")
  {
    CHECK_FALSE(Points::parse("0.25"));
    CHECK_FALSE(Points::parse("1.00"));
  }
  SUBCASE("refuses what is not a plain decimal")
  {
    for (const char* text :
         {"", ".", "5.", ".5", "1e3", " 5", "5 ", "five", "0x10", "1,5", "--1", "+-1"}) {
      CAPTURE(text);
      CHECK_FALSE(Points::parse(text));
    }
  }
  SUBCASE("sign only where allowed")
  {
    CHECK_FALSE(Points::parse("-1"));
    CHECK_FALSE(Points::parse("+1"));
    CHECK(Points::parse("-2.5", Points::Sign::allowed)->tenths() == -25);
    CHECK(Points::parse("+3", Points::Sign::allowed)->tenths() == 30);
  }
  SUBCASE("overflow is refused, not wrapped")
  {
    CHECK(Points::parse("922337203685477580.7")->tenths()
          == std::numeric_limits<std::int64_t>::max());
    CHECK_FALSE(Points::parse("922337203685477580.8"));
    CHECK_FALSE(Points::parse("99999999999999999999999"));
  }
}

TEST_CASE("Points::to_string is the shortest exact decimal")
{
  CHECK(Points::from_tenths(50).to_string() == "5");
  CHECK(Points::from_tenths(5).to_string() == "0.5");
  CHECK(Points::from_tenths(0).to_string() == "0");
  CHECK(Points::from_tenths(-25).to_string() == "-2.5");
  CHECK(Points::from_tenths(125).to_string() == "12.5");
  CHECK(Points::from_tenths(std::numeric_limits<std::int64_t>::min()).to_string()
        == "-922337203685477580.8");
}

TEST_CASE("Points arithmetic is exact and checked")
{
  // 0.1 added ten times is exactly 1, unlike binary floating point.
  Points sum;
  for (int i = 0; i < 10; ++i) {
    sum += *Points::parse("0.1");
  }
  CHECK(sum == *Points::parse("1"));
  CHECK((*Points::parse("5") - *Points::parse("7.5")).to_string() == "-2.5");
  const auto big = Points::from_tenths(std::numeric_limits<std::int64_t>::max());
  CHECK_THROWS_AS(big + Points::from_tenths(1), cpd::Error);
  CHECK(cpd::max(Points::from_tenths(3), Points::from_tenths(-3)).tenths() == 3);
  CHECK(cpd::min(Points::from_tenths(3), Points::from_tenths(-3)).tenths() == -3);
}

TEST_CASE("Quantity and multiply")
{
  CHECK(Quantity::parse("1.25")->hundredths() == 125);
  CHECK(Quantity::parse("3")->hundredths() == 300);
  CHECK(Quantity::parse("3")->to_string() == "3");
  CHECK(Quantity::parse("1.5")->to_string() == "1.5");
  CHECK_FALSE(Quantity::parse("0"));
  CHECK_FALSE(Quantity::parse("1.255"));
  CHECK_FALSE(Quantity::parse("-1"));

  const auto work = [](const char* rate, const char* quantity, const char* max = nullptr) {
    return cpd::work_out_points(
      *Points::parse(rate), *Quantity::parse(quantity), max ? Points::parse(max) : std::nullopt);
  };
  // 1 point per hour for 1.5 hours
  CHECK(work("1", "1.5")->points.to_string() == "1.5");
  // 0.5 points per hour for 3 hours
  CHECK(work("0.5", "3")->points.to_string() == "1.5");
  CHECK_FALSE(work("0.5", "3")->rounded_down());
  CHECK_FALSE(work("0.5", "3")->cap);
}

TEST_CASE("a product between two tenths is rounded down, and shown exactly")
{
  const auto work = [](const char* rate, const char* quantity, const char* max = nullptr) {
    return *cpd::work_out_points(
      *Points::parse(rate), *Quantity::parse(quantity), max ? Points::parse(max) : std::nullopt);
  };
  // 0.5 points per hour for 1.25 hours = 0.625
  const auto quarter = work("0.5", "1.25");
  CHECK(quarter.points.to_string() == "0.6");
  CHECK(quarter.exact_text() == "0.625");
  CHECK(quarter.rounded_down());
  // 90 minutes and 45 minutes at 0.5 points an hour
  CHECK(work("0.5", "1.5").points.to_string() == "0.7");
  CHECK(work("0.5", "0.75").points.to_string() == "0.3");
  CHECK(work("0.5", "0.75").exact_text() == "0.375");
  // below a tenth: nothing
  CHECK(work("0.5", "0.1").points.tenths() == 0);
  // 4 days at 5 points, capped at 15: the cap, not a rounding, is what applied
  const auto capped = work("5", "4", "15");
  CHECK(capped.points.to_string() == "15");
  CHECK(capped.exact_text() == "20");
  REQUIRE(capped.cap);
  CHECK(capped.cap->to_string() == "15");
  CHECK_FALSE(capped.rounded_down());
  // exactly the cap is not capped
  CHECK_FALSE(work("5", "3", "15").cap);
  // rounded down to the cap: the rounding is what applied
  const auto at_cap = work("0.5", "30.1", "15");
  CHECK(at_cap.points.to_string() == "15");
  CHECK_FALSE(at_cap.cap);
  CHECK(at_cap.rounded_down());
}

TEST_CASE("a product beyond 64 bits is refused")
{
  // a product that fits, although rate × hundredths does not
  CHECK(cpd::work_out_points(*Points::parse("9.2"), Quantity::from_hundredths(3392233720972092LL))
          ->points.tenths()
        == 92 * 3392233720972092LL / 100);
  CHECK_FALSE(cpd::work_out_points(Points::from_tenths(std::numeric_limits<std::int64_t>::max()),
                                   *Quantity::parse("2")));
}

TEST_CASE("points_phrase: the noun agrees with the number")
{
  CHECK(cpd::points_phrase(Points::from_tenths(10)) == "1 point");
  CHECK(cpd::points_phrase(Points::from_tenths(-10)) == "-1 point");
  CHECK(cpd::points_phrase(Points::from_tenths(0)) == "0 points");
  CHECK(cpd::points_phrase(Points::from_tenths(5)) == "0.5 points");
  CHECK(cpd::points_phrase(Points::from_tenths(11)) == "1.1 points");
  CHECK(cpd::points_phrase(Points::from_tenths(-25)) == "-2.5 points");
}
