#include "fixture.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/settings.hpp>

using cpd::ClaimStatus;
using cpd::Date;
using cpd::ErrorKind;
using cpd::Points;
using testutil::error_kind;

namespace {

Points
pts(const char* text)
{
  return *Points::parse(text, Points::Sign::allowed);
}

} // namespace

TEST_CASE("a claim keeps the points of its activity at submission")
{
  testutil::Scheme s;
  const auto claim = s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  CHECK(claim.points == pts("5"));
  CHECK(claim.status == ClaimStatus::pending);
  CHECK(claim.member == "ann");

  auto activity = *cpd::find_activity(s.db, "iims-training-day");
  activity.points = pts("6");
  cpd::save_activity(s.db, s.as("sec"), activity);
  CHECK(cpd::get_claim(s.db, s.as("ann"), claim.id).points == pts("5"));
  CHECK(s.claim("ann", "iims-training-day", Date(2017, 3, 15)).points == pts("6"));
}

TEST_CASE("a claim on a connection where nobody hears of it is refused whole, mail and all")
{
  testutil::Scheme s;
  auto count = [&](const char* sql) {
    cpd::Statement query(s.db, sql);
    query.step();
    const auto n = query.integer(0);
    query.reset();
    return n;
  };
  s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  const auto mails = count("SELECT count(*) FROM outbox");
  s.db.events() = cpd::EventHandlers(); // as if the mail layer were never installed
  CHECK(error_kind([&] { s.claim("ann", "iims-webinar", Date(2017, 3, 2)); })
        == ErrorKind::internal);
  CHECK(count("SELECT count(*) FROM claim") == 1);
  CHECK(count("SELECT count(*) FROM outbox") == mails);
  cpd::install_mail(s.db);
  s.claim("ann", "iims-webinar", Date(2017, 3, 2));
  CHECK(count("SELECT count(*) FROM claim") == 2);
  CHECK(count("SELECT count(*) FROM outbox") == mails + 2); // received, and to decide
}

TEST_CASE("per-unit activities multiply exactly and respect their maximum")
{
  testutil::Scheme s;
  CHECK(s.claim("ann", "private-study", Date(2017, 3, 1), "3").points == pts("1.5"));
  CHECK(s.claim("ann", "mentoring", Date(2017, 3, 1), "7.5").points == pts("5"));
  CHECK(s.claim("ann", "iims-conference", Date(2017, 3, 1), "2").points == pts("10"));
  CHECK(error_kind([&] { s.claim("ann", "private-study", Date(2017, 3, 1)); }) == ErrorKind::usage);
}

TEST_CASE("a quantity between two tenths is rounded down, and the working is kept to show")
{
  testutil::Scheme s;
  // 90 minutes and 45 minutes of private study at 0.5 points an hour
  const auto ninety = s.claim("ann", "private-study", Date(2017, 3, 1), "1.5");
  CHECK(ninety.points == pts("0.7"));
  REQUIRE(ninety.working);
  CHECK(cpd::working_phrase(ninety)
        == "1.5 hours × 0.5 points an hour = 0.75 points, rounded down to 0.7");
  CHECK(cpd::claim_quantity(ninety) == "1.5 hours");
  CHECK(s.claim("ann", "private-study", Date(2017, 3, 2), "0.75").points == pts("0.3"));
  // the cap is said as such
  const auto capped = s.claim("ann", "iims-conference", Date(2017, 3, 1), "4");
  CHECK(capped.points == pts("15"));
  CHECK(cpd::working_phrase(capped)
        == "4 days × 5 points a day = 20 points, capped at 15 per claim");
  // an exact product says so
  CHECK(cpd::working_phrase(s.claim("ann", "iims-conference", Date(2017, 3, 2), "1"))
        == "1 day × 5 points a day = 5 points");
  // a flat claim has no working and no quantity
  const auto flat = s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  CHECK(cpd::working_phrase(flat).empty());
  CHECK(cpd::claim_quantity(flat).empty());
  // less than a tenth is refused, and nothing is stored
  CHECK(error_kind([&] { s.claim("ann", "private-study", Date(2017, 3, 1), "0.1"); })
        == ErrorKind::refused);
}

TEST_CASE("a quantity in another unit than the activity's is refused, naming the right option")
{
  testutil::Scheme s;
  cpd::ClaimRequest request;
  request.activity = "iims-conference";
  request.date = Date(2017, 3, 1);
  request.quantity = cpd::Quantity::parse("3");
  request.unit = cpd::Unit::hour;
  try {
    cpd::submit_claim(s.db, s.as("ann"), request);
    FAIL("a quantity in hours was taken for a per-day activity");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()) == "'iims-conference' is counted in days, not hours: use --days 3");
  }
  request.activity = "private-study";
  request.unit = cpd::Unit::day;
  CHECK(error_kind([&] { cpd::submit_claim(s.db, s.as("ann"), request); }) == ErrorKind::usage);
  request.unit = cpd::Unit::hour;
  CHECK(cpd::submit_claim(s.db, s.as("ann"), request).points == pts("1.5"));
  // a missing quantity names the option too
  request.quantity.reset();
  request.unit.reset();
  try {
    cpd::submit_claim(s.db, s.as("ann"), request);
    FAIL("a per-hour claim without hours was taken");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("with --hours N") != std::string::npos);
  }
  CHECK(cpd::member_claims(s.db, 2, 2017).size() == 1);
}

