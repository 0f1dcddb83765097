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

// SQL that takes a database of the current schema back to version 11, for
// tests of the migrations up to it.
inline constexpr const char* k_back_to_schema_11 =
  "ALTER TABLE member DROP COLUMN uid; ALTER TABLE audit_draw DROP COLUMN pool;"
  "DROP INDEX claim_withdrawn; DROP INDEX claim_member_year;"
  " CREATE INDEX claim_member_year ON claim(member_id, year);"
  " ALTER TABLE claim DROP COLUMN evidence_purged; ALTER TABLE claim DROP COLUMN purged_bytes;";

// The exit status CTest reads as "skipped" (SKIP_RETURN_CODE).
inline constexpr int k_skip_status = 77;

// Marks the running test case as unable to check what it should: its
// oracle (a program it compares against) is missing. The case should
// return right after. Outside CI the run then exits k_skip_status, so CTest
// reports the case as skipped, never as passed; with CI set in the
// environment, a missing oracle fails the case instead.
void skip(const std::string& why);

// True once a test case called skip().
bool skipped();

// Writes `content` to `path`, replacing it.
void write_file(const std::filesystem::path& path, const std::string& content);

// The bytes of a file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

// Each text on a line of its own, for a test's message.
std::string lines(const std::vector<std::string>& texts);

} // namespace testutil
