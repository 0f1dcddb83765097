#include <cpd/backup.hpp>
#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/settings.hpp>
#include <cpd/statement.hpp>
#include <cpd/text.hpp>
#include <cpd/yearend.hpp>

#include <algorithm>

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

// Seconds since 1970 at the start of a year, to tell who was a member then.
std::int64_t
year_start_instant(int year)
{
  return Date(year, 1, 1).days() * 86400;
}

// Every member active now who had joined by the end of `year`, with the
// year's account: one query for all of them.
std::vector<ReportLine>
report_lines(Database& db, int year, Points quota)
{
  Statement query(db,
                  "SELECT m.login, m.name, m.email,"
                  " coalesce(t.earned, 0), coalesce(t.carried, 0),"
                  " (SELECT coalesce(sum(c.points), 0) FROM claim c"
                  "   WHERE c.member_id = m.id AND c.year = ?1 AND c.status = 'pending'),"
                  " EXISTS (SELECT 1 FROM exemption x WHERE x.member_id = m.id"
                  "   AND x.year <= ?1 AND coalesce(x.until_year, ?1) >= ?1"
                  "   AND x.lifted_at IS NULL)"
                  " FROM member m LEFT JOIN ("
                  "   SELECT member_id,"
                  "     sum(CASE WHEN kind != 'carry' THEN points ELSE 0 END) AS earned,"
                  "     sum(CASE WHEN kind = 'carry' THEN points ELSE 0 END) AS carried"
                  "   FROM entry WHERE year = ?1 GROUP BY member_id) t ON t.member_id = m.id"
                  " WHERE m.active = 1 AND m.cpd_duty = 1 AND m.created_at < ?2");
  query.bind_all(year, year_start_instant(year + 1));
  std::vector<ReportLine> lines;
  while (query.step()) {
    ReportLine line;
    line.member = query.text(0);
    line.name = query.text(1);
    line.email = query.text(2);
    line.earned = Points::from_tenths(query.integer(3));
    line.carried_in = Points::from_tenths(query.integer(4));
    line.total = line.earned + line.carried_in;
    line.remaining = max(Points(), quota - line.total);
    line.pending = Points::from_tenths(query.integer(5));
    if (query.integer(6) != 0) {
      line.status = ReportLine::Status::exempt;
    } else if (line.total >= quota) {
      line.status = ReportLine::Status::compliant;
    } else {
      line.status = ReportLine::Status::short_of_quota;
    }
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

// Closes one year inside the caller's transaction.
YearClose
close_year(
  Database& db, const Context& context, int year, const Scheme& scheme, std::optional<std::int64_t> actor_id)
{
  const auto at = context.now;
  YearClose result;
  result.year = year;
  result.quota = scheme.quota;
  result.carry_cap = scheme.carry_cap;

  Statement carries(db,
                    "SELECT m.login, t.total FROM ("
                    "  SELECT member_id, sum(points) AS total FROM entry"
                    "  WHERE year = ?1 GROUP BY member_id) t"
                    " JOIN member m ON m.id = t.member_id"
                    " WHERE t.total > ?2 ORDER BY m.login");
  carries.bind_all(year, scheme.quota.tenths());
  while (carries.step()) {
    const auto total = Points::from_tenths(carries.integer(1));
    result.carries.push_back({carries.text(0), total, min(scheme.carry_cap, total - scheme.quota)});
  }
  const auto lines = report_lines(db, year, scheme.quota);
  result.members = static_cast<int>(lines.size());
  count_statuses(result, lines);

  // One statement for every member: the carry rule in SQL.
  Statement(db, k_carry_sql)
    .bind_all(year, scheme.quota.tenths(), scheme.carry_cap.tenths(), actor_id, at)
    .run();
  Statement(db,
            "INSERT INTO year_close(year, quota, carry_cap, actor_id, at)"
            " VALUES (?, ?, ?, ?, ?)")
    .bind_all(year, scheme.quota.tenths(), scheme.carry_cap.tenths(), actor_id, at)
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
  Statement closed(db, "SELECT quota FROM year_close WHERE year = ?");
  closed.bind(1, year);
  Report report;
  report.year = year;
  report.closed = closed.step();
  report.quota = report.closed ? Points::from_tenths(closed.integer(0)) : load_scheme(db).quota;
  report.lines = report_lines(db, year, report.quota);
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
