#include <cpd/claims/claim_store.hpp>
#include <cpd/claims/claims.hpp>
#include <cpd/claims/evidence.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

namespace cpd {

// The live claims of each (member, activity, day) that a pending claim is
// in: the day, then the claim's id, status-checked; each group read once
// through claim_duplicate, so the rows are at most the claims.
const char* const k_same_day_groups_sql =
  "SELECT o.member_id, o.activity_id, o.activity_date, o.id FROM"
  " (SELECT DISTINCT member_id, activity_id, activity_date FROM claim"
  "  WHERE status = 'pending') g"
  " JOIN claim o ON o.member_id = g.member_id AND o.activity_id = g.activity_id"
  " AND o.activity_date = g.activity_date"
  " WHERE o.status IN ('pending', 'approved')";

// The claims holding each file that a pending claim holds: its SHA-256,
// then a claim holding it; each file read once through attachment_sha256,
// so the rows are at most the attachments.
const char* const k_same_file_groups_sql =
  "SELECT s.sha256, o.claim_id FROM"
  " (SELECT DISTINCT a.sha256 FROM claim c JOIN attachment a ON a.claim_id = c.id"
  "  WHERE c.status = 'pending') s"
  " JOIN attachment o ON o.sha256 = s.sha256";

namespace {

// A group of claims sharing something, ascending and without repeats.
using Group = std::vector<std::int64_t>;

void
sort_unique(Group& group)
{
  std::sort(group.begin(), group.end());
  group.erase(std::unique(group.begin(), group.end()), group.end());
}

// The first few claims of `members` other than `self`, and the count of the
// rest; `members` holds `self`.
ClaimRefs
others(const Group& members, std::int64_t self)
{
  ClaimRefs refs;
  for (const auto id : members) {
    if (id == self) {
      continue;
    }
    if (refs.ids.size() < k_named_claims) {
      refs.ids.push_back(id);
    } else {
      break;
    }
  }
  refs.more =
    static_cast<std::int64_t>(members.size()) - 1 - static_cast<std::int64_t>(refs.ids.size());
  return refs;
}

// Fills in what a secretary should look at twice before deciding each of
// these pending claims, for all of them at once.
void
add_flags(Database& db, std::vector<Claim>& claims)
{
  std::unordered_map<std::int64_t, Claim*> by_id;
  by_id.reserve(claims.size());
  for (auto& claim : claims) {
    claim.duplicate_of.emplace();
    claim.same_day.emplace();
    by_id.emplace(claim.id, &claim);
  }
  if (claims.empty()) {
    return;
  }

  // The member's other live claims of the activity that day.
  std::map<std::tuple<std::int64_t, std::int64_t, std::string>, Group> days;
  Statement same_day(db, k_same_day_groups_sql);
  while (same_day.step()) {
    days[{same_day.integer(0), same_day.integer(1), same_day.text(2)}].push_back(
      same_day.integer(3));
  }
  for (auto& [day, group] : days) {
    if (group.size() < 2) {
      continue;
    }
    sort_unique(group);
    for (const auto id : group) {
      if (const auto found = by_id.find(id); found != by_id.end()) {
        found->second->same_day = others(group, id);
      }
    }
  }

  // Other claims holding one of the claim's files: the claims of each file,
  // then for each claim the union over its files (one file: that file's).
  std::unordered_map<std::string, Group> files;
  std::unordered_map<std::int64_t, std::vector<const Group*>> held;
  Statement same_file(db, k_same_file_groups_sql);
  while (same_file.step()) {
    files[same_file.text(0)].push_back(same_file.integer(1));
  }
  for (auto& [sha256, group] : files) {
    sort_unique(group);
    if (group.size() < 2) {
      continue;
    }
    for (const auto id : group) {
      if (by_id.contains(id)) {
        held[id].push_back(&group);
      }
    }
  }
  // Claims with the same files have the same union: it is worked out once
  // for each set of files, as its first few claims and its size.
  std::map<std::vector<const Group*>, std::pair<Group, std::int64_t>> unions;
  for (auto& [id, groups] : held) {
    if (groups.size() == 1) {
      by_id[id]->duplicate_of = others(*groups.front(), id);
      continue;
    }
    std::sort(groups.begin(), groups.end());
    auto [found, fresh] = unions.try_emplace(groups);
    if (fresh) {
      Group all;
      for (const auto* group : groups) {
        all.insert(all.end(), group->begin(), group->end());
      }
      sort_unique(all);
      found->second.second = static_cast<std::int64_t>(all.size());
      all.resize(std::min(all.size(), k_named_claims + 1));
      found->second.first = std::move(all);
    }
    const auto& [first, size] = found->second;
    ClaimRefs refs = others(first, id);
    refs.more = size - 1 - static_cast<std::int64_t>(refs.ids.size());
    by_id[id]->duplicate_of = std::move(refs);
  }
}

} // namespace

Claim
get_claim(Database& db, const MemberActor& context, std::int64_t id)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto member = record_of(db, context);
  auto stored = require_claim(db, id);
  if (stored.member_id != member.id && member.role != Role::secretary) {
    throw Error(ErrorKind::permission, "claim #{} is not yours", id);
  }
  return stored.claim;
}

std::vector<Claim>
pending_claims(Database& db, const Secretary& /*context*/)
{
  Transaction transaction(db, Transaction::Kind::read);
  Statement query(db, fmt::format("{}{}", k_claim_select, k_pending_claims_where));
  std::vector<Claim> claims;
  while (query.step()) {
    claims.push_back(read_claim(query));
  }
  add_flags(db, claims);
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
find_pending(Database& db, const Secretary& context, const ClaimFilter& filter)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto secretary = record_of(db, context);
  std::optional<std::int64_t> activity_id;
  if (filter.activity) {
    activity_id = require_activity(db, *filter.activity).id;
  }
  std::optional<std::int64_t> member_id;
  if (filter.member) {
    member_id = require_member(db, *filter.member).id;
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
  add_flags(db, result.claims);
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
        const Listed& context,
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
             const Listed& context,
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
