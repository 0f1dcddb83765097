#pragma once

#include <cpd/protocol.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// Sends all of `bytes`; throws ErrorKind::io when the peer goes or the
// deadline passes.
void send_all(int fd, std::string_view bytes, std::optional<Clock::time_point> deadline);

// Reads one frame and returns its payload. Throws VersionMismatch for
// another version, ErrorKind::bad_input for bytes that are not a frame or a
// payload over `limit` (before reading it), ErrorKind::io when the peer
// goes or the deadline passes.
std::string read_frame(int fd, std::uint32_t limit, std::optional<Clock::time_point> deadline);

// read_frame() in two steps, for a server that decides between them
// whether to read the payload at all: the header (throws VersionMismatch
// and bad_input like it), then exactly `length` bytes of payload.
protocol::Header read_header(int fd, std::optional<Clock::time_point> deadline);
std::string read_payload(int fd, std::uint32_t length, std::optional<Clock::time_point> deadline);

// The uid of the process at the other end of a Unix socket, as it was when
// it connected or listened (SO_PEERCRED).
std::optional<unsigned> peer_uid(int fd);

} // namespace cpd::cli
