// The standing's two forms agree: for random histories (joins, mid-year
// joins, exemptions of one year or a range, lifted ones, dispensations of
// part of a year, duty changes, adjustments, late approvals, category
// schemes and cycles), every member-year is judged alike by the set-based
// SQL (the report, the close and its carries, cpd check) and by judge() /
// carry_out() on the member's own account (balance).

#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/admin/check.hpp>
#include <cpd/admin/setup.hpp>
#include <cpd/claims/claims.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/standing.hpp>
#include <cpd/mail/events.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/year/yearend.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using cpd::Date;
using cpd::Points;

constexpr int k_first_year = 2017;
constexpr int k_last_year = 2021;
constexpr int k_members = 40;
constexpr int k_histories = 52; // 52 × (40 + 2) members × 5 years > 10,000 member-years

cpd::Context
context_at(const std::string& login, Date today)
{
  return cpd::Context{login, today, today.days() * 86400};
}

std::int64_t
instant(Date day)
{
  return day.days() * 86400;
}

// A member as the SQL form sees them in a year.
struct SqlMember
{
  std::int64_t id = 0;
  std::string login;
  bool duty = false;    // duty_sql
  bool exempt = false;  // exempt_sql
  bool counted = false; // active and added before the year ended
  std::optional<Date> joined;
  bool dispensed = false; // a dispensation of days touches the year
};

std::vector<SqlMember>
sql_members(cpd::Database& db, int year)
{
  cpd::Statement query(
    db,
    fmt::format("SELECT m.id, m.login, {}, {}, m.active = 1 AND m.created_at < ?2, m.joined,"
                " EXISTS (SELECT 1 FROM dispensation_period p WHERE p.member_id = m.id"
                "   AND p.lifted_at IS NULL AND p.from_date <= ?3"
                "   AND (p.until_date IS NULL OR p.until_date >= ?4))"
                " FROM member m ORDER BY m.id",
                cpd::duty_sql("m", "?2"),
                cpd::exempt_sql("m.id", "?1")));
  query.bind_all(year,
                 instant(Date(year + 1, 1, 1)),
                 Date(year, 12, 31).to_string(),
                 Date(year, 1, 1).to_string());
  std::vector<SqlMember> members;
  while (query.step()) {
    SqlMember member;
    member.id = query.integer(0);
    member.login = query.text(1);
    member.duty = query.integer(2) != 0;
    member.exempt = query.integer(3) != 0;
    member.counted = query.integer(4) != 0;
    if (const auto joined = query.optional_text(5)) {
      member.joined = Date::parse(*joined);
    }
    member.dispensed = query.integer(6) != 0;
    members.push_back(member);
  }
  return members;
}

std::map<std::string, Points>
nonzero(const std::map<std::string, Points>& points)
{
  std::map<std::string, Points> result;
  for (const auto& [category, amount] : points) {
    if (amount != Points()) {
      result[category] = amount;
    }
  }
  return result;
}

std::string
describe(const std::map<std::string, Points>& points)
{
  std::string text;
  for (const auto& [category, amount] : points) {
    text += fmt::format("{}{}:{}", text.empty() ? "" : ",", category, amount.to_string());
  }
  return "{" + text + "}";
}

// What the histories held, to show that they tried every case.
struct Seen
{
  int member_years = 0;
  int by_sql = 0;      // in a year the report and the close judged by SQL
  int exempt = 0;      // member-years exempt
  int no_duty = 0;     // member-years of a member without a CPD duty
  int short_years = 0; // in the report, short
  int carries = 0;     // member-years that carried something
  int late = 0;        // claims approved after their year closed
  int categories = 0;  // member-years with category minimums or a cycle
};

class History
{
public:
  explicit History(std::uint64_t seed)
    : m_random(seed)
    , m_db(cpd::Database::open(m_dir / "cpd.db", cpd::Database::Mode::create))
  {
    cpd::install_mail(m_db);
  }

  // `login` on `today`, as the caller an operation takes.
  testutil::As
  at(const std::string& login, Date today)
  {
    return {m_db, context_at(login, today)};
  }

  // Builds the history year by year, checking each year before and after
  // its close; returns what disagreed, and counts the member-years judged.
  std::vector<std::string>
  run(Seen& seen)
  {
    set_up();
    for (int year = k_first_year; year <= k_last_year; ++year) {
      live_through(year);
      check_open_year(year, seen);
      close(year, seen);
    }
    return m_problems;
  }

private:
  int
  pick(int from, int to)
  {
    return std::uniform_int_distribution<int>(from, to)(m_random);
  }
  bool
  chance(int percent)
  {
    return pick(1, 100) <= percent;
  }

