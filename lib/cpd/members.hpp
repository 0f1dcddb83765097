#pragma once

#include <cpd/context.hpp>
#include <cpd/date.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

enum class Role { member, secretary };

std::string_view to_string(Role role);

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

// The member with this login, active or not.
std::optional<Member> find_member(Database& db, std::string_view login);

// The acting member; refuses an unknown login (unknown member) and a
// deactivated one (permission).
Member require_member(Database& db, const Context& context);

// The acting member if a secretary; anybody else is refused (permission).
Member require_secretary(Database& db, const Context& context);

// For the unattended jobs (year end, reminders, mail, checks): the acting
// secretary, or nothing when the system itself acts (Actor::system).
// Anybody else is refused (permission).
std::optional<Member> require_secretary_or_system(Database& db, const Context& context);

// The member a command is about: the caller by default; another member only
// for a secretary.
Member
resolve_subject(Database& db, const Context& context, const std::optional<std::string>& login);

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
Member add_member(Database& db, const Context& context, const NewMember& member);

// Stops a member from claiming; their record stays.
Member deactivate_member(Database& db, const Context& context, std::string_view login);

// Lets a deactivated member claim again.
Member reactivate_member(Database& db, const Context& context, std::string_view login);

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

// Changes a member's name, email, role, CPD duty or join date (a
// secretary's act). A new join date corrects the carries of closed years
// it changes, and the member is sent a corrected statement for each whose
// standing or carry changed. Nobody changes their own role. Asking for
// nothing is a usage error.
MemberChangeResult change_member(Database& db,
                                 const Context& context,
                                 std::string_view login,
                                 const MemberChange& change);

// Every member, by login (a secretary's view).
std::vector<Member> list_members(Database& db, const Context& context);

// Inserts a member without permission checks: for init and imports, inside
// the caller's transaction.
Member insert_member(Database& db, const Context& context, const NewMember& member);

// Gives a member a new join date inside the caller's transaction, for a
// secretary the caller has checked: the carries of closed years follow,
// and corrected statements are queued.
void change_joined(Database& db,
                   const Context& context,
                   const Member& member,
                   std::optional<Date> joined,
                   std::int64_t secretary_id);

// "15 October 2017", or "none".
std::string joined_text(const std::optional<Date>& joined);

} // namespace cpd
