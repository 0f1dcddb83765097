// The key of the statements' verification codes, in its own file beside
// the database: a copy of the database (a backup, an export) holds no
// secret, and the key is backed up, or not, on its own.

#include <cpd/store/database.hpp>
#include <cpd/store/host_config.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>
#include <cpd/util/random.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace cpd {

namespace {

constexpr std::size_t k_key_bytes = 32;

std::string
to_hex(std::string_view bytes)
{
  constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  for (const auto byte : bytes) {
    const auto value = static_cast<unsigned char>(byte);
    out += digits[value >> 4U];
    out += digits[value & 0xfU];
  }
  return out;
}

std::string
random_key()
{
  return system_random_bytes(k_key_bytes);
}

// The key in a key file: 64 hex digits and a line break.
std::string
read_key(const std::filesystem::path& path)
{
  const auto text = read_regular_file("the statement key", path.string(), 4096);
  std::string_view hex = text;
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) {
    hex.remove_suffix(1);
  }
  std::string key;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  };
  for (std::size_t i = 0; hex.size() == 2 * k_key_bytes && i < hex.size(); i += 2) {
    const int high = digit(hex[i]);
    const int low = digit(hex[i + 1]);
    if (high < 0 || low < 0) {
      break;
    }
    key += static_cast<char>((high << 4) | low);
  }
  if (key.size() != k_key_bytes) {
    throw Error(ErrorKind::config,
                "the statement key {} is damaged: it must hold 64 hex digits",
                path.string());
  }
  return key;
}

// Writes `key` to `path` unless a key file is there already: written in
// full under another name, then linked into place, so that nobody reads
// half a key. Returns the key in the file, which another process may have
// put there first.
std::string
write_key(const std::filesystem::path& path, const std::string& key)
{
  const auto staging = path.string() + "." + to_hex(random_key().substr(0, 6));
  {
    const FileDescriptor fd(
      ::open(staging.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0 || !write_all(fd.get(), to_hex(key) + "\n") || ::fsync(fd.get()) != 0) {
      const int error = errno;
      ::unlink(staging.c_str());
      throw Error(ErrorKind::io,
                  "cannot write the statement key {}: {}",
                  path.string(),
                  std::strerror(error));
    }
  }
  const int linked = ::link(staging.c_str(), path.c_str());
  const int error = errno;
  ::unlink(staging.c_str());
  if (linked != 0 && error != EEXIST) {
    throw Error(
      ErrorKind::io, "cannot write the statement key {}: {}", path.string(), std::strerror(error));
  }
  const auto folder = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  const FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) {
    ::fsync(dir.get());
  }
  return read_key(path);
}

} // namespace

std::filesystem::path
Database::key_path() const
{
  return m_path.empty() ? std::filesystem::path() : std::filesystem::path(m_path.string() + ".key");
}

const std::string&
Database::statement_key()
{
  if (m_statement_key.empty() && !m_path.empty()) {
    struct stat status
    {};
    if (::lstat(key_path().c_str(), &status) == 0) {
      m_statement_key = read_key(key_path());
    }
  }
  return m_statement_key;
}

void
Database::ensure_statement_key()
{
  if (!statement_key().empty()) {
    return;
  }
  if (m_path.empty()) {
    m_statement_key = random_key();
    return;
  }
  Statement issued(*this, "SELECT count(*) FROM statement");
  issued.step();
  if (issued.integer(0) > 0) {
    throw Error(ErrorKind::config,
                "the statement key {} is missing: put back the copy kept with the database's "
                "backups, or no code of its statements verifies",
                key_path().string());
  }
  m_statement_key = write_key(key_path(), random_key());
}

void
Database::move_statement_key_out()
{
  Statement table(*this, "SELECT count(*) FROM sqlite_schema WHERE name = 'statement_key'");
  table.step();
  if (table.integer(0) == 0) {
    return;
  }
  table.reset();
  Statement query(*this, "SELECT secret FROM statement_key WHERE id = 1");
  if (!query.step()) {
    return;
  }
  const auto key = query.blob(0);
  query.reset();
  if (m_path.empty()) {
    m_statement_key = key;
    return;
  }
  if (write_key(key_path(), key) != key) {
    throw Error(ErrorKind::config,
                "{} holds another key than the database {}: move it aside, and cpd moves the "
                "database's key there",
                key_path().string(),
                m_path.string());
  }
  m_statement_key = key;
}

} // namespace cpd
