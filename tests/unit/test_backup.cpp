#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/admin/check.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/store/backup.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/yearend.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

using cpd::Database;
using cpd::Date;
using cpd::ErrorKind;
using testutil::error_kind;

namespace {

// A scheme in a file: sec and ann, one approved claim of ann's.
struct OnDisk
{
  testutil::TempDir dir;
  Database db = Database::open(dir / "cpd.db", Database::Mode::create);
  Date today{2017, 3, 15};

  OnDisk()
  {
    cpd::install_mail(db);
    cpd::initialize(db, as("sec"), {"Sam Secretary", "sec@example.org", "IIMS", {}});
    cpd::add_member(db, as("sec"), {"ann", "Ann Surveyor", "ann@example.org"});
    cpd::ClaimRequest request;
    request.activity = "iims-training-day";
    request.date = Date(2017, 3, 1);
    const auto id = cpd::submit_claim(db, as("ann"), request).id;
    cpd::approve_claims(db, as("sec"), {id}, "");
  }

  testutil::As
  as(const std::string& login)
  {
    // 09:30:05 UTC on `today`.
    return {db, cpd::Context{login, today, today.days() * 86400 + 9 * 3600 + 30 * 60 + 5}};
  }

  std::int64_t
  claims_in(const std::filesystem::path& copy)
  {
    auto other = Database::open(copy, Database::Mode::open_existing);
    cpd::Statement query(other, "SELECT count(*) FROM claim");
    query.step();
    return query.integer(0);
  }
};

std::vector<std::string>
listing(const std::filesystem::path& folder)
{
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

TEST_CASE("copies are named by time, oldest first, other files are not copies")
{
  CHECK(cpd::backup_names({"cpd-20180102-001000.db",
                           "cpd-20180101-001000-2.db",
                           "cpd-20180101-001000.db",
                           "cpd-20180101-001000-10.db",
                           "cpd.db",
                           "cpd-20180101-001000.db-wal",
                           "cpd-2018010-001000.db",
                           "cpd-20180101-001000-0.db",
                           "cpd-20180101-001000-.db",
                           "notes.txt"})
        == std::vector<std::string>{"cpd-20180101-001000.db",
                                    "cpd-20180101-001000-2.db",
                                    "cpd-20180101-001000-10.db",
                                    "cpd-20180102-001000.db"});
}

TEST_CASE("a copy to pass by descriptor makes a sound database in WAL mode, for a secretary only")
{
  OnDisk s;
  const auto copy = cpd::backup_spool(s.db, s.as("sec"));
  REQUIRE(copy.size() > 100);
  const auto bytes = copy.read(0, copy.size());
  CHECK(bytes.substr(0, 16) == std::string("SQLite format 3\0", 16));
  CHECK(bytes[18] == 2); // WAL, as the original
  CHECK(bytes[19] == 2);
  testutil::write_file(s.dir / "restored.db", bytes);
  CHECK(s.claims_in(s.dir / "restored.db") == 1);
  auto restored = Database::open(s.dir / "restored.db", Database::Mode::open_existing);
  CHECK(cpd::verify_ledger(restored).empty());
  // No temporary file is left beside the database.
  for (const auto& name : listing(s.dir.path())) {
    CHECK(name.find("backup") == std::string::npos);
  }
  CHECK(error_kind([&] { cpd::backup_spool(s.db, s.as("ann")); }) == ErrorKind::permission);
}

TEST_CASE("a copy straight into a file the caller made, for a secretary only")
{
  OnDisk s;
  testutil::TempDir other;
  const auto target = other / "copy.db";
  testutil::write_file(target, "");
  const auto size = cpd::backup_into(s.db, s.as("sec"), target);
  CHECK(size == static_cast<std::int64_t>(std::filesystem::file_size(target)));
  CHECK(s.claims_in(target) == 1);
  // Nothing but the copy beside it: its journal went when it was closed.
  CHECK(listing(other.path()) == std::vector<std::string>{"copy.db"});
  const auto refused = other / "refused.db";
  testutil::write_file(refused, "");
  CHECK(error_kind([&] { cpd::backup_into(s.db, s.as("ann"), refused); }) == ErrorKind::permission);
  CHECK(std::filesystem::file_size(refused) == 0);
}

TEST_CASE("copies go to backup.dir, readable by the owner alone, keeping the newest")
{
  OnDisk s;
  CHECK(error_kind([&] { cpd::backup_to_directory(s.db, s.as("sec")); }) == ErrorKind::config);
  const auto folder = s.dir / "backups";
  cpd::set_setting(s.db, s.as("sec"), "backup.dir", folder.string());
  cpd::set_setting(s.db, s.as("sec"), "backup.keep", "2");
  testutil::write_file(s.dir / "unrelated.db", "x");

  const auto first = cpd::backup_to_directory(s.db, s.as("sec"));
  CHECK(first.path == folder / "cpd-20170315-093005.db");
  CHECK(first.bytes == static_cast<std::int64_t>(std::filesystem::file_size(first.path)));
  struct stat status
  {};
  REQUIRE(::stat(first.path.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  REQUIRE(::stat(folder.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0700);
  CHECK(s.claims_in(first.path) == 1);

  // The same second: a second name. A foreign file stays.
  testutil::write_file(folder / "keep-me.txt", "mine");
  const auto second = cpd::backup_to_directory(s.db, s.as("sec"));
  CHECK(second.path == folder / "cpd-20170315-093005-2.db");
  CHECK(second.removed.empty());
  s.today = Date(2017, 3, 16);
  const auto third = cpd::backup_to_directory(s.db, s.as("sec"));
  CHECK(third.removed == std::vector<std::string>{"cpd-20170315-093005.db"});
  CHECK(listing(folder)
        == std::vector<std::string>{
          "cpd-20170315-093005-2.db", "cpd-20170316-093005.db", "keep-me.txt"});
  CHECK(error_kind([&] { cpd::backup_to_directory(s.db, s.as("ann")); }) == ErrorKind::permission);
}

TEST_CASE("the local time names a copy")
{
  OnDisk s;
  cpd::set_setting(s.db, s.as("sec"), "backup.dir", (s.dir / "b").string());
  auto context = s.as("sec");
  context.utc_offset_minutes = -10 * 60; // 23:30:05 the day before
  CHECK(cpd::backup_to_directory(s.db, context).path.filename() == "cpd-20170314-233005.db");
}

TEST_CASE("year end takes a copy first when backup.dir is set, and only when it closes a year")
{
  OnDisk s;
  const auto folder = s.dir / "backups";
  s.today = Date(2018, 1, 1);
  std::optional<cpd::BackupResult> backup;
  cpd::rollover(s.db, s.as("sec"), cpd::DryRun::no, &backup);
  CHECK_FALSE(backup); // not set
  cpd::set_setting(s.db, s.as("sec"), "backup.dir", folder.string());
  s.today = Date(2019, 1, 1);
  const auto closes = cpd::rollover(s.db, s.as("sec"), cpd::DryRun::no, &backup);
  REQUIRE(closes.size() == 1);
  REQUIRE(backup);
  // The copy is of the database before 2018 was closed.
  {
    auto copy = Database::open(backup->path, Database::Mode::open_existing);
    cpd::Statement closed(copy, "SELECT group_concat(year) FROM year_close");
    closed.step();
    CHECK(closed.text(0) == "2017");
  }
  backup.reset();
  cpd::rollover(s.db, s.as("sec"), cpd::DryRun::no, &backup);
  CHECK_FALSE(backup); // nothing to close, no copy
  CHECK(listing(folder).size() == 1);
}

TEST_CASE("backup settings are checked")
{
  testutil::Scheme s;
  CHECK(error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "backup.dir", "relative/path"); })
        == ErrorKind::bad_input);
  CHECK(error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "backup.keep", "0"); })
        == ErrorKind::bad_input);
  CHECK(error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "audit.remind_days", "21,x"); })
        == ErrorKind::bad_input);
  CHECK(error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "audit.percent", "0"); })
        == ErrorKind::bad_input);
  cpd::set_setting(s.db, s.as("sec"), "audit.remind_days", "none");
  CHECK(cpd::load_audit_settings(s.db).remind_days.empty());
  cpd::set_setting(s.db, s.as("sec"), "audit.remind_days", "30,14,3");
  CHECK(cpd::load_audit_settings(s.db).remind_days == std::vector<int>{30, 14, 3});
}
