#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/util/error.hpp>
#include <cpd/util/protocol.hpp>
#include <cpd/util/spool.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace protocol = cpd::protocol;
using cpd::ErrorKind;
using testutil::error_kind;

namespace {

protocol::Request
claim_request()
{
  protocol::Request request;
  request.args = {"claim", "technical-paper", "--attach", "paper.pdf", "--note", "line\none"};
  request.files = {{"paper.pdf", std::string("%PDF\0\xff bytes", 11)}, {"empty", ""}};
  request.terminal.columns = 132;
  request.terminal.err_columns = 80;
  request.terminal.out_tty = true;
  request.terminal.colour = true;
  return request;
}

} // namespace

TEST_CASE("a request comes through the protocol as it was sent")
{
  auto request = claim_request();
  request.confirmed = std::vector<std::int64_t>{3, 1, 4000000000000};
  const auto decoded = protocol::decode_request(protocol::encode(request));
  CHECK(decoded.args == request.args);
  REQUIRE(decoded.files.size() == 2);
  CHECK(decoded.files[0].path == "paper.pdf");
  CHECK(decoded.files[0].content == request.files[0].content);
  CHECK(decoded.files[1].content.empty());
  CHECK(decoded.terminal.columns == 132);
  CHECK(decoded.terminal.err_columns == 80);
  CHECK(decoded.terminal.out_tty);
  CHECK(decoded.terminal.colour);
  CHECK_FALSE(decoded.terminal.in_tty);
  CHECK_FALSE(decoded.terminal.err_colour);
  CHECK(decoded.confirmed == request.confirmed);
  CHECK_FALSE(protocol::decode_request(protocol::encode(claim_request())).confirmed);
}

TEST_CASE("a response comes through the protocol as it was sent")
{
  protocol::Response response;
  response.status = 77;
  response.out = "table\n";
  response.err = "cpd: error: no\n";
  response.files = {{"out/a.pdf", "A", true, true, false, {}},
                    {"b.pdf", std::string(70000, 'b'), false, false, false, {}}};
  response.confirm = protocol::Confirmation{"Approve these 2 claims? [y/N] ", {12, 13}};
  const auto decoded = protocol::decode_response(protocol::encode(response));
  CHECK(decoded.status == 77);
  CHECK(decoded.out == response.out);
  CHECK(decoded.err == response.err);
  REQUIRE(decoded.files.size() == 2);
  CHECK(decoded.files[0].overwrite);
  CHECK(decoded.files[0].make_folder);
  CHECK_FALSE(decoded.files[1].overwrite);
  CHECK(decoded.files[1].content.size() == 70000);
  REQUIRE(decoded.confirm);
  CHECK(decoded.confirm->ids == std::vector<std::int64_t>{12, 13});
}

TEST_CASE("a frame names cpd and its version, and its length before the payload")
{
  const auto frame = protocol::frame("abc");
  CHECK(frame.size() == protocol::k_header_size + 3);
  const auto header = protocol::parse_header(frame);
  CHECK(header.version == protocol::k_version);
  CHECK(header.length == 3);
  CHECK(error_kind([] { protocol::parse_header("GET / HTTP/1.1\r\n"); }) == ErrorKind::bad_input);
  CHECK(error_kind([] { protocol::parse_header("cpd"); }) == ErrorKind::bad_input);
  auto other = frame;
  other[3] = 1;
  CHECK(protocol::parse_header(other).version == 1); // the reader refuses it by version
}

TEST_CASE("a malformed request is refused, never trusted")
{
  const auto good = protocol::encode(claim_request());
  // Every cut of a good request: refused or a shorter valid request, never a fault.
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    try {
      protocol::decode_request(good.substr(0, cut));
    } catch (const cpd::Error& e) {
      CHECK(e.kind() == ErrorKind::bad_input);
    }
  }
  // A length far beyond the message.
  CHECK(error_kind([] { protocol::decode_request(std::string("\x01\xff\xff\xff\xff", 5)); })
        == ErrorKind::bad_input);
  // An unknown field.
  CHECK(error_kind([] { protocol::decode_request(std::string("\x63\0\0\0\0", 5)); })
        == ErrorKind::bad_input);
  // No command at all.
  CHECK(error_kind([] { protocol::decode_request(""); }) == ErrorKind::bad_input);
  // A file whose name is longer than its field.
  CHECK(error_kind([] {
          protocol::decode_request(std::string("\x01\0\0\0\x01x\x02\0\0\0\x04\0\0\0\x09", 15));
        })
        == ErrorKind::bad_input);
  // Too many words.
  std::string many;
  for (std::size_t i = 0; i <= protocol::k_max_args; ++i) {
    many += std::string("\x01\0\0\0\x01x", 6);
  }
  CHECK(error_kind([&] { protocol::decode_request(many); }) == ErrorKind::bad_input);
}

