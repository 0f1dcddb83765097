#pragma once

#include <cpd/util/file.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace cpd {

// Bytes the database's side hands to the user's side by descriptor, never
// held whole in memory: a file without a name (O_TMPFILE, else a name
// removed at once), readable by its owner alone. The user's side copies
// from it with its own rights; the bytes go when the last descriptor closes.
class Spool
{
public:
  // An empty spool in `folder`, a folder of the database's owner.
  static Spool create(const std::filesystem::path& folder);
  // A spool of a file already open, `size` bytes long (a backup's copy).
  Spool(std::shared_ptr<const FileDescriptor> file, std::uint64_t size);

  // Appends `bytes`; throws ErrorKind::io when the disk refuses them.
  void append(std::string_view bytes);

  std::uint64_t
  size() const
  {
    return m_size;
  }

  const std::shared_ptr<const FileDescriptor>&
  file() const
  {
    return m_file;
  }

  // `size` bytes from `offset` (for checks and small reads).
  std::string read(std::uint64_t offset, std::uint64_t size) const;

private:
  std::shared_ptr<const FileDescriptor> m_file;
  std::uint64_t m_size = 0;
};

// A stream appending to a spool through a buffer of its own: an export
// goes to disk as it is made.
class SpoolStream : public std::ostream
{
public:
  explicit SpoolStream(Spool& spool);
  SpoolStream(const SpoolStream&) = delete;
  SpoolStream& operator=(const SpoolStream&) = delete;
  ~SpoolStream() override;

private:
  class Buffer : public std::streambuf
  {
  public:
    explicit Buffer(Spool& spool);

  protected:
    int_type overflow(int_type c) override;
    int sync() override;

  private:
    Spool& m_spool;
    std::array<char, 1 << 16> m_bytes{};
  };
  Buffer m_buffer;
};

} // namespace cpd
