#pragma once

#include <cpd/claims.hpp>
#include <cpd/context.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>

#include <vector>

namespace cpd {

class Database;
struct YearClose;
struct ReportLine;

// The scheme's mails, queued in the outbox inside the caller's transaction.

// To the member (received) and to the secretary (to decide).
void notice_claim_submitted(Database& db,
                            const Context& context,
                            const Claim& claim,
                            const Member& member);

// To the member only: a claim recorded for them (from an attendance list)
// was received.
void notice_claim_received(Database& db,
                           const Context& context,
                           const Claim& claim,
                           const Member& member);

// To the member: approved (with the new total and what is still needed),
// declined (with the reason) or revoked (with the reason and new total).
void notice_claim_decided(Database& db,
                          const Context& context,
                          const Claim& claim,
                          const Member& member);

// To the secretary: a pending claim was withdrawn.
void notice_claim_withdrawn(Database& db,
                            const Context& context,
                            const Claim& claim,
                            const Member& member);

// To a member short of the quota.
void
notice_reminder(Database& db, const Context& context, const Member& member, const Balance& balance);

// To every member with an account in the closed year, and a summary to the
// secretary.
void notice_year_closed(Database& db,
                        const Context& context,
                        const YearClose& close,
                        const std::vector<ReportLine>& lines);

} // namespace cpd
