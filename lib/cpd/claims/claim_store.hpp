#pragma once

// A claim's rows and the rules every way of making or deciding a claim
// shares: the member's own claim (claims.cpp), the secretary's attendance
// list (attendance.cpp) and the read side (claim_queries.cpp). Callers hold
// the transaction.

#include <cpd/claims/claims.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace cpd {

class Statement;

// The columns read_claim() reads; the claim's member id is column 16.
inline constexpr std::string_view k_claim_select =
  "SELECT c.id, m.login, m.name, a.code, a.title, c.activity_date, c.quantity,"
  " a.unit, c.points, c.note, c.status, c.submitted_at, d.login, c.decided_at,"
  " c.reason, (SELECT count(*) FROM attachment t WHERE t.claim_id = c.id),"
  " c.member_id, c.category, c.evidence_purged"
  " FROM claim c JOIN member m ON m.id = c.member_id"
  " JOIN activity a ON a.id = c.activity_id"
  " LEFT JOIN member d ON d.id = c.decided_by";
inline constexpr int k_claim_member_column = 16;
// What follows k_claim_select for the claims waiting for a decision, oldest
// first, and for a member's claims of a year (?2; NULL: all years) by date.
inline constexpr std::string_view k_pending_claims_where =
  " WHERE c.status = 'pending' ORDER BY c.submitted_at, c.id";
inline constexpr std::string_view k_member_claims_where =
  " WHERE c.member_id = ?1 AND (?2 IS NULL OR c.year = ?2) ORDER BY c.activity_date, c.id";

// The member's live claims of an activity on a day: id, status.
inline constexpr const char* k_live_claim_sql =
  "SELECT id, status FROM claim WHERE member_id = ? AND activity_id = ?"
  " AND activity_date = ? AND status IN ('pending', 'approved') ORDER BY id";

// The flags of the pending claims, worked out for all of them at once
// (claim_queries.cpp): the live claims of each member's activity and day
// that a pending claim is in, and the claims holding each file a pending
// claim holds.
extern const char* const k_same_day_groups_sql;
extern const char* const k_same_file_groups_sql;

// A row of k_claim_select. A row that cannot be what the schema allows (an
// unknown status, a bad date) is an internal error that names the claim:
// never guessed at, as a guess could make a claim look approvable.
Claim read_claim(const Statement& row);

struct StoredClaim
{
  Claim claim;
  std::int64_t member_id = 0;
};

std::optional<StoredClaim> find_claim(Database& db, std::int64_t id);
// The same; an unknown claim is refused.
StoredClaim require_claim(Database& db, std::int64_t id);

// Refuses text with control characters, invalid UTF-8 or over the size limit.
void validate_text(std::string_view text, std::string_view what);

// Records a step of the claim's life (its event), by `actor_id` at `at`.
void record_event(Database& db,
                  std::int64_t claim_id,
                  ClaimStatus status,
                  std::int64_t actor_id,
                  std::int64_t at,
                  std::string_view reason);

// Moves the claim to `status` and records the event.
void set_status(Database& db,
                std::int64_t claim_id,
                ClaimStatus status,
                std::int64_t actor_id,
                std::int64_t at,
                std::string_view reason);

// A new claim that may be made: its activity, day and quantity, and what
// it is worth.
struct Claimable
{
  Activity activity;
  Date date{2017, 1, 1};
  std::optional<Quantity> quantity;
  Points points;
  std::optional<PointsWorking> working;
};

// The activity `code` for a claim on `date` of `quantity`, in the unit it
// was given in (none: the activity's own), and what that claim is worth.
// Refuses a retired activity, a quantity that does not fit its unit, and a
// date the scheme does not accept: in the future, before the scheme, or in
// a year that ended more than scheme.grace_days ago. `actor` makes the
// claim: a member, or a secretary recording attendance.
Claimable claimable(Database& db,
                    const Context& context,
                    const Member& actor,
                    std::string_view code,
                    Date date,
                    const std::optional<Quantity>& quantity,
                    std::optional<Unit> given_unit);

// The member's live (pending or approved) claim of this activity that day:
// its id and status.
std::optional<std::pair<std::int64_t, std::string>>
live_claim(Database& db, std::int64_t member_id, std::int64_t activity_id, Date date);

// Stores a new pending claim of the member's, made by `actor_id` (the
// member, or a secretary recording attendance), and its first event;
// returns its id.
std::int64_t insert_claim(Database& db,
                          std::int64_t member_id,
                          const Claimable& claim,
                          std::string_view note,
                          std::int64_t actor_id,
                          std::int64_t now);

// Approves a pending claim: the decision and the award in the ledger, with
// the carries of a closed year corrected (returned).
std::vector<YearCorrection> approve_one(Database& db,
                                        const Context& context,
                                        const StoredClaim& stored,
                                        const Member& secretary,
                                        std::string_view note);

} // namespace cpd
