#include <cpd/admin/check.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/standing.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/points.hpp>
#include <cpd/year/statement.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace cpd {

// The entries of each claim that has any, grouped in the order of the
// entry_claim index, then the credited claims that have none. Only the claims
// in error reach the member table.
const char* const k_check_claim_entries_sql =
  "SELECT p.id, m.login, p.year, p.status, p.points, p.award, p.revocation, p.stray FROM ("
  "  SELECT c.id, c.member_id, c.year, c.status, c.points,"
  "   sum(CASE WHEN e.kind = 'award' THEN e.points ELSE 0 END) AS award,"
  "   sum(CASE WHEN e.kind = 'revocation' THEN e.points ELSE 0 END) AS revocation,"
  "   sum(e.kind NOT IN ('award', 'revocation') OR e.year != c.year"
  "     OR e.member_id != c.member_id) AS stray"
  "  FROM entry e JOIN claim c ON c.id = e.claim_id"
  "  WHERE e.claim_id IS NOT NULL"
  "  GROUP BY e.claim_id"
  "  HAVING award != CASE WHEN c.status IN ('approved', 'revoked') THEN c.points ELSE 0 END"
  "   OR revocation != CASE WHEN c.status = 'revoked' THEN -c.points ELSE 0 END"
  "   OR stray != 0"
  "  UNION ALL"
  "  SELECT c.id, c.member_id, c.year, c.status, c.points, 0, 0, 0 FROM claim c"
  "  WHERE c.status IN ('approved', 'revoked')"
  "   AND NOT EXISTS (SELECT 1 FROM entry e WHERE e.claim_id = c.id)"
  " ) p JOIN member m ON m.id = p.member_id"
  " ORDER BY p.id";

// Each claim's last event is the greatest id under its claim in
// claim_event_claim.
const char* const k_check_claims_sql =
  "SELECT c.id, m.login, c.year, c.status, c.activity_date, v.status,"
  " c.year != CAST(substr(c.activity_date, 1, 4) AS INTEGER)"
  " FROM claim c"
  " LEFT JOIN claim_event v ON v.id = (SELECT max(id) FROM claim_event WHERE claim_id = c.id)"
  " CROSS JOIN member m ON m.id = c.member_id"
  " WHERE v.status IS NOT c.status"
  "  OR c.year != CAST(substr(c.activity_date, 1, 4) AS INTEGER)"
  " ORDER BY c.id";

const char* const k_check_entry_links_sql =
  "SELECT e.id, m.login, e.year, e.kind FROM entry e CROSS JOIN member m ON m.id = e.member_id"
  " WHERE (e.kind IN ('award', 'revocation')) != (e.claim_id IS NOT NULL)"
  " ORDER BY e.id";

// What each closed year's totals make due into the next (through
// entry_year_member, year by year, in member order), beside what was carried;
// members with neither never appear. By induction over the years, the carries
// equal a replay of the whole ledger exactly when every year's carry follows
// from the year before as recorded.
const std::string&
check_carries_sql()
{
  static const std::string sql =
    "SELECT m.login, f.year, f.carried_in, f.due_in FROM ("
    "  SELECT member_id, year, sum(carried) AS carried_in, sum(due) AS due_in FROM ("
    "   SELECT e.member_id, c.year + 1 AS year, 0 AS carried, "
    + carry_sql("sum(e.points)", "c.quota", "c.carry_cap")
    + " AS due"
      "   FROM year_close c CROSS JOIN entry e ON e.year = c.year"
      "   GROUP BY c.year, e.member_id HAVING due != 0"
      "   UNION ALL"
      "   SELECT member_id, year, points, 0 FROM entry WHERE kind = 'carry')"
      "  GROUP BY member_id, year HAVING carried_in != due_in"
      " ) f JOIN member m ON m.id = f.member_id"
      " ORDER BY f.member_id, f.year";
  return sql;
}

