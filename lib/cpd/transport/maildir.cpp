#include <cpd/transport/transport.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace cpd::mail {

namespace {

namespace fs = std::filesystem;

// Deliveries by this process, so that names stay unique within a second.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): a process-wide counter
std::atomic<std::uint64_t> g_deliveries{0};

// The host part of a Maildir file name: '/' and ':' are escaped as the
// Maildir conventions say, anything odd is replaced.
std::string
file_name_host(std::string_view host)
{
  std::string out;
  for (const char c : host) {
    if (c == '/') {
      out += "\\057";
    } else if (c == ':') {
      out += "\\072";
    } else if (c > 0x20 && c < 0x7f && c != '\\') {
      out += c;
    } else {
      out += '_';
    }
  }
  return out.empty() ? "localhost" : out;
}

std::string
errno_text(int error)
{
  return std::strerror(error);
}

// Moves `from` to `to` unless `to` exists, where the file system can say so.
int
rename_no_replace(const fs::path& from, const fs::path& to)
{
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return 0;
  }
  if (errno == EINVAL || errno == ENOSYS) {
    return std::rename(from.c_str(), to.c_str());
  }
  return -1;
}

class MaildirTransport final : public Transport
{
public:
  MaildirTransport(fs::path path, const TransportOptions& options)
    : m_path(std::move(path))
    , m_host(file_name_host(options.local_hostname))
  {}

  DeliveryReport
  deliver(std::span<const OutgoingMessage> messages) override
  {
    DeliveryReport report;
    if (messages.empty()) {
      return report;
    }
    if (const auto problem = prepare()) {
      report.results.assign(messages.size(), DeliveryResult{Outcome::retry, 0, *problem});
      report.stopped = Error(ErrorKind::config, "{}", *problem);
      return report;
    }
    bool any_sent = false;
    for (const OutgoingMessage& message : messages) {
      report.results.push_back(deliver_one(message));
      any_sent = any_sent || report.results.back().outcome == Outcome::sent;
    }
    if (any_sent) {
      sync_directory();
    }
    return report;
  }

private:
  // Creates PATH/tmp, new and cur when missing; an error text when it cannot.
  std::optional<std::string>
  prepare() const
  {
    for (const char* sub : {"tmp", "new", "cur"}) {
      std::error_code error;
      fs::create_directories(m_path / sub, error);
      if (error) {
        return fmt::format(
          "cannot create the Maildir {}: {}", (m_path / sub).string(), error.message());
      }
    }
    return std::nullopt;
  }

  DeliveryResult
  deliver_one(const OutgoingMessage& message)
  {
    std::string header;
    try {
      if (!message.sender.empty()) {
        validate_address(message.sender);
      }
      if (message.recipients.empty()) {
        return {Outcome::failed, 0, "the message has no recipients"};
      }
      header = fmt::format("Return-Path: <{}>\r\n", message.sender);
      for (const std::string& recipient : message.recipients) {
        validate_address(recipient);
        header += fmt::format("Delivered-To: {}\r\n", recipient);
      }
    } catch (const Error& e) {
      return {Outcome::failed, 0, e.what()};
    }

    // The name follows from the message, which is the same on every attempt:
    // a delivery cut short after the rename (a crash before the outbox was
    // told) finds its file and is not delivered twice.
    const std::string name = fmt::format("{:016x}.cpd.{}", fnv1a(header + message.data), m_host);
    const fs::path target = m_path / "new" / name;
    std::error_code exists_error;
    if (fs::exists(target, exists_error)) {
      return {Outcome::sent, 0, {}};
    }
    const fs::path tmp =
      m_path / "tmp" / fmt::format("{}.P{}Q{}", name, ::getpid(), g_deliveries.fetch_add(1));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return {
        Outcome::retry, 0, fmt::format("cannot create {}: {}", tmp.string(), errno_text(errno))};
    }
    FileDescriptor file(fd);
    if (!write_all(fd, header) || !write_all(fd, message.data) || ::fsync(fd) != 0
        || file.close() != 0) {
      const int error = errno;
      ::unlink(tmp.c_str());
      return {
        Outcome::retry, 0, fmt::format("cannot write {}: {}", tmp.string(), errno_text(error))};
    }
    if (rename_no_replace(tmp, target) != 0) {
      const int error = errno;
      ::unlink(tmp.c_str());
      if (error == EEXIST) {
        return {Outcome::sent, 0, {}}; // delivered meanwhile by another run
      }
      return {
        Outcome::retry,
        0,
        fmt::format("cannot move the message into {}: {}", target.string(), errno_text(error))};
    }
    return {Outcome::sent, 0, {}};
  }

  // Makes the renames into new/ durable before reporting the messages sent.
  void
  sync_directory() const
  {
    const int fd = ::open((m_path / "new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }

  fs::path m_path;
  std::string m_host;
};

} // namespace

std::unique_ptr<Transport>
make_maildir_transport(const std::filesystem::path& path, const TransportOptions& options)
{
  if (path.empty()) {
    throw Error(ErrorKind::config, "the Maildir path is empty");
  }
  return std::make_unique<MaildirTransport>(path, options);
}

} // namespace cpd::mail
