// The hot queries use their indexes: checked with EXPLAIN QUERY PLAN on the
// real schema, so that a change to a query or an index cannot silently turn
// a lookup into a scan of a table that grows with every claim. Each plans
// the very text lib/cpd runs (its k_..._sql constants).

#include <cpd/admin/check.hpp>
#include <cpd/claims/claim_store.hpp>
#include <cpd/claims/quotas.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/database.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <utility>
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

// Whether the plan reads `table` through `index`, searching or scanning it
// in the index's order.
bool
reads_through(const std::vector<std::string>& steps,
              const std::string& table,
              const std::string& index)
{
  for (const auto& step : steps) {
    for (const auto* how : {"SEARCH ", "SCAN "}) {
      for (const auto* kind : {" USING INDEX ", " USING COVERING INDEX "}) {
        if (starts_with_word(step, how + table + kind + index)) {
          return true;
        }
      }
    }
  }
  return false;
}

// Whether the plan reads the whole of `table` in its own order.
bool
scans_table(const std::vector<std::string>& steps, const std::string& table)
{
  for (const auto& step : steps) {
    if (step == "SCAN " + table) {
      return true;
    }
  }
  return false;
}

// Whether the plan finds `table`'s rows by their id alone.
bool
by_key(const std::vector<std::string>& steps, const std::string& table)
{
  bool found = false;
  for (const auto& step : steps) {
    if (starts_with_word(step, "SCAN " + table)) {
      return false;
    }
    if (starts_with_word(step, "SEARCH " + table + " USING INTEGER PRIMARY KEY")) {
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

} // namespace

TEST_CASE("a member's balance sums their entries of the year through entry_year_member")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_sum_entries_sql);
  INFO("plan:", show(steps));
  // Covering: the balance never reads the table itself.
  CHECK(searches(steps, "entry", "entry_year_member"));
}

TEST_CASE("a member's pending points come from claim_pending_member alone")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_pending_points_sql);
  INFO("plan:", show(steps));
  CHECK(steps
        == std::vector<std::string>{"SEARCH claim USING COVERING INDEX claim_pending_member "
                                    "(member_id=? AND year=? AND status=?)"});
}

TEST_CASE("pending claims are found through claim_pending")
{
  auto db = cpd::Database::open_memory();
  const auto steps =
    plan(db, std::string(cpd::k_claim_select) + std::string(cpd::k_pending_claims_where));
  INFO("plan:", show(steps));
  CHECK(searches(steps, "c", "claim_pending"));
  CHECK(searches(steps, "t", "attachment_claim"));
}

TEST_CASE("a member's claims by year are found through claim_member_year")
{
  auto db = cpd::Database::open_memory();
  const auto steps =
    plan(db, std::string(cpd::k_claim_select) + std::string(cpd::k_member_claims_where));
  INFO("plan:", show(steps));
  CHECK(searches(steps, "c", "claim_member_year"));
}

TEST_CASE("the duplicate-claim check goes through claim_duplicate")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_live_claim_sql);
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
  const auto steps = plan(db, cpd::due_reminders_sql());
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
  const auto steps = plan(db, cpd::k_sum_entries_sql);
  INFO("plan:", show(steps));
  CHECK(steps == std::vector<std::string>{"SCAN entry"});
  CHECK_FALSE(searches(steps, "entry", "entry_member_year"));
}

TEST_CASE("a year's totals for every member are read through entry_year_member")
{
  auto db = cpd::Database::open_memory();
  const auto accounts = cpd::every_account_points_sql();
  for (const auto& [sql, table] :
       {std::pair{cpd::close_accounts_sql().c_str(), "entry"}, std::pair{accounts.c_str(), "e"}}) {
    const auto steps = plan(db, sql);
    INFO("plan:", show(steps));
    CHECK(reads_through(steps, table, "entry_year_member"));
    CHECK_FALSE(scans_table(steps, table));
  }
  // Who is due a reminder reads no entries: their totals come from the
  // accounts above.
  const auto due = plan(db, cpd::due_reminders_sql());
  INFO("plan:", show(due));
  CHECK_FALSE(scans_table(due, "entry"));
}

// cpd check reads every claim and entry once, in the order of a table or an
// index, and reaches the rows that go with each through an index or their
// key: no scan inside a loop, and nothing sorted but the problems found and
// the carries.

TEST_CASE("check: claims and their entries, grouped through entry_claim")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_check_claim_entries_sql);
  INFO("plan:", show(steps));
  CHECK(reads_through(steps, "e", "entry_claim"));
  CHECK_FALSE(scans_table(steps, "e"));
  CHECK(scans_table(steps, "c")); // the credited claims without entries
  CHECK(by_key(steps, "m"));
  for (const auto& step : steps) {
    CHECK_FALSE(step.starts_with("USE TEMP B-TREE FOR GROUP BY"));
  }
}

TEST_CASE("check: each claim's last event through claim_event_claim")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_check_claims_sql);
  INFO("plan:", show(steps));
  CHECK(searches(steps, "claim_event", "claim_event_claim"));
  CHECK(by_key(steps, "v"));
  CHECK(by_key(steps, "m"));
  CHECK(scans_table(steps, "c"));
  for (const auto& step : steps) {
    CHECK_FALSE(step.starts_with("USE TEMP B-TREE"));
  }
}

