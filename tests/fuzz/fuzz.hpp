#pragma once

// Shared by the libFuzzer targets: a broken invariant aborts, and the only
// failure a parser may report is a cpd::Error of the kinds it documents.

#include <cpd/util/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace fuzz {

inline void
check(bool condition)
{
  if (!condition) {
    std::abort();
  }
}

// Runs `f`; true when it returned, false when it threw a cpd::Error of one of
// `kinds`. Any other exception escapes and libFuzzer reports it.
template<typename F>
bool
accepts(std::initializer_list<cpd::ErrorKind> kinds, F&& f)
{
  try {
    std::forward<F>(f)();
    return true;
  } catch (const cpd::Error& e) {
    bool expected = false;
    for (const auto kind : kinds) {
      expected = expected || e.kind() == kind;
    }
    check(expected);
    return false;
  }
}

inline std::string_view
as_text(const std::uint8_t* data, std::size_t size)
{
  return {reinterpret_cast<const char*>(data), size};
}

// Cuts the input at the first NUL into two independent fields.
inline std::pair<std::string_view, std::string_view>
split(std::string_view text, char separator = '\0')
{
  const auto at = text.find(separator);
  if (at == std::string_view::npos) {
    return {text, {}};
  }
  return {text.substr(0, at), text.substr(at + 1)};
}

} // namespace fuzz
