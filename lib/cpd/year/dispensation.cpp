#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/ledger/standing.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/dispensation.hpp>
#include <cpd/year/events.hpp>

#include <vector>

namespace cpd {

namespace {

enum class Act { grant, lift };

Member
require_subject(Database& db, const Member& secretary, std::string_view login, Act act)
{
  auto member = require_member(db, login);
  if (member.id == secretary.id) {
    throw Error(ErrorKind::permission,
                "nobody {} a dispensation; another secretary must",
                act == Act::grant ? "grants themself" : "lifts their own");
  }
  return member;
}

// The dispensations in force that cover any year from `from` to `until`.
std::vector<Dispensation>
overlapping(Database& db, const Member& member, int from, std::optional<int> until)
{
  Statement query(db,
                  "SELECT id, year, until_year, reason FROM exemption"
                  " WHERE member_id = ?1 AND lifted_at IS NULL"
                  " AND (?3 IS NULL OR year <= ?3) AND (until_year IS NULL OR until_year >= ?2)"
                  " ORDER BY year");
  query.bind(1, member.id);
  query.bind(2, from);
  query.bind(3, until);
  std::vector<Dispensation> found;
  while (query.step()) {
    found.push_back({query.integer(0),
                     member.login,
                     static_cast<int>(query.integer(1)),
                     query.optional_integer(2)
                       ? std::optional(static_cast<int>(*query.optional_integer(2)))
                       : std::nullopt,
                     query.text(3)});
  }
  return found;
}

// The dispensations of part of a year in force that touch the days `from`
// to `until`.
std::vector<Dispensation>
overlapping_days(Database& db, const Member& member, Date from, std::optional<Date> until)
{
  Statement query(
    db,
    "SELECT id, from_date, until_date, reason FROM dispensation_period"
    " WHERE member_id = ?1 AND lifted_at IS NULL"
    " AND (?3 IS NULL OR from_date <= ?3) AND (until_date IS NULL OR until_date >= ?2)"
    " ORDER BY from_date");
  query.bind(1, member.id);
  query.bind(2, from.to_string());
  query.bind(3, until ? std::optional(until->to_string()) : std::nullopt);
  std::vector<Dispensation> found;
  while (query.step()) {
    Dispensation dispensation;
    dispensation.id = query.integer(0);
    dispensation.member = member.login;
    dispensation.from_day = Date::parse(query.text(1));
    if (const auto last = query.optional_text(2)) {
      dispensation.until_day = Date::parse(*last);
    }
    if (!dispensation.from_day || (query.optional_text(2) && !dispensation.until_day)) {
      throw Error(ErrorKind::internal,
                  "dispensation #{} has a date cpd never writes; run cpd check",
                  dispensation.id);
    }
    dispensation.from = dispensation.from_day->year();
    if (dispensation.until_day) {
      dispensation.until = dispensation.until_day->year();
    }
    dispensation.reason = query.text(3);
    found.push_back(std::move(dispensation));
  }
  return found;
}

std::int64_t
insert_days(Database& db,
            std::int64_t member_id,
            Date from,
            std::optional<Date> until,
            std::string_view reason,
            std::int64_t actor_id,
            std::int64_t at)
{
  Statement(
    db,
    "INSERT INTO dispensation_period(member_id, from_date, until_date, reason, actor_id, at)"
    " VALUES (?, ?, ?, ?, ?, ?)")
    .bind_all(member_id,
              from.to_string(),
              until ? std::optional(until->to_string()) : std::nullopt,
              reason,
              actor_id,
              at)
    .run();
  return db.last_insert_id();
}

void
check_reason(std::string_view reason)
{
  if (reason.find_first_not_of(" \t") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "a dispensation needs a reason: --reason TEXT");
  }
  if (reason.size() > 2000 || !valid_utf8(reason)
      || has_control_characters(reason, AllowNewlines::no)) {
    throw Error(ErrorKind::bad_input, "the reason must be one line of UTF-8 text");
  }
}

// Refuses a dispensation from `from` before the scheme, or reaching `until`
// more than k_dispensation_years_ahead ahead, and one for a member without
// a CPD duty.
void
check_reach(
  Database& db, const Context& context, const Member& member, int from, std::optional<int> until)
{
  const int first = load_scheme(db).start.year();
  if (from < first) {
    throw Error(ErrorKind::refused,
                "the scheme started in {}: there is no CPD year {} to exempt anybody from",
                first,
                from);
  }
  const int last = context.today.year() + k_dispensation_years_ahead;
  if (from > last || (until && *until > last)) {
    throw Error(ErrorKind::refused,
                "{} is more than {} years ahead; for a dispensation without an end, "
                "leave out --until",
                until && *until > last ? *until : from,
                k_dispensation_years_ahead);
  }
  if (!member.cpd_duty) {
    throw Error(ErrorKind::refused,
                "'{}' has no CPD duty, so there is no quota to exempt them from",
                member.login);
  }
}

[[noreturn]] void
already_exempt(const Member& member, const Dispensation& existing)
{
  throw Error(ErrorKind::refused,
              "'{}' is already exempt {}; lift that first (cpd exempt {} --lift ...)",
              member.login,
              span_phrase(existing),
              member.login);
}

std::int64_t
insert_dispensation(Database& db,
                    std::int64_t member_id,
                    int from,
                    std::optional<int> until,
                    std::string_view reason,
                    std::int64_t actor_id,
                    std::int64_t at)
{
  Statement(db,
            "INSERT INTO exemption(member_id, year, until_year, reason, actor_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)")
    .bind_all(member_id, from, until, reason, actor_id, at)
    .run();
  return db.last_insert_id();
}

// The days `wanted` spans: its own, or those of its years.
DaySpan
days_of(const Dispensation& wanted)
{
  if (wanted.from_day) {
    return {*wanted.from_day, wanted.until_day};
  }
  return {Date(wanted.from, 1, 1),
          wanted.until ? std::optional(Date(*wanted.until, 12, 31)) : std::nullopt};
}

// A dispensation of the days `from` to `until` (every day from `from` on
// when empty), to grant or lift.
Dispensation
of_days(std::string_view login, Date from, std::optional<Date> until, std::string_view reason)
{
  return {0,
          std::string(login),
          from.year(),
          until ? std::optional(until->year()) : std::nullopt,
          std::string(reason),
          from,
          until};
}

// Grants `wanted` (whole years, or the days of from_day and until_day) to
// the member `login` once it passes every rule, and mails them.
Dispensation
grant(Database& db, const Secretary& context, std::string_view login, Dispensation wanted)
{
  check_reason(wanted.reason);
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  const auto member = require_subject(db, secretary, login, Act::grant);
  check_reach(db, context, member, wanted.from, wanted.until);
  if (wanted.from_day && current_rules(db).prorata == ProRata::none) {
    throw Error(ErrorKind::refused,
                "the scheme does not pro-rate (scheme.prorata is none): a dispensation is for "
                "whole years, --year or --from");
  }
  if (const auto existing = overlapping(db, member, wanted.from, wanted.until); !existing.empty()) {
    already_exempt(member, existing.front());
  }
  const auto [first_day, last_day] = days_of(wanted);
  if (const auto existing = overlapping_days(db, member, first_day, last_day); !existing.empty()) {
    already_exempt(member, existing.front());
  }
  wanted.member = member.login;
  wanted.id =
    wanted.from_day
      ? insert_days(db, member.id, first_day, last_day, wanted.reason, secretary.id, context.now)
      : insert_dispensation(
        db, member.id, wanted.from, wanted.until, wanted.reason, secretary.id, context.now);
  db.record(context, DispensationChanged{member, wanted, DispensationChange::granted});
  transaction.commit();
  return wanted;
}

// Lifts each of `found` and grants again what of it lies outside
// `wanted`, in whole years for one of whole years.
void
lift_all(Database& db,
         const Member& member,
         const Member& secretary,
         const std::vector<Dispensation>& found,
         const Dispensation& wanted,
         std::int64_t at)
{
  Statement lift_years(db, "UPDATE exemption SET lifted_by = ?, lifted_at = ? WHERE id = ?");
  Statement lift_days(db,
                      "UPDATE dispensation_period SET lifted_by = ?, lifted_at = ? WHERE id = ?");
  const auto grant_again =
    [&](const Dispensation& dispensation, Date from, std::optional<Date> until) {
      if (dispensation.from_day) {
        insert_days(db, member.id, from, until, dispensation.reason, secretary.id, at);
      } else {
        insert_dispensation(db,
                            member.id,
                            from.year(),
                            until ? std::optional(until->year()) : std::nullopt,
                            dispensation.reason,
                            secretary.id,
                            at);
      }
    };
  const auto [from, until] = days_of(wanted);
  for (const auto& dispensation : found) {
    auto& lift = dispensation.from_day ? lift_days : lift_years;
    lift.reset();
    lift.bind_all(secretary.id, at, dispensation.id).run();
    const auto [first, last] = days_of(dispensation);
    if (first < from) {
      grant_again(dispensation, first, from.plus_days(-1));
    }
    if (until && (!last || *last > *until)) {
      grant_again(dispensation, until->plus_days(1), last);
    }
  }
}

// Lifts what the member `login` has in force of `wanted` (whole years, and
// the days in them; or only days), and mails them. A lift of days refuses
// to cut into whole years.
Dispensation
lift(Database& db, const Secretary& context, std::string_view login, Dispensation wanted)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  const auto member = require_subject(db, secretary, login, Act::lift);
  const auto years = overlapping(db, member, wanted.from, wanted.until);
  const auto [first_day, last_day] = days_of(wanted);
  const auto days = overlapping_days(db, member, first_day, last_day);
  if (wanted.from_day && days.empty() && !years.empty()) {
    throw Error(ErrorKind::refused,
                "'{}' is exempt for whole years there: lift them with --year or --from",
                login);
  }
  if (days.empty() && (wanted.from_day || years.empty())) {
    throw Error(ErrorKind::refused, "'{}' is not exempt {}", login, span_phrase(wanted));
  }
  auto found = days;
  if (!wanted.from_day) {
    found.insert(found.end(), years.begin(), years.end());
  }
  lift_all(db, member, secretary, found, wanted, context.now);
  const auto& first = wanted.from_day || years.empty() ? days.front() : years.front();
  wanted.id = first.id;
  wanted.member = member.login;
  wanted.reason = first.reason;
  db.record(context, DispensationChanged{member, wanted, DispensationChange::lifted});
  transaction.commit();
  return wanted;
}

} // namespace

