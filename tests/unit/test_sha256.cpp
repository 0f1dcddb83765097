#include "testutil.hpp"

#include <cpd/error.hpp>
#include <cpd/sha256.hpp>

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
