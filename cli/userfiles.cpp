#include "userfiles.hpp"

#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <utility>

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

// An open descriptor that can change hands.
class Handle
{
public:
  explicit Handle(int fd = -1)
    : m_fd(fd)
  {}
  Handle(Handle&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1))
  {}
  Handle&
  operator=(Handle&& other) noexcept
  {
    std::swap(m_fd, other.m_fd);
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }

  int
  get() const
  {
    return m_fd;
  }

  int
  release()
  {
    return std::exchange(m_fd, -1);
  }

private:
  int m_fd;
};

[[noreturn]] void
through_link(const std::string& shown)
{
  throw Error(ErrorKind::refused,
              "{}: the path goes through a symbolic link; cpd writes no file through one "
              "(name the real folder)",
              shown);
}

// O_PATH: a folder the user may pass through but not list is still a way.
constexpr int k_folder_flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// The folder `folder`, opened one component at a time without following a
// symbolic link; missing ones are made if `make` says so.
Handle
walk_to(const std::filesystem::path& folder, bool make, const std::string& shown)
{
  Handle current(::open(folder.is_absolute() ? "/" : ".", k_folder_flags));
  if (current.get() < 0) {
    throw Error(ErrorKind::io, "cannot write {}: {}", shown, reason(errno));
  }
  for (const auto& part : folder.relative_path()) {
    const auto name = part.string();
    if (name.empty() || name == ".") {
      continue;
    }
    int next = ::openat(current.get(), name.c_str(), k_folder_flags);
    if (next < 0 && errno == ENOENT && make) {
      if (::mkdirat(current.get(), name.c_str(), 0777) != 0 && errno != EEXIST) {
        throw Error(ErrorKind::io, "cannot create the folder {}: {}", shown, reason(errno));
      }
      next = ::openat(current.get(), name.c_str(), k_folder_flags);
    }
    if (next < 0) {
      const int error = errno;
      struct stat status
      {};
      if (error == ELOOP
          || (::fstatat(current.get(), name.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0
              && S_ISLNK(status.st_mode))) {
        through_link(shown);
      }
      throw Error(ErrorKind::io, "cannot write {}: {}", shown, reason(error));
    }
    current = Handle(next);
  }
  return current;
}

// The folder `folder`, opened so that no component of its path may be a
// symbolic link: openat2() with RESOLVE_NO_SYMLINKS where the kernel has it
// (Linux 5.6), else one component at a time.
Handle
open_folder(const std::filesystem::path& folder, bool make, const std::string& shown)
{
  const auto name = folder.empty() ? std::filesystem::path(".") : folder;
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS;
  const auto fd = ::syscall(SYS_openat2, AT_FDCWD, name.c_str(), &how, sizeof how);
  if (fd >= 0) {
    return Handle(static_cast<int>(fd));
  }
  if (errno == ELOOP) {
    through_link(shown);
  }
  if (errno == ENOSYS || errno == EPERM || (errno == ENOENT && make)) {
    return walk_to(name, make, shown);
  }
  throw Error(ErrorKind::io, "cannot write {}: {}", shown, reason(errno));
}

// Copies an extent of a passed file to `to` at its current offset, in the
// kernel where it can, else a piece at a time: never the whole in memory.
bool
copy_extent(const protocol::Extent& extent, int to)
{
  auto offset = static_cast<off_t>(extent.offset);
  auto left = extent.size;
  bool kernel = true;
  std::vector<char> buffer;
  while (left > 0) {
    const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(left, 1U << 24));
    ssize_t done = -1;
    if (kernel) {
      done = ::copy_file_range(extent.file->get(), &offset, to, nullptr, chunk, 0);
      if (done < 0
          && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP
              || errno == EBADF)) {
        kernel = false;
        continue;
      }
    } else {
      buffer.resize(1U << 20);
      done = ::pread(extent.file->get(), buffer.data(), std::min(chunk, buffer.size()), offset);
      if (done > 0) {
        if (!write_all(to, std::string_view(buffer.data(), static_cast<std::size_t>(done)))) {
          return false;
        }
        offset += done;
      }
    }
    if (done < 0 && errno == EINTR) {
      continue;
    }
    if (done <= 0) {
      if (done == 0) {
        errno = EIO; // the file shrank under us
      }
      return false;
    }
    left -= static_cast<std::uint64_t>(done);
  }
  return true;
}