TEST_CASE("check: entries against their claim link, one pass")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::k_check_entry_links_sql);
  INFO("plan:", show(steps));
  CHECK(scans_table(steps, "e"));
  CHECK(by_key(steps, "m"));
  for (const auto& step : steps) {
    CHECK_FALSE(step.starts_with("USE TEMP B-TREE"));
  }
}

TEST_CASE("check: carries from the totals of each closed year, through entry_year_member")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::check_carries_sql());
  INFO("plan:", show(steps));
  CHECK(searches(steps, "e", "entry_year_member"));
  CHECK(reads_through(steps, "entry", "entry_year_member"));
  CHECK_FALSE(scans_table(steps, "entry"));
  CHECK(by_key(steps, "m"));
}

TEST_CASE("year end: the accounts in one pass of the year's entries, the carries from them")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::close_accounts_sql());
  INFO("plan:", show(steps));
  // The year's entries once, in member order, each member by its id; then
  // the members of the year without any, each looked up in the index.
  CHECK(reads_through(steps, "entry", "entry_year_member"));
  CHECK_FALSE(scans_table(steps, "entry"));
  CHECK(searches(steps, "e", "entry_member_year"));
  CHECK(searches(steps, "x", "exemption_in_force"));
  CHECK(std::any_of(steps.begin(), steps.end(), [](const std::string& step) {
    return starts_with_word(step, "SEARCH m USING INTEGER PRIMARY KEY");
  }));
  for (const auto& step : steps) {
    CHECK(step.find("AUTOMATIC") == std::string::npos);
    CHECK_FALSE(step.starts_with("USE TEMP B-TREE"));
  }
  const auto carries = plan(db, cpd::k_carry_sql);
  INFO("plan:", show(carries));
  CHECK(carries == std::vector<std::string>{"SEARCH year_account USING PRIMARY KEY (year=?)"});
}

TEST_CASE("a batch of mail is written out in one pass over its rows")
{
  auto db = cpd::Database::open_memory();
  for (const auto* kind : {"year-statements", "reminders"}) {
    CAPTURE(kind);
    const auto steps = plan(db, cpd::batch_rows_sql(kind));
    INFO("plan:", show(steps));
    // Each member is found by its id, never by a scan or an index made on
    // the fly.
    CHECK(by_key(steps, "m"));
    for (const auto& step : steps) {
      CHECK(step.find("AUTOMATIC") == std::string::npos);
    }
  }
  // A year's statements in the order of their accounts' key: no sort.
  const auto statements = plan(db, cpd::batch_rows_sql("year-statements"));
  CHECK(std::any_of(statements.begin(), statements.end(), [](const std::string& step) {
    return starts_with_word(step, "SEARCH y USING PRIMARY KEY");
  }));
  CHECK(std::none_of(statements.begin(), statements.end(), [](const std::string& step) {
    return step.starts_with("USE TEMP B-TREE FOR ORDER BY");
  }));
  const auto reminders = plan(db, cpd::batch_rows_sql("reminders"));
  CHECK(searches(reminders, "x", "reminder_batch"));
}

TEST_CASE("reminders: one pass over the members, their pending points from claim_pending_member")
{
  auto db = cpd::Database::open_memory();
  const auto steps = plan(db, cpd::reminders_sql());
  INFO("plan:", show(steps));
  CHECK(reads_through(steps, "entry", "entry_year_member"));
  CHECK_FALSE(scans_table(steps, "entry"));
  CHECK(searches(steps, "c", "claim_member_year"));
  CHECK(searches(steps, "x", "exemption_in_force"));
  CHECK(searches(steps, "c", "claim_pending_member"));
}

TEST_CASE("pending's flags read each group of claims once, through claim_duplicate and "
          "attachment_sha256")
{
  auto db = cpd::Database::open_memory();
  const auto same_day = plan(db, cpd::k_same_day_groups_sql);
  INFO("same day:", show(same_day));
  CHECK(reads_through(same_day, "claim", "claim_pending"));
  CHECK(searches(same_day, "o", "claim_duplicate"));
  const auto same_file = plan(db, cpd::k_same_file_groups_sql);
  INFO("same file:", show(same_file));
  CHECK(reads_through(same_file, "c", "claim_pending"));
  CHECK(searches(same_file, "a", "attachment_claim"));
  CHECK(searches(same_file, "o", "attachment_sha256"));
}

TEST_CASE("a member's quotas are counted through claim_member_year")
{
  auto db = cpd::Database::open_memory();
  const auto today = plan(db, cpd::k_claims_today_sql);
  INFO("claims today:", show(today));
  CHECK(searches(today, "claim", "claim_member_year"));
  CHECK(today.front().find("COVERING INDEX") != std::string::npos);
  const auto evidence = plan(db, cpd::k_evidence_of_year_sql);
  INFO("evidence of a year:", show(evidence));
  CHECK(searches(evidence, "c", "claim_member_year"));
  CHECK(searches(evidence, "a", "attachment_claim"));
  CHECK(searches(evidence, "claim", "claim_member_year"));
}
