// SMTP delivery against real servers on loopback: aiosmtpd's own Mailbox
// server and tests/smtp_server.py, which can fail on purpose.
#include "testutil.hpp"

#include <cpd/transport/transport.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

using cpd::ErrorKind;
using namespace cpd::mail;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using testutil::read_file;

constexpr const char* k_python = "/usr/bin/python3";

bool
have_aiosmtpd()
{
  static const bool available =
    std::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") == 0;
  return available;
}

// A child process, ended with SIGTERM when the test is done with it.
class Child
{
public:
  Child(const std::vector<std::string>& argv, const fs::path& stderr_file)
  {
    int pipe_fds[2];
    REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(
      &actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const std::string& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    const int result = posix_spawn(&m_pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    m_stdout = pipe_fds[0];
    REQUIRE(result == 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child()
  {
    kill(m_pid, SIGTERM);
    int status = 0;
    waitpid(m_pid, &status, 0);
    close(m_stdout);
  }

  bool
  running() const
  {
    int status = 0;
    return waitpid(m_pid, &status, WNOHANG) == 0;
  }

  // The next line on the child's stdout, or nothing within `timeout`.
  std::optional<std::string>
  read_line(std::chrono::milliseconds timeout)
  {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (const auto end = m_buffer.find('\n'); end != std::string::npos) {
        std::string line = m_buffer.substr(0, end);
        m_buffer.erase(0, end + 1);
        return line;
      }
      const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        return std::nullopt;
      }
      pollfd fd{m_stdout, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left)) <= 0) {
        continue;
      }
      char chunk[256];
      const ssize_t n = read(m_stdout, chunk, sizeof chunk);
      if (n <= 0) {
        return std::nullopt;
      }
      m_buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

private:
  pid_t m_pid = -1;
  int m_stdout = -1;
  std::string m_buffer;
};

// A port nobody listens on right now.
int
free_port()
{
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

bool
accepts_connections(int port)
{
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

// tests/smtp_server.py with the given options, listening on a free port.
class TestServer
{
public:
  TestServer(const fs::path& maildir, std::vector<std::string> options, const fs::path& log)
    : m_child(
      [&] {
        std::vector<std::string> argv = {
          k_python, CPD_SMTP_SERVER_SCRIPT, "--port", "0", "--maildir", maildir.string()};
        argv.insert(argv.end(), options.begin(), options.end());
        return argv;
      }(),
      log)
  {
    const auto line = m_child.read_line(std::chrono::seconds(5));
    REQUIRE_MESSAGE(line, "smtp_server.py did not start; see " << log);
    REQUIRE(line->rfind("ready ", 0) == 0);
    m_port = std::stoi(line->substr(6));
  }

  std::string
  url() const
  {
    return "smtp://127.0.0.1:" + std::to_string(m_port);
  }

private:
  Child m_child;
  int m_port = 0;
};

std::vector<std::string>
messages_in(const fs::path& maildir)
{
  std::vector<std::string> messages;
  if (fs::exists(maildir / "new")) {
    for (const auto& entry : fs::directory_iterator(maildir / "new")) {
      messages.push_back(read_file(entry.path()));
    }
  }
  return messages;
}

// A header's value from a stored message, with either line end.
std::string
header(const std::string& message, const std::string& name)
{
  const std::string key = name + ": ";
  std::size_t at = message.rfind(key, 0) == 0 ? 0 : std::string::npos;
  if (at == std::string::npos) {
    at = message.find("\n" + key);
    REQUIRE_MESSAGE(at != std::string::npos, "no " << name << " in " << message);
    ++at;
  }
  const std::size_t start = at + key.size();
  const std::size_t end = message.find_first_of("\r\n", start);
  return message.substr(start, end - start);
}

// The message text a server stored after its own X-Peer, X-Helo, X-MailFrom
// and X-RcptTo lines.
std::string
stored_data(const std::string& stored)
{
  std::size_t at = 0;
  for (int i = 0; i < 4; ++i) {
    at = stored.find("\r\n", at) + 2;
  }
  return stored.substr(at);
}

OutgoingMessage
outgoing(const std::string& to, const std::string& subject)
{
  Message message;
  message.from_name = "IIMS CPD";
  message.from_address = "cpd@iims.example";
  message.to_name = "Zoë Ångström";
  message.to_address = to;
  message.subject = subject;
  message.body =
    "Dear member,\n.\nA line with a single dot, and a long one: " + std::string(200, 'x') + "\n";
  message.message_id =
    make_message_id(static_cast<std::int64_t>(subject.size()), "t", "iims.example");
  message.date_unix = 1700000000;
  return make_outgoing(message);
}

TransportOptions
quick_options()
{
  TransportOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  options.response_timeout = std::chrono::seconds(10);
  options.total_timeout = std::chrono::seconds(20);
  options.local_hostname = "cpd.test";
  return options;
}

DeliveryReport
deliver(const std::string& url,
        const std::vector<OutgoingMessage>& batch,
        const TransportOptions& options = quick_options())
{
  return make_transport(parse_mail_url(url), options)->deliver(batch);
}

} // namespace

TEST_CASE("SMTP delivers a batch over one connection to aiosmtpd's Mailbox server")
{
  if (!have_aiosmtpd()) {
    testutil::skip("/usr/bin/python3 cannot import aiosmtpd (Debian: python3-aiosmtpd)");
    return;
  }
  testutil::TempDir dir;
  const int port = free_port();
  Child server({k_python,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                "127.0.0.1:" + std::to_string(port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
                (dir / "maildir").string()},
               dir / "server.log");
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!accepts_connections(port)) {
    REQUIRE_MESSAGE(server.running(), "aiosmtpd exited; see " << (dir / "server.log"));
    REQUIRE_MESSAGE(Clock::now() < deadline, "aiosmtpd did not listen within 5 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "First message"),
                                        outgoing("b@example.org", "Second message"),
                                        outgoing("c@example.org", "Third message")};
  batch[2].recipients.push_back("d@example.org");
  const auto report = deliver("smtp://127.0.0.1:" + std::to_string(port), batch);
  CHECK_FALSE(report.stopped);
  REQUIRE(report.results.size() == 3);
  for (const auto& result : report.results) {
    CHECK(result.outcome == Outcome::sent);
    CHECK(result.code == 250);
    CHECK(result.error.empty());
  }

  const auto stored = messages_in(dir / "maildir");
  REQUIRE(stored.size() == 3);
  std::map<std::string, std::string> recipients_by_subject;
  std::set<std::string> peers;
  for (const std::string& message : stored) {
    CHECK(recipients_by_subject.emplace(header(message, "Subject"), header(message, "X-RcptTo"))
            .second);
    CHECK(header(message, "X-MailFrom") == "cpd@iims.example");
    peers.insert(header(message, "X-Peer"));
  }
  CHECK(recipients_by_subject
        == std::map<std::string, std::string>{{"First message", "a@example.org"},
                                              {"Second message", "b@example.org"},
                                              {"Third message", "c@example.org, d@example.org"}});
  // The same client port for all three: one connection carried the batch.
  CHECK(peers.size() == 1);
}

TEST_CASE("SMTP: a 4xx reply means retry, and the retry goes through unchanged")
{
  if (!have_aiosmtpd()) {
    testutil::skip("/usr/bin/python3 cannot import aiosmtpd (Debian: python3-aiosmtpd)");
    return;
  }
  testutil::TempDir dir;
  TestServer server(dir / "maildir", {"--fail-first", "1", "--code", "451"}, dir / "server.log");
  std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "one"),
                                        outgoing("b@example.org", "two"),
                                        outgoing("c@example.org", "three")};
  // Raw text with lines SMTP treats specially: libcurl must dot-stuff them.
  batch[2].data = "Subject: three\r\n\r\n.\r\n..two dots\r\n.leading\r\nlast\r\n";

  auto transport = make_transport(parse_mail_url(server.url()), quick_options());
  auto report = transport->deliver(batch);
  CHECK_FALSE(report.stopped);
  REQUIRE(report.results.size() == 3);
  CHECK(report.results[0].outcome == Outcome::retry);
  CHECK(report.results[0].code == 451);
  CHECK(report.results[0].error.find("451") != std::string::npos);
  CHECK(report.results[0].error.find("try again later") != std::string::npos);
  CHECK(report.results[1].outcome == Outcome::sent);
  CHECK(report.results[2].outcome == Outcome::sent);
  CHECK(messages_in(dir / "maildir").size() == 2);

  report = transport->deliver(std::vector<OutgoingMessage>{batch[0]});
  REQUIRE(report.results.size() == 1);
  CHECK(report.results[0].outcome == Outcome::sent);
  const auto stored = messages_in(dir / "maildir");
  REQUIRE(stored.size() == 3);
  std::multiset<std::string> texts;
  for (const std::string& message : stored) {
    texts.insert(stored_data(message));
  }
  for (const OutgoingMessage& message : batch) {
    CHECK(texts.count(message.data) == 1);
  }
  // The server was greeted with the name given.
  for (const std::string& message : stored) {
    CHECK(header(message, "X-Helo") == "cpd.test");
  }
}

TEST_CASE("SMTP: a 5xx reply fails that message only")
{
  if (!have_aiosmtpd()) {
    testutil::skip("/usr/bin/python3 cannot import aiosmtpd (Debian: python3-aiosmtpd)");
    return;
  }
  testutil::TempDir dir;
  SUBCASE("a refused recipient")
  {
    TestServer server(dir / "maildir", {"--reject-rcpt", "bounce"}, dir / "server.log");
    std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "one"),
                                          outgoing("bounce@example.org", "two"),
                                          outgoing("b@example.org", "three"),
                                          outgoing("c@example.org", "four")};
    batch[2].recipients.push_back("bounce-too@example.org");
    const auto report = deliver(server.url(), batch);
    CHECK_FALSE(report.stopped);
    REQUIRE(report.results.size() == 4);
    CHECK(report.results[0].outcome == Outcome::sent);
    CHECK(report.results[1].outcome == Outcome::failed);
    CHECK(report.results[1].code == 550);
    CHECK(report.results[1].error.find("recipient rejected") != std::string::npos);
    // The reply quoted is the refusal, not a greeting or capability line.
    CHECK(report.results[1].error.find("(server: 550 5.1.1 <bounce@example.org>")
          != std::string::npos);
    CHECK(report.results[1].attempt == Attempt::made);
    CHECK(report.results[2].outcome == Outcome::failed);
    CHECK(report.results[2].code == 550);
    CHECK(report.results[3].outcome == Outcome::sent);
    const auto stored = messages_in(dir / "maildir");
    REQUIRE(stored.size() == 2);
    std::set<std::string> subjects;
    for (const std::string& message : stored) {
      subjects.insert(header(message, "Subject"));
    }
    CHECK(subjects == std::set<std::string>{"one", "four"});
  }
  SUBCASE("a refused message text")
  {
    TestServer server(dir / "maildir", {"--fail-first", "2", "--code", "554"}, dir / "server.log");
    const auto report = deliver(server.url(),
                                {outgoing("a@example.org", "one"),
                                 outgoing("b@example.org", "two"),
                                 outgoing("c@example.org", "three")});
    REQUIRE(report.results.size() == 3);
    CHECK(report.results[0].outcome == Outcome::failed);
    CHECK(report.results[0].code == 554);
    CHECK(report.results[1].outcome == Outcome::failed);
    CHECK(report.results[2].outcome == Outcome::sent);
    CHECK(report.results[2].code == 250);
    CHECK(messages_in(dir / "maildir").size() == 1);
  }
}