// A file created in a folder beside its target, removed unless it gets its
// name.
class TemporaryFile
{
public:
  TemporaryFile(const Handle& folder, std::string target, std::string shown, mode_t mode)
    : m_folder(folder.get())
    , m_target(std::move(target))
    , m_shown(std::move(shown))
  {
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
      m_name = fmt::format("{}.partial-{:08x}", m_target, random());
      const int fd = ::openat(
        m_folder, m_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
      if (fd >= 0) {
        m_fd = Handle(fd);
        return;
      }
      if (errno != EEXIST) {
        throw Error(ErrorKind::io, "cannot write {}: {}", m_shown, reason(errno));
      }
    }
    throw Error(ErrorKind::io, "cannot write {}: no free temporary name", m_shown);
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile()
  {
    if (!m_kept) {
      ::unlinkat(m_folder, m_name.c_str(), 0);
    }
  }

  const std::string&
  name() const
  {
    return m_name;
  }

  int
  fd() const
  {
    return m_fd.get();
  }

  void
  write(const protocol::OutputFile& file)
  {
    const bool written =
      file.extent ? copy_extent(*file.extent, m_fd.get()) : write_all(m_fd.get(), file.content);
    if (!written) {
      throw Error(ErrorKind::io, "cannot write {}: {}", m_shown, reason(errno));
    }
  }

  // Flushed to disk, then given its name: without `overwrite` only if the
  // name is free.
  void
  keep(bool overwrite)
  {
    const bool flushed = ::fsync(m_fd.get()) == 0;
    const int closed = ::close(m_fd.release());
    if (!flushed || closed != 0) {
      throw Error(ErrorKind::io, "cannot write {}: {}", m_shown, reason(errno));
    }
    if (overwrite) {
      // rename() replaces a symbolic link at the name; it never follows it.
      if (::renameat(m_folder, m_name.c_str(), m_folder, m_target.c_str()) != 0) {
        throw Error(ErrorKind::io, "cannot write {}: {}", m_shown, reason(errno));
      }
      m_kept = true;
      return;
    }
    // link() fails if the name exists, even as a dangling symbolic link.
    if (::linkat(m_folder, m_name.c_str(), m_folder, m_target.c_str(), 0) != 0) {
      if (errno == EEXIST) {
        throw Error(ErrorKind::refused, "{} already exists; add --force to replace it", m_shown);
      }
      throw Error(ErrorKind::io, "cannot write {}: {}", m_shown, reason(errno));
    }
  }

private:
  int m_folder;
  std::string m_target;
  std::string m_shown;
  std::string m_name;
  Handle m_fd;
  bool m_kept = false;
};

// A file's name within its folder, refused unless it names a plain,
// visible file.
std::string
target_name(const std::string& path)
{
  auto name = std::filesystem::path(path).filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw Error(ErrorKind::usage, "{} does not name a file to write", path);
  }
  if (name.starts_with('.')) {
    throw Error(
      ErrorKind::refused, "{}: cpd does not write files whose names start with a dot", path);
  }
  return name;
}

void
require_free(const Handle& folder, const std::string& name, const std::string& shown)
{
  struct stat status
  {};
  if (::fstatat(folder.get(), name.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0) {
    throw Error(ErrorKind::refused, "{} already exists; add --force to replace it", shown);
  }
}

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
  // Every name and folder first, so that a refusal writes none of them.
  std::vector<std::string> names;
  std::vector<Handle> folders;
  for (const auto& file : files) {
    names.push_back(target_name(file.path));
    folders.push_back(
      open_folder(std::filesystem::path(file.path).parent_path(), file.make_folder, file.path));
    if (!file.overwrite) {
      require_free(folders.back(), names.back(), file.path);
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    TemporaryFile temporary(folders[i], names[i], files[i].path, files[i].owner_only ? 0600 : 0666);
    temporary.write(files[i]);
    temporary.keep(files[i].overwrite);
  }
}

void
write_stdout_extent(const protocol::Extent& extent)
{
  if (std::fflush(stdout) != 0 && errno != EPIPE) {
    throw Error(ErrorKind::io, "cannot write to standard output: {}", std::strerror(errno));
  }
  if (!copy_extent(extent, STDOUT_FILENO) && errno != EPIPE) {
    throw Error(ErrorKind::io, "cannot write to standard output: {}", std::strerror(errno));
  }
}

std::int64_t
make_user_file(const std::string& path,
               bool overwrite,
               const std::function<void(const std::string&)>& fill)
{
  const auto name = target_name(path);
  const auto parent = std::filesystem::path(path).parent_path();
  const auto folder = open_folder(parent, false, path);
  if (!overwrite) {
    require_free(folder, name, path);
  }
  TemporaryFile temporary(folder, name, path, 0600);
  fill(((parent.empty() ? std::filesystem::path(".") : parent) / temporary.name()).string());
  // The bytes must be in the file made through the folder's handle, not in
  // one the path led to after a change of a folder on the way.
  struct stat made
  {};
  struct stat named
  {};
  if (::fstat(temporary.fd(), &made) != 0
      || ::fstatat(folder.get(), temporary.name().c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0
      || made.st_ino != named.st_ino || made.st_dev != named.st_dev || made.st_size == 0) {
    throw Error(ErrorKind::refused,
                "{}: a folder on the way changed while the copy was made; nothing was written",
                path);
  }
  temporary.keep(overwrite);
  return made.st_size;
}

} // namespace cpd::cli