TEST_CASE("the scheme's refusals")
{
  testutil::Scheme s;
  CHECK(error_kind([&] { s.claim("ann", "no-such-thing", Date(2017, 3, 1)); })
        == ErrorKind::refused);
  CHECK(error_kind([&] { s.claim("ann", "iims-webinar", Date(2017, 3, 16)); })
        == ErrorKind::refused);
  CHECK(error_kind([&] { s.claim("ann", "iims-webinar", Date(2016, 12, 31)); })
        == ErrorKind::refused);
  CHECK(error_kind([&] { s.claim("ann", "technical-paper", Date(2017, 3, 1)); })
        == ErrorKind::refused);
  CHECK(error_kind([&] { s.claim("nobody", "iims-webinar", Date(2017, 3, 1)); })
        == ErrorKind::unknown_member);

  SUBCASE("the same activity on the same day, unless insisted")
  {
    cpd::ClaimRequest request;
    request.activity = "iims-webinar";
    request.date = Date(2017, 3, 1);
    cpd::submit_claim(s.db, s.as("ann"), request);
    CHECK(error_kind([&] { cpd::submit_claim(s.db, s.as("ann"), request); }) == ErrorKind::refused);
    CHECK_NOTHROW(cpd::submit_claim(s.db, s.as("bob"), request));
    request.duplicates = cpd::ClaimRequest::Duplicates::allow;
    CHECK_NOTHROW(cpd::submit_claim(s.db, s.as("ann"), request));
  }
  SUBCASE("a withdrawn or declined claim can be claimed again")
  {
    cpd::ClaimRequest request;
    request.activity = "iims-webinar";
    request.date = Date(2017, 3, 1);
    const auto first = cpd::submit_claim(s.db, s.as("ann"), request);
    cpd::withdraw_claim(s.db, s.as("ann"), first.id);
    CHECK_NOTHROW(cpd::submit_claim(s.db, s.as("ann"), request));
  }
}

TEST_CASE("decisions: approve, decline, withdraw, and who may")
{
  testutil::Scheme s;
  const auto ann = s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  const auto bob = s.claim("bob", "iims-webinar", Date(2017, 3, 14));
  const auto sec = s.claim("sec", "iims-webinar", Date(2017, 3, 14));

  CHECK(error_kind([&] { cpd::approve_claims(s.db, s.as("bob"), {ann.id}, ""); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::approve_claims(s.db, s.as("sec"), {sec.id}, ""); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::decline_claims(s.db, s.as("sec"), {bob.id}, " "); })
        == ErrorKind::usage);

  const auto approved = cpd::approve_claims(s.db, s.as("sec"), {ann.id}, "ok");
  REQUIRE(approved.size() == 1);
  CHECK(approved[0].status == ClaimStatus::approved);
  CHECK(approved[0].decided_by == "sec");
  CHECK(error_kind([&] { cpd::approve_claims(s.db, s.as("sue"), {ann.id}, ""); })
        == ErrorKind::refused);

  // All or none: the pending claim stays pending when another is refused.
  CHECK(error_kind([&] {
          cpd::approve_claims(s.db, s.as("sue"), {bob.id, ann.id}, "");
        })
        == ErrorKind::refused);
  CHECK(cpd::get_claim(s.db, s.as("sec"), bob.id).status == ClaimStatus::pending);

  cpd::approve_claims(s.db, s.as("sue"), {sec.id}, "");
  cpd::decline_claims(s.db, s.as("sec"), {bob.id}, "not an IIMS webinar");
  const auto declined = cpd::get_claim(s.db, s.as("bob"), bob.id);
  CHECK(declined.status == ClaimStatus::declined);
  CHECK(declined.reason == "not an IIMS webinar");

  CHECK(error_kind([&] { cpd::get_claim(s.db, s.as("bob"), ann.id); }) == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::withdraw_claim(s.db, s.as("ann"), ann.id); }) == ErrorKind::refused);
}

TEST_CASE("balances are sums of ledger entries")
{
  testutil::Scheme s;
  const auto a = s.claim("ann", "iims-training-day", Date(2017, 3, 14));
  const auto b = s.claim("ann", "private-study", Date(2017, 3, 1), "3");
  s.claim("ann", "iims-webinar", Date(2017, 3, 2));
  cpd::approve_claims(s.db, s.as("sec"), {a.id, b.id}, "");

  const auto balance = cpd::balance(s.db, s.as("ann"), std::nullopt, std::nullopt);
  CHECK(balance.year == 2017);
  CHECK(balance.earned == pts("6.5"));
  CHECK(balance.total == pts("6.5"));
  CHECK(balance.quota == pts("10"));
  CHECK(balance.remaining == pts("3.5"));
  CHECK(balance.pending == pts("1"));
  CHECK_FALSE(balance.compliant);
  CHECK(balance.deadline == Date(2017, 12, 31));

  cpd::set_setting(s.db, s.as("sec"), "scheme.quota", "6");
  const auto lower = cpd::balance(s.db, s.as("ann"), std::nullopt, std::nullopt);
  CHECK(lower.remaining == Points());
  CHECK(lower.compliant);

  CHECK(error_kind([&] { cpd::balance(s.db, s.as("bob"), std::string("ann"), std::nullopt); })
        == ErrorKind::permission);
  CHECK(cpd::balance(s.db, s.as("sue"), std::string("ann"), 2017).total == pts("6.5"));
}