TEST_CASE("SMTP: no server means retry for every message")
{
  const std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "one"),
                                              outgoing("b@example.org", "two"),
                                              outgoing("c@example.org", "three")};
  SUBCASE("connection refused")
  {
    const auto report = deliver("smtp://127.0.0.1:" + std::to_string(free_port()), batch);
    CHECK_FALSE(report.stopped);
    REQUIRE(report.results.size() == 3);
    for (const auto& result : report.results) {
      CHECK(result.outcome == Outcome::retry);
      CHECK(result.code == 0);
      CHECK_FALSE(result.error.empty());
    }
    CHECK(report.results[0].error.find("127.0.0.1") != std::string::npos);
    // The first found no server; the others were not tried at all.
    CHECK(report.results[0].attempt == Attempt::no_connection);
    CHECK(report.results[1].attempt == Attempt::not_made);
    CHECK(report.results[2].attempt == Attempt::not_made);
  }
  SUBCASE("a server that never answers times out")
  {
    // Listening without accepting: the connection opens, no greeting comes.
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(fd, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    TransportOptions options = quick_options();
    options.response_timeout = std::chrono::seconds(1);
    const auto start = Clock::now();
    const auto report =
      deliver("smtp://127.0.0.1:" + std::to_string(ntohs(address.sin_port)), batch, options);
    close(fd);
    CHECK(Clock::now() - start < std::chrono::seconds(8));
    REQUIRE(report.results.size() == 3);
    for (const auto& result : report.results) {
      CHECK(result.outcome == Outcome::retry);
    }
    CHECK(report.results[0].error.find("imeout") != std::string::npos);
  }
}

