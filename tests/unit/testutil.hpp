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

// SQL that takes a database of the current schema back to version 14: no
// record of the audit reminders sent but their mail (version 15), and the
// outbox as it was, with columns for mail rendered when queued.
inline constexpr const char* k_back_to_schema_14 =
  "DROP TABLE audit_reminder;"
  "DROP TABLE outbox_attachment; DROP TABLE outbox;"
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY, cause TEXT NOT NULL UNIQUE, template TEXT NOT NULL,"
  "  member_id INTEGER REFERENCES member(id), to_name TEXT NOT NULL,"
  "  to_address TEXT NOT NULL, facts TEXT, subject TEXT, body TEXT,"
  "  message_id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),"
  "  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,"
  "  lease_until INTEGER, last_code INTEGER, last_error TEXT, sent_at INTEGER,"
  "  files_dropped INTEGER NOT NULL DEFAULT 0 CHECK (files_dropped IN (0, 1)),"
  "  CHECK ((facts IS NULL) = (subject IS NOT NULL AND body IS NOT NULL))) STRICT;"
  "CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'queued';"
  "CREATE INDEX outbox_member ON outbox(member_id, template, created_at);"
  "CREATE TABLE outbox_attachment ("
  "  outbox_id INTEGER NOT NULL REFERENCES outbox(id),"
  "  attachment_id INTEGER NOT NULL REFERENCES attachment(id),"
  "  PRIMARY KEY (outbox_id, attachment_id)) STRICT;";

// Then from version 14 back to version 11.
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
