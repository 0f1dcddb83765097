#include <cpd/util/file.hpp>

#include <unistd.h>

#include <cerrno>

namespace cpd {

FileDescriptor::~FileDescriptor()
{
  close();
}

int
FileDescriptor::close()
{
  const int result = m_fd >= 0 ? ::close(m_fd) : 0;
  m_fd = -1;
  return result;
}

bool
write_all(int fd, std::string_view data)
{
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

} // namespace cpd
