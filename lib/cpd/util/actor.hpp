#pragma once

#include <cpd/util/context.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace cpd {

enum class Role { member, secretary };

std::string_view to_string(Role role);

// What a command needs of whoever runs it. Each command declares one in the
// command table (cli/table.cpp); the dispatcher checks it once, with
// Authority, before the command runs.
enum class Need {
  anyone,              // nobody is looked up (activities, verify, --help)
  listed,              // a login on the roll, active or not: their own records
  member,              // an active member (a secretary is one too)
  member_or_system,    // an active member, or the system
  secretary,           // an active secretary
  secretary_or_system, // the unattended jobs: a secretary, or the system
};

std::string_view to_string(Need need);

class Authority;

// The types below are who acts once checked: the Context (login, today,
// now) and what the roll says of them. Only Authority, the one step that
// checks, makes them, so that an operation taking one cannot be reached by
// someone unchecked. A rule about the object (their own claim, not their
// own exemption) stays beside the operation, reading these.

// A login on the roll, active or not: enough to read one's own records.
class Listed : public Context
{
public:
  std::int64_t id = 0;
  Role role = Role::member;
  bool active = true;

private:
  friend class Authority;
  friend class MemberActor;
  Listed(const Context& context, std::int64_t member_id, Role member_role, bool is_active)
    : Context(context)
    , id(member_id)
    , role(member_role)
    , active(is_active)
  {}
};

// An active member of the scheme; a secretary is one too.
class MemberActor : public Context
{
public:
  std::int64_t id = 0;
  Role role = Role::member;

  // An active member is on the roll.
  // NOLINTNEXTLINE(google-explicit-constructor): a checked member is listed
  operator Listed() const
  {
    return {*this, id, role, true};
  }

private:
  friend class Authority;
  friend class Secretary;
  MemberActor(const Context& context, std::int64_t member_id, Role member_role)
    : Context(context)
    , id(member_id)
    , role(member_role)
  {}
};

// An active secretary.
class Secretary : public MemberActor
{
private:
  friend class Authority;
  explicit Secretary(const MemberActor& member)
    : MemberActor(member)
  {}
};

// The unattended jobs' actor: a secretary, or the system itself (root, the
// server's account, the scheduler), which has no member record.
class SecretaryOrSystem : public Context
{
public:
  std::optional<std::int64_t> secretary_id; // none when the system acts

  // NOLINTNEXTLINE(google-explicit-constructor): a secretary may do what the system does
  SecretaryOrSystem(const Secretary& secretary)
    : Context(static_cast<const Context&>(secretary))
    , secretary_id(secretary.id)
  {}

private:
  friend class Authority;
  explicit SecretaryOrSystem(const Context& system)
    : Context(system)
  {}
};

// A member, or the system: who may read what is theirs, the system all.
class MemberOrSystem : public Context
{
public:
  std::optional<std::int64_t> member_id; // none when the system acts
  Role role = Role::secretary;           // the system sees what a secretary sees

  // NOLINTNEXTLINE(google-explicit-constructor): any member may do what it needs
  MemberOrSystem(const MemberActor& member)
    : Context(static_cast<const Context&>(member))
    , member_id(member.id)
    , role(member.role)
  {}

private:
  friend class Authority;
  explicit MemberOrSystem(const Context& system)
    : Context(system)
  {}
};

} // namespace cpd
