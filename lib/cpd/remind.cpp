#include <cpd/database.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/remind.hpp>
#include <cpd/settings.hpp>
#include <cpd/yearend.hpp>

namespace cpd {

const char* const k_due_reminders_sql =
  "SELECT m.id, m.login, m.name, m.email, coalesce(t.total, 0),"
  " (SELECT coalesce(sum(c.points), 0) FROM claim c WHERE c.member_id = m.id"
  "   AND c.year = ?1 AND c.status = 'pending')"
  " FROM member m LEFT JOIN (SELECT member_id, sum(points) AS total"
  "   FROM entry WHERE year = ?1 GROUP BY member_id) t ON t.member_id = m.id"
  " WHERE m.active = 1 AND m.cpd_duty = 1 AND m.created_at < ?2"
  " AND NOT EXISTS (SELECT 1 FROM exemption x WHERE x.member_id = m.id"
  "   AND x.year <= ?1 AND coalesce(x.until_year, ?1) >= ?1 AND x.lifted_at IS NULL)"
  " AND CASE WHEN ?3 THEN coalesce(t.total, 0) < ?4"
  "   ELSE NOT EXISTS (SELECT 1 FROM claim c WHERE c.member_id = m.id"
  "     AND c.year = ?1 AND c.status IN ('pending', 'approved')) END"
  " AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.member_id = m.id AND r.day >= ?5)"
  " ORDER BY m.login";

Date
period_start(RemindEvery every, Date day)
{
  switch (every) {
  case RemindEvery::week:
    // 1970-01-01 was a Thursday; weeks start on Monday.
    return day.plus_days(-((day.days() % 7 + 10) % 7));
  case RemindEvery::month:
    return Date(day.year(), day.month(), 1);
  case RemindEvery::quarter:
    return Date(day.year(), (day.month() - 1) / 3 * 3 + 1, 1);
  case RemindEvery::year:
    return Date(day.year(), 1, 1);
  }
  return day;
}

bool
reminders_started(const Scheme& scheme, Date day)
{
  return day >= Date(day.year(), 1, 1).plus_days(scheme.remind_after_days);
}

std::vector<Reminded>
remind(Database& db, const Context& context, ReminderScope scope, DryRun dry_run)
{
  Transaction transaction(db, Transaction::Kind::write);
  require_secretary_or_system(db, context);
  const auto scheme = load_scheme(db);
  if (!reminders_started(scheme, context.today)) {
    return {};
  }
  const int year = context.today.year();
  // One query for everybody due: members of the year with a CPD duty, not
  // exempt, in scope, not reminded yet in this period.
  Statement due(db, k_due_reminders_sql);
  due.bind_all(year,
               Date(year + 1, 1, 1).days() * 86400,
               scope == ReminderScope::below_quota ? 1 : 0,
               scheme.quota.tenths(),
               period_start(scheme.remind_every, context.today).to_string());
  std::vector<Reminded> reminded;
  std::vector<std::pair<Member, Balance>> due_members;
  while (due.step()) {
    Member member;
    member.id = due.integer(0);
    member.login = due.text(1);
    member.name = due.text(2);
    member.email = due.text(3);
    Balance balance;
    balance.member = member.login;
    balance.name = member.name;
    balance.year = year;
    balance.total = Points::from_tenths(due.integer(4));
    balance.quota = scheme.quota;
    balance.remaining = max(Points(), scheme.quota - balance.total);
    balance.pending = Points::from_tenths(due.integer(5));
    balance.deadline = year_end(year);
    reminded.push_back({member.login, member.name, member.email, balance.total, balance.remaining});
    due_members.emplace_back(std::move(member), balance);
  }
  due.reset();
  if (dry_run == DryRun::no) {
    Statement record(db, "INSERT OR IGNORE INTO reminder(member_id, day) VALUES (?, ?)");
    for (const auto& [member, balance] : due_members) {
      notice_reminder(db, context, member, balance);
      record.reset();
      record.bind_all(member.id, context.today.to_string()).run();
    }
    transaction.commit();
  }
  return reminded;
}

} // namespace cpd
