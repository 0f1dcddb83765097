#include "table.hpp"

#include <cpd/util/error.hpp>

#include <algorithm>
#include <array>

namespace cpd::cli {

namespace {

using enum Store;
using enum Through;
using Zone = Session::Zone;

// Who may run what, in one place. A rule about the object (a member's own
// claim, nobody exempting themself, no secretary deciding their own claim)
// is the library's, beside the operation; this table says only who may ask.
// A table, read across.
// clang-format off
constexpr std::array k_table{
  //           command                   database who                        through     zone
  CommandNeeds{"init",                   created, Need::anyone,              server_too, Zone::host},
  CommandNeeds{"member add",             exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"member list",            exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"member import",          exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"member deactivate",      exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"member reactivate",      exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"member confirm-account", exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"member set",             exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"import attendance",      exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"activities",             exists,  Need::anyone,              server_too, Zone::scheme},
  CommandNeeds{"activity add",           exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"activity set",           exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"activity retire",        exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"claim",                  exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"withdraw",               exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"attach",                 exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"attachment list",        exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"attachment get",         exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"pending",                exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"approve",                exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"decline",                exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"balance",                exists,  Need::listed,              server_too, Zone::scheme},
  CommandNeeds{"history",                exists,  Need::listed,              server_too, Zone::scheme},
  CommandNeeds{"statement",              exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"verify",                 exists,  Need::anyone,              server_too, Zone::scheme},
  CommandNeeds{"revoke",                 exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"exempt",                 exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"adjust",                 exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"rollover",               exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"remind",                 exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"report",                 exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"scheme show",            exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"audit",                  exists,  Need::member_or_system,    server_too, Zone::scheme},
  CommandNeeds{"audit draw",             exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"audit check-draw",       exists,  Need::member_or_system,    server_too, Zone::scheme},
  CommandNeeds{"audit respond",          exists,  Need::member,              server_too, Zone::scheme},
  CommandNeeds{"audit pass",             exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"audit fail",             exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"export",                 exists,  Need::secretary,           server_too, Zone::scheme},
  CommandNeeds{"mail send",              exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"mail list",              exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"mail retry",             exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"config get",             exists,  Need::secretary_or_system, server_too, Zone::scheme_or_host},
  CommandNeeds{"config set",             exists,  Need::secretary,           server_too, Zone::scheme_or_host},
  CommandNeeds{"config list",            exists,  Need::secretary_or_system, server_too, Zone::scheme_or_host},
  CommandNeeds{"check",                  exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"backup",                 exists,  Need::secretary_or_system, server_too, Zone::scheme},
  CommandNeeds{"serve",                  none,    Need::anyone,              here_only,  Zone::host},
  CommandNeeds{"__complete",             none,    Need::anyone,              server_too, Zone::scheme},
  CommandNeeds{"__commands",             none,    Need::anyone,              server_too, Zone::host},
};
// clang-format on

} // namespace

std::span<const CommandNeeds>
command_table()
{
  return k_table;
}

const CommandNeeds*
find_needs(std::string_view path)
{
  const auto* found = std::find_if(
    k_table.begin(), k_table.end(), [&](const CommandNeeds& row) { return row.path == path; });
  return found == k_table.end() ? nullptr : found;
}

const CommandNeeds&
needs_of(std::string_view path)
{
  const auto* found = find_needs(path);
  if (found == nullptr) {
    throw Error(ErrorKind::internal, "cpd {} is missing from the command table", path);
  }
  return *found;
}

std::string_view
to_string(Store store)
{
  switch (store) {
  case Store::none:
    return "none";
  case Store::exists:
    return "exists";
  case Store::created:
    return "created";
  }
  return "none";
}

std::string_view
to_string(Through through)
{
  return through == Through::here_only ? "here-only" : "server-too";
}

} // namespace cpd::cli
