// `cpd serve`: the database side of every command on a shared host, run as
// the system user that alone owns the database. Callers are known by the
// kernel's word (SO_PEERCRED), never by what they send; each connection
// carries one request, read whole within a size and a time limit before any
// transaction starts, so a stalled, stopped or hostile client holds up
// nobody but itself. Who is asking is known from the frame's header, before
// its payload is read: a local user who is no member sends small requests
// only, and nobody holds more than their share of connections, request
// bytes and log lines (limits.hpp). Over 500 lines: the accept loop, the
// limits, the sessions and the mail courier are read together to see that
// promise kept.

#include "app.hpp"
#include "commands.hpp"
#include "delivery.hpp"
#include "hostconf.hpp"
#include "identity.hpp"
#include "limits.hpp"
#include "output.hpp"
#include "socket.hpp"
#include "table.hpp"

#include <cpd/ledger/members.hpp>
#include <cpd/mail/events.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace cpd::cli {

namespace {

// A request must arrive whole this soon after its connection.
constexpr auto k_request_time = std::chrono::seconds(10);
// A client that does not read its answer this soon loses it.
constexpr auto k_response_time = std::chrono::seconds(30);
// A client that has not copied the files passed with its answer this soon
// (a backup, an export, a claim's files) loses them.
constexpr auto k_copy_time = std::chrono::minutes(15);
// Connections at once: ordinary users share k_connections, at most
// k_connections_per_user each; root and the server's own account may use
// k_reserved_connections more, which nobody else can take.
constexpr int k_connections = 256;
constexpr int k_connections_per_user = 8;
constexpr int k_reserved_connections = 32;
// Descriptors one connection may hold: its socket and a database
// connection (the file, its WAL and its shared memory). Fewer connections
// are taken when the descriptor limit would not cover them all and
// k_reserved_descriptors besides (the listener, the log, the courier, idle
// database connections, password lookups).
constexpr int k_descriptors_per_connection = 4;
constexpr int k_reserved_descriptors = 64;
// Requests up to this size are read from anybody; larger ones only from a
// member, within the budgets of request bytes in flight.
constexpr std::uint32_t k_small_request = 64U << 10;
constexpr std::uint64_t k_request_bytes_per_user = 128U << 20;
constexpr std::uint64_t k_request_bytes = 192U << 20;
// The most a command line holds on Linux: a word of at most 128 KiB
// (MAX_ARG_STRLEN), all of them within 2 MiB (a quarter of the usual 8 MiB
// stack). A request's words are copied and quoted in errors several times
// over; its files, which carry the large data, are not.
constexpr std::size_t k_longest_word = 128U << 10;
constexpr std::size_t k_longest_command_line = 2U << 20;
// How long a large request waits for room in the budgets before it is
// refused as busy.
constexpr auto k_budget_wait = std::chrono::seconds(2);
// Idle database connections kept, and for how long at most.
constexpr std::size_t k_idle_databases = 8;
constexpr auto k_idle_time = std::chrono::seconds(10);
// Log lines per user: this many at once, then one a second.
constexpr int k_log_burst = 60;
constexpr auto k_log_every = std::chrono::seconds(1);
// How long a stopping server waits for the requests under way.
constexpr auto k_drain_time = std::chrono::seconds(30);

struct ServeOptions
{
  std::string db;
  std::string socket;
  std::string config; // the host configuration; empty: CPD_CONFIG or /etc/cpd/cpd.conf
};

void
log(std::string_view line)
{
  const auto text = fmt::format("cpd serve: {}\n", line);
  // A log that cannot be written stops no request.
  [[maybe_unused]] const auto written = std::fwrite(text.data(), 1, text.size(), stderr);
  static_cast<void>(std::fflush(stderr));
}

// Idle database connections, one taken per request under way.
class Pool
{
public:
  explicit Pool(std::string path)
    : m_path(std::move(path))
  {}

