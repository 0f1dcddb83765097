#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/settings.hpp>
#include <cpd/text.hpp>

namespace cpd {

const char* const k_sum_entries_sql =
  "SELECT coalesce(sum(points), 0) FROM entry"
  " WHERE member_id = ?1 AND year = ?2 AND (?3 IS NULL OR kind = ?3)";

const char* const k_pending_points_sql =
  "SELECT coalesce(sum(points), 0) FROM claim"
  " WHERE member_id = ? AND year = ? AND status = 'pending'";

namespace {

// The sum of a member's entries in a year, of one kind or all.
Points
sum_entries(Database& db, std::int64_t member_id, int year, std::optional<EntryKind> kind)
{
  Statement query(db, k_sum_entries_sql);
  query.bind_all(member_id, year);
  query.bind(3, kind ? std::optional(std::string(to_string(*kind))) : std::nullopt);
  query.step();
  return Points::from_tenths(query.integer(0));
}

struct ClosedYear
{
  int year;
  Points quota;
  Points carry_cap;
};

std::optional<ClosedYear>
closed_year(Database& db, int year)
{
  Statement query(db, "SELECT quota, carry_cap FROM year_close WHERE year = ?");
  query.bind(1, year);
  if (!query.step()) {
    return std::nullopt;
  }
  return ClosedYear{
    year, Points::from_tenths(query.integer(0)), Points::from_tenths(query.integer(1))};
}

} // namespace

std::string_view
to_string(EntryKind kind)
{
  switch (kind) {
  case EntryKind::award:
    return "award";
  case EntryKind::carry:
    return "carry";
  case EntryKind::revocation:
    return "revocation";
  case EntryKind::adjustment:
    return "adjustment";
  }
  return "adjustment";
}

void
post_entry(Database& db,
           std::int64_t member_id,
           int year,
           EntryKind kind,
           Points points,
           std::optional<std::int64_t> claim_id,
           std::optional<std::int64_t> actor_id,
           std::int64_t at,
           std::string_view reason)
{
  Statement(db,
            "INSERT INTO entry(member_id, year, kind, points, claim_id, actor_id, at, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''))")
    .bind_all(member_id, year, to_string(kind), points.tenths(), claim_id, actor_id, at, reason)
    .run();
}

bool
year_closed(Database& db, int year)
{
  return closed_year(db, year).has_value();
}

std::vector<YearCorrection>
correct_carries(Database& db,
                std::int64_t member_id,
                int from_year,
                Points change,
                std::optional<std::int64_t> actor_id,
                std::int64_t at,
                std::string_view cause)
{
  std::vector<YearCorrection> corrections;
  // Later closed years depend on the carry out of earlier ones: go forward.
  for (int year = from_year;; ++year) {
    const auto closed = closed_year(db, year);
    if (!closed) {
      break;
    }
    YearCorrection correction;
    correction.year = year;
    correction.quota = closed->quota;
    correction.total_after = sum_entries(db, member_id, year, std::nullopt);
    correction.total_before = correction.total_after - change;
    const Points due =
      min(closed->carry_cap, max(Points(), correction.total_after - closed->quota));
    const Points carried = sum_entries(db, member_id, year + 1, EntryKind::carry);
    correction.carried_before = carried;
    correction.carried_after = due;
    if (due != carried) {
      post_entry(db,
                 member_id,
                 year + 1,
                 EntryKind::carry,
                 due - carried,
                 std::nullopt,
                 actor_id,
                 at,
                 fmt::format("carry from {} corrected: {}", year, cause));
    }
    corrections.push_back(correction);
    change = due - carried; // what the next year's total changed by
  }
  return corrections;
}

Points
carried_out(Database& db, std::int64_t member_id, int year)
{
  return sum_entries(db, member_id, year + 1, EntryKind::carry);
}

Balance
member_balance(Database& db, std::int64_t member_id, int year)
{
  Statement who(db, "SELECT login, name, active FROM member WHERE id = ?");
  who.bind(1, member_id);
  if (!who.step()) {
    throw Error(ErrorKind::unknown_member, "no member #{}", member_id);
  }
  Balance balance;
  balance.member = who.text(0);
  balance.name = who.text(1);
  balance.active = who.integer(2) != 0;
  balance.year = year;
  balance.carried_in = sum_entries(db, member_id, year, EntryKind::carry);
  balance.total = sum_entries(db, member_id, year, std::nullopt);
  balance.earned = balance.total - balance.carried_in;
  const auto closed = closed_year(db, year);
  balance.closed = closed.has_value();
  balance.quota = closed ? closed->quota : load_scheme(db).quota;
  balance.remaining = max(Points(), balance.quota - balance.total);
  balance.compliant = balance.total >= balance.quota;

  Statement pending(db, k_pending_points_sql);
  pending.bind_all(member_id, year);
  pending.step();
  balance.pending = Points::from_tenths(pending.integer(0));

  Statement exempt(db,
                   "SELECT 1 FROM exemption WHERE member_id = ?1 AND year <= ?2"
                   " AND coalesce(until_year, ?2) >= ?2 AND lifted_at IS NULL");
  exempt.bind_all(member_id, year);
  balance.exempt = exempt.step();
  balance.deadline = year_end(year);
  return balance;
}

Balance
balance(Database& db,
        const Context& context,
        const std::optional<std::string>& login,
        std::optional<int> year)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto subject = resolve_subject(db, context, login);
  const int the_year = year.value_or(context.today.year());
  if (the_year < 1 || the_year > 9999) {
    throw Error(ErrorKind::bad_input, "{} is not a year", the_year);
  }
  return member_balance(db, subject.id, the_year);
}

