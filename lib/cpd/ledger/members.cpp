#include <cpd/ledger/events.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/rows.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>

#include <algorithm>

namespace cpd {

Member
read_member(const Statement& row)
{
  Member member{row.integer(0),
                row.text(1),
                row.text(2),
                row.text(3),
                row.text(4) == "secretary" ? Role::secretary : Role::member,
                row.integer(5) != 0,
                row.integer(6) != 0,
                std::nullopt};
  if (const auto joined = row.optional_text(7)) {
    member.joined = Date::parse(*joined);
    if (!member.joined) {
      throw Error(ErrorKind::internal,
                  "member '{}' has the join date '{}', which cpd never writes; run cpd check",
                  member.login,
                  *joined);
    }
  }
  return member;
}

namespace {

bool
valid_login(std::string_view login)
{
  if (login.empty() || login.size() > 32 || login.front() == '-') {
    return false;
  }
  return std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '.' || c == '-';
  });
}

bool
valid_email(std::string_view email)
{
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() || email.size() > 254) {
    return false;
  }
  const auto local = email.substr(0, at);
  const auto domain = email.substr(at + 1);
  const bool local_ok = std::all_of(local.begin(), local.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
  });
  const bool domain_ok = std::all_of(domain.begin(),
                                     domain.end(),
                                     [](char c) {
                                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                                              || (c >= '0' && c <= '9') || c == '.' || c == '-';
                                     })
                         && domain.front() != '.' && domain.back() != '.'
                         && domain.find("..") == std::string_view::npos;
  return local_ok && domain_ok && local.front() != '.' && local.back() != '.';
}

} // namespace

std::optional<Member>
find_member(Database& db, std::string_view login)
{
  Statement query(db, fmt::format("SELECT {} FROM member WHERE login = ?", k_member_columns));
  query.bind(1, login);
  return first_row(query, read_member);
}

void
validate_member(const NewMember& member)
{
  if (!valid_login(member.login)) {
    throw Error(ErrorKind::bad_input,
                "'{}' is not a valid login: use letters, digits, '_', '.' or '-' "
                "(at most 32)",
                member.login);
  }
  if (member.name.empty() || member.name.size() > 200 || !valid_utf8(member.name)
      || has_control_characters(member.name, AllowNewlines::no)) {
    throw Error(ErrorKind::bad_input,
                "the name of '{}' must be one line of text (at most 200 bytes)",
                member.login);
  }
  if (!valid_email(member.email)) {
    throw Error(ErrorKind::bad_input,
                "'{}' is not a valid email address for '{}'",
                member.email,
                member.login);
  }
}

Member
insert_member(Database& db, const Context& context, const NewMember& member)
{
  validate_member(member);
  if (find_member(db, member.login)) {
    throw Error(ErrorKind::refused, "'{}' is already a member", member.login);
  }
  Statement(db,
            "INSERT INTO member(login, name, email, role, cpd_duty, created_at, joined)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind_all(member.login,
              member.name,
              member.email,
              to_string(member.role),
              member.cpd_duty ? 1 : 0,
              context.now,
              member.joined ? std::optional(member.joined->to_string()) : std::nullopt)
    .run();
  return *find_member(db, member.login);
}

Member
add_member(Database& db, const Secretary& context, const NewMember& member)
{
  validate_member(member);
  Transaction transaction(db, Transaction::Kind::write);
  auto added = insert_member(db, context, member);
  transaction.commit();
  return added;
}

Member
require_member(Database& db, std::string_view login)
{
  auto member = find_member(db, login);
  if (!member) {
    throw Error(ErrorKind::unknown_member, "no member with login '{}'; see cpd member list", login);
  }
  return *member;
}

namespace {

// A secretary's standing, like their role, is the system's: a secretary
// who deactivated another would take their powers as a demotion does.
void
refuse_secretary_standing(const std::optional<std::int64_t>& actor,
                          const Member& member,
                          std::string_view what)
{
  if (actor && member.role == Role::secretary) {
    throw Error(ErrorKind::permission,
                "'{}' is a membership secretary: only the system administrator (root) {} "
                "a secretary",
                member.login,
                what);
  }
}

} // namespace

namespace {

Member
set_active(Database& db, const SecretaryOrSystem& context, std::string_view login, bool active)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto& secretary = context.secretary_id;
  auto member = require_member(db, login);
  if (member.active == active) {
    throw Error(ErrorKind::refused,
                active ? fmt::format("'{}' is active already", login)
                       : fmt::format("'{}' is already deactivated", login));
  }
  if (!active && secretary == member.id) {
    throw Error(ErrorKind::refused,
                "a secretary cannot deactivate themself; ask another secretary");
  }
  refuse_secretary_standing(secretary, member, active ? "reactivates" : "deactivates");
  Statement(db, "UPDATE member SET active = ? WHERE id = ?")
    .bind_all(active ? 1 : 0, member.id)
    .run();
  transaction.commit();
  member.active = active;
  return member;
}

} // namespace

Member
deactivate_member(Database& db, const SecretaryOrSystem& context, std::string_view login)
{
  return set_active(db, context, login, false);
}

Member
reactivate_member(Database& db, const SecretaryOrSystem& context, std::string_view login)
{
  return set_active(db, context, login, true);
}

void
refuse_self_service(const std::optional<std::int64_t>& actor,
                    const Member& before,
                    const SelfServiceChange& change)
{
  if (!actor) {
    return; // the system: root or the server's own account
  }
  if (*actor == before.id) {
    for (const auto& [asked, what] : {std::pair{change.role, "role"},
                                      std::pair{change.cpd_duty, "CPD duty"},
                                      std::pair{change.joined, "join date"}}) {
      if (asked) {
        throw Error(ErrorKind::permission,
                    "nobody changes their own {}; ask {}",
                    what,
                    std::string_view(what) == "role"
                      ? "the system administrator (root)"
                      : "another secretary or the system administrator (root)");
      }
    }
  }
  if (change.role && before.role == Role::secretary) {
    throw Error(ErrorKind::permission,
                "'{}' is a membership secretary: only the system administrator (root) changes "
                "a secretary's role",
                before.login);
  }
}