TEST_CASE("an approval in a closed year corrects the carries that follow")
{
  testutil::Scheme s;
  // Ann earned 10 in 2016 with 5 more pending when 2016 closed, carrying 0.
  cpd::set_setting(s.db, s.as("sec"), "scheme.start", "2016-01-01");
  cpd::set_setting(s.db, s.as("sec"), "scheme.grace_days", "365"); // claims of 2016 still taken
  const auto a = s.claim("ann", "iims-training-day", Date(2016, 5, 1));
  const auto b = s.claim("ann", "iims-conference", Date(2016, 6, 1), "2");
  cpd::approve_claims(s.db, s.as("sec"), {b.id}, "");
  s.db.exec("INSERT INTO year_close(year, quota, carry_cap, rules, at)"
            " VALUES (2016, 100, 30, 'scheme.quota=10' || char(10), 0)");
  CHECK(cpd::member_balance(s.db, 2, 2017).carried_in == Points());

  cpd::approve_claims(s.db, s.as("sec"), {a.id}, "late");
  // 2016 total 15 → carry min(3, 15 - 10) = 3 into 2017.
  CHECK(cpd::member_balance(s.db, 2, 2016).total == pts("15"));
  CHECK(cpd::member_balance(s.db, 2, 2017).carried_in == pts("3"));
}

TEST_CASE("a row changed outside cpd is an internal error naming it, never a guess")
{
  testutil::Scheme s;
  const auto claim = s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  cpd::Statement(s.db, "PRAGMA ignore_check_constraints = ON").run();
  SUBCASE("an unknown status")
  {
    cpd::Statement(s.db, "UPDATE claim SET status = 'approvable' WHERE id = ?")
      .bind(1, claim.id)
      .run();
  }
  SUBCASE("a date that is not one")
  {
    cpd::Statement(s.db, "UPDATE claim SET activity_date = '2017-02-30' WHERE id = ?")
      .bind(1, claim.id)
      .run();
  }
  try {
    cpd::history(s.db, s.as("ann"), std::nullopt, std::nullopt);
    FAIL("a damaged claim was read");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::internal);
    CHECK(std::string(e.what()).find(fmt::format("claim #{}", claim.id)) != std::string::npos);
  }
}

TEST_CASE("a claim over claim.max_per_day is refused, and the secretary is told once a day")
{
  testutil::Scheme s;
  cpd::set_setting(s.db, s.as("sec"), "claim.max_per_day", "3");
  for (int day = 1; day <= 3; ++day) {
    s.claim("ann", "iims-webinar", Date(2017, 3, day));
  }
  auto count = [&](const char* sql) {
    cpd::Statement query(s.db, sql);
    query.step();
    return query.integer(0);
  };
  const auto claims = count("SELECT count(*) FROM claim");
  const auto mails = count("SELECT count(*) FROM outbox");
  for (int attempt = 0; attempt < 3; ++attempt) {
    try {
      s.claim("ann", "iims-webinar", Date(2017, 3, 4));
      FAIL("a fourth claim in a day was taken");
    } catch (const cpd::Error& e) {
      CHECK(e.kind() == ErrorKind::refused);
      CHECK(std::string(e.what()).starts_with(
        "you have made 3 claims in the last 24 hours, the most a member may "
        "(claim.max_per_day); nothing was claimed"));
    }
  }
  CHECK(count("SELECT count(*) FROM claim") == claims);
  // One mail to the secretary's address (mail.secretary), however often the
  // member tries.
  CHECK(count("SELECT count(*) FROM outbox") == mails + 1);
  CHECK(count("SELECT count(*) FROM outbox WHERE template = 'quota-reached'") == 1);
  const auto mail =
    cpd::outbox_text(s.db, count("SELECT max(id) FROM outbox WHERE template = 'quota-reached'"));
  CHECK(mail.subject == "CPD: Ann Surveyor reached the limit of 3 claims in 24 hours");
  CHECK(mail.body.find("cpd config set claim.max_per_day N") != std::string::npos);
  // Another member is not held back; nor is ann a day later.
  s.claim("bob", "iims-webinar", Date(2017, 3, 4));
  auto tomorrow = s.as("ann");
  tomorrow.now += 86400;
  tomorrow.today = tomorrow.today.plus_days(1);
  cpd::ClaimRequest request;
  request.activity = "iims-webinar";
  request.date = Date(2017, 3, 4);
  CHECK(cpd::submit_claim(s.db, tomorrow, request).member == "ann");
}
