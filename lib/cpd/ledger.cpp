#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/ledger.hpp>
#include <cpd/members.hpp>
#include <cpd/settings.hpp>

namespace cpd {

namespace {

// The sum of a member's entries in a year, of one kind or all.
Points
sum_entries(Database& db, std::int64_t member_id, int year, std::optional<EntryKind> kind)
{
  Statement query(db,
                  "SELECT coalesce(sum(points), 0) FROM entry"
                  " WHERE member_id = ?1 AND year = ?2 AND (?3 IS NULL OR kind = ?3)");
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

void
correct_carries(Database& db,
                std::int64_t member_id,
                int from_year,
                std::optional<std::int64_t> actor_id,
                std::int64_t at)
{
  // Later closed years depend on the carry out of earlier ones: go forward.
  for (int year = from_year;; ++year) {
    const auto closed = closed_year(db, year);
    if (!closed) {
      break;
    }
    const Points total = sum_entries(db, member_id, year, std::nullopt);
    const Points due = min(closed->carry_cap, max(Points(), total - closed->quota));
    const Points carried = sum_entries(db, member_id, year + 1, EntryKind::carry);
    if (due != carried) {
      post_entry(db,
                 member_id,
                 year + 1,
                 EntryKind::carry,
                 due - carried,
                 std::nullopt,
                 actor_id,
                 at,
                 fmt::format("carry from {} corrected", year));
    }
  }
}

Balance
member_balance(Database& db, std::int64_t member_id, int year)
{
  Statement who(db, "SELECT login, name FROM member WHERE id = ?");
  who.bind(1, member_id);
  if (!who.step()) {
    throw Error(ErrorKind::unknown_member, "no member #{}", member_id);
  }
  Balance balance;
  balance.member = who.text(0);
  balance.name = who.text(1);
  balance.year = year;
  balance.carried_in = sum_entries(db, member_id, year, EntryKind::carry);
  balance.total = sum_entries(db, member_id, year, std::nullopt);
  balance.earned = balance.total - balance.carried_in;
  const auto closed = closed_year(db, year);
  balance.closed = closed.has_value();
  balance.quota = closed ? closed->quota : load_scheme(db).quota;
  balance.remaining = max(Points(), balance.quota - balance.total);
  balance.compliant = balance.total >= balance.quota;

  Statement pending(db,
                    "SELECT coalesce(sum(points), 0) FROM claim"
                    " WHERE member_id = ? AND year = ? AND status = 'pending'");
  pending.bind_all(member_id, year);
  pending.step();
  balance.pending = Points::from_tenths(pending.integer(0));

  Statement exempt(
    db, "SELECT 1 FROM exemption WHERE member_id = ? AND year = ? AND lifted_at IS NULL");
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

std::vector<Entry>
member_entries(Database& db, std::int64_t member_id, std::optional<int> year)
{
  Statement query(db,
                  "SELECT e.id, e.year, e.kind, e.points, e.claim_id, m.login, e.at,"
                  " coalesce(e.reason, '') FROM entry e"
                  " LEFT JOIN member m ON m.id = e.actor_id"
                  " WHERE e.member_id = ?1 AND (?2 IS NULL OR e.year = ?2)"
                  " ORDER BY e.year, e.id");
  query.bind(1, member_id);
  query.bind(2, year);
  std::vector<Entry> entries;
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
    entries.push_back(std::move(entry));
  }
  return entries;
}

} // namespace cpd
