// The ledger: entries, balances, and the corrections a late approval,
// revocation or adjustment cascades through closed years. Over 500 lines
// because the corrections and the carry rule they re-apply belong together.

#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/events.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>

namespace cpd {

const char* const k_sum_entries_sql =
  "SELECT coalesce(sum(points), 0) FROM entry"
  " WHERE member_id = ?1 AND year = ?2 AND (?3 IS NULL OR kind = ?3)";

const char* const k_pending_points_sql = "SELECT coalesce(sum(points), 0) FROM claim"
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

// The points of a year in a category, carries apart, the way every account
// is read: an award or a revocation counts in its claim's category, a carry
// or an adjustment in its own ("" for none).
// One member's (?1) or, when `Whose::all`, everybody's (?1 unused).
enum class Whose { one, all };
std::string
points_by_category(Whose whose)
{
  return fmt::format(
    "SELECT e.member_id, e.year, coalesce(c.category, e.category, ''), e.kind = 'carry',"
    " sum(e.points) FROM entry e LEFT JOIN claim c ON c.id = e.claim_id"
    " WHERE {} AND e.year BETWEEN ?2 AND ?3 AND (?4 IS NULL OR e.id <= ?4)"
    " GROUP BY e.member_id, e.year, 3, 4",
    whose == Whose::one ? "e.member_id = ?1" : "?1 IS NULL");
}

void
add_points(Account& account, const Statement& row)
{
  const int year = static_cast<int>(row.integer(1));
  const auto points = Points::from_tenths(row.integer(4));
  auto& by_year = row.integer(3) != 0 ? account.carried : account.earned;
  by_year[year][row.text(2)] += points;
}

std::optional<Date>
stored_date(const std::optional<std::string>& text)
{
  return text ? Date::parse(*text) : std::nullopt;
}

// A whole-year dispensation as the days it spans.
DaySpan
year_span(std::int64_t from, std::optional<std::int64_t> until)
{
  return {Date(static_cast<int>(from), 1, 1),
          until ? std::optional(Date(static_cast<int>(*until), 12, 31)) : std::nullopt};
}

// Every dispensation in force, of whole years or part of one, by member
// (one member's when `member_id` is given).
std::map<std::int64_t, std::vector<DaySpan>>
dispensations(Database& db, std::optional<std::int64_t> member_id)
{
  std::map<std::int64_t, std::vector<DaySpan>> spans;
  Statement years(db,
                  "SELECT member_id, year, until_year FROM exemption"
                  " WHERE lifted_at IS NULL AND (?1 IS NULL OR member_id = ?1)");
  years.bind(1, member_id);
  while (years.step()) {
    spans[years.integer(0)].push_back(year_span(years.integer(1), years.optional_integer(2)));
  }
  Statement periods(db,
                    "SELECT member_id, from_date, until_date FROM dispensation_period"
                    " WHERE lifted_at IS NULL AND (?1 IS NULL OR member_id = ?1)");
  periods.bind(1, member_id);
  while (periods.step()) {
    const auto from = Date::parse(periods.text(1));
    if (!from) {
      throw Error(ErrorKind::internal,
                  "a dispensation has the date '{}', which cpd never writes; run cpd check",
                  periods.text(1));
    }
    spans[periods.integer(0)].push_back({*from, stored_date(periods.optional_text(2))});
  }
  return spans;
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
post_entry(Database& db, const NewEntry& entry)
{
  Statement(db,
            "INSERT INTO entry(member_id, year, kind, points, claim_id, actor_id, at, reason,"
            " category) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''))")
    .bind_all(entry.member_id,
              entry.year,
              to_string(entry.kind),
              entry.points.tenths(),
              entry.claim_id,
              entry.actor_id,
              entry.at,
              entry.reason,
              entry.category)
    .run();
}

LedgerMark
ledger_mark(Database& db, std::int64_t member_id)
{
  Statement last(db, "SELECT coalesce(max(id), 0) FROM entry");
  last.step();
  Statement joined(db, "SELECT joined FROM member WHERE id = ?");
  joined.bind(1, member_id);
  joined.step();
  return {last.integer(0), stored_date(joined.optional_text(0))};
}

Account
load_account(
  Database& db, std::int64_t member_id, int from, int to, const std::optional<LedgerMark>& before)
{
  Account account;
  Statement points(db, points_by_category(Whose::one));
  points.bind(1, member_id);
  points.bind(2, from);
  points.bind(3, to + 1);
  points.bind(4, before ? std::optional(before->last_entry) : std::nullopt);
  while (points.step()) {
    add_points(account, points);
  }
  Statement who(db, "SELECT joined, cpd_duty FROM member WHERE id = ?");
  who.bind(1, member_id);
  if (who.step()) {
    account.joined = stored_date(who.optional_text(0));
    account.duty = who.integer(1) != 0;
  }
  if (before) {
    account.joined = before->joined;
  }
  account.dispensed = std::move(dispensations(db, member_id)[member_id]);
  return account;
}

std::string
every_account_points_sql()
{
  return points_by_category(Whose::all);
}

std::map<std::int64_t, MemberAccount>
load_accounts(Database& db, int from, int to)
{
  std::map<std::int64_t, MemberAccount> accounts;
  Statement points(db, points_by_category(Whose::all));
  points.bind(1, std::optional<std::int64_t>());
  points.bind(2, from);
  points.bind(3, to);
  points.bind(4, std::optional<std::int64_t>());
  while (points.step()) {
    add_points(accounts[points.integer(0)].account, points);
  }
  Statement who(db, "SELECT id, login, joined FROM member");
  while (who.step()) {
    if (const auto found = accounts.find(who.integer(0)); found != accounts.end()) {
      found->second.login = who.text(1);
      found->second.account.joined = stored_date(who.optional_text(2));
    }
  }
  return accounts;
}

std::vector<MemberYear>
judge_members(Database& db, int year, const Rules& rules)
{
  const auto start = load_scheme(db).start;
  const int from = std::max(1, year - rules.cycle_years + 1);
  std::vector<MemberYear> members;
  std::map<std::int64_t, std::size_t> index;
  Statement who(db,
                fmt::format("SELECT {} FROM member"
                            " WHERE {} AND (joined IS NULL OR joined <= ?2) ORDER BY login",
                            k_member_columns,
                            duty_sql("member", "?1")));
  who.bind_all(Date(year + 1, 1, 1).days() * 86400, year_end(year).to_string());
  while (who.step()) {
    MemberYear member;
    member.member = read_member(who);
    member.account.joined = member.member.joined;
    index[member.member.id] = members.size();
    members.push_back(std::move(member));
  }
  Statement points(db, points_by_category(Whose::all));
  points.bind(1, std::optional<std::int64_t>());
  points.bind(2, from);
  points.bind(3, year);
  points.bind(4, std::optional<std::int64_t>());
  while (points.step()) {
    if (const auto found = index.find(points.integer(0)); found != index.end()) {
      add_points(members[found->second].account, points);
    }
  }
  Statement pending(db,
                    "SELECT member_id, sum(points) FROM claim"
                    " WHERE year = ? AND status = 'pending' GROUP BY member_id");
  pending.bind(1, year);
  while (pending.step()) {
    if (const auto found = index.find(pending.integer(0)); found != index.end()) {
      members[found->second].pending = Points::from_tenths(pending.integer(1));
    }
  }
  for (auto& [member_id, spans] : dispensations(db, std::nullopt)) {
    if (const auto found = index.find(member_id); found != index.end()) {
      members[found->second].account.dispensed = std::move(spans);
    }
  }
  for (auto& member : members) {
    member.judgement = judge(member.account, rules, year, start);
  }
  return members;
}

bool
year_closed(Database& db, int year)
{
  Statement query(db, "SELECT 1 FROM year_close WHERE year = ?");
  query.bind(1, year);
  return query.step();
}

std::vector<YearCorrection>
correct_carries(Database& db,
                std::int64_t member_id,
                int from_year,
                const LedgerMark& before,
                std::optional<std::int64_t> actor_id,
                std::int64_t at,
                std::string_view cause)
{
  const auto start = load_scheme(db).start;
  std::vector<YearCorrection> corrections;
  // Later closed years depend on the carry out of earlier ones: go forward.
  for (int year = from_year; year_closed(db, year); ++year) {
    const auto rules = rules_of_year(db, year);
    const int from = std::max(1, year - rules.cycle_years + 1);
    const auto now = load_account(db, member_id, from, year);
    const auto then = load_account(db, member_id, from, year, before);
    const auto judged_now = judge(now, rules, year, start);
    const auto judged_then = judge(then, rules, year, start);
    const auto due = carry_out(now, rules, year, start).carried;
    std::map<std::string, Points> carried;
    if (const auto found = now.carried.find(year + 1); found != now.carried.end()) {
      carried = found->second;
    }
    YearCorrection correction;
    correction.year = year;
    correction.quota = judged_now.quota;
    correction.total_before = judged_then.total;
    correction.total_after = judged_now.total;
    correction.compliant_before = judged_then.compliant;
    correction.compliant_after = judged_now.compliant;
    std::map<std::string, std::pair<Points, Points>> categories; // carried, due
    for (const auto& [category, points] : carried) {
      categories[category].first = points;
      correction.carried_before += points;
    }
    for (const auto& [category, points] : due) {
      categories[category].second = points;
      correction.carried_after += points;
    }
    for (const auto& [category, amounts] : categories) {
      if (amounts.first != amounts.second) {
        post_entry(db,
                   {.member_id = member_id,
                    .year = year + 1,
                    .kind = EntryKind::carry,
                    .points = amounts.second - amounts.first,
                    .actor_id = actor_id,
                    .at = at,
                    .reason = fmt::format("carry from {} corrected: {}", year, cause),
                    .category = category});
      }
    }
    corrections.push_back(correction);
  }
  return corrections;
}

Points
carried_out(Database& db, std::int64_t member_id, int year)
{
  return sum_entries(db, member_id, year + 1, EntryKind::carry);
}

namespace {

void
fill_balance(Balance& balance, const Judgement& judged)
{
  balance.earned = judged.earned;
  balance.carried_in = judged.carried_in;
  balance.total = judged.total;
  balance.quota = judged.quota;
  balance.remaining = judged.remaining;
  balance.compliant = judged.compliant;
  balance.duty = judged.duty;
  balance.exempt = judged.exempt;
  balance.judgement = judged;
}

} // namespace

Balance
year_balance(const MemberYear& member, int year)
{
  Balance balance;
  balance.member = member.member.login;
  balance.name = member.member.name;
  balance.year = year;
  balance.joined = member.member.joined;
  balance.pending = member.pending;
  balance.deadline = year_end(year);
  fill_balance(balance, member.judgement);
  return balance;
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
  const auto rules = rules_of_year(db, year);
  const auto account = load_account(db, member_id, std::max(1, year - rules.cycle_years + 1), year);
  balance.joined = account.joined;
  fill_balance(balance, judge(account, rules, year, load_scheme(db).start));
  balance.closed = year_closed(db, year);

  Statement pending(db, k_pending_points_sql);
  pending.bind_all(member_id, year);
  pending.step();
  balance.pending = Points::from_tenths(pending.integer(0));
  balance.deadline = year_end(year);
  return balance;
}

Balance
balance(Database& db,
        const Listed& context,
        const std::optional<std::string>& login,
        std::optional<int> year)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto subject = resolve_subject(db, context, login);
  return member_balance(db, subject.id, checked_year(year.value_or(context.today.year())));
}

AdjustResult
adjust_points(Database& db,
              const Secretary& context,
              std::string_view login,
              Points points,
              int year,
              std::string_view reason,
              const std::optional<std::string>& category)
{
  if (reason.find_first_not_of(" \t") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "an adjustment needs a reason: --reason TEXT");
  }
  if (category && !valid_category(*category)) {
    throw Error(
      ErrorKind::bad_input, "'{}' is not a category: use a-z, 0-9 and '-' (at most 40)", *category);
  }
  if (reason.size() > 2000 || !valid_utf8(reason)
      || has_control_characters(reason, AllowNewlines::no)) {
    throw Error(ErrorKind::bad_input, "the reason must be one line of UTF-8 text");
  }
  if (points == Points()) {
    throw Error(ErrorKind::usage, "an adjustment of 0 points changes nothing");
  }
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  const auto member = require_member(db, login);
  if (member.id == secretary.id) {
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
  const auto before = sum_entries(db, member.id, year, std::nullopt);
  if (before + points < Points()) {
    throw Error(ErrorKind::refused,
                "{} has {} in {}; an adjustment cannot take the total below 0",
                login,
                points_phrase(before),
                year);
  }
  const auto mark = ledger_mark(db, member.id);
  post_entry(db,
             {.member_id = member.id,
              .year = year,
              .kind = EntryKind::adjustment,
              .points = points,
              .actor_id = secretary.id,
              .at = context.now,
              .reason = std::string(reason),
              .category = category});
  AdjustResult result;
  result.adjustment = {
    db.last_insert_id(), member.login, year, points, std::string(reason), category};
  if (year_closed(db, year)) {
    result.corrections = correct_carries(db,
                                         member.id,
                                         year,
                                         mark,
                                         secretary.id,
                                         context.now,
                                         fmt::format("adjustment #{}", result.adjustment.id));
  }
  result.balance = member_balance(db, member.id, year);
  db.record(context, AdjustmentMade{member, result.adjustment, result.corrections});
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
                  " coalesce(e.reason, ''), e.category FROM entry e"
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
    entry.category = query.optional_text(8);
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
