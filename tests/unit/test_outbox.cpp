#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/host_config.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/dispensation.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>

using cpd::Date;
using cpd::DeliveryOptions;
using testutil::error_kind;

namespace {

std::int64_t
count(cpd::Database& db, const std::string& where)
{
  cpd::write_mail_batches(db); // the outbox as delivery sees it
  cpd::Statement query(db, "SELECT count(*) FROM outbox WHERE " + where);
  query.step();
  return query.integer(0);
}

std::size_t
files_in(const std::filesystem::path& directory)
{
  std::error_code ec;
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    ++n;
  }
  return n;
}

// These cases count the secretary's mail to each secretary: with
// mail.secretary unset (a database set up before init set it), it goes to
// every one of them.
void
every_secretary(testutil::Scheme& s)
{
  cpd::set_setting(s.db, s.as("sec"), "mail.secretary", "");
}

} // namespace

TEST_CASE("a claim queues its mail in the same transaction, a cause is queued once")
{
  testutil::Scheme s;
  every_secretary(s);
  const auto claim = s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  // ann hears it was received; both secretaries are asked to decide.
  CHECK(count(s.db, "cause LIKE 'claim:" + std::to_string(claim.id) + ":submitted%'") == 3);
  cpd::queue_mail(s.db,
                  s.as("sec"),
                  {"claim:" + std::to_string(claim.id) + ":submitted",
                   "claim-received",
                   std::nullopt,
                   "Ann",
                   "ann@example.org",
                   {},
                   {}});
  CHECK(count(s.db, "1") == 3);

  // A refused claim queues nothing.
  CHECK(error_kind([&] { s.claim("ann", "no-such-activity", Date(2017, 3, 14)); })
        == cpd::ErrorKind::refused);
  CHECK(count(s.db, "1") == 3);
}

TEST_CASE("a template that cannot render refuses the change that needed it")
{
  testutil::Scheme s;
  testutil::TempDir dir;
  // A template the host configuration holds, as if its checks had been
  // passed by: one with a value no mail has cannot render.
  cpd::HostConfig host;
  host.templates.emplace("claim-received", "Subject: {points}\n\n{no_such_value}\n");
  cpd::set_host_config(host);
  CHECK(error_kind([&] { s.claim("ann", "iims-webinar", Date(2017, 3, 14)); })
        == cpd::ErrorKind::config);
  cpd::set_host_config({});
  cpd::Statement claims(s.db, "SELECT count(*) FROM claim");
  claims.step();
  CHECK(claims.integer(0) == 0);
}

TEST_CASE("delivery to a Maildir: sent once, never twice")
{
  testutil::Scheme s;
  every_secretary(s);
  testutil::TempDir dir;
  cpd::set_setting(s.db, s.as("sec"), "mail.url", "maildir:" + (dir / "mail").string());
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  s.claim("ann", "iims-training-day", Date(2017, 3, 14));

  const auto first = cpd::deliver_mail(s.db, s.as("sec"), DeliveryOptions{});
  CHECK(first.sent == 3);
  CHECK(first.waiting == 0);
  CHECK(files_in(dir / "mail" / "new") == 3);
  const auto second = cpd::deliver_mail(s.db, s.as("sec"), DeliveryOptions{});
  CHECK(second.sent == 0);
  CHECK(files_in(dir / "mail" / "new") == 3);
}

TEST_CASE("no transport: mail stays queued and says so")
{
  testutil::Scheme s;
  every_secretary(s);
  s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  const auto summary = cpd::deliver_mail(s.db, s.as("sec"), DeliveryOptions{});
  CHECK(summary.no_transport);
  CHECK(summary.waiting == 3);
  CHECK(count(s.db, "state = 'queued'") == 3);
}

