#include "privileges.hpp"

#include <cpd/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cpd::cli {

bool
privileged()
{
  return getuid() != geteuid() || getgid() != getegid();
}

void
secure_startup()
{
  // A closed 0, 1 or 2 would let the database be opened as stdout.
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
      std::abort();
    }
  }
  if (!privileged()) {
    return;
  }
  // NO_COLOR only turns colour off, so it is kept.
  const char* no_colour = std::getenv("NO_COLOR");
  const bool keep_no_colour = no_colour != nullptr && *no_colour != '\0';
  clearenv();
  setenv("PATH", "/usr/bin:/bin", 1);
  if (keep_no_colour) {
    setenv("NO_COLOR", "1", 1);
  }
  // New database, journal and WAL files stay within the group.
  umask(007);
}

UserRights::UserRights()
{
  if (!privileged()) {
    return;
  }
  m_saved_egid = getegid();
  if (setegid(getgid()) != 0) {
    throw Error(ErrorKind::internal, "cannot drop group rights: {}", std::strerror(errno));
  }
  m_switched = true;
}

UserRights::~UserRights()
{
  if (m_switched && setegid(static_cast<gid_t>(m_saved_egid)) != 0) {
    // Carrying on with the user's rights alone could only fail safe, but
    // the database would be out of reach: stop here.
    std::abort();
  }
}

} // namespace cpd::cli
