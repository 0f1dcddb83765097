#include <cpd/claims/claim_store.hpp>
#include <cpd/claims/claims.hpp>
#include <cpd/claims/events.hpp>
#include <cpd/claims/evidence.hpp>
#include <cpd/claims/quotas.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/names.hpp>

#include <algorithm>
#include <set>

namespace cpd {

namespace {

constexpr Names<ClaimStatus, 5> k_claim_status_names{{{ClaimStatus::pending, "pending"},
                                                      {ClaimStatus::approved, "approved"},
                                                      {ClaimStatus::declined, "declined"},
                                                      {ClaimStatus::withdrawn, "withdrawn"},
                                                      {ClaimStatus::revoked, "revoked"}}};

// True while the member's audit of `year` waits for an answer or a
// decision (year/audit.hpp); inside the caller's transaction.
bool
audit_open(Database& db, std::int64_t member_id, int year)
{
  Statement query(db,
                  "SELECT 1 FROM audit WHERE member_id = ? AND year = ?"
                  " AND status IN ('waiting', 'responded')");
  query.bind_all(member_id, year);
  return query.step();
}

std::uint64_t
total_bytes(const std::vector<AttachmentFile>& files)
{
  std::uint64_t bytes = 0;
  for (const auto& file : files) {
    bytes += file.content.size();
  }
  return bytes;
}

// Loads the pending claims to decide, refusing the whole batch if any one
// cannot be decided by this secretary.
std::vector<StoredClaim>
claims_to_decide(Database& db, const Member& secretary, const std::vector<std::int64_t>& ids)
{
  if (ids.empty()) {
    throw Error(ErrorKind::usage, "name at least one claim id");
  }
  std::vector<StoredClaim> claims;
  std::set<std::int64_t> seen;
  for (const auto id : ids) {
    if (!seen.insert(id).second) {
      continue;
    }
    auto stored = require_claim(db, id);
    if (stored.claim.status != ClaimStatus::pending) {
      throw Error(ErrorKind::refused,
                  "claim #{} is already {}; nothing was changed",
                  id,
                  to_string(stored.claim.status));
    }
    if (stored.member_id == secretary.id) {
      throw Error(
        ErrorKind::permission, "claim #{} is your own: another secretary must decide it", id);
    }
    claims.push_back(std::move(stored));
  }
  return claims;
}

} // namespace

std::string_view
to_string(ClaimStatus status)
{
  return name_of(k_claim_status_names, status);
}

std::optional<ClaimStatus>
parse_claim_status(std::string_view text)
{
  return value_named(k_claim_status_names, text);
}

std::string
claim_quantity(const Claim& claim)
{
  return claim.quantity ? quantity_phrase(*claim.quantity, claim.unit) : std::string();
}

std::string
working_phrase(const Claim& claim)
{
  if (!claim.working) {
    return {};
  }
  const auto& working = *claim.working;
  auto text = fmt::format("{} × {} = {} point{}",
                          quantity_phrase(working.quantity, claim.unit),
                          rate_phrase(working.rate, claim.unit),
                          working.exact_text(),
                          working.exact_thousandths == 1000 ? "" : "s");
  if (working.cap) {
    text += fmt::format(", capped at {} per claim", working.cap->to_string());
  } else if (working.rounded_down()) {
    text += fmt::format(", rounded down to {}", working.points.to_string());
  }
  return text;
}

Claim
submit_claim(Database& db, const MemberActor& context, const ClaimRequest& request)
{
  validate_text(request.note, "note");
  Transaction transaction(db, Transaction::Kind::write);
  const auto member = record_of(db, context);
  const Date date = request.date.value_or(context.today);
  const auto valued =
    claimable(db, context, member, request.activity, date, request.quantity, request.unit);
  const auto& activity = valued.activity;
  if (activity.evidence_required && request.attachments.empty()) {
    throw Error(
      ErrorKind::refused, "'{}' needs evidence: attach it with --attach FILE", activity.code);
  }
  check_new_files(db, std::nullopt, request.attachments);
  if (request.duplicates == ClaimRequest::Duplicates::refuse) {
    if (const auto earlier = live_claim(db, member.id, activity.id, date)) {
      throw Error(ErrorKind::refused,
                  "you already claimed '{}' on {} (claim #{}); add --force to claim "
                  "it again",
                  activity.code,
                  date.to_string(),
                  earlier->first);
    }
  }
  check_claim_quota(db, transaction, context, member);
  if (const auto bytes = total_bytes(request.attachments); bytes > 0) {
    check_evidence_quota(db, transaction, context, member, date.year(), bytes);
  }

  const auto id = insert_claim(db, member.id, valued, request.note, member.id, context.now);
  store_files(db, id, request.attachments);
  auto claim = require_claim(db, id).claim;
  claim.working = valued.working;
  db.record(context, ClaimSubmitted{claim, member});
  transaction.commit();
  return claim;
}

Claim
withdraw_claim(Database& db, const MemberActor& context, std::int64_t id)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto member = record_of(db, context);
  auto stored = require_claim(db, id);
  if (stored.member_id != member.id) {
    throw Error(ErrorKind::permission, "claim #{} is not yours to withdraw", id);
  }
  if (stored.claim.status != ClaimStatus::pending) {
    throw Error(ErrorKind::refused,
                "claim #{} is already {}; only a pending claim can be withdrawn",
                id,
                to_string(stored.claim.status));
  }
  set_status(db, id, ClaimStatus::withdrawn, member.id, context.now, "");
  auto claim = require_claim(db, id).claim;
  db.record(context, ClaimWithdrawn{claim, member});
  transaction.commit();
  return claim;
}

