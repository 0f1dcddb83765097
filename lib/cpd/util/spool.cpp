#include <cpd/util/error.hpp>
#include <cpd/util/spool.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cpd {

namespace {

// A file with no name in `folder`: O_TMPFILE where the file system has it,
// else a fresh name removed as soon as it is open.
int
nameless_file(const std::filesystem::path& folder)
{
  const int fd = ::open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) {
    return fd;
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto path = folder / fmt::format(".cpd-spool-{}-{}", ::getpid(), attempt);
    const int named =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (named >= 0) {
      ::unlink(path.c_str());
      return named;
    }
    if (errno != EEXIST) {
      return -1;
    }
  }
  return -1;
}

} // namespace

Spool
Spool::create(const std::filesystem::path& folder)
{
  const auto where = folder.empty() ? std::filesystem::path(".") : folder;
  const int fd = nameless_file(where);
  if (fd < 0) {
    throw Error(ErrorKind::io,
                "cannot make a temporary file in {}: {}",
                where.string(),
                std::strerror(errno));
  }
  return {std::make_shared<const FileDescriptor>(fd), 0};
}

Spool::Spool(std::shared_ptr<const FileDescriptor> file, std::uint64_t size)
  : m_file(std::move(file))
  , m_size(size)
{}

void
Spool::append(std::string_view bytes)
{
  while (!bytes.empty()) {
    const auto written =
      ::pwrite(m_file->get(), bytes.data(), bytes.size(), static_cast<off_t>(m_size));
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      throw Error(ErrorKind::io, "cannot write a temporary file: {}", std::strerror(errno));
    }
    m_size += static_cast<std::uint64_t>(written);
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

std::string
Spool::read(std::uint64_t offset, std::uint64_t size) const
{
  std::string bytes(size, '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto got = ::pread(
      m_file->get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      throw Error(ErrorKind::io, "cannot read a temporary file: {}", std::strerror(errno));
    }
    done += static_cast<std::size_t>(got);
  }
  return bytes;
}

SpoolStream::Buffer::Buffer(Spool& spool)
  : m_spool(spool)
{
  setp(m_bytes.data(), m_bytes.data() + m_bytes.size());
}

SpoolStream::Buffer::int_type
SpoolStream::Buffer::overflow(int_type c)
{
  if (sync() != 0) {
    return traits_type::eof();
  }
  if (c != traits_type::eof()) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

int
SpoolStream::Buffer::sync()
{
  const auto pending = static_cast<std::size_t>(pptr() - pbase());
  if (pending > 0) {
    m_spool.append(std::string_view(pbase(), pending));
    setp(m_bytes.data(), m_bytes.data() + m_bytes.size());
  }
  return 0;
}

SpoolStream::SpoolStream(Spool& spool)
  : std::ostream(&m_buffer)
  , m_buffer(spool)
{
  exceptions(std::ios::badbit);
}

SpoolStream::~SpoolStream() = default;

} // namespace cpd
