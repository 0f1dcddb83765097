#include "socket.hpp"

#include <cpd/error.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace cpd::cli {

namespace {

// Waits until `fd` is ready for `events`, or throws at the deadline.
void
wait_for(int fd, short events, std::optional<Clock::time_point> deadline)
{
  for (;;) {
    int timeout = -1;
    if (deadline) {
      const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) {
        throw Error(ErrorKind::io, "the other side took too long");
      }
      timeout = static_cast<int>(std::min<long long>(left, 60'000));
    }
    pollfd poll_fd{fd, events, 0};
    const int ready = ::poll(&poll_fd, 1, timeout);
    if (ready > 0) {
      return;
    }
    if (ready < 0 && errno != EINTR) {
      throw Error(ErrorKind::io, "waiting for the other side: {}", std::strerror(errno));
    }
  }
}

// Reads exactly `size` bytes onto `out`.
void
read_exactly(int fd, std::string& out, std::size_t size, std::optional<Clock::time_point> deadline)
{
  std::array<char, 65536> buffer; // NOLINT(cppcoreguidelines-pro-type-member-init): filled by read
  while (size > 0) {
    wait_for(fd, POLLIN, deadline);
    const auto got = ::recv(fd, buffer.data(), std::min(size, buffer.size()), MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
        continue;
      }
      throw Error(ErrorKind::io, "reading from the other side: {}", std::strerror(errno));
    }
    if (got == 0) {
      throw Error(ErrorKind::io, "the other side closed the connection");
    }
    out.append(buffer.data(), static_cast<std::size_t>(got));
    size -= static_cast<std::size_t>(got);
  }
}

} // namespace

void
send_all(int fd, std::string_view bytes, std::optional<Clock::time_point> deadline)
{
  while (!bytes.empty()) {
    wait_for(fd, POLLOUT, deadline);
    const auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
        continue;
      }
      throw Error(ErrorKind::io, "writing to the other side: {}", std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
}

protocol::Header
read_header(int fd, std::optional<Clock::time_point> deadline)
{
  std::string header;
  read_exactly(fd, header, protocol::k_header_size, deadline);
  const auto parsed = protocol::parse_header(header);
  if (parsed.version != protocol::k_version) {
    throw VersionMismatch{parsed.version};
  }
  return parsed;
}

std::string
read_payload(int fd, std::uint32_t length, std::optional<Clock::time_point> deadline)
{
  std::string payload;
  payload.reserve(length); // once: never twice the size while it grows
  read_exactly(fd, payload, length, deadline);
  return payload;
}

std::string
read_frame(int fd, std::uint32_t limit, std::optional<Clock::time_point> deadline)
{
  const auto parsed = read_header(fd, deadline);
  if (parsed.length > limit) {
    throw Error(
      ErrorKind::bad_input, "a message of {} bytes is over the limit of {}", parsed.length, limit);
  }
  return read_payload(fd, parsed.length, deadline);
}

std::optional<unsigned>
peer_uid(int fd)
{
  ucred credentials{};
  socklen_t size = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
    return std::nullopt;
  }
  return credentials.uid;
}

} // namespace cpd::cli
