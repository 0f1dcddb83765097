// Internet messages as RFC 5322, 2045 and 2047 want them: headers folded
// within 78 characters, encoded words split between words, MIME parts and
// quoted-printable bodies. Over 500 lines: one format, written in one place.

#include <cpd/transport/message.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>
#include <cpd/util/utf8.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace cpd::mail {

namespace {

constexpr std::string_view k_crlf = "\r\n";
constexpr std::string_view k_hex = "0123456789ABCDEF";
// RFC 5322 recommends lines of at most 78 characters; RFC 2047 allows 76 on
// lines holding encoded-words.
constexpr std::size_t k_line_limit = 78;
constexpr std::size_t k_encoded_line_limit = 76;
constexpr std::size_t k_encoded_word_limit = 75;

bool
is_alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext: what a dot-atom or an atom may hold without quoting.
bool
is_atext(char c)
{
  return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool
is_printable_ascii(char c)
{
  return c >= 0x20 && c <= 0x7e;
}

void
append_hex(std::string& out, unsigned char byte)
{
  out += k_hex[byte >> 4];
  out += k_hex[byte & 0x0f];
}

bool
valid_dot_atom(std::string_view text)
{
  if (text.empty() || text.front() == '.' || text.back() == '.'
      || text.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) { return is_atext(c) || c == '.'; });
}

// A host name: dot-separated labels of letters, digits and inner hyphens.
bool
valid_domain(std::string_view domain)
{
  if (domain.empty() || domain.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
      domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

bool
is_encoded_word_like(std::string_view text)
{
  return text.find("=?") != std::string_view::npos;
}

bool
all_printable_ascii(std::string_view text)
{
  return std::all_of(text.begin(), text.end(), is_printable_ascii);
}

// Q-encoding restricted to the characters RFC 2047 section 5 (3) allows in
// a phrase, which are safe in unstructured text too.
bool
q_literal(char c)
{
  return is_alnum(c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

std::size_t
q_length(std::string_view bytes)
{
  std::size_t length = 0;
  for (const char c : bytes) {
    length += (q_literal(c) || c == ' ') ? 1 : 3;
  }
  return length;
}

void
append_q(std::string& out, std::string_view bytes)
{
  for (const char c : bytes) {
    if (c == ' ') {
      out += '_';
    } else if (q_literal(c)) {
      out += c;
    } else {
      out += '=';
      append_hex(out, static_cast<unsigned char>(c));
    }
  }
}

std::size_t
b_length(std::size_t bytes)
{
  return (bytes + 2) / 3 * 4;
}

// A token for the Content-Type media type and its subtype (RFC 2045).
bool
valid_token(std::string_view text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c > 0x20 && c < 0x7f
           && std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
  });
}

void
validate_media_type(std::string_view media_type)
{
  const std::size_t slash = media_type.find('/');
  if (slash == std::string_view::npos || !valid_token(media_type.substr(0, slash))
      || !valid_token(media_type.substr(slash + 1))) {
    throw Error(ErrorKind::bad_input, "{:?} is not a media type like application/pdf", media_type);
  }
}

// RFC 2231 attr-char: what an extended parameter value keeps unescaped.
bool
is_attr_char(char c)
{
  return is_alnum(c) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
}

// ";" CRLF SP "name=value" lines for one MIME parameter: a quoted string
// when it is short plain ASCII, else RFC 2231 UTF-8 percent-encoding, split
// into numbered sections between characters so that every line stays short.
std::string
format_parameter(std::string_view name, std::string_view value)
{
  constexpr std::size_t k_quoted_limit = 60;
  const bool quotable = value.size() <= k_quoted_limit && all_printable_ascii(value)
                        && value.find_first_of("\"\\") == std::string_view::npos;
  if (quotable) {
    return fmt::format(";\r\n {}=\"{}\"", name, value);
  }
  // Room left on a line for a section's value after " name*N*=" and ";".
  const auto room = [&](std::size_t index) {
    const std::size_t prefix = name.size() + fmt::formatted_size(" *{}*=;", index)
                               + (index == 0 ? std::string_view("UTF-8''").size() : 0);
    return k_line_limit - std::min(prefix, k_line_limit - 12);
  };
  std::vector<std::string> sections(1);
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t length = utf8::character_length(value, i);
    std::string encoded;
    for (std::size_t k = i; k < i + length; ++k) {
      const char c = value[k];
      if (is_attr_char(c)) {
        encoded += c;
      } else {
        encoded += '%';
        append_hex(encoded, static_cast<unsigned char>(c));
      }
    }
    if (sections.back().size() + encoded.size() > room(sections.size() - 1)) {
      sections.emplace_back();
    }
    sections.back() += encoded;
    i += length;
  }
  if (sections.size() == 1) {
    return fmt::format(";\r\n {}*=UTF-8''{}", name, sections.front());
  }
  std::string out;
  for (std::size_t n = 0; n < sections.size(); ++n) {
    out += fmt::format(";\r\n {}*{}*={}{}", name, n, n == 0 ? "UTF-8''" : "", sections[n]);
  }
  return out;
}

void
append_header(std::string& out, std::string_view name, std::string_view value)
{
  out += name;
  out += value.starts_with(k_crlf) ? ":" : ": ";
  out += value;
  out += k_crlf;
}

// The words of a phrase, without the spaces between them.
std::vector<std::string_view>
split_words(std::string_view text)
{
  std::vector<std::string_view> words;
  for (std::size_t start = text.find_first_not_of(' '); start != std::string_view::npos;) {
    const std::size_t end = text.find(' ', start);
    words.push_back(
      text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    start = end == std::string_view::npos ? end : text.find_first_not_of(' ', end);
  }
  return words;
}

// The words joined by single spaces, folded before a word that would take a
// line past `limit` (the first line also holds `used` characters); nothing
// when one word alone is longer than a line.
std::optional<std::string>
fold_words(const std::vector<std::string_view>& words, std::size_t used, std::size_t limit)
{
  std::string out;
  std::size_t column = used;
  for (const std::string_view word : words) {
    if (out.empty()) {
      column += word.size();
    } else if (column + 1 + word.size() <= limit) {
      out += ' ';
      column += 1 + word.size();
    } else {
      out += "\r\n ";
      column = 1 + word.size();
    }
    if (column > limit) {
      return std::nullopt;
    }
    out += word;
  }
  return out;
}

std::string
text_part_body(std::string_view body)
{
  std::string encoded = quoted_printable(body);
  if (encoded.size() < 2 || encoded.compare(encoded.size() - 2, 2, k_crlf) != 0) {
    encoded += k_crlf;
  }
  return encoded;
}

} // namespace

bool
is_host_name(std::string_view name)
{
  return valid_domain(name);
}

void
validate_header_text(std::string_view text, std::string_view what)
{
  for (std::size_t i = 0; i < text.size();) {
    const auto d = utf8::decode(text, i);
    if (d.status != utf8::Status::ok) {
      throw Error(ErrorKind::bad_input, "{} is not valid UTF-8 text", what);
    }
    if (d.code_point < 0x20 || (d.code_point >= 0x7f && d.code_point <= 0x9f)) {
      throw Error(
        ErrorKind::bad_input, "{} contains a line break or another control character", what);
    }
    i += d.length;
  }
}

void
validate_address(std::string_view address)
{
  if (address.empty()) {
    throw Error(ErrorKind::bad_input, "an email address is empty");
  }
  if (address.size() > 254 || !all_printable_ascii(address)) {
    throw Error(ErrorKind::bad_input,
                "{:?} is not an email address: it must be at most 254 plain ASCII characters",
                address);
  }
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || !valid_dot_atom(address.substr(0, at)) || at > 64
      || !valid_domain(address.substr(at + 1))) {
    throw Error(
      ErrorKind::bad_input, "{:?} is not an email address like name@example.org", address);
  }
}

void
validate_message_id(std::string_view message_id)
{
  const bool bracketed =
    message_id.size() > 2 && message_id.front() == '<' && message_id.back() == '>';
  const std::string_view inner =
    bracketed ? message_id.substr(1, message_id.size() - 2) : std::string_view();
  const std::size_t at = inner.find('@');
  if (!bracketed || at == std::string_view::npos || !valid_dot_atom(inner.substr(0, at))
      || !valid_dot_atom(inner.substr(at + 1)) || message_id.size() > 250) {
    throw Error(
      ErrorKind::bad_input, "{:?} is not a Message-ID like <unique@example.org>", message_id);
  }
}

std::string
make_message_id(std::int64_t outbox_id, std::string_view unique, std::string_view domain)
{
  const bool unique_ok =
    unique.empty()
    || (valid_dot_atom(unique) && std::all_of(unique.begin(), unique.end(), [](char c) {
          return is_alnum(c) || c == '.' || c == '-' || c == '_';
        }));
  if (!unique_ok) {
    throw Error(ErrorKind::bad_input,
                "{:?} cannot go into a Message-ID: use letters, digits, '-', '_' and "
                "single inner dots",
                unique);
  }
  if (!valid_domain(domain)) {
    throw Error(ErrorKind::bad_input, "{:?} is not a host name for a Message-ID", domain);
  }
  std::string left = fmt::format("cpd.{}", outbox_id);
  if (!unique.empty()) {
    left += '.';
    left += unique;
  }
  std::string id = fmt::format("<{}@{}>", left, domain);
  validate_message_id(id);
  return id;
}

std::string
format_date(std::int64_t unix_seconds, int utc_offset_minutes)
{
  constexpr int k_day_minutes = 24 * 60;
  if (utc_offset_minutes <= -k_day_minutes || utc_offset_minutes >= k_day_minutes) {
    throw Error(
      ErrorKind::bad_input, "a UTC offset of {} minutes is not a time zone", utc_offset_minutes);
  }
  static constexpr std::array<const char*, 7> k_weekdays = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> k_months = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  constexpr std::int64_t k_day_seconds = 86400;
  const std::int64_t local = unix_seconds + std::int64_t{utc_offset_minutes} * 60;
  std::int64_t days = local / k_day_seconds;
  std::int64_t seconds = local % k_day_seconds;
  if (seconds < 0) {
    seconds += k_day_seconds;
    --days;
  }
  const Date date = Date::from_days(days);
  // 1970-01-01 was a Thursday.
  const auto weekday = static_cast<std::size_t>(((days % 7) + 7 + 4) % 7);
  const int offset = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} {}{:02}{:02}",
                     k_weekdays[weekday],
                     date.day(),
                     k_months[static_cast<std::size_t>(date.month() - 1)],
                     date.year(),
                     seconds / 3600,
                     seconds / 60 % 60,
                     seconds % 60,
                     utc_offset_minutes < 0 ? '-' : '+',
                     offset / 60,
                     offset % 60);
}