std::vector<Claim>
approve_claims(Database& db,
               const Secretary& context,
               const std::vector<std::int64_t>& ids,
               std::string_view note)
{
  validate_text(note, "note");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  std::vector<Claim> approved;
  for (const auto& stored : claims_to_decide(db, secretary, ids)) {
    const auto& claim = stored.claim;
    const auto corrections = approve_one(db, context, stored, secretary, note);
    approved.push_back(require_claim(db, claim.id).claim);
    db.record(context, ClaimDecided{approved.back(), *find_member(db, claim.member), corrections});
  }
  transaction.commit();
  return approved;
}

std::vector<Claim>
decline_claims(Database& db,
               const Secretary& context,
               const std::vector<std::int64_t>& ids,
               std::string_view reason)
{
  if (reason.find_first_not_of(" \t\n") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "a decline needs a reason: --reason TEXT");
  }
  validate_text(reason, "reason");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  std::vector<Claim> declined;
  for (const auto& stored : claims_to_decide(db, secretary, ids)) {
    set_status(db, stored.claim.id, ClaimStatus::declined, secretary.id, context.now, reason);
    declined.push_back(require_claim(db, stored.claim.id).claim);
    db.record(context, ClaimDecided{declined.back(), *find_member(db, stored.claim.member), {}});
  }
  transaction.commit();
  return declined;
}

Claim
revoke_approved_claim(Database& db,
                      const Context& context,
                      const Member& secretary,
                      std::int64_t id,
                      std::string_view reason,
                      Notify notify)
{
  const auto stored = require_claim(db, id);
  if (stored.claim.status != ClaimStatus::approved) {
    throw Error(ErrorKind::refused,
                "claim #{} is {}; only an approved claim can be revoked",
                id,
                to_string(stored.claim.status));
  }
  if (stored.member_id == secretary.id) {
    throw Error(
      ErrorKind::permission, "claim #{} is your own: another secretary must revoke it", id);
  }
  const auto mark = ledger_mark(db, stored.member_id);
  set_status(db, id, ClaimStatus::revoked, secretary.id, context.now, reason);
  post_entry(db,
             {.member_id = stored.member_id,
              .year = stored.claim.year(),
              .kind = EntryKind::revocation,
              .points = -stored.claim.points,
              .claim_id = id,
              .actor_id = secretary.id,
              .at = context.now,
              .reason = fmt::format("claim #{} revoked", id)});
  std::vector<YearCorrection> corrections;
  if (year_closed(db, stored.claim.year())) {
    corrections = correct_carries(db,
                                  stored.member_id,
                                  stored.claim.year(),
                                  mark,
                                  secretary.id,
                                  context.now,
                                  fmt::format("claim #{} revoked", id));
  }
  auto claim = require_claim(db, id).claim;
  if (notify == Notify::yes) {
    db.record(context, ClaimDecided{claim, *find_member(db, claim.member), corrections});
  }
  return claim;
}

Claim
revoke_claim(Database& db, const Secretary& context, std::int64_t id, std::string_view reason)
{
  if (reason.find_first_not_of(" \t\n") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "a revocation needs a reason: --reason TEXT");
  }
  validate_text(reason, "reason");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  auto claim = revoke_approved_claim(db, context, secretary, id, reason, Notify::yes);
  transaction.commit();
  return claim;
}

AttachResult
attach_evidence(Database& db,
                const MemberActor& context,
                std::int64_t id,
                const std::vector<AttachmentFile>& files)
{
  if (files.empty()) {
    throw Error(ErrorKind::usage, "name at least one file to attach");
  }
  Transaction transaction(db, Transaction::Kind::write);
  const auto member = record_of(db, context);
  const auto stored = require_claim(db, id);
  if (stored.member_id != member.id) {
    throw Error(ErrorKind::permission, "claim #{} is not yours", id);
  }
  AttachResult result;
  const auto& claim = stored.claim;
  if (claim.status == ClaimStatus::approved && audit_open(db, member.id, claim.year())) {
    result.audit_year = claim.year();
  } else if (claim.status != ClaimStatus::pending) {
    throw Error(ErrorKind::refused,
                "claim #{} is {}; evidence can be added to a pending claim, or to an approved "
                "one while its year is under audit",
                id,
                to_string(claim.status));
  }
  check_new_files(db, id, files);
  check_evidence_quota(db, transaction, context, member, claim.year(), total_bytes(files));
  const auto added = store_files(db, id, files);
  result.claim = require_claim(db, id).claim;
  for (const auto& info : claim_attachments(db, id)) {
    if (std::find(added.begin(), added.end(), info.id) != added.end()) {
      result.added.push_back(info);
    }
  }
  db.record(context, EvidenceAdded{result.claim, member, added, result.audit_year});
  transaction.commit();
  return result;
}

} // namespace cpd