TEST_CASE("a server that cannot be reached: retried with growing backoff, then given up")
{
  testutil::Scheme s;
  every_secretary(s);
  // Nothing listens on port 1 of the loopback address.
  cpd::set_setting(s.db, s.as("sec"), "mail.url", "smtp://127.0.0.1:1");
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  auto context = s.as("sec");
  DeliveryOptions options;
  options.connect_timeout = std::chrono::seconds(2);

  const auto first = cpd::deliver_mail(s.db, context, options);
  CHECK(first.retry == 3);
  // One mail found no server; the others were not tried, so no try counts.
  CHECK(first.unreachable == 1);
  CHECK(count(s.db, "attempts = 1") == 1);
  CHECK(count(s.db, "attempts = 0 AND last_error LIKE 'not attempted: %'") == 2);
  cpd::Statement next(s.db,
                      "SELECT min(next_attempt_at) - ?, max(next_attempt_at) - ? FROM outbox");
  next.bind_all(context.now, context.now);
  next.step();
  CHECK(next.integer(0) == 300);
  CHECK(next.integer(1) == 300);
  next.reset();

  // Not due yet: nothing is tried, and the summary says when the next is due.
  const auto early = cpd::deliver_mail(s.db, context, options);
  CHECK(early.retry == 0);
  CHECK(early.waiting == 3);
  REQUIRE(early.next_attempt);
  CHECK(*early.next_attempt == context.now + 300);

  // Unless the backoff is ignored.
  options.backoff = cpd::Backoff::ignore;
  CHECK(cpd::deliver_mail(s.db, context, options).unreachable == 1);
  CHECK(count(s.db, "attempts = 2") == 1);
  options.backoff = cpd::Backoff::respect;

  context.now += 601;
  CHECK(cpd::deliver_mail(s.db, context, options).retry == 3);
  next.bind_all(context.now, context.now);
  next.step();
  CHECK(next.integer(0) == 300);
  CHECK(next.integer(1) == 1200); // the third try of the same mail waits 20 minutes
  next.reset();

  // After five days undelivered, all of it is marked failed and kept.
  context.now += 6 * 86400;
  const auto last = cpd::deliver_mail(s.db, context, options);
  CHECK(last.failed == 3);
  CHECK(count(s.db, "state = 'failed'") == 3);
  CHECK(count(s.db, "last_code IS NULL") == 3); // no server reply refused them
  CHECK(cpd::retry_mail(s.db, s.as("sec"), {}) == 3);
  CHECK(count(s.db, "state = 'queued'") == 3);
  CHECK(error_kind([&] { cpd::retry_mail(s.db, s.as("ann"), {}); }) == cpd::ErrorKind::permission);
}

TEST_CASE("retry makes failed and waiting mail due now, unknown and sent mail are refused")
{
  testutil::Scheme s;
  every_secretary(s);
  s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  const auto context = s.as("sec");
  s.db.exec(
    "UPDATE outbox SET next_attempt_at = next_attempt_at + 3600, attempts = 1 WHERE id = 1");
  s.db.exec("UPDATE outbox SET state = 'failed', attempts = 1, last_code = 550 WHERE id = 2");
  s.db.exec("UPDATE outbox SET state = 'sent', attempts = 1 WHERE id = 3");

  CHECK(cpd::retry_mail(s.db, context, {1, 2}) == 2);
  CHECK(count(s.db, "state = 'queued' AND next_attempt_at <= " + std::to_string(context.now)) == 2);
  CHECK(count(s.db, "attempts = 1") == 3); // the tries made are kept

  const auto before = count(s.db, "state = 'queued'");
  try {
    cpd::retry_mail(s.db, context, {1, 99});
    FAIL("an unknown id was accepted");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == cpd::ErrorKind::refused);
    CHECK(std::string(e.what()).find("no such mail #99") != std::string::npos);
  }
  CHECK(error_kind([&] { cpd::retry_mail(s.db, context, {3}); }) == cpd::ErrorKind::refused);
  CHECK(count(s.db, "state = 'queued'") == before);
}

