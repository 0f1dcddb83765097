#pragma once

#include <cpd/claims/claims.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cpd {

// What claims record as they happen (see store/events.hpp).

// A member made a claim.
struct ClaimSubmitted
{
  const Claim& claim;
  const Member& member;
};

// The secretary recorded a member's attendance: an approved claim the
// member did not make.
struct AttendanceRecorded
{
  const Claim& claim;
  const Member& member;
};

// A claim was approved, declined or revoked (its status says which);
// `corrections` is what the decision did to closed years.
struct ClaimDecided
{
  const Claim& claim;
  const Member& member;
  const std::vector<YearCorrection>& corrections;
};

// A member withdrew a pending claim.
struct ClaimWithdrawn
{
  const Claim& claim;
  const Member& member;
};

// A member added files (`added`) to a claim: pending, or approved and
// under audit for `audit_year`.
struct EvidenceAdded
{
  const Claim& claim;
  const Member& member;
  const std::vector<std::int64_t>& added;
  std::optional<int> audit_year;
};

// The evidence of withdrawn claims is purged: the files `attachments` (ids)
// are deleted right after, in the same transaction.
struct EvidencePurged
{
  const std::vector<std::int64_t>& attachments;
};

// A member was refused over one of their quotas.
struct QuotaReached
{
  enum class Kind { claims_per_day, evidence_per_year };
  const Member& member;
  Kind kind;
  std::string limit; // "100 claims in 24 hours"
  int year;          // of the evidence; the day's year for claims
};

} // namespace cpd
