#pragma once

#include <cpd/store/database.hpp>

#include <optional>

namespace cpd {

// The first row `query` returns, read by `read`; nothing when it returns none.
template<typename Read>
auto
first_row(Statement& query, Read read) -> std::optional<decltype(read(query))>
{
  if (!query.step()) {
    return std::nullopt;
  }
  return read(query);
}

} // namespace cpd
