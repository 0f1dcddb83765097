// The one SQLite connection of a command: opening it, its statements,
// transactions and the migrations. Just over 500 lines: they share the
// handle's state and its error handling.

#include <cpd/store/database.hpp>
#include <cpd/util/embedded.hpp>
#include <cpd/util/error.hpp>

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

namespace cpd {

namespace {

// PRAGMA application_id of every cpd database: "CPD1".
constexpr int k_application_id = 0x43504431;
constexpr int k_busy_timeout_ms = 10000;
// The schema that made the table statement_key, and the one that moved the
// key out of the database into its own file.
constexpr int k_key_table_version = 6;
constexpr int k_key_file_version = 11;

struct Migration
{
  int version;
  std::string_view sql;
};

// The migrations whose step only a layer above the store can take (see
// Database::register_migration_step()): 15, the mail of older versions
// worded anew.
constexpr std::array k_stepped_versions{15};

std::map<int, Database::MigrationStep>&
migration_steps()
{
  static std::map<int, Database::MigrationStep> steps;
  return steps;
}

// The migrations embedded from data/schema/NNNN-*.sql, in order.
std::vector<Migration>
migrations()
{
  std::vector<Migration> result;
  for (const auto& file : embedded_files()) {
    if (file.name.starts_with("schema/") && file.name.ends_with(".sql")) {
      const auto number = file.name.substr(7, 4);
      result.push_back({std::stoi(std::string(number)), file.content});
    }
  }
  return result;
}

// SQLite's process-wide settings, before its first connection: no memory
// statistics, which cpd never reads and which cost a global mutex on every
// allocation (a short command makes about a thousand, most of them reading
// the schema). Too late if SQLite was already initialised in this process,
// which changes nothing else.
void
configure_sqlite()
{
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  static_cast<void>(configured);
}

} // namespace

// --- Statement ---

Statement::Statement(Database& db, std::string_view sql)
  : m_db(&db)
  , m_sql(sql)
  , m_statement(db.acquire(m_sql))
{}

Statement::~Statement()
{
  m_db->release(m_sql, m_statement);
}

Statement&
Statement::bind(int index, std::int64_t value)
{
  const int rc = sqlite3_bind_int64(m_statement, index, value);
  if (rc != SQLITE_OK) {
    m_db->fail(rc, "binding a value");
  }
  return *this;
}

Statement&
Statement::bind(int index, int value)
{
  return bind(index, static_cast<std::int64_t>(value));
}

Statement&
Statement::bind(int index, std::string_view value)
{
  const int rc = sqlite3_bind_text64(
    m_statement, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) {
    m_db->fail(rc, "binding a value");
  }
  return *this;
}

Statement&
Statement::bind(int index, const char* value)
{
  return bind(index, std::string_view(value));
}

Statement&
Statement::bind(int index, const std::string& value)
{
  return bind(index, std::string_view(value));
}

Statement&
Statement::bind_blob(int index, std::span<const std::byte> value)
{
  const int rc =
    sqlite3_bind_blob64(m_statement, index, value.data(), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    m_db->fail(rc, "binding a value");
  }
  return *this;
}

Statement&
Statement::bind_null(int index)
{
  const int rc = sqlite3_bind_null(m_statement, index);
  if (rc != SQLITE_OK) {
    m_db->fail(rc, "binding a value");
  }
  return *this;
}

bool
Statement::step()
{
  const int rc = sqlite3_step(m_statement);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(m_statement);
  m_db->fail(rc, "running a query");
}

void
Statement::run()
{
  while (step()) {
  }
}

void
Statement::reset()
{
  sqlite3_reset(m_statement);
}

bool
Statement::is_null(int column) const
{
  return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

std::int64_t
Statement::integer(int column) const
{
  return sqlite3_column_int64(m_statement, column);
}

std::string
Statement::text(int column) const
{
  const auto* data = sqlite3_column_text(m_statement, column);
  const auto size = sqlite3_column_bytes(m_statement, column);
  return data != nullptr
           ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size))
           : std::string();
}

std::optional<std::string>
Statement::optional_text(int column) const
{
  if (is_null(column)) {
    return std::nullopt;
  }
  return text(column);
}

std::optional<std::int64_t>
Statement::optional_integer(int column) const
{
  if (is_null(column)) {
    return std::nullopt;
  }
  return integer(column);
}

std::string
Statement::blob(int column) const
{
  const auto* data = sqlite3_column_blob(m_statement, column);
  const auto size = sqlite3_column_bytes(m_statement, column);
  return data != nullptr
           ? std::string(static_cast<const char*>(data), static_cast<std::size_t>(size))
           : std::string();
}

