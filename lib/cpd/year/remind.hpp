#pragma once

#include <cpd/store/settings.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/points.hpp>

#include <functional>
#include <string>

namespace cpd {

class Database;

// Who a reminder goes to.
enum class ReminderScope {
  no_claims,   // members with no approved or pending claim in the current year
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
const std::string& due_reminders_sql();

// The first day of the remind.every period `day` is in: the Monday of its
// week, the first of its month or quarter, 1 January.
Date period_start(RemindEvery every, Date day);

// Whether remind.after_days of `day`'s year have passed by `day`.
bool reminders_started(const Scheme& scheme, Date day);

// Queues a quota reminder for every active member with a CPD duty, not
// exempt, in scope (for no_claims: without an approved or pending claim in
// the year; a declined or withdrawn one is no claim), once
// remind.after_days of the year have passed and if not reminded yet in this
// remind.every period, counted in calendar dates: run daily or monthly, a
// member due is reminded on the first run of each period. Running it twice
// queues nothing new. Only a secretary or the system may. Returns how many
// were reminded (on a dry run: are due); `each` is told of each of them, by
// login, as they are read: on a dry run while the query steps, else once
// the reminders are committed.
int remind(Database& db,
           const SecretaryOrSystem& context,
           ReminderScope scope,
           DryRun dry_run,
           const std::function<void(const Reminded&)>& each = {});

} // namespace cpd
