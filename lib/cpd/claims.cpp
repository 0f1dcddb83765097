#include <cpd/audit.hpp>
#include <cpd/claims.hpp>
#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/json.hpp>
#include <cpd/evidence.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/settings.hpp>
#include <cpd/sha256.hpp>
#include <cpd/text.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

namespace cpd {

namespace {

constexpr std::size_t k_max_text_bytes = 2000;

constexpr std::string_view k_claim_select =
  "SELECT c.id, m.login, m.name, a.code, a.title, c.activity_date, c.quantity,"
  " a.unit, c.points, c.note, c.status, c.submitted_at, d.login, c.decided_at,"
  " c.reason, (SELECT count(*) FROM attachment t WHERE t.claim_id = c.id),"
  " c.member_id, c.category"
  " FROM claim c JOIN member m ON m.id = c.member_id"
  " JOIN activity a ON a.id = c.activity_id"
  " LEFT JOIN member d ON d.id = c.decided_by";

// A row that cannot be what the schema allows: the database was changed
// outside cpd. Never guessed at: a guess could make a claim look approvable.
[[noreturn]] void
damaged(std::int64_t claim_id, std::string_view column, std::string_view value)
{
  throw Error(ErrorKind::internal,
              "claim #{} has {} {} in the database, which cpd never writes; run cpd check",
              claim_id,
              column,
              json_string(value));
}

Claim
read_claim(const Statement& row)
{
  Claim claim;
  claim.id = row.integer(0);
  claim.member = row.text(1);
  claim.member_name = row.text(2);
  claim.activity = row.text(3);
  claim.activity_title = row.text(4);
  const auto date = Date::parse(row.text(5));
  if (!date) {
    damaged(claim.id, "activity date", row.text(5));
  }
  claim.date = *date;
  if (const auto quantity = row.optional_integer(6)) {
    claim.quantity = Quantity::from_hundredths(*quantity);
  }
  const auto unit = parse_unit(row.text(7));
  if (!unit) {
    damaged(claim.id, "unit", row.text(7));
  }
  claim.unit = *unit;
  claim.points = Points::from_tenths(row.integer(8));
  claim.note = row.optional_text(9).value_or("");
  const auto status = parse_claim_status(row.text(10));
  if (!status) {
    damaged(claim.id, "status", row.text(10));
  }
  claim.status = *status;
  claim.submitted_at = row.integer(11);
  claim.decided_by = row.optional_text(12);
  claim.decided_at = row.optional_integer(13);
  claim.reason = row.optional_text(14);
  claim.attachments = static_cast<int>(row.integer(15));
  claim.category = row.text(17);
  return claim;
}

struct StoredClaim
{
  Claim claim;
  std::int64_t member_id;
};

std::optional<StoredClaim>
find_claim(Database& db, std::int64_t id)
{
  Statement query(db, fmt::format("{} WHERE c.id = ?", k_claim_select));
  query.bind(1, id);
  if (!query.step()) {
    return std::nullopt;
  }
  return StoredClaim{read_claim(query), query.integer(16)};
}

StoredClaim
require_claim(Database& db, std::int64_t id)
{
  auto claim = find_claim(db, id);
  if (!claim) {
    throw Error(ErrorKind::refused, "there is no claim #{}", id);
  }
  return *claim;
}

// Refuses text with control characters, invalid UTF-8 or over the size limit.
void
validate_text(std::string_view text, std::string_view what)
{
  if (text.size() > k_max_text_bytes) {
    throw Error(ErrorKind::bad_input,
                "the {} is too long ({} bytes; at most {})",
                what,
                text.size(),
                k_max_text_bytes);
  }
  if (!valid_utf8(text) || has_control_characters(text, AllowNewlines::yes)) {
    throw Error(ErrorKind::bad_input, "the {} must be UTF-8 text without control characters", what);
  }
}

void
record_event(Database& db,
             std::int64_t claim_id,
             ClaimStatus status,
             std::int64_t actor_id,
             std::int64_t at,
             std::string_view reason)
{
  Statement(db,
            "INSERT INTO claim_event(claim_id, status, actor_id, at, reason)"
            " VALUES (?, ?, ?, ?, NULLIF(?, ''))")
    .bind_all(claim_id, to_string(status), actor_id, at, reason)
    .run();
}

void
set_status(Database& db,
           std::int64_t claim_id,
           ClaimStatus status,
           std::int64_t actor_id,
           std::int64_t at,
           std::string_view reason)
{
  Statement(db,
            "UPDATE claim SET status = ?, decided_by = ?, decided_at = ?,"
            " reason = NULLIF(?, '') WHERE id = ?")
    .bind_all(to_string(status), actor_id, at, reason, claim_id)
    .run();
  record_event(db, claim_id, status, actor_id, at, reason);
}

// The largest quantity one claim can count.
constexpr std::int64_t k_max_quantity_hundredths = 10000 * 100;

// What a claim of `activity` is worth for the quantity given, in the unit
// the member gave it in (none: the activity's own).
struct Valued
{
  Points points;
  std::optional<PointsWorking> working;
};

Valued
value_claim(const Activity& activity,
            const std::optional<Quantity>& quantity,
            std::optional<Unit> given_unit)
{
  if (activity.unit == Unit::claim) {
    if (quantity) {
      throw Error(ErrorKind::usage,
                  "'{}' is worth {} per claim; {} does not apply",
                  activity.code,
                  points_phrase(activity.points),
                  given_unit ? quantity_option(*given_unit) : "a quantity");
    }
    return {activity.points, std::nullopt};
  }
  const auto option = quantity_option(activity.unit);
  if (!quantity) {
    throw Error(ErrorKind::usage,
                "'{}' is worth {}; say how many {}s with {} N",
                activity.code,
                rate_phrase(activity.points, activity.unit),
                to_string(activity.unit),
                option);
  }
  if (given_unit && *given_unit != activity.unit) {
    throw Error(ErrorKind::usage,
                "'{}' is counted in {}s, not {}s: use {} {}",
                activity.code,
                to_string(activity.unit),
                to_string(*given_unit),
                option,
                quantity->to_string());
  }
  if (quantity->hundredths() > k_max_quantity_hundredths) {
    throw Error(ErrorKind::bad_input,
                "{} is more than one claim can count (at most 10000)",
                quantity_phrase(*quantity, activity.unit));
  }
  const auto working = work_out_points(activity.points, *quantity, activity.max_points);
  if (!working) {
    throw Error(ErrorKind::bad_input, "points out of range");
  }
  if (working->points <= Points()) {
    throw Error(ErrorKind::refused,
                "{} at {} is {} of a point, less than the 0.1 a claim must be worth",
                quantity_phrase(*quantity, activity.unit),
                rate_phrase(activity.points, activity.unit),
                working->exact_text());
  }
  return {working->points, working};
}

// Refuses a retired activity and a date the scheme does not accept: in the
// future, before the scheme, or in a year that ended more than
// scheme.grace_days ago. `actor` makes the claim: a member, or a secretary
// recording attendance.
void
check_claimable(
  Database& db, const Context& context, const Member& actor, const Activity& activity, Date date)
{
  if (activity.retired) {
    throw Error(ErrorKind::refused,
                "activity '{}' is retired and can no longer be claimed; see cpd activities",
                activity.code);
  }
  const Scheme scheme = load_scheme(db);
  if (date > context.today) {
    throw Error(ErrorKind::refused,
                "{} is in the future; claim an activity once it has taken place",
                date.to_string());
  }
  if (date < scheme.start) {
    throw Error(ErrorKind::refused,
                "{} is before the scheme started on {}",
                date.to_string(),
                scheme.start.to_string());
  }
  const auto last_day = year_end(date.year()).plus_days(scheme.grace_days);
  if (context.today > last_day) {
    throw Error(ErrorKind::refused,
                "the CPD year {} is closed: claims for it were taken until {}; {}",
                date.year(),
                last_day.to_long_string(),
                actor.role == Role::secretary
                  ? fmt::format("add the points with cpd adjust LOGIN POINTS --year {} "
                                "--reason TEXT",
                                date.year())
                  : std::string("ask the membership secretary to adjust your record"));
  }
}

// The member's live (pending or approved) claim of this activity that day:
// its id and status.
std::optional<std::pair<std::int64_t, std::string>>
live_claim(Database& db, std::int64_t member_id, std::int64_t activity_id, Date date)
{
  Statement duplicate(db,
                      "SELECT id, status FROM claim WHERE member_id = ? AND activity_id = ?"
                      " AND activity_date = ? AND status IN ('pending', 'approved')"
                      " ORDER BY id");
  duplicate.bind_all(member_id, activity_id, date.to_string());
  if (!duplicate.step()) {
    return std::nullopt;
  }
  return std::pair(duplicate.integer(0), duplicate.text(1));
}

// Stores a new pending claim and its first event; returns its id.
std::int64_t
insert_claim(Database& db,
             std::int64_t member_id,
             const Activity& activity,
             Date date,
             const std::optional<Quantity>& quantity,
             Points points,
             std::string_view note,
             std::int64_t actor_id,
             std::int64_t now)
{
  Statement(db,
            "INSERT INTO claim(member_id, activity_id, activity_date, year, quantity,"
            " points, note, submitted_at, category) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?)")
    .bind_all(member_id,
              activity.id,
              date.to_string(),
              date.year(),
              quantity ? std::optional(quantity->hundredths()) : std::nullopt,
              points.tenths(),
              note,
              now,
              activity.category)
    .run();
  const auto id = db.last_insert_id();
  record_event(db, id, ClaimStatus::pending, actor_id, now, "");
  return id;
}

// Refuses files offered for a claim (a new one, or `claim_id` with the files
// it holds): an empty file, one past the size limits, or the same file
// (by SHA-256) twice on the claim.
void
check_new_files(Database& db,
                std::optional<std::int64_t> claim_id,
                const std::vector<AttachmentFile>& files)
{
  const auto limits = load_attachment_limits(db);
  std::uint64_t attached = 0;
  // SHA-256 -> the name it has, and whether the claim holds it already.
  std::map<std::string, std::pair<std::string, bool>> seen;
  if (claim_id) {
    for (const auto& info : claim_attachments(db, *claim_id)) {
      seen.emplace(info.sha256, std::pair(info.name, true));
      attached += static_cast<std::uint64_t>(info.size);
    }
  }
  for (const auto& file : files) {
    if (file.content.empty()) {
      throw Error(
        ErrorKind::bad_input, "{} is empty: attach the file with the evidence", file.name);
    }
    if (file.content.size() > limits.per_file) {
      throw Error(ErrorKind::refused,
                  "{} is larger than the {} bytes allowed per attachment",
                  file.name,
                  limits.per_file);
    }
    const auto [same, fresh] = seen.emplace(sha256_hex(file.content), std::pair(file.name, false));
    if (!fresh) {
      const auto& [name, held] = same->second;
      throw Error(ErrorKind::refused,
                  "{} is the same file as {}{}: attach each file once",
                  file.name,
                  name,
                  held ? fmt::format(", already attached to claim #{}", *claim_id) : "");
    }
    attached += file.content.size();
  }
  if (attached > limits.per_claim) {
    throw Error(ErrorKind::refused,
                "the attachments add up to {} bytes; at most {} are allowed per claim",
                attached,
                limits.per_claim);
  }
}

// Stores files with a claim; returns their ids.
std::vector<std::int64_t>
store_files(Database& db, std::int64_t claim_id, const std::vector<AttachmentFile>& files)
{
  Statement insert(db,
                   "INSERT INTO attachment(claim_id, name, media_type, size,"
                   " sha256, content) VALUES (?, ?, ?, ?, ?, ?)");
  std::vector<std::int64_t> ids;
  for (const auto& file : files) {
    insert.reset();
    insert.bind_all(claim_id,
                    file.name,
                    file.media_type,
                    static_cast<std::int64_t>(file.content.size()),
                    sha256_hex(file.content));
    insert.bind_blob(6, std::as_bytes(std::span(file.content)));
    insert.run();
    ids.push_back(db.last_insert_id());
  }
  return ids;
}

// Approves a pending claim: the decision and the award in the ledger.
std::vector<YearCorrection>
approve_one(Database& db,
            const Context& context,
            const StoredClaim& stored,
            const Member& secretary,
            std::string_view note)
{
  const auto& claim = stored.claim;
  const auto mark = ledger_mark(db, stored.member_id);
  set_status(db, claim.id, ClaimStatus::approved, secretary.id, context.now, note);
  post_entry(db,
             stored.member_id,
             claim.year(),
             EntryKind::award,
             claim.points,
             claim.id,
             secretary.id,
             context.now,
             fmt::format("claim #{} approved", claim.id));
  if (!year_closed(db, claim.year())) {
    return {};
  }
  return correct_carries(db,
                         stored.member_id,
                         claim.year(),
                         mark,
                         secretary.id,
                         context.now,
                         fmt::format("claim #{} approved after the year closed", claim.id));
}

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
  switch (status) {
  case ClaimStatus::pending:
    return "pending";
  case ClaimStatus::approved:
    return "approved";
  case ClaimStatus::declined:
    return "declined";
  case ClaimStatus::withdrawn:
    return "withdrawn";
  case ClaimStatus::revoked:
    return "revoked";
  }
  return "pending";
}

std::optional<ClaimStatus>
parse_claim_status(std::string_view text)
{
  for (const auto status : {ClaimStatus::pending,
                            ClaimStatus::approved,
                            ClaimStatus::declined,
                            ClaimStatus::withdrawn,
                            ClaimStatus::revoked}) {
    if (text == to_string(status)) {
      return status;
    }
  }
  return std::nullopt;
}

AttachmentFile
attachment_file(std::string_view path, std::string content)
{
  const auto name = base_name(path);
  if (!name) {
    throw Error(ErrorKind::no_input, "'{}' does not name a file to attach", path);
  }
  auto type = media_type(*name, std::string_view(content).substr(0, 512));
  return AttachmentFile{std::string(*name), std::move(type), std::move(content)};
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
submit_claim(Database& db, const Context& context, const ClaimRequest& request)
{
  validate_text(request.note, "note");
  Transaction transaction(db, Transaction::Kind::write);
  const auto member = require_member(db, context);
  const auto activity = require_activity(db, request.activity);
  const Date date = request.date.value_or(context.today);
  check_claimable(db, context, member, activity, date);
  const auto valued = value_claim(activity, request.quantity, request.unit);
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

  const auto id = insert_claim(db,
                               member.id,
                               activity,
                               date,
                               request.quantity,
                               valued.points,
                               request.note,
                               member.id,
                               context.now);
  store_files(db, id, request.attachments);
  auto claim = require_claim(db, id).claim;
  claim.working = valued.working;
  notice_claim_submitted(db, context, claim, member);
  transaction.commit();
  return claim;
}

Claim
withdraw_claim(Database& db, const Context& context, std::int64_t id)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto member = require_member(db, context);
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
  notice_claim_withdrawn(db, context, claim, member);
  transaction.commit();
  return claim;
}

std::vector<Claim>
approve_claims(Database& db,
               const Context& context,
               const std::vector<std::int64_t>& ids,
               std::string_view note)
{
  validate_text(note, "note");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = require_secretary(db, context);
  std::vector<Claim> approved;
  for (const auto& stored : claims_to_decide(db, secretary, ids)) {
    const auto& claim = stored.claim;
    const auto corrections = approve_one(db, context, stored, secretary, note);
    approved.push_back(require_claim(db, claim.id).claim);
    notice_claim_decided(db, context, approved.back(), *find_member(db, claim.member), corrections);
  }
  transaction.commit();
  return approved;
}

std::vector<Claim>
decline_claims(Database& db,
               const Context& context,
               const std::vector<std::int64_t>& ids,
               std::string_view reason)
{
  if (reason.find_first_not_of(" \t\n") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "a decline needs a reason: --reason TEXT");
  }
  validate_text(reason, "reason");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = require_secretary(db, context);
  std::vector<Claim> declined;
  for (const auto& stored : claims_to_decide(db, secretary, ids)) {
    set_status(db, stored.claim.id, ClaimStatus::declined, secretary.id, context.now, reason);
    declined.push_back(require_claim(db, stored.claim.id).claim);
    notice_claim_decided(db, context, declined.back(), *find_member(db, stored.claim.member));
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
             stored.member_id,
             stored.claim.year(),
             EntryKind::revocation,
             -stored.claim.points,
             id,
             secretary.id,
             context.now,
             fmt::format("claim #{} revoked", id));
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
    notice_claim_decided(db, context, claim, *find_member(db, claim.member), corrections);
  }
  return claim;
}