  void
  set(const std::string& key, const std::string& value)
  {
    cpd::set_setting(m_db, at("sec", m_today), key, value);
  }

  void
  set_up()
  {
    m_today = Date(2016, 12, 1);
    cpd::initialize(
      m_db, context_at("sec", m_today), {"Sam Secretary", "sec@example.org", "IIMS", {}});
    cpd::add_member(m_db,
                    at("sec", m_today),
                    {"sue", "Sue Second", "sue@example.org", cpd::Role::secretary, false});
    // 0: one quota a year (judged by SQL when nobody joins in it and no
    // dispensation of days touches it), 1: categories, 2: a cycle.
    m_kind = chance(50) ? 0 : pick(1, 2);
    m_joiners = chance(35);       // members who join during the years
    m_dispensations = chance(35); // dispensations of part of a year
    set("scheme.prorata", std::vector<std::string>{"month", "year", "none"}[pick(0, 2)]);
    set("scheme.prorata_rounding",
        std::vector<std::string>{
          "whole-down", "whole-nearest", "whole-up", "tenth-down"}[pick(0, 3)]);
    set("scheme.carry_first_year", chance(50) ? "yes" : "no");
    set_rules();
    cpd::Transaction transaction(m_db, cpd::Transaction::Kind::write);
    for (int i = 0; i < k_members; ++i) {
      std::optional<std::string> joined;
      if (chance(40)) {
        const int year = m_joiners ? pick(2014, 2021) : pick(2010, 2016);
        joined = Date(year, pick(1, 12), pick(1, 28)).to_string();
      }
      // Added before the scheme, or during it.
      const auto created = chance(70) ? Date(2016, 6, 1) : Date(pick(2017, 2021), pick(1, 12), 1);
      cpd::Statement(m_db,
                     "INSERT INTO member(login, name, email, role, cpd_duty, active, created_at,"
                     " joined) VALUES (?, ?, ?, 'member', ?, ?, ?, ?)")
        .bind_all(fmt::format("m{:02}", i),
                  fmt::format("Member {}", i),
                  fmt::format("m{:02}@example.org", i),
                  chance(85) ? 1 : 0,
                  chance(90) ? 1 : 0,
                  instant(created),
                  joined)
        .run();
    }
    transaction.commit();
  }

  void
  set_rules()
  {
    set("scheme.carry_cap", "0");
    set("scheme.cycle_years", m_kind == 2 ? std::to_string(pick(2, 3)) : "1");
    set("scheme.quota", std::to_string(pick(4, 20) * (m_kind == 2 ? 2 : 1)));
    if (m_kind == 1) {
      set("scheme.minimums", chance(70) ? fmt::format("formal:{}", pick(1, 8)) : "none");
      set("scheme.maximums", chance(50) ? fmt::format("informal:{}", pick(2, 6)) : "none");
      set("scheme.year_minimum", chance(30) ? std::to_string(pick(1, 5)) : "0");
      set("scheme.carry_categories", chance(50) ? "formal,general" : "all");
    }
    if (m_kind == 2) {
      set("scheme.minimums", chance(50) ? fmt::format("formal:{}", pick(1, 8)) : "none");
      set("scheme.year_minimum", chance(50) ? std::to_string(pick(1, 5)) : "0");
    } else {
      set("scheme.carry_cap", std::to_string(pick(0, 6)));
    }
  }

