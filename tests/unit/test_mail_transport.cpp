#include "testutil.hpp"

#include <cpd/transport/transport.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

using cpd::ErrorKind;
using namespace cpd::mail;
namespace fs = std::filesystem;

namespace {

using testutil::read_file;

std::vector<fs::path>
files_in(const fs::path& directory)
{
  std::vector<fs::path> files;
  if (fs::exists(directory)) {
    for (const auto& entry : fs::directory_iterator(directory)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string
config_error(std::string_view url)
{
  try {
    parse_mail_url(url);
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::config);
    return e.what();
  }
  FAIL("accepted " << url);
  return {};
}

OutgoingMessage
outgoing(const std::string& to, const std::string& subject)
{
  Message message;
  message.from_name = "CPD";
  message.from_address = "cpd@iims.example";
  message.to_address = to;
  message.subject = subject;
  message.body = "Hello\n";
  message.message_id = make_message_id(1, "s", "iims.example");
  message.date_unix = 1700000000;
  return make_outgoing(message);
}

} // namespace

TEST_CASE("parse_mail_url accepts the three transports")
{
  auto url = parse_mail_url("smtp://mail.example.org:587");
  CHECK(url.scheme == MailUrl::Scheme::smtp);
  CHECK(url.host == "mail.example.org");
  CHECK(url.port == 587);
  CHECK(url.to_string() == "smtp://mail.example.org:587");

  url = parse_mail_url("smtp://localhost");
  CHECK(url.port == 25);
  url = parse_mail_url("smtps://mail.example.org");
  CHECK(url.scheme == MailUrl::Scheme::smtps);
  CHECK(url.port == 465);
  CHECK(parse_mail_url("SMTPS://relay:2465").port == 2465);
  url = parse_mail_url("smtp://[::1]:2525");
  CHECK(url.host == "[::1]");
  CHECK(url.port == 2525);
  CHECK(parse_mail_url("smtp://127.0.0.1").host == "127.0.0.1");
  CHECK(parse_mail_url("  smtp://relay:25 ").host == "relay");

  url = parse_mail_url("maildir:/var/mail/cpd");
  CHECK(url.scheme == MailUrl::Scheme::maildir);
  CHECK(url.path == "/var/mail/cpd");
  CHECK(url.to_string() == "maildir:/var/mail/cpd");
  CHECK(parse_mail_url("maildir:relative/dir").path == "relative/dir");
}

TEST_CASE("parse_mail_url refuses anything else, listing the accepted forms")
{
  for (const char* bad : {"",
                          "mail.example.org",
                          "http://mail.example.org",
                          "smtp:mail.example.org",
                          "smtp://",
                          "smtp://:25",
                          "smtp://host:",
                          "smtp://host:0",
                          "smtp://host:65536",
                          "smtp://host:99999999999",
                          "smtp://host:2x",
                          "smtp://host/path",
                          "smtp://host?x=1",
                          "smtp://ho st",
                          "smtp://[::1",
                          "smtp://[zz]:25",
                          "smtp://[::1]x",
                          "maildir:",
                          "mbox:/var/mail/x"}) {
    CAPTURE(bad);
    const std::string error = config_error(bad);
    CHECK(error.find("smtp://HOST[:PORT], smtps://HOST[:PORT] or maildir:PATH")
          != std::string::npos);
  }
  // A password in the URL is refused without being repeated.
  const std::string error = config_error("smtp://user:Secr3t@mail.example.org:587");
  CHECK(error.find("Secr3t") == std::string::npos);
  CHECK(error.find("user name or password") != std::string::npos);
}

TEST_CASE("make_outgoing takes the envelope from the message")
{
  const OutgoingMessage message = outgoing("jane@example.org", "Hi");
  CHECK(message.sender == "cpd@iims.example");
  CHECK(message.recipients == std::vector<std::string>{"jane@example.org"});
  CHECK(message.data.find("Subject: Hi\r\n") != std::string::npos);
  Message bad;
  bad.to_name = "x\r\nBcc: v@x";
  CHECK_THROWS_AS(make_outgoing(bad), cpd::Error);
}

TEST_CASE("Maildir delivery writes each message once into new/")
{
  testutil::TempDir dir;
  const fs::path maildir = dir / "mail" / "cpd";
  TransportOptions options;
  options.local_hostname = "host/with:odd";
  auto transport = make_transport(parse_mail_url("maildir:" + maildir.string()), options);

  CHECK(transport->deliver({}).results.empty());
  CHECK_FALSE(fs::exists(maildir)); // nothing to deliver creates nothing

  std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "one"),
                                        outgoing("b@example.org", "two"),
                                        outgoing("c@example.org", "three")};
  batch[2].recipients.push_back("d@example.org");
  const DeliveryReport report = transport->deliver(batch);
  CHECK_FALSE(report.stopped);
  REQUIRE(report.results.size() == 3);
  for (const DeliveryResult& result : report.results) {
    CHECK(result.outcome == Outcome::sent);
    CHECK(result.error.empty());
  }
  CHECK(fs::is_directory(maildir / "cur"));
  CHECK(files_in(maildir / "tmp").empty());
  const auto files = files_in(maildir / "new");
  REQUIRE(files.size() == 3);
  std::set<std::string> contents;
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    CHECK(name.find_first_not_of("0123456789abcdef") == 16);
    CHECK(name.find('/') == std::string::npos);
    CHECK(name.find(':') == std::string::npos);
    CHECK(name.find("host\\057with\\072odd") != std::string::npos);
    CHECK((fs::status(file).permissions() & fs::perms::others_read) == fs::perms::none);
    contents.insert(read_file(file));
  }
  for (const OutgoingMessage& message : batch) {
    std::string expected = "Return-Path: <cpd@iims.example>\r\n";
    for (const std::string& recipient : message.recipients) {
      expected += "Delivered-To: " + recipient + "\r\n";
    }
    CHECK(contents.count(expected + message.data) == 1);
  }

  // Delivering the same message again (a retry after a crash that left the
  // outbox unaware) finds it there: no second copy.
  CHECK(transport->deliver(std::span(batch).first(1)).results[0].outcome == Outcome::sent);
  CHECK(files_in(maildir / "new").size() == 3);
}

