#include <cpd/util/error.hpp>
#include <cpd/util/sha256.hpp>

#include <algorithm>
#include <bit>
#include <cstring>

namespace cpd {

namespace {

constexpr std::array<std::uint32_t, 64> k_round_constants = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::array<std::uint32_t, 8> k_initial_state = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

std::uint32_t
load_big_endian(const std::uint8_t* p)
{
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8)
         | std::uint32_t{p[3]};
}

} // namespace

Sha256::Sha256()
  : m_state(k_initial_state)
{}

void
Sha256::compress(const std::uint8_t* block)
{
  std::array<std::uint32_t, 64> w{};
  for (std::size_t i = 0; i < 16; ++i) {
    w[i] = load_big_endian(block + 4 * i);
  }
  for (std::size_t i = 16; i < 64; ++i) {
    const std::uint32_t s0 = std::rotr(w[i - 15], 7) ^ std::rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = std::rotr(w[i - 2], 17) ^ std::rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }

  std::uint32_t a = m_state[0];
  std::uint32_t b = m_state[1];
  std::uint32_t c = m_state[2];
  std::uint32_t d = m_state[3];
  std::uint32_t e = m_state[4];
  std::uint32_t f = m_state[5];
  std::uint32_t g = m_state[6];
  std::uint32_t h = m_state[7];
  for (std::size_t i = 0; i < 64; ++i) {
    const std::uint32_t s1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
    const std::uint32_t choice = (e & f) ^ (~e & g);
    const std::uint32_t t1 = h + s1 + choice + k_round_constants[i] + w[i];
    const std::uint32_t s0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
    const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  m_state[0] += a;
  m_state[1] += b;
  m_state[2] += c;
  m_state[3] += d;
  m_state[4] += e;
  m_state[5] += f;
  m_state[6] += g;
  m_state[7] += h;
}

void
Sha256::update(std::span<const std::byte> bytes)
{
  if (m_finished) {
    throw Error(ErrorKind::internal, "SHA-256 updated after its digest was taken");
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t size = bytes.size();
  m_length += size;

  if (m_buffered > 0) {
    const std::size_t take = std::min(size, m_buffer.size() - m_buffered);
    std::memcpy(m_buffer.data() + m_buffered, data, take);
    m_buffered += take;
    data += take;
    size -= take;
    if (m_buffered < m_buffer.size()) {
      return;
    }
    compress(m_buffer.data());
    m_buffered = 0;
  }
  while (size >= m_buffer.size()) {
    compress(data);
    data += m_buffer.size();
    size -= m_buffer.size();
  }
  if (size > 0) {
    std::memcpy(m_buffer.data(), data, size);
    m_buffered = size;
  }
}

void
Sha256::update(std::string_view bytes)
{
  update(std::as_bytes(std::span(bytes.data(), bytes.size())));
}

void
Sha256::finish()
{
  const std::uint64_t bit_length = m_length * 8;
  m_buffer[m_buffered++] = 0x80;
  if (m_buffered > 56) {
    std::fill(
      m_buffer.begin() + static_cast<std::ptrdiff_t>(m_buffered), m_buffer.end(), std::uint8_t{0});
    compress(m_buffer.data());
    m_buffered = 0;
  }
  std::fill(m_buffer.begin() + static_cast<std::ptrdiff_t>(m_buffered),
            m_buffer.begin() + 56,
            std::uint8_t{0});
  for (std::size_t i = 0; i < 8; ++i) {
    m_buffer[56 + i] = static_cast<std::uint8_t>(bit_length >> (56 - 8 * i));
  }
  compress(m_buffer.data());

  for (std::size_t i = 0; i < m_state.size(); ++i) {
    for (std::size_t j = 0; j < 4; ++j) {
      m_digest[4 * i + j] = static_cast<std::uint8_t>(m_state[i] >> (24 - 8 * j));
    }
  }
  m_finished = true;
}

std::array<std::uint8_t, 32>
Sha256::digest()
{
  if (!m_finished) {
    finish();
  }
  return m_digest;
}

std::string
Sha256::hex_digest()
{
  static constexpr std::string_view k_hex = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (const std::uint8_t byte : digest()) {
    hex += k_hex[byte >> 4];
    hex += k_hex[byte & 0xf];
  }
  return hex;
}

std::string
sha256_hex(std::string_view bytes)
{
  Sha256 hash;
  hash.update(bytes);
  return hash.hex_digest();
}

std::array<std::uint8_t, 32>
hmac_sha256(std::string_view key, std::string_view message)
{
  constexpr std::size_t k_block = 64;
  // A key longer than a block is hashed first; a shorter one is padded with zeros.
  std::array<std::uint8_t, k_block> block{};
  if (key.size() > k_block) {
    Sha256 hash;
    hash.update(key);
    const auto digest = hash.digest();
    std::copy(digest.begin(), digest.end(), block.begin());
  } else {
    std::memcpy(block.data(), key.data(), key.size());
  }
  auto padded = [&](std::uint8_t pad) {
    std::string bytes(k_block, '\0');
    for (std::size_t i = 0; i < k_block; ++i) {
      bytes[i] = static_cast<char>(block[i] ^ pad);
    }
    return bytes;
  };
  Sha256 inner;
  inner.update(padded(0x36));
  inner.update(message);
  const auto inner_digest = inner.digest();
  Sha256 outer;
  outer.update(padded(0x5c));
  outer.update(
    std::string_view(reinterpret_cast<const char*>(inner_digest.data()), inner_digest.size()));
  return outer.digest();
}

} // namespace cpd
