#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/ledger/standing.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/events.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <limits>
#include <map>

namespace cpd {

const std::string&
due_reminders_sql()
{
  static const std::string sql =
    "SELECT m.id AS id, m.login AS login, m.name AS name, m.email AS email,"
    " coalesce(t.total, 0) AS total,"
    " (SELECT coalesce(sum(c.points), 0) FROM claim c WHERE c.member_id = m.id"
    "   AND c.year = ?1 AND c.status = 'pending') AS pending"
    " FROM member m LEFT JOIN (SELECT member_id, sum(points) AS total"
    "   FROM entry WHERE year = ?1 GROUP BY member_id) t ON t.member_id = m.id"
    " WHERE "
    + duty_sql("m", "?2") + " AND NOT " + exempt_sql("m.id", "?1")
    + " AND CASE WHEN ?3 THEN coalesce(t.total, 0) < ?4"
      "   ELSE NOT EXISTS (SELECT 1 FROM claim c WHERE c.member_id = m.id"
      "     AND c.year = ?1 AND c.status IN ('pending', 'approved')) END"
      " AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.member_id = m.id AND r.day >= ?5)";
  return sql;
}

Date
period_start(RemindEvery every, Date day)
{
  switch (every) {
  case RemindEvery::week:
    // 1970-01-01 was a Thursday; weeks start on Monday.
    return day.plus_days(-((day.days() % 7 + 10) % 7));
  case RemindEvery::month:
    return {day.year(), day.month(), 1};
  case RemindEvery::quarter:
    return {day.year(), (day.month() - 1) / 3 * 3 + 1, 1};
  case RemindEvery::year:
    return {day.year(), 1, 1};
  }
  return day;
}

bool
reminders_started(const Scheme& scheme, Date day)
{
  return day >= Date(day.year(), 1, 1).plus_days(scheme.remind_after_days);
}

namespace {

// The members of a query of members (due_reminders_sql()), by login.
std::string
by_login(std::string_view members_sql)
{
  return fmt::format("SELECT * FROM ({}) ORDER BY login", members_sql);
}

// Reminders for a year whose rules one statement cannot follow: every
// member of the year judged by them (a quota pro-rated for a joiner, a
// category's minimum, a cycle), and those due and short of something
// reminded one by one, with the phrases of their requirement.
int
remind_by_member(Database& db,
                 const Context& context,
                 Transaction& transaction,
                 const DueReminders& due_reminders,
                 DryRun dry_run,
                 const std::function<void(const Reminded&)>& each)
{
  const int year = due_reminders.year;
  std::map<std::int64_t, MemberYear> judged;
  for (auto& member : judge_members(db, year, current_rules(db))) {
    judged.emplace(member.member.id, std::move(member));
  }
  // Every member due whatever their total (the quota bound is above any):
  // the judgement says who is short.
  Statement due(db, by_login(due_reminders_sql()));
  due.bind_all(year,
               due_reminders.joined_before,
               due_reminders.below_quota ? 1 : 0,
               std::numeric_limits<std::int64_t>::max(),
               due_reminders.period_start.to_string());
  std::vector<Reminded> reminded;
  std::vector<std::pair<Member, Balance>> due_members;
  while (due.step()) {
    const auto found = judged.find(due.integer(0));
    if (found == judged.end() || found->second.judgement.exempt
        || found->second.judgement.compliant) {
      continue; // joins later this year, exempt for all of it, or short of nothing
    }
    const auto& member = found->second.member;
    const auto balance = year_balance(found->second, year);
    reminded.push_back({member.login, member.name, member.email, balance.total, balance.remaining});
    due_members.emplace_back(member, balance);
  }
  due.reset();
  if (dry_run == DryRun::no) {
    Statement record(db, "INSERT OR IGNORE INTO reminder(member_id, day) VALUES (?, ?)");
    for (const auto& [member, balance] : due_members) {
      db.record(context, ReminderDue{member, balance});
      record.reset();
      record.bind_all(member.id, context.today.to_string()).run();
    }
    record.reset();
    transaction.commit();
  }
  if (each) {
    for (const auto& one : reminded) {
      each(one);
    }
  }
  return static_cast<int>(reminded.size());
}

} // namespace

int
remind(Database& db,
       const SecretaryOrSystem& context,
       ReminderScope scope,
       DryRun dry_run,
       const std::function<void(const Reminded&)>& each)
{
  // A dry run only reads: nothing it prints holds up a writer.
  Transaction transaction(
    db, dry_run == DryRun::yes ? Transaction::Kind::read : Transaction::Kind::write);
  const auto scheme = load_scheme(db);
  if (!reminders_started(scheme, context.today)) {
    return 0;
  }
  // Everybody due: members of the year with a CPD duty, not exempt, in
  // scope, not reminded yet in this period.
  const int year = context.today.year();
  const auto rules = current_rules(db);
  DueReminders due{year,
                   year_start_instant(year + 1),
                   scope == ReminderScope::below_quota,
                   rules.quota,
                   period_start(scheme.remind_every, context.today)};
  if (!one_statement_year(db, rules, year, scheme.start)) {
    return remind_by_member(db, context, transaction, due, dry_run, each);
  }
  if (dry_run == DryRun::yes) {
    Statement query(db, by_login(due_reminders_sql()));
    query.bind_all(due.year,
                   due.joined_before,
                   due.below_quota ? 1 : 0,
                   due.quota.tenths(),
                   due.period_start.to_string());
    int count = 0;
    while (query.step()) {
      ++count;
      if (each) {
        const auto total = Points::from_tenths(query.integer(4));
        each(
          {query.text(1), query.text(2), query.text(3), total, max(Points(), rules.quota - total)});
      }
    }
    return count;
  }
  ReminderBatch queued;
  db.record(context, RemindersDue{due, queued});
  transaction.commit();
  if (each && queued.count > 0) {
    // Listed once they are committed, from what was queued: nothing printed
    // holds the write lock.
    Transaction read(db, Transaction::Kind::read);
    Statement mail(db,
                   "SELECT m.login, r.name, m.email, r.total FROM reminder r"
                   " JOIN member m ON m.id = r.member_id WHERE r.batch = ? ORDER BY m.login");
    mail.bind(1, queued.batch);
    while (mail.step()) {
      const auto total = Points::from_tenths(mail.integer(3));
      each({mail.text(0), mail.text(1), mail.text(2), total, max(Points(), rules.quota - total)});
    }
  }
  return queued.count;
}

} // namespace cpd
