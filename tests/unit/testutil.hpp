#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace testutil {

// A fresh directory for one test, removed when the test ends.
class TempDir
{
public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path&
  path() const
  {
    return m_path;
  }

  std::filesystem::path
  operator/(const std::string& name) const
  {
    return m_path / name;
  }

private:
  std::filesystem::path m_path;
};

// Writes `content` to `path`, replacing it.
void write_file(const std::filesystem::path& path, const std::string& content);

// The bytes of a file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

// Each text on a line of its own, for a test's message.
std::string lines(const std::vector<std::string>& texts);

} // namespace testutil
