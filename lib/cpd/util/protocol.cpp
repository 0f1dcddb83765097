#include "protocol.hpp"

#include <cpd/util/error.hpp>

#include <sys/stat.h>

#include <algorithm>

namespace cpd::protocol {

namespace {

constexpr std::string_view k_magic = "cpd";

// Field tags. A tag is never reused for another meaning: a change of
// meaning is a new protocol version.
enum Tag : std::uint8_t {
  // requests
  tag_arg = 1,
  tag_file = 2,
  tag_terminal = 3,
  tag_confirmed = 4,
  // responses
  tag_status = 16,
  tag_out = 17,
  tag_err = 18,
  tag_output_file = 19,
  tag_confirm = 20,
  tag_output_extent = 21, // an output file whose bytes are in a passed descriptor
  tag_out_extent = 22,    // standard output's bytes in a passed descriptor
};

constexpr std::uint8_t k_flag_out_tty = 1;
constexpr std::uint8_t k_flag_in_tty = 2;
constexpr std::uint8_t k_flag_colour = 4;
constexpr std::uint8_t k_flag_err_colour = 8;
constexpr std::uint8_t k_flag_overwrite = 1;
constexpr std::uint8_t k_flag_make_folder = 2;
constexpr std::uint8_t k_flag_owner_only = 4;

void
put_u32(std::string& out, std::uint32_t value)
{
  out += static_cast<char>((value >> 24) & 0xff);
  out += static_cast<char>((value >> 16) & 0xff);
  out += static_cast<char>((value >> 8) & 0xff);
  out += static_cast<char>(value & 0xff);
}

void
put_u64(std::string& out, std::uint64_t value)
{
  put_u32(out, static_cast<std::uint32_t>(value >> 32));
  put_u32(out, static_cast<std::uint32_t>(value & 0xffffffffU));
}

std::uint32_t
get_u32(std::string_view bytes)
{
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

std::uint64_t
get_u64(std::string_view bytes)
{
  return (static_cast<std::uint64_t>(get_u32(bytes)) << 32) | get_u32(bytes.substr(4));
}

std::uint32_t
checked_length(std::size_t size)
{
  if (size > 0xffffffffU) {
    throw Error(ErrorKind::io, "a message field of {} bytes is too large to send", size);
  }
  return static_cast<std::uint32_t>(size);
}

void
put_field(std::string& out, Tag tag, std::string_view value)
{
  out += static_cast<char>(tag);
  put_u32(out, checked_length(value.size()));
  out += value;
}

// A value holding two strings: the first with its length before it.
std::string
pair_value(std::string_view first, std::string_view second)
{
  std::string value;
  put_u32(value, checked_length(first.size()));
  value += first;
  value += second;
  return value;
}

std::string
ids_value(const std::vector<std::int64_t>& ids)
{
  std::string value;
  for (const auto id : ids) {
    put_u64(value, static_cast<std::uint64_t>(id));
  }
  return value;
}

[[noreturn]] void
malformed(std::string_view what)
{
  throw Error(ErrorKind::bad_input, "malformed message: {}", what);
}

constexpr std::size_t k_extent_size = 20;

// An extent as the number of its descriptor among those passed, its offset
// and its size.
std::string
extent_value(const Extent& extent, std::vector<int>& descriptors)
{
  if (!extent.file || extent.file->get() < 0) {
    throw Error(ErrorKind::internal, "an extent without a file");
  }
  const auto at = std::find(descriptors.begin(), descriptors.end(), extent.file->get());
  const auto index = static_cast<std::uint32_t>(at - descriptors.begin());
  if (at == descriptors.end()) {
    if (descriptors.size() == k_max_descriptors) {
      throw Error(ErrorKind::internal, "more than {} files in one response", k_max_descriptors);
    }
    descriptors.push_back(extent.file->get());
  }
  std::string value;
  put_u32(value, index);
  put_u64(value, extent.offset);
  put_u64(value, extent.size);
  return value;
}

// The passed files, checked once each: regular files only (a FIFO would
// block the client, a device never end), holding every extent named.
class Descriptors
{
public:
  explicit Descriptors(std::vector<std::shared_ptr<const FileDescriptor>> files)
    : m_files(std::move(files))
    , m_sizes(m_files.size(), -1)
  {}

  Extent
  extent(std::string_view value)
  {
    if (value.size() != k_extent_size) {
      malformed("a bad extent");
    }
    const auto index = get_u32(value);
    const auto offset = get_u64(value.substr(4));
    const auto size = get_u64(value.substr(12));
    if (index >= m_files.size()) {
      malformed("an extent of a file that was not passed");
    }
    if (m_sizes[index] < 0) {
      struct stat status
      {};
      if (::fstat(m_files[index]->get(), &status) != 0 || !S_ISREG(status.st_mode)) {
        malformed("a passed file that is not a regular file");
      }
      m_sizes[index] = status.st_size;
    }
    const auto file_size = static_cast<std::uint64_t>(m_sizes[index]);
    if (offset > file_size || size > file_size - offset) {
      malformed("an extent beyond the end of its file");
    }
    return Extent{m_files[index], offset, size};
  }

private:
  std::vector<std::shared_ptr<const FileDescriptor>> m_files;
  std::vector<std::int64_t> m_sizes;
};

// Reads fields one at a time, checking every length against what is left.
class Reader
{
public:
  explicit Reader(std::string_view payload)
    : m_rest(payload)
  {}

  bool
  next(std::uint8_t& tag, std::string_view& value)
  {
    if (m_rest.empty()) {
      return false;
    }
    if (m_rest.size() < 5) {
      malformed("a field is cut short");
    }
    tag = static_cast<std::uint8_t>(m_rest[0]);
    const std::uint32_t length = get_u32(m_rest.substr(1));
    m_rest.remove_prefix(5);
    if (length > m_rest.size()) {
      malformed("a field is longer than the message");
    }
    value = m_rest.substr(0, length);
    m_rest.remove_prefix(length);
    return true;
  }

private:
  std::string_view m_rest;
};

std::pair<std::string_view, std::string_view>
split_pair(std::string_view value)
{
  if (value.size() < 4) {
    malformed("a file field is cut short");
  }
  const std::uint32_t length = get_u32(value);
  value.remove_prefix(4);
  if (length > value.size()) {
    malformed("a file name is longer than its field");
  }
  return {value.substr(0, length), value.substr(length)};
}

std::vector<std::int64_t>
split_ids(std::string_view value)
{
  if (value.size() % 8 != 0 || value.size() / 8 > k_max_args) {
    malformed("a list of claim ids has a bad length");
  }
  std::vector<std::int64_t> ids;
  for (std::size_t at = 0; at < value.size(); at += 8) {
    const std::uint64_t high = get_u32(value.substr(at));
    const std::uint64_t low = get_u32(value.substr(at + 4));
    ids.push_back(static_cast<std::int64_t>((high << 32) | low));
  }
  return ids;
}

} // namespace

Header
parse_header(std::string_view bytes)
{
  if (bytes.size() < k_header_size || bytes.substr(0, 3) != k_magic) {
    malformed("not a cpd frame");
  }
  return Header{static_cast<std::uint8_t>(bytes[3]), get_u32(bytes.substr(4))};
}

std::string
frame(std::string_view payload)
{
  std::string out(k_magic);
  out += static_cast<char>(k_version);
  put_u32(out, checked_length(payload.size()));
  out += payload;
  return out;
}

std::string
encode(const Request& request)
{
  std::string out;
  for (const auto& arg : request.args) {
    put_field(out, tag_arg, arg);
  }
  for (const auto& file : request.files) {
    put_field(out, tag_file, pair_value(file.path, file.content));
  }
  std::string terminal;
  put_u32(terminal, request.terminal.columns);
  put_u32(terminal, request.terminal.err_columns);
  terminal += static_cast<char>((request.terminal.out_tty ? k_flag_out_tty : 0)
                                | (request.terminal.in_tty ? k_flag_in_tty : 0)
                                | (request.terminal.colour ? k_flag_colour : 0)
                                | (request.terminal.err_colour ? k_flag_err_colour : 0));
  put_field(out, tag_terminal, terminal);
  if (request.confirmed) {
    put_field(out, tag_confirmed, ids_value(*request.confirmed));
  }
  return out;
}

std::string
encode(const Response& response, std::vector<int>& descriptors)
{
  descriptors.clear();
  std::string out;
  std::string status;
  put_u32(status, static_cast<std::uint32_t>(response.status));
  put_field(out, tag_status, status);
  put_field(out, tag_out, response.out);
  put_field(out, tag_err, response.err);
  for (const auto& file : response.files) {
    const auto flags = static_cast<char>((file.overwrite ? k_flag_overwrite : 0)
                                         | (file.make_folder ? k_flag_make_folder : 0)
                                         | (file.owner_only ? k_flag_owner_only : 0));
    if (file.extent) {
      put_field(out,
                tag_output_extent,
                pair_value(file.path, flags + extent_value(*file.extent, descriptors)));
    } else {
      put_field(out, tag_output_file, pair_value(file.path, flags + file.content));
    }
  }
  if (response.out_extent) {
    put_field(out, tag_out_extent, extent_value(*response.out_extent, descriptors));
  }
  if (response.confirm) {
    put_field(
      out, tag_confirm, pair_value(response.confirm->prompt, ids_value(response.confirm->ids)));
  }
  return out;
}

std::string
encode(const Response& response)
{
  std::vector<int> descriptors;
  auto payload = encode(response, descriptors);
  if (!descriptors.empty()) {
    throw Error(ErrorKind::internal, "a response with files to pass encoded without them");
  }
  return payload;
}

Request
decode_request(std::string_view payload)
{
  Request request;
  bool terminal = false;
  Reader reader(payload);
  std::uint8_t tag = 0;
  std::string_view value;
  while (reader.next(tag, value)) {
    switch (tag) {
    case tag_arg:
      if (request.args.size() == k_max_args) {
        malformed("too many arguments");
      }
      request.args.emplace_back(value);
      break;
    case tag_file: {
      if (request.files.size() == k_max_files) {
        malformed("too many files");
      }
      const auto [path, content] = split_pair(value);
      request.files.push_back(File{std::string(path), std::string(content)});
      break;
    }
    case tag_terminal: {
      if (terminal || value.size() != 9) {
        malformed("a bad terminal field");
      }
      terminal = true;
      request.terminal.columns = get_u32(value);
      request.terminal.err_columns = get_u32(value.substr(4));
      const auto flags = static_cast<std::uint8_t>(value[8]);
      request.terminal.out_tty = (flags & k_flag_out_tty) != 0;
      request.terminal.in_tty = (flags & k_flag_in_tty) != 0;
      request.terminal.colour = (flags & k_flag_colour) != 0;
      request.terminal.err_colour = (flags & k_flag_err_colour) != 0;
      break;
    }
    case tag_confirmed:
      if (request.confirmed) {
        malformed("two lists of confirmed claims");
      }
      request.confirmed = split_ids(value);
      break;
    default:
      malformed("an unknown field in a request");
    }
  }
  if (request.args.empty()) {
    malformed("a request without a command");
  }
  return request;
}

Response
decode_response(std::string_view payload,
                std::vector<std::shared_ptr<const FileDescriptor>> descriptors)
{
  if (descriptors.size() > k_max_descriptors) {
    malformed("too many files passed");
  }
  Descriptors passed(std::move(descriptors));
  Response response;
  bool status = false;
  Reader reader(payload);
  std::uint8_t tag = 0;
  std::string_view value;
  while (reader.next(tag, value)) {
    switch (tag) {
    case tag_status:
      if (status || value.size() != 4 || get_u32(value) > 255) {
        malformed("a bad status field");
      }
      status = true;
      response.status = static_cast<int>(get_u32(value));
      break;
    case tag_out:
      response.out += value;
      break;
    case tag_err:
      response.err += value;
      break;
    case tag_output_file:
    case tag_output_extent: {
      const auto [path, rest] = split_pair(value);
      const auto flags = rest.empty() ? 0xff : static_cast<std::uint8_t>(rest[0]);
      if ((flags & ~(k_flag_overwrite | k_flag_make_folder | k_flag_owner_only)) != 0) {
        malformed("a bad output file field");
      }
      OutputFile file{std::string(path),
                      {},
                      (flags & k_flag_overwrite) != 0,
                      (flags & k_flag_make_folder) != 0,
                      (flags & k_flag_owner_only) != 0,
                      {}};
      if (tag == tag_output_extent) {
        file.extent = passed.extent(rest.substr(1));
      } else {
        file.content = rest.substr(1);
      }
      response.files.push_back(std::move(file));
      break;
    }
    case tag_out_extent:
      if (response.out_extent) {
        malformed("two extents of standard output");
      }
      response.out_extent = passed.extent(value);
      break;
    case tag_confirm: {
      if (response.confirm) {
        malformed("two questions in one response");
      }
      const auto [prompt, ids] = split_pair(value);
      response.confirm = Confirmation{std::string(prompt), split_ids(ids)};
      break;
    }
    default:
      malformed("an unknown field in a response");
    }
  }
  if (!status) {
    malformed("a response without a status");
  }
  return response;
}

} // namespace cpd::protocol
