#include "fixture.hpp"

#include <cpd/ledger/rules.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using cpd::Account;
using cpd::Date;
using cpd::Points;
using cpd::Rules;

namespace {

const Date k_start(2017, 1, 1);

Points
tenths(std::int64_t value)
{
  return Points::from_tenths(value);
}

// A random account over 2017 to 2021 in the categories given: earned points
// each year, and sometimes a carry into a year.
Account
random_account(std::mt19937& random, const std::vector<std::string>& categories)
{
  Account account;
  std::uniform_int_distribution<std::int64_t> points(0, 150);
  for (int year = 2017; year <= 2021; ++year) {
    for (const auto& category : categories) {
      if (random() % 3 != 0) {
        account.earned[year][category] = tenths(points(random));
      }
    }
    if (random() % 4 == 0) {
      account.carried[year][""] = tenths(points(random) % 31);
    }
  }
  return account;
}

Points
sum_of(const std::map<std::string, Points>& points)
{
  Points total;
  for (const auto& [category, amount] : points) {
    total += amount;
  }
  return total;
}

Points
at(const std::map<int, std::map<std::string, Points>>& by_year,
   int year,
   const std::string& category)
{
  const auto found = by_year.find(year);
  if (found == by_year.end()) {
    return Points();
  }
  const auto in = found->second.find(category);
  return in == found->second.end() ? Points() : in->second;
}

} // namespace

TEST_CASE("property: pro rata is exact at the ends, monotone and rounded as asked")
{
  std::mt19937 random(11);
  for (int i = 0; i < 5000; ++i) {
    const auto value = tenths(static_cast<std::int64_t>(random() % 2000));
    const int full = 12 * (1 + static_cast<int>(random() % 5));
    const int months = static_cast<int>(random() % (full + 1));
    CAPTURE(value.to_string());
    CAPTURE(months);
    CAPTURE(full);
    const auto down = cpd::prorate(value, months, full, cpd::Rounding::whole_down);
    const auto up = cpd::prorate(value, months, full, cpd::Rounding::whole_up);
    const auto nearest = cpd::prorate(value, months, full, cpd::Rounding::whole_nearest);
    const auto tenth = cpd::prorate(value, months, full, cpd::Rounding::tenth_down);
    if (months == full) {
      CHECK((down == value && up == value && nearest == value && tenth == value));
      continue;
    }
    // exact = value × months / full, in hundredths of a tenth for comparison
    const std::int64_t exact_scaled = value.tenths() * months; // × 1/full
    CHECK(down.tenths() % 10 == 0);
    CHECK(up.tenths() % 10 == 0);
    CHECK(nearest.tenths() % 10 == 0);
    CHECK(down.tenths() * full <= exact_scaled);
    CHECK(exact_scaled < (down.tenths() + 10) * full);
    CHECK(up.tenths() * full >= exact_scaled);
    CHECK(down <= nearest);
    CHECK(nearest <= up);
    CHECK(tenth.tenths() * full <= exact_scaled);
    CHECK(exact_scaled < (tenth.tenths() + 1) * full);
    if (months > 0) {
      CHECK(cpd::prorate(value, months - 1, full, cpd::Rounding::whole_down) <= down);
    } else {
      CHECK(down == Points());
    }
  }
}

TEST_CASE("property: IIMS's defaults judge and carry exactly as one quota a year did")
{
  const Rules rules; // 10 a year, 3 carried, no categories
  std::mt19937 random(5);
  for (int i = 0; i < 3000; ++i) {
    const auto account = random_account(random, {"general"});
    for (int year = 2017; year <= 2021; ++year) {
      CAPTURE(year);
      const auto total = at(account.earned, year, "general") + at(account.carried, year, "");
      const auto judged = cpd::judge(account, rules, year, k_start);
      CHECK(judged.quota == tenths(100));
      CHECK(judged.total == total);
      CHECK(judged.remaining == max(Points(), tenths(100) - total));
      CHECK(judged.compliant == (total >= tenths(100)));
      CHECK(cpd::short_of_total_only(judged));
      const auto out = cpd::carry_out(account, rules, year, k_start);
      CHECK(out.total() == min(tenths(30), max(Points(), total - tenths(100))));
    }
  }
}