TEST_CASE("Message-IDs hold the database's identity and the mail.from domain")
{
  testutil::Scheme first;
  testutil::Scheme second;
  every_secretary(first);
  every_secretary(second);
  const auto identity = cpd::database_identity(first.db);
  CHECK(identity.size() == 16);
  CHECK(identity.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(identity != cpd::database_identity(second.db));
  CHECK(identity == cpd::database_identity(first.db)); // kept

  cpd::set_setting(first.db, first.as("sec"), "mail.from", "cpd@iims.example");
  cpd::set_setting(second.db, second.as("sec"), "mail.from", "cpd@iims.example");
  first.claim("ann", "iims-webinar", Date(2017, 3, 14));
  second.claim("ann", "iims-webinar", Date(2017, 3, 14));
  const auto ids = [](cpd::Database& db) {
    std::vector<std::string> found;
    cpd::Statement query(db, "SELECT message_id FROM outbox ORDER BY id");
    while (query.step()) {
      found.push_back(query.text(0));
    }
    return found;
  };
  const auto mine = ids(first.db);
  const auto theirs = ids(second.db);
  REQUIRE(mine.size() == 3);
  REQUIRE(theirs.size() == 3);
  const std::regex format("<cpd\\.([0-9]+)\\.([0-9a-f]{16})\\.[0-9a-f]{8}@iims\\.example>");
  for (std::size_t i = 0; i < mine.size(); ++i) {
    CAPTURE(mine[i]);
    std::smatch match;
    REQUIRE(std::regex_match(mine[i], match, format));
    CHECK(match[1] == std::to_string(i + 1));
    CHECK(match[2] == identity);
    CHECK(mine[i] != theirs[i]); // the same outbox id in another database
    CHECK(std::count(mine.begin(), mine.end(), mine[i]) == 1);
  }
}

TEST_CASE("mail queued before any domain was known gets one before its first try")
{
  testutil::Scheme s;
  every_secretary(s);
  testutil::TempDir dir;
  s.claim("ann", "iims-webinar", Date(2017, 3, 14));
  cpd::Statement query(s.db, "SELECT message_id FROM outbox WHERE id = 1");
  REQUIRE(query.step());
  CHECK(query.text(0).ends_with("@localhost>"));
  query.reset();
  cpd::set_setting(s.db, s.as("sec"), "mail.url", "maildir:" + (dir / "mail").string());
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  CHECK(cpd::deliver_mail(s.db, s.as("sec"), DeliveryOptions{}).sent == 3);
  REQUIRE(query.step());
  const auto id = query.text(0);
  CHECK(id.ends_with("@iims.example>"));
  bool found = false;
  for (const auto& file : std::filesystem::directory_iterator(dir / "mail" / "new")) {
    found =
      found || testutil::read_file(file.path()).find("Message-ID: " + id) != std::string::npos;
  }
  CHECK(found);
}

TEST_CASE("the EHLO name: mail.helo, else a fully qualified host name, else the mail.from domain")
{
  testutil::Scheme s;
  CHECK(cpd::helo_name(s.db, "vm") == "");
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  CHECK(cpd::helo_name(s.db, "") == "iims.example");
  CHECK(cpd::helo_name(s.db, "vm") == "iims.example");
  CHECK(cpd::helo_name(s.db, "localhost") == "iims.example");
  CHECK(cpd::helo_name(s.db, "localhost.localdomain") == "iims.example");
  CHECK(cpd::helo_name(s.db, "vm.localdomain") == "iims.example");
  CHECK(cpd::helo_name(s.db, "host.marine.example.net") == "host.marine.example.net");
  cpd::set_setting(s.db, s.as("sec"), "mail.helo", "cpd.iims.example");
  CHECK(cpd::helo_name(s.db, "host.marine.example.net") == "cpd.iims.example");
  for (const char* bad : {"vm", "localhost", "a..b", "-x.example", "x.example/", "x y.example"}) {
    CAPTURE(bad);
    CHECK(error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "mail.helo", bad); })
          == cpd::ErrorKind::bad_input);
  }
}

TEST_CASE("mail to a member goes to the address they have when it is sent")
{
  testutil::Scheme s;
  every_secretary(s);
  testutil::TempDir dir;
  const auto claim = s.claim("ann", "iims-webinar", Date(2017, 3, 14));
  s.db.exec("UPDATE member SET email = 'ann.new@example.org', name = 'Ann Harbour'"
            " WHERE login = 'ann'");
  s.db.exec("UPDATE member SET email = 'sue.new@example.org' WHERE login = 'sue'");
  cpd::set_setting(s.db, s.as("sec"), "mail.url", "maildir:" + (dir / "mail").string());
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  CHECK(cpd::deliver_mail(s.db, s.as("sec"), DeliveryOptions{}).sent == 3);
  // The member's own mail and a secretary's copy both follow the change.
  CHECK(count(s.db, "to_address = 'ann.new@example.org' AND to_name = 'Ann Harbour'") == 1);
  CHECK(count(s.db, "to_address = 'sue.new@example.org'") == 1);
  CHECK(count(s.db, "to_address LIKE 'ann@%' OR to_address LIKE 'sue@%'") == 0);
  std::string delivered;
  for (const auto& file : std::filesystem::directory_iterator(dir / "mail" / "new")) {
    delivered += testutil::read_file(file.path());
  }
  CHECK(delivered.find("Delivered-To: ann.new@example.org") != std::string::npos);
  CHECK(delivered.find("To: Ann Harbour <ann.new@example.org>") != std::string::npos);
  CHECK(delivered.find("Delivered-To: sue.new@example.org") != std::string::npos);
  static_cast<void>(claim);
}