TEST_CASE("Maildir names do not collide between processes, a shared message lands once")
{
  testutil::TempDir dir;
  TransportOptions options;
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    std::vector<OutgoingMessage> batch;
    for (int j = 0; j < 20; ++j) {
      batch.push_back(
        outgoing("a@example.org", "child " + std::to_string(i) + " message " + std::to_string(j)));
    }
    batch.push_back(outgoing("a@example.org", "the same for everybody"));
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      auto transport = make_maildir_transport(dir.path(), options);
      const auto report = transport->deliver(batch);
      bool ok = !report.stopped;
      for (const auto& result : report.results) {
        ok = ok && result.outcome == Outcome::sent;
      }
      _exit(ok ? 0 : 1);
    }
    children.push_back(child);
  }
  for (const pid_t child : children) {
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(files_in(dir / "new").size() == 81);
  CHECK(files_in(dir / "tmp").empty());
}

TEST_CASE("Maildir delivery refuses bad envelopes and reports an unusable directory")
{
  testutil::TempDir dir;
  auto transport = make_maildir_transport(dir / "box", TransportOptions{});
  std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "ok"),
                                        outgoing("a@example.org", "no recipients"),
                                        outgoing("a@example.org", "bad recipient"),
                                        outgoing("a@example.org", "bad sender")};
  batch[1].recipients.clear();
  batch[2].recipients = {"a@example.org\r\nX-Injected: yes"};
  batch[3].sender = "x@y>\r\nX: y";
  const auto report = transport->deliver(batch);
  REQUIRE(report.results.size() == 4);
  CHECK(report.results[0].outcome == Outcome::sent);
  CHECK(report.results[1].outcome == Outcome::failed);
  CHECK(report.results[2].outcome == Outcome::failed);
  CHECK(report.results[3].outcome == Outcome::failed);
  CHECK(files_in(dir / "box" / "new").size() == 1);

  // A Maildir that cannot be created stops the batch with a configuration error.
  testutil::write_file(dir / "file", "not a directory");
  auto blocked = make_transport(parse_mail_url("maildir:" + (dir / "file" / "box").string()),
                                TransportOptions{});
  const auto stopped = blocked->deliver(batch);
  REQUIRE(stopped.stopped);
  CHECK(stopped.stopped->kind() == ErrorKind::config);
  REQUIRE(stopped.results.size() == 4);
  for (const auto& result : stopped.results) {
    CHECK(result.outcome == Outcome::retry);
    CHECK(result.error.find("cannot create the Maildir") != std::string::npos);
  }
  CHECK_THROWS_AS(make_maildir_transport("", TransportOptions{}), cpd::Error);
}

TEST_CASE("SMTP transports refuse settings that cannot work")
{
  TransportOptions options;
  options.username = "cpd";
  options.password = "s3cret-pw";
  try {
    make_transport(parse_mail_url("smtp://mail.example.org:587"), options);
    FAIL("accepted a password over an unencrypted connection");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::config);
    CHECK(std::string(e.what()).find("s3cret-pw") == std::string::npos);
    CHECK(std::string(e.what()).find("STARTTLS") != std::string::npos);
  }
  // Encrypted, or to this machine, a password is fine.
  CHECK_NOTHROW(make_transport(parse_mail_url("smtps://mail.example.org"), options));
  CHECK_NOTHROW(make_transport(parse_mail_url("smtp://127.0.0.1:2525"), options));
  options.starttls = StartTls::required;
  CHECK_NOTHROW(make_transport(parse_mail_url("smtp://mail.example.org:587"), options));

  options.local_hostname = "bad host\r\nRSET";
  CHECK_THROWS_AS(make_transport(parse_mail_url("smtp://127.0.0.1"), options), cpd::Error);
}

TEST_CASE("SMTP delivery says which package to install when libcurl is missing")
{
  TransportOptions options;
  options.libcurl = "libcpd-no-such-curl.so.4";
  auto transport = make_transport(parse_mail_url("smtp://127.0.0.1:1"), options);
  CHECK(transport->deliver({}).results.empty()); // nothing to send loads nothing
  const std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "x")};
  try {
    transport->deliver(batch);
    FAIL("delivered without libcurl");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::unavailable);
    CHECK(std::string(e.what()).find("libcurl4") != std::string::npos);
  }
}