TEST_CASE("property: compliance is every minimum and the total, maximums cap what counts")
{
  Rules rules;
  rules.quota = tenths(200);
  rules.minimums = {{"formal", tenths(100)}, {"risk", tenths(20)}};
  rules.maximums = {{"reading", tenths(60)}};
  rules.carry_cap = Points();
  std::mt19937 random(6);
  for (int i = 0; i < 3000; ++i) {
    const auto account = random_account(random, {"formal", "informal", "reading", "risk"});
    const int year = 2017 + static_cast<int>(random() % 5);
    CAPTURE(year);
    auto counted =
      account.earned.count(year) ? account.earned.at(year) : std::map<std::string, Points>();
    counted["reading"] = min(counted["reading"], tenths(60));
    const auto total = sum_of(counted) + at(account.carried, year, "");
    const bool met =
      total >= tenths(200) && counted["formal"] >= tenths(100) && counted["risk"] >= tenths(20);
    const auto judged = cpd::judge(account, rules, year, k_start);
    CHECK(judged.cycle_total == total);
    CHECK(judged.compliant == met);
    // What is still needed is at least what each requirement lacks, and
    // enough for all of them when earned in the categories short.
    const auto formal_short = max(Points(), tenths(100) - counted["formal"]);
    const auto risk_short = max(Points(), tenths(20) - counted["risk"]);
    CHECK(judged.remaining >= formal_short + risk_short);
    CHECK(judged.remaining >= max(Points(), tenths(200) - total));
    CHECK(judged.remaining == max(formal_short + risk_short, max(Points(), tenths(200) - total)));
    CHECK((judged.remaining == Points()) == met);
  }
}

TEST_CASE("property: a joiner owes the whole months after joining, rounded down")
{
  const Rules rules;
  std::mt19937 random(7);
  for (int i = 0; i < 2000; ++i) {
    Account account;
    const Date joined = Date(2017, 1, 1).plus_days(static_cast<int>(random() % 365));
    account.joined = joined;
    account.earned[2017]["general"] = tenths(static_cast<std::int64_t>(random() % 120));
    CAPTURE(joined.to_string());
    // From the first of the month after joining; a join on the first owes
    // that month too.
    const int months = 12 - joined.month() + (joined.day() == 1 ? 1 : 0);
    const auto judged = cpd::judge(account, rules, 2017, k_start);
    CHECK(judged.months == months);
    CHECK(judged.quota == tenths(100 * months / 12 / 10 * 10));
    CHECK(judged.joined_in_cycle == (months < 12));
    CHECK(judged.compliant == (account.earned[2017]["general"] >= judged.quota));
    // The year after is owed whole.
    CHECK(cpd::judge(account, rules, 2018, k_start).quota == tenths(100));
    // The surplus carried is over the pro-rated quota.
    CHECK(cpd::carry_out(account, rules, 2017, k_start).total()
          == min(tenths(30), max(Points(), account.earned[2017]["general"] - judged.quota)));
  }
}

TEST_CASE("property: a rolling cycle counts the window's years, with a floor in each")
{
  Rules rules;
  rules.cycle_years = 3;
  rules.quota = tenths(1200);
  rules.year_minimum = tenths(200);
  rules.carry_cap = Points();
  std::mt19937 random(8);
  for (int i = 0; i < 2000; ++i) {
    Account account;
    for (int year = 2017; year <= 2022; ++year) {
      account.earned[year]["general"] = tenths(static_cast<std::int64_t>(random() % 800));
    }
    for (int year = 2017; year <= 2022; ++year) {
      CAPTURE(year);
      const int from = std::max(2017, year - 2);
      Points window;
      for (int y = from; y <= year; ++y) {
        window += account.earned[y]["general"];
      }
      // Before the scheme started nothing was owed: 12 or 24 of 36 months.
      const auto quota = tenths(1200 * std::min(3, year - 2016) / 3);
      const auto judged = cpd::judge(account, rules, year, k_start);
      CHECK(judged.cycle_from == from);
      CHECK(judged.cycle_total == window);
      CHECK(judged.quota == quota);
      CHECK(judged.compliant
            == (window >= quota && account.earned[year]["general"] >= tenths(200)));
      CHECK(cpd::carry_out(account, rules, year, k_start).total() == Points());
    }
  }
  // A carry with a cycle of several years contradicts it.
  rules.carry_cap = tenths(10);
  CHECK_THROWS_AS(cpd::check_rules(rules), cpd::Error);
}