TEST_CASE("settings that named files are the host configuration's now")
{
  testutil::Scheme s;
  for (const auto* key :
       {"mail.ca_file", "mail.password_file", "mail.templates", "mail.password"}) {
    CAPTURE(key);
    try {
      cpd::set_setting(s.db, s.as("sec"), key, "/dev/zero");
      FAIL("accepted");
    } catch (const cpd::Error& e) {
      CHECK(e.kind() == cpd::ErrorKind::usage);
      CHECK(std::string(e.what()).find("/etc/cpd/cpd.conf") != std::string::npos);
    }
    CHECK(error_kind([&] { cpd::get_setting(s.db, key); }) == cpd::ErrorKind::usage);
  }
}

TEST_CASE("a mail.url the host configuration pins is not a secretary's to change")
{
  testutil::Scheme s;
  cpd::HostConfig host;
  host.path = "/etc/cpd/test.conf";
  host.mail_url = "smtp://mail.example.org:587";
  cpd::set_host_config(host);
  CHECK(cpd::get_setting(s.db, "mail.url") == "smtp://mail.example.org:587");
  CHECK(error_kind(
          [&] { cpd::set_setting(s.db, s.as("sec"), "mail.url", "smtp://attacker.example:25"); })
        == cpd::ErrorKind::permission);
  CHECK(cpd::read_setting(s.db, s.as("sec"), "mail.url")
        == "smtp://mail.example.org:587 (set in /etc/cpd/test.conf)");
  cpd::set_host_config({});
  CHECK(cpd::get_setting(s.db, "mail.url").empty());
}

namespace {

// Who cpd::remind() reminded (or, on a dry run, would remind), by login.
std::vector<cpd::Reminded>
remind(testutil::Scheme& s, const std::string& as, cpd::ReminderScope scope, cpd::DryRun dry_run)
{
  std::vector<cpd::Reminded> reminded;
  const auto count = cpd::remind(
    s.db, s.as(as), scope, dry_run, [&](const cpd::Reminded& r) { reminded.push_back(r); });
  CHECK(count == static_cast<int>(reminded.size()));
  return reminded;
}

} // namespace

TEST_CASE("reminders: members without a claim, once per interval, not the exempt")
{
  testutil::Scheme s;
  s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  cpd::grant_dispensation(s.db, s.as("sec"), "sue", 2017, 2017, "on leave");
  auto due = remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::yes);
  REQUIRE(due.size() == 2);
  CHECK(due[0].member == "bob");
  CHECK(due[1].member == "sec");
  CHECK(count(s.db, "template = 'reminder'") == 0); // a dry run queues nothing

  CHECK(remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no).size() == 2);
  CHECK(count(s.db, "template = 'reminder'") == 2);
  CHECK(remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no).empty());

  // Below quota widens it to ann, who claimed but has no points yet.
  const auto below = remind(s, "sec", cpd::ReminderScope::below_quota, cpd::DryRun::no);
  REQUIRE(below.size() == 1);
  CHECK(below[0].member == "ann");

  s.today = s.today.plus_days(31);
  CHECK(remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no).size() == 2);
  CHECK(error_kind(
          [&] { cpd::remind(s.db, s.as("ann"), cpd::ReminderScope::no_claims, cpd::DryRun::no); })
        == cpd::ErrorKind::permission);
}

TEST_CASE("reminders follow calendar dates: from remind.after_days on, once a month")
{
  testutil::Scheme s;
  const auto run = [&](Date day) {
    s.today = day;
    std::vector<std::string> logins;
    for (const auto& reminded : remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no)) {
      logins.push_back(reminded.member);
    }
    return logins;
  };
  const std::vector<std::string> everybody{"ann", "bob", "sec", "sue"};
  // 60 days of 2017 have passed on 2 March, not on 1 March.
  CHECK(run(Date(2017, 1, 1)).empty());
  CHECK(run(Date(2017, 3, 1)).empty());
  CHECK(run(Date(2017, 3, 2)) == everybody);
  // run daily: never twice in a month, again on the first run of the next
  CHECK(run(Date(2017, 3, 3)).empty());
  CHECK(run(Date(2017, 3, 31)).empty());
  CHECK(run(Date(2017, 4, 1)) == everybody);
  // a short month is never skipped
  s.db.exec("DELETE FROM reminder");
  CHECK(run(Date(2017, 2, 28)).empty()); // not yet 60 days
  CHECK(run(Date(2017, 4, 30)) == everybody);
  CHECK(run(Date(2017, 5, 1)) == everybody);
  // 1 January is never a reminder day, whatever the period
  cpd::set_setting(s.db, s.as("sec"), "remind.after_days", "1");
  CHECK(run(Date(2018, 1, 1)).empty());
  CHECK(run(Date(2018, 1, 2)) == everybody);
  CHECK(error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "remind.after_days", "0"); })
        == cpd::ErrorKind::bad_input);
  // a leap year: 1 March is the 61st day
  cpd::set_setting(s.db, s.as("sec"), "remind.after_days", "60");
  s.db.exec("DELETE FROM reminder");
  CHECK(run(Date(2020, 3, 1)) == everybody);
}

