#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/ledger/rules.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>

using cpd::Database;
using cpd::ErrorKind;
using cpd::Statement;
using cpd::Transaction;

namespace {

// Back to before version 11: no quotas, no purge of withdrawn evidence.
// From the current schema back to version 6, but for the statement key's
// table, which version 6 had and version 1 did not.
const std::string k_back_to_schema_6 =
  std::string(testutil::k_back_to_schema_14) + testutil::k_back_to_schema_11
  + "DROP TABLE mail_batch; DROP TABLE year_waiting; DROP TABLE year_account;"
    " DROP TABLE dispensation_period; ALTER TABLE activity DROP COLUMN category;"
    " ALTER TABLE claim DROP COLUMN category; ALTER TABLE entry DROP COLUMN category;"
    " ALTER TABLE member DROP COLUMN joined; ALTER TABLE year_close DROP COLUMN rules;"
    "DROP INDEX claim_pending_member;"
    "DROP TABLE reminder; ALTER TABLE member DROP COLUMN cpd_duty;"
    " ALTER TABLE exemption DROP COLUMN until_year;";

ErrorKind
kind_of_open_error(const std::filesystem::path& path, Database::Mode mode)
{
  try {
    Database::open(path, mode);
  } catch (const cpd::Error& e) {
    return e.kind();
  }
  FAIL("open did not fail");
  return ErrorKind::internal;
}

std::int64_t
count(Database& db, const char* table)
{
  Statement query(db, std::string("SELECT count(*) FROM ") + table);
  query.step();
  return query.integer(0);
}

} // namespace