MemberChangeResult
change_member(Database& db,
              const SecretaryOrSystem& context,
              std::string_view login,
              const MemberChange& change)
{
  if (!change.name && !change.email && !change.role && !change.cpd_duty && !change.joined) {
    throw Error(ErrorKind::usage,
                "say what to change: --name, --email, --role, --cpd/--no-cpd or --joined");
  }
  Transaction transaction(db, Transaction::Kind::write);
  const auto& secretary = context.secretary_id;
  const auto before = require_member(db, login);
  NewMember wanted{before.login,
                   change.name.value_or(before.name),
                   change.email.value_or(before.email),
                   change.role.value_or(before.role),
                   change.cpd_duty.value_or(before.cpd_duty)};
  validate_member(wanted);
  refuse_self_service(secretary,
                      before,
                      {wanted.role != before.role,
                       wanted.cpd_duty != before.cpd_duty,
                       change.joined && change.joined != before.joined});
  MemberChangeResult result;
  auto compare = [&](std::string field, const std::string& from, const std::string& to) {
    if (from != to) {
      result.changed.push_back({std::move(field), from, to});
    }
  };
  auto duty = [](bool has) { return std::string(has ? "yes" : "no"); };
  compare("name", before.name, wanted.name);
  compare("email", before.email, wanted.email);
  compare("role", std::string(to_string(before.role)), std::string(to_string(wanted.role)));
  compare("cpd_duty", duty(before.cpd_duty), duty(wanted.cpd_duty));
  if (!result.changed.empty()) {
    Statement(db, "UPDATE member SET name = ?, email = ?, role = ?, cpd_duty = ? WHERE id = ?")
      .bind_all(
        wanted.name, wanted.email, to_string(wanted.role), wanted.cpd_duty ? 1 : 0, before.id)
      .run();
  }
  if (change.joined && change.joined != before.joined) {
    result.changed.push_back(
      {"joined", before.joined ? before.joined->to_string() : "none", change.joined->to_string()});
    change_joined(db, context, require_member(db, login), change.joined, secretary);
  }
  result.member = require_member(db, login);
  transaction.commit();
  return result;
}

std::string
joined_text(const std::optional<Date>& joined)
{
  return joined ? joined->to_long_string() : std::string("none");
}

void
change_joined(Database& db,
              const Context& context,
              const Member& member,
              std::optional<Date> joined,
              std::optional<std::int64_t> secretary_id)
{
  const auto mark = ledger_mark(db, member.id);
  Statement(db, "UPDATE member SET joined = ? WHERE id = ?")
    .bind_all(joined ? std::optional(joined->to_string()) : std::nullopt, member.id)
    .run();
  // Each year from the earlier of the two join dates may carry otherwise.
  int first = context.today.year();
  for (const auto& date : {mark.joined, joined}) {
    first = date ? std::min(first, date->year()) : std::min(first, load_scheme(db).start.year());
  }
  for (int year = first; year < context.today.year(); ++year) {
    if (year_closed(db, year)) {
      const auto corrections = correct_carries(
        db,
        member.id,
        year,
        mark,
        secretary_id,
        context.now,
        fmt::format("join date {} instead of {}", joined_text(joined), joined_text(mark.joined)));
      db.record(
        context,
        YearCorrected{member,
                      corrections,
                      fmt::format("your join date was corrected to {}", joined_text(joined)),
                      fmt::format("joined:{}", joined ? joined->to_string() : "none")});
      break;
    }
  }
}

void
check_account(Database& db, std::string_view login, std::int64_t uid)
{
  const auto recorded = [&]() -> std::optional<std::optional<std::int64_t>> {
    Statement query(db, "SELECT uid FROM member WHERE login = ?");
    query.bind(1, login);
    if (!query.step()) {
      return std::nullopt; // no member: whatever they ask decides
    }
    return query.is_null(0) ? std::optional<std::int64_t>() : query.integer(0);
  };
  auto known = recorded();
  if (!known) {
    return;
  }
  if (!*known) {
    Transaction transaction(db, Transaction::Kind::write);
    known = recorded();
    if (known && !*known) {
      Statement(db, "UPDATE member SET uid = ? WHERE login = ? AND uid IS NULL")
        .bind_all(uid, login)
        .run();
      transaction.commit();
      return;
    }
  }
  if (known && *known && **known != uid) {
    throw Error(ErrorKind::permission,
                "the login '{}' belonged to another account (user id {}, now {}); ask the "
                "membership secretary to confirm this account with cpd member confirm-account {}",
                login,
                **known,
                uid,
                login);
  }
}

Member
confirm_account(Database& db, const SecretaryOrSystem& context, std::string_view login)
{
  Transaction transaction(db, Transaction::Kind::write);
  auto member = require_member(db, login);
  if (context.secretary_id == member.id) {
    throw Error(ErrorKind::permission,
                "nobody confirms their own account; ask another secretary or the system "
                "administrator (root)");
  }
  Statement(db, "UPDATE member SET uid = NULL WHERE id = ?").bind(1, member.id).run();
  transaction.commit();
  return member;
}

std::vector<Member>
list_members(Database& db, const Secretary& /*secretary*/)
{
  Statement query(db, fmt::format("SELECT {} FROM member ORDER BY login", k_member_columns));
  std::vector<Member> members;
  while (query.step()) {
    members.push_back(read_member(query));
  }
  return members;
}

} // namespace cpd