  std::unique_ptr<Database>
  take(Database::Mode mode)
  {
    {
      const std::lock_guard lock(m_mutex);
      if (!m_idle.empty()) {
        auto db = std::move(m_idle.back().db);
        m_idle.pop_back();
        // A new command reads the settings afresh: another connection may
        // have changed them since.
        db->settings_snapshot().reset();
        return db;
      }
    }
    struct stat status
    {};
    if (mode == Database::Mode::open_existing && ::stat(m_path.c_str(), &status) != 0
        && errno == ENOENT) {
      throw Error(ErrorKind::unavailable,
                  "cpd is not set up on this host yet: the administrator runs `cpd init` as root");
    }
    auto db = std::make_unique<Database>(Database::open(m_path, mode));
    install_mail(*db);
    return db;
  }

  // Keeps `db` for the next request, unless enough are kept already.
  void
  give(std::unique_ptr<Database> db)
  {
    const std::lock_guard lock(m_mutex);
    if (m_idle.size() < k_idle_databases) {
      m_idle.push_back({std::move(db), Clock::now()});
    }
    // else closed here, at the end of its last use
  }

  // Closes the connections nobody used for k_idle_time.
  void
  close_idle()
  {
    std::vector<Idle> closing;
    {
      const std::lock_guard lock(m_mutex);
      const auto old = Clock::now() - k_idle_time;
      // The least recently given back are at the front.
      while (!m_idle.empty() && m_idle.front().since < old) {
        closing.push_back(std::move(m_idle.front()));
        m_idle.erase(m_idle.begin());
      }
    }
  }

  const std::string&
  path() const
  {
    return m_path;
  }

private:
  struct Idle
  {
    std::unique_ptr<Database> db;
    Clock::time_point since;
  };

  std::string m_path;
  std::mutex m_mutex;
  std::vector<Idle> m_idle;
};

// Delivers mail after the commits that queued it, on its own thread and
// connection, so that no request waits for a mail server.
class Courier
{
public:
  Courier(std::string path, std::string login)
    : m_path(std::move(path))
    , m_login(std::move(login))
    , m_thread([this] { loop(); })
  {}
  Courier(const Courier&) = delete;
  Courier& operator=(const Courier&) = delete;

  ~Courier()
  {
    {
      const std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
  }

  void
  wake()
  {
    {
      const std::lock_guard lock(m_mutex);
      m_wanted = true;
    }
    m_wake.notify_one();
  }

private:
  void
  loop()
  {
    for (;;) {
      {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return m_wanted || m_stopping; });
        if (m_stopping) {
          return;
        }
        m_wanted = false;
      }
      struct stat status
      {};
      if (::stat(m_path.c_str(), &status) != 0) {
        continue; // not set up yet: nothing can be queued
      }
      try {
        // A connection for each round, closed after it: an idle server
        // holds no descriptor of the database.
        auto db = std::make_unique<Database>(Database::open(m_path, Database::Mode::open_existing));
        install_mail(*db);
        // Now, for the record and the Date headers in the scheme's zone.
        std::shared_ptr<const TimeZone> zone;
        try {
          zone = scheme_zone(*db);
        } catch (const Error&) {
          // Every command says so; delivery goes on in the host's zone.
        }
        const auto context = make_context(m_login, Actor::system, {}, zone.get());
        DeliveryOptions options;
        options.local_hostname = host_name();
        const auto summary = deliver_mail(*db, context, options);
        if (summary.stopped) {
          log(fmt::format("mail stays queued: {}", summary.stopped->what()));
        } else if (summary.retry > 0 || summary.failed > 0) {
          log(fmt::format(
            "{} mail to retry, {} refused: {}", summary.retry, summary.failed, summary.last_error));
        }
      } catch (const std::exception& e) {
        log(fmt::format("mail stays queued: {}", one_line(e.what())));
      }
    }
  }

  std::string m_path;
  std::string m_login;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_wanted = true; // deliver what was queued before the server started
  bool m_stopping = false;
  std::thread m_thread;
};