TEST_CASE("a fresh database has the current schema, WAL and its identity")
{
  testutil::TempDir dir;
  {
    auto db = Database::open(dir / "cpd.db", Database::Mode::create);
    CHECK(db.schema_version() == Database::current_schema_version());
    CHECK(Database::current_schema_version() >= 1);
    Statement mode(db, "PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
    Statement fk(db, "PRAGMA foreign_keys");
    REQUIRE(fk.step());
    CHECK(fk.integer(0) == 1);
  }
  // Opening again changes nothing.
  auto db = Database::open(dir / "cpd.db", Database::Mode::open_existing);
  CHECK(db.schema_version() == Database::current_schema_version());
}

TEST_CASE("a new database file is shared with the group under umask 007")
{
  testutil::TempDir dir;
  const mode_t previous = umask(007);
  Database::open(dir / "cpd.db", Database::Mode::create);
  umask(previous);
  struct stat info
  {};
  REQUIRE(stat((dir / "cpd.db").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0660);
}

TEST_CASE("open refuses what is not a usable cpd database")
{
  testutil::TempDir dir;

  SUBCASE("a missing file is not created without Mode::create")
  {
    CHECK(kind_of_open_error(dir / "none.db", Database::Mode::open_existing)
          == ErrorKind::unavailable);
    CHECK_FALSE(std::filesystem::exists(dir / "none.db"));
  }
  SUBCASE("a text file")
  {
    testutil::write_file(dir / "notes.txt", std::string(4096, 'x'));
    CHECK(kind_of_open_error(dir / "notes.txt", Database::Mode::open_existing)
          == ErrorKind::bad_input);
  }
  SUBCASE("another application's SQLite database is left alone")
  {
    {
      auto other = Database::open_memory(); // only to reach the SQLite API
      other.exec("ATTACH '" + (dir / "other.db").string() + "' AS other; CREATE TABLE other.t(x);");
    }
    CHECK(kind_of_open_error(dir / "other.db", Database::Mode::create) == ErrorKind::bad_input);
  }
  SUBCASE("a database written by a newer cpd")
  {
    {
      auto db = Database::open(dir / "cpd.db", Database::Mode::create);
      db.exec("PRAGMA user_version = " + std::to_string(Database::current_schema_version() + 1));
    }
    CHECK(kind_of_open_error(dir / "cpd.db", Database::Mode::open_existing)
          == ErrorKind::bad_input);
  }
}

TEST_CASE("an older database is brought up to date")
{
  testutil::TempDir dir;
  {
    // Version 0 with the cpd identity: an empty cpd file from an interrupted init.
    auto db = Database::open_memory();
    db.exec("ATTACH '" + (dir / "old.db").string()
            + "' AS old; PRAGMA old.application_id = 1129333809;");
  }
  auto db = Database::open(dir / "old.db", Database::Mode::open_existing);
  CHECK(db.schema_version() == Database::current_schema_version());
  CHECK(count(db, "member") == 0);
}

TEST_CASE("a transaction rolls back unless committed")
{
  auto db = Database::open_memory();
  {
    Transaction transaction(db, Transaction::Kind::write);
    db.exec("INSERT INTO setting(key, value) VALUES ('a', '1')");
  }
  CHECK(count(db, "setting") == 0);
  {
    Transaction transaction(db, Transaction::Kind::write);
    Statement(db, "INSERT INTO setting(key, value) VALUES (?, ?)").bind_all("b", "2").run();
    transaction.commit();
  }
  CHECK(count(db, "setting") == 1);
}

TEST_CASE("the ledger is append-only")
{
  auto db = Database::open_memory();
  db.exec("INSERT INTO member(login, name, email, created_at)"
          " VALUES ('ann', 'Ann', 'ann@example.org', 0);"
          "INSERT INTO entry(member_id, year, kind, points, at)"
          " VALUES (1, 2017, 'adjustment', 10, 0);");
  CHECK_THROWS_AS(db.exec("UPDATE entry SET points = 100"), cpd::Error);
  CHECK_THROWS_AS(db.exec("DELETE FROM entry"), cpd::Error);
  CHECK(count(db, "entry") == 1);
}

TEST_CASE("bound text is stored verbatim, never run as SQL")
{
  auto db = Database::open_memory();
  const std::string hostile = "x'); DROP TABLE member; --";
  Statement(db, "INSERT INTO setting(key, value) VALUES (?, ?)").bind_all("k", hostile).run();
  Statement query(db, "SELECT value FROM setting WHERE key = 'k'");
  REQUIRE(query.step());
  CHECK(query.text(0) == hostile);
  CHECK(count(db, "member") == 0);
}

TEST_CASE("a database of each older schema version is upgraded, its data kept")
{
  testutil::TempDir dir;
  {
    auto db = Database::open(dir / "cpd.db", Database::Mode::create);
    db.exec("INSERT INTO member(login, name, email, created_at)"
            " VALUES ('ann', 'Ann', 'ann@example.org', 0);"
            // Back to version 1, as a cpd of that time left it.
            + k_back_to_schema_6
            + "DROP TABLE statement; DROP TABLE audit_claim;"
              " DROP TABLE audit; DROP TABLE audit_draw; DROP TABLE identity;"
              "DROP INDEX entry_year_member; DROP TABLE outbox_attachment; DROP TABLE outbox;"
              "PRAGMA user_version = 1;");
  }
  auto db = Database::open(dir / "cpd.db", Database::Mode::open_existing);
  CHECK(db.schema_version() == Database::current_schema_version());
  CHECK(count(db, "member") == 1);
  CHECK(count(db, "outbox") == 0);
  Statement index(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'entry_year_member'");
  index.step();
  CHECK(index.integer(0) == 1);
  // An upgraded database gets its own identity for Message-IDs.
  Statement identity(db, "SELECT length(token) FROM identity");
  REQUIRE(identity.step());
  CHECK(identity.integer(0) == 16);
  CHECK(count(db, "audit_draw") == 0);
  // The key of statement codes is made when the first statement needs it,
  // in a file of its own: never in the database.
  CHECK_FALSE(std::filesystem::exists(db.key_path()));
  Statement table(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'statement_key'");
  table.step();
  CHECK(table.integer(0) == 0);
}

TEST_CASE("version 7: reminder intervals become calendar periods, dispensations get an end")
{
  testutil::TempDir dir;
  {
    auto db = Database::open(dir / "cpd.db", Database::Mode::create);
    db.exec("INSERT INTO member(login, name, email, created_at)"
            " VALUES ('ann', 'Ann', 'ann@example.org', 0);"
            "INSERT INTO exemption(member_id, year, reason, actor_id, at)"
            " VALUES (1, 2017, 'ill', 1, 0);"
            // Back to version 6, with a mail and the setting it had.
            + k_back_to_schema_6
            + "INSERT INTO outbox(cause, template, member_id, to_name, to_address, subject, body,"
              " message_id, created_at, next_attempt_at)"
              " VALUES ('reminder:ann:2017-03-01', 'reminder', 1, 'Ann', 'ann@example.org', 's',"
              " 'b', '<1@x>', 0, 0);"
              "INSERT INTO setting(key, value) VALUES ('remind.interval_days', '14');"
              "CREATE TABLE statement_key (id INTEGER PRIMARY KEY, secret BLOB NOT NULL) STRICT;"
              "PRAGMA user_version = 6;");
  }
  auto db = Database::open(dir / "cpd.db", Database::Mode::open_existing);
  CHECK(db.schema_version() == Database::current_schema_version());
  Statement every(db, "SELECT group_concat(key || '=' || value) FROM setting");
  REQUIRE(every.step());
  CHECK(every.text(0) == "remind.every=month"); // no shorter than 14 days
  Statement reminded(db, "SELECT member_id, day FROM reminder");
  REQUIRE(reminded.step());
  CHECK(reminded.text(1) == "2017-03-01");
  Statement exempt(db, "SELECT year, until_year FROM exemption");
  REQUIRE(exempt.step());
  CHECK(exempt.integer(1) == 2017); // one year, as it was granted
  Statement duty(db, "SELECT cpd_duty FROM member");
  REQUIRE(duty.step());
  CHECK(duty.integer(0) == 1);
}

TEST_CASE("version 14: a year closed before its rules were recorded gets them")
{
  testutil::TempDir dir;
  {
    auto db = Database::open(dir / "cpd.db", Database::Mode::create);
    // Version 13, holding years closed by a cpd before version 9 (a quota
    // and a cap, no rules) beside one closed since.
    db.exec(std::string(testutil::k_back_to_schema_14)
            + "INSERT INTO year_close(year, quota, carry_cap, at) VALUES (2015, 100, 30, 0);"
              "INSERT INTO year_close(year, quota, carry_cap, at) VALUES (2016, 125, 5, 0);"
              "INSERT INTO year_close(year, quota, carry_cap, rules, at)"
              " VALUES (2017, 200, 0, 'scheme.cycle_years=3' || char(10), 0);"
              "PRAGMA user_version = 13;");
  }
  auto db = Database::open(dir / "cpd.db", Database::Mode::open_existing);
  CHECK(db.schema_version() == Database::current_schema_version());
  cpd::Rules old;
  old.quota = cpd::Points::from_tenths(100);
  old.carry_cap = cpd::Points::from_tenths(30);
  cpd::Rules odd = old;
  odd.quota = cpd::Points::from_tenths(125);
  odd.carry_cap = cpd::Points::from_tenths(5);
  Statement rules(db, "SELECT rules FROM year_close ORDER BY year");
  REQUIRE(rules.step());
  CHECK(rules.text(0) == cpd::encode_rules(old));
  REQUIRE(rules.step());
  CHECK(rules.text(0) == cpd::encode_rules(odd));
  REQUIRE(rules.step());
  CHECK(rules.text(0) == "scheme.cycle_years=3\n"); // recorded already: kept
  rules.reset();
  CHECK(cpd::rules_of_year(db, 2015) == old);
  CHECK(cpd::rules_of_year(db, 2016) == odd);
  CHECK(cpd::rules_of_year(db, 2017).cycle_years == 3);
  // A closed year with no rules is damaged, never judged by defaults.
  db.exec("UPDATE year_close SET rules = NULL WHERE year = 2015");
  CHECK(testutil::error_kind([&] { cpd::rules_of_year(db, 2015); }) == ErrorKind::internal);
}

TEST_CASE("version 16: the audit reminders an older cpd sent are recorded, never sent again")
{
  testutil::TempDir dir;
  {
    auto db = Database::open(dir / "cpd.db", Database::Mode::create);
    // Version 15, which knew an audit's reminders only by their mail.
    db.exec("INSERT INTO member(login, name, email, created_at)"
            " VALUES ('ann', 'Ann', 'ann@example.org', 0), ('bob', 'Bob', 'bob@example.org', 0);"
            "INSERT INTO audit_draw(year, percent, seed, eligible, drawn_on, at)"
            " VALUES (2017, 100, '1', 2, '2018-02-01', 0);"
            "INSERT INTO audit(id, draw_id, member_id, year, deadline)"
            " VALUES (4, 1, 1, 2017, '2018-04-02'), (12, 1, 2, 2017, '2018-04-02');"
            "INSERT INTO outbox(cause, template, member_id, to_name, to_address, facts,"
            " message_id, created_at, next_attempt_at) VALUES"
            " ('audit:4:reminder:21', 'audit-reminder', 1, 'Ann', 'ann@example.org', '{}',"
            "  '<1@x>', 0, 0),"
            " ('audit:12:reminder:21', 'audit-reminder', 2, 'Bob', 'bob@example.org', '{}',"
            "  '<2@x>', 0, 0),"
            " ('audit:12:reminder:7', 'audit-reminder', 2, 'Bob', 'bob@example.org', '{}',"
            "  '<3@x>', 0, 0),"
            " ('audit:12:drawn', 'audit-request', 2, 'Bob', 'bob@example.org', '{}',"
            "  '<4@x>', 0, 0),"
            " ('reminder:ann:2018-03-01', 'reminder', 1, 'Ann', 'ann@example.org', '{}',"
            "  '<5@x>', 0, 0);"
            "DROP TABLE audit_reminder; PRAGMA user_version = 15;");
  }
  auto db = Database::open(dir / "cpd.db", Database::Mode::open_existing);
  CHECK(db.schema_version() == Database::current_schema_version());
  Statement sent(db,
                 "SELECT group_concat(audit_id || ':' || point, ' ') FROM"
                 " (SELECT * FROM audit_reminder ORDER BY audit_id, point)");
  REQUIRE(sent.step());
  CHECK(sent.text(0) == "4:21 12:7 12:21");
}
