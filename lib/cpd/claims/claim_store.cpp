#include <cpd/claims/claim_store.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/rows.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/text.hpp>

namespace cpd {

namespace {

constexpr std::size_t k_max_text_bytes = 2000;

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

// The largest quantity one claim can count.
constexpr std::int64_t k_max_quantity_hundredths = std::int64_t{10000} * 100;

} // namespace

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
  if (const auto purged = row.optional_text(18)) {
    claim.evidence_purged = Date::parse(*purged);
    if (!claim.evidence_purged) {
      damaged(claim.id, "evidence purge date", *purged);
    }
  }
  return claim;
}

std::optional<StoredClaim>
find_claim(Database& db, std::int64_t id)
{
  Statement query(db, fmt::format("{} WHERE c.id = ?", k_claim_select));
  query.bind(1, id);
  return first_row(query, [](const Statement& row) {
    return StoredClaim{read_claim(row), row.integer(k_claim_member_column)};
  });
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

namespace {

// What a claim of `activity` is worth for the quantity given.
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

// Refuses a retired activity and a date the scheme does not accept.
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

} // namespace

Claimable
claimable(Database& db,
          const Context& context,
          const Member& actor,
          std::string_view code,
          Date date,
          const std::optional<Quantity>& quantity,
          std::optional<Unit> given_unit)
{
  auto activity = require_activity(db, code);
  check_claimable(db, context, actor, activity, date);
  const auto valued = value_claim(activity, quantity, given_unit);
  return {std::move(activity), date, quantity, valued.points, valued.working};
}

std::optional<std::pair<std::int64_t, std::string>>
live_claim(Database& db, std::int64_t member_id, std::int64_t activity_id, Date date)
{
  Statement duplicate(db, k_live_claim_sql);
  duplicate.bind_all(member_id, activity_id, date.to_string());
  if (!duplicate.step()) {
    return std::nullopt;
  }
  return std::pair(duplicate.integer(0), duplicate.text(1));
}

std::int64_t
insert_claim(Database& db,
             std::int64_t member_id,
             const Claimable& claim,
             std::string_view note,
             std::int64_t actor_id,
             std::int64_t now)
{
  Statement(db,
            "INSERT INTO claim(member_id, activity_id, activity_date, year, quantity,"
            " points, note, submitted_at, category) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?)")
    .bind_all(member_id,
              claim.activity.id,
              claim.date.to_string(),
              claim.date.year(),
              claim.quantity ? std::optional(claim.quantity->hundredths()) : std::nullopt,
              claim.points.tenths(),
              note,
              now,
              claim.activity.category)
    .run();
  const auto id = db.last_insert_id();
  record_event(db, id, ClaimStatus::pending, actor_id, now, "");
  return id;
}

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
             {.member_id = stored.member_id,
              .year = claim.year(),
              .kind = EntryKind::award,
              .points = claim.points,
              .claim_id = claim.id,
              .actor_id = secretary.id,
              .at = context.now,
              .reason = fmt::format("claim #{} approved", claim.id)});
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

} // namespace cpd
