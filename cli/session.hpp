#pragma once

#include <cpd/context.hpp>
#include <cpd/database.hpp>

#include <memory>
#include <optional>
#include <string>

namespace cpd::cli {

// Options that every subcommand accepts, before or after its name.
struct GlobalOptions
{
  std::string db;    // --db PATH
  bool json = false; // --json
};

// What a command runs against: the database, the acting user and today.
// Identity and date come from the OS (or, for an unprivileged process, from
// CPD_USER and CPD_TODAY); the database is opened on first use.
class Session
{
public:
  explicit Session(const GlobalOptions& options);

  // The database, which must exist.
  Database& db();

  // The database, created if missing (for `cpd init`).
  Database& create_db();

  const Context& context();

  bool
  json() const
  {
    return m_options.json;
  }

  // The database path after --db, CPD_DB and the default.
  std::string db_path() const;

private:
  const GlobalOptions& m_options;
  std::optional<Database> m_db;
  std::optional<Context> m_context;
};

} // namespace cpd::cli
