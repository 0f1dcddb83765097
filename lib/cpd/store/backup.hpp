#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/spool.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cpd {

class Database;

// Backups: consistent copies of the database taken while others write,
// made by the database's side (VACUUM INTO a file of its own, with the
// owner's rights only), checked with SQLite's quick_check and left in WAL
// mode like the original, so that a copy put in place of the database works
// as it did.

// A copy for a secretary or the system, to hand to the user's side by its
// descriptor (`cpd backup FILE` through a server): made in a temporary
// file beside the database, opened, and its name removed at once, so that
// the copy goes when the last descriptor of it closes.
Spool backup_spool(Database& db, const SecretaryOrSystem& context);

// A copy into `target`, for a secretary or the system: an empty file the
// caller made for it (`cpd backup FILE` on a private file, straight into
// the user's folder). Returns its size.
std::int64_t
backup_into(Database& db, const SecretaryOrSystem& context, const std::filesystem::path& target);

// What a backup into backup.dir did.
struct BackupResult
{
  std::filesystem::path path;       // the new copy
  std::int64_t bytes = 0;           // its size
  std::vector<std::string> removed; // older copies removed beyond backup.keep, by name
};

// A copy into backup.dir, for a secretary or the system, named by the local
// time of context.now (cpd-YYYYMMDD-HHMMSS.db, -2, -3... within a second);
// copies named so beyond the newest backup.keep are removed, and no other
// file. The folder is made (0700) if missing. Refused (78) while backup.dir
// is not set.
BackupResult backup_to_directory(Database& db, const SecretaryOrSystem& context);

// The same without the permission check, when backup.dir is set: for year
// end, before it changes anything.
std::optional<BackupResult> backup_if_configured(Database& db, const Context& context);

// The names of the copies in a folder listing, oldest first: names of the
// form cpd-YYYYMMDD-HHMMSS.db or cpd-YYYYMMDD-HHMMSS-N.db only.
std::vector<std::string> backup_names(const std::vector<std::string>& names);

} // namespace cpd