TEST_CASE("SMTP login: accepted, refused, missing, the password never shows")
{
  if (!have_aiosmtpd()) {
    testutil::skip("/usr/bin/python3 cannot import aiosmtpd (Debian: python3-aiosmtpd)");
    return;
  }
  testutil::TempDir dir;
  TestServer server(
    dir / "maildir", {"--auth", "cpd:Right-Pass-1", "--require-auth"}, dir / "server.log");
  const std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "one"),
                                              outgoing("b@example.org", "two")};
  TransportOptions options = quick_options();
  options.username = "cpd";

  SUBCASE("the right password")
  {
    options.password = "Right-Pass-1";
    const auto report = deliver(server.url(), batch, options);
    CHECK_FALSE(report.stopped);
    REQUIRE(report.results.size() == 2);
    CHECK(report.results[0].outcome == Outcome::sent);
    CHECK(report.results[1].outcome == Outcome::sent);
    CHECK(messages_in(dir / "maildir").size() == 2);
  }
  SUBCASE("a wrong password stops the batch with a configuration error")
  {
    options.password = "Wrong-Pass-2";
    const auto report = deliver(server.url(), batch, options);
    REQUIRE(report.stopped);
    CHECK(report.stopped->kind() == ErrorKind::config);
    CHECK(std::string(report.stopped->what()).find("Wrong-Pass-2") == std::string::npos);
    CHECK(std::string(report.stopped->what()).find("password") != std::string::npos);
    REQUIRE(report.results.size() == 2);
    for (const auto& result : report.results) {
      CHECK(result.outcome == Outcome::retry);
      CHECK(result.error.find("Wrong-Pass-2") == std::string::npos);
    }
    CHECK(report.results[1].error.find("not attempted") != std::string::npos);
    CHECK(messages_in(dir / "maildir").empty());
  }
  SUBCASE("no login where the server requires one")
  {
    options.username.clear();
    const auto report = deliver(server.url(), batch, options);
    REQUIRE(report.stopped);
    CHECK(report.stopped->kind() == ErrorKind::config);
    REQUIRE(report.results.size() == 2);
    CHECK(report.results[0].outcome == Outcome::retry);
    CHECK(report.results[0].code == 530);
    CHECK(messages_in(dir / "maildir").empty());
  }
}