Claim
revoke_claim(Database& db, const Context& context, std::int64_t id, std::string_view reason)
{
  if (reason.find_first_not_of(" \t\n") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "a revocation needs a reason: --reason TEXT");
  }
  validate_text(reason, "reason");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = require_secretary(db, context);
  auto claim = revoke_approved_claim(db, context, secretary, id, reason, Notify::yes);
  transaction.commit();
  return claim;
}

AttachResult
attach_evidence(Database& db,
                const Context& context,
                std::int64_t id,
                const std::vector<AttachmentFile>& files)
{
  if (files.empty()) {
    throw Error(ErrorKind::usage, "name at least one file to attach");
  }
  Transaction transaction(db, Transaction::Kind::write);
  const auto member = require_member(db, context);
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
  const auto added = store_files(db, id, files);
  result.claim = require_claim(db, id).claim;
  for (const auto& info : claim_attachments(db, id)) {
    if (std::find(added.begin(), added.end(), info.id) != added.end()) {
      result.added.push_back(info);
    }
  }
  notice_evidence_added(db, context, result.claim, member, added, result.audit_year);
  transaction.commit();
  return result;
}

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
  Statement query(
    db, fmt::format("{} WHERE c.status = 'pending' ORDER BY c.submitted_at, c.id", k_claim_select));
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

