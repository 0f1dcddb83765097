#pragma once

#include <cpd/claims/evidence.hpp>
#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

enum class ClaimStatus { pending, approved, declined, withdrawn, revoked };

std::string_view to_string(ClaimStatus status);
std::optional<ClaimStatus> parse_claim_status(std::string_view text);

// What a member submits.
struct ClaimRequest
{
  std::string activity;             // activity code
  std::optional<Date> date;         // default: today
  std::optional<Quantity> quantity; // hours, days or items for per-unit activities
  std::optional<Unit> unit;         // what the quantity counts (--days: days); empty: the
                                    // activity's own unit
  std::string note;
  std::vector<AttachmentFile> attachments;
  enum class Duplicates { refuse, allow } duplicates = Duplicates::refuse;
};

// A claim as people see it.
struct Claim
{
  std::int64_t id = 0;
  std::string member; // login
  std::string member_name;
  std::string activity; // code
  std::string activity_title;
  std::string category; // the activity's when the claim was made
  Date date{2017, 1, 1};
  std::optional<Quantity> quantity;
  Unit unit = Unit::claim;
  Points points;
  std::string note;
  ClaimStatus status = ClaimStatus::pending;
  std::int64_t submitted_at = 0;
  std::optional<std::string> decided_by; // login of the secretary
  std::optional<std::int64_t> decided_at;
  std::optional<std::string> reason; // approval note, decline or revocation reason
  int attachments = 0;
  // How its points were worked out from the activity's rate, cap and the
  // quantity: filled in when the claim is made, for the reply and its mail.
  std::optional<PointsWorking> working;
  // The day a withdrawn claim's evidence was purged.
  std::optional<Date> evidence_purged;
  // Other claims holding one of this claim's files (same SHA-256), of any
  // member; filled in for the secretary's views only.
  std::optional<ClaimRefs> duplicate_of;
  // The member's other live (pending or approved) claims of the same
  // activity on the same day: one of them was made with --force. Filled in
  // with duplicate_of.
  std::optional<ClaimRefs> same_day;

  // Whether a secretary should look twice: a file of another claim, or the
  // same activity claimed twice that day.
  bool
  flagged() const
  {
    return (duplicate_of && !duplicate_of->empty()) || (same_day && !same_day->empty());
  }

  int
  year() const
  {
    return date.year();
  }
};

// "1.5 hours" for a per-unit claim; "" for one scored per claim.
std::string claim_quantity(const Claim& claim);

// How the claim's points were worked out, when the claim is made:
// "1.25 hours × 0.5 points an hour = 0.625 points, rounded down to 0.6",
// "4 days × 5 points a day = 20 points, capped at 15 per claim", "2 days × 5
// points a day = 10 points"; "" for a claim scored per claim.
std::string working_phrase(const Claim& claim);

// Submits a claim for the acting member after checking every rule of the
// scheme; nothing is stored if any fails.
Claim submit_claim(Database& db, const MemberActor& context, const ClaimRequest& request);

// The member withdraws their own pending claim.
Claim withdraw_claim(Database& db, const MemberActor& context, std::int64_t id);

// A secretary approves pending claims, all or none: each gets its award in
// the ledger. Nobody approves their own claim.
std::vector<Claim> approve_claims(Database& db,
                                  const Secretary& context,
                                  const std::vector<std::int64_t>& ids,
                                  std::string_view note);

// A secretary declines pending claims with a reason, all or none.
std::vector<Claim> decline_claims(Database& db,
                                  const Secretary& context,
                                  const std::vector<std::int64_t>& ids,
                                  std::string_view reason);

// A secretary revokes an approved claim with a reason: a reversing ledger
// entry in the claim's year, carries of closed years corrected. Nobody
// revokes their own claim.
Claim
revoke_claim(Database& db, const Secretary& context, std::int64_t id, std::string_view reason);

// Whether a change mails the member.
enum class Notify { no, yes };

// The same, inside the caller's transaction, for a secretary the caller has
// checked, with or without the member's mail.
Claim revoke_approved_claim(Database& db,
                            const Context& context,
                            const Member& secretary,
                            std::int64_t id,
                            std::string_view reason,
                            Notify notify);

// What adding evidence did.
struct AttachResult
{
  Claim claim;
  std::vector<AttachmentInfo> added;
  std::optional<int> audit_year; // the claim is approved and its year under audit
};

// The member adds files to their own claim: a pending one, or an approved
// one while its year is under audit. Empty files, files past the size
// limits and a file the claim holds already (by SHA-256) are refused, and
// then nothing is stored. The secretary is mailed, with the new files.
AttachResult attach_evidence(Database& db,
                             const MemberActor& context,
                             std::int64_t id,
                             const std::vector<AttachmentFile>& files);

// One claim: the member's own, or any for a secretary.
Claim get_claim(Database& db, const MemberActor& context, std::int64_t id);

// Claims waiting for a decision, oldest first (a secretary's view), each
// with its flags: the other claims that hold one of its files, and the
// member's other claims of the activity that day. The flags name a few
// claims each and count the rest, and are worked out for all the claims
// at once: the time and the size of the answer grow with the number of
// claims, never with its square.
std::vector<Claim> pending_claims(Database& db, const Secretary& context);

// Every claim of a CPD year still waiting for a decision, by member login.
std::vector<Claim> pending_claims_of_year(Database& db, int year);

// A member's claims, by date (all years when `year` is empty).
std::vector<Claim> member_claims(Database& db, std::int64_t member_id, std::optional<int> year);

// The same, each told to `each` as it is read.
void for_each_member_claim(Database& db,
                           std::int64_t member_id,
                           std::optional<int> year,
                           const std::function<void(const Claim&)>& each);

// Pending claims matching a filter, oldest first, for a bulk decision by
// the acting secretary; the secretary's own claims are left out and
// counted, and flagged claims (see Claim::flagged) are left out and listed
// unless the filter includes them.
struct ClaimFilter
{
  std::optional<std::string> activity; // code
  std::optional<std::string> member;   // login
  std::optional<Date> before;          // activity date strictly before
  enum class Flagged { leave_out, include } flagged = Flagged::leave_out;
};
struct FilteredClaims
{
  std::vector<Claim> claims; // each with its flags
  int own_left_out = 0;
  std::vector<Claim> flagged_left_out; // flagged claims the filter matched, left out
};
FilteredClaims find_pending(Database& db, const Secretary& context, const ClaimFilter& filter);

// A member's whole record: claims and ledger entries.
struct History
{
  Member member;
  std::vector<Claim> claims;
  std::vector<Entry> entries;
};

// The record of `login` (default: the caller; others only for a secretary),
// for one year or all.
History history(Database& db,
                const Listed& context,
                const std::optional<std::string>& login,
                std::optional<int> year);

// The same record read row by row: whose it is to `member`, then each claim
// to `claim` and each ledger entry to `entry` as they are read (a part
// without a function is not read).
struct HistoryReader
{
  std::function<void(const Member&)> member;
  std::function<void(const Claim&)> claim;
  std::function<void(const Entry&)> entry;
};
void read_history(Database& db,
                  const Listed& context,
                  const std::optional<std::string>& login,
                  std::optional<int> year,
                  const HistoryReader& reader);

} // namespace cpd
