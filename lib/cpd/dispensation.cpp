#include <cpd/database.hpp>
#include <cpd/dispensation.hpp>
#include <cpd/error.hpp>
#include <cpd/members.hpp>
#include <cpd/notices.hpp>
#include <cpd/settings.hpp>
#include <cpd/text.hpp>

#include <vector>

namespace cpd {

namespace {

enum class Act { grant, lift };

Member
require_subject(Database& db, const Member& secretary, std::string_view login, Act act)
{
  auto member = find_member(db, login);
  if (!member) {
    throw Error(ErrorKind::unknown_member, "no member with login '{}'; see cpd member list", login);
  }
  if (member->id == secretary.id) {
    throw Error(ErrorKind::permission,
                "nobody {} a dispensation; another secretary must",
                act == Act::grant ? "grants themself" : "lifts their own");
  }
  return *member;
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

} // namespace

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
                   const Context& context,
                   std::string_view login,
                   int from,
                   std::optional<int> until,
                   std::string_view reason)
{
  if (reason.find_first_not_of(" \t") == std::string_view::npos) {
    throw Error(ErrorKind::usage, "a dispensation needs a reason: --reason TEXT");
  }
  if (reason.size() > 2000 || !valid_utf8(reason)
      || has_control_characters(reason, AllowNewlines::no)) {
    throw Error(ErrorKind::bad_input, "the reason must be one line of UTF-8 text");
  }
  if (until && *until < from) {
    throw Error(ErrorKind::usage, "--until {} is before --from {}", *until, from);
  }
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = require_secretary(db, context);
  const auto member = require_subject(db, secretary, login, Act::grant);
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
    throw Error(
      ErrorKind::refused, "'{}' has no CPD duty, so there is no quota to exempt them from", login);
  }
  if (const auto existing = overlapping(db, member, from, until); !existing.empty()) {
    throw Error(ErrorKind::refused,
                "'{}' is already exempt {}; lift that first (cpd exempt {} --lift ...)",
                login,
                years_phrase(existing.front().from, existing.front().until),
                login);
  }
  Dispensation granted{0, member.login, from, until, std::string(reason)};
  granted.id = insert_dispensation(db, member.id, from, until, reason, secretary.id, context.now);
  notice_dispensation(db, context, member, granted, DispensationChange::granted);
  transaction.commit();
  return granted;
}

Dispensation
lift_dispensation(
  Database& db, const Context& context, std::string_view login, int from, std::optional<int> until)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = require_secretary(db, context);
  const auto member = require_subject(db, secretary, login, Act::lift);
  const auto found = overlapping(db, member, from, until);
  if (found.empty()) {
    throw Error(ErrorKind::refused, "'{}' is not exempt {}", login, years_phrase(from, until));
  }
  Statement lift(db, "UPDATE exemption SET lifted_by = ?, lifted_at = ? WHERE id = ?");
  for (const auto& dispensation : found) {
    lift.reset();
    lift.bind_all(secretary.id, context.now, dispensation.id).run();
    // What lies outside the years lifted stays in force.
    if (dispensation.from < from) {
      insert_dispensation(
        db, member.id, dispensation.from, from - 1, dispensation.reason, secretary.id, context.now);
    }
    if (until && (!dispensation.until || *dispensation.until > *until)) {
      insert_dispensation(db,
                          member.id,
                          *until + 1,
                          dispensation.until,
                          dispensation.reason,
                          secretary.id,
                          context.now);
    }
  }
  Dispensation lifted{found.front().id, member.login, from, until, found.front().reason};
  notice_dispensation(db, context, member, lifted, DispensationChange::lifted);
  transaction.commit();
  return lifted;
}

} // namespace cpd