std::string
quoted_printable(std::string_view text)
{
  constexpr std::size_t k_max_line = 76;
  std::string out;
  std::size_t position = 0;
  while (true) {
    const std::size_t newline = text.find('\n', position);
    const bool has_newline = newline != std::string_view::npos;
    std::string_view line =
      text.substr(position, has_newline ? newline - position : std::string_view::npos);
    if (has_newline && !line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      const bool last = i + 1 == line.size();
      // Besides what RFC 2045 requires, a dot or "From " starting a line is
      // encoded: some relays and mailbox formats mangle those.
      const auto must_encode = [&](std::size_t at_column) {
        if (c == ' ' || c == '\t') {
          return last;
        }
        if (c == '=' || !is_printable_ascii(c)) {
          return true;
        }
        return at_column == 0 && (c == '.' || line.substr(i, 5) == "From ");
      };
      std::size_t width = must_encode(column) ? 3 : 1;
      if (column + width > (last ? k_max_line : k_max_line - 1)) {
        out += "=\r\n";
        column = 0;
        width = must_encode(column) ? 3 : 1;
      }
      if (width == 3) {
        out += '=';
        append_hex(out, static_cast<unsigned char>(c));
      } else {
        out += c;
      }
      column += width;
    }
    if (!has_newline) {
      break;
    }
    out += k_crlf;
    position = newline + 1;
  }
  return out;
}

