#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/admin/check.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/dispensation.hpp>
#include <cpd/year/yearend.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using cpd::Date;
using cpd::DryRun;
using cpd::ErrorKind;
using cpd::Points;
using testutil::error_kind;

namespace {

Points
pts(const char* text)
{
  return *Points::parse(text, Points::Sign::allowed);
}

std::int64_t
member_id(cpd::Database& db, const char* login)
{
  return cpd::find_member(db, login)->id;
}

} // namespace

TEST_CASE("the carry rule at its edges: min(cap, max(0, total - quota))")
{
  const std::vector<std::pair<const char*, const char*>> cases = {
    {"0", "0"},
    {"-5", "0"},
    {"9.9", "0"},
    {"10", "0"},
    {"10.1", "0.1"},
    {"12.5", "2.5"},
    {"13", "3"},
    {"13.1", "3"},
    {"1000", "3"},
  };
  for (const auto& [points, carry] : cases) {
    const char* total = points;
    CAPTURE(total);
    testutil::Scheme s;
    cpd::set_setting(s.db, s.as("sec"), "scheme.start", "2016-01-01");
    const auto ann = member_id(s.db, "ann");
    cpd::post_entry(
      s.db,
      {.member_id = ann, .year = 2016, .kind = cpd::EntryKind::adjustment, .points = pts(total)});
    const auto closes = cpd::rollover(s.db, s.as("sec"), DryRun::no);
    REQUIRE(closes.size() == 1);
    CHECK(closes[0].year == 2016);
    CHECK(cpd::member_balance(s.db, ann, 2017).carried_in == pts(carry));
    CHECK(cpd::verify_ledger(s.db).empty());
  }
}

TEST_CASE("rollover: secretary only, oldest first, idempotent, dry run changes nothing")
{
  testutil::Scheme s;
  cpd::set_setting(s.db, s.as("sec"), "scheme.start", "2014-01-01");
  const auto ann = member_id(s.db, "ann");
  cpd::post_entry(
    s.db,
    {.member_id = ann, .year = 2014, .kind = cpd::EntryKind::adjustment, .points = pts("14")});
  cpd::post_entry(
    s.db, {.member_id = ann, .year = 2015, .kind = cpd::EntryKind::adjustment, .points = pts("8")});

  CHECK(error_kind([&] { cpd::rollover(s.db, s.as("ann"), DryRun::no); }) == ErrorKind::permission);

  const auto preview = cpd::rollover(s.db, s.as("sec"), DryRun::yes);
  REQUIRE(preview.size() == 3);
  CHECK(preview[1].carried_members == 1);
  CHECK(preview[1].carried == pts("1")); // 8 + 3 carried = 11
  CHECK_FALSE(cpd::year_closed(s.db, 2014));

  const auto closes = cpd::rollover(s.db, s.as("sec"), DryRun::no);
  REQUIRE(closes.size() == 3);
  CHECK(closes[0].year == 2014);
  CHECK(closes[2].year == 2016);
  CHECK(cpd::member_balance(s.db, ann, 2015).carried_in == pts("3"));
  CHECK(cpd::member_balance(s.db, ann, 2016).carried_in == pts("1"));
  CHECK(cpd::rollover(s.db, s.as("sec"), DryRun::no).empty());
}

TEST_CASE("a closed year keeps the rules it was closed under")
{
  testutil::Scheme s;
  cpd::set_setting(s.db, s.as("sec"), "scheme.start", "2016-01-01");
  const auto ann = member_id(s.db, "ann");
  cpd::post_entry(
    s.db,
    {.member_id = ann, .year = 2016, .kind = cpd::EntryKind::adjustment, .points = pts("20")});
  cpd::rollover(s.db, s.as("sec"), DryRun::no);
  cpd::set_setting(s.db, s.as("sec"), "scheme.carry_cap", "8");
  cpd::set_setting(s.db, s.as("sec"), "scheme.quota", "4");
  CHECK(cpd::member_balance(s.db, ann, 2016).quota == pts("10"));
  CHECK(cpd::member_balance(s.db, ann, 2017).carried_in == pts("3"));
  CHECK(cpd::verify_ledger(s.db).empty());
}

