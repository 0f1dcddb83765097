#include <cpd/database.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/outbox.hpp>
#include <cpd/remind.hpp>
#include <cpd/settings.hpp>
#include <cpd/yearend.hpp>

namespace cpd {

const char* const k_due_reminders_sql =
  "SELECT m.id AS id, m.login AS login, m.name AS name, m.email AS email,"
  " coalesce(t.total, 0) AS total,"
  " (SELECT coalesce(sum(c.points), 0) FROM claim c WHERE c.member_id = m.id"
  "   AND c.year = ?1 AND c.status = 'pending') AS pending"
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

int
remind(Database& db,
       const Context& context,
       ReminderScope scope,
       DryRun dry_run,
       const std::function<void(const Reminded&)>& each)
{
  // A dry run only reads: nothing it prints holds up a writer.
  Transaction transaction(
    db, dry_run == DryRun::yes ? Transaction::Kind::read : Transaction::Kind::write);
  require_secretary_or_system(db, context);
  const auto scheme = load_scheme(db);
  if (!reminders_started(scheme, context.today)) {
    return 0;
  }
  // Everybody due: members of the year with a CPD duty, not exempt, in
  // scope, not reminded yet in this period.
  const int year = context.today.year();
  DueReminders due{year,
                   year_start_instant(year + 1),
                   scope == ReminderScope::below_quota,
                   scheme.quota,
                   period_start(scheme.remind_every, context.today)};
  if (dry_run == DryRun::yes) {
    Statement query(db, k_due_reminders_sql);
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
        each({query.text(1),
              query.text(2),
              query.text(3),
              total,
              max(Points(), scheme.quota - total)});
      }
    }
    return count;
  }
  const auto queued = notice_reminders(db, context, due);
  Statement(db,
            "INSERT OR IGNORE INTO reminder(member_id, day)"
            " SELECT member_id, ?3 FROM outbox WHERE id BETWEEN ?1 AND ?2")
    .bind_all(queued.first, queued.last(), context.today.to_string())
    .run();
  transaction.commit();
  if (each) {
    // Listed once they are committed, from what was queued: nothing printed
    // holds the write lock.
    Transaction read(db, Transaction::Kind::read);
    Statement mail(db,
                   "SELECT json_extract(facts, '$.login'), json_extract(facts, '$.name'),"
                   " to_address, json_extract(facts, '$.total')"
                   " FROM outbox WHERE id BETWEEN ?1 AND ?2 ORDER BY id");
    mail.bind_all(queued.first, queued.last());
    while (mail.step()) {
      const auto total = Points::from_tenths(mail.integer(3));
      each({mail.text(0), mail.text(1), mail.text(2), total, max(Points(), scheme.quota - total)});
    }
  }
  return queued.count;
}

} // namespace cpd