std::string
base64(std::string_view bytes, Wrap wrap)
{
  static constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  constexpr std::size_t k_line = 76;
  std::string encoded;
  encoded.reserve(b_length(bytes.size()));
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group <<= 8;
      if (k < n) {
        group |= static_cast<unsigned char>(bytes[i + k]);
      }
    }
    for (std::size_t k = 0; k < 4; ++k) {
      encoded += k <= n ? k_alphabet[(group >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  if (wrap == Wrap::none) {
    return encoded;
  }
  std::string out;
  out.reserve(encoded.size() + encoded.size() / k_line * 2 + 2);
  for (std::size_t i = 0; i < encoded.size(); i += k_line) {
    out.append(encoded, i, k_line);
    out += k_crlf;
  }
  return out;
}

std::string
rfc2047_encode(std::string_view text, std::size_t used, Encoding encoding)
{
  if (text.empty()) {
    return {};
  }
  if (encoding == Encoding::shortest) {
    encoding = q_length(text) <= b_length(text.size()) ? Encoding::q : Encoding::b;
  }
  constexpr std::string_view k_prefix_b = "=?UTF-8?B?";
  constexpr std::string_view k_prefix_q = "=?UTF-8?Q?";
  constexpr std::size_t k_overhead = 12; // "=?UTF-8?X?" and "?="
  // Room for at least one character of four bytes, whatever `used` is.
  constexpr std::size_t k_minimum_word = k_overhead + 12;
  std::size_t budget =
    used < k_encoded_line_limit ? std::min(k_encoded_word_limit, k_encoded_line_limit - used) : 0;
  budget = std::max(budget, k_minimum_word);
  const auto fits = [&](std::size_t start, std::size_t end) {
    const std::string_view chunk = text.substr(start, end - start);
    const std::size_t length = encoding == Encoding::b ? b_length(chunk.size()) : q_length(chunk);
    return k_overhead + length <= budget;
  };

  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    // As many whole words, each with the spaces after it, as fit: a reader
    // that wrongly shows a space between two encoded-words then shows it
    // where the text has one.
    std::size_t end = start;
    while (end < text.size()) {
      const std::size_t space = text.find(' ', end);
      const std::size_t after = space == std::string_view::npos
                                  ? std::string_view::npos
                                  : text.find_first_not_of(' ', space);
      const std::size_t next = after == std::string_view::npos ? text.size() : after;
      if (!fits(start, next)) {
        break;
      }
      end = next;
    }
    // A word too long for an encoded-word of its own is cut between
    // characters.
    if (end == start) {
      do {
        end += utf8::character_length(text, end);
      } while (end < text.size() && fits(start, end + utf8::character_length(text, end)));
    }
    const std::string_view chunk = text.substr(start, end - start);
    if (!out.empty()) {
      out += "\r\n ";
    }
    if (encoding == Encoding::b) {
      out += k_prefix_b;
      out += base64(chunk);
    } else {
      out += k_prefix_q;
      append_q(out, chunk);
    }
    out += "?=";
    start = end;
    budget = k_encoded_word_limit;
  }
  return out;
}

std::string
encode_unstructured(std::string_view text, std::size_t used)
{
  if (!all_printable_ascii(text) || is_encoded_word_like(text)) {
    return rfc2047_encode(text, used);
  }
  // Fold before a space followed by a word, keeping lines within 78.
  std::string out;
  std::size_t column = used;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.size();
    if (column + (end - start) > k_line_limit) {
      // The last foldable space that keeps this line within the limit.
      std::size_t best = std::string_view::npos;
      for (std::size_t i = start + 1; i < text.size() && column + (i - start) <= k_line_limit;
           ++i) {
        if (text[i] == ' ' && i + 1 < text.size() && text[i + 1] != ' ') {
          best = i;
        }
      }
      if (best == std::string_view::npos) {
        // A word too long for one line: encoded-words can be cut anywhere.
        return rfc2047_encode(text, used);
      }
      end = best;
    }
    if (!out.empty()) {
      out += k_crlf;
    }
    out.append(text, start, end - start);
    column = 0;
    start = end;
  }
  return out;
}

