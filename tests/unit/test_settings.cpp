#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <filesystem>

// A command reads every setting in one statement, once, whatever it does
// with them: counted through SQLite's trace hook, each command on a
// connection as the server hands it out (no settings read yet), its mail
// delivered as `cpd` delivers it after the commit.

using cpd::Date;
using cpd::DryRun;

namespace {

// How many statements read the setting table while `command` runs.
template<typename Command>
std::uint64_t
setting_reads(cpd::Database& db, Command&& command)
{
  db.settings_snapshot().reset(); // a new command
  cpd::Database::StatementCounts counts;
  db.count_statements(&counts);
  command();
  db.count_statements(nullptr);
  std::uint64_t reads = 0;
  for (const auto& [sql, times] : counts) {
    if (sql.find("FROM setting") != std::string::npos) {
      reads += times;
    }
  }
  return reads;
}

struct MailedScheme : testutil::Scheme
{
  testutil::TempDir dir;

  MailedScheme()
  {
    cpd::set_setting(db, as("sec"), "mail.url", "maildir:" + (dir / "mail").string());
    cpd::set_setting(db, as("sec"), "mail.from", "cpd@iims.example");
  }

  int
  deliver()
  {
    return cpd::deliver_mail(db, as("sec"), cpd::DeliveryOptions{}).sent;
  }
};

} // namespace

TEST_CASE("claim, approve, balance, rollover and remind each read the settings once")
{
  MailedScheme s;
  cpd::Claim claim;
  CHECK(setting_reads(s.db,
                      [&] {
                        claim = s.claim("ann", "iims-training-day", Date(2017, 3, 14));
                        CHECK(s.deliver() > 0);
                      })
        == 1);
  CHECK(setting_reads(s.db,
                      [&] {
                        cpd::approve_claims(s.db, s.as("sec"), {claim.id}, "");
                        CHECK(s.deliver() > 0);
                      })
        == 1);
  CHECK(setting_reads(s.db,
                      [&] {
                        const auto balance =
                          cpd::balance(s.db, s.as("ann"), std::nullopt, std::nullopt);
                        CHECK(balance.total == claim.points);
                      })
        == 1);
  s.today = Date(2017, 4, 3);
  CHECK(setting_reads(
          s.db,
          [&] {
            CHECK(cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, DryRun::no) > 0);
            CHECK(s.deliver() > 0);
          })
        == 1);
  s.today = Date(2018, 1, 2);
  CHECK(setting_reads(s.db,
                      [&] {
                        CHECK(cpd::rollover(s.db, s.as("sec"), DryRun::no).size() == 1);
                        CHECK(s.deliver() > 0);
                      })
        == 1);
}

TEST_CASE("a setting changed within a command is what the command reads next")
{
  testutil::Scheme s;
  CHECK(cpd::load_scheme(s.db).quota == cpd::Points::from_tenths(100));
  // Through the secretary's command, and by hand.
  cpd::set_setting(s.db, s.as("sec"), "scheme.quota", "12");
  CHECK(cpd::load_scheme(s.db).quota == cpd::Points::from_tenths(120));
  CHECK(cpd::current_rules(s.db).quota == cpd::Points::from_tenths(120));
  s.db.exec("UPDATE setting SET value = '14' WHERE key = 'scheme.quota'");
  s.db.settings_changed();
  CHECK(cpd::get_setting(s.db, "scheme.quota") == "14");
  cpd::set_setting(s.db, s.as("sec"), "scheme.quota", "");
  CHECK(cpd::get_setting(s.db, "scheme.quota") == "10");
  // A change refused after it was written is rolled back, and forgotten.
  cpd::set_setting(s.db, s.as("sec"), "scheme.carry_cap", "0");
  cpd::set_setting(s.db, s.as("sec"), "scheme.cycle_years", "3");
  CHECK(testutil::error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "scheme.carry_cap", "5"); })
        == cpd::ErrorKind::refused);
  CHECK(cpd::get_setting(s.db, "scheme.carry_cap") == "0");
  {
    cpd::Transaction transaction(s.db, cpd::Transaction::Kind::write);
    s.db.exec("UPDATE setting SET value = '7' WHERE key = 'org.name'");
    s.db.settings_changed();
    CHECK(cpd::get_setting(s.db, "org.name") == "7");
  }
  CHECK(cpd::get_setting(s.db, "org.name") == "IIMS");
}

TEST_CASE("the system reads the settings as a secretary does but changes none")
{
  testutil::Scheme s;
  auto system = s.as("root");
  system.actor = cpd::Actor::system;
  cpd::set_setting(s.db, s.as("sec"), "scheme.quota", "12");
  CHECK(cpd::read_setting(s.db, system, "scheme.quota") == "12");
  CHECK(cpd::list_settings(s.db, system) == cpd::list_settings(s.db, s.as("sec")));
  CHECK(testutil::error_kind([&] { cpd::read_setting(s.db, s.as("ann"), "scheme.quota"); })
        == cpd::ErrorKind::permission);
  CHECK(testutil::error_kind([&] { cpd::set_setting(s.db, system, "scheme.quota", "14"); })
        == cpd::ErrorKind::permission);
  CHECK(cpd::get_setting(s.db, "scheme.quota") == "12");
}
