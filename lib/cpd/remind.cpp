#include <cpd/database.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/remind.hpp>
#include <cpd/rules.hpp>
#include <cpd/settings.hpp>
#include <cpd/yearend.hpp>

#include <map>

namespace cpd {

const char* const k_due_reminders_sql =
  "SELECT m.id, m.login, m.name, m.email FROM member m"
  " WHERE m.active = 1 AND m.cpd_duty = 1 AND m.created_at < ?2"
  " AND NOT EXISTS (SELECT 1 FROM exemption x WHERE x.member_id = m.id"
  "   AND x.year <= ?1 AND coalesce(x.until_year, ?1) >= ?1 AND x.lifted_at IS NULL)"
  " AND (?3 OR NOT EXISTS (SELECT 1 FROM claim c WHERE c.member_id = m.id"
  "     AND c.year = ?1 AND c.status IN ('pending', 'approved')))"
  " AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.member_id = m.id AND r.day >= ?4)"
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
  // Where every member of the year stands by its rules: who is short of
  // what (a quota pro-rated for a joiner, a category's minimum, a cycle).
  std::map<std::int64_t, MemberYear> judged;
  for (auto& member : judge_members(db, year, current_rules(db))) {
    judged.emplace(member.member_id, std::move(member));
  }
  // One query for everybody due: members of the year with a CPD duty, not
  // exempt for the year, in scope, not reminded yet in this period; those
  // who are short of nothing are left out below.
  Statement due(db, k_due_reminders_sql);
  due.bind_all(year,
               Date(year + 1, 1, 1).days() * 86400,
               scope == ReminderScope::below_quota ? 1 : 0,
               period_start(scheme.remind_every, context.today).to_string());
  std::vector<Reminded> reminded;
  std::vector<std::pair<Member, Balance>> due_members;
  while (due.step()) {
    Member member;
    member.id = due.integer(0);
    member.login = due.text(1);
    member.name = due.text(2);
    member.email = due.text(3);
    const auto found = judged.find(member.id);
    if (found == judged.end() || found->second.judgement.exempt
        || found->second.judgement.compliant) {
      continue; // joins later this year, exempt for all of it, or short of nothing
    }
    const auto balance = year_balance(found->second, year);
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
