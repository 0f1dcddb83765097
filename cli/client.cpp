#include "client.hpp"

#include "app.hpp"
#include "delivery.hpp"
#include "hostconf.hpp"
#include "identity.hpp"
#include "output.hpp"
#include "paths.hpp"
#include "socket.hpp"
#include "userfiles.hpp"

#include <cpd/mail/events.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace cpd::cli {

namespace {

// Answers to this process's streams and files: text straight away, unless
// files are to be written first, then the text is held until they are.
class TerminalReply : public Reply
{
public:
  void
  out(std::string_view text) override
  {
    if (m_files.empty()) {
      write_stdout(text);
    } else {
      m_held.push_back({true, std::string(text), {}});
    }
  }

  void
  err(std::string_view text) override
  {
    if (m_files.empty()) {
      write_stderr(text);
    } else {
      m_held.push_back({false, std::string(text), {}});
    }
  }

  void
  file(protocol::OutputFile file) override
  {
    m_files.push_back(std::move(file));
  }

  void
  out_extent(protocol::Extent extent) override
  {
    if (m_files.empty()) {
      write_stdout_extent(extent);
    } else {
      m_held.push_back({true, {}, std::move(extent)});
    }
  }

  // Writes the files, then what was held back; after the command.
  void
  finish()
  {
    write_user_files(m_files);
    m_files.clear();
    for (const auto& held : m_held) {
      if (held.extent) {
        write_stdout_extent(*held.extent);
      } else if (held.to_out) {
        write_stdout(held.text);
      } else {
        write_stderr(held.text);
      }
    }
    m_held.clear();
  }

  void
  confirm(protocol::Confirmation confirmation) override
  {
    m_confirm = std::move(confirmation);
  }

  std::optional<protocol::Confirmation>&
  question()
  {
    return m_confirm;
  }

private:
  struct Held
  {
    bool to_out = true; // standard output, else standard error
    std::string text;
    std::optional<protocol::Extent> extent; // standard output's bytes in a file
  };
  std::vector<protocol::OutputFile> m_files;
  std::vector<Held> m_held;
  std::optional<protocol::Confirmation> m_confirm;
};

// A private file, opened by this process.
class LocalSession : public Session
{
public:
  LocalSession(const GlobalOptions& options,
               Reply& reply,
               const protocol::Request& request,
               std::string path)
    : Session(options, reply, request)
    , m_path(std::move(path))
  {}

  Database&
  db() override
  {
    if (!m_db) {
      m_db.emplace(Database::open(m_path, Database::Mode::open_existing));
      install_mail(*m_db);
    }
    return *m_db;
  }

  Database&
  create_db() override
  {
    if (!m_db) {
      // A private file is its user's alone: made here 0600, before the
      // library would make it 0666 less the umask (for a shared database's
      // group); its journal files take the same mode. A file that exists
      // already is left as it is, and failing here is left to the open.
      const int fd =
        ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::close(fd);
      }
      m_db.emplace(Database::open(m_path, Database::Mode::create));
      install_mail(*m_db);
    }
    return *m_db;
  }

  Caller
  caller() override
  {
    std::string login;
    if (const char* user = std::getenv("CPD_USER"); user != nullptr && *user != '\0') {
      login = user;
    } else if (auto name = login_of(getuid())) {
      login = std::move(*name);
    } else {
      throw Error(ErrorKind::unknown_member, "user id {} has no login name", getuid());
    }
    return {std::move(login), Actor::person, clock_from_environment()};
  }

  bool
  database_exists() override
  {
    struct stat status
    {};
    return m_db || ::stat(m_path.c_str(), &status) == 0;
  }

  void
  deliver() override
  {
    deliver_now(*this);
  }

  std::string
  database_name() const override
  {
    return m_path;
  }

  bool
  local() const override
  {
    return true;
  }

private:
  std::string m_path;
  std::optional<Database> m_db;
};

std::string
environment(const char* name)
{
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

struct Target
{
  enum class Kind { file, server } kind;
  std::string path;
};

// --db, then --socket, then CPD_DB, then CPD_SOCKET, then the default
// socket if a server listens there, else the default file.
Target
choose_target(const GlobalOptions& options)
{
  if (!options.db.empty() && !options.socket.empty()) {
    throw Error(ErrorKind::usage, "give --db (a private file) or --socket (a server), not both");
  }
  if (!options.db.empty()) {
    return {Target::Kind::file, options.db};
  }
  if (!options.socket.empty()) {
    return {Target::Kind::server, options.socket};
  }
  if (auto db = environment("CPD_DB"); !db.empty()) {
    return {Target::Kind::file, db};
  }
  if (auto socket = environment("CPD_SOCKET"); !socket.empty()) {
    return {Target::Kind::server, socket};
  }
  struct stat status
  {};
  if (::stat(default_socket_path(), &status) == 0 && S_ISSOCK(status.st_mode)) {
    return {Target::Kind::server, default_socket_path()};
  }
  return {Target::Kind::file, default_database_path()};
}

std::vector<protocol::File>
read_inputs(const std::vector<std::string>& inputs)
{
  std::vector<protocol::File> files;
  for (const auto& path : inputs) {
    bool seen = false;
    for (const auto& file : files) {
      seen = seen || file.path == path;
    }
    if (!seen) {
      files.push_back(protocol::File{path, read_user_file(path)});
    }
  }
  return files;
}

// Shows the question and reads y/N from standard input.
bool
ask(const protocol::Confirmation& question)
{
  write_stderr(question.prompt);
  std::string answer;
  char c = 0;
  while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
    answer += c;
  }
  if (answer == "y" || answer == "Y" || answer == "yes" || answer == "Yes") {
    return true;
  }
  write_stderr("Nothing was changed.\n");
  return false;
}

