// The reminders of the quota, queued member by member or in one batch.

#include <cpd/claims/evidence.hpp>
#include <cpd/mail/notice_parts.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd {

namespace {

// What a reminder of the quota (reminder) says: where the member stands in
// the year.
Values
reminder_values(const std::string& name, const std::string& login, const Balance& balance)
{
  Values values{{"name", name}, {"login", login}};
  add_balance(values, balance);
  values["pending_clause"] =
    balance.pending > Points()
      ? fmt::format(", with {} waiting for verification", points_phrase(balance.pending))
      : std::string();
  return values;
}

} // namespace

const std::string&
reminders_sql()
{
  // The rows of due_reminders_sql(), then: ?6 the batch (its first id),
  // ?7 today. What each reminder says is kept in its row.
  static const std::string sql =
    fmt::format("INSERT INTO reminder(member_id, day, batch, name, total, pending)"
                " SELECT id, ?7, ?6, name, total, pending FROM ({})",
                due_reminders_sql());
  return sql;
}

MailRange
notice_reminders(Database& db, const Context& context, const DueReminders& due)
{
  const auto batch = start_mail_batch(db);
  Statement(db, reminders_sql())
    .bind_all(due.year,
              due.joined_before,
              due.below_quota ? 1 : 0,
              due.quota.tenths(),
              due.period_start.to_string(),
              batch.first_id,
              context.today.to_string())
    .run();
  return queue_mail_batch(db, batch, {"reminders", due.year, due.quota, context.now}, db.changes());
}

void
notice_reminder(Database& db, const Context& context, const Member& member, const Balance& balance)
{
  to_member(db,
            context,
            member,
            fmt::format("reminder:{}:{}", member.login, context.today.to_string()),
            "reminder",
            reminder_values(member.name, member.login, balance));
}

// A reminder queued in a batch, from the numbers its facts hold.
Values
reminder_values(const Facts& facts)
{
  Balance balance;
  balance.year = static_cast<int>(facts.integer("year"));
  balance.total = fact_points(facts, "total");
  balance.quota = fact_points(facts, "quota");
  balance.remaining = max(Points(), balance.quota - balance.total);
  balance.pending = fact_points(facts, "pending");
  balance.deadline = year_end(balance.year);
  balance.judgement = judge_one_quota(balance.year, balance.quota, balance.total, Points());
  auto values = reminder_values(facts.text("name"), facts.text("login"), balance);
  values["org"] = facts.text("org");
  return values;
}

} // namespace cpd
