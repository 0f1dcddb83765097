#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd::mail {

// A file sent along with a message.
struct Attachment
{
  std::string name;       // the file name the recipient sees (UTF-8)
  std::string media_type; // "application/pdf"; empty means application/octet-stream
  std::string bytes;      // the content, any bytes
};

// Everything an automatic mail says; compose() turns it into RFC 5322 text.
// Names and the subject are UTF-8 and may be anything printable: compose()
// encodes them. The body is UTF-8 text with \n line ends.
struct Message
{
  std::string from_name;
  std::string from_address;
  std::string to_name;
  std::string to_address;
  std::optional<std::string> reply_to; // an address
  std::string reply_to_name;           // used only with reply_to
  std::string subject;
  std::string body;
  std::string message_id; // "<left@right>", see make_message_id()
  std::int64_t date_unix = 0;
  int utc_offset_minutes = 0; // local time minus UTC, for the Date header
  std::vector<Attachment> attachments;
};

// The complete message: header and body, every line ending in CRLF, no line
// longer than 998 octets, nothing but ASCII. Header lines keep within 78
// characters, and 76 where they hold encoded-words, unless an address or the
// Message-ID alone is longer. Throws ErrorKind::bad_input when
// a field could break the header (a line break or control character in a
// name or the subject, a malformed address or Message-ID).
std::string compose(const Message& message);

// Refuses (ErrorKind::bad_input) text that must not go into a header: CR, LF
// and other control characters, or bytes that are not UTF-8. `what` names the
// field in the error.
void validate_header_text(std::string_view text, std::string_view what);

// Refuses (ErrorKind::bad_input) anything but a plain ASCII local@domain
// address: no spaces, angle brackets, quotes, control characters or comments.
void validate_address(std::string_view address);

// True for a host name: dot-separated labels of letters, digits and inner
// hyphens, at most 253 characters.
bool is_host_name(std::string_view name);

// Refuses (ErrorKind::bad_input) anything but "<left@right>" made of
// characters that need no quoting.
void validate_message_id(std::string_view message_id);

// "<cpd.OUTBOX_ID.UNIQUE@DOMAIN>": the same arguments always give the same
// Message-ID, so a retried message keeps it. Unique across databases when
// `unique` holds the database's random identity (and a random part per
// message, which keeps a restored backup from repeating an id). `unique` may
// hold letters, digits, '.', '-' and '_'; `domain` must be a host name.
// Throws bad_input.
std::string
make_message_id(std::int64_t outbox_id, std::string_view unique, std::string_view domain);

// The RFC 5322 date of `unix_seconds` in the zone `utc_offset_minutes` east
// of UTC: "Tue, 22 Aug 2017 14:08:43 +0100". English names whatever the
// locale. Throws bad_input for an offset of a day or more.
std::string format_date(std::int64_t unix_seconds, int utc_offset_minutes);

// Quoted-printable (RFC 2045) of UTF-8 text with \n (or \r\n) line ends:
// lines of at most 76 characters joined by CRLF, soft breaks "=" CRLF,
// whitespace before a line end encoded. Ends in CRLF when `text` ends in \n.
std::string quoted_printable(std::string_view text);

// Base64 (RFC 4648). Wrap::mime cuts it into lines of 76 characters, each
// followed by CRLF.
enum class Wrap { none, mime };
std::string base64(std::string_view bytes, Wrap wrap = Wrap::none);

// RFC 2047 encoded-words for a header value: "=?UTF-8?B?...?=" or
// "=?UTF-8?Q?...?=", each at most 75 characters, folded with CRLF SP. Words
// end after a space where they can, so that a word of the text is cut only
// when it does not fit in an encoded-word of its own, and then between UTF-8
// characters. The first line also holds `used` characters ("Subject: " is 9)
// and no line exceeds 76 characters. Encoding::shortest picks whichever of B
// and Q is shorter.
enum class Encoding { b, q, shortest };
std::string
rfc2047_encode(std::string_view text, std::size_t used, Encoding encoding = Encoding::shortest);

// The value of an unstructured header (Subject) as it is written after
// "Name: ": plain folded ASCII when that is safe, encoded-words otherwise.
std::string encode_unstructured(std::string_view text, std::size_t used);

// "Name <local@domain>" with the name as atoms, a quoted string or
// encoded-words as needed, folded so that lines stay within 78 characters
// (76 on lines holding encoded-words) where the address allows; the bare
// address when the name is empty. Validates both like compose().
std::string format_mailbox(std::string_view name, std::string_view address, std::size_t used);

} // namespace cpd::mail