void
run_here(const GlobalOptions& options,
         const std::string& path,
         const std::vector<std::string>& inputs,
         const Handler& handler)
{
  load_private_configuration();
  protocol::Request request;
  request.files = read_inputs(inputs);
  request.terminal = local_terminal();
  for (;;) {
    TerminalReply reply;
    {
      LocalSession session(options, reply, request, path);
      const ReplyScope scope(reply, request.terminal);
      handler(session);
    }
    reply.finish();
    auto& question = reply.question();
    if (!question || !ask(*question)) {
      return;
    }
    request.confirmed = question->ids;
  }
}

// A connection to the server, checked to be the server: a socket another
// user made could otherwise collect what members send.
int
connect_to(const std::string& path)
{
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    throw Error(ErrorKind::usage, "the socket path {} is too long", path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw Error(ErrorKind::unavailable, "cannot make a socket: {}", std::strerror(errno));
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    throw Error(ErrorKind::unavailable,
                "the cpd server is not answering at {}: {}",
                path,
                error == ENOENT || error == ECONNREFUSED ? "it is not running"
                                                         : std::strerror(error));
  }
  const auto uid = peer_uid(fd);
  const auto server_user = uid_of("cpd");
  if (!uid || (*uid != 0 && *uid != getuid() && (!server_user || *uid != *server_user))) {
    ::close(fd);
    throw Error(ErrorKind::unavailable,
                "{} is not the cpd server's (it belongs to user id {}, not to cpd or root); "
                "nothing was sent",
                path,
                uid ? std::to_string(*uid) : "unknown");
  }
  return fd;
}

// The server's answer, and the connection it came on: held open while the
// files it passed are copied, since the server empties them once it closes.
struct Answer
{
  protocol::Response response;
  std::unique_ptr<FileDescriptor> connection;
};

Answer
ask_server(const std::string& path, const protocol::Request& request)
{
  auto connection = std::make_unique<FileDescriptor>(connect_to(path));
  const int fd = connection->get();
  try {
    try {
      send_all(fd, protocol::frame(protocol::encode(request)), k_no_deadline);
    } catch (const Error&) {
      // A server that refuses a request answers before it has read it all
      // (too many connections, too large): its answer says why.
      Received passed;
      const auto payload = read_frame(
        fd, protocol::k_max_response_bytes, Clock::now() + std::chrono::seconds(5), &passed);
      return {protocol::decode_response(payload, std::move(passed)), std::move(connection)};
    }
    // Large bytes come as descriptors of files the server made, copied from
    // there into the user's files: never whole in this process's memory.
    Received passed;
    const auto payload = read_frame(fd, protocol::k_max_response_bytes, k_no_deadline, &passed);
    return {protocol::decode_response(payload, std::move(passed)), std::move(connection)};
  } catch (const VersionMismatch& mismatch) {
    throw Error(ErrorKind::unavailable,
                "the cpd server speaks protocol version {}, this cpd speaks {}: install the "
                "same version of cpd as the server's",
                mismatch.version,
                protocol::k_version);
  } catch (const Error& e) {
    throw Error(ErrorKind::unavailable, "talking to the cpd server at {}: {}", path, e.what());
  }
}

void
run_on_server(const std::string& path,
              const std::vector<std::string>& args,
              const std::vector<std::string>& inputs)
{
  protocol::Request request;
  request.args = args;
  request.files = read_inputs(inputs);
  request.terminal = local_terminal();
  for (;;) {
    auto answer = ask_server(path, request);
    const auto& response = answer.response;
    // As on a private file: the files first, then what the command says.
    write_user_files(response.files);
    write_stdout(response.out);
    if (response.out_extent) {
      write_stdout_extent(*response.out_extent);
    }
    answer.connection.reset(); // done with the files passed
    write_stderr(response.err);
    if (response.status != 0) {
      throw ExitStatus{response.status};
    }
    if (!response.confirm || !ask(*response.confirm)) {
      return;
    }
    request.confirmed = response.confirm->ids;
  }
}

} // namespace

ClientExecutor::ClientExecutor(const GlobalOptions& options, std::vector<std::string> args)
  : m_options(options)
  , m_args(std::move(args))
{}

void
ClientExecutor::execute(const std::vector<std::string>& inputs, const Handler& handler)
{
  const auto target = choose_target(m_options);
  if (target.kind == Target::Kind::server) {
    run_on_server(target.path, m_args, inputs);
  } else {
    run_here(m_options, target.path, inputs, handler);
  }
}

} // namespace cpd::cli