// The connections' threads, each joined once it is done, and all of them
// before the server that they use is gone.
class Workers
{
public:
  Workers() = default;
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  ~Workers()
  {
    join_all();
  }

  // Runs `work` on a thread of its own; throws std::system_error when no
  // thread can be started.
  template<typename Work>
  void
  start(Work work)
  {
    const std::lock_guard lock(m_mutex);
    const auto id = m_next++;
    m_running.emplace(id, std::thread([this, id, work = std::move(work)] {
                        work();
                        const std::lock_guard done(m_mutex);
                        m_done.push_back(id);
                      }));
  }

  // Joins the threads that are done.
  void
  join_done()
  {
    std::vector<std::thread> done;
    {
      const std::lock_guard lock(m_mutex);
      for (const auto id : m_done) {
        const auto found = m_running.find(id);
        done.push_back(std::move(found->second));
        m_running.erase(found);
      }
      m_done.clear();
    }
    for (auto& thread : done) {
      thread.join();
    }
  }

  void
  join_all()
  {
    std::map<std::uint64_t, std::thread> all;
    {
      const std::lock_guard lock(m_mutex);
      all.swap(m_running);
      m_done.clear();
    }
    for (auto& [id, thread] : all) {
      thread.join();
    }
  }

private:
  std::mutex m_mutex;
  std::uint64_t m_next = 0;
  std::map<std::uint64_t, std::thread> m_running;
  std::vector<std::uint64_t> m_done;
};

// Connections that the descriptor limit leaves room for, besides the
// reserved ones; the limit is raised to the most this process may have.
int
ordinary_connections()
{
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    limit.rlim_cur = 1024;
  }
  const auto descriptors = std::min<rlim_t>(limit.rlim_cur, 1U << 20);
  const auto room =
    (static_cast<int>(descriptors) - k_reserved_descriptors) / k_descriptors_per_connection
    - k_reserved_connections;
  return std::clamp(room, 0, k_connections);
}

struct Server
{
  Server(const std::string& path, ClockOverride fixed_clock, const std::string& login)
    : pool(path)
    , clock(fixed_clock)
    , own_login(login)
    , courier(path, login)
    , slots(ordinary_connections(), k_connections_per_user, k_reserved_connections)
  {}

  // A line of the log about `uid`'s request, unless they logged their
  // share lately.
  void
  log_for(unsigned uid, std::string_view line)
  {
    std::uint64_t dropped = 0;
    if (!log_limit.allow(uid, dropped)) {
      return;
    }
    if (dropped > 0) {
      log(fmt::format("uid {}: {} lines about this user were not logged (over {} at once, then "
                      "one a second)",
                      uid,
                      dropped,
                      k_log_burst));
    }
    log(line);
  }

  Pool pool;
  // CPD_NOW and CPD_TODAY of the server's own environment, for tests;
  // never what a client sends.
  ClockOverride clock;
  std::string own_login;
  Courier courier;

  Slots slots;
  Budget budget{k_request_bytes_per_user, k_request_bytes};
  LogLimit log_limit{k_log_burst, k_log_every};
  // Last: its threads are joined before anything they use is destroyed.
  Workers workers;
};

// The answer being built for a client.
class BufferReply : public Reply
{
public:
  void
  out(std::string_view text) override
  {
    m_response.out += text;
  }

  void
  err(std::string_view text) override
  {
    m_response.err += text;
  }

  void
  file(protocol::OutputFile file) override
  {
    m_response.files.push_back(std::move(file));
  }

  void
  confirm(protocol::Confirmation confirmation) override
  {
    m_response.confirm = std::move(confirmation);
  }

  void
  out_extent(protocol::Extent extent) override
  {
    m_response.out_extent = std::move(extent);
  }

  protocol::Response&
  response()
  {
    return m_response;
  }

private:
  protocol::Response m_response;
};

