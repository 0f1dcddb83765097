// `cpd serve`: the database side of every command on a shared host, run as
// the system user that alone owns the database. Callers are known by the
// kernel's word (SO_PEERCRED), never by what they send; each connection
// carries one request, read whole within a size and a time limit before any
// transaction starts, so a stalled, stopped or hostile client holds up
// nobody but itself. Over 500 lines: the accept loop, the limits, the
// sessions and the mail courier are read together to see that promise kept.

#include "app.hpp"
#include "commands.hpp"
#include "delivery.hpp"
#include "identity.hpp"
#include "output.hpp"
#include "socket.hpp"

#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/file.hpp>
#include <cpd/outbox.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

namespace cpd::cli {

namespace {

// A request must arrive whole this soon after its connection.
constexpr auto k_request_time = std::chrono::seconds(10);
// A client that does not read its answer this soon loses it.
constexpr auto k_response_time = std::chrono::seconds(30);
// A client that has not copied the files passed with its answer this soon
// (a backup, an export, a claim's files) loses them.
constexpr auto k_copy_time = std::chrono::minutes(15);
// Connections at once, from one user and from all.
constexpr int k_connections_per_user = 32;
constexpr int k_connections = 512;
// How long a stopping server waits for the requests under way.
constexpr auto k_drain_time = std::chrono::seconds(30);

struct ServeOptions
{
  std::string db;
  std::string socket;
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
        auto db = std::move(m_idle.back());
        m_idle.pop_back();
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
    return std::make_unique<Database>(Database::open(m_path, mode));
  }

  void
  give(std::unique_ptr<Database> db)
  {
    const std::lock_guard lock(m_mutex);
    m_idle.push_back(std::move(db));
  }

  const std::string&
  path() const
  {
    return m_path;
  }

private:
  std::string m_path;
  std::mutex m_mutex;
  std::vector<std::unique_ptr<Database>> m_idle;
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
    std::unique_ptr<Database> db;
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
      if (!db && ::stat(m_path.c_str(), &status) != 0) {
        continue; // not set up yet: nothing can be queued
      }
      try {
        if (!db) {
          db = std::make_unique<Database>(Database::open(m_path, Database::Mode::open_existing));
        }
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
        db.reset();
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

struct Server
{
  Server(const std::string& path, ClockOverride fixed_clock, const std::string& login)
    : pool(path)
    , clock(fixed_clock)
    , own_login(login)
    , courier(path, login)
  {}

  Pool pool;
  // CPD_NOW and CPD_TODAY of the server's own environment, for tests;
  // never what a client sends.
  ClockOverride clock;
  std::string own_login;
  Courier courier;

  std::mutex mutex;
  std::condition_variable idle;
  std::map<unsigned, int> per_user;
  int connections = 0;
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
                 Actor actor)
    : m_server(server)
    , m_options(options)
    , m_request(request)
    , m_reply(reply)
    , m_login(std::move(login))
    , m_actor(actor)
  {}

  void
  execute(const std::vector<std::string>& /*inputs: already in the request*/,
          const Handler& handler) override
  {
    ServerSession session(
      m_options, m_reply, m_request, m_server, {m_login, m_actor, m_server.clock});
    const ReplyScope scope(m_reply, m_request.terminal);
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

protocol::Response
answer(Server& server, const protocol::Request& request, unsigned uid)
{
  const auto login = login_of(uid);
  if (!login) {
    return refusal(ErrorKind::unknown_member, fmt::format("user id {} has no login name", uid));
  }
  const auto actor = uid == 0 || uid == ::geteuid() ? Actor::system : Actor::person;
  BufferReply reply;
  GlobalOptions options;
  ServerExecutor executor(server, options, request, reply, *login, actor);
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

void
serve_connection(Server& server, int fd, unsigned uid)
{
  const FileDescriptor connection(fd);
  const auto started = Clock::now();
  protocol::Response response;
  std::string label = "(unread)";
  try {
    const auto payload = read_frame(fd, protocol::k_max_request_bytes, started + k_request_time);
    const auto request = protocol::decode_request(payload);
    label = command_label(request.args);
    response = answer(server, request, uid);
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
  log(fmt::format("uid {}: {}: exit {} in {} ms", uid, label, response.status, elapsed));
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
    log(fmt::format("uid {}: the answer was not taken: {}", uid, e.what()));
  }
}

// Takes a connection if its user and the server have room for it.
bool
admit(Server& server, unsigned uid)
{
  const std::lock_guard lock(server.mutex);
  auto& mine = server.per_user[uid];
  if (mine >= k_connections_per_user || server.connections >= k_connections) {
    return false;
  }
  ++mine;
  ++server.connections;
  return true;
}

void
release(Server& server, unsigned uid)
{
  {
    const std::lock_guard lock(server.mutex);
    if (--server.per_user[uid] == 0) {
      server.per_user.erase(uid);
    }
    --server.connections;
  }
  server.idle.notify_all();
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

extern "C" void
on_stop_signal(int /*signal*/)
{
  const char byte = 0;
  [[maybe_unused]] const auto ignored = ::write(g_stop_pipe[1], &byte, 1);
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
  for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
    ::sigaction(signal, &action, nullptr);
  }

  Server server(options.db, clock, own_login);
  log(fmt::format("serving {} at {} as {}",
                  options.db,
                  inherited ? std::string("the socket systemd passed") : options.socket,
                  own_login));
  for (;;) {
    std::array<pollfd, 2> fds{{{listener, POLLIN, 0}, {g_stop_pipe[0], POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ErrorKind::internal, "poll: {}", std::strerror(errno));
    }
    if ((fds[1].revents & POLLIN) != 0) {
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
    if (!uid || !admit(server, *uid)) {
      const auto busy = protocol::frame(protocol::encode(
        refusal(ErrorKind::busy, "the cpd server has too many connections from you; try again")));
      [[maybe_unused]] const auto ignored =
        ::send(fd, busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      ::close(fd);
      continue;
    }
    try {
      std::thread([&server, fd, uid = *uid] {
        serve_connection(server, fd, uid);
        release(server, uid);
      }).detach();
    } catch (const std::system_error& e) {
      ::close(fd);
      release(server, *uid);
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
  std::unique_lock lock(server.mutex);
  server.idle.wait_for(lock, k_drain_time, [&] { return server.connections == 0; });
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
  command.run_here([options] { serve(*options); });
}

} // namespace cpd::cli