std::vector<Claim>
member_claims(Database& db, std::int64_t member_id, std::optional<int> year)
{
  Statement query(db,
                  fmt::format("{} WHERE c.member_id = ?1 AND (?2 IS NULL OR c.year = ?2)"
                              " ORDER BY c.activity_date, c.id",
                              k_claim_select));
  query.bind(1, member_id);
  query.bind(2, year);
  std::vector<Claim> claims;
  while (query.step()) {
    claims.push_back(read_claim(query));
  }
  return claims;
}

AttendanceResult
record_attendance(Database& db, const Context& context, const AttendanceRequest& request)
{
  validate_text(request.note, "note");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = require_secretary(db, context);
  const auto activity = require_activity(db, request.activity);
  check_claimable(db, context, secretary, activity, request.date);
  const auto valued = value_claim(activity, request.quantity, request.unit);

  // Every login must be known before anything is recorded.
  std::vector<std::optional<Member>> members;
  std::vector<std::string> unknown;
  std::size_t unknown_count = 0;
  for (const auto& attendee : request.attendees) {
    members.push_back(find_member(db, attendee.login));
    if (!members.back()) {
      if (++unknown_count <= 20) {
        unknown.push_back(fmt::format("'{}' ({})", attendee.login, attendee.where));
      }
    }
  }
  if (unknown_count > 0 && request.dry_run == DryRun::no) {
    std::string list;
    for (const auto& item : unknown) {
      list += (list.empty() ? "" : ", ") + item;
    }
    if (unknown_count > unknown.size()) {
      list += fmt::format(" and {} more", unknown_count - unknown.size());
    }
    throw Error(ErrorKind::unknown_member,
                "{} unknown member{} on the list, so nothing was recorded: {}; add them "
                "(cpd member add or cpd member import) or correct the list",
                unknown_count,
                unknown_count == 1 ? "" : "s",
                list);
  }

  AttendanceResult result;
  std::map<std::string, std::string> listed; // login -> where first listed
  for (std::size_t i = 0; i < request.attendees.size(); ++i) {
    const auto& attendee = request.attendees[i];
    if (!members[i]) {
      // Only on a dry run: a real one refused the list above.
      result.skipped.push_back({attendee.where,
                                attendee.login,
                                "not a member: add them (cpd member add or cpd member import) "
                                "or correct the list; the list would be refused as it is"});
      continue;
    }
    const auto& member = *members[i];
    auto skip = [&](std::string why) {
      result.skipped.push_back({attendee.where, member.login, std::move(why)});
    };
    if (const auto [first, inserted] = listed.emplace(member.login, attendee.where); !inserted) {
      skip(fmt::format("listed again (first on {})", first->second));
      continue;
    }
    if (member.id == secretary.id) {
      skip("your own attendance: claim it with cpd claim for another secretary to decide");
      continue;
    }
    if (!member.active) {
      skip("membership deactivated");
      continue;
    }
    if (const auto earlier = live_claim(db, member.id, activity.id, request.date)) {
      skip(fmt::format("already claimed (claim #{}, {})", earlier->first, earlier->second));
      continue;
    }
    const auto id = insert_claim(db,
                                 member.id,
                                 activity,
                                 request.date,
                                 request.quantity,
                                 valued.points,
                                 request.note,
                                 secretary.id,
                                 context.now);
    const auto corrections = approve_one(db, context, require_claim(db, id), secretary, "");
    auto claim = require_claim(db, id).claim;
    claim.working = valued.working;
    // One mail: the member made no claim to be told was received.
    notice_attendance_recorded(db, context, claim, member);
    notice_year_corrected(db,
                          context,
                          member,
                          corrections,
                          fmt::format("your attendance at {} on {} was recorded",
                                      claim.activity_title,
                                      claim.date.to_long_string()),
                          fmt::format("claim:{}:approved", claim.id));
    result.approved.push_back(std::move(claim));
  }
  if (request.dry_run == DryRun::no) {
    transaction.commit();
  }
  return result;
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
    if (query.integer(16) == secretary.id) {
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
  Transaction transaction(db, Transaction::Kind::read);
  History result;
  result.member = resolve_subject(db, context, login);
  result.claims = member_claims(db, result.member.id, year);
  result.entries = member_entries(db, result.member.id, year);
  return result;
}

} // namespace cpd