class ServerSession : public Session
{
public:
  ServerSession(const GlobalOptions& options,
                Reply& reply,
                const protocol::Request& request,
                Server& server,
                Caller caller)
    : Session(options, reply, request)
    , m_server(server)
    , m_caller(std::move(caller))
  {}
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  ~ServerSession() override
  {
    if (m_db) {
      m_server.pool.give(std::move(m_db));
    }
  }

  Database&
  db() override
  {
    if (!m_db) {
      m_db = m_server.pool.take(Database::Mode::open_existing);
    }
    return *m_db;
  }

  Database&
  create_db() override
  {
    if (!m_db) {
      m_db = m_server.pool.take(Database::Mode::create);
    }
    return *m_db;
  }

  void
  deliver() override
  {
    m_server.courier.wake();
  }

  std::string
  database_name() const override
  {
    return m_server.pool.path();
  }

  bool
  local() const override
  {
    return false;
  }

protected:
  Caller
  caller() override
  {
    return m_caller;
  }

  bool
  database_exists() override
  {
    struct stat status
    {};
    return m_db || ::stat(m_server.pool.path().c_str(), &status) == 0;
  }

private:
  Server& m_server;
  Caller m_caller;
  std::unique_ptr<Database> m_db;
};

// Runs a client's command here, answering into the response.
class ServerExecutor : public Executor
{
public:
  ServerExecutor(Server& server,
                 const GlobalOptions& options,
                 const protocol::Request& request,
                 BufferReply& reply,
                 std::string login,
                 Actor actor,
                 unsigned uid)
    : m_server(server)
    , m_options(options)
    , m_request(request)
    , m_reply(reply)
    , m_login(std::move(login))
    , m_actor(actor)
    , m_uid(uid)
  {}

  void
  execute(const std::vector<std::string>& /*inputs: already in the request*/,
          const Handler& handler) override
  {
    ServerSession session(
      m_options, m_reply, m_request, m_server, {m_login, m_actor, m_server.clock});
    const ReplyScope scope(m_reply, m_request.terminal);
    struct stat status
    {};
    if (m_actor == Actor::person && ::stat(m_server.pool.path().c_str(), &status) == 0
        && status.st_size > 0) {
      // A login made again for somebody else is not the member it was.
      check_account(session.db(), m_login, m_uid);
    }
    handler(session);
  }

  bool
  for_a_client() const override
  {
    return true;
  }

private:
  Server& m_server;
  const GlobalOptions& m_options;
  const protocol::Request& m_request;
  BufferReply& m_reply;
  std::string m_login;
  Actor m_actor;
  unsigned m_uid;
};

protocol::Response
refusal(ErrorKind kind, std::string_view message)
{
  protocol::Response response;
  response.status = exit_status(kind);
  response.err = fmt::format("cpd: error: {}\n", message);
  return response;
}

// The command's first two words in a request, for the log ("member add").
std::string
command_label(const std::vector<std::string>& args)
{
  std::string label;
  int words = 0;
  for (std::size_t i = 0; i < args.size() && words < 2; ++i) {
    if (args[i] == "--db" || args[i] == "--socket") {
      ++i;
    } else if (!args[i].starts_with('-')) {
      label += words++ == 0 ? "" : " ";
      label += one_line(args[i].substr(0, 40));
    }
  }
  return label.empty() ? "(no command)" : label;
}

// Who is asking, as far as what the server reads from them goes.
enum class Standing {
  system,   // root or the server's own account
  member,   // an active member
  inactive, // a deactivated member
  stranger, // anybody else
  unknown,  // no database to ask yet (or it cannot be read)
};

Standing
standing_of(Server& server, unsigned uid, const std::string& login)
{
  if (uid == 0 || uid == ::geteuid()) {
    return Standing::system;
  }
  try {
    auto db = server.pool.take(Database::Mode::open_existing);
    auto standing = Standing::stranger;
    {
      Statement query(*db, "SELECT active FROM member WHERE login = ?");
      query.bind_all(login);
      if (query.step()) {
        standing = query.integer(0) != 0 ? Standing::member : Standing::inactive;
      }
    }
    server.pool.give(std::move(db));
    return standing;
  } catch (const Error&) {
    return Standing::unknown;
  }
}