std::string
format_mailbox(std::string_view name, std::string_view address, std::size_t used)
{
  validate_address(address);
  validate_header_text(name, "a name in an email header");
  const std::string angle = fmt::format("<{}>", address);
  if (name.find_first_not_of(' ') == std::string_view::npos) {
    return std::string(address);
  }
  if (all_printable_ascii(name) && !is_encoded_word_like(name)) {
    if (std::all_of(name.begin(), name.end(), [](char c) { return is_atext(c) || c == ' '; })) {
      // Atoms: folded between words (the spaces between them carry no
      // meaning in a phrase).
      std::vector<std::string_view> words = split_words(name);
      words.emplace_back(angle);
      if (auto folded = fold_words(words, used, k_line_limit)) {
        return *folded;
      }
    } else {
      std::string quoted = "\"";
      for (const char c : name) {
        if (c == '"' || c == '\\') {
          quoted += '\\';
        }
        quoted += c;
      }
      quoted += '"';
      if (auto folded = fold_words({quoted, angle}, used, k_line_limit)) {
        return *folded;
      }
    }
  }
  // The address goes on the last line of encoded-words when that line stays
  // within their limit, else on a line of its own.
  std::string encoded = rfc2047_encode(name, used);
  const std::size_t last_break = encoded.rfind("\r\n");
  const std::size_t last_line =
    last_break == std::string::npos ? used + encoded.size() : encoded.size() - last_break - 2;
  encoded += last_line + 1 + angle.size() <= k_encoded_line_limit ? " " : "\r\n ";
  encoded += angle;
  return encoded;
}

