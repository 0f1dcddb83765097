#pragma once

// What one member may put into the database: claims a day and evidence a
// year (settings claim.max_per_day, attach.max_year_bytes), and the purge
// of a withdrawn claim's evidence (attach.purge_withdrawn_days).

#include <cpd/ledger/members.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>

#include <cstdint>

namespace cpd {

class Database;
class Transaction;

// What one member may put into the database, and how long the evidence of a
// withdrawn claim is kept.
struct Quotas
{
  std::int64_t claims_per_day;     // claims a member makes in any 24 hours
  std::uint64_t evidence_per_year; // bytes attached to a member's claims of one CPD year
  int purge_withdrawn_days;        // days from a withdrawal to the purge of its evidence
};

Quotas load_quotas(Database& db);

// A member's claims (?1) of CPD year ?2 or later made since ?3 (a time);
// their evidence of a CPD year
// (?1 the member, ?2 the year), purged evidence included.
extern const char* const k_claims_today_sql;
extern const char* const k_evidence_of_year_sql;

// Refuses a claim the member makes over their claims of the last 24 hours.
// The refusal changes nothing but the secretary's mail, queued once a day
// for the member: `transaction` commits with only that mail, then the error
// is thrown. Inside the caller's write transaction, before anything else is
// written.
void check_claim_quota(Database& db,
                       Transaction& transaction,
                       const Context& context,
                       const Member& member);

// The same for `adding` bytes of evidence on a claim of `year`, over the
// member's evidence of that CPD year (purged evidence counts too); the
// secretary is told once a year for the member.
void check_evidence_quota(Database& db,
                          Transaction& transaction,
                          const Context& context,
                          const Member& member,
                          int year,
                          std::uint64_t adding);

// What a purge removed.
struct Purged
{
  std::int64_t claims = 0; // withdrawn claims whose evidence went
  std::int64_t files = 0;
  std::int64_t bytes = 0;
};

// Deletes the evidence of every claim withdrawn at least
// attach.purge_withdrawn_days ago, as one statement, noting the day on each
// claim (its history shows it). Declined claims keep theirs. For the system
// or a secretary; in its own transaction. DryRun::yes counts what would go
// and changes nothing.
Purged purge_withdrawn_evidence(Database& db,
                                const SecretaryOrSystem& context,
                                DryRun dry_run = DryRun::no);

} // namespace cpd