// The same refusal as a command's own check of who is asking gives.
protocol::Response
refusal_of(Standing standing, const std::string& login)
{
  switch (standing) {
  case Standing::inactive:
    return refusal(
      ErrorKind::permission,
      fmt::format("the membership of '{}' is deactivated; ask the membership secretary", login));
  case Standing::unknown:
    return refusal(ErrorKind::unavailable,
                   "cpd is not set up on this host yet: the administrator runs `cpd init` as root");
  default:
    return refusal(ErrorKind::unknown_member,
                   fmt::format("'{}' is not a member of this CPD scheme; ask the membership "
                               "secretary to add you",
                               login));
  }
}

// What somebody who is no member may ask: the activities, a statement's
// code, help and the version, and completion of a command line; and `init`,
// which refuses anybody but root before it reads anything.
bool
open_to_anyone(const std::vector<std::string>& args)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view word = args[i];
    if (word == "--help" || word == "-h" || word == "--version") {
      return true;
    }
    if (word == "--") {
      return false;
    }
    if (word == "--db" || word == "--socket") {
      ++i; // its value
    } else if (!word.starts_with('-')) {
      if (const auto* needs = find_needs(word); needs != nullptr && needs->who == Need::anyone) {
        return true;
      }
      // Any other command, unless help for it is asked for further on.
      return std::any_of(args.begin() + static_cast<std::ptrdiff_t>(i),
                         args.end(),
                         [](const std::string& arg) { return arg == "--help" || arg == "-h"; });
    }
  }
  return true; // no command: cpd's own help
}

protocol::Response
answer(Server& server, const protocol::Request& request, unsigned uid, const std::string& login)
{
  const auto actor = uid == 0 || uid == ::geteuid() ? Actor::system : Actor::person;
  BufferReply reply;
  GlobalOptions options;
  ServerExecutor executor(server, options, request, reply, login, actor, uid);
  const int status = run_command_line(
    request.args,
    options,
    executor,
    [&](std::string_view text) { reply.out(text); },
    [&](std::string_view text) { reply.err(text); });
  auto& response = reply.response();
  response.status = status;
  if (status != 0) {
    response.files.clear();
    response.confirm.reset();
    response.out_extent.reset();
  }
  return std::move(response);
}

// Reads a request and answers it: who is asking is known from the header,
// before the payload is read, and they are authorised before any of its
// words is looked at. `held` keeps the request's bytes in the budgets
// until its answer is sent.
protocol::Response
respond(Server& server, int fd, unsigned uid, std::string& label, BudgetHold& held)
{
  const auto deadline = Clock::now() + k_request_time;
  const auto header = read_header(fd, protocol::k_max_request_bytes, deadline);
  const auto login = login_of(uid);
  if (!login) {
    return refusal(ErrorKind::unknown_member, fmt::format("user id {} has no login name", uid));
  }
  // Asked only when it matters: a small request open to anyone needs no
  // database.
  std::optional<Standing> standing;
  if (header.length > k_small_request) {
    standing = standing_of(server, uid, *login);
    if (standing != Standing::system && standing != Standing::member) {
      label = "(a large request, unread)";
      return refusal_of(*standing, *login);
    }
    if (!server.budget.take(uid, header.length, std::min(deadline, Clock::now() + k_budget_wait))) {
      label = "(a large request, unread)";
      return refusal(ErrorKind::busy,
                     "the cpd server is busy with large requests (yours or others'); try again "
                     "in a moment");
    }
    held = BudgetHold(server.budget, uid, header.length);
  }
  protocol::Request request;
  {
    const auto payload = read_payload(fd, header.length, deadline);
    request = protocol::decode_request(payload);
  }
  label = command_label(request.args);
  if (!open_to_anyone(request.args)) {
    if (!standing) {
      standing = standing_of(server, uid, *login);
    }
    if (standing == Standing::stranger) {
      return refusal_of(*standing, *login);
    }
  }
  std::size_t words = 0;
  for (const auto& word : request.args) {
    words += word.size();
    if (word.size() > k_longest_word || words > k_longest_command_line) {
      return refusal(ErrorKind::usage,
                     fmt::format("the command line is longer than any cpd takes (a word of at "
                                 "most {} KiB, {} MiB in all)",
                                 k_longest_word >> 10,
                                 k_longest_command_line >> 20));
    }
  }
  return answer(server, request, uid, *login);
}

