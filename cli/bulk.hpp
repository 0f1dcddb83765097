#pragma once

#include "command.hpp"
#include "session.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  bool include_flagged = false;
};

// Adds the ids argument and the filter options to a decision command.
void add_bulk_options(Command& command, BulkSelection& selection);

// The claim ids to decide. With a filter, the matching claims, once the user
// confirmed them on a terminal (the session asks, listing them) or gave
// --yes; without a terminal and without --yes, refuses (usage). Empty when
// nothing matches or the question is being asked.
std::vector<std::int64_t>
select_claims(Session& session, const BulkSelection& selection, std::string_view verb);

} // namespace cpd::cli
