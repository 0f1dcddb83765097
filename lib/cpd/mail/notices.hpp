#pragma once

#include <cpd/claims/claims.hpp>
#include <cpd/claims/events.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/util/context.hpp>
#include <cpd/year/dispensation.hpp>
#include <cpd/year/events.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;
struct YearClose;
struct ReportLine;

// A member's note as a mail shows it: "(none)" for none; one line as it
// is; with line breaks, "(quoted below)" and then each line indented as a
// quote ("    > ..."), so that no line of it reads as the mail's own.
std::string quoted_note(std::string_view note);

// The scheme's mails, queued in the outbox inside the caller's transaction.

// To the secretary, once a day (claims) or once a CPD year (evidence) for
// each member: the member was refused over a quota.
void notice_quota_reached(Database& db, const Context& context, const QuotaReached& reached);

// To the member (received) and to the secretary (to decide).
void notice_claim_submitted(Database& db,
                            const Context& context,
                            const Claim& claim,
                            const Member& member);

// To the member only, one mail: the secretary recorded their attendance
// (an approved claim they did not make), with the new standing of the year.
void notice_attendance_recorded(Database& db,
                                const Context& context,
                                const Claim& claim,
                                const Member& member);

// To the member: approved (with where the year stands: what is still
// needed while it runs, its corrected total and carry once it is over),
// declined (with the reason) or revoked (with the reason, the new total and
// what that does to the carry). `corrections` is what the decision did to
// closed years; a corrected statement follows for each whose compliance or
// carry changed.
void notice_claim_decided(Database& db,
                          const Context& context,
                          const Claim& claim,
                          const Member& member,
                          const std::vector<YearCorrection>& corrections = {});

// To a member with a CPD duty: a corrected statement for each closed year
// in `corrections` whose compliance or carry changed, saying `why`; `cause`
// tells one change's mails from another's.
void notice_year_corrected(Database& db,
                           const Context& context,
                           const Member& member,
                           const std::vector<YearCorrection>& corrections,
                           std::string_view why,
                           std::string_view cause);

// To the member: the secretary adjusted their record, why, where the year
// stands now and what it did to the carry.
void notice_adjustment(Database& db,
                       const Context& context,
                       const Member& member,
                       const Adjustment& adjustment,
                       const std::vector<YearCorrection>& corrections);

// To the member: a dispensation was granted (for which years, why) or
// lifted (from which year on, and what they need now).
void notice_dispensation(Database& db,
                         const Context& context,
                         const Member& member,
                         const Dispensation& dispensation,
                         DispensationChange change);

// To the secretary: a pending claim was withdrawn.
void notice_claim_withdrawn(Database& db,
                            const Context& context,
                            const Claim& claim,
                            const Member& member);

// To every member due a reminder of the quota, with where they stand: one
// INSERT ... SELECT of reminders_sql() records each in `reminder` with what
// it says, and one batch of mail (see queue_mail_batch()) holds them.
// Returns the mail it queued.
MailRange notice_reminders(Database& db, const Context& context, const DueReminders& due);

// To one member short of a requirement, judged by rules one statement
// cannot follow (a cycle, category minimums, a quota pro rata): worded now,
// from the balance as it is.
void
notice_reminder(Database& db, const Context& context, const Member& member, const Balance& balance);

// The statement that queues the reminders: here so that the tests check the
// query plan of the statement cpd really runs.
const std::string& reminders_sql();

// To every member with a CPD duty who was a member in the closed year: a
// statement of the year with the claims of theirs still waiting for a
// decision, made from the year's accounts the close has just written
// (year_account) and the claims waiting now (kept in year_waiting by
// this), queued as one batch, as many as `close` counts members (worded
// when it is written out). Then a summary to the secretary naming the
// members short of the quota and the claims still waiting.
void notice_year_closed(Database& db, const Context& context, const YearClose& close);

// The same for a year whose rules one statement cannot follow: each member
// of `lines` (judged by the year's rules) is sent a statement worded from
// their judgement; the counts are read from `close`, the carries from its
// entries.
void notice_year_closed(Database& db,
                        const Context& context,
                        const YearClose& close,
                        const std::vector<ReportLine>& lines);

// Makes the mails of `batch` from the rows its kind keeps (year_account
// and year_waiting for "year-statements", reminder for "reminders"), each
// worded as the mail queued member by member is, with org.name as it was
// queued, and calls `each` with them in the order of their ids (with
// BatchPart::samples, one of each template only). An unknown kind is an
// internal error.
void make_batch_mails(Database& db,
                      const QueuedBatch& batch,
                      BatchPart part,
                      const std::function<void(const Mail&)>& each);

// The statement that selects the rows of a batch of the kind `kind`, in
// the order of its mails: ?1 the batch's first id, ?2 1 for one of each
// template only. Here so that the tests check its query plan.
const std::string& batch_rows_sql(std::string_view kind);

struct Audit;

// To a member drawn for an audit: which year, the approved claims without
// evidence, the deadline (`days` from today) and how to answer; to a member
// drawn again, why.
void notice_audit_drawn(Database& db, const Context& context, const Audit& audit, int days);

// To a member whose audit waits for an answer: the deadline is near. One
// mail for each reminder day (`point`) of an audit.
void notice_audit_reminder(
  Database& db, const Context& context, const Audit& audit, int point, int days_left);

// To the secretary: a member answered their audit, and how its claims stand.
void notice_audit_answered(Database& db, const Context& context, const Audit& audit);

// To the member: the outcome of their audit; for a fail, the reason, the
// claims revoked and the year's new total and carry.
void notice_audit_decided(Database& db,
                          const Context& context,
                          const Audit& audit,
                          const std::vector<Claim>& revoked);

// To the secretary: a member added files to a claim (pending, or approved
// and under audit for `audit_year`); the new files ride along.
void notice_evidence_added(Database& db,
                           const Context& context,
                           const Claim& claim,
                           const Member& member,
                           const std::vector<std::int64_t>& added,
                           std::optional<int> audit_year);

} // namespace cpd