TEST_CASE("property: carries by category stay within the cap, the surplus and the rules")
{
  Rules rules;
  rules.quota = tenths(400);
  rules.minimums = {{"verifiable", tenths(210)}};
  rules.carry_cap = tenths(210);
  rules.carry_categories = {"verifiable"};
  rules.carry_first_year = false;
  std::mt19937 random(9);
  for (int i = 0; i < 3000; ++i) {
    auto account = random_account(random, {"verifiable", "other"});
    account.carried.clear();
    const bool joiner = random() % 3 == 0;
    if (joiner) {
      account.joined = Date(2017, 1 + static_cast<int>(random() % 12), 1);
    }
    for (int year = 2017; year <= 2021; ++year) {
      CAPTURE(year);
      const auto out = cpd::carry_out(account, rules, year, k_start);
      const auto verifiable = at(account.earned, year, "verifiable");
      const auto surplus = out.surplus;
      if (joiner && year == 2017) {
        CHECK(out.total() == Points()); // never out of the year of joining
        continue;
      }
      const auto expected =
        min(min(tenths(210), max(Points(), surplus)), max(Points(), verifiable - tenths(210)));
      CHECK(out.total() == expected);
      for (const auto& [category, points] : out.carried) {
        CHECK(category == "verifiable");
      }
    }
  }
}

TEST_CASE("the rules as settings: every value read back, nonsense refused")
{
  Rules rules;
  cpd::set_rule(rules, "scheme.minimums", "formal:10, risk:2.5");
  cpd::set_rule(rules, "scheme.carry_categories", "verifiable,formal");
  cpd::set_rule(rules, "scheme.prorata", "year");
  cpd::set_rule(rules, "scheme.prorata_rounding", "tenth-down");
  CHECK(cpd::rule_value(rules, "scheme.minimums") == "formal:10,risk:2.5");
  CHECK(cpd::decode_rules(cpd::encode_rules(rules)) == rules);
  for (const auto& rule :
       std::vector<std::pair<const char*, const char*>>{{"scheme.minimums", "formal"},
                                                        {"scheme.minimums", "formal:0"},
                                                        {"scheme.minimums", "formal:1,formal:2"},
                                                        {"scheme.minimums", "Formal Hours:1"},
                                                        {"scheme.cycle_years", "11"},
                                                        {"scheme.cycle_years", "1.5"},
                                                        {"scheme.carry_first_year", "maybe"},
                                                        {"scheme.prorata", "day"},
                                                        {"scheme.carry_categories", ""}}) {
    const auto& key = rule.first;
    const auto& bad = rule.second;
    CAPTURE(key);
    CAPTURE(bad);
    CHECK(testutil::error_kind([&] { cpd::set_rule(rules, key, bad); })
          == cpd::ErrorKind::bad_input);
  }
  CHECK_THROWS_AS(cpd::decode_rules("scheme.quota=10\nscheme.quota=12"), cpd::Error);
  CHECK_THROWS_AS(cpd::decode_rules("scheme.colour=blue"), cpd::Error);
}

TEST_CASE("what still meets every requirement, in words")
{
  Rules rules;
  rules.quota = tenths(200);
  rules.minimums = {{"formal", tenths(100)}};
  Account account;
  account.earned[2017]["informal"] = tenths(120);
  account.earned[2017]["formal"] = tenths(80);
  auto judged = cpd::judge(account, rules, 2017, k_start);
  CHECK(cpd::needs_phrase(judged) == "2 more formal points");
  CHECK(cpd::requirement_phrase(judged, std::nullopt) == "20 points, of which at least 10 formal");
  account.earned[2017]["informal"] = tenths(50);
  judged = cpd::judge(account, rules, 2017, k_start);
  CHECK(cpd::needs_phrase(judged) == "7 more points, of which at least 2 formal");
  account.earned[2017]["formal"] = tenths(90);
  account.earned[2017]["informal"] = tenths(110);
  judged = cpd::judge(account, rules, 2017, k_start);
  CHECK(cpd::needs_phrase(judged) == "1 more formal point");
  account.joined = Date(2017, 7, 1);
  judged = cpd::judge(account, rules, 2017, k_start);
  CHECK(cpd::requirement_phrase(judged, account.joined)
        == "10 points, of which at least 5 formal (pro rata from your joining on 1 July 2017)");
}
