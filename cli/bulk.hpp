#pragma once

#include "session.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace cpd::cli {

// The claims a decision is about: ids, or a filter over pending claims.
struct BulkSelection
{
  std::vector<std::string> ids;
  bool all_pending = false;
  std::optional<std::string> activity;
  std::optional<std::string> member;
  std::optional<std::string> before;
  bool yes = false;
};

// Adds the ids argument and the filter options to a decision command.
void add_bulk_options(CLI::App& command, BulkSelection& selection);

// The claim ids to decide. With a filter, lists the matching claims and asks
// for confirmation on a terminal unless --yes; without a terminal and without
// --yes, refuses (usage). Empty when nothing matches or the answer is no
// (after saying so).
std::vector<std::int64_t>
select_claims(Session& session, const BulkSelection& selection, std::string_view verb);

} // namespace cpd::cli