  // A year's points, exemptions, dispensations and duty changes.
  void
  live_through(int year)
  {
    m_today = Date(year, 6, 1);
    if (chance(20)) {
      set_rules(); // the rules change; closed years keep theirs
    }
    cpd::Transaction transaction(m_db, cpd::Transaction::Kind::write);
    const std::vector<std::string> categories = {"", "formal", "informal", "general"};
    for (std::int64_t id = 3; id < 3 + k_members; ++id) {
      for (int n = pick(0, 3); n > 0; --n) {
        const auto category = categories[static_cast<std::size_t>(pick(0, 3))];
        cpd::Statement(m_db,
                       "INSERT INTO entry(member_id, year, kind, points, actor_id, at, reason,"
                       " category) VALUES (?, ?, 'adjustment', ?, 1, ?, 'history', NULLIF(?, ''))")
          .bind_all(id, year, pick(1, 80), instant(m_today), category)
          .run();
      }
      if (chance(6)) {
        const std::optional<int> until = chance(50)   ? std::optional(year)
                                         : chance(50) ? std::optional(year + pick(1, 3))
                                                      : std::nullopt;
        cpd::Statement(m_db,
                       "INSERT OR IGNORE INTO exemption(member_id, year, until_year, reason,"
                       " actor_id, at, lifted_by, lifted_at) VALUES (?, ?, ?, 'r', 1, ?, ?, ?)")
          .bind_all(id,
                    year - pick(0, 1),
                    until ? std::optional(std::max(*until, year - 1)) : std::nullopt,
                    instant(m_today),
                    std::optional<std::int64_t>(),
                    std::optional<std::int64_t>())
          .run();
      }
      if (chance(3)) {
        // Lift a dispensation in force.
        cpd::Statement(m_db,
                       "UPDATE exemption SET lifted_by = 1, lifted_at = ? WHERE id = (SELECT"
                       " max(id) FROM exemption WHERE member_id = ? AND lifted_at IS NULL)")
          .bind_all(instant(m_today), id)
          .run();
      }
      if (m_dispensations && chance(5)) {
        const Date from(year, pick(1, 12), pick(1, 28));
        const std::optional<std::string> until =
          chance(80) ? std::optional(from.plus_days(pick(10, 400)).to_string()) : std::nullopt;
        cpd::Statement(m_db,
                       "INSERT INTO dispensation_period(member_id, from_date, until_date, reason,"
                       " actor_id, at, lifted_by, lifted_at) VALUES (?, ?, ?, 'r', 1, ?, ?, ?)")
          .bind_all(id,
                    from.to_string(),
                    until,
                    instant(m_today),
                    chance(20) ? std::optional<std::int64_t>(1) : std::nullopt,
                    chance(20) ? std::optional(instant(m_today)) : std::nullopt)
          .run();
      }
      if (chance(4)) {
        cpd::Statement(m_db, "UPDATE member SET cpd_duty = 1 - cpd_duty WHERE id = ?")
          .bind(1, id)
          .run();
      }
    }
    transaction.commit();
  }

  void
  problem(int year, const std::string& login, const std::string& what)
  {
    m_problems.push_back(fmt::format("{} {}: {}", year, login, what));
  }

  // The report (SQL for a year of one quota, else every member judged) and
  // each member's balance (judge() on their own account) agree.
  void
  check_open_year(int year, Seen& seen)
  {
    const auto sec = at("sec", Date(year, 12, 1));
    const auto rules = cpd::rules_of_year(m_db, year);
    const bool by_sql = cpd::one_statement_year(m_db, rules, year, cpd::load_scheme(m_db).start);
    std::map<std::string, cpd::ReportLine> lines;
    cpd::compliance_report(
      m_db, sec, year, {}, [&](const cpd::ReportLine& line) { lines[line.member] = line; });
    for (const auto& member : sql_members(m_db, year)) {
      const auto balance = cpd::member_balance(m_db, member.id, year);
      ++seen.member_years;
      seen.by_sql += by_sql ? 1 : 0;
      seen.exempt += balance.exempt ? 1 : 0;
      seen.no_duty += balance.duty ? 0 : 1;
      seen.categories += rules.minimums.empty() && rules.cycle_years == 1 ? 0 : 1;
      const bool of_year = member.duty && (!member.joined || *member.joined <= Date(year, 12, 31));
      const auto line = lines.find(member.login);
      if ((line != lines.end()) != of_year) {
        problem(year,
                member.login,
                of_year ? "has a duty but is not in the report" : "in the report without a duty");
      }
      if (member.counted && member.duty != balance.duty) {
        problem(
          year, member.login, fmt::format("duty: SQL {}, balance {}", member.duty, balance.duty));
      }
      if (balance.duty && !member.dispensed && (!member.joined || member.joined->year() < year)
          && member.exempt != balance.exempt) {
        problem(year,
                member.login,
                fmt::format("exempt: SQL {}, balance {}", member.exempt, balance.exempt));
      }
      if (line != lines.end()) {
        const auto& l = line->second;
        seen.short_years += l.status == cpd::ReportLine::Status::short_of_quota ? 1 : 0;
        const auto status = balance.exempt      ? cpd::ReportLine::Status::exempt
                            : balance.compliant ? cpd::ReportLine::Status::compliant
                                                : cpd::ReportLine::Status::short_of_quota;
        if (l.total != balance.total || l.quota != balance.quota || l.remaining != balance.remaining
            || l.status != status) {
          problem(year,
                  member.login,
                  fmt::format("report {} total {} quota {} remaining {}; balance {} total {} quota "
                              "{} remaining {}",
                              cpd::to_string(l.status),
                              l.total.to_string(),
                              l.quota.to_string(),
                              l.remaining.to_string(),
                              cpd::to_string(status),
                              balance.total.to_string(),
                              balance.quota.to_string(),
                              balance.remaining.to_string()));
        }
      }
    }
  }

