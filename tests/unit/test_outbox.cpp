#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/outbox.hpp>
#include <cpd/remind.hpp>
#include <cpd/settings.hpp>
#include <cpd/yearend.hpp>

#include <filesystem>

using cpd::Date;
using cpd::DeliveryOptions;
using testutil::error_kind;

namespace {

std::int64_t
count(cpd::Database& db, const std::string& where)
{
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

} // namespace

TEST_CASE("a claim queues its mail in the same transaction; a cause is queued once")
{
  testutil::Scheme s;
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
  testutil::write_file(dir / "claim-received.txt", "Subject: {points}\n\n{no_such_value}\n");
  s.db.exec("INSERT INTO setting(key, value) VALUES ('mail.templates', '" + dir.path().string()
            + "')");
  CHECK(error_kind([&] { s.claim("ann", "iims-webinar", Date(2017, 3, 14)); })
        == cpd::ErrorKind::config);
  cpd::Statement claims(s.db, "SELECT count(*) FROM claim");
  claims.step();
  CHECK(claims.integer(0) == 0);
}

TEST_CASE("delivery to a Maildir: sent once, never twice")
{
  testutil::Scheme s;
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
  s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  const auto summary = cpd::deliver_mail(s.db, s.as("sec"), DeliveryOptions{});
  CHECK(summary.no_transport);
  CHECK(summary.waiting == 3);
  CHECK(count(s.db, "state = 'queued'") == 3);
}

TEST_CASE("a server that cannot be reached: retried with growing backoff, then given up")
{
  testutil::Scheme s;
  // Nothing listens on port 1 of the loopback address.
  cpd::set_setting(s.db, s.as("sec"), "mail.url", "smtp://127.0.0.1:1");
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  auto context = s.as("sec");
  DeliveryOptions options;
  options.connect_timeout = std::chrono::seconds(2);

  const auto first = cpd::deliver_mail(s.db, context, options);
  CHECK(first.retry == 3);
  cpd::Statement next(s.db, "SELECT min(next_attempt_at) - ? FROM outbox");
  next.bind(1, context.now);
  next.step();
  CHECK(next.integer(0) == 300);
  next.reset();

  // Not due yet: nothing is tried.
  CHECK(cpd::deliver_mail(s.db, context, options).retry == 0);

  context.now += 301;
  CHECK(cpd::deliver_mail(s.db, context, options).retry == 3);
  next.bind(1, context.now);
  next.step();
  CHECK(next.integer(0) == 600);
  next.reset();

  // After five days of failures it is marked failed and kept.
  context.now += 6 * 86400;
  const auto last = cpd::deliver_mail(s.db, context, options);
  CHECK(last.failed == 3);
  CHECK(count(s.db, "state = 'failed'") == 3);
  CHECK(cpd::retry_failed_mail(s.db, s.as("sec"), {}) == 3);
  CHECK(count(s.db, "state = 'queued'") == 3);
  CHECK(error_kind([&] { cpd::retry_failed_mail(s.db, s.as("ann"), {}); })
        == cpd::ErrorKind::permission);
}

TEST_CASE("reminders: members without a claim, once per interval, not the exempt")
{
  testutil::Scheme s;
  s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  cpd::exempt_member(s.db, s.as("sec"), "sue", 2017, "on leave");
  auto due = cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, cpd::DryRun::yes);
  REQUIRE(due.size() == 2);
  CHECK(due[0].member == "bob");
  CHECK(due[1].member == "sec");
  CHECK(count(s.db, "template = 'reminder'") == 0); // a dry run queues nothing

  CHECK(cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, cpd::DryRun::no).size() == 2);
  CHECK(count(s.db, "template = 'reminder'") == 2);
  CHECK(cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, cpd::DryRun::no).empty());

  // Below quota widens it to ann, who claimed but has no points yet.
  const auto below =
    cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::below_quota, cpd::DryRun::no);
  REQUIRE(below.size() == 1);
  CHECK(below[0].member == "ann");

  s.today = s.today.plus_days(31);
  CHECK(cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, cpd::DryRun::no).size() == 2);
  CHECK(error_kind(
          [&] { cpd::remind(s.db, s.as("ann"), cpd::ReminderScope::no_claims, cpd::DryRun::no); })
        == cpd::ErrorKind::permission);
}
