#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cpd {

// An incremental SHA-256 (FIPS 180-4). Feed bytes with update() in any
// pieces; hex_digest() gives the same result as hashing them all at once.
class Sha256
{
public:
  Sha256();

  // Appends bytes to the message. Throws cpd::Error (internal) after
  // hex_digest() has been called.
  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes);

  // The digest of everything fed so far as 64 lower-case hex digits. Finishes
  // the hash: later calls return the same digest, later update()s throw.
  std::string hex_digest();

  // The same digest as 32 bytes.
  std::array<std::uint8_t, 32> digest();

private:
  void compress(const std::uint8_t* block);
  void finish();

  std::array<std::uint32_t, 8> m_state;
  std::array<std::uint8_t, 64> m_buffer{};
  std::size_t m_buffered = 0;
  std::uint64_t m_length = 0; // bytes fed so far
  bool m_finished = false;
  std::array<std::uint8_t, 32> m_digest{};
};

// The SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA-256 (RFC 2104) of `message` under `key`: 32 bytes.
std::array<std::uint8_t, 32> hmac_sha256(std::string_view key, std::string_view message);

} // namespace cpd
