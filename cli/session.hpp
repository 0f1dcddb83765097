#pragma once

#include "identity.hpp"

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/protocol.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cpd {
class Database;
class Spool;
} // namespace cpd

namespace cpd::cli {

struct CommandNeeds;

// Options that every command accepts, before or after its name.
struct GlobalOptions
{
  std::string db;     // --db PATH
  std::string socket; // --socket PATH
  bool json = false;  // --json
};

// Where a command's answer goes: straight to this process's terminal and
// files, or into a response for the client.
class Reply
{
public:
  virtual ~Reply() = default;
  virtual void out(std::string_view text) = 0;
  virtual void err(std::string_view text) = 0;
  virtual void file(protocol::OutputFile file) = 0;
  virtual void confirm(protocol::Confirmation confirmation) = 0;
  // Standard output goes on with these bytes, after the text so far.
  virtual void out_extent(protocol::Extent extent) = 0;
};

enum class Overwrite { no, yes };

// The database side of one command: the database, who is asking and when,
// what the user side read for it, and where the answer goes. A handler
// never opens a path, reads the environment or asks who it runs as: it
// asks its session.
class Session
{
public:
  Session(const GlobalOptions& options, Reply& reply, const protocol::Request& request);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  virtual ~Session() = default;

  // The database, which must exist.
  virtual Database& db() = 0;
  // The database, created if missing (for `cpd init`).
  virtual Database& create_db() = 0;
  // Who is asking, the instant, and today's date in the scheme's time zone
  // (scheme.timezone, else the host's). The command table says where the
  // zone comes from: `scheme`, where a zone that no longer loads is a
  // configuration error; `scheme_or_host`, where the host's stands in for
  // it (for `cpd config`, which mends it); `host`, without opening the
  // database (for `cpd init`, before there is a scheme).
  enum class Zone { scheme, scheme_or_host, host };
  const Context& context();

  // The dispatcher's one check, before the handler runs: what the command
  // table says the command needs (a database, who may run it).
  void authorise(const CommandNeeds& needs);
  // Who acts, as the command table's check found them; asking for another
  // kind than the command declared is a bug (internal error).
  Listed listed() const;
  MemberActor member() const;
  Secretary secretary() const;
  SecretaryOrSystem secretary_or_system() const;
  MemberOrSystem member_or_system() const;
  // Delivers the mail a command queued, after its commit: here and now on a
  // private file, by the server's delivery thread on a server.
  virtual void deliver() = 0;
  // The database's name for people ("/var/lib/cpd/cpd.db").
  virtual std::string database_name() const = 0;
  // True on a private file: the user side and the database are this process.
  virtual bool local() const = 0;

  bool
  json() const
  {
    return m_options.json;
  }

  // The bytes of a file the user named, read by the user side.
  const std::string& input(std::string_view path) const;

  // A file for the user side to write, with the user's rights, once the
  // database side is done: all of the command's files or none, before what
  // it prints after naming them.
  // With Access::owner_only, only the user may read it (0600).
  enum class Folder { must_exist, make };
  enum class Access { usual, owner_only };
  void write_file(std::string path,
                  std::string content,
                  Overwrite overwrite,
                  Folder folder = Folder::must_exist,
                  Access access = Access::usual);
  // The same with bytes in a spool, for large files: the user's side
  // copies them from its descriptor and never holds them whole.
  void write_file(std::string path,
                  protocol::Extent extent,
                  Overwrite overwrite,
                  Folder folder = Folder::must_exist,
                  Access access = Access::usual);

  // A new empty spool beside the database, for bytes too large to hold.
  Spool spool() const;

  // Standard output goes on with these bytes (an export to standard
  // output through a server).
  void write_stdout(protocol::Extent extent);

  // Asks the user to confirm deciding these claims; the command then runs
  // again with them as confirmed().
  void confirm(std::string prompt, std::vector<std::int64_t> ids);

  // The claims the user confirmed, when the command asked.
  const std::optional<std::vector<std::int64_t>>&
  confirmed() const
  {
    return m_request.confirmed;
  }

  const protocol::Terminal&
  terminal() const
  {
    return m_request.terminal;
  }

  Reply&
  reply()
  {
    return m_reply;
  }

protected:
  // Who is asking and what stands in for the clock; the zone is read from
  // the database.
  struct Caller
  {
    std::string login;
    Actor actor = Actor::person;
    ClockOverride clock;
  };
  virtual Caller caller() = 0;
  // Whether a database exists to read the zone from (not before `cpd init`).
  virtual bool database_exists() = 0;

private:
  const GlobalOptions& m_options;
  Reply& m_reply;
  const protocol::Request& m_request;
  std::optional<Context> m_context;
  Zone m_zone = Zone::scheme;
  std::variant<std::monostate, Listed, MemberActor, Secretary, SecretaryOrSystem, MemberOrSystem>
    m_actor;
};

} // namespace cpd::cli
