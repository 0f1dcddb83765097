#include <cpd/store/backup.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

namespace cpd {

namespace {

// Creates an empty file only the owner may read, for VACUUM INTO to fill.
bool
create_private(const std::filesystem::path& path)
{
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return false;
  }
  ::close(fd);
  return true;
}

// Removes a file when it goes out of scope, unless kept.
class Removal
{
public:
  explicit Removal(std::filesystem::path path)
    : m_path(std::move(path))
  {}
  Removal(const Removal&) = delete;
  Removal& operator=(const Removal&) = delete;
  ~Removal()
  {
    if (!m_kept) {
      ::unlink(m_path.c_str());
    }
  }

  void
  keep()
  {
    m_kept = true;
  }

private:
  std::filesystem::path m_path;
  bool m_kept = false;
};

// The copy made by VACUUM INTO, brought to WAL mode and checked.
void
finish_copy(const std::filesystem::path& path)
{
  sqlite3* raw = nullptr;
  const int rc =
    sqlite3_open_v2(path.c_str(),
                    &raw,
                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
                    nullptr);
  const std::unique_ptr<sqlite3, int (*)(sqlite3*)> copy(raw, sqlite3_close);
  if (rc != SQLITE_OK) {
    throw Error(
      ErrorKind::io, "cannot open the new copy {}: {}", path.string(), sqlite3_errstr(rc));
  }
  std::string verdict;
  auto collect = [](void* out, int columns, char** values, char**) {
    if (columns > 0 && values[0] != nullptr) {
      *static_cast<std::string*>(out) += values[0];
    }
    return 0;
  };
  // VACUUM INTO writes a rollback-journal database; the original is WAL.
  if (sqlite3_exec(copy.get(), "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr) != SQLITE_OK
      || sqlite3_exec(copy.get(), "PRAGMA quick_check", collect, &verdict, nullptr) != SQLITE_OK) {
    throw Error(
      ErrorKind::io, "cannot check the new copy {}: {}", path.string(), sqlite3_errmsg(copy.get()));
  }
  if (verdict != "ok") {
    throw Error(ErrorKind::io, "the new copy {} failed its check: {}", path.string(), verdict);
  }
}

// Copies the database into `target`, an empty file made by the caller.
void
copy_into(Database& db, const std::filesystem::path& target)
{
  // VACUUM INTO reads one snapshot in a read transaction of its own: writers
  // go on meanwhile (WAL), and the copy holds every commit before it began.
  Statement(db, "VACUUM INTO ?").bind(1, target.string()).run();
  finish_copy(target);
}

void
require_file_database(Database& db)
{
  if (db.path().empty()) {
    throw Error(ErrorKind::usage, "an in-memory database cannot be backed up to a file");
  }
}

// "20180101-001000" for the local time of an instant.
std::string
stamp(const Context& context)
{
  const auto local = context.now + static_cast<std::int64_t>(context.utc_offset_minutes) * 60;
  auto days = local / 86400;
  auto seconds = local % 86400;
  if (seconds < 0) {
    seconds += 86400;
    --days;
  }
  const auto date = Date::from_days(days);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}",
                     date.year(),
                     date.month(),
                     date.day(),
                     seconds / 3600,
                     seconds / 60 % 60,
                     seconds % 60);
}

// (stamp, number) of a copy's name, or nothing for another name.
std::optional<std::pair<std::string, int>>
parse_name(std::string_view name)
{
  constexpr std::string_view prefix = "cpd-";
  constexpr std::string_view suffix = ".db";
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) {
    return std::nullopt;
  }
  name.remove_prefix(prefix.size());
  name.remove_suffix(suffix.size());
  const auto is_digits = [](std::string_view text) {
    return !text.empty()
           && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (name.size() < 15 || !is_digits(name.substr(0, 8)) || name[8] != '-'
      || !is_digits(name.substr(9, 6))) {
    return std::nullopt;
  }
  const auto stamp_text = std::string(name.substr(0, 15));
  if (name.size() == 15) {
    return std::pair(stamp_text, 1);
  }
  const auto rest = name.substr(15);
  if (rest.size() < 2 || rest[0] != '-' || !is_digits(rest.substr(1)) || rest[1] == '0'
      || rest.size() > 7) {
    return std::nullopt;
  }
  int number = 0;
  std::from_chars(rest.data() + 1, rest.data() + rest.size(), number);
  return std::pair(stamp_text, number);
}

