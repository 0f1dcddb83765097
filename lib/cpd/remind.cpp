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
  " WHERE m.active = 1 AND m.created_at < ?2"
  " AND NOT EXISTS (SELECT 1 FROM exemption x WHERE x.member_id = m.id"
  "   AND x.year = ?1 AND x.lifted_at IS NULL)"
  " AND CASE WHEN ?3 THEN coalesce(t.total, 0) < ?4"
  "   ELSE NOT EXISTS (SELECT 1 FROM claim c WHERE c.member_id = m.id"
  "     AND c.year = ?1 AND c.status != 'withdrawn') END"
  " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.member_id = m.id"
  "   AND o.template = 'reminder' AND o.created_at > ?5)"
  " ORDER BY m.login";

std::vector<Reminded>
remind(Database& db, const Context& context, ReminderScope scope, DryRun dry_run)
{
  Transaction transaction(db, Transaction::Kind::write);
  require_secretary_or_system(db, context);
  const auto scheme = load_scheme(db);
  const int year = context.today.year();
  // One query for everybody due: members of the year, not exempt, in scope,
  // not reminded within the interval.
  Statement due(db, k_due_reminders_sql);
  due.bind_all(year,
               Date(year + 1, 1, 1).days() * 86400,
               scope == ReminderScope::below_quota ? 1 : 0,
               scheme.quota.tenths(),
               context.now - static_cast<std::int64_t>(scheme.remind_interval_days) * 86400);
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
    for (const auto& [member, balance] : due_members) {
      notice_reminder(db, context, member, balance);
    }
    transaction.commit();
  }
  return reminded;
}

} // namespace cpd
