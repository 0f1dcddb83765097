#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/store/host_config.hpp>
#include <cpd/year/statement.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

using cpd::ErrorKind;

namespace {

// The message a call refuses with, checked to be a configuration error on
// one line.
template<typename F>
std::string
refusal(F&& call)
{
  try {
    call();
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::config);
    const std::string message = e.what();
    CHECK(message.find('\n') == std::string::npos);
    return message;
  }
  FAIL("accepted");
  return {};
}

bool
contains(const std::string& text, std::string_view part)
{
  return text.find(part) != std::string::npos;
}

constexpr std::string_view k_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

} // namespace

TEST_CASE("the host configuration file: key = value lines, comments, and nothing unknown")
{
  const auto file = cpd::parse_host_config("# cpd's host configuration\n"
                                           "\n"
                                           "mail.url = smtp://mail.example.org:587\n"
                                           "  mail.username\t=\tcpd  \n"
                                           "mail.password_file = /etc/cpd/smtp-password\n"
                                           "mail.ca_file=/etc/cpd/ca.pem\n"
                                           "mail.templates = /etc/cpd/templates\n",
                                           "/etc/cpd/cpd.conf");
  CHECK(file.mail_url == "smtp://mail.example.org:587");
  CHECK(file.mail_username == "cpd");
  CHECK(file.mail_password_file == "/etc/cpd/smtp-password");
  CHECK(file.mail_ca_file == "/etc/cpd/ca.pem");
  CHECK(file.mail_templates == "/etc/cpd/templates");
  CHECK(cpd::parse_host_config("", "x").mail_url.empty());

  CHECK(
    refusal([] { cpd::parse_host_config("# ok\nmail.url = smtp://a\nmail.tempaltes = /x\n", "c"); })
    == "c:3: unknown key 'mail.tempaltes' (known: mail.url, mail.username, "
       "mail.password_file, mail.ca_file, mail.templates)");
  CHECK(refusal([] { cpd::parse_host_config("mail.url\n", "c"); })
        == "c:1: expected `key = value`");
  CHECK(refusal([] { cpd::parse_host_config("mail.url = a\nmail.url = b\n", "c"); })
        == "c:2: mail.url is given twice");
  CHECK(contains(refusal([] { cpd::parse_host_config("mail.url = a\x1b[2J\n", "c"); }),
                 "c:1: the line holds a control character"));
  CHECK(contains(refusal([] { cpd::parse_host_config("mail.url = \xff\n", "c"); }), "UTF-8"));
}

TEST_CASE("only a regular file within the limit is read, and nothing past the limit")
{
  testutil::TempDir dir;
  testutil::write_file(dir / "ok", "hello\n");
  CHECK(cpd::read_regular_file("mail.ca_file", (dir / "ok").string(), 100) == "hello\n");

  const auto started = std::chrono::steady_clock::now();
  const auto refused = [&](const std::filesystem::path& path) {
    return refusal([&] { cpd::read_regular_file("mail.ca_file", path.string(), 1024); });
  };
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  CHECK(refused(dir / "fifo")
        == "mail.ca_file " + (dir / "fifo").string() + " is not a regular file (a FIFO)");
  CHECK(refused("/dev/zero") == "mail.ca_file /dev/zero is not a regular file (a device)");
  CHECK(refused(dir.path())
        == "mail.ca_file " + dir.path().string() + " is not a regular file (a directory)");
  {
    std::ofstream sparse(dir / "sparse");
  }
  std::filesystem::resize_file(dir / "sparse", std::uintmax_t{12} << 30); // 12 GiB, no blocks
  CHECK(refused(dir / "sparse")
        == "mail.ca_file " + (dir / "sparse").string()
             + " is 12884901888 bytes, over the limit of 1024 bytes");
  testutil::write_file(dir / "big", std::string(1025, 'x'));
  CHECK(contains(refused(dir / "big"), "is 1025 bytes, over the limit of 1024 bytes"));
  std::filesystem::create_symlink(dir / "ok", dir / "link");
  CHECK(refused(dir / "link")
        == "mail.ca_file " + (dir / "link").string() + " is a symbolic link; name the file itself");
  CHECK(refused(dir / "missing")
        == "mail.ca_file " + (dir / "missing").string() + " does not exist");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
}

