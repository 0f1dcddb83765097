#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/check.hpp>
#include <cpd/ledger.hpp>
#include <cpd/settings.hpp>
#include <cpd/yearend.hpp>

#include <map>
#include <random>

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
  for (const auto& [total, carry] : cases) {
    CAPTURE(total);
    testutil::Scheme s;
    cpd::set_setting(s.db, s.as("sec"), "scheme.start", "2016-01-01");
    const auto ann = member_id(s.db, "ann");
    cpd::post_entry(s.db, ann, 2016, cpd::EntryKind::adjustment, pts(total), {}, {}, 0, "");
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
  cpd::post_entry(s.db, ann, 2014, cpd::EntryKind::adjustment, pts("14"), {}, {}, 0, "");
  cpd::post_entry(s.db, ann, 2015, cpd::EntryKind::adjustment, pts("8"), {}, {}, 0, "");

  CHECK(error_kind([&] { cpd::rollover(s.db, s.as("ann"), DryRun::no); }) == ErrorKind::permission);

  const auto preview = cpd::rollover(s.db, s.as("sec"), DryRun::yes);
  REQUIRE(preview.size() == 3);
  CHECK(preview[1].carries.at(0).carried == pts("1")); // 8 + 3 carried = 11
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
  cpd::post_entry(s.db, ann, 2016, cpd::EntryKind::adjustment, pts("20"), {}, {}, 0, "");
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
TEST_CASE("property: the ledger always equals a replay of the facts")
{
  struct ModelClaim
  {
    std::string member;
    int year;
    std::int64_t points; // tenths
    std::string status;
  };
  const std::vector<std::string> members = {"ann", "bob", "sec", "sue"};
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
    std::map<int, std::pair<std::int64_t, std::int64_t>> closes; // quota, cap
    std::int64_t quota = 50;
    std::int64_t cap = 30;
    cpd::set_setting(s.db, s.as("sec"), "scheme.quota", "5");
    int late_decisions = 0; // decisions on claims of closed years

    auto replay_check = [&] {
      const auto problems = cpd::verify_ledger(s.db);
      INFO("cpd check reports: ", testutil::lines(problems));
      REQUIRE(problems.empty());
      for (const auto& login : members) {
        std::int64_t carry_in = 0;
        for (int year = 2017; year <= s.today.year(); ++year) {
          std::int64_t earned = 0;
          for (const auto& [id, claim] : claims) {
            if (claim.member == login && claim.year == year && claim.status == "approved") {
              earned += claim.points;
            }
          }
          const auto balance = cpd::member_balance(s.db, member_id(s.db, login.c_str()), year);
          CAPTURE(login);
          CAPTURE(year);
          REQUIRE(balance.carried_in.tenths() == carry_in);
          REQUIRE(balance.total.tenths() == earned + carry_in);
          const auto close = closes.find(year);
          carry_in =
            close == closes.end()
              ? 0
              : std::min(close->second.second,
                         std::max<std::int64_t>(0, earned + carry_in - close->second.first));
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
        const bool allowed = date.year() >= 2017 && !closes.contains(date.year());
        try {
          const auto claim = s.claim(login, code, date);
          REQUIRE(allowed);
          claims[claim.id] = {login, date.year(), points, "pending"};
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
      } else if (action == 7) { // a dispensation: changes nothing in the ledger
        // Nobody exempts themself: sue grants sec's.
        const auto* granter = login == "sec" ? "sue" : "sec";
        try {
          cpd::exempt_member(s.db, s.as(granter), login, s.today.year(), "ill");
        } catch (const cpd::Error& e) {
          REQUIRE(e.kind() == ErrorKind::refused);
        }
      } else if (action == 8) { // the rules change
        quota = 10 * static_cast<std::int64_t>(2 + pick(8));
        cap = 5 * static_cast<std::int64_t>(pick(10));
        cpd::set_setting(s.db, s.as("sec"), "scheme.quota", Points::from_tenths(quota).to_string());
        cpd::set_setting(
          s.db, s.as("sec"), "scheme.carry_cap", Points::from_tenths(cap).to_string());
      } else { // time passes, sometimes into a new year, then rollover
        s.today = s.today.plus_days(static_cast<int>(20 + pick(90)));
        if (s.today.year() > 2021) {
          break;
        }
        for (const auto& close : cpd::rollover(s.db, s.as("sec"), DryRun::no)) {
          REQUIRE_FALSE(closes.contains(close.year));
          closes[close.year] = {quota, cap};
        }
      }
      replay_check();
    }
    CHECK(closes.size() >= 2);
    total_late_decisions += late_decisions;
  }
  CHECK(total_late_decisions >= 10);
}
