#pragma once

namespace cpd::cli {

// An installed cpd runs setgid to the group that owns the database: members
// reach the file only through cpd. These helpers keep that group's rights to
// the database alone.

// True when real and effective ids differ: the environment and the command
// line cannot be trusted to choose the database, the user or the date.
bool privileged();

// First thing in main: when privileged, empties the environment (no TMPDIR
// for SQLite, no proxy for libcurl, no locale files), sets a safe PATH and
// umask, and makes sure file descriptors 0 to 2 are open.
void secure_startup();

// While alive, files are opened with the user's own group, not cpd's: for
// everything the user names (attachments, imports, outputs).
class UserRights
{
public:
  UserRights();
  UserRights(const UserRights&) = delete;
  UserRights& operator=(const UserRights&) = delete;
  ~UserRights();

private:
  bool m_switched = false;
  unsigned m_saved_egid = 0;
};

} // namespace cpd::cli
