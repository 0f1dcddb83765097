#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace cpd {

// A pseudo-random sequence that is the same on every machine, compiler and
// standard library: xoshiro256** (Blackman and Vigna, 2018) seeded through
// splitmix64. An audit drawn with a seed is drawn again with it. Not for
// secrets.
class Random
{
public:
  explicit Random(std::uint64_t seed);

  // The generator's state as it is, for tests against the reference.
  static Random from_state(const std::array<std::uint64_t, 4>& state);

  // The next 64 bits.
  std::uint64_t next();

  // A number from 0 to bound - 1 (bound > 0), each as likely: outputs
  // below 2^64 mod bound are drawn again, and the rest reduced modulo
  // bound.
  std::uint64_t below(std::uint64_t bound);

private:
  Random() = default;

  std::array<std::uint64_t, 4> m_state{};
};

// `count` bytes from the system's random source (getrandom), for keys and
// seeds nobody chooses; ErrorKind::io when the system gives none.
std::string system_random_bytes(std::size_t count);

// One step of splitmix64 (Steele, Lea and Flood): advances `state` and
// returns its next output.
std::uint64_t splitmix64(std::uint64_t& state);

} // namespace cpd
