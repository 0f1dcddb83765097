#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/store/backup.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/names.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/events.hpp>
#include <cpd/year/statement.hpp>
#include <cpd/year/yearend.hpp>

#include <algorithm>
#include <map>

namespace cpd {

const std::string&
close_accounts_sql()
{
  static const std::string sql =
    "INSERT INTO year_account(year, member_id, name, total, carried, status)"
    // Every member with points in the year, through the year's entries...
    " SELECT ?1, m.id, m.name, t.total, "
    + carry_sql("t.total", "?2", "?3") + ", CASE WHEN NOT " + duty_sql("m", "?4")
    + " THEN NULL ELSE " + plain_status_sql("m.id", "?1", "t.total", "?2")
    + " END"
      " FROM (SELECT member_id, sum(points) AS total FROM entry WHERE year = ?1"
      "   GROUP BY member_id) t CROSS JOIN member m ON m.id = t.member_id"
      // ... and every member of the year with none.
      " UNION ALL SELECT ?1, m.id, m.name, 0, 0, "
    + plain_status_sql("m.id", "?1", "0", "?2") + " FROM member m WHERE " + duty_sql("m", "?4")
    + " AND NOT EXISTS (SELECT 1 FROM entry e WHERE e.year = ?1 AND e.member_id = m.id)";
  return sql;
}

const char* const k_carry_sql =
  "INSERT INTO entry(member_id, year, kind, points, actor_id, at, reason)"
  " SELECT member_id, ?1 + 1, 'carry', carried, ?2, ?3, 'carried from ' || ?1"
  " FROM year_account WHERE year = ?1 AND carried > 0";

const std::string&
year_accounts_sql()
{
  static const std::string sql =
    "SELECT m.id AS id, m.login AS login, m.name AS name, m.email AS email,"
    " coalesce(t.earned, 0) AS earned, coalesce(t.carried, 0) AS carried_in,"
    " (SELECT coalesce(sum(c.points), 0) FROM claim c"
    "   WHERE c.member_id = m.id AND c.year = ?1 AND c.status = 'pending') AS pending, "
    + plain_status_sql("m.id", "?1", "coalesce(t.earned, 0) + coalesce(t.carried, 0)", "?3")
    + " AS status"
      " FROM member m LEFT JOIN ("
      "   SELECT member_id,"
      "     sum(CASE WHEN kind != 'carry' THEN points ELSE 0 END) AS earned,"
      "     sum(CASE WHEN kind = 'carry' THEN points ELSE 0 END) AS carried"
      "   FROM entry WHERE year = ?1 GROUP BY member_id) t ON t.member_id = m.id"
      " WHERE "
    + duty_sql("m", "?2");
  return sql;
}

namespace {

constexpr Names<ReportLine::Status, 3> k_status_names{
  {{ReportLine::Status::compliant, "compliant"},
   {ReportLine::Status::short_of_quota, "short"},
   {ReportLine::Status::exempt, "exempt"}}};

std::int64_t
last_entry_id(Database& db)
{
  Statement last(db, "SELECT coalesce(max(id), 0) FROM entry");
  last.step();
  return last.integer(0);
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
    line.member = std::move(member.member.login);
    line.name = std::move(member.member.name);
    line.email = std::move(member.member.email);
    line.earned = member.judgement.earned;
    line.carried_in = member.judgement.carried_in;
    line.total = member.judgement.total;
    line.remaining = member.judgement.remaining;
    line.pending = member.pending;
    line.quota = member.judgement.quota;
    if (member.judgement.exempt) {
      line.status = ReportLine::Status::exempt;
    } else if (member.judgement.compliant) {
      line.status = ReportLine::Status::compliant;
    } else {
      line.status = ReportLine::Status::short_of_quota;
    }
    line.joined = member.member.joined;
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

// The counts of a year closed by one statement, from the accounts it has
// just written: those with a status are each sent a statement.
void
count_accounts(Database& db, YearClose& close)
{
  Statement counts(db,
                   "SELECT count(*), coalesce(sum(status = 'compliant'), 0),"
                   " coalesce(sum(status = 'short'), 0), coalesce(sum(status = 'exempt'), 0)"
                   " FROM year_account WHERE year = ? AND status IS NOT NULL");
  counts.bind(1, close.year);
  counts.step();
  close.members = static_cast<int>(counts.integer(0));
  close.compliant = static_cast<int>(counts.integer(1));
  close.short_of_quota = static_cast<int>(counts.integer(2));
  close.exempt = static_cast<int>(counts.integer(3));
  counts.reset();
}

// Each member's carry out of `year` by the rules, one entry per category
// carried: for rules the carry statement cannot follow.
void
carry_by_member(Database& db,
                const Rules& rules,
                int year,
                Date start,
                std::optional<std::int64_t> actor_id,
                std::int64_t at)
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
    for (const auto& [category, points] : out.carried) {
      carry.reset();
      carry.bind_all(member_id, year + 1, points.tenths(), actor_id, at, reason, category).run();
    }
  }
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
  const auto rules = current_rules(db);
  YearClose result;
  result.year = year;
  result.quota = rules.quota;
  result.carry_cap = rules.carry_cap;
  result.entries_before = last_entry_id(db);

