#include "socket.hpp"

#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

// Room for the most descriptors a frame may pass, aligned for cmsghdr.
struct Control
{
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * protocol::k_max_descriptors)> bytes;
};

// Takes the descriptors that came with one recvmsg(): all of them, or none
// and an error when the message was cut (MSG_CTRUNC: more than a frame may
// pass, or past the open-file limit).
void
take_descriptors(msghdr& message, Received* into)
{
  bool unwanted = false;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    const auto count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int passed = -1;
      std::memcpy(&passed, CMSG_DATA(header) + i * sizeof(int), sizeof passed);
      auto owned = std::make_shared<const FileDescriptor>(passed);
      if (into != nullptr && into->size() < protocol::k_max_descriptors) {
        into->push_back(std::move(owned));
      } else {
        unwanted = true;
      }
    }
  }
  if ((message.msg_flags & MSG_CTRUNC) != 0) {
    throw Error(ErrorKind::bad_input, "more files were passed than a message may carry");
  }
  if (unwanted) {
    throw Error(ErrorKind::bad_input, "files were passed where none may be");
  }
}

// Reads exactly `size` bytes onto `out`.
void
read_exactly(int fd,
             std::string& out,
             std::size_t size,
             std::optional<Clock::time_point> deadline,
             Received* descriptors)
{
  std::array<char, 65536> buffer; // NOLINT(cppcoreguidelines-pro-type-member-init): filled by read
  while (size > 0) {
    wait_for(fd, POLLIN, deadline);
    iovec part{buffer.data(), std::min(size, buffer.size())};
    Control control{};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes.data();
    message.msg_controllen = control.bytes.size();
    const auto got = ::recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got > 0) {
      take_descriptors(message, descriptors);
    }
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
send_all(int fd,
         std::string_view bytes,
         std::optional<Clock::time_point> deadline,
         std::span<const int> descriptors)
{
  if (descriptors.size() > protocol::k_max_descriptors) {
    throw Error(ErrorKind::internal, "too many files to pass");
  }
  while (!bytes.empty()) {
    wait_for(fd, POLLOUT, deadline);
    iovec part{const_cast<char*>(bytes.data()), bytes.size()}; // NOLINT: sendmsg reads only
    Control control{};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    if (!descriptors.empty()) {
      message.msg_control = control.bytes.data();
      message.msg_controllen = CMSG_SPACE(sizeof(int) * descriptors.size());
      cmsghdr* header = CMSG_FIRSTHDR(&message);
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN(sizeof(int) * descriptors.size());
      std::memcpy(CMSG_DATA(header), descriptors.data(), sizeof(int) * descriptors.size());
    }
    const auto sent = ::sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent > 0) {
      descriptors = {}; // they went with the first bytes
    }
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
read_header(int fd,
            std::uint32_t limit,
            std::optional<Clock::time_point> deadline,
            Received* descriptors)
{
  std::string header;
  read_exactly(fd, header, protocol::k_header_size, deadline, descriptors);
  const auto parsed = protocol::parse_header(header);
  if (parsed.version != protocol::k_version) {
    throw VersionMismatch{parsed.version};
  }
  if (parsed.length > limit) {
    throw Error(
      ErrorKind::bad_input, "a message of {} bytes is over the limit of {}", parsed.length, limit);
  }
  return parsed;
}

std::string
read_payload(int fd,
             std::uint32_t length,
             std::optional<Clock::time_point> deadline,
             Received* descriptors)
{
  std::string payload;
  payload.reserve(length); // once: never twice the size while it grows
  read_exactly(fd, payload, length, deadline, descriptors);
  return payload;
}

std::string
read_frame(int fd,
           std::uint32_t limit,
           std::optional<Clock::time_point> deadline,
           Received* descriptors)
{
  const auto header = read_header(fd, limit, deadline, descriptors);
  return read_payload(fd, header.length, deadline, descriptors);
}

namespace {

// A pipe that becomes readable, and stays so, when waits are to end.
const std::array<int, 2>&
end_of_waits()
{
  static const std::array<int, 2> pipe = [] {
    std::array<int, 2> ends = {-1, -1};
    if (::pipe2(ends.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
      throw Error(ErrorKind::internal, "cannot make a pipe: {}", std::strerror(errno));
    }
    return ends;
  }();
  return pipe;
}

} // namespace

void
end_waits_for_close()
{
  const char byte = 0;
  [[maybe_unused]] const auto written = ::write(end_of_waits()[1], &byte, 1);
}

bool
wait_for_close(int fd, Clock::time_point deadline)
{
  const int stop = end_of_waits()[0];
  std::array<char, 256> buffer{};
  for (;;) {
    const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return true;
    }
    std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {stop, POLLIN, 0}}};
    const int ready =
      ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left, 60'000)));
    if (ready < 0 && errno != EINTR) {
      return true;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return false;
    }
    if (fds[0].revents != 0) {
      const auto got = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
        return true;
      }
    }
  }
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
