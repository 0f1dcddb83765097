#pragma once

#include <cpd/ledger/members.hpp>
#include <cpd/util/context.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpd {

class Database;

// A scheme shipped as data (data/schemes/NAME.conf): a published body's
// rules as settings, and its points table.
struct Preset
{
  std::string name;         // "iims"
  std::string title;        // "Royal Institution of Chartered Surveyors (RICS)"
  std::string points_table; // the embedded CSV's name below data/
  std::vector<std::pair<std::string, std::string>> settings; // in the file's order
};

// The name of the scheme `cpd init` sets up when none is named.
inline constexpr std::string_view k_default_preset = "iims";

// Every shipped scheme, by name.
std::vector<Preset> presets();

// The shipped scheme `name`; an unknown name is a usage error naming those
// there are.
Preset find_preset(std::string_view name);

// What `cpd init` needs to set up a scheme.
struct SetupRequest
{
  std::string name;                        // the first secretary's name
  std::string email;                       // and address
  std::string organisation;                // e.g. "International Institute of Marine Surveying"
  std::optional<std::string> points_table; // CSV text; default: the scheme's own table
  std::string scheme = std::string(k_default_preset); // a shipped scheme's name
  bool cpd_duty = true; // false: the first secretary is staff, with no CPD duty of their own
};

// Sets up a new database with a shipped scheme's rules: loads its points
// table (or the one given), makes the caller its first secretary and their
// address mail.secretary (where the secretary's mail and every reply go).
// Refused once anybody is a member.
struct SetupResult
{
  Member secretary;
  std::size_t activities = 0;
  Preset scheme;
};

SetupResult initialize(Database& db, const Context& context, const SetupRequest& request);

} // namespace cpd
