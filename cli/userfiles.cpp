#include "userfiles.hpp"

#include <cpd/error.hpp>
#include <cpd/file.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace cpd::cli {

namespace {

std::string
reason(int error)
{
  switch (error) {
  case ENOENT:
    return "no such file";
  case EACCES:
    return "permission denied";
  default:
    return std::strerror(error);
  }
}

// A file created beside its target, removed unless it gets its name.
class TemporaryFile
{
public:
  TemporaryFile(const std::filesystem::path& target, mode_t mode)
  {
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
      m_path = target;
      m_path += fmt::format(".partial-{:08x}", random());
      const int fd =
        ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
      if (fd >= 0) {
        m_fd = fd;
        return;
      }
      if (errno != EEXIST) {
        throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), reason(errno));
      }
    }
    throw Error(ErrorKind::io, "cannot write {}: no free temporary name", target.string());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    if (!m_kept) {
      ::unlink(m_path.c_str());
    }
  }

  void
  write(std::string_view bytes, const std::filesystem::path& target)
  {
    const bool written = write_all(m_fd, bytes) && ::fsync(m_fd) == 0;
    const int closed = ::close(m_fd);
    m_fd = -1;
    if (!written || closed != 0) {
      throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), reason(errno));
    }
  }

  // Gives the file its name: without `overwrite` only if the name is free.
  void
  keep_as(const std::filesystem::path& target, bool overwrite)
  {
    if (overwrite) {
      // rename() replaces a symbolic link at the name; it never follows it.
      if (::rename(m_path.c_str(), target.c_str()) != 0) {
        throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), reason(errno));
      }
      m_kept = true;
      return;
    }
    // link() fails if the name exists, even as a dangling symbolic link.
    if (::link(m_path.c_str(), target.c_str()) != 0) {
      if (errno == EEXIST) {
        throw Error(
          ErrorKind::refused, "{} already exists; add --force to replace it", target.string());
      }
      throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), reason(errno));
    }
  }

private:
  std::filesystem::path m_path;
  int m_fd = -1;
  bool m_kept = false;
};

} // namespace

std::string
read_user_file(const std::string& path)
{
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw Error(ErrorKind::no_input, "cannot read {}: {}", path, reason(errno));
  }
  struct stat status
  {};
  if (::fstat(fd.get(), &status) != 0) {
    throw Error(ErrorKind::no_input, "cannot read {}: {}", path, reason(errno));
  }
  if (!S_ISREG(status.st_mode)) {
    throw Error(ErrorKind::no_input, "cannot read {}: not a regular file", path);
  }
  std::string content;
  std::array<char, 65536> buffer{};
  for (;;) {
    const auto got = ::read(fd.get(), buffer.data(), buffer.size());
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (got < 0) {
      throw Error(ErrorKind::no_input, "cannot read {}: {}", path, reason(errno));
    }
    if (got == 0) {
      return content;
    }
    content.append(buffer.data(), static_cast<std::size_t>(got));
    if (content.size() > protocol::k_max_request_bytes) {
      throw Error(ErrorKind::refused,
                  "{} is larger than the {} MiB cpd takes in one command",
                  path,
                  protocol::k_max_request_bytes >> 20);
    }
  }
}

void
write_user_files(const std::vector<protocol::OutputFile>& files)
{
  for (const auto& file : files) {
    const std::filesystem::path target = file.path;
    const auto name = target.filename().string();
    if (name.empty() || name == "." || name == "..") {
      throw Error(ErrorKind::usage, "{} does not name a file to write", file.path);
    }
    if (name.starts_with('.')) {
      throw Error(
        ErrorKind::refused, "{}: cpd does not write files whose names start with a dot", file.path);
    }
    struct stat status
    {};
    if (!file.overwrite && ::lstat(target.c_str(), &status) == 0) {
      throw Error(
        ErrorKind::refused, "{} already exists; add --force to replace it", target.string());
    }
  }
  for (const auto& file : files) {
    const std::filesystem::path target = file.path;
    if (file.make_folder && target.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(target.parent_path(), ec);
      if (ec) {
        throw Error(ErrorKind::io,
                    "cannot create the folder {}: {}",
                    target.parent_path().string(),
                    ec.message());
      }
    }
    TemporaryFile temporary(target, file.owner_only ? 0600 : 0666);
    temporary.write(file.content, target);
    temporary.keep_as(target, file.overwrite);
  }
}

} // namespace cpd::cli
