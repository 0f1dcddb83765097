#pragma once

#include <cpd/context.hpp>
#include <cpd/points.hpp>

#include <string>
#include <vector>

namespace cpd {

class Database;

// Who a reminder goes to.
enum class ReminderScope {
  no_claims,   // members with no claim in the current year
  below_quota, // every member still short of the quota
};

struct Reminded
{
  std::string member; // login
  std::string name;
  std::string email;
  Points total;
  Points remaining;
};

// The query that finds who is due a reminder: here so that the tests check
// the query plan of the statement cpd really runs.
extern const char* const k_due_reminders_sql;

// Queues a reminder for every active, non-exempt member in scope who has not
// been reminded within remind.interval_days; running it twice in a row
// queues nothing new. Only a secretary may.
std::vector<Reminded>
remind(Database& db, const Context& context, ReminderScope scope, DryRun dry_run);

} // namespace cpd