// Random sequences of the secretary's and members' acts over five years,
// checked after every step against a replay written here, independently of
// the library's ledger.
TEST_CASE("property: the ledger and every judgement equal a replay of the facts")
{
  struct ModelClaim
  {
    std::string member;
    int year;
    std::int64_t points; // tenths
    std::string status;
    bool formal;
  };
  struct ModelClose
  {
    std::int64_t quota; // tenths
    std::int64_t cap;
    std::int64_t formal; // the least formal points, tenths (0: none)
  };
  // joe was admitted on 15 July 2017: his first year is pro rata, 5 of 12
  // months (August to December).
  const std::vector<std::string> members = {"ann", "bob", "sec", "sue", "joe"};
  const std::set<std::string> formal = {"iims-training-day", "presentation"};
  const std::vector<std::pair<std::string, std::int64_t>> activities = {
    {"iims-training-day", 50},
    {"iims-half-day", 25},
    {"iims-webinar", 10},
    {"iims-branch-meeting", 10},
    {"presentation", 30},
  };

  int total_late_decisions = 0;
  for (const unsigned seed : {1U, 2U, 3U, 4U, 5U, 6U}) {
    CAPTURE(seed);
    std::mt19937 random(seed);
    auto pick = [&](std::size_t n) {
      return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
    };
    testutil::Scheme s;
    s.today = Date(2017, 1, 10);
    std::map<std::int64_t, ModelClaim> claims;
    std::map<int, ModelClose> closes;
    std::int64_t quota = 50;
    std::int64_t cap = 30;
    std::int64_t formal_minimum = 30;
    cpd::set_setting(s.db, s.as("sec"), "scheme.quota", "5");
    cpd::set_setting(s.db, s.as("sec"), "scheme.minimums", "formal:3");
    cpd::add_member(
      s.db,
      s.as("sec"),
      {"joe", "Joe Joiner", "joe@example.org", cpd::Role::member, true, Date(2017, 7, 15)});
    for (const auto& code : formal) {
      cpd::Statement(s.db, "UPDATE activity SET category = 'formal' WHERE code = ?")
        .bind_all(code)
        .run();
    }
    std::set<std::pair<std::string, int>> exempt; // (login, year)
    // What a member owes of `tenths` in `year`: whole points pro rata for joe
    // in 2017.
    auto owed = [](const std::string& login, int year, std::int64_t tenths) {
      return login == "joe" && year == 2017 ? tenths * 5 / 12 / 10 * 10 : tenths;
    };
    int late_decisions = 0; // decisions on claims of closed years
    std::map<std::pair<std::string, int>, std::int64_t> adjusted; // (login, year) -> tenths

    auto replay_check = [&] {
      const auto problems = cpd::verify_ledger(s.db);
      INFO("cpd check reports: ", testutil::lines(problems));
      REQUIRE(problems.empty());
      std::map<int, std::map<std::string, cpd::ReportLine::Status>> statuses;
      for (const auto& closed : closes) {
        const int year = closed.first;
        cpd::compliance_report(s.db, s.as("sec"), year, {}, [&](const cpd::ReportLine& line) {
          statuses[year][line.member] = line.status;
        });
      }
      for (const auto& login : members) {
        std::int64_t carry_in = 0;
        for (int year = 2017; year <= s.today.year(); ++year) {
          std::int64_t earned = adjusted[{login, year}];
          std::int64_t formal_points = 0;
          for (const auto& [id, claim] : claims) {
            if (claim.member == login && claim.year == year && claim.status == "approved") {
              earned += claim.points;
              formal_points += claim.formal ? claim.points : 0;
            }
          }
          const auto balance = cpd::member_balance(s.db, member_id(s.db, login.c_str()), year);
          CAPTURE(login);
          CAPTURE(year);
          REQUIRE(balance.carried_in.tenths() == carry_in);
          REQUIRE(balance.total.tenths() == earned + carry_in);
          const auto close = closes.find(year);
          if (close != closes.end()) {
            // Judged by the rules it was closed under: the total and the
            // formal minimum, both pro rata for a joiner.
            const auto& rules = close->second;
            const bool met = earned + carry_in >= owed(login, year, rules.quota)
                             && formal_points >= owed(login, year, rules.formal);
            const auto expected = exempt.contains({login, year}) ? cpd::ReportLine::Status::exempt
                                  : met ? cpd::ReportLine::Status::compliant
                                        : cpd::ReportLine::Status::short_of_quota;
            REQUIRE(statuses[year].contains(login));
            CHECK(statuses[year][login] == expected);
          }
          carry_in = close == closes.end()
                       ? 0
                       : std::min(close->second.cap,
                                  std::max<std::int64_t>(
                                    0, earned + carry_in - owed(login, year, close->second.quota)));
        }
      }
    };

    for (int step = 0; step < 250; ++step) {
      const auto action = pick(10);
      const auto& login = members[pick(members.size())];
      const auto secretary = pick(2) == 0 ? std::string("sec") : std::string("sue");
      if (action <= 3) { // claim
        const auto& [code, points] = activities[pick(activities.size())];
        const Date date = s.today.plus_days(-static_cast<int>(pick(500)));
        // Claims of a year are taken until scheme.grace_days after it.
        const bool allowed =
          date.year() >= 2017 && s.today <= cpd::year_end(date.year()).plus_days(31);
        try {
          const auto claim = s.claim(login, code, date);
          REQUIRE(allowed);
          claims[claim.id] = {login, date.year(), points, "pending", formal.contains(code)};
        } catch (const cpd::Error& e) {
          REQUIRE_FALSE(allowed);
          REQUIRE(e.kind() == ErrorKind::refused);
        }
      } else if (action <= 6 && !claims.empty()) { // decide
        auto it = claims.begin();
        std::advance(it, static_cast<long>(pick(claims.size())));
        auto& [id, claim] = *it;
        const bool own = claim.member == secretary;
        const bool late = closes.contains(claim.year);
        const auto kind = pick(3);
        try {
          if (kind == 0) {
            cpd::approve_claims(s.db, s.as(secretary), {id}, "");
            REQUIRE((claim.status == "pending" && !own));
            claim.status = "approved";
            late_decisions += late ? 1 : 0;
          } else if (kind == 1) {
            cpd::decline_claims(s.db, s.as(secretary), {id}, "no");
            REQUIRE((claim.status == "pending" && !own));
            claim.status = "declined";
          } else {
            cpd::revoke_claim(s.db, s.as(secretary), id, "no");
            REQUIRE((claim.status == "approved" && !own));
            claim.status = "revoked";
            late_decisions += late ? 1 : 0;
          }
        } catch (const cpd::Error& e) {
          const bool decidable = kind == 2 ? claim.status == "approved" : claim.status == "pending";
          REQUIRE((!decidable || own));
          REQUIRE((e.kind() == ErrorKind::refused || e.kind() == ErrorKind::permission));
        }
      } else if (action == 7 && pick(2) == 0) { // an adjustment, in a year open or closed
        const auto* adjuster = login == "sec" ? "sue" : "sec";
        const int year =
          2017 + static_cast<int>(pick(static_cast<std::size_t>(s.today.year() - 2016)));
        const auto points = static_cast<std::int64_t>(pick(41)) - 10;
        const auto before = cpd::member_balance(s.db, member_id(s.db, login.c_str()), year).total;
        try {
          cpd::adjust_points(
            s.db, s.as(adjuster), login, Points::from_tenths(points), year, "correction");
          REQUIRE(points != 0);
          REQUIRE(before.tenths() + points >= 0);
          adjusted[{login, year}] += points;
          late_decisions += closes.contains(year) ? 1 : 0;
        } catch (const cpd::Error& e) {
          REQUIRE((points == 0 || before.tenths() + points < 0));
        }
      } else if (action == 7) { // a dispensation: changes nothing in the ledger
        // Nobody exempts themself: sue grants sec's.
        const auto* granter = login == "sec" ? "sue" : "sec";
        try {
          cpd::grant_dispensation(
            s.db, s.as(granter), login, s.today.year(), s.today.year(), "ill");
          exempt.insert({login, s.today.year()});
        } catch (const cpd::Error& e) {
          REQUIRE(e.kind() == ErrorKind::refused);
        }
      } else if (action == 8) { // the rules change
        quota = 10 * static_cast<std::int64_t>(2 + pick(8));
        cap = 5 * static_cast<std::int64_t>(pick(10));
        cpd::set_setting(s.db, s.as("sec"), "scheme.quota", Points::from_tenths(quota).to_string());
        cpd::set_setting(
          s.db, s.as("sec"), "scheme.carry_cap", Points::from_tenths(cap).to_string());
        // Mostly a least number of formal points, never more than the quota.
        formal_minimum = pick(4) == 0 ? 0 : 10 * static_cast<std::int64_t>(1 + pick(quota / 10));
        cpd::set_setting(s.db,
                         s.as("sec"),
                         "scheme.minimums",
                         formal_minimum == 0
                           ? std::string("none")
                           : "formal:" + Points::from_tenths(formal_minimum).to_string());
      } else { // time passes, sometimes into a new year, then rollover
        s.today = s.today.plus_days(static_cast<int>(20 + pick(90)));
        if (s.today.year() > 2021) {
          break;
        }
        for (const auto& close : cpd::rollover(s.db, s.as("sec"), DryRun::no)) {
          REQUIRE_FALSE(closes.contains(close.year));
          closes[close.year] = {quota, cap, formal_minimum};
        }
      }
      replay_check();
    }
    CHECK(closes.size() >= 2);
    total_late_decisions += late_decisions;
  }
  CHECK(total_late_decisions >= 10);
}

