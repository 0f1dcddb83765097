#pragma once

#include <cpd/util/file.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The protocol between `cpd` and `cpd serve` on a Unix socket. One request,
// one response, then the connection closes.
//
// Each message is one frame: the bytes "cpd", a version byte, the payload's
// length as 4 bytes big-endian, then the payload. A payload is a sequence of
// fields: a tag byte, the value's length as 4 bytes big-endian, the value.
// Either side refuses a frame of a version it does not speak, and a payload
// over its limit before reading it. Decoding never trusts a length: every
// field is checked against what is left.
//
// Large bytes (a backup, an export, a claim's files) do not travel in the
// frame: the server passes open descriptors of files it made with the
// response (SCM_RIGHTS), and the response names stretches of them. The
// client copies from them into the user's files with the user's rights.
namespace cpd::protocol {

// Version 2: responses may pass descriptors.
inline constexpr std::uint8_t k_version = 2;
inline constexpr std::size_t k_header_size = 8;

// The largest request a server reads: the attachments of a claim, an import
// file. Larger ones are refused before any of the payload is read.
inline constexpr std::uint32_t k_max_request_bytes = 64U << 20;
// The largest response a client reads: text only, since large bytes come
// by descriptor.
inline constexpr std::uint32_t k_max_response_bytes = 0xffffffffU;
// At most this many descriptors with one response.
inline constexpr std::size_t k_max_descriptors = 16;
// At most this many command-line words and files in one request.
inline constexpr std::size_t k_max_args = 4096;
inline constexpr std::size_t k_max_files = 256;

// How the user's terminal shows text: decided by the client, where the
// terminal is.
struct Terminal
{
  std::uint32_t columns = 0;     // of standard output; 0: not a terminal, or unknown
  std::uint32_t err_columns = 0; // of standard error, likewise
  bool out_tty = false;          // standard output is a terminal
  bool in_tty = false;           // standard input is a terminal (to confirm on)
  bool colour = false;           // colour on standard output
  bool err_colour = false;       // colour on standard error
};

// A file the user named, read by the client with the user's rights.
struct File
{
  std::string path; // as the user wrote it: the key the command looks it up by
  std::string content;
};

struct Request
{
  std::vector<std::string> args; // the command line after `cpd`
  std::vector<File> files;
  Terminal terminal;
  // The claims the user confirmed, when a command asked first.
  std::optional<std::vector<std::int64_t>> confirmed;
};

// `size` bytes from `offset` of a regular file the server passes with its
// response.
struct Extent
{
  std::shared_ptr<const FileDescriptor> file;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// A file for the client to write with the user's rights.
struct OutputFile
{
  std::string path;
  std::string content;
  bool overwrite = false;       // replace a file of that name
  bool make_folder = false;     // create the folder it goes in if missing
  bool owner_only = false;      // readable by its owner alone (0600), e.g. a copy of the database
  std::optional<Extent> extent; // the bytes, when they come by descriptor instead of `content`
};

// A question the client asks the user before the command goes on: `prompt`
// on standard error, then y/N. A yes sends the request again with `ids` as
// the confirmed claims.
struct Confirmation
{
  std::string prompt;
  std::vector<std::int64_t> ids;
};

struct Response
{
  int status = 0; // the exit status
  std::string out;
  std::string err;
  std::vector<OutputFile> files;
  std::optional<Confirmation> confirm;
  std::optional<Extent> out_extent; // standard output goes on with these bytes after `out`
};

// A frame's header.
struct Header
{
  std::uint8_t version = 0;
  std::uint32_t length = 0;
};

// The header of a frame; throws ErrorKind::bad_input for bytes that are not
// a cpd frame. `bytes` holds at least k_header_size bytes.
Header parse_header(std::string_view bytes);

// A whole frame of version k_version around `payload`.
std::string frame(std::string_view payload);

std::string encode(const Request& request);
// `descriptors`: the files the response's extents are in, in the order the
// payload numbers them, to pass with it.
std::string encode(const Response& response, std::vector<int>& descriptors);
// A response without extents (a refusal).
std::string encode(const Response& response);

// Decode a payload; a malformed one throws ErrorKind::bad_input.
Request decode_request(std::string_view payload);
// `descriptors`: those that came with the payload. Each must be a regular
// file holding every extent named in it; those not named are closed.
Response decode_response(std::string_view payload,
                         std::vector<std::shared_ptr<const FileDescriptor>> descriptors = {});

} // namespace cpd::protocol
