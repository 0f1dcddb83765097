#include <cpd/util/error.hpp>

namespace cpd {

int
exit_status(ErrorKind kind) noexcept
{
  switch (kind) {
  case ErrorKind::refused:
    return 1;
  case ErrorKind::usage:
    return 64;
  case ErrorKind::bad_input:
    return 65;
  case ErrorKind::no_input:
    return 66;
  case ErrorKind::unknown_member:
    return 67;
  case ErrorKind::unavailable:
    return 69;
  case ErrorKind::internal:
    return 70;
  case ErrorKind::io:
    return 74;
  case ErrorKind::busy:
    return 75;
  case ErrorKind::permission:
    return 77;
  case ErrorKind::config:
    return 78;
  }
  return 70;
}

} // namespace cpd