namespace {

// The bodies of the mails queued with a cause like `pattern`, in order.
std::vector<std::string>
mails(cpd::Database& db, const std::string& pattern)
{
  cpd::write_mail_batches(db); // the outbox as delivery sees it
  cpd::Statement query(db, "SELECT id FROM outbox WHERE cause LIKE ? ORDER BY id");
  query.bind(1, pattern);
  std::vector<std::int64_t> ids;
  while (query.step()) {
    ids.push_back(query.integer(0));
  }
  query.reset();
  std::vector<std::string> found;
  for (const auto id : ids) {
    const auto mail = cpd::outbox_text(db, id);
    found.push_back(mail.subject + "\n" + mail.body);
  }
  return found;
}

// `text` with its line breaks as spaces, to find a sentence a template wraps.
std::string
flat(std::string text)
{
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

bool
says(const std::string& text, const std::string& what)
{
  return flat(text).find(what) != std::string::npos;
}

} // namespace

TEST_CASE("claims of the year before are taken for scheme.grace_days, then refused")
{
  testutil::Scheme s;
  s.claim("ann", "iims-conference", Date(2017, 2, 1), "3");
  s.today = Date(2018, 1, 1);
  cpd::rollover(s.db, s.as("sec"), DryRun::no);
  s.today = Date(2018, 1, 10);
  const auto late = s.claim("bob", "iims-training-day", Date(2017, 12, 20));
  CHECK(late.status == cpd::ClaimStatus::pending);
  s.today = Date(2018, 1, 31);
  CHECK_NOTHROW(s.claim("bob", "iims-webinar", Date(2017, 12, 21)));
  s.today = Date(2018, 2, 1);
  try {
    s.claim("bob", "iims-webinar", Date(2017, 12, 22));
    FAIL("a claim of 2017 was taken on 1 February 2018");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::refused);
    CHECK(std::string(e.what())
          == "the CPD year 2017 is closed: claims for it were taken until 31 January 2018; ask "
             "the membership secretary to adjust your record");
  }
  cpd::set_setting(s.db, s.as("sec"), "scheme.grace_days", "0");
  s.today = Date(2018, 1, 1);
  CHECK(error_kind([&] { s.claim("bob", "iims-webinar", Date(2017, 12, 31)); })
        == ErrorKind::refused);
}