std::string
compose(const Message& message)
{
  validate_header_text(message.subject, "the subject");
  validate_message_id(message.message_id);
  std::string out;
  append_header(out, "Date", format_date(message.date_unix, message.utc_offset_minutes));
  append_header(out, "From", format_mailbox(message.from_name, message.from_address, 6));
  if (message.reply_to) {
    append_header(out, "Reply-To", format_mailbox(message.reply_to_name, *message.reply_to, 10));
  }
  append_header(out, "To", format_mailbox(message.to_name, message.to_address, 4));
  append_header(out, "Subject", encode_unstructured(message.subject, 9));
  // A Message-ID cannot be folded inside: a long one gets a line of its own.
  const bool own_line =
    std::string_view("Message-ID: ").size() + message.message_id.size() > k_line_limit;
  append_header(out, "Message-ID", (own_line ? "\r\n " : "") + message.message_id);
  append_header(out, "MIME-Version", "1.0");
  append_header(out, "Auto-Submitted", "auto-generated");

  constexpr std::string_view k_text_headers = "Content-Type: text/plain; charset=UTF-8\r\n"
                                              "Content-Transfer-Encoding: quoted-printable\r\n";
  if (message.attachments.empty()) {
    out += k_text_headers;
    out += k_crlf;
    out += text_part_body(message.body);
    return out;
  }

  // Neither quoted-printable nor base64 output can contain "=_", so the
  // boundary never occurs in a part and may depend on the Message-ID alone.
  const std::string boundary = fmt::format("=_cpd_{:016x}", fnv1a(message.message_id));
  append_header(out, "Content-Type", fmt::format("multipart/mixed;\r\n boundary=\"{}\"", boundary));
  out += k_crlf;
  out += "This is a message in MIME format.\r\n";
  out += fmt::format("\r\n--{}\r\n", boundary);
  out += k_text_headers;
  out += k_crlf;
  out += text_part_body(message.body);
  for (const Attachment& attachment : message.attachments) {
    validate_header_text(attachment.name, "an attachment name");
    const std::string_view media_type = attachment.media_type.empty()
                                          ? std::string_view("application/octet-stream")
                                          : std::string_view(attachment.media_type);
    validate_media_type(media_type);
    // The CRLF that ends the previous part belongs to this delimiter.
    out += fmt::format("\r\n--{}\r\n", boundary);
    out += "Content-Type: ";
    out += media_type;
    if (!attachment.name.empty()) {
      out += format_parameter("name", attachment.name);
    }
    out += k_crlf;
    out += "Content-Transfer-Encoding: base64\r\n";
    out += "Content-Disposition: attachment";
    if (!attachment.name.empty()) {
      out += format_parameter("filename", attachment.name);
    }
    out += k_crlf;
    out += k_crlf;
    std::string encoded = base64(attachment.bytes, Wrap::mime);
    if (!encoded.empty()) {
      encoded.resize(encoded.size() - 2);
    }
    out += encoded;
  }
  out += fmt::format("\r\n--{}--\r\n", boundary);
  return out;
}

} // namespace cpd::mail