AdjustResult
adjust_points(Database& db,
              const Context& context,
              std::string_view login,
              Points points,
              int year,
              std::string_view reason)
{
  if (reason.find_first_not_of(" \t") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "an adjustment needs a reason: --reason TEXT");
  }
  if (reason.size() > 2000 || !valid_utf8(reason)
      || has_control_characters(reason, AllowNewlines::no)) {
    throw Error(ErrorKind::bad_input, "the reason must be one line of UTF-8 text");
  }
  if (points == Points()) {
    throw Error(ErrorKind::usage, "an adjustment of 0 points changes nothing");
  }
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = require_secretary(db, context);
  const auto member = find_member(db, login);
  if (!member) {
    throw Error(ErrorKind::unknown_member, "no member with login '{}'; see cpd member list", login);
  }
  if (member->id == secretary.id) {
    throw Error(ErrorKind::permission, "nobody adjusts their own record; another secretary must");
  }
  const int first = load_scheme(db).start.year();
  if (year < first || year > context.today.year()) {
    throw Error(ErrorKind::refused,
                "{} is not a CPD year that can be adjusted: from {} to {}",
                year,
                first,
                context.today.year());
  }
  const auto before = sum_entries(db, member->id, year, std::nullopt);
  if (before + points < Points()) {
    throw Error(ErrorKind::refused,
                "{} has {} in {}; an adjustment cannot take the total below 0",
                login,
                points_phrase(before),
                year);
  }
  post_entry(db,
             member->id,
             year,
             EntryKind::adjustment,
             points,
             std::nullopt,
             secretary.id,
             context.now,
             reason);
  AdjustResult result;
  result.adjustment = {db.last_insert_id(), member->login, year, points, std::string(reason)};
  if (year_closed(db, year)) {
    result.corrections = correct_carries(db,
                                         member->id,
                                         year,
                                         points,
                                         secretary.id,
                                         context.now,
                                         fmt::format("adjustment #{}", result.adjustment.id));
  }
  result.balance = member_balance(db, member->id, year);
  notice_adjustment(db, context, *member, result.adjustment, result.corrections);
  transaction.commit();
  return result;
}

void
for_each_member_entry(Database& db,
                      std::int64_t member_id,
                      std::optional<int> year,
                      const std::function<void(const Entry&)>& each)
{
  Statement query(db,
                  "SELECT e.id, e.year, e.kind, e.points, e.claim_id, m.login, e.at,"
                  " coalesce(e.reason, '') FROM entry e"
                  " LEFT JOIN member m ON m.id = e.actor_id"
                  " WHERE e.member_id = ?1 AND (?2 IS NULL OR e.year = ?2)"
                  " ORDER BY e.year, e.id");
  query.bind(1, member_id);
  query.bind(2, year);
  while (query.step()) {
    Entry entry;
    entry.id = query.integer(0);
    entry.year = static_cast<int>(query.integer(1));
    const auto kind = query.text(2);
    for (const auto k :
         {EntryKind::award, EntryKind::carry, EntryKind::revocation, EntryKind::adjustment}) {
      if (kind == to_string(k)) {
        entry.kind = k;
      }
    }
    entry.points = Points::from_tenths(query.integer(3));
    entry.claim_id = query.optional_integer(4);
    entry.actor = query.optional_text(5);
    entry.at = query.integer(6);
    entry.reason = query.text(7);
    each(entry);
  }
}

std::vector<Entry>
member_entries(Database& db, std::int64_t member_id, std::optional<int> year)
{
  std::vector<Entry> entries;
  for_each_member_entry(db, member_id, year, [&](const Entry& entry) { entries.push_back(entry); });
  return entries;
}

} // namespace cpd