BackupResult
copy_to_directory(Database& db, const Context& context, const std::filesystem::path& folder)
{
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    if (::mkdir(folder.c_str(), 0700) != 0) {
      throw Error(ErrorKind::io,
                  "cannot make the backup folder {}: {}",
                  folder.string(),
                  std::strerror(errno));
    }
  }
  const auto base = stamp(context);
  std::filesystem::path target;
  for (int number = 1;; ++number) {
    target =
      folder
      / (number == 1 ? fmt::format("cpd-{}.db", base) : fmt::format("cpd-{}-{}.db", base, number));
    if (create_private(target)) {
      break;
    }
    if (errno != EEXIST || number >= 1000) {
      throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), std::strerror(errno));
    }
  }
  Removal removal(target);
  copy_into(db, target);
  removal.keep();

  BackupResult result;
  result.path = target;
  result.bytes = static_cast<std::int64_t>(std::filesystem::file_size(target, ec));
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.is_regular_file(ec) && !entry.is_symlink(ec)) {
      names.push_back(entry.path().filename().string());
    }
  }
  const auto copies = backup_names(names);
  const auto keep = std::stoll(get_setting(db, "backup.keep"));
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep) < copies.size(); ++i) {
    if (::unlink((folder / copies[i]).c_str()) == 0) {
      result.removed.push_back(copies[i]);
    }
  }
  return result;
}

std::filesystem::path
backup_folder(Database& db)
{
  return get_setting(db, "backup.dir");
}

} // namespace

std::vector<std::string>
backup_names(const std::vector<std::string>& names)
{
  std::vector<std::pair<std::pair<std::string, int>, std::string>> copies;
  for (const auto& name : names) {
    if (const auto key = parse_name(name)) {
      copies.emplace_back(*key, name);
    }
  }
  std::sort(copies.begin(), copies.end());
  std::vector<std::string> sorted;
  sorted.reserve(copies.size());
  for (auto& [key, name] : copies) {
    sorted.push_back(std::move(name));
  }
  return sorted;
}

Spool
backup_spool(Database& db, const SecretaryOrSystem& /*context*/)
{
  {
    Transaction transaction(db, Transaction::Kind::read);
  }
  require_file_database(db);
  std::filesystem::path target;
  for (int number = 1;; ++number) {
    target = db.path();
    target += fmt::format(".backup-{}", number);
    if (create_private(target)) {
      break;
    }
    if (errno != EEXIST || number >= 1000) {
      throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), std::strerror(errno));
    }
  }
  const Removal removal(target);
  copy_into(db, target);
  auto file =
    std::make_shared<const FileDescriptor>(::open(target.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  struct stat status
  {};
  if (file->get() < 0 || ::fstat(file->get(), &status) != 0) {
    throw Error(ErrorKind::io, "cannot read {}: {}", target.string(), std::strerror(errno));
  }
  return {std::move(file), static_cast<std::uint64_t>(status.st_size)};
}

std::int64_t
backup_into(Database& db, const SecretaryOrSystem& /*context*/, const std::filesystem::path& target)
{
  {
    Transaction transaction(db, Transaction::Kind::read);
  }
  require_file_database(db);
  copy_into(db, target);
  std::error_code ec;
  return static_cast<std::int64_t>(std::filesystem::file_size(target, ec));
}

BackupResult
backup_to_directory(Database& db, const SecretaryOrSystem& context)
{
  std::filesystem::path folder;
  {
    Transaction transaction(db, Transaction::Kind::read);
    folder = backup_folder(db);
  }
  if (folder.empty()) {
    throw Error(ErrorKind::config,
                "backup.dir is not set: name a folder for the copies with cpd config set "
                "backup.dir /var/lib/cpd/backups, or give a FILE");
  }
  require_file_database(db);
  return copy_to_directory(db, context, folder);
}

std::optional<BackupResult>
backup_if_configured(Database& db, const Context& context)
{
  std::filesystem::path folder;
  {
    Transaction transaction(db, Transaction::Kind::read);
    folder = backup_folder(db);
  }
  if (folder.empty() || db.path().empty()) {
    return std::nullopt;
  }
  return copy_to_directory(db, context, folder);
}

} // namespace cpd
