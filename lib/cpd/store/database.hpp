#pragma once

#include <cpd/store/events.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace cpd {

class Settings;

class Database;

// A prepared statement with bound parameters (never formatted SQL).
// Parameters are numbered from 1, columns from 0, as in SQLite. Statements
// are prepared once per connection and reused: a loop that runs the same SQL
// pays for parsing it only the first time.
class Statement
{
public:
  Statement(Database& db, std::string_view sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value);
  Statement& bind(int index, const std::string& value);
  Statement& bind_blob(int index, std::span<const std::byte> value);
  Statement& bind_null(int index);
  template<typename T>
  Statement&
  bind(int index, const std::optional<T>& value)
  {
    return value ? bind(index, *value) : bind_null(index);
  }

  // Binds every argument in order, from parameter 1.
  template<typename... Args>
  Statement&
  bind_all(const Args&... args)
  {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // Advances to the next row; false when there is none.
  bool step();

  // Runs a statement that returns no rows.
  void run();

  // Back to the start, keeping the bindings.
  void reset();

  bool is_null(int column) const;
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::string blob(int column) const;

private:
  Database* m_db;
  std::string m_sql;
  sqlite3_stmt* m_statement = nullptr;
};

// One open connection to a cpd database file.
class Database
{
public:
  enum class Mode {
    open_existing, // the file must exist and be a cpd database
    create,        // create the file if it does not exist
  };

  // Opens (or creates) the database, checks that it is a cpd database and
  // brings its schema up to date in one transaction.
  static Database open(const std::filesystem::path& path, Mode mode);

  // A private in-memory database with the current schema, for tests.
  static Database open_memory();

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database();

  // Runs SQL without parameters (schema, pragmas).
  void exec(std::string_view sql);

  std::int64_t last_insert_id() const;
  int changes() const;

  // The schema version of the file (PRAGMA user_version).
  int schema_version();

  // The schema version this cpd writes.
  static int current_schema_version();

  // A step of the migration to `version` that SQL alone cannot take, because
  // it needs what a layer above the store knows (how a mail is worded): it
  // runs right after that version's SQL, in the same transaction. The layer
  // registers it before main(). A new database has nothing to convert; an
  // existing one is never brought past a step no layer registered.
  using MigrationStep = void (*)(Database&);
  static bool register_migration_step(int version, MigrationStep step);

  // Throws the Error that corresponds to SQLite's result code.
  [[noreturn]] void fail(int code, std::string_view context) const;

  sqlite3*
  handle() const
  {
    return m_db.get();
  }

  const std::filesystem::path&
  path() const
  {
    return m_path;
  }

  // The key of the statements' verification codes: 32 bytes, or empty while
  // the database has none. It lives beside the database file, in
  // key_path() (mode 0600, the database owner's alone), never in the
  // database, so that no copy of the database holds it; an in-memory
  // database keeps it in memory.
  const std::string& statement_key();
  // Makes the key, from the system's random source, when the database has
  // none and has issued no statement; a database with statements and no
  // key file is refused (ErrorKind::config): its codes need the old key.
  void ensure_statement_key();
  // `<file>.key`; empty for an in-memory database.
  std::filesystem::path key_path() const;

  // From now on, counts each statement this connection runs (each time it
  // starts running, by its SQL text; not the programs of triggers) into
  // `counts`, which must outlive the counting; nullptr stops it. For tests
  // that check how many statements a job issues rather than how long it
  // takes.
  using StatementCounts = std::map<std::string, std::uint64_t>;
  void count_statements(StatementCounts* counts);

  // Who hears of the events recorded on this connection (see events.hpp).
  EventHandlers&
  events()
  {
    return m_events;
  }

  // Hands `event` to its handler, inside the caller's transaction.
  template<typename Event>
  void
  record(const Context& context, const Event& event)
  {
    m_events.dispatch(*this, context, event);
  }

  // The settings as the command using this connection read them (see
  // settings.hpp), empty until it reads them.
  std::shared_ptr<const Settings>&
  settings_snapshot()
  {
    return m_settings->snapshot;
  }
  // Every write to the setting table calls this: it empties the snapshot,
  // and empties it again if the transaction rolls back, so that what it
  // holds is never older than the table.
  void settings_changed();

private:
  struct Close
  {
    void operator()(sqlite3* db) const;
  };

  friend class Statement;

  Database(std::unique_ptr<sqlite3, Close> db, std::filesystem::path path);
  void configure();
  void migrate();
  // Runs the step of the migration to `version` (see
  // register_migration_step()), for a database that was at `from_version`.
  void run_migration_step(int version, int from_version);
  // Moves the key of a database from before the key file out of the
  // database into key_path(), inside the migration's transaction.
  void move_statement_key_out();

  // Takes a prepared statement for `sql` from the cache, or prepares one.
  sqlite3_stmt* acquire(const std::string& sql);
  // Gives a statement back, reset, for the next Statement with its SQL.
  void release(const std::string& sql, sqlite3_stmt* statement);

  // Before m_db, so that it outlives the connection's hooks; on the heap,
  // where the hooks find it after a move.
  struct SettingsSlot
  {
    std::shared_ptr<const Settings> snapshot;
    bool written = false; // the open transaction changed the setting table
  };
  std::unique_ptr<SettingsSlot> m_settings = std::make_unique<SettingsSlot>();
  std::unique_ptr<sqlite3, Close> m_db;
  std::filesystem::path m_path;
  // Idle prepared statements by SQL text; one in use is not in here.
  std::unordered_map<std::string, sqlite3_stmt*> m_idle;
  std::string m_statement_key;
  EventHandlers m_events;
};

// A transaction that rolls back unless commit() is called. Writers take the
// write lock at the start (BEGIN IMMEDIATE), so they never fail halfway on a
// lock upgrade.
class Transaction
{
public:
  enum class Kind { read, write };

  Transaction(Database& db, Kind kind);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  void commit();

private:
  Database& m_db;
  bool m_open = true;
};

} // namespace cpd
