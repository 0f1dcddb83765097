#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace cpd {

// What went wrong, as far as the caller of cpd needs to know: each kind maps
// to one documented exit status.
enum class ErrorKind {
  refused,        // the scheme's rules or the claim's state say no (1)
  usage,          // the command line is wrong (64)
  bad_input,      // malformed data: a date, a number, a CSV row (65)
  no_input,       // an input file that cannot be read (66)
  unknown_member, // no member with that login (67)
  unavailable,    // a needed service or the database is missing (69)
  internal,       // a bug (70)
  io,             // reading or writing failed (74)
  busy,           // the database stayed locked past the timeout (75)
  permission,     // the caller may not do this (77)
  config,         // a setting or template is wrong (78)
};

// The exit status documented for an error kind.
int exit_status(ErrorKind kind) noexcept;

// The one error type thrown by the library; caught once, in main.
class Error : public std::runtime_error
{
public:
  Error(ErrorKind kind, const std::string& message)
    : std::runtime_error(message)
    , m_kind(kind)
  {}

  template<typename... Args>
  Error(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args)
    : std::runtime_error(fmt::format(format, std::forward<Args>(args)...))
    , m_kind(kind)
  {}

  ErrorKind
  kind() const noexcept
  {
    return m_kind;
  }

private:
  ErrorKind m_kind;
};

} // namespace cpd