namespace {

std::string
points(std::int64_t tenths)
{
  return Points::from_tenths(tenths).to_string();
}

// Whether every closed year was closed under rules the carry statement
// follows, with nobody who joined during one: then one statement checks
// every carry. A year whose recorded rules are damaged is a problem.
bool
carries_by_sql(Database& db, std::vector<std::string>& problems)
{
  Statement years(db, "SELECT year FROM year_close ORDER BY year");
  std::optional<int> first;
  bool plain = true;
  while (years.step()) {
    const int year = static_cast<int>(years.integer(0));
    first = first.value_or(year);
    try {
      plain = plain && plain_carry(rules_of_year(db, year));
    } catch (const Error& e) {
      problems.emplace_back(e.what());
    }
  }
  return plain && !(first && joined_since(db, *first));
}

// Every member's carry into every year against the rules of the close of
// the year before, category by category: for rules beyond one total a year.
void
replay_carries(Database& db, std::vector<std::string>& problems)
{
  std::map<int, Rules> closes;
  Statement years(db, "SELECT year FROM year_close ORDER BY year");
  while (years.step()) {
    const int year = static_cast<int>(years.integer(0));
    try {
      closes.emplace(year, rules_of_year(db, year));
    } catch (const Error&) {
      // Said already.
    }
  }
  const auto start = load_scheme(db).start;
  Statement span(db, "SELECT min(year), max(year) FROM entry");
  span.step();
  const auto first = span.optional_integer(0);
  const auto last = span.optional_integer(1);
  if (!first) {
    return;
  }
  for (const auto& [member_id, member] :
       load_accounts(db, static_cast<int>(*first), static_cast<int>(*last))) {
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
        for (const auto& [category, amount] : *amounts) {
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
}

} // namespace

std::vector<std::string>
verify_storage(Database& db)
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
  return problems;
}

std::vector<std::string>
verify_ledger(Database& db)
{
  std::vector<std::string> problems;

  Statement entries(db, k_check_claim_entries_sql);
  while (entries.step()) {
    const auto login = entries.text(1);
    const auto year = entries.integer(2);
    const auto status = entries.text(3);
    const auto credited = status == "approved" || status == "revoked";
    const auto award = credited ? entries.integer(4) : 0;
    const auto revocation = status == "revoked" ? -entries.integer(4) : 0;
    if (entries.integer(5) != award || entries.integer(6) != revocation) {
      problems.push_back(fmt::format("{}: claim #{} of {} is {} but its ledger entries are award "
                                     "{}, revocation {} (expected {}, {})",
                                     login,
                                     entries.integer(0),
                                     year,
                                     status,
                                     points(entries.integer(5)),
                                     points(entries.integer(6)),
                                     points(award),
                                     points(revocation)));
    }
    if (entries.integer(7) != 0) {
      problems.push_back(
        fmt::format("{}: claim #{} of {} has entries of another kind, year or member",
                    login,
                    entries.integer(0),
                    year));
    }
  }

  Statement claims(db, k_check_claims_sql);
  while (claims.step()) {
    const auto login = claims.text(1);
    const auto id = claims.integer(0);
    const auto year = claims.integer(2);
    const auto status = claims.text(3);
    if (claims.integer(6) != 0) {
      problems.push_back(fmt::format("{}: claim #{} is filed under {} but its activity was on {}",
                                     login,
                                     id,
                                     year,
                                     claims.text(4)));
    }
    if (claims.optional_text(5) != status) {
      problems.push_back(fmt::format("{}: claim #{} of {} is {} but its last event says {}",
                                     login,
                                     id,
                                     year,
                                     status,
                                     claims.optional_text(5).value_or("nothing")));
    }
  }

  Statement links(db, k_check_entry_links_sql);
  while (links.step()) {
    problems.push_back(fmt::format("{}: ledger entry #{} ({}) of {} does not match its claim link",
                                   links.text(1),
                                   links.integer(0),
                                   links.text(3),
                                   links.integer(2)));
  }

  if (carries_by_sql(db, problems)) {
    Statement carries(db, check_carries_sql());
    while (carries.step()) {
      problems.push_back(fmt::format("{}: carried into {} is {}, the rules give {}",
                                     carries.text(0),
                                     carries.integer(1),
                                     points(carries.integer(2)),
                                     points(carries.integer(3))));
    }
  } else {
    replay_carries(db, problems);
  }
  return problems;
}

std::vector<std::string>
check_database(Database& db, const SecretaryOrSystem& /*context*/)
{
  Transaction transaction(db, Transaction::Kind::read);
  auto problems = verify_storage(db);
  for (auto& problem : verify_ledger(db)) {
    problems.push_back(std::move(problem));
  }
  for (auto& problem : check_statements(db)) {
    problems.push_back(std::move(problem));
  }
  return problems;
}

} // namespace cpd
