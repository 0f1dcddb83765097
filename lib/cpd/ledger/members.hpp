#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;
class Statement;

// A person who may use cpd.
struct Member
{
  std::int64_t id = 0;
  std::string login;
  std::string name;
  std::string email;
  Role role = Role::member;
  bool active = true;
  bool cpd_duty = true;         // false for staff and system accounts: no reminders or statements
  std::optional<Date> joined{}; // admitted on; their first year is pro-rated from it
};

// The columns of `member` a Member is read from, and reading one from a
// row that selects them first, in this order.
inline constexpr std::string_view k_member_columns =
  "id, login, name, email, role, active, cpd_duty, joined";
Member read_member(const Statement& row);

// The member with this login, active or not.
std::optional<Member> find_member(Database& db, std::string_view login);

// The member with this login, active or not; refuses (unknown_member) when
// there is none.
Member require_member(Database& db, std::string_view login);

// The one step that checks who acts (see Need in util/actor.hpp): the
// dispatcher calls it once, with what the command declared, before the
// command runs. Each refuses with the same words whatever the command.
class Authority
{
public:
  // The actor a need asks for, or a refusal: unknown_member for a login
  // not on the roll, permission for anything else.
  static Listed listed(Database& db, const Context& context);
  // Refuses the system, an unknown login and a deactivated member.
  static MemberActor member(Database& db, const Context& context);
  static Secretary secretary(Database& db, const Context& context);
  static SecretaryOrSystem secretary_or_system(Database& db, const Context& context);
  static MemberOrSystem member_or_system(Database& db, const Context& context);
  // Checks `need` and throws if it is not met (for Need::anyone, nothing).
  static void check(Database& db, const Context& context, Need need);
};

// The member record of a checked actor.
Member record_of(Database& db, const MemberActor& actor);

// The member a command is about: the caller by default; another member only
// for a secretary.
Member resolve_subject(Database& db, const Listed& caller, const std::optional<std::string>& login);

// What a new member needs. Logins are host logins ("jsmith"); names and
// emails are one line each.
struct NewMember
{
  std::string login;
  std::string name;
  std::string email;
  Role role = Role::member;
  bool cpd_duty = true;
  std::optional<Date> joined{}; // none: a member from before the records, owing whole years
};

// Checks a new member's fields; throws bad_input naming the field.
void validate_member(const NewMember& member);

// Adds a member (a secretary's act). An existing login is refused.
Member add_member(Database& db, const Secretary& context, const NewMember& member);

// Stops a member from claiming; their record stays.
Member deactivate_member(Database& db, const SecretaryOrSystem& context, std::string_view login);

// Lets a deactivated member claim again.
Member reactivate_member(Database& db, const SecretaryOrSystem& context, std::string_view login);

// What a secretary changes of a member; what is empty stays.
struct MemberChange
{
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<Role> role;
  std::optional<bool> cpd_duty;
  std::optional<Date> joined;
};

// One field a change changed, as people read it.
struct ChangedField
{
  std::string field; // "name", "email", "role", "cpd_duty", "joined"
  std::string from;
  std::string to;
};

struct MemberChangeResult
{
  Member member;                     // as it is now
  std::vector<ChangedField> changed; // empty: nothing was different
};

// What a change asks of a member's role, CPD duty and join date: true where
// it would make them other than they are.
struct SelfServiceChange
{
  bool role = false;
  bool cpd_duty = false;
  bool joined = false;
};

// Refuses (permission) what no secretary does, whatever the road (member
// set, member import): changing their own role, CPD duty or join date, and
// changing another secretary's role. `actor` is the acting secretary, or
// nothing for the system (root), which may do all of it.
void refuse_self_service(const std::optional<std::int64_t>& actor,
                         const Member& before,
                         const SelfServiceChange& change);

// Changes a member's name, email, role, CPD duty or join date (a
// secretary's act, or the system's). A new join date corrects the carries
// of closed years it changes, and the member is sent a corrected statement
// for each whose standing or carry changed. See refuse_self_service for
// what a secretary may not change. Asking for nothing is a usage error.
MemberChangeResult change_member(Database& db,
                                 const SecretaryOrSystem& context,
                                 std::string_view login,
                                 const MemberChange& change);

// Through the server, the member `login` (if there is one) connects as the
// host's user id `uid`. Their first contact records it; a later one with
// another user id is refused (permission) until a secretary confirms the
// new account. A private file has no user id to check.
void check_account(Database& db, std::string_view login, std::int64_t uid);

// A secretary (or the system) confirms that the account now using `login`
// is the member's: the user id recorded is cleared, and their next contact
// records the new one. Nobody confirms their own.
Member confirm_account(Database& db, const SecretaryOrSystem& context, std::string_view login);

// Every member, by login (a secretary's view).
std::vector<Member> list_members(Database& db, const Secretary& secretary);

// Inserts a member without permission checks: for init and imports, inside
// the caller's transaction.
Member insert_member(Database& db, const Context& context, const NewMember& member);

// Gives a member a new join date inside the caller's transaction, for a
// secretary the caller has checked (nothing: the system): the carries of closed years follow,
// and corrected statements are queued.
void change_joined(Database& db,
                   const Context& context,
                   const Member& member,
                   std::optional<Date> joined,
                   std::optional<std::int64_t> secretary_id);

// "15 October 2017", or "none".
std::string joined_text(const std::optional<Date>& joined);

} // namespace cpd