TEST_CASE("a response without a status, or with a bad one, is refused")
{
  CHECK(error_kind([] { protocol::decode_response(std::string("\x11\0\0\0\x01x", 6)); })
        == ErrorKind::bad_input);
  CHECK(error_kind([] { protocol::decode_response(std::string("\x10\0\0\0\x04\0\0\x01\0", 9)); })
        == ErrorKind::bad_input);
}

namespace {

// The descriptors a response passes, as the receiving side gets them: new
// descriptors of the same files.
std::vector<std::shared_ptr<const cpd::FileDescriptor>>
passed(const std::vector<int>& descriptors)
{
  std::vector<std::shared_ptr<const cpd::FileDescriptor>> received;
  for (const int fd : descriptors) {
    received.push_back(std::make_shared<const cpd::FileDescriptor>(::dup(fd)));
  }
  return received;
}

} // namespace

TEST_CASE("large bytes come as stretches of passed files, one descriptor per file")
{
  testutil::TempDir dir;
  auto spool = cpd::Spool::create(dir.path());
  spool.append("first file|second file");
  auto other = cpd::Spool::create(dir.path());
  other.append("standard output");
  protocol::Response response;
  response.out = "before\n";
  response.files = {{"a.pdf", {}, false, true, false, protocol::Extent{spool.file(), 0, 10}},
                    {"b.pdf", "inline", false, false, false, {}},
                    {"c.pdf", {}, true, false, true, protocol::Extent{spool.file(), 11, 11}}};
  response.out_extent = protocol::Extent{other.file(), 0, other.size()};
  std::vector<int> descriptors;
  const auto payload = protocol::encode(response, descriptors);
  CHECK(descriptors == std::vector<int>{spool.file()->get(), other.file()->get()});
  const auto decoded = protocol::decode_response(payload, passed(descriptors));
  REQUIRE(decoded.files.size() == 3);
  REQUIRE(decoded.files[0].extent);
  CHECK(decoded.files[0].make_folder);
  CHECK(decoded.files[0].extent->offset == 0);
  CHECK(decoded.files[0].extent->size == 10);
  CHECK_FALSE(decoded.files[1].extent);
  CHECK(decoded.files[1].content == "inline");
  REQUIRE(decoded.files[2].extent);
  CHECK(decoded.files[2].owner_only);
  CHECK(decoded.files[2].extent->offset == 11);
  // Both stretches of one file come through one descriptor.
  CHECK(decoded.files[0].extent->file == decoded.files[2].extent->file);
  const cpd::Spool received(decoded.files[2].extent->file, 22);
  CHECK(received.read(11, 11) == "second file");
  REQUIRE(decoded.out_extent);
  CHECK(cpd::Spool(decoded.out_extent->file, 15).read(0, 15) == "standard output");
  // Without a way to pass them, a response with stretches is not encoded.
  CHECK(error_kind([&] { protocol::encode(response); }) == ErrorKind::internal);
}

TEST_CASE("a passed file is checked: regular, holding its stretches, and one that was passed")
{
  testutil::TempDir dir;
  auto spool = cpd::Spool::create(dir.path());
  spool.append("0123456789");
  protocol::Response response;
  response.files = {{"a", {}, false, false, false, protocol::Extent{spool.file(), 4, 6}}};
  std::vector<int> descriptors;
  const auto payload = protocol::encode(response, descriptors);
  CHECK(protocol::decode_response(payload, passed(descriptors)).files.size() == 1);
  // None passed.
  CHECK(error_kind([&] { protocol::decode_response(payload); }) == ErrorKind::bad_input);
  // A file shorter than the stretch.
  REQUIRE(::ftruncate(spool.file()->get(), 9) == 0);
  CHECK(error_kind([&] { protocol::decode_response(payload, passed(descriptors)); })
        == ErrorKind::bad_input);
  // A FIFO, which would block the reader, in the file's place.
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  const int fifo = ::open((dir / "fifo").c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fifo >= 0);
  CHECK(error_kind([&] {
          protocol::decode_response(payload, {std::make_shared<const cpd::FileDescriptor>(fifo)});
        })
        == ErrorKind::bad_input);
  // More descriptors than a response may pass.
  CHECK(error_kind([&] {
          protocol::decode_response(
            payload,
            passed(std::vector<int>(protocol::k_max_descriptors + 1, spool.file()->get())));
        })
        == ErrorKind::bad_input);
}

TEST_CASE("a spool has no name in its folder and takes a stream larger than its buffer")
{
  testutil::TempDir dir;
  auto spool = cpd::Spool::create(dir.path());
  std::string expected;
  {
    cpd::SpoolStream out(spool);
    for (int i = 0; i < 20000; ++i) {
      const auto line = "line " + std::to_string(i) + "\n";
      out << line;
      expected += line;
    }
    out.flush();
  }
  CHECK(spool.size() == expected.size());
  CHECK(spool.read(0, spool.size()) == expected);
  CHECK(std::filesystem::is_empty(dir.path()));
  struct stat status
  {};
  REQUIRE(::fstat(spool.file()->get(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  CHECK(status.st_nlink == 0);
  CHECK(error_kind([&] { cpd::Spool::create(dir / "missing"); }) == ErrorKind::io);
}
