#pragma once

#include <cpd/context.hpp>
#include <cpd/members.hpp>

#include <optional>
#include <string>

namespace cpd {

class Database;

// What `cpd init` needs to set up a scheme.
struct SetupRequest
{
  std::string name;                        // the first secretary's name
  std::string email;                       // and address
  std::string organisation;                // e.g. "International Institute of Marine Surveying"
  std::optional<std::string> points_table; // CSV text; default: the shipped IIMS table
};

// Sets up a new database: loads the points table, makes the caller its
// first secretary and their address mail.secretary (where the secretary's
// mail and every reply go). Refused once anybody is a member.
struct SetupResult
{
  Member secretary;
  std::size_t activities = 0;
};

SetupResult initialize(Database& db, const Context& context, const SetupRequest& request);

} // namespace cpd