TEST_CASE("a late approval corrects the closed year and its carry, and says so without a deadline")
{
  testutil::Scheme s;
  const auto ann = member_id(s.db, "ann");
  const auto first = s.claim("ann", "iims-conference", Date(2017, 2, 1), "2"); // 10
  cpd::approve_claims(s.db, s.as("sec"), {first.id}, "");
  s.today = Date(2018, 1, 1);
  cpd::rollover(s.db, s.as("sec"), DryRun::no);
  CHECK(cpd::member_balance(s.db, ann, 2018).carried_in == Points());
  s.today = Date(2018, 1, 10);
  const auto december = s.claim("ann", "iims-training-day", Date(2017, 12, 20));
  s.today = Date(2018, 1, 12);
  cpd::approve_claims(s.db, s.as("sec"), {december.id}, "");
  CHECK(cpd::member_balance(s.db, ann, 2017).total == pts("15"));
  CHECK(cpd::member_balance(s.db, ann, 2018).carried_in == pts("3"));
  CHECK(cpd::verify_ledger(s.db).empty());

  const auto approved = mails(s.db, fmt::format("claim:{}:approved", december.id));
  REQUIRE(approved.size() == 1);
  CHECK(says(approved[0],
             "The CPD year 2017 is closed; its total is now 15 points, which meets the quota of "
             "10 points. 3 points are carried forward into 2018."));
  CHECK_FALSE(says(approved[0], "require"));
  CHECK_FALSE(says(approved[0], "31 December"));
  // The carry changed: a corrected statement, naming the claim.
  const auto corrected = mails(s.db, "year:2017:corrected:ann:%");
  REQUIRE(corrected.size() == 1);
  CHECK(says(corrected[0], "Your corrected CPD statement for 2017: quota met"));
  CHECK(says(
    corrected[0],
    fmt::format("claim #{} for IIMS training day on 20 December 2017 was approved", december.id)));
  CHECK(says(corrected[0], "3 points are carried forward into 2018."));
  cpd::Statement reason(s.db, "SELECT reason FROM entry WHERE kind = 'carry' AND member_id = ?");
  reason.bind(1, ann);
  REQUIRE(reason.step());
  CHECK(reason.text(0)
        == fmt::format("carry from 2017 corrected: claim #{} approved after the year closed",
                       december.id));

  // Revoked again: the mail says what it does to the carry.
  cpd::revoke_claim(s.db, s.as("sec"), december.id, "not attended");
  const auto revoked = mails(s.db, fmt::format("claim:{}:revoked", december.id));
  REQUIRE(revoked.size() == 1);
  CHECK(says(revoked[0], "it now stands at 10 of 10 points."));
  CHECK(says(revoked[0],
             "Because 2017 is closed, this also lowers what you carry into 2018: from 3 points to "
             "nothing."));
  CHECK(cpd::member_balance(s.db, ann, 2018).carried_in == Points());
  CHECK(mails(s.db, "year:2017:corrected:ann:%").size() == 2);
}

