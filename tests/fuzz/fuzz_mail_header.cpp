// libFuzzer target for what puts untrusted text into mail headers:
// validate_address, validate_header_text, rfc2047_encode,
// encode_unstructured, quoted_printable and compose. Input: fields separated
// by NUL (names, subject, body, address, attachment). Whatever compose()
// accepts is plain ASCII with CRLF line ends, and its header holds only the
// fields cpd writes, each once: no line break in a name, a subject or a file
// name can start a header of its own.

#include "fuzz.hpp"

#include <cpd/transport/message.hpp>

#include <map>
#include <string>
#include <vector>

namespace {

using fuzz::check;

std::vector<std::string_view>
fields(std::string_view text, std::size_t count)
{
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i + 1 < count; ++i) {
    auto [head, tail] = fuzz::split(text);
    out.push_back(head);
    text = tail;
  }
  out.push_back(text);
  return out;
}

// ASCII, CR only before LF, LF only after CR, lines of at most `limit`.
void
check_lines(std::string_view text, std::size_t limit)
{
  std::size_t column = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    check(c != 0 && c < 0x80);
    if (c == '\r') {
      check(i + 1 < text.size() && text[i + 1] == '\n');
    } else if (c == '\n') {
      check(i > 0 && text[i - 1] == '\r');
      column = 0;
      continue;
    }
    if (c != '\r') {
      check(++column <= limit);
    }
  }
}

int
hex(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  std::abort(); // the encoders write upper-case hex only
}

