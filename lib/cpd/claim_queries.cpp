#include <cpd/claim_store.hpp>
#include <cpd/claims.hpp>
#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/evidence.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>

#include <algorithm>

namespace cpd {

namespace {

// Fills in what a secretary should look at twice before deciding a claim.
void
add_flags(Database& db, Claim& claim)
{
  claim.duplicate_of =
    claim.attachments > 0 ? duplicate_claims(db, claim.id) : std::vector<std::int64_t>();
  Statement same_day(db,
                     "SELECT o.id FROM claim c JOIN claim o ON o.member_id = c.member_id"
                     " AND o.activity_id = c.activity_id AND o.activity_date = c.activity_date"
                     " AND o.id <> c.id AND o.status IN ('pending', 'approved')"
                     " WHERE c.id = ? ORDER BY o.id");
  same_day.bind(1, claim.id);
  claim.same_day.emplace();
  while (same_day.step()) {
    claim.same_day->push_back(same_day.integer(0));
  }
}

} // namespace

Claim
get_claim(Database& db, const Context& context, std::int64_t id)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto member = require_member(db, context);
  auto stored = require_claim(db, id);
  if (stored.member_id != member.id && member.role != Role::secretary) {
    throw Error(ErrorKind::permission, "claim #{} is not yours", id);
  }
  return stored.claim;
}

std::vector<Claim>
pending_claims(Database& db, const Context& context)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_secretary(db, context);
  Statement query(db, fmt::format("{}{}", k_claim_select, k_pending_claims_where));
  std::vector<Claim> claims;
  while (query.step()) {
    claims.push_back(read_claim(query));
  }
  for (auto& claim : claims) {
    add_flags(db, claim);
  }
  return claims;
}

std::vector<Claim>
pending_claims_of_year(Database& db, int year)
{
  Statement query(db,
                  fmt::format("{} WHERE c.status = 'pending' AND c.year = ?"
                              " ORDER BY m.login, c.activity_date, c.id",
                              k_claim_select));
  query.bind(1, year);
  std::vector<Claim> claims;
  while (query.step()) {
    claims.push_back(read_claim(query));
  }
  return claims;
}

void
for_each_member_claim(Database& db,
                      std::int64_t member_id,
                      std::optional<int> year,
                      const std::function<void(const Claim&)>& each)
{
  Statement query(db, fmt::format("{}{}", k_claim_select, k_member_claims_where));
  query.bind(1, member_id);
  query.bind(2, year);
  while (query.step()) {
    each(read_claim(query));
  }
}

std::vector<Claim>
member_claims(Database& db, std::int64_t member_id, std::optional<int> year)
{
  std::vector<Claim> claims;
  for_each_member_claim(db, member_id, year, [&](const Claim& claim) { claims.push_back(claim); });
  return claims;
}

FilteredClaims
find_pending(Database& db, const Context& context, const ClaimFilter& filter)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto secretary = require_secretary(db, context);
  std::optional<std::int64_t> activity_id;
  if (filter.activity) {
    activity_id = require_activity(db, *filter.activity).id;
  }
  std::optional<std::int64_t> member_id;
  if (filter.member) {
    const auto member = find_member(db, *filter.member);
    if (!member) {
      throw Error(ErrorKind::unknown_member,
                  "no member with login '{}'; see cpd member list",
                  *filter.member);
    }
    member_id = member->id;
  }
  Statement query(db,
                  fmt::format("{} WHERE c.status = 'pending'"
                              " AND (?1 IS NULL OR c.activity_id = ?1)"
                              " AND (?2 IS NULL OR c.member_id = ?2)"
                              " AND (?3 IS NULL OR c.activity_date < ?3)"
                              " ORDER BY c.submitted_at, c.id",
                              k_claim_select));
  query.bind(1, activity_id);
  query.bind(2, member_id);
  query.bind(3, filter.before ? std::optional(filter.before->to_string()) : std::nullopt);
  FilteredClaims result;
  while (query.step()) {
    if (query.integer(k_claim_member_column) == secretary.id) {
      ++result.own_left_out;
      continue;
    }
    result.claims.push_back(read_claim(query));
  }
  query.reset();
  for (auto& claim : result.claims) {
    add_flags(db, claim);
  }
  if (filter.flagged == ClaimFilter::Flagged::leave_out) {
    const auto flagged = std::stable_partition(
      result.claims.begin(), result.claims.end(), [](const Claim& c) { return !c.flagged(); });
    result.flagged_left_out.assign(flagged, result.claims.end());
    result.claims.erase(flagged, result.claims.end());
  }
  return result;
}

History
history(Database& db,
        const Context& context,
        const std::optional<std::string>& login,
        std::optional<int> year)
{
  History result;
  read_history(db,
               context,
               login,
               year,
               {[&](const Member& member) { result.member = member; },
                [&](const Claim& claim) { result.claims.push_back(claim); },
                [&](const Entry& entry) { result.entries.push_back(entry); }});
  return result;
}

void
read_history(Database& db,
             const Context& context,
             const std::optional<std::string>& login,
             std::optional<int> year,
             const HistoryReader& reader)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto member = resolve_subject(db, context, login);
  if (reader.member) {
    reader.member(member);
  }
  if (reader.claim) {
    for_each_member_claim(db, member.id, year, reader.claim);
  }
  if (reader.entry) {
    for_each_member_entry(db, member.id, year, reader.entry);
  }
}

} // namespace cpd
