#include <cpd/backup.hpp>
#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/rules.hpp>
#include <cpd/settings.hpp>
#include <cpd/statement.hpp>
#include <cpd/text.hpp>
#include <cpd/yearend.hpp>

#include <algorithm>
#include <map>

namespace cpd {

const char* const k_carry_sql =
  "INSERT INTO entry(member_id, year, kind, points, actor_id, at, reason)"
  " SELECT member_id, ?1 + 1, 'carry', min(?3, total - ?2), ?4, ?5,"
  "   'carried from ' || ?1"
  " FROM (SELECT member_id, sum(points) AS total FROM entry"
  "       WHERE year = ?1 GROUP BY member_id)"
  " WHERE total > ?2 AND ?3 > 0";

namespace {

// The ledger's actor for a secretary's act; none when the system acts.
std::optional<std::int64_t>
actor_id(const std::optional<Member>& secretary)
{
  return secretary ? std::optional(secretary->id) : std::nullopt;
}

Points
year_total(const Account& account, int year)
{
  Points total;
  for (const auto* by_year : {&account.earned, &account.carried}) {
    if (const auto found = by_year->find(year); found != by_year->end()) {
      for (const auto& [category, points] : found->second) {
        total += points;
      }
    }
  }
  return total;
}

// Every member of the year judged by its rules, as lines of a report.
std::vector<ReportLine>
report_lines(Database& db, int year, const Rules& rules)
{
  std::vector<ReportLine> lines;
  for (auto& member : judge_members(db, year, rules)) {
    ReportLine line;
    line.member = std::move(member.login);
    line.name = std::move(member.name);
    line.email = std::move(member.email);
    line.earned = member.judgement.earned;
    line.carried_in = member.judgement.carried_in;
    line.total = member.judgement.total;
    line.remaining = member.judgement.remaining;
    line.pending = member.pending;
    line.quota = member.judgement.quota;
    if (member.judgement.exempt) {
      line.status = ReportLine::Status::exempt;
      // What a member owes without the dispensation, as the report has
      // always shown it.
      line.remaining = max(Points(), member.judgement.full_quota - line.total);
    } else if (member.judgement.compliant) {
      line.status = ReportLine::Status::compliant;
    } else {
      line.status = ReportLine::Status::short_of_quota;
    }
    line.joined = member.joined;
    line.judgement = std::move(member.judgement);
    lines.push_back(std::move(line));
  }
  return lines;
}

template<typename Summary>
void
count_statuses(Summary& summary, const std::vector<ReportLine>& lines)
{
  for (const auto& line : lines) {
    switch (line.status) {
    case ReportLine::Status::compliant:
      ++summary.compliant;
      break;
    case ReportLine::Status::short_of_quota:
      ++summary.short_of_quota;
      break;
    case ReportLine::Status::exempt:
      ++summary.exempt;
      break;
    }
  }
}

// Each member's carry out of `year` by the rules, one entry per category
// carried: for rules the carry statement cannot follow.
void
carry_by_member(Database& db,
                const Rules& rules,
                int year,
                Date start,
                std::optional<std::int64_t> actor_id,
                std::int64_t at,
                YearClose& result)
{
  // Every member with an account that year, whatever their membership now;
  // by login.
  std::map<std::string, std::pair<std::int64_t, const Account*>> by_login;
  const auto accounts = load_accounts(db, year, year);
  for (const auto& [member_id, account] : accounts) {
    by_login[account.login] = {member_id, &account.account};
  }
  Statement carry(db,
                  "INSERT INTO entry(member_id, year, kind, points, actor_id, at, reason, category)"
                  " VALUES (?, ?, 'carry', ?, ?, ?, ?, NULLIF(?, ''))");
  const auto reason = fmt::format("carried from {}", year);
  for (const auto& [login, member] : by_login) {
    const auto& [member_id, account] = member;
    const auto out = carry_out(*account, rules, year, start);
    if (out.surplus <= Points()) {
      continue;
    }
    result.carries.push_back({login, year_total(*account, year), out.total()});
    for (const auto& [category, points] : out.carried) {
      carry.reset();
      carry.bind_all(member_id, year + 1, points.tenths(), actor_id, at, reason, category).run();
    }
  }
}

// Closes one year inside the caller's transaction.
YearClose
close_year(
  Database& db, const Context& context, int year, const Scheme& scheme, std::optional<std::int64_t> actor_id)
{
  const auto at = context.now;
  const auto rules = current_rules(db);
  YearClose result;
  result.year = year;
  result.quota = rules.quota;
  result.carry_cap = rules.carry_cap;

  if (plain_carry(rules) && !joined_since(db, year)) {
    Statement carries(db,
                      "SELECT m.login, t.total FROM ("
                      "  SELECT member_id, sum(points) AS total FROM entry"
                      "  WHERE year = ?1 GROUP BY member_id) t"
                      " JOIN member m ON m.id = t.member_id"
                      " WHERE t.total > ?2 ORDER BY m.login");
    carries.bind_all(year, rules.quota.tenths());
    while (carries.step()) {
      const auto total = Points::from_tenths(carries.integer(1));
      result.carries.push_back({carries.text(0), total, min(rules.carry_cap, total - rules.quota)});
    }
    // One statement for every member: the carry rule in SQL.
    Statement(db, k_carry_sql)
      .bind_all(year, rules.quota.tenths(), rules.carry_cap.tenths(), actor_id, at)
      .run();
  } else {
    carry_by_member(db, rules, year, scheme.start, actor_id, at, result);
  }
  const auto lines = report_lines(db, year, rules);
  result.members = static_cast<int>(lines.size());
  count_statuses(result, lines);

  Statement(db,
            "INSERT INTO year_close(year, quota, carry_cap, rules, actor_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)")
    .bind_all(year, rules.quota.tenths(), rules.carry_cap.tenths(), encode_rules(rules), actor_id, at)
    .run();
  notice_year_closed(db, context, result, lines);
  return result;
}

// The years rollover would close, oldest first.
std::vector<int>
open_years(Database& db, const Scheme& scheme, int current_year)
{
  Statement first(db, "SELECT min(year) FROM claim");
  first.step();
  int from = scheme.start.year();
  if (!first.is_null(0)) {
    from = std::min(from, static_cast<int>(first.integer(0)));
  }
  std::vector<int> years;
  for (int year = from; year < current_year; ++year) {
    if (!year_closed(db, year)) {
      years.push_back(year);
    }
  }
  return years;
}

} // namespace

std::vector<YearClose>
rollover(Database& db, const Context& context, DryRun dry_run, std::optional<BackupResult>* backup)
{
  std::vector<YearClose> closed;
  if (dry_run == DryRun::yes) {
    // Close every year as for real, then roll it all back: later years see
    // the carries of earlier ones.
    Transaction transaction(db, Transaction::Kind::write);
    const auto actor = actor_id(require_secretary_or_system(db, context));
    const auto scheme = load_scheme(db);
    for (const int year : open_years(db, scheme, context.today.year())) {
      closed.push_back(close_year(db, context, year, scheme, actor));
    }
    return closed;
  }
  std::vector<int> years;
  {
    Transaction transaction(db, Transaction::Kind::read);
    require_secretary_or_system(db, context);
    years = open_years(db, load_scheme(db), context.today.year());
  }
  if (!years.empty()) {
    // Before anything changes, while no transaction is open.
    auto copy = backup_if_configured(db, context);
    if (backup != nullptr) {
      *backup = std::move(copy);
    }
  }
  for (const int year : years) {
    // One transaction per year: an interrupted run leaves whole years.
    Transaction transaction(db, Transaction::Kind::write);
    const auto actor = actor_id(require_secretary_or_system(db, context));
    if (year_closed(db, year)) {
      continue; // closed by a concurrent run
    }
    closed.push_back(close_year(db, context, year, load_scheme(db), actor));
    transaction.commit();
  }
  return closed;
}

std::string_view
to_string(ReportLine::Status status)
{
  switch (status) {
  case ReportLine::Status::compliant:
    return "compliant";
  case ReportLine::Status::short_of_quota:
    return "short";
  case ReportLine::Status::exempt:
    return "exempt";
  }
  return "short";
}

Report
compliance_report(Database& db, const Context& context, int year)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_secretary(db, context);
  Report report;
  report.year = year;
  report.closed = year_closed(db, year);
  report.rules = rules_of_year(db, year);
  report.quota = report.rules.quota;
  report.lines = report_lines(db, year, report.rules);
  std::sort(report.lines.begin(), report.lines.end(), [](const auto& a, const auto& b) {
    if (a.status != b.status) {
      return a.status < b.status;
    }
    if (a.remaining != b.remaining) {
      return a.remaining > b.remaining;
    }
    return a.member < b.member;
  });
  count_statuses(report, report.lines);
  for (const auto& line : report.lines) {
    report.total += line.total;
  }
  return report;
}

} // namespace cpd