  const bool one_statement = one_statement_year(db, rules, year, scheme.start);
  result.by_member = !one_statement;
  if (one_statement) {
    // One statement for every member's account and the carry rule, one
    // for the carries.
    Statement(db, close_accounts_sql())
      .bind_all(year, rules.quota.tenths(), rules.carry_cap.tenths(), year_start_instant(year + 1))
      .run();
    Statement(db, k_carry_sql).bind_all(year, actor_id, at).run();
  } else {
    carry_by_member(db, rules, year, scheme.start, actor_id, at);
  }
  Statement carried(
    db,
    "SELECT count(DISTINCT member_id), coalesce(sum(points), 0), coalesce(max(id), ?1)"
    " FROM entry WHERE id > ?1");
  carried.bind(1, result.entries_before);
  carried.step();
  result.carried_members = static_cast<int>(carried.integer(0));
  result.carried = Points::from_tenths(carried.integer(1));
  result.last_entry = carried.integer(2);
  carried.reset();
  Statement(db,
            "INSERT INTO year_close(year, quota, carry_cap, rules, actor_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)")
    .bind_all(
      year, rules.quota.tenths(), rules.carry_cap.tenths(), encode_rules(rules), actor_id, at)
    .run();
  if (one_statement) {
    count_accounts(db, result);
    db.record(context, YearClosed{result});
  } else {
    const auto lines = report_lines(db, year, rules);
    result.members = static_cast<int>(lines.size());
    count_statuses(result, lines);
    db.record(context, YearClosed{result, &lines});
  }
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
  return value_named(k_status_names, text).value_or(ReportLine::Status::short_of_quota);
}

} // namespace

bool
one_statement_year(Database& db, const Rules& rules, int year, Date start)
{
  if (rules.cycle_years != 1 || rules.year_minimum > Points() || !rules.minimums.empty()
      || !rules.maximums.empty() || !rules.carry_categories.empty() || start > Date(year, 1, 1)
      || joined_since(db, year)) {
    return false;
  }
  Statement dispensed(db,
                      "SELECT EXISTS (SELECT 1 FROM dispensation_period WHERE lifted_at IS NULL"
                      " AND from_date <= ?2 AND (until_date IS NULL OR until_date >= ?1))");
  dispensed.bind_all(Date(year, 1, 1).to_string(), year_end(year).to_string());
  dispensed.step();
  return dispensed.integer(0) == 0;
}

std::int64_t
year_start_instant(int year)
{
  return Date(year, 1, 1).days() * 86400;
}