TEST_CASE("SMTP with STARTTLS required")
{
  if (!have_aiosmtpd()) {
    testutil::skip("/usr/bin/python3 cannot import aiosmtpd (Debian: python3-aiosmtpd)");
    return;
  }
  testutil::TempDir dir;
  const std::vector<OutgoingMessage> batch = {outgoing("a@example.org", "one")};
  TransportOptions options = quick_options();
  options.starttls = StartTls::required;

  SUBCASE("a server without STARTTLS gets nothing")
  {
    TestServer server(dir / "maildir", {}, dir / "server.log");
    const auto report = deliver(server.url(), batch, options);
    REQUIRE(report.stopped);
    CHECK(report.stopped->kind() == ErrorKind::config);
    const std::string error = report.stopped->what();
    CHECK(error.find("does not offer STARTTLS") != std::string::npos);
    // Its last line before the failure ("250 HELP" or "250 CHUNKING") is no
    // answer to anything and is not quoted as one.
    CHECK(error.find("server: 250") == std::string::npos);
    CHECK(report.results.at(0).outcome == Outcome::retry);
    CHECK(report.results.at(0).code == 0);
    CHECK(messages_in(dir / "maildir").empty());
  }
  SUBCASE("a server with STARTTLS and a trusted certificate")
  {
    const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1 -keyout '"
      + (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) {
      testutil::skip("openssl cannot make a test certificate");
      return;
    }
    TestServer server(
      dir / "maildir",
      {"--tls-cert", (dir / "cert.pem").string(), "--tls-key", (dir / "key.pem").string()},
      dir / "server.log");
    // Not trusted yet: the certificate is nobody's.
    auto report = deliver(server.url(), batch, options);
    REQUIRE(report.stopped);
    CHECK(report.stopped->kind() == ErrorKind::config);
    CHECK(messages_in(dir / "maildir").empty());

    CHECK(std::string(report.stopped->what()).find("not trusted") != std::string::npos);

    // Certificates that cannot be read are named as such, not as an untrusted server.
    options.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    report = deliver(server.url(), batch, options);
    REQUIRE(report.stopped);
    CHECK(std::string(report.stopped->what()).find("mail.ca_file cannot be read")
          != std::string::npos);

    options.ca_pem = testutil::read_file(dir / "cert.pem");
    report = deliver(server.url(), batch, options);
    CHECK_FALSE(report.stopped);
    CHECK(report.results.at(0).outcome == Outcome::sent);
    CHECK(messages_in(dir / "maildir").size() == 1);
  }
}