TEST_CASE("approval mails: the countdown while the year runs, thanks to the exempt, 1 point")
{
  testutil::Scheme s;
  const auto nine = s.claim("ann", "iims-conference", Date(2017, 3, 1), "1.8"); // 9
  cpd::approve_claims(s.db, s.as("sec"), {nine.id}, "");
  CHECK(says(mails(s.db, fmt::format("claim:{}:approved", nine.id))[0],
             "Your total for 2017 is now 9 points. You only require 1 more point by 31 December "
             "2017 to make your quota of 10 points."));
  const auto one = s.claim("ann", "iims-webinar", Date(2017, 3, 2));
  cpd::approve_claims(s.db, s.as("sec"), {one.id}, "");
  const auto met = mails(s.db, fmt::format("claim:{}:approved", one.id))[0];
  CHECK(says(met, "CPD claim #" + std::to_string(one.id) + " approved: 1 point added"));
  CHECK(says(met, "you have met your quota of 10 points for 2017. Thank you."));

  cpd::grant_dispensation(s.db, s.as("sec"), "bob", 2017, std::nullopt, "retired");
  const auto bobs = s.claim("bob", "iims-webinar", Date(2017, 3, 2));
  cpd::approve_claims(s.db, s.as("sec"), {bobs.id}, "");
  const auto exempt = mails(s.db, fmt::format("claim:{}:approved", bobs.id))[0];
  CHECK(
    says(exempt, "You are exempt from the quota for 2017, so nothing more is required of you."));
  CHECK_FALSE(says(exempt, "require 9"));
  const auto granted = mails(s.db, "exemption:%:granted");
  REQUIRE(granted.size() == 1);
  CHECK(says(granted[0], "Your CPD: exempt from the quota from 2017 on, until it is lifted"));
  CHECK(says(granted[0], "retired"));
}

TEST_CASE("lasting dispensations: from a year on, cut by a lift, with guard rails")
{
  testutil::Scheme s;
  const auto bob = member_id(s.db, "bob");
  cpd::grant_dispensation(s.db, s.as("sec"), "bob", 2017, std::nullopt, "retired");
  CHECK(cpd::member_balance(s.db, bob, 2017).exempt);
  CHECK(cpd::member_balance(s.db, bob, 2030).exempt);
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "bob", 2019, 2019, "again"); })
        == ErrorKind::refused);
  // Back at work in 2019: 2017 and 2018 stay exempt, 2019 on is not.
  cpd::lift_dispensation(s.db, s.as("sec"), "bob", 2019, std::nullopt);
  CHECK(cpd::member_balance(s.db, bob, 2018).exempt);
  CHECK_FALSE(cpd::member_balance(s.db, bob, 2019).exempt);
  CHECK_FALSE(cpd::member_balance(s.db, bob, 2025).exempt);
  // One year out of three lifted.
  cpd::grant_dispensation(s.db, s.as("sec"), "ann", 2017, 2019, "career break");
  cpd::lift_dispensation(s.db, s.as("sec"), "ann", 2018, 2018);
  const auto ann = member_id(s.db, "ann");
  CHECK(cpd::member_balance(s.db, ann, 2017).exempt);
  CHECK_FALSE(cpd::member_balance(s.db, ann, 2018).exempt);
  CHECK(cpd::member_balance(s.db, ann, 2019).exempt);
  CHECK(mails(s.db, "exemption:%:lifted:%").size() == 2);
  // Guard rails
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "sue", 2016, 2016, "x"); })
        == ErrorKind::refused); // before the scheme
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "sue", 2030, 2030, "x"); })
        == ErrorKind::refused); // far ahead
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "sue", 2017, 2099, "x"); })
        == ErrorKind::refused);
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "sue", 2018, 2017, "x"); })
        == ErrorKind::usage);
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "sue", 2017, 2017, " "); })
        == ErrorKind::usage);
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "sec", 2017, 2017, "x"); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::lift_dispensation(s.db, s.as("sec"), "sue", 2017, 2017); })
        == ErrorKind::refused);
  cpd::change_member(s.db, s.as("sec"), "sue", testutil::with_cpd_duty(false));
  CHECK(error_kind([&] { cpd::grant_dispensation(s.db, s.as("sec"), "sue", 2017, 2017, "x"); })
        == ErrorKind::refused); // no duty, no quota to exempt from
}

