#include <cpd/util/actor.hpp>

namespace cpd {

std::string_view
to_string(Role role)
{
  return role == Role::secretary ? "secretary" : "member";
}

std::string_view
to_string(Need need)
{
  switch (need) {
  case Need::anyone:
    return "anyone";
  case Need::listed:
    return "listed";
  case Need::member:
    return "member";
  case Need::member_or_system:
    return "member-or-system";
  case Need::secretary:
    return "secretary";
  case Need::secretary_or_system:
    return "secretary-or-system";
  }
  return "anyone";
}

} // namespace cpd
