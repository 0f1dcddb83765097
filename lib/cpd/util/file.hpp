#pragma once

#include <string_view>

namespace cpd {

// An open file descriptor, closed when it goes out of scope.
class FileDescriptor
{
public:
  explicit FileDescriptor(int fd)
    : m_fd(fd)
  {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  int
  get() const
  {
    return m_fd;
  }

  // Closes now, returning what close(2) says: a deferred write error may
  // only show here.
  int close();

private:
  int m_fd;
};

// Writes all of `data`, retrying short writes and interruptions; false on an
// error, with errno set.
bool write_all(int fd, std::string_view data);

} // namespace cpd
