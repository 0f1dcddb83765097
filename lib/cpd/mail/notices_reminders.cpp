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

Balance
reminder_balance(int year, Points quota, Points total, Points pending)
{
  Balance balance;
  balance.year = year;
  balance.total = total;
  balance.quota = quota;
  balance.remaining = max(Points(), quota - total);
  balance.pending = pending;
  balance.deadline = year_end(year);
  balance.judgement = judge_one_quota(year, quota, total, Points());
  return balance;
}

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

} // namespace cpd
