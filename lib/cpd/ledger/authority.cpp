// The one step that checks who acts (Authority, members.hpp): the dispatcher
// calls it once, with what the command declared, and it makes the checked
// actor the library's operations take; and whose records a caller may see.

#include <cpd/ledger/members.hpp>
#include <cpd/util/error.hpp>

namespace cpd {

namespace {

[[noreturn]] void
refuse_system(const Context& context)
{
  throw Error(ErrorKind::permission,
              "'{}' acts as the system here: it runs year end, reminders, mail and checks, "
              "and has no CPD record of its own",
              context.login);
}

[[noreturn]] void
refuse_unknown(const Context& context)
{
  throw Error(ErrorKind::unknown_member,
              "'{}' is not a member of this CPD scheme; ask the membership "
              "secretary to add you",
              context.login);
}

[[noreturn]] void
refuse_deactivated(const Context& context)
{
  throw Error(ErrorKind::permission,
              "the membership of '{}' is deactivated; ask the membership secretary",
              context.login);
}

[[noreturn]] void
refuse_member(const Context& context)
{
  throw Error(ErrorKind::permission,
              "only the membership secretary may do this ('{}' is a member)",
              context.login);
}

} // namespace

Listed
Authority::listed(Database& db, const Context& context)
{
  const auto member = find_member(db, context.login);
  if (!member) {
    if (context.actor == Actor::system) {
      refuse_system(context);
    }
    refuse_unknown(context);
  }
  return {context, member->id, member->role, member->active};
}

MemberActor
Authority::member(Database& db, const Context& context)
{
  if (context.actor == Actor::system) {
    refuse_system(context);
  }
  const auto member = find_member(db, context.login);
  if (!member) {
    refuse_unknown(context);
  }
  if (!member->active) {
    refuse_deactivated(context);
  }
  return {context, member->id, member->role};
}

Secretary
Authority::secretary(Database& db, const Context& context)
{
  const auto member = Authority::member(db, context);
  if (member.role != Role::secretary) {
    refuse_member(context);
  }
  return Secretary(member);
}

SecretaryOrSystem
Authority::secretary_or_system(Database& db, const Context& context)
{
  if (context.actor == Actor::system) {
    return SecretaryOrSystem(context);
  }
  return secretary(db, context);
}

MemberOrSystem
Authority::member_or_system(Database& db, const Context& context)
{
  if (context.actor == Actor::system) {
    return MemberOrSystem(context);
  }
  return member(db, context);
}

void
Authority::check(Database& db, const Context& context, Need need)
{
  switch (need) {
  case Need::anyone:
    return;
  case Need::listed:
    listed(db, context);
    return;
  case Need::member:
    member(db, context);
    return;
  case Need::member_or_system:
    member_or_system(db, context);
    return;
  case Need::secretary:
    secretary(db, context);
    return;
  case Need::secretary_or_system:
    secretary_or_system(db, context);
    return;
  }
}

Member
record_of(Database& db, const MemberActor& actor)
{
  return *find_member(db, actor.login);
}

Member
resolve_subject(Database& db, const Listed& caller, const std::optional<std::string>& login)
{
  if (!login || *login == caller.login) {
    return *find_member(db, caller.login);
  }
  // Another member's records: the secretary's alone.
  if (caller.actor == Actor::system) {
    refuse_system(caller);
  }
  if (!caller.active) {
    refuse_deactivated(caller);
  }
  if (caller.role != Role::secretary) {
    refuse_member(caller);
  }
  return require_member(db, *login);
}

} // namespace cpd
