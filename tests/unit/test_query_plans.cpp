// The hot queries use their indexes: checked with EXPLAIN QUERY PLAN on the
// real schema, so that a change to a query or an index cannot silently turn
// a lookup into a scan of a table that grows with every claim. Each query is
// a copy of the SQL text in lib/cpd (named beside it); when that SQL changes,
// copy it again.

#include <cpd/database.hpp>
#include <cpd/outbox.hpp>
#include <cpd/remind.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

// The detail column of each step of the plan.
std::vector<std::string>
plan(cpd::Database& db, const std::string& sql)
{
  cpd::Statement query(db, "EXPLAIN QUERY PLAN " + sql);
  std::vector<std::string> steps;
  while (query.step()) {
    steps.push_back(query.text(3));
  }
  return steps;
}

bool
starts_with_word(const std::string& text, const std::string& prefix)
{
  return text.starts_with(prefix) && (text.size() == prefix.size() || text[prefix.size()] == ' ');
}

// Whether the plan looks `table` (its name or alias in the query) up through
// `index` and never scans it whole.
bool
searches(const std::vector<std::string>& steps, const std::string& table, const std::string& index)
{
  bool found = false;
  for (const auto& step : steps) {
    if (starts_with_word(step, "SCAN " + table)) {
      return false;
    }
    if (starts_with_word(step, "SEARCH " + table + " USING INDEX " + index)
        || starts_with_word(step, "SEARCH " + table + " USING COVERING INDEX " + index)) {
      found = true;
    }
  }
  return found;
}

std::string
show(const std::vector<std::string>& steps)
{
  std::string text;
  for (const auto& step : steps) {
    text += "\n  " + step;
  }
  return text;
}

// From lib/cpd/claims.cpp, k_claim_select.
const std::string k_claim_select =
  "SELECT c.id, m.login, m.name, a.code, a.title, c.activity_date, c.quantity,"
  " a.unit, c.points, c.note, c.status, c.submitted_at, d.login, c.decided_at,"
  " c.reason, (SELECT count(*) FROM attachment t WHERE t.claim_id = c.id),"
  " c.member_id"
  " FROM claim c JOIN member m ON m.id = c.member_id"
  " JOIN activity a ON a.id = c.activity_id"
  " LEFT JOIN member d ON d.id = c.decided_by";

} // namespace

TEST_CASE("a member's balance sums their entries of the year through entry_year_member")
{
  auto db = cpd::Database::open_memory();
  // lib/cpd/ledger.cpp, sum_entries()
  const auto steps = plan(db,
                          "SELECT coalesce(sum(points), 0) FROM entry"
                          " WHERE member_id = ?1 AND year = ?2 AND (?3 IS NULL OR kind = ?3)");
  INFO("plan:", show(steps));
  // Covering: the balance never reads the table itself.
  CHECK(searches(steps, "entry", "entry_year_member"));
}

TEST_CASE("a member's pending points come through claim_member_year")
{
  auto db = cpd::Database::open_memory();
  // lib/cpd/ledger.cpp, member_balance()
  const auto steps = plan(db,
                          "SELECT coalesce(sum(points), 0) FROM claim"
                          " WHERE member_id = ? AND year = ? AND status = 'pending'");
  INFO("plan:", show(steps));
  CHECK(searches(steps, "claim", "claim_member_year"));
}

TEST_CASE("pending claims are found through claim_pending")
{
  auto db = cpd::Database::open_memory();
  // lib/cpd/claims.cpp, pending_claims()
  const auto steps =
    plan(db, k_claim_select + " WHERE c.status = 'pending' ORDER BY c.submitted_at, c.id");
  INFO("plan:", show(steps));
  CHECK(searches(steps, "c", "claim_pending"));
  CHECK(searches(steps, "t", "attachment_claim"));
}

TEST_CASE("a member's claims by year are found through claim_member_year")
{
  auto db = cpd::Database::open_memory();
  // lib/cpd/claims.cpp, member_claims()
  const auto steps = plan(db,
                          k_claim_select
                            + " WHERE c.member_id = ?1 AND (?2 IS NULL OR c.year = ?2)"
                              " ORDER BY c.activity_date, c.id");
  INFO("plan:", show(steps));
  CHECK(searches(steps, "c", "claim_member_year"));
}

TEST_CASE("the duplicate-claim check goes through claim_duplicate")
{
  auto db = cpd::Database::open_memory();
  // lib/cpd/claims.cpp, submit_claim()
  const auto steps = plan(db,
                          "SELECT id FROM claim WHERE member_id = ? AND activity_id = ?"
                          " AND activity_date = ? AND status IN ('pending', 'approved')");
  INFO("plan:", show(steps));
  CHECK(searches(steps, "claim", "claim_duplicate"));
}

// Ordered by the index's own order, so that SQLite need not walk the whole
// outbox (the mail already sent) by id.
TEST_CASE("the mail due for delivery is found through outbox_due")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_lease_mail_sql);
  INFO("plan:", show(steps));
  CHECK(searches(steps, "o", "outbox_due")); // the query names the outbox "o"
}

TEST_CASE("the reminders sent in the period are looked up per member by their key")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_due_reminders_sql);
  INFO("plan:", show(steps));
  CHECK(std::any_of(steps.begin(), steps.end(), [](const std::string& step) {
    return step.starts_with("SEARCH r USING PRIMARY KEY (member_id=? AND day>?)");
  }));
  CHECK(searches(steps, "x", "exemption_in_force"));
  CHECK(searches(steps, "c", "claim_member_year"));
}

TEST_CASE("the plan check fails on a full scan")
{
  auto db = cpd::Database::open_memory();
  db.exec("DROP INDEX entry_member_year; DROP INDEX entry_year_member");
  const auto steps =
    plan(db, "SELECT coalesce(sum(points), 0) FROM entry WHERE member_id = ?1 AND year = ?2");
  INFO("plan:", show(steps));
  CHECK(steps == std::vector<std::string>{"SCAN entry"});
  CHECK_FALSE(searches(steps, "entry", "entry_member_year"));
}

TEST_CASE("a year's totals for every member are read through entry_year_member")
{
  auto db = cpd::Database::open_memory();
  // lib/cpd/yearend.cpp, close_year(), and lib/cpd/remind.cpp, remind()
  const auto steps = plan(db,
                          "SELECT member_id, sum(points) AS total FROM entry"
                          " WHERE year = ?1 GROUP BY member_id");
  INFO("plan:", show(steps));
  CHECK(searches(steps, "entry", "entry_year_member"));
}
