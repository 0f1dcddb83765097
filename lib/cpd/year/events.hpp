#pragma once

#include <cpd/claims/claims.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/dispensation.hpp>
#include <cpd/year/yearend.hpp>

#include <cstdint>
#include <vector>

namespace cpd {

// What the year's operations record as they happen (see store/events.hpp).

// A dispensation was granted (for which years, why) or lifted (from which
// year on).
enum class DispensationChange { granted, lifted };
struct DispensationChanged
{
  const Member& member;
  const Dispensation& dispensation;
  DispensationChange change;
};

// Who is due a reminder: the parameters of due_reminders_sql().
struct DueReminders
{
  int year = 0;
  std::int64_t joined_before = 0; // members who joined before this instant
  bool below_quota = false;       // everybody short, not only those without a claim
  Points quota;
  Date period_start{2017, 1, 1}; // not reminded since this day
};

// The reminders one round queued: recorded in `reminder` with `batch`.
struct ReminderBatch
{
  std::int64_t batch = 0;
  int count = 0;
};

// Every member `due` (judged by one statement) is due a reminder of the
// quota; whoever hears of it records each in `reminder` and says in
// `queued` which batch holds them.
struct RemindersDue
{
  DueReminders due;
  ReminderBatch& queued;
};

// One member short of a requirement judged by rules one statement cannot
// follow (a cycle, category minimums, a quota pro rata) is due a reminder.
struct ReminderDue
{
  const Member& member;
  const Balance& balance;
};

// A year was closed: its accounts and carries are written, its counts are
// in `close`. `lines` is each member's line when the year's rules are
// beyond one statement (judged member by member), else nullptr.
struct YearClosed
{
  const YearClose& close;
  const std::vector<ReportLine>* lines = nullptr;
};

// A member was drawn for an audit, with `days` to answer.
struct AuditDrawn
{
  const Audit& audit;
  int days;
};

// An audit waiting for an answer reached one of its reminder days (recorded
// in audit_reminder: once for each day).
struct AuditReminderDue
{
  const Audit& audit;
  int point;
  int days_left;
};

// A member answered their audit.
struct AuditAnswered
{
  const Audit& audit;
};

// The secretary decided an audit; `revoked` the claims a fail revoked.
struct AuditDecided
{
  const Audit& audit;
  const std::vector<Claim>& revoked;
};

} // namespace cpd