// --- Database ---

void
Database::Close::operator()(sqlite3* db) const
{
  sqlite3_close_v2(db);
}

Database::Database(std::unique_ptr<sqlite3, Close> db, std::filesystem::path path)
  : m_db(std::move(db))
  , m_path(std::move(path))
{
  // A change to the setting table that is rolled back empties the
  // settings snapshot again: it may have been read since the change.
  sqlite3_commit_hook(
    m_db.get(),
    [](void* slot) {
      static_cast<SettingsSlot*>(slot)->written = false;
      return 0;
    },
    m_settings.get());
  sqlite3_rollback_hook(
    m_db.get(),
    [](void* slot) {
      auto& settings = *static_cast<SettingsSlot*>(slot);
      if (settings.written) {
        settings.snapshot.reset();
        settings.written = false;
      }
    },
    m_settings.get());
}

void
Database::settings_changed()
{
  m_settings->snapshot.reset();
  m_settings->written = true;
}

Database::~Database()
{
  for (const auto& [sql, statement] : m_idle) {
    sqlite3_finalize(statement);
  }
}

sqlite3_stmt*
Database::acquire(const std::string& sql)
{
  if (const auto idle = m_idle.find(sql); idle != m_idle.end()) {
    sqlite3_stmt* statement = idle->second;
    m_idle.erase(idle);
    return statement;
  }
  sqlite3_stmt* statement = nullptr;
  const int rc = sqlite3_prepare_v3(m_db.get(),
                                    sql.data(),
                                    static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT,
                                    &statement,
                                    nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(statement);
    fail(rc, "preparing a query");
  }
  return statement;
}

void
Database::release(const std::string& sql, sqlite3_stmt* statement)
{
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  // A second statement with the same SQL (a nested use) is not kept.
  if (!m_idle.emplace(sql, statement).second) {
    sqlite3_finalize(statement);
  }
}

void
Database::fail(int code, std::string_view context) const
{
  const std::string detail = m_db ? sqlite3_errmsg(m_db.get()) : sqlite3_errstr(code);
  const std::string where = m_path.empty() ? std::string("the database") : m_path.string();
  switch (code & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    throw Error(ErrorKind::busy, "{} is busy (another cpd is writing to it); try again", where);
  case SQLITE_READONLY:
    throw Error(ErrorKind::io, "{} cannot be written: {}", where, detail);
  case SQLITE_FULL:
    throw Error(ErrorKind::io, "{}: the disk is full; nothing was changed", where);
  case SQLITE_IOERR:
    throw Error(ErrorKind::io, "{}: I/O error while {}: {}", where, context, detail);
  case SQLITE_CANTOPEN:
  case SQLITE_PERM:
    throw Error(ErrorKind::unavailable, "cannot open {}: {}", where, detail);
  case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
    throw Error(ErrorKind::bad_input, "{} is not a cpd database or is damaged ({})", where, detail);
  default:
    throw Error(ErrorKind::internal, "database error while {}: {}", context, detail);
  }
}

Database
Database::open(const std::filesystem::path& path, Mode mode)
{
  std::error_code ec;
  if (mode == Mode::open_existing && !std::filesystem::exists(path, ec)) {
    throw Error(ErrorKind::unavailable,
                "no cpd database at {}; create one with `cpd init` or name "
                "another with --db",
                path.string());
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOFOLLOW;
  if (mode == Mode::create) {
    flags |= SQLITE_OPEN_CREATE;
    // SQLite would create the file 0644 less the umask; made here it gets
    // 0666 less the umask, so that a shared database (umask 007) is
    // writable by its group.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
    }
  }
  configure_sqlite();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(std::unique_ptr<sqlite3, Close>(raw), path);
  if (rc != SQLITE_OK) {
    db.fail(rc, "opening");
  }
  db.configure();
  db.migrate();
  return db;
}

Database
Database::open_memory()
{
  configure_sqlite();
  sqlite3* raw = nullptr;
  const int rc =
    sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Database db(std::unique_ptr<sqlite3, Close>(raw), {});
  if (rc != SQLITE_OK) {
    db.fail(rc, "opening");
  }
  db.configure();
  db.migrate();
  return db;
}