std::string
days_phrase(Date from, std::optional<Date> until)
{
  if (until && *until == from) {
    return fmt::format("on {}", from.to_long_string());
  }
  return until ? fmt::format("from {} to {}", from.to_long_string(), until->to_long_string())
               : fmt::format("from {} on", from.to_long_string());
}

std::string
span_phrase(const Dispensation& dispensation)
{
  return dispensation.from_day ? days_phrase(*dispensation.from_day, dispensation.until_day)
                               : years_phrase(dispensation.from, dispensation.until);
}

std::string
years_phrase(int from, std::optional<int> until)
{
  if (until && *until == from) {
    return fmt::format("for {}", from);
  }
  return until ? fmt::format("from {} to {}", from, *until) : fmt::format("from {} on", from);
}

Dispensation
grant_dispensation(Database& db,
                   const Secretary& context,
                   std::string_view login,
                   int from,
                   std::optional<int> until,
                   std::string_view reason)
{
  if (until && *until < from) {
    throw Error(ErrorKind::usage, "--until {} is before --from {}", *until, from);
  }
  return grant(db, context, login, {0, std::string(login), from, until, std::string(reason)});
}

Dispensation
lift_dispensation(Database& db,
                  const Secretary& context,
                  std::string_view login,
                  int from,
                  std::optional<int> until)
{
  return lift(db, context, login, {0, std::string(login), from, until, std::string()});
}

Dispensation
grant_dispensation_days(Database& db,
                        const Secretary& context,
                        std::string_view login,
                        Date from,
                        std::optional<Date> until,
                        std::string_view reason)
{
  if (until && *until < from) {
    throw Error(ErrorKind::usage,
                "--until-date {} is before --from-date {}",
                until->to_string(),
                from.to_string());
  }
  return grant(db, context, login, of_days(login, from, until, reason));
}

Dispensation
lift_dispensation_days(Database& db,
                       const Secretary& context,
                       std::string_view login,
                       Date from,
                       std::optional<Date> until)
{
  return lift(db, context, login, of_days(login, from, until, ""));
}

} // namespace cpd
