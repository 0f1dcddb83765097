#include "testutil.hpp"

#include <cpd/util/error.hpp>
#include <cpd/util/sha256.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

using cpd::Sha256;
using cpd::sha256_hex;

namespace {

// Deterministic pseudo-random bytes, every value 0..255 likely to appear.
std::string
noise(std::size_t size, std::uint32_t seed)
{
  std::string bytes(size, '\0');
  std::uint32_t x = seed;
  for (auto& c : bytes) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return bytes;
}

// Runs a shell command and returns what it printed.
std::string
run(const std::string& command)
{
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    output.append(buffer, got);
  }
  REQUIRE(pclose(pipe) == 0);
  return output;
}

} // namespace

TEST_CASE("SHA-256 of the FIPS 180 test vectors")
{
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 448 bits: the padding needs a second block.
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // 896 bits.
  CHECK(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
        == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(sha256_hex(std::string(1'000'000, 'a'))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("one million 'a' fed in uneven pieces")
{
  Sha256 hash;
  const std::string chunk(997, 'a');
  std::size_t fed = 0;
  while (fed + chunk.size() <= 1'000'000) {
    hash.update(chunk);
    fed += chunk.size();
  }
  hash.update(std::string(1'000'000 - fed, 'a'));
  CHECK(hash.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("incremental updates split at every offset equal the one-shot digest")
{
  const std::string message = noise(200, 12345);
  const std::string expected = sha256_hex(message);
  REQUIRE(expected.size() == 64);

  for (std::size_t split = 0; split <= message.size(); ++split) {
    CAPTURE(split);
    Sha256 two;
    two.update(std::string_view(message).substr(0, split));
    two.update(std::string_view(message).substr(split));
    REQUIRE(two.hex_digest() == expected);

    // Three pieces through the byte-span overload, the middle one empty.
    Sha256 three;
    const auto bytes = std::as_bytes(std::span(message.data(), message.size()));
    three.update(bytes.first(split));
    three.update(bytes.subspan(split, 0));
    three.update(bytes.subspan(split));
    REQUIRE(three.hex_digest() == expected);
  }

  Sha256 bytewise;
  for (const char c : message) {
    bytewise.update(std::string_view(&c, 1));
  }
  CHECK(bytewise.hex_digest() == expected);
}

TEST_CASE("the digest is final")
{
  Sha256 hash;
  hash.update("abc");
  const std::string digest = hash.hex_digest();
  CHECK(hash.hex_digest() == digest);
  CHECK_THROWS_AS(hash.update("more"), cpd::Error);
  CHECK(hash.hex_digest() == digest);
}

TEST_CASE("SHA-256 agrees with sha256sum on a 1 MB file and at block edges")
{
  testutil::TempDir dir;

  const std::string big = noise(1 << 20, 2024);
  testutil::write_file(dir / "big.bin", big);
  const std::string output = run("/usr/bin/sha256sum '" + (dir / "big.bin").string() + "'");
  REQUIRE(output.size() > 64);
  CHECK(sha256_hex(big) == output.substr(0, 64));

  // Lengths around the 55/56/64-byte padding boundaries, in one run.
  std::map<std::string, std::string> files;
  std::string command = "cd '" + dir.path().string() + "' && /usr/bin/sha256sum";
  for (std::size_t length = 0; length <= 130; ++length) {
    const std::string name = "len" + std::to_string(length);
    files[name] = noise(length, static_cast<std::uint32_t>(length + 1));
    testutil::write_file(dir / name, files[name]);
    command += " " + name;
  }
  const std::string listing = run(command);
  std::size_t checked = 0;
  std::size_t start = 0;
  while (start < listing.size()) {
    const std::size_t end = listing.find('\n', start);
    REQUIRE(end != std::string::npos);
    const std::string line = listing.substr(start, end - start);
    const std::string name = line.substr(66); // "<64 hex>  name"
    CAPTURE(name);
    CHECK(sha256_hex(files.at(name)) == line.substr(0, 64));
    ++checked;
    start = end + 1;
  }
  CHECK(checked == files.size());
}

namespace {

std::string
hex(const std::array<std::uint8_t, 32>& bytes)
{
  static constexpr std::string_view k_hex = "0123456789abcdef";
  std::string out;
  for (const auto byte : bytes) {
    out += k_hex[byte >> 4];
    out += k_hex[byte & 0xf];
  }
  return out;
}

} // namespace

TEST_CASE("the raw digest is the hex digest's bytes")
{
  Sha256 hash;
  hash.update("abc");
  CHECK(hex(hash.digest()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hash.hex_digest() == hex(hash.digest()));
}

TEST_CASE("HMAC-SHA-256 of the RFC 4231 test vectors")
{
  using cpd::hmac_sha256;
  std::string key4;
  for (char c = 1; c <= 25; ++c) {
    key4 += c;
  }
  // Test case 1: a 20-byte key.
  CHECK(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There"))
        == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // 2: a key shorter than the digest.
  CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?"))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // 3: combined length of key and data over 64 bytes.
  CHECK(hex(hmac_sha256(std::string(20, '\xaa'), std::string(50, '\xdd')))
        == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // 4.
  CHECK(hex(hmac_sha256(key4, std::string(50, '\xcd')))
        == "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  // 5: the first 128 bits.
  CHECK(hex(hmac_sha256(std::string(20, '\x0c'), "Test With Truncation")).substr(0, 32)
        == "a3b6167473100ee06e0c796c2955552b");
  // 6: a key larger than a block is hashed first.
  CHECK(hex(hmac_sha256(std::string(131, '\xaa'),
                        "Test Using Larger Than Block-Size Key - Hash Key First"))
        == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // 7: larger than a block, key and data.
  CHECK(hex(hmac_sha256(std::string(131, '\xaa'),
                        "This is a test using a larger than block-size key and a larger than "
                        "block-size data. The key needs to be hashed before being used by the "
                        "HMAC algorithm."))
        == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_CASE("HMAC-SHA-256 with a key of exactly one block, and an empty one")
{
  // Python's hmac module gives these.
  CHECK(hex(cpd::hmac_sha256(std::string(64, 'k'), "message"))
        == "890f3a16e0ca0aaa3bf180f70fa8e3970b3fd6505e98fde157988dcc19d1685c");
  CHECK(hex(cpd::hmac_sha256("", ""))
        == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}