namespace {

// The dispensations of part of a year in force for `login`, as "from..until".
std::vector<std::string>
periods(cpd::Database& db, const char* login)
{
  cpd::Statement query(db,
                       "SELECT p.from_date || '..' || coalesce(p.until_date, '')"
                       " FROM dispensation_period p JOIN member m ON m.id = p.member_id"
                       " WHERE m.login = ? AND p.lifted_at IS NULL ORDER BY p.from_date");
  query.bind(1, std::string(login));
  std::vector<std::string> found;
  while (query.step()) {
    found.push_back(query.text(0));
  }
  return found;
}

// What an expression is refused with.
template<typename F>
std::string
refusal(F&& f)
{
  try {
    f();
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::refused);
    return e.what();
  }
  FAIL("no cpd::Error was thrown");
  return {};
}

} // namespace

TEST_CASE("dispensations of days: a lift cuts them, and keeps the days outside it")
{
  testutil::Scheme s;
  const auto granted = cpd::grant_dispensation_days(
    s.db, s.as("sec"), "bob", Date(2017, 3, 1), Date(2017, 8, 31), "illness");
  CHECK(granted.from == 2017);
  CHECK(granted.until == 2017);
  CHECK(periods(s.db, "bob") == std::vector<std::string>{"2017-03-01..2017-08-31"});
  const auto lifted =
    cpd::lift_dispensation_days(s.db, s.as("sec"), "bob", Date(2017, 5, 1), Date(2017, 5, 31));
  CHECK(lifted.id == granted.id);
  CHECK(lifted.member == "bob");
  CHECK(lifted.reason == "illness");
  CHECK(lifted.from_day == Date(2017, 5, 1));
  CHECK(lifted.until_day == Date(2017, 5, 31));
  CHECK(periods(s.db, "bob")
        == std::vector<std::string>{"2017-03-01..2017-04-30", "2017-06-01..2017-08-31"});
  // From a day on: what came before stays.
  cpd::lift_dispensation_days(s.db, s.as("sec"), "bob", Date(2017, 7, 1), std::nullopt);
  CHECK(periods(s.db, "bob")
        == std::vector<std::string>{"2017-03-01..2017-04-30", "2017-06-01..2017-06-30"});
  CHECK(refusal([&] {
          cpd::lift_dispensation_days(s.db, s.as("sec"), "bob", Date(2017, 5, 2), Date(2017, 5, 9));
        })
        == "'bob' is not exempt from 2 May 2017 to 9 May 2017");
  // Lifting a whole year lifts the days in it too, and only those.
  cpd::grant_dispensation_days(
    s.db, s.as("sec"), "bob", Date(2018, 2, 1), std::nullopt, "illness again");
  const auto year = cpd::lift_dispensation(s.db, s.as("sec"), "bob", 2017, 2017);
  CHECK(year.reason == "illness");
  CHECK_FALSE(year.from_day);
  CHECK(periods(s.db, "bob") == std::vector<std::string>{"2018-02-01.."});
  CHECK(mails(s.db, "dispensation:%:lifted:%").size() == 2);
  CHECK(mails(s.db, "exemption:%:lifted:%").size() == 1);
  // Days are not cut out of whole years.
  cpd::grant_dispensation(s.db, s.as("sec"), "ann", 2017, 2018, "career break");
  CHECK(refusal([&] {
          cpd::lift_dispensation_days(
            s.db, s.as("sec"), "ann", Date(2017, 5, 1), Date(2017, 5, 31));
        })
        == "'ann' is exempt for whole years there: lift them with --year or --from");
  CHECK(refusal([&] { cpd::lift_dispensation(s.db, s.as("sec"), "sue", 2017, std::nullopt); })
        == "'sue' is not exempt from 2017 on");
}