  // Claims in the grace period, the close, then their late approval; the
  // carries (SQL for a year of one quota, else by member) against
  // carry_out(), and cpd check's replay of every carry.
  void
  close(int year, Seen& seen)
  {
    m_today = Date(year + 1, 1, 10);
    std::vector<std::int64_t> late;
    for (std::int64_t id = 3; id < 3 + k_members; ++id) {
      if (!chance(10)) {
        continue;
      }
      try {
        cpd::ClaimRequest request;
        request.activity = "iims-training-day";
        request.date = Date(year, pick(1, 12), pick(1, 28));
        request.duplicates = cpd::ClaimRequest::Duplicates::allow;
        late.push_back(
          cpd::submit_claim(m_db, at(fmt::format("m{:02}", id - 3), m_today), request).id);
      } catch (const cpd::Error&) {
        // No duty, deactivated or not yet a member: refused, as it should be.
      }
    }
    cpd::rollover(m_db, at("sec", m_today), cpd::DryRun::no);
    check_carries(year, seen);
    if (!late.empty()) {
      cpd::approve_claims(m_db, at("sue", m_today), late, "late");
      seen.late += static_cast<int>(late.size());
      check_carries(year, seen);
    }
    for (const auto& wrong : cpd::verify_ledger(m_db)) {
      problem(year, "check", wrong);
    }
  }

  void
  check_carries(int year, Seen& seen)
  {
    const auto rules = cpd::rules_of_year(m_db, year);
    const auto start = cpd::load_scheme(m_db).start;
    for (const auto& member : sql_members(m_db, year)) {
      std::map<std::string, Points> carried;
      cpd::Statement entries(m_db,
                             "SELECT coalesce(category, ''), sum(points) FROM entry"
                             " WHERE member_id = ? AND year = ? AND kind = 'carry' GROUP BY 1");
      entries.bind_all(member.id, year + 1);
      while (entries.step()) {
        carried[entries.text(0)] = Points::from_tenths(entries.integer(1));
      }
      const auto account =
        cpd::load_account(m_db, member.id, std::max(1, year - rules.cycle_years + 1), year);
      const auto due = cpd::carry_out(account, rules, year, start).carried;
      seen.carries += nonzero(carried).empty() ? 0 : 1;
      if (nonzero(carried) != nonzero(due)) {
        problem(year,
                member.login,
                fmt::format("carried {}, carry_out {}", describe(carried), describe(due)));
      }
    }
  }

  testutil::TempDir m_dir;
  std::mt19937_64 m_random;
  cpd::Database m_db;
  Date m_today{2016, 12, 1};
  int m_kind = 0;
  bool m_joiners = false;
  bool m_dispensations = false;
  std::vector<std::string> m_problems;
};

} // namespace

TEST_CASE("standing: the SQL form and judge() agree on every member-year of random histories")
{
  Seen seen;
  for (std::uint64_t seed = 1; seed <= k_histories; ++seed) {
    INFO("history seed " << seed << " (of k_histories in test_standing.cpp)");
    History history(seed);
    const auto problems = history.run(seen);
    std::string text;
    for (std::size_t i = 0; i < problems.size() && i < 10; ++i) {
      text += "\n  " + problems[i];
    }
    CHECK_MESSAGE(problems.empty(), problems.size() << " disagreements:" << text);
  }
  MESSAGE(seen.member_years << " member-years judged: " << seen.by_sql << " by SQL, " << seen.exempt
                            << " exempt, " << seen.no_duty << " without a duty, "
                            << seen.short_years << " short, " << seen.categories
                            << " under categories or a cycle; " << seen.carries
                            << " carries checked, " << seen.late << " late approvals");
  CHECK(seen.member_years >= 10000);
  // Every case was tried, and by both paths.
  CHECK(seen.by_sql > 1000);
  CHECK(seen.member_years - seen.by_sql > 1000);
  CHECK(seen.exempt > 100);
  CHECK(seen.no_duty > 100);
  CHECK(seen.late > 100);
  CHECK(seen.carries > 1000);
}
