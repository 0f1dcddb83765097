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
#include <limits>
#include <map>
#include <set>

namespace cpd {

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

  // Every member with an account that year, whatever their membership now,
  // carries by the rules; by login.
  std::map<std::string, const Account*> by_login;
  const auto accounts = load_accounts(db, year, year);
  for (const auto& [member_id, account] : accounts) {
    by_login[account.login] = &account.account;
  }
  std::map<std::string, std::int64_t> ids;
  for (const auto& [member_id, account] : accounts) {
    ids[account.login] = member_id;
  }
  Statement carry(db,
                  "INSERT INTO entry(member_id, year, kind, points, actor_id, at, reason, category)"
                  " VALUES (?, ?, 'carry', ?, ?, ?, ?, NULLIF(?, ''))");
  const auto reason = fmt::format("carried from {}", year);
  for (const auto& [login, account] : by_login) {
    const auto out = carry_out(*account, rules, year, scheme.start);
    if (out.surplus <= Points()) {
      continue;
    }
    result.carries.push_back({login, year_total(*account, year), out.total()});
    for (const auto& [category, points] : out.carried) {
      carry.reset();
      carry.bind_all(ids[login], year + 1, points.tenths(), actor_id, at, reason, category).run();
    }
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

std::vector<std::string>
verify_ledger(Database& db)
{
  std::vector<std::string> problems;

  Statement integrity(db, "PRAGMA integrity_check");
  while (integrity.step()) {
    if (integrity.text(0) != "ok") {
      problems.push_back("integrity: " + integrity.text(0));
    }
  }
  Statement keys(db, "PRAGMA foreign_key_check");
  while (keys.step()) {
    problems.push_back(fmt::format("foreign key: {} row {} refers to a missing {}",
                                   keys.text(0),
                                   keys.integer(1),
                                   keys.text(2)));
  }

  // Each claim's entries follow from its status.
  Statement claims(db,
                   "SELECT c.id, c.status, c.points,"
                   " coalesce(sum(CASE WHEN e.kind = 'award' THEN e.points END), 0),"
                   " coalesce(sum(CASE WHEN e.kind = 'revocation' THEN e.points END), 0),"
                   " coalesce(sum(e.kind NOT IN ('award', 'revocation')), 0),"
                   " coalesce(sum(e.year != c.year OR e.member_id != c.member_id), 0),"
                   " c.year = CAST(substr(c.activity_date, 1, 4) AS INTEGER),"
                   " (SELECT status FROM claim_event v WHERE v.claim_id = c.id"
                   "  ORDER BY v.id DESC LIMIT 1)"
                   " FROM claim c LEFT JOIN entry e ON e.claim_id = c.id GROUP BY c.id");
  while (claims.step()) {
    const auto id = claims.integer(0);
    const auto status = claims.text(1);
    const auto points = claims.integer(2);
    const bool credited = status == "approved" || status == "revoked";
    const auto award = credited ? points : 0;
    const auto revocation = status == "revoked" ? -points : 0;
    if (claims.integer(3) != award || claims.integer(4) != revocation) {
      problems.push_back(fmt::format(
        "claim #{} is {} but its ledger entries are award {}, revocation {} (expected {}, {})",
        id,
        status,
        Points::from_tenths(claims.integer(3)).to_string(),
        Points::from_tenths(claims.integer(4)).to_string(),
        Points::from_tenths(award).to_string(),
        Points::from_tenths(revocation).to_string()));
    }
    if (claims.integer(5) != 0 || claims.integer(6) != 0) {
      problems.push_back(fmt::format("claim #{} has entries of another kind, year or member", id));
    }
    if (claims.integer(7) == 0) {
      problems.push_back(fmt::format("claim #{} is filed under the wrong year", id));
    }
    if (claims.optional_text(8) != status) {
      problems.push_back(fmt::format("claim #{} is {} but its last event says {}",
                                     id,
                                     status,
                                     claims.optional_text(8).value_or("nothing")));
    }
  }
  Statement orphans(db,
                    "SELECT id, kind FROM entry WHERE (kind IN ('award', 'revocation'))"
                    " != (claim_id IS NOT NULL)");
  while (orphans.step()) {
    problems.push_back(fmt::format(
      "ledger entry #{} ({}) does not match its claim link", orphans.integer(0), orphans.text(1)));
  }

  // Carries: replay every member's years through the rules of each close.
  std::map<int, Rules> closes;
  Statement years(db, "SELECT year FROM year_close ORDER BY year");
  while (years.step()) {
    const int year = static_cast<int>(years.integer(0));
    try {
      closes.emplace(year, rules_of_year(db, year));
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  const auto start = load_scheme(db).start;
  Statement span(db, "SELECT min(year), max(year) FROM entry");
  span.step();
  const auto first = span.optional_integer(0);
  const auto last = span.optional_integer(1);
  const auto accounts = first ? load_accounts(db, static_cast<int>(*first), static_cast<int>(*last))
                              : std::map<std::int64_t, MemberAccount>();
  for (const auto& [member_id, member] : accounts) {
    const auto& account = member.account;
    int from = std::numeric_limits<int>::max();
    int to = std::numeric_limits<int>::min();
    for (const auto* years_of : {&account.earned, &account.carried}) {
      if (!years_of->empty()) {
        from = std::min(from, years_of->begin()->first);
        to = std::max(to, years_of->rbegin()->first);
      }
    }
    for (int year = from; year <= to + 1; ++year) {
      std::map<std::string, Points> due;
      if (const auto close = closes.find(year - 1); close != closes.end()) {
        due = carry_out(account, close->second, year - 1, start).carried;
      }
      std::map<std::string, Points> carried;
      if (const auto found = account.carried.find(year); found != account.carried.end()) {
        carried = found->second;
      }
      std::set<std::string> categories;
      for (const auto* amounts : {&due, &carried}) {
        for (const auto& [category, points] : *amounts) {
          categories.insert(category);
        }
      }
      for (const auto& category : categories) {
        const auto expected = due.contains(category) ? due.at(category) : Points();
        const auto actual = carried.contains(category) ? carried.at(category) : Points();
        if (expected != actual) {
          problems.push_back(fmt::format("{}: carried into {}{} is {}, the rules give {}",
                                         member.login,
                                         year,
                                         category.empty() ? "" : fmt::format(" ({})", category),
                                         actual.to_string(),
                                         expected.to_string()));
        }
      }
    }
  }

  for (auto& problem : check_statements(db)) {
    problems.push_back(std::move(problem));
  }
  return problems;
}

std::vector<std::string>
check_database(Database& db, const Context& context)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_secretary_or_system(db, context);
  return verify_ledger(db);
}

} // namespace cpd
