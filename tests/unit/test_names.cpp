#include <cpd/claims/claims.hpp>
#include <cpd/ledger/activities.hpp>
#include <cpd/util/names.hpp>

#include <doctest/doctest.h>

#include <string>

namespace {

enum class Colour { red, dark_green, blue };

constexpr cpd::Names<Colour, 3> k_colours{
  {{Colour::red, "red"}, {Colour::dark_green, "dark-green"}, {Colour::blue, "blue"}}};

} // namespace

TEST_CASE("names: a table gives each value its word and each word its value")
{
  CHECK(cpd::name_of(k_colours, Colour::dark_green) == "dark-green");
  CHECK(cpd::value_named(k_colours, "dark-green") == Colour::dark_green);
  CHECK(cpd::value_named(k_colours, "blue") == Colour::blue);
  CHECK_FALSE(cpd::value_named(k_colours, "dark_green"));
  CHECK_FALSE(cpd::value_named(k_colours, "Red"));
  CHECK_FALSE(cpd::value_named(k_colours, ""));
  static_assert(cpd::name_of(k_colours, Colour::red) == "red");
}

TEST_CASE("names: claim statuses and units read back as they are written")
{
  for (const auto status : {cpd::ClaimStatus::pending,
                            cpd::ClaimStatus::approved,
                            cpd::ClaimStatus::declined,
                            cpd::ClaimStatus::withdrawn,
                            cpd::ClaimStatus::revoked}) {
    CHECK(cpd::parse_claim_status(cpd::to_string(status)) == status);
  }
  CHECK(cpd::to_string(cpd::ClaimStatus::withdrawn) == "withdrawn");
  CHECK_FALSE(cpd::parse_claim_status("approve"));
  for (const auto unit : {cpd::Unit::claim, cpd::Unit::hour, cpd::Unit::day, cpd::Unit::item}) {
    CHECK(cpd::parse_unit(cpd::to_string(unit)) == unit);
  }
  CHECK(cpd::to_string(cpd::Unit::hour) == "hour");
  CHECK_FALSE(cpd::parse_unit("hours"));
}