std::string
decode_base64(std::string_view text)
{
  constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (const char c : text) {
    if (c == '=') {
      break;
    }
    const auto value = k_alphabet.find(c);
    check(value != std::string_view::npos);
    bits = (bits << 6) | static_cast<unsigned>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

// The text of a header value made of encoded-words folded with CRLF SP.
std::string
decode_words(std::string_view value)
{
  std::string out;
  while (!value.empty()) {
    const auto end = value.find("\r\n ");
    const auto word = value.substr(0, end);
    check(word.size() <= 75);
    check(word.starts_with("=?UTF-8?B?") || word.starts_with("=?UTF-8?Q?"));
    check(word.ends_with("?="));
    const auto payload = word.substr(10, word.size() - 12);
    if (word[8] == 'B') {
      out += decode_base64(payload);
    } else {
      for (std::size_t i = 0; i < payload.size(); ++i) {
        if (payload[i] == '_') {
          out += ' ';
        } else if (payload[i] == '=') {
          check(i + 2 < payload.size());
          out += static_cast<char>(hex(payload[i + 1]) * 16 + hex(payload[i + 2]));
          i += 2;
        } else {
          check(payload[i] != '?' && payload[i] != ' ');
          out += payload[i];
        }
      }
    }
    value = end == std::string_view::npos ? std::string_view() : value.substr(end + 3);
  }
  return out;
}

// Quoted-printable back to text with \n line ends.
std::string
decode_quoted_printable(std::string_view text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "=\r\n") {
      i += 2;
    } else if (text[i] == '=') {
      check(i + 2 < text.size());
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else if (text.substr(i, 2) == "\r\n") {
      out += '\n';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Header lines keep to 78 characters, 76 where they hold an encoded-word:
// true for any text in a header value, given addresses short enough to fit.
void
check_header_line(std::string_view line)
{
  check(line.size() <= (line.find("=?") != std::string_view::npos ? 76U : 78U));
}

void
check_header(std::string_view message, bool short_addresses)
{
  const auto end = message.find("\r\n\r\n");
  check(end != std::string_view::npos);
  std::string_view header = message.substr(0, end + 2);
  std::map<std::string, int> seen;
  while (!header.empty()) {
    const auto eol = header.find("\r\n");
    const auto line = header.substr(0, eol);
    header.remove_prefix(eol + 2);
    if (short_addresses) {
      check_header_line(line);
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // A folded line is never blank: that would end the header early.
      check(line.find_first_not_of(" \t") != std::string_view::npos);
      continue;
    }
    const auto colon = line.find(':');
    check(colon != std::string_view::npos);
    ++seen[std::string(line.substr(0, colon))];
  }
  for (const auto& [name, count] : seen) {
    check(count == 1);
    check(name == "Date" || name == "From" || name == "Reply-To" || name == "To"
          || name == "Subject" || name == "Message-ID" || name == "MIME-Version"
          || name == "Auto-Submitted" || name == "Content-Type"
          || name == "Content-Transfer-Encoding");
  }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  if (size < 2) {
    return 0;
  }
  const std::size_t used = data[0] % 80;
  const auto f = fields(fuzz::as_text(data + 1, size - 1), 7);
  const auto name = f[0];
  const auto subject = f[1];
  const auto body = f[2];
  const auto address = f[3];
  const auto file_name = f[4];
  const auto media_type = f[5];
  const auto bytes = f[6];

  const bool good_address =
    fuzz::accepts({cpd::ErrorKind::bad_input}, [&] { cpd::mail::validate_address(address); });
  if (good_address) {
    check(address.find('@') != std::string_view::npos);
    for (const char c : address) {
      check(c > ' ' && c < 0x7F && c != '<' && c != '>' && c != '"' && c != '(');
    }
  }
  const bool good_text = fuzz::accepts({cpd::ErrorKind::bad_input},
                                       [&] { cpd::mail::validate_header_text(name, "the name"); });
  if (good_text) {
    check(name.find_first_of("\r\n") == std::string_view::npos);
  }

  // Encoded-words decode back to the text and never hold a line break.
  for (const auto encoding :
       {cpd::mail::Encoding::b, cpd::mail::Encoding::q, cpd::mail::Encoding::shortest}) {
    const auto encoded = cpd::mail::rfc2047_encode(name, used, encoding);
    check_lines(encoded, 76);
    check(decode_words(encoded) == name);
    if (used <= 40) {
      const auto first = encoded.find("\r\n");
      check(used + (first == std::string::npos ? encoded.size() : first) <= 76);
    }
  }
  const bool short_address = good_address && address.size() <= 40;
  if (good_text) {
    const auto unstructured = cpd::mail::encode_unstructured(name, used);
    check_lines(unstructured, 998);
    if (short_address) {
      // "Reply-To: " is the longest name a mailbox follows.
      const auto mailbox = cpd::mail::format_mailbox(name, address, 10);
      check_lines(mailbox, 998);
      std::string_view rest = mailbox;
      std::string first(10, 'x');
      for (bool is_first = true; !rest.empty(); is_first = false) {
        const auto eol = rest.find("\r\n");
        const auto line = rest.substr(0, eol);
        check_header_line(is_first ? first + std::string(line) : std::string(line));
        rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 2);
      }
    }
  }
  if (body.find('\r') == std::string_view::npos) {
    const auto qp = cpd::mail::quoted_printable(body);
    check_lines(qp, 76);
    check(decode_quoted_printable(qp) == body);
  }

  cpd::mail::Message message;
  message.from_name = "Membership secretary, " + std::string(name);
  message.from_address = "cpd@example.org";
  message.to_name = std::string(name);
  message.to_address = good_address ? std::string(address) : "m000001@example.org";
  message.reply_to = std::string(good_address ? address : "sec@example.org");
  message.reply_to_name = std::string(subject);
  message.subject = std::string(subject);
  message.body = std::string(body);
  message.message_id = "<cpd.1.fuzz@example.org>";
  message.date_unix = 1488362400;
  if (!file_name.empty() || !bytes.empty()) {
    message.attachments.push_back(
      {std::string(file_name), std::string(media_type), std::string(bytes)});
  }
  std::string composed;
  if (fuzz::accepts({cpd::ErrorKind::bad_input}, [&] { composed = cpd::mail::compose(message); })) {
    check_lines(composed, 998);
    check_header(composed, short_address || !good_address);
  }
  return 0;
}