void
Database::configure()
{
  sqlite3_extended_result_codes(m_db.get(), 1);
  sqlite3_busy_timeout(m_db.get(), k_busy_timeout_ms);
  sqlite3_db_config(m_db.get(), SQLITE_DBCONFIG_ENABLE_FKEY, 1, nullptr);
  sqlite3_db_config(m_db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  // Temporary files on disk, not in memory: a statement that changes many
  // pages keeps a journal of them to undo itself (with foreign keys on,
  // every such statement does), 18 MB for the carries of a year end of
  // 100,000 members, and a large sort spills. SQLite makes them in its
  // temporary directory (SQLITE_TMPDIR, TMPDIR, else /var/tmp or /tmp; the
  // service's own, private one) and unlinks each as soon as it is open.
  exec("PRAGMA temp_store = FILE");
}

void
Database::exec(std::string_view sql)
{
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) {
    fail(rc, "changing the database");
  }
}

std::int64_t
Database::last_insert_id() const
{
  return sqlite3_last_insert_rowid(m_db.get());
}

int
Database::changes() const
{
  return sqlite3_changes(m_db.get());
}

void
Database::count_statements(StatementCounts* counts)
{
  if (counts == nullptr) {
    sqlite3_trace_v2(m_db.get(), 0, nullptr, nullptr);
    return;
  }
  sqlite3_trace_v2(
    m_db.get(),
    SQLITE_TRACE_STMT,
    [](unsigned, void* context, void*, void* sql) {
      const std::string_view text(static_cast<const char*>(sql));
      // A trigger's program is reported as "-- TRIGGER name": part of the
      // statement that fired it.
      if (!text.starts_with("--")) {
        ++(*static_cast<StatementCounts*>(context))[std::string(text)];
      }
      return 0;
    },
    counts);
}

int
Database::schema_version()
{
  Statement query(*this, "PRAGMA user_version");
  query.step();
  return static_cast<int>(query.integer(0));
}

int
Database::current_schema_version()
{
  const auto all = migrations();
  return all.empty() ? 0 : all.back().version;
}

void
Database::migrate()
{
  const int latest = current_schema_version();
  // Two fields of the file's header, which SQLite reads without the schema:
  // a current cpd database needs nothing more.
  auto header = [this] {
    Statement application(*this, "PRAGMA application_id");
    application.step();
    return std::pair(application.integer(0), schema_version());
  };
  auto [application_id, version] = header();
  if (application_id == k_application_id && version == latest) {
    return;
  }
  auto count_objects = [this] {
    Statement query(*this, "SELECT count(*) FROM sqlite_schema");
    query.step();
    return query.integer(0);
  };
  auto objects = count_objects();
  const std::string where = m_path.empty() ? "the database" : m_path.string();
  if (application_id != k_application_id && (application_id != 0 || objects != 0)) {
    throw Error(ErrorKind::bad_input, "{} is not a cpd database", where);
  }
  if (version > latest) {
    throw Error(ErrorKind::bad_input,
                "{} was written by a newer cpd (schema {}, this cpd knows {}); "
                "upgrade cpd",
                where,
                version,
                latest);
  }
  if (version == latest) {
    return;
  }
  if (objects == 0 && !m_path.empty()) {
    // A new file: WAL lets members read while the secretary writes. The
    // journal mode cannot change inside a transaction.
    exec("PRAGMA journal_mode = WAL");
  }
  Transaction transaction(*this, Transaction::Kind::write);
  // Another process may have migrated between the check and the lock.
  std::tie(application_id, version) = header();
  for (const auto& migration : migrations()) {
    if (migration.version > version) {
      if (migration.version == k_key_file_version && version >= k_key_table_version) {
        move_statement_key_out();
      }
      exec(migration.sql);
      run_migration_step(migration.version, version);
    }
  }
  exec("PRAGMA application_id = " + std::to_string(k_application_id)
       + "; PRAGMA user_version = " + std::to_string(latest));
  transaction.commit();
}

bool
Database::register_migration_step(int version, MigrationStep step)
{
  migration_steps()[version] = step;
  return true;
}

void
Database::run_migration_step(int version, int from_version)
{
  if (from_version == 0) {
    return; // a new database: nothing written by an older version
  }
  const auto step = migration_steps().find(version);
  if (step != migration_steps().end()) {
    step->second(*this);
  } else if (std::find(k_stepped_versions.begin(), k_stepped_versions.end(), version)
             != k_stepped_versions.end()) {
    throw Error(ErrorKind::internal,
                "this program cannot bring a database to schema {}: it lacks that migration's step",
                version);
  }
}

// --- Transaction ---

Transaction::Transaction(Database& db, Kind kind)
  : m_db(db)
{
  m_db.exec(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction()
{
  if (m_open) {
    sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void
Transaction::commit()
{
  m_db.exec("COMMIT");
  m_open = false;
}

} // namespace cpd
