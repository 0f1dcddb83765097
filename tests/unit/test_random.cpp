#include <cpd/util/error.hpp>
#include <cpd/util/random.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

TEST_CASE("splitmix64 gives the reference outputs from state 0")
{
  std::uint64_t state = 0;
  CHECK(cpd::splitmix64(state) == 0xe220a8397b1dcdafU);
  CHECK(cpd::splitmix64(state) == 0x6e789e6aa1b965f4U);
  CHECK(cpd::splitmix64(state) == 0x06c45d188009454fU);
}

TEST_CASE("xoshiro256** gives the reference outputs from the state {1, 2, 3, 4}")
{
  auto random = cpd::Random::from_state({1, 2, 3, 4});
  CHECK(random.next() == 11520U);
  CHECK(random.next() == 0U);
  CHECK(random.next() == 1509978240U);
  CHECK(random.next() == 1215971899390074240U);
}

TEST_CASE("a seed gives the same sequence every time, and another seed another")
{
  // Pinned: an audit drawn with seed 42 must draw the same members on any
  // machine, with any later cpd.
  cpd::Random random(42);
  CHECK(random.next() == 0x15780b2e0c2ec716U);
  CHECK(random.next() == 0x6104d9866d113a7eU);
  CHECK(random.next() == 0xae17533239e499a1U);
  cpd::Random again(42);
  cpd::Random other(43);
  const auto first = again.next();
  CHECK(first == 0x15780b2e0c2ec716U);
  CHECK(other.next() != first);
}

TEST_CASE("below() stays below its bound and reaches every value")
{
  cpd::Random random(7);
  std::array<int, 6> seen{};
  for (int i = 0; i < 6000; ++i) {
    const auto value = random.below(6);
    REQUIRE(value < 6);
    ++seen[value];
  }
  for (const int count : seen) {
    CHECK(count > 800);
    CHECK(count < 1200);
  }
  CHECK(random.below(1) == 0);
  // A bound just over half the range rejects almost half the outputs but
  // still answers.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 1;
  CHECK(random.below(big) < big);
  CHECK_THROWS_AS(random.below(0), cpd::Error);
}

TEST_CASE("the system's random source gives as many bytes as asked, different each time")
{
  const auto first = cpd::system_random_bytes(32);
  const auto second = cpd::system_random_bytes(32);
  CHECK(first.size() == 32);
  CHECK(second.size() == 32);
  CHECK(first != second);
  CHECK(cpd::system_random_bytes(0).empty());
}