TEST_CASE("the host configuration reads the files it names once, into memory")
{
  testutil::TempDir dir;
  const auto conf = (dir / "cpd.conf").string();
  testutil::write_file(dir / "ca.pem", std::string(k_pem));
  testutil::write_file(dir / "password", "s3cret\n");
  std::filesystem::create_directory(dir / "templates");
  testutil::write_file(dir / "templates" / "claim-received.txt",
                       "Subject: got {activity}\n\nThanks.\n");
  testutil::write_file(dir / "templates" / "notes.txt", "not a template of cpd's: never read\n");
  testutil::write_file(dir / "cpd.conf",
                       "mail.url = smtp://mail.example.org:587\nmail.password_file = "
                         + (dir / "password").string()
                         + "\nmail.ca_file = " + (dir / "ca.pem").string()
                         + "\nmail.templates = " + (dir / "templates").string() + "\n");
  const auto config = cpd::load_host_config(conf, ::geteuid(), true);
  CHECK(config.path == conf);
  CHECK(config.mail_url == "smtp://mail.example.org:587");
  CHECK(config.mail_password == "s3cret");
  CHECK(config.mail_ca == k_pem);
  REQUIRE(config.templates.size() == 1);
  CHECK(config.templates.at("claim-received") == "Subject: got {activity}\n\nThanks.\n");

  // Missing: nothing when it need not exist; named, it must.
  CHECK(cpd::load_host_config((dir / "none").string(), ::geteuid(), false).path.empty());
  CHECK(
    contains(refusal([&] { cpd::load_host_config((dir / "none").string(), ::geteuid(), true); }),
             "does not exist"));

  // Writable by others: anyone could point the server anywhere.
  ::chmod(conf.c_str(), 0666);
  CHECK(contains(refusal([&] { cpd::load_host_config(conf, ::geteuid(), true); }),
                 "must belong to root and be writable by nobody else"));
  ::chmod(conf.c_str(), 0644);

  const auto with = [&](const std::string& text) {
    testutil::write_file(dir / "cpd.conf", text);
    return refusal([&] { cpd::load_host_config(conf, ::geteuid(), true); });
  };
  CHECK(contains(with("mail.password_file = " + (dir / "password").string() + "\n"),
                 "mail.password_file needs mail.url in the same file"));
  CHECK(
    contains(with("mail.ca_file = /dev/zero\n"), "mail.ca_file /dev/zero is not a regular file"));
  CHECK(contains(with("mail.ca_file = ca.pem\n"), "mail.ca_file must be an absolute path"));
  testutil::write_file(dir / "not.pem", "hello\n");
  CHECK(contains(with("mail.ca_file = " + (dir / "not.pem").string() + "\n"),
                 "holds no PEM certificate"));
  CHECK(
    contains(with("mail.templates = /dev/zero\n"), "mail.templates /dev/zero is not a directory"));
  CHECK(contains(with("mail.url = smtp://user:pw@host\n"), "mail.url must not hold a user name"));
  REQUIRE(::mkfifo((dir / "templates" / "claim-approved.txt").c_str(), 0600) == 0);
  CHECK(contains(with("mail.templates = " + (dir / "templates").string() + "\n"),
                 "claim-approved.txt is not a regular file (a FIFO)"));
  std::filesystem::remove(dir / "templates" / "claim-approved.txt");
  testutil::write_file(dir / "templates" / "claim-approved.txt", "Subject: {no_such_value}\n\nx\n");
  CHECK(contains(with("mail.templates = " + (dir / "templates").string() + "\n"),
                 "unknown placeholder {no_such_value}"));
}

TEST_CASE(
  "the statement key lives in a file beside the database, 0600, and moves out of an old one")
{
  testutil::TempDir dir;
  const auto path = dir / "cpd.db";
  std::string code;
  std::string key_text;
  {
    testutil::Scheme s;
    auto db = cpd::Database::open(path, cpd::Database::Mode::create);
    cpd::initialize(db, s.as("sec"), {"Sam Secretary", "sec@example.org", "IIMS", {}});
    cpd::add_member(db, s.as("sec"), {"ann", "Ann Surveyor", "ann@example.org"});
    struct stat status
    {};
    REQUIRE(::stat(db.key_path().c_str(), &status) == 0);
    CHECK((status.st_mode & 0777) == 0600);
    key_text = testutil::read_file(db.key_path());
    CHECK(key_text.size() == 65);
    code = cpd::issue_statement(db, s.as("ann"), std::nullopt, 2017).code;
    // As a cpd from before the key file left it: the key in the database.
    db.exec(std::string(testutil::k_back_to_schema_14) + testutil::k_back_to_schema_11
            + "CREATE TABLE statement_key (id INTEGER PRIMARY KEY CHECK (id = 1),"
              " secret BLOB NOT NULL) STRICT;"
              "INSERT INTO statement_key VALUES (1, X'"
            + key_text.substr(0, 64)
            + "');"
              "INSERT INTO setting VALUES ('mail.password', 'pw'), ('mail.templates', '/dev/zero');"
              "PRAGMA user_version = 10;");
  }
  std::filesystem::remove(dir / "cpd.db.key");
  {
    auto db = cpd::Database::open(path, cpd::Database::Mode::open_existing);
    CHECK(testutil::read_file(db.key_path()) == key_text);
    CHECK(cpd::verify_statement(db, code).member == "ann");
    cpd::Statement left(
      db,
      "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = 'statement_key'),"
      " (SELECT count(*) FROM setting WHERE key LIKE 'mail.%' AND key <> 'mail.secretary')");
    REQUIRE(left.step());
    CHECK(left.integer(0) == 0);
    CHECK(left.integer(1) == 0);
  }
  // A database restored without its key: said so, never "altered".
  std::filesystem::remove(dir / "cpd.db.key");
  auto db = cpd::Database::open(path, cpd::Database::Mode::open_existing);
  CHECK(contains(refusal([&] { cpd::verify_statement(db, code); }), "cpd.db.key is missing"));
  CHECK(contains(refusal([&] { db.ensure_statement_key(); }), "cpd.db.key is missing"));
  CHECK_FALSE(std::filesystem::exists(dir / "cpd.db.key"));
}
