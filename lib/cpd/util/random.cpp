#include <cpd/util/error.hpp>
#include <cpd/util/random.hpp>

#include <sys/random.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace cpd {

std::string
system_random_bytes(std::size_t count)
{
  std::string bytes(count, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const auto n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(
        ErrorKind::io, "cannot read the system's random source: {}", std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

std::uint64_t
splitmix64(std::uint64_t& state)
{
  state += 0x9e3779b97f4a7c15U;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9U;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebU;
  return z ^ (z >> 31);
}

Random::Random(std::uint64_t seed)
{
  for (auto& word : m_state) {
    word = splitmix64(seed);
  }
}

Random
Random::from_state(const std::array<std::uint64_t, 4>& state)
{
  Random random;
  random.m_state = state;
  return random;
}

std::uint64_t
Random::next()
{
  auto& s = m_state;
  const std::uint64_t result = std::rotl(s[1] * 5, 7) * 9;
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = std::rotl(s[3], 45);
  return result;
}

std::uint64_t
Random::below(std::uint64_t bound)
{
  if (bound == 0) {
    throw Error(ErrorKind::internal, "a random number below 0 was asked for");
  }
  // 2^64 mod bound, in 64-bit arithmetic.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t r = next();
    if (r >= threshold) {
      return r % bound;
    }
  }
}

} // namespace cpd