void
serve_connection(Server& server, int fd, unsigned uid)
{
  const FileDescriptor connection(fd);
  const auto started = Clock::now();
  protocol::Response response;
  std::string label = "(unread)";
  BudgetHold held;
  try {
    response = respond(server, fd, uid, label, held);
  } catch (const VersionMismatch& mismatch) {
    response = refusal(ErrorKind::unavailable,
                       fmt::format("this cpd server speaks protocol version {}, the client "
                                   "version {}: install the same version of cpd as the server's",
                                   protocol::k_version,
                                   mismatch.version));
  } catch (const Error& e) {
    response = refusal(e.kind(), fmt::format("bad request: {}", one_line(e.what())));
  } catch (const std::exception& e) {
    response = refusal(ErrorKind::internal, one_line(e.what()));
  }
  const auto elapsed =
    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  server.log_for(uid,
                 fmt::format("uid {}: {}: exit {} in {} ms", uid, label, response.status, elapsed));
  try {
    // Backups, exports and files go as descriptors of files made for them.
    std::vector<int> descriptors;
    const auto payload = protocol::encode(response, descriptors);
    send_all(fd, protocol::frame(payload), Clock::now() + k_response_time, descriptors);
    if (!descriptors.empty()) {
      // The client copies from them, then closes the connection. Then, or
      // at the deadline, their bytes go even if the client keeps them open:
      // nobody holds the server's disk by keeping descriptors.
      // A stopping server leaves them be: it is going, and its files too
      // once the client is done.
      if (wait_for_close(fd, Clock::now() + k_copy_time)) {
        for (const int passed : descriptors) {
          [[maybe_unused]] const int emptied = ::ftruncate(passed, 0);
        }
      }
    }
  } catch (const std::exception& e) {
    server.log_for(uid, fmt::format("uid {}: the answer was not taken: {}", uid, e.what()));
  }
}

