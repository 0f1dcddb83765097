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

const char* const k_year_accounts_sql =
  "SELECT m.id AS id, m.login AS login, m.name AS name, m.email AS email,"
  " coalesce(t.earned, 0) AS earned, coalesce(t.carried, 0) AS carried_in,"
  " (SELECT coalesce(sum(c.points), 0) FROM claim c"
  "   WHERE c.member_id = m.id AND c.year = ?1 AND c.status = 'pending') AS pending,"
  " CASE WHEN EXISTS (SELECT 1 FROM exemption x WHERE x.member_id = m.id"
  "     AND x.year <= ?1 AND coalesce(x.until_year, ?1) >= ?1 AND x.lifted_at IS NULL)"
  "   THEN 'exempt'"
  "   WHEN coalesce(t.earned, 0) + coalesce(t.carried, 0) >= ?3 THEN 'compliant'"
  "   ELSE 'short' END AS status"
  " FROM member m LEFT JOIN ("
  "   SELECT member_id,"
  "     sum(CASE WHEN kind != 'carry' THEN points ELSE 0 END) AS earned,"
  "     sum(CASE WHEN kind = 'carry' THEN points ELSE 0 END) AS carried"
  "   FROM entry WHERE year = ?1 GROUP BY member_id) t ON t.member_id = m.id"
  " WHERE m.active = 1 AND m.cpd_duty = 1 AND m.created_at < ?2";

namespace {

// The ledger's actor for a secretary's act; none when the system acts.
std::optional<std::int64_t>
actor_id(const std::optional<Member>& secretary)
{
  return secretary ? std::optional(secretary->id) : std::nullopt;
}

std::int64_t
last_entry_id(Database& db)
{
  Statement last(db, "SELECT coalesce(max(id), 0) FROM entry");
  last.step();
  return last.integer(0);
}

// Closes one year inside the caller's transaction.
YearClose
close_year(Database& db,
           const Context& context,
           int year,
           const Scheme& scheme,
           std::optional<std::int64_t> actor_id)
{
  const auto at = context.now;
  YearClose result;
  result.year = year;
  result.quota = scheme.quota;
  result.carry_cap = scheme.carry_cap;
  result.entries_before = last_entry_id(db);

  // One statement for every member: the carry rule in SQL.
  Statement(db, k_carry_sql)
    .bind_all(year, scheme.quota.tenths(), scheme.carry_cap.tenths(), actor_id, at)
    .run();
  Statement carried(db,
                    "SELECT count(*), coalesce(sum(points), 0), coalesce(max(id), ?1)"
                    " FROM entry WHERE id > ?1");
  carried.bind(1, result.entries_before);
  carried.step();
  result.carried_members = static_cast<int>(carried.integer(0));
  result.carried = Points::from_tenths(carried.integer(1));
  result.last_entry = carried.integer(2);
  carried.reset();
  Statement(db,
            "INSERT INTO year_close(year, quota, carry_cap, actor_id, at)"
            " VALUES (?, ?, ?, ?, ?)")
    .bind_all(year, scheme.quota.tenths(), scheme.carry_cap.tenths(), actor_id, at)
    .run();
  notice_year_closed(db, context, result);
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

ReportLine::Status
parse_status(std::string_view text)
{
  if (text == "exempt") {
    return ReportLine::Status::exempt;
  }
  return text == "compliant" ? ReportLine::Status::compliant : ReportLine::Status::short_of_quota;
}

} // namespace

std::int64_t
year_start_instant(int year)
{
  return Date(year, 1, 1).days() * 86400;
}

std::vector<YearClose>
rollover(Database& db,
         const Context& context,
         DryRun dry_run,
         std::optional<BackupResult>* backup,
         const OnYearClosed& on_closed)
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
      if (on_closed) {
        on_closed(closed.back());
      }
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
    {
      // One transaction per year: an interrupted run leaves whole years.
      Transaction transaction(db, Transaction::Kind::write);
      const auto actor = actor_id(require_secretary_or_system(db, context));
      if (year_closed(db, year)) {
        continue; // closed by a concurrent run
      }
      closed.push_back(close_year(db, context, year, load_scheme(db), actor));
      transaction.commit();
    }
    // Told after the commit, so that whatever it prints holds no lock.
    if (on_closed) {
      Transaction transaction(db, Transaction::Kind::read);
      on_closed(closed.back());
    }
  }
  return closed;
}

void
for_each_carry(Database& db, const YearClose& close, const std::function<void(const Carry&)>& each)
{
  Statement carries(db,
                    "SELECT m.login, e.points, (SELECT sum(t.points) FROM entry t"
                    "   WHERE t.year = ?3 AND t.member_id = e.member_id)"
                    " FROM entry e JOIN member m ON m.id = e.member_id"
                    " WHERE e.id > ?1 AND e.id <= ?2 ORDER BY m.login");
  carries.bind_all(close.entries_before, close.last_entry, close.year);
  while (carries.step()) {
    each(Carry{carries.text(0),
               Points::from_tenths(carries.integer(2)),
               Points::from_tenths(carries.integer(1))});
  }
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
compliance_report(Database& db,
                  const Context& context,
                  int year,
                  const std::function<void(const Report&)>& on_report,
                  const std::function<void(const ReportLine&)>& on_line)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_secretary(db, context);
  Statement closed(db, "SELECT quota FROM year_close WHERE year = ?");
  closed.bind(1, year);
  Report report;
  report.year = year;
  report.closed = closed.step();
  report.quota = report.closed ? Points::from_tenths(closed.integer(0)) : load_scheme(db).quota;
  closed.reset();
  Statement counts(db,
                   fmt::format("SELECT count(*), coalesce(sum(status = 'compliant'), 0),"
                               " coalesce(sum(status = 'short'), 0),"
                               " coalesce(sum(status = 'exempt'), 0),"
                               " coalesce(sum(earned + carried_in), 0) FROM ({})",
                               k_year_accounts_sql));
  counts.bind_all(year, year_start_instant(year + 1), report.quota.tenths());
  counts.step();
  report.members = static_cast<int>(counts.integer(0));
  report.compliant = static_cast<int>(counts.integer(1));
  report.short_of_quota = static_cast<int>(counts.integer(2));
  report.exempt = static_cast<int>(counts.integer(3));
  report.total = Points::from_tenths(counts.integer(4));
  counts.reset();
  if (on_report) {
    on_report(report);
  }
  if (!on_line) {
    return report;
  }
  Statement lines(db,
                  fmt::format("SELECT login, name, email, earned, carried_in, pending, status"
                              " FROM ({}) ORDER BY"
                              " CASE status WHEN 'short' THEN 0 WHEN 'compliant' THEN 1 ELSE 2 END,"
                              " max(0, ?3 - earned - carried_in) DESC, login",
                              k_year_accounts_sql));
  lines.bind_all(year, year_start_instant(year + 1), report.quota.tenths());
  while (lines.step()) {
    ReportLine line;
    line.member = lines.text(0);
    line.name = lines.text(1);
    line.email = lines.text(2);
    line.earned = Points::from_tenths(lines.integer(3));
    line.carried_in = Points::from_tenths(lines.integer(4));
    line.total = line.earned + line.carried_in;
    line.remaining = max(Points(), report.quota - line.total);
    line.pending = Points::from_tenths(lines.integer(5));
    line.status = parse_status(lines.text(6));
    on_line(line);
  }
  return report;
}

} // namespace cpd