TEST_CASE("an adjustment is a signed entry, and in a closed year the carries follow")
{
  testutil::Scheme s;
  const auto ann = member_id(s.db, "ann");
  const auto claim = s.claim("ann", "iims-conference", Date(2017, 2, 1), "2"); // 10
  cpd::approve_claims(s.db, s.as("sec"), {claim.id}, "");
  s.today = Date(2018, 2, 15);
  cpd::rollover(s.db, s.as("sec"), DryRun::no);
  const auto result =
    cpd::adjust_points(s.db, s.as("sec"), "ann", pts("2.5"), 2017, "course certificate found");
  CHECK(result.balance.total == pts("12.5"));
  CHECK(cpd::member_balance(s.db, ann, 2018).carried_in == pts("2.5"));
  REQUIRE(!result.corrections.empty());
  CHECK(result.corrections.front().carry_changed());
  CHECK(cpd::verify_ledger(s.db).empty());
  const auto entries = cpd::member_entries(s.db, ann, 2017);
  CHECK(entries.back().kind == cpd::EntryKind::adjustment);
  CHECK(entries.back().reason == "course certificate found");
  const auto mail = mails(s.db, fmt::format("adjustment:{}", result.adjustment.id));
  REQUIRE(mail.size() == 1);
  CHECK(says(mail[0], "Your CPD record for 2017: adjusted by +2.5 points"));
  CHECK(says(mail[0], "course certificate found"));
  CHECK(says(mail[0],
             "Because 2017 is closed, this also raises what you carry into 2018: from nothing to "
             "2.5 points."));
  CHECK_FALSE(says(mail[0], "31 December 2017"));

  CHECK(error_kind([&] { cpd::adjust_points(s.db, s.as("sec"), "ann", pts("-20"), 2017, "x"); })
        == ErrorKind::refused); // below 0
  CHECK(error_kind([&] { cpd::adjust_points(s.db, s.as("sec"), "ann", pts("0"), 2017, "x"); })
        == ErrorKind::usage);
  CHECK(error_kind([&] { cpd::adjust_points(s.db, s.as("sec"), "ann", pts("1"), 2019, "x"); })
        == ErrorKind::refused); // a year to come
  CHECK(error_kind([&] { cpd::adjust_points(s.db, s.as("sec"), "ann", pts("1"), 2016, "x"); })
        == ErrorKind::refused); // before the scheme
  CHECK(error_kind([&] { cpd::adjust_points(s.db, s.as("sec"), "sec", pts("1"), 2017, "x"); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::adjust_points(s.db, s.as("ann"), "bob", pts("1"), 2017, "x"); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::adjust_points(s.db, s.as("sec"), "ann", pts("1"), 2017, ""); })
        == ErrorKind::usage);
}

TEST_CASE("year end: statements name claims still waiting, and none go without a CPD duty")
{
  testutil::Scheme s;
  s.today = Date(2017, 12, 5);
  const auto waiting = s.claim("ann", "iims-training-day", Date(2017, 12, 1));
  cpd::change_member(s.db, s.as("sec"), "sue", testutil::with_cpd_duty(false));
  s.today = Date(2018, 1, 1);
  const auto closes = cpd::rollover(s.db, s.as("sec"), DryRun::no);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].members == 3); // ann, bob, sec: not sue
  CHECK(mails(s.db, "year:2017:statement:sue").empty());
  const auto statement = mails(s.db, "year:2017:statement:ann");
  REQUIRE(statement.size() == 1);
  CHECK(says(statement[0], "Your CPD statement for 2017: 10 points short"));
  CHECK(says(statement[0], "This claim of yours for 2017 is still waiting for a decision:"));
  CHECK(says(statement[0],
             fmt::format("#{}  IIMS training day, 1 December 2017: 5 points", waiting.id)));
  CHECK(says(statement[0], "Nothing is carried forward into 2018."));
  const auto summary = mails(s.db, "year:2017:summary%");
  REQUIRE(summary.size() == 1);
  CHECK(says(summary[0],
             fmt::format("#{}  Ann Surveyor (ann): IIMS training day, 1 December 2017: 5 points",
                         waiting.id)));
  CHECK_FALSE(says(summary[0], "Sue Second"));
  std::vector<std::string> reported;
  cpd::compliance_report(s.db, s.as("sec"), 2017, {}, [&](const cpd::ReportLine& line) {
    reported.push_back(line.member);
  });
  CHECK(reported.size() == 3);
  CHECK(std::find(reported.begin(), reported.end(), "sue") == reported.end());
}