std::vector<YearClose>
rollover(Database& db,
         const SecretaryOrSystem& context,
         DryRun dry_run,
         std::optional<BackupResult>* backup,
         const OnYearClosed& on_closed)
{
  std::vector<YearClose> closed;
  if (dry_run == DryRun::yes) {
    // Close every year as for real, then roll it all back: later years see
    // the carries of earlier ones.
    Transaction transaction(db, Transaction::Kind::write);
    const auto actor = context.secretary_id;
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
      const auto actor = context.secretary_id;
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
  if (close.by_member) {
    // Every member with a surplus over their requirement, as the year's
    // rules judge it: some carry nothing (a first year, a category that
    // does not carry), and a carry by category is several entries.
    const auto rules = rules_of_year(db, close.year);
    const auto start = load_scheme(db).start;
    const auto accounts = load_accounts(db, close.year, close.year);
    std::map<std::string, const Account*> by_login;
    for (const auto& [member_id, account] : accounts) {
      by_login[account.login] = &account.account;
    }
    for (const auto& [login, account] : by_login) {
      const auto out = carry_out(*account, rules, close.year, start);
      if (out.surplus > Points()) {
        each(Carry{login, year_total(*account, close.year), out.total()});
      }
    }
    return;
  }
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
  return name_of(k_status_names, status);
}

Report
compliance_report(Database& db,
                  const Secretary& /*context*/,
                  int year,
                  const std::function<void(const Report&)>& on_report,
                  const std::function<void(const ReportLine&)>& on_line)
{
  Transaction transaction(db, Transaction::Kind::read);
  Report report;
  report.year = year;
  report.closed = year_closed(db, year);
  report.rules = rules_of_year(db, year);
  report.quota = report.rules.quota;
  if (!one_statement_year(db, report.rules, year, load_scheme(db).start)) {
    // Rules one statement cannot follow: every member judged, then told.
    auto judged = report_lines(db, year, report.rules);
    std::sort(judged.begin(), judged.end(), [](const auto& a, const auto& b) {
      if (a.status != b.status) {
        return a.status < b.status;
      }
      if (a.remaining != b.remaining) {
        return a.remaining > b.remaining;
      }
      return a.member < b.member;
    });
    report.members = static_cast<int>(judged.size());
    count_statuses(report, judged);
    for (const auto& line : judged) {
      report.total += line.total;
    }
    if (on_report) {
      on_report(report);
    }
    if (on_line) {
      for (const auto& line : judged) {
        on_line(line);
      }
    }
    return report;
  }
  Statement counts(db,
                   fmt::format("SELECT count(*), coalesce(sum(status = 'compliant'), 0),"
                               " coalesce(sum(status = 'short'), 0),"
                               " coalesce(sum(status = 'exempt'), 0),"
                               " coalesce(sum(earned + carried_in), 0) FROM ({})",
                               year_accounts_sql()));
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
                              " CASE status WHEN 'exempt' THEN 0 ELSE {} END DESC, login",
                              year_accounts_sql(),
                              remaining_sql("earned + carried_in", "?3")));
  lines.bind_all(year, year_start_instant(year + 1), report.quota.tenths());
  while (lines.step()) {
    ReportLine line;
    line.member = lines.text(0);
    line.name = lines.text(1);
    line.email = lines.text(2);
    line.earned = Points::from_tenths(lines.integer(3));
    line.carried_in = Points::from_tenths(lines.integer(4));
    line.total = line.earned + line.carried_in;
    line.pending = Points::from_tenths(lines.integer(5));
    line.status = parse_status(lines.text(6));
    // An exempt member owes nothing: as their balance says, nothing is
    // required and nothing remains.
    line.quota = line.status == ReportLine::Status::exempt ? Points() : report.quota;
    line.judgement = judge_one_quota(year, line.quota, line.earned, line.carried_in);
    line.judgement.exempt = line.status == ReportLine::Status::exempt;
    line.remaining = line.judgement.remaining;
    on_line(line);
  }
  return report;
}

} // namespace cpd