TEST_CASE("remind.every: a week, a month, a quarter or a year, from the period's first day")
{
  using cpd::RemindEvery;
  CHECK(cpd::period_start(RemindEvery::week, Date(2017, 3, 15)) == Date(2017, 3, 13)); // a Monday
  CHECK(cpd::period_start(RemindEvery::week, Date(2017, 3, 13)) == Date(2017, 3, 13));
  CHECK(cpd::period_start(RemindEvery::week, Date(2017, 3, 19)) == Date(2017, 3, 13));
  CHECK(cpd::period_start(RemindEvery::week, Date(1969, 12, 31)) == Date(1969, 12, 29));
  CHECK(cpd::period_start(RemindEvery::month, Date(2017, 3, 15)) == Date(2017, 3, 1));
  CHECK(cpd::period_start(RemindEvery::quarter, Date(2017, 6, 30)) == Date(2017, 4, 1));
  CHECK(cpd::period_start(RemindEvery::year, Date(2017, 6, 30)) == Date(2017, 1, 1));

  testutil::Scheme s;
  cpd::set_setting(s.db, s.as("sec"), "remind.every", "quarter");
  s.today = Date(2017, 4, 3);
  CHECK(remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no).size() == 4);
  s.today = Date(2017, 6, 30);
  CHECK(remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no).empty());
  s.today = Date(2017, 7, 1);
  CHECK(remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no).size() == 4);
  CHECK(error_kind([&] { cpd::set_setting(s.db, s.as("sec"), "remind.every", "fortnight"); })
        == cpd::ErrorKind::bad_input);
  CHECK(error_kind([&] { cpd::get_setting(s.db, "remind.interval_days"); })
        == cpd::ErrorKind::usage);
}

TEST_CASE("only an approved or pending claim counts as claiming, and no duty means no reminder")
{
  testutil::Scheme s;
  const auto declined = s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  cpd::decline_claims(s.db, s.as("sec"), {declined.id}, "not an IIMS webinar");
  const auto withdrawn = s.claim("bob", "iims-webinar", Date(2017, 3, 1));
  cpd::withdraw_claim(s.db, s.as("bob"), withdrawn.id);
  s.claim("sue", "iims-webinar", Date(2017, 3, 1)); // pending: claiming
  cpd::change_member(s.db, s.as("sue"), "sec", testutil::with_cpd_duty(false));
  std::vector<std::string> logins;
  for (const auto& reminded : remind(s, "sec", cpd::ReminderScope::no_claims, cpd::DryRun::no)) {
    logins.push_back(reminded.member);
  }
  CHECK(logins == std::vector<std::string>{"ann", "bob"});
}

TEST_CASE("replies go to mail.secretary, set at init, never to an account sending as cpd")
{
  testutil::Scheme s;
  CHECK(cpd::get_setting(s.db, "mail.secretary") == "sec@example.org");
  // A database set up before init set it: the first secretary added, not
  // whoever sorts first, and never an address mail goes out from.
  cpd::set_setting(s.db, s.as("sec"), "mail.secretary", "");
  cpd::add_member(
    s.db, s.as("sec"), {"aaa-cron", "Scheduler", "cpd@iims.example", cpd::Role::secretary, false});
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  testutil::TempDir dir;
  cpd::set_setting(s.db, s.as("sec"), "mail.url", "maildir:" + dir.path().string());
  s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  CHECK(cpd::deliver_mail(s.db, s.as("sec"), DeliveryOptions{}).failed == 0);
  int mails = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir / "new")) {
    const auto text = testutil::read_file(file.path());
    CHECK(text.find("Reply-To: Sam Secretary <sec@example.org>") != std::string::npos);
    ++mails;
  }
  CHECK(mails == 4); // ann's, and each secretary's: sec, sue and the scheduler
}