TEST_CASE("a year end's mail waits as one batch, then says what was so at the close")
{
  testutil::Scheme s;
  s.today = Date(2017, 12, 5);
  const auto waiting = s.claim("ann", "iims-training-day", Date(2017, 12, 1));
  s.today = Date(2018, 1, 2);
  const auto queued = cpd::deliver_mail(s.db, s.as("sec"), cpd::DeliveryOptions{}).waiting;
  REQUIRE(cpd::rollover(s.db, s.as("sec"), DryRun::no).size() == 1);

  // Committed as the rows the mail is made from and one batch holding its
  // ids: ann, bob, sec and sue; then the summary, queued itself.
  cpd::Statement raw(s.db, "SELECT count(*), min(id) FROM outbox WHERE cause LIKE 'year:%'");
  REQUIRE(raw.step());
  CHECK(raw.integer(0) == 1);
  const auto summary_id = raw.integer(1);
  raw.reset();
  const auto before = cpd::deliver_mail(s.db, s.as("sec"), cpd::DeliveryOptions{});
  CHECK(before.no_transport);
  CHECK(before.waiting == queued + 5); // the batch counts as queued

  // After the close: ann's claim is approved, her name corrected; a mail of
  // its own is queued for each, after the ids the batch holds.
  cpd::approve_claims(s.db, s.as("sue"), {waiting.id}, "");
  cpd::MemberChange rename;
  rename.name = "Ann Renamed";
  cpd::change_member(s.db, s.as("sec"), "ann", rename);
  cpd::Statement approval(s.db, "SELECT id FROM outbox WHERE cause LIKE 'claim:%:approved'");
  REQUIRE(approval.step());
  CHECK(approval.integer(0) > summary_id);
  approval.reset();

  CHECK(cpd::write_mail_batches(s.db) == 4);
  CHECK(cpd::write_mail_batches(s.db) == 0); // written once
  cpd::Statement ids(s.db,
                     "SELECT group_concat(id, ' ') FROM (SELECT id FROM outbox"
                     " WHERE cause LIKE 'year:2017:statement:%' ORDER BY id)");
  REQUIRE(ids.step());
  CHECK(
    ids.text(0)
    == fmt::format("{} {} {} {}", summary_id - 4, summary_id - 3, summary_id - 2, summary_id - 1));
  ids.reset();
  cpd::Statement message_id(s.db, "SELECT id, message_id FROM outbox WHERE cause LIKE 'year:%'");
  while (message_id.step()) {
    CHECK(message_id.text(1).starts_with(fmt::format("<cpd.{}.", message_id.integer(0))));
  }
  message_id.reset();

  // The statement says what was so at the close: her name then, the claim
  // still waiting.
  const auto statement = mails(s.db, "year:2017:statement:ann");
  REQUIRE(statement.size() == 1);
  CHECK(says(statement[0], "Dear Ann Surveyor"));
  CHECK(says(statement[0], "This claim of yours for 2017 is still waiting for a decision:"));
  CHECK(says(statement[0], "10 points short"));
  const auto summary = mails(s.db, "year:2017:summary%");
  REQUIRE(summary.size() == 1);
  CHECK(says(summary[0], "Ann Surveyor (ann): 0 of 10 points"));
  CHECK(says(summary[0], fmt::format("#{}  Ann Surveyor (ann)", waiting.id)));
}

TEST_CASE("the secretary's summary lists 100 of each, then how many more")
{
  testutil::Scheme s;
  s.db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)"
            " INSERT INTO member(login, name, email, created_at)"
            " SELECT printf('m%03d', i), printf('Member %d', i), printf('m%03d@example.org', i), 0"
            " FROM n;"
            "INSERT INTO claim(member_id, activity_id, activity_date, year, points, submitted_at)"
            " SELECT id, (SELECT min(id) FROM activity), '2017-06-01', 2017, 10, 0 FROM member"
            " WHERE login LIKE 'm%';");
  s.today = Date(2018, 1, 2);
  const auto closes = cpd::rollover(s.db, s.as("sec"), DryRun::no);
  REQUIRE(closes.size() == 1);
  CHECK(closes[0].short_of_quota == 154);
  const auto summary = mails(s.db, "year:2017:summary%");
  REQUIRE(summary.size() == 1);
  CHECK(says(summary[0], "Short:      154"));
  CHECK(says(summary[0], "  and 54 more: cpd report --year 2017 lists them all"));
  CHECK(says(summary[0], "  and 50 more: cpd pending lists them all"));
  CHECK(says(summary[0],
             "Decide them with cpd approve or cpd decline (cpd pending lists them);"
             " each decision corrects 2017 and its carry."));
  // 100 lines of each list.
  std::size_t shown = 0;
  for (std::size_t at = summary[0].find(" of 10 points\n"); at != std::string::npos;
       at = summary[0].find(" of 10 points\n", at + 1)) {
    ++shown;
  }
  CHECK(shown == 100);
}
