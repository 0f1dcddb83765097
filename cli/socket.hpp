#pragma once

#include <cpd/util/protocol.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Frames on a Unix stream socket, for `cpd` and `cpd serve`: every wait is
// bounded by a deadline, so a peer that stalls or trickles bytes costs the
// other side nothing but its own connection.
namespace cpd::cli {

using Clock = std::chrono::steady_clock;
// No deadline: wait as long as the peer takes (a client waiting for a long
// year end).
inline constexpr std::optional<Clock::time_point> k_no_deadline;

// A frame of a protocol version this side does not speak.
struct VersionMismatch
{
  int version;
};

// Sends all of `bytes`, passing `descriptors` with the first of them
// (SCM_RIGHTS); throws ErrorKind::io when the peer goes or the deadline
// passes.
void send_all(int fd,
              std::string_view bytes,
              std::optional<Clock::time_point> deadline,
              std::span<const int> descriptors = {});

// Descriptors received with a frame, each closed when the last holder lets
// go of it.
using Received = std::vector<std::shared_ptr<const FileDescriptor>>;

// Reads one frame and returns its payload. Throws VersionMismatch for
// another version, ErrorKind::bad_input for bytes that are not a frame or a
// payload over `limit` (before reading it), ErrorKind::io when the peer
// goes or the deadline passes. Descriptors passed with the frame go into
// `descriptors` (close-on-exec, at most protocol::k_max_descriptors);
// without it, a frame that passes any is refused.
std::string read_frame(int fd,
                       std::uint32_t limit,
                       std::optional<Clock::time_point> deadline,
                       Received* descriptors = nullptr);

// Waits until the peer closes the connection or the deadline passes
// (true), discarding what it sends, or until end_waits_for_close() (false).
bool wait_for_close(int fd, Clock::time_point deadline);

// Ends every wait_for_close(), now and from now on: for a server that stops.
void end_waits_for_close();

// read_frame() in two steps, for a server that decides between them
// whether to read the payload at all: the header (throws VersionMismatch
// and bad_input like it), then exactly `length` bytes of payload.
protocol::Header read_header(int fd,
                             std::uint32_t limit,
                             std::optional<Clock::time_point> deadline,
                             Received* descriptors = nullptr);
std::string read_payload(int fd,
                         std::uint32_t length,
                         std::optional<Clock::time_point> deadline,
                         Received* descriptors = nullptr);

// The uid of the process at the other end of a Unix socket, as it was when
// it connected or listened (SO_PEERCRED).
std::optional<unsigned> peer_uid(int fd);

} // namespace cpd::cli