// Refuses a connection there is no room for, without waiting for it.
void
turn_away(int fd, Slots::Taken why)
{
  const auto busy = protocol::frame(protocol::encode(
    refusal(ErrorKind::busy,
            why == Slots::Taken::not_yours
              ? "the cpd server has too many connections from you; try again"
              : "the cpd server has too many connections; try again in a moment")));
  [[maybe_unused]] const auto ignored =
    ::send(fd, busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::close(fd);
}

// The listening socket systemd passed (LISTEN_FDS), if it passed one.
std::optional<int>
inherited_listener()
{
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  if (pid == nullptr || fds == nullptr || std::to_string(::getpid()) != pid) {
    return std::nullopt;
  }
  const bool one = std::string_view(fds) == "1";
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (!one) {
    throw Error(ErrorKind::usage, "systemd passed {} sockets; cpd serve takes one", fds);
  }
  constexpr int k_fd = 3;
  int type = 0;
  int listening = 0;
  socklen_t size = sizeof type;
  if (::getsockopt(k_fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0 || type != SOCK_STREAM) {
    throw Error(ErrorKind::usage, "the socket systemd passed is not a stream socket");
  }
  size = sizeof listening;
  if (::getsockopt(k_fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening == 0) {
    throw Error(ErrorKind::usage, "the socket systemd passed is not listening (Accept=no)");
  }
  ::fcntl(k_fd, F_SETFD, FD_CLOEXEC);
  return k_fd;
}

// A socket listening at `path`, which anyone may connect to: who they are
// is checked per connection. A stale socket of a server that is gone is
// replaced; a live one, or another kind of file, is refused.
int
listen_at(const std::string& path)
{
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    throw Error(ErrorKind::usage, "the socket path {} is too long", path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  struct stat status
  {};
  if (::lstat(path.c_str(), &status) == 0) {
    if (!S_ISSOCK(status.st_mode)) {
      throw Error(ErrorKind::usage, "{} exists and is not a socket", path);
    }
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live =
      ::connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(probe);
    if (live) {
      throw Error(ErrorKind::unavailable, "a cpd server already listens at {}", path);
    }
    ::unlink(path.c_str());
  }
  // Bound and listening under a name of its own first, then renamed into
  // place: a client that finds the socket can connect at once, never
  // refused in the moment between bind() and listen().
  const auto staging = fmt::format("{}.{}", path, ::getpid());
  sockaddr_un bound{};
  bound.sun_family = AF_UNIX;
  if (staging.size() >= sizeof bound.sun_path) {
    throw Error(ErrorKind::usage, "the socket path {} is too long", path);
  }
  std::memcpy(bound.sun_path, staging.c_str(), staging.size() + 1);
  ::unlink(staging.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&bound), sizeof bound) != 0
      || ::chmod(staging.c_str(), 0666) != 0 || ::listen(fd, 128) != 0
      || ::rename(staging.c_str(), path.c_str()) != 0) {
    const int error = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    ::unlink(staging.c_str());
    throw Error(ErrorKind::io, "cannot listen at {}: {}", path, std::strerror(error));
  }
  return fd;
}

// Written by the signal handler, read by the accept loop.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): a handler's only way in
std::array<int, 2> g_stop_pipe = {-1, -1};

constexpr char k_stop = 0;
constexpr char k_reload = 1;

extern "C" void
on_stop_signal(int /*signal*/)
{
  const char byte = k_stop;
  [[maybe_unused]] const auto ignored = ::write(g_stop_pipe[1], &byte, 1);
}

extern "C" void
on_reload_signal(int /*signal*/)
{
  const char byte = k_reload;
  [[maybe_unused]] const auto ignored = ::write(g_stop_pipe[1], &byte, 1);
}

// What the signals since the last look ask for: true to stop. A reload
// (SIGHUP) reads the host configuration again; a bad one is logged and the
// one in use stays.
bool
stop_requested(const std::string& config)
{
  std::array<char, 64> bytes{};
  bool stop = false;
  bool reload = false;
  ssize_t got = 0;
  while ((got = ::read(g_stop_pipe[0], bytes.data(), bytes.size())) > 0) {
    for (ssize_t i = 0; i < got; ++i) {
      (bytes[static_cast<std::size_t>(i)] == k_stop ? stop : reload) = true;
    }
  }
  if (reload && !stop) {
    try {
      load_host_configuration(config);
      log(fmt::format("read the host configuration {} again", host_config_path(config)));
    } catch (const Error& e) {
      log(fmt::format("the host configuration was not reloaded, the previous one stays: {}",
                      one_line(e.what())));
    }
  }
  return stop;
}

void
serve(const ServeOptions& options)
{
  if (options.db.empty()) {
    throw Error(ErrorKind::usage, "cpd serve needs --db PATH, the database it serves");
  }
  // Every file of the database is the server user's alone.
  ::umask(077);
  [[maybe_unused]] const auto previous = std::signal(SIGPIPE, SIG_IGN);
  const auto clock = clock_from_environment();
  const auto own_login = login_of(::geteuid()).value_or("cpd");
  // Read once, now and on SIGHUP: no request makes the server open a path.
  load_host_configuration(options.config);

  std::optional<int> inherited = inherited_listener();
  if (!inherited && options.socket.empty()) {
    throw Error(
      ErrorKind::usage,
      "cpd serve needs a socket: run it from cpd.socket (systemd), or give --socket PATH");
  }
  const int listener = inherited ? *inherited : listen_at(options.socket);
  struct stat made
  {};
  if (!inherited) {
    ::stat(options.socket.c_str(), &made);
  }

  if (::pipe2(g_stop_pipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    throw Error(ErrorKind::internal, "cannot make a pipe: {}", std::strerror(errno));
  }
  struct sigaction action
  {};
  action.sa_handler = on_stop_signal;
  ::sigemptyset(&action.sa_mask);
  for (const int signal : {SIGTERM, SIGINT}) {
    ::sigaction(signal, &action, nullptr);
  }
  action.sa_handler = on_reload_signal;
  ::sigaction(SIGHUP, &action, nullptr);

  // Large buffers straight from the system and back to it when freed, so
  // that the memory of a large request is the server's only while it lasts.
  constexpr int k_mmap_threshold = 256 << 10;
  ::mallopt(M_MMAP_THRESHOLD, k_mmap_threshold);

  Server server(options.db, clock, own_login);
  log(fmt::format("serving {} at {} as {}; room for {} connections, {} more for root and {}",
                  options.db,
                  inherited ? std::string("the socket systemd passed") : options.socket,
                  own_login,
                  server.slots.ordinary(),
                  k_reserved_connections,
                  own_login));
  constexpr int k_tidy_every_ms = 1000;
  for (;;) {
    server.workers.join_done();
    server.pool.close_idle();
    std::array<pollfd, 2> fds{{{listener, POLLIN, 0}, {g_stop_pipe[0], POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), k_tidy_every_ms) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ErrorKind::internal, "poll: {}", std::strerror(errno));
    }
    if ((fds[1].revents & POLLIN) != 0 && stop_requested(options.config)) {
      break;
    }
    if ((fds[0].revents & POLLIN) == 0) {
      continue;
    }
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        log(fmt::format("accept: {}", std::strerror(errno)));
        // Out of descriptors or memory: give the others a moment.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    const auto uid = peer_uid(fd);
    if (!uid) {
      ::close(fd);
      continue;
    }
    const bool privileged = *uid == 0 || *uid == ::geteuid();
    if (const auto taken = server.slots.take(*uid, privileged); taken != Slots::Taken::yes) {
      turn_away(fd, taken);
      continue;
    }
    try {
      server.workers.start([&server, fd, uid = *uid, privileged] {
        serve_connection(server, fd, uid);
        server.slots.give(uid, privileged);
      });
    } catch (const std::system_error& e) {
      ::close(fd);
      server.slots.give(*uid, privileged);
      log(fmt::format("cannot start a thread: {}", e.what()));
    }
  }

  log("stopping");
  end_waits_for_close();
  if (!inherited) {
    // Only the socket this server made: not one a newer server replaced it with.
    struct stat now
    {};
    if (::stat(options.socket.c_str(), &now) == 0 && now.st_ino == made.st_ino
        && now.st_dev == made.st_dev) {
      ::unlink(options.socket.c_str());
    }
  }
  ::close(listener);
  if (!server.slots.wait_for_none(k_drain_time)) {
    log("waiting for the requests still under way");
  }
  server.workers.join_all();
}

} // namespace

void
register_serve(Command& root)
{
  auto options = std::make_shared<ServeOptions>();
  auto command = root.add(
    "serve", "the shared-host server: answer cpd commands on a Unix socket (the cpd user)");
  command.option("--db", options->db, "the database to serve").type_name("PATH").required();
  command.option("--socket", options->socket, "listen here (default: the socket systemd passes)")
    .type_name("PATH");
  command
    .option("--config",
            options->config,
            "the host configuration (default: CPD_CONFIG, else /etc/cpd/cpd.conf)")
    .type_name("PATH");
  command.run_here([options] { serve(*options); });
}

} // namespace cpd::cli
