#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace cpd {

// An enum's values and the words that stand for them where cpd writes or
// reads them (the database, settings, output): one table serves both ways,
// so a value and its word are listed once.
template<typename Enum, std::size_t N>
using Names = std::array<std::pair<Enum, std::string_view>, N>;

// The word for `value`; the first entry's for a value not in the table.
template<typename Enum, std::size_t N>
constexpr std::string_view
name_of(const Names<Enum, N>& names, Enum value)
{
  for (const auto& [each, name] : names) {
    if (each == value) {
      return name;
    }
  }
  return names.front().second;
}

// The value `text` stands for; none when it is no word of the table.
template<typename Enum, std::size_t N>
constexpr std::optional<Enum>
value_named(const Names<Enum, N>& names, std::string_view text)
{
  for (const auto& [value, name] : names) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

} // namespace cpd
