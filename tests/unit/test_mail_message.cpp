#include "testutil.hpp"

#include <cpd/transport/message.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <regex>
#include <set>
#include <sstream>

using cpd::ErrorKind;
using namespace cpd::mail;

namespace {

std::string
repeat(std::string_view text, int times)
{
  std::string out;
  for (int i = 0; i < times; ++i) {
    out += text;
  }
  return out;
}

int
hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  FAIL("not an upper-case hex digit: " << c);
  return 0;
}

// Decodes quoted-printable text back to \n line ends, checking the encoding's
// line rules on the way.
std::string
qp_decode(const std::string& encoded)
{
  std::string out;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < encoded.size();) {
    const char c = encoded[i];
    if (c == '\r') {
      REQUIRE(i + 1 < encoded.size());
      REQUIRE(encoded[i + 1] == '\n');
      CHECK(i - line_start <= 76);
      if (i > line_start) {
        const char before = encoded[i - 1];
        CHECK(before != ' ');
        CHECK(before != '\t');
      }
      out += '\n';
      i += 2;
      line_start = i;
    } else if (c == '=') {
      REQUIRE(i + 2 < encoded.size() + 1);
      if (encoded.compare(i + 1, 2, "\r\n") == 0) {
        CHECK(i + 1 - line_start <= 76);
        i += 3;
        line_start = i;
      } else {
        REQUIRE(i + 2 < encoded.size());
        out += static_cast<char>(hex_value(encoded[i + 1]) * 16 + hex_value(encoded[i + 2]));
        i += 3;
      }
    } else {
      REQUIRE(c != '\n');
      CHECK((c >= 0x20 || c == '\t'));
      CHECK(c <= 0x7e);
      out += c;
      ++i;
    }
  }
  CHECK(encoded.size() - line_start <= 76);
  return out;
}

std::string
base64_decode(const std::string& encoded)
{
  static const std::string k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t group = 0;
  int bits = 0;
  for (const char c : encoded) {
    if (c == '\r' || c == '\n' || c == '=') {
      continue;
    }
    const auto value = k_alphabet.find(c);
    REQUIRE(value != std::string::npos);
    group = (group << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((group >> bits) & 0xff);
    }
  }
  return out;
}

// Decodes a header value made of RFC 2047 encoded-words (as written by
// rfc2047_encode: only encoded-words separated by folding whitespace).
std::string
rfc2047_decode(const std::string& value)
{
  static const std::regex k_word(R"(=\?UTF-8\?([BQ])\?([^?]*)\?=)");
  std::string out;
  auto begin = std::sregex_iterator(value.begin(), value.end(), k_word);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::string between = value.substr(last, static_cast<std::size_t>(it->position()) - last);
    CHECK((between.empty() || between == "\r\n "));
    const std::string data = (*it)[2];
    CHECK(it->length() <= 75);
    if ((*it)[1] == "B") {
      out += base64_decode(data);
    } else {
      for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '_') {
          out += ' ';
        } else if (data[i] == '=') {
          REQUIRE(i + 2 < data.size());
          out += static_cast<char>(hex_value(data[i + 1]) * 16 + hex_value(data[i + 2]));
          i += 2;
        } else {
          out += data[i];
        }
      }
    }
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  CHECK(last == value.size());
  return out;
}

std::vector<std::string>
split_lines(const std::string& text)
{
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The header block of a composed message, unfolded: name → raw value (with
// its folding kept), in order.
std::vector<std::pair<std::string, std::string>>
headers_of(const std::string& message)
{
  std::vector<std::pair<std::string, std::string>> headers;
  for (const std::string& line : split_lines(message.substr(0, message.find("\r\n\r\n") + 2))) {
    if (!line.empty() && line[0] == ' ') {
      REQUIRE(!headers.empty());
      headers.back().second += "\r\n" + line;
    } else {
      const auto colon = line.find(": ");
      REQUIRE(colon != std::string::npos);
      headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
  }
  return headers;
}

std::string
header(const std::string& message, const std::string& name)
{
  for (const auto& [key, value] : headers_of(message)) {
    if (key == name) {
      return value;
    }
  }
  FAIL("no header " << name);
  return {};
}

// The display name of a mailbox header value, without the address and the
// folding before it.
std::string
display_part(const std::string& mailbox)
{
  std::string name = mailbox.substr(0, mailbox.rfind('<'));
  while (!name.empty() && (name.back() == ' ' || name.back() == '\r' || name.back() == '\n')) {
    name.pop_back();
  }
  return name;
}

// Header lines keep to RFC 5322's 78 characters, and to RFC 2047's 76 where
// they hold an encoded-word.
void
check_header_line_lengths(const std::string& message)
{
  for (const std::string& line : split_lines(message.substr(0, message.find("\r\n\r\n") + 2))) {
    CAPTURE(line);
    CHECK(line.size() <= (line.find("=?") != std::string::npos ? 76 : 78));
  }
}

// The text of each encoded-word on its own.
std::vector<std::string>
encoded_word_texts(const std::string& value)
{
  static const std::regex k_word(R"(=\?UTF-8\?[BQ]\?[^?]*\?=)");
  std::vector<std::string> texts;
  for (auto it = std::sregex_iterator(value.begin(), value.end(), k_word);
       it != std::sregex_iterator();
       ++it) {
    texts.push_back(rfc2047_decode(it->str()));
  }
  return texts;
}

// Every line ends in CRLF, nothing but ASCII, no line over 998 octets.
void
check_wire_format(const std::string& message)
{
  REQUIRE(message.size() >= 2);
  CHECK(message.substr(message.size() - 2) == "\r\n");
  for (std::size_t i = 0; i < message.size(); ++i) {
    const auto c = static_cast<unsigned char>(message[i]);
    CHECK(c < 0x80);
    if (c == '\r') {
      REQUIRE(i + 1 < message.size());
      CHECK(message[i + 1] == '\n');
    }
    if (c == '\n') {
      CHECK(i > 0);
      CHECK(message[i - 1] == '\r');
    }
  }
  for (const std::string& line : split_lines(message)) {
    CHECK(line.size() <= 998);
  }
}

ErrorKind
error_kind(const std::function<void()>& action)
{
  try {
    action();
  } catch (const cpd::Error& e) {
    return e.kind();
  }
  FAIL("no cpd::Error thrown");
  return ErrorKind::internal;
}

Message
sample_message()
{
  Message message;
  message.from_name = "IIMS CPD";
  message.from_address = "cpd@iims.example";
  message.to_name = "Jane Doe";
  message.to_address = "jane@example.org";
  message.subject = "Your claim was received";
  message.body = "Dear Jane,\n\nYour claim for 5 points was received.\n";
  message.message_id = "<cpd.42.abc@iims.example>";
  message.date_unix = 1503407323;
  message.utc_offset_minutes = 60;
  return message;
}

} // namespace

TEST_CASE("format_date writes RFC 5322 dates from unix time and an offset")
{
  CHECK(format_date(1503407323, 60) == "Tue, 22 Aug 2017 14:08:43 +0100");
  CHECK(format_date(0, 0) == "Thu, 01 Jan 1970 00:00:00 +0000");
  CHECK(format_date(0, -60) == "Wed, 31 Dec 1969 23:00:00 -0100");
  CHECK(format_date(-1, 0) == "Wed, 31 Dec 1969 23:59:59 +0000");
  CHECK(format_date(1709208000, 60) == "Thu, 29 Feb 2024 13:00:00 +0100");
  CHECK(format_date(951782400, 60) == "Tue, 29 Feb 2000 01:00:00 +0100");
  CHECK(format_date(1503407323, 330) == "Tue, 22 Aug 2017 18:38:43 +0530");
  CHECK(format_date(1503407323, -570) == "Tue, 22 Aug 2017 03:38:43 -0930");
  CHECK(format_date(1514764799, 0) == "Sun, 31 Dec 2017 23:59:59 +0000");
  CHECK(format_date(1514764799, 1) == "Mon, 01 Jan 2018 00:00:59 +0001");
  CHECK(error_kind([] { format_date(0, 1440); }) == ErrorKind::bad_input);
  CHECK(error_kind([] { format_date(0, -1440); }) == ErrorKind::bad_input);
  CHECK_NOTHROW(format_date(0, 1439));

  // Against the C library for a spread of times over two centuries.
  static const char* const k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const k_months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> times(-2208988800, 4102444800);
  for (int n = 0; n < 2000; ++n) {
    const std::int64_t t = times(random);
    const auto when = static_cast<std::time_t>(t);
    std::tm tm{};
    REQUIRE(gmtime_r(&when, &tm) != nullptr);
    char expected[64];
    std::snprintf(expected,
                  sizeof expected,
                  "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  k_days[tm.tm_wday],
                  tm.tm_mday,
                  k_months[tm.tm_mon],
                  tm.tm_year + 1900,
                  tm.tm_hour,
                  tm.tm_min,
                  tm.tm_sec);
    CAPTURE(t);
    REQUIRE(format_date(t, 0) == expected);
  }
}

TEST_CASE("quoted_printable: golden outputs")
{
  CHECK(quoted_printable("") == "");
  CHECK(quoted_printable("Hello") == "Hello");
  CHECK(quoted_printable("Hello\n") == "Hello\r\n");
  CHECK(quoted_printable("a\nb\n\nc") == "a\r\nb\r\n\r\nc");
  CHECK(quoted_printable("a\r\nb\r\n") == "a\r\nb\r\n");
  CHECK(quoted_printable("1+1=2") == "1+1=3D2");
  CHECK(quoted_printable("Zoë") == "Zo=C3=AB");
  CHECK(quoted_printable("trailing  \nspace") == "trailing =20\r\nspace");
  CHECK(quoted_printable("tab\t") == "tab=09");
  CHECK(quoted_printable("inner space stays") == "inner space stays");
  CHECK(quoted_printable("lone\rCR") == "lone=0DCR");
  CHECK(quoted_printable(std::string("nul\0x", 5)) == "nul=00x");
  CHECK(quoted_printable(".\n") == "=2E\r\n");
  CHECK(quoted_printable("a.b\n.") == "a.b\r\n=2E");
  CHECK(quoted_printable("From me\nnot From") == "=46rom me\r\nnot From");
  // 76 characters fit on one line; 77 need a soft break.
  const std::string line76(76, 'x');
  CHECK(quoted_printable(line76) == line76);
  CHECK(quoted_printable(line76 + "y") == std::string(75, 'x') + "=\r\nxy");
  // An encoded octet is never cut by a soft break.
  CHECK(quoted_printable(std::string(74, 'x') + "é") == std::string(74, 'x') + "=\r\n=C3=A9");
  // Trailing whitespace right at the limit is encoded on the next line.
  CHECK(quoted_printable(std::string(75, 'x') + " ") == std::string(75, 'x') + "=\r\n=20");
}

TEST_CASE("quoted_printable round-trips any text within the line rules")
{
  std::mt19937 random(11);
  const std::vector<std::string> pieces = {
    "a", "Z", " ", "\t", "=", ".", "From ", "\n", "\r\n", "é", "Ångström", "€", "😀", "\r", "x"};
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 300);
  for (int n = 0; n < 500; ++n) {
    std::string text;
    for (int k = length(random); k > 0; --k) {
      text += pieces[pick(random)];
    }
    const std::string encoded = quoted_printable(text);
    // The decoder yields \n line ends: a CRLF in the input reads back as \n.
    std::string expected;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        continue;
      }
      expected += text[i];
    }
    CAPTURE(text);
    REQUIRE(qp_decode(encoded) == expected);
  }
  const std::string long_line(1000, 'w');
  CHECK(qp_decode(quoted_printable(long_line)) == long_line);
}

TEST_CASE("base64: RFC 4648 vectors, MIME lines and round trips")
{
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(base64("fooba") == "Zm9vYmE=");
  CHECK(base64("foobar") == "Zm9vYmFy");
  CHECK(base64(std::string("\xff\xfe\x00", 3)) == "//4A");
  CHECK(base64("foo", Wrap::mime) == "Zm9v\r\n");
  CHECK(base64("", Wrap::mime) == "");

  std::string bytes;
  for (int i = 0; i < 1000; ++i) {
    bytes += static_cast<char>(i * 37 % 256);
  }
  const std::string wrapped = base64(bytes, Wrap::mime);
  const auto lines = split_lines(wrapped);
  REQUIRE(lines.size() == (base64(bytes).size() + 75) / 76);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    CHECK(lines[i].size() == 76);
  }
  CHECK(base64_decode(wrapped) == bytes);
  for (std::size_t n = 0; n < 10; ++n) {
    CHECK(base64_decode(base64(bytes.substr(0, n))) == bytes.substr(0, n));
  }
}

TEST_CASE("rfc2047_encode: B and Q words within 75 characters, cut between characters")
{
  CHECK(rfc2047_encode("", 9) == "");
  CHECK(rfc2047_encode("Zoë", 9, Encoding::q) == "=?UTF-8?Q?Zo=C3=AB?=");
  CHECK(rfc2047_encode("Zoë", 9, Encoding::b) == "=?UTF-8?B?Wm/Dqw==?=");
  CHECK(rfc2047_encode("a b_c?", 0, Encoding::q) == "=?UTF-8?Q?a_b=5Fc=3F?=");
  // Mostly ASCII picks Q, mostly not picks B.
  CHECK(rfc2047_encode("Zoë Ångström", 6) == "=?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?=");
  CHECK(rfc2047_encode("Zoë Smithson-Jones", 6) == "=?UTF-8?Q?Zo=C3=AB_Smithson-Jones?=");
  CHECK(rfc2047_encode("日本語のテキスト", 9).rfind("=?UTF-8?B?", 0) == 0);

  const std::vector<std::string> texts = {
    std::string(200, 'a'),
    "Ångström " + std::string(100, 'x') + " ÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅ",
    "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
    "Ihre Bestätigung über 5 Punkte für „Schulung“ am 14. März ist eingegangen — danke",
  };
  for (const Encoding encoding : {Encoding::b, Encoding::q, Encoding::shortest}) {
    for (const std::string& text : texts) {
      for (const std::size_t used : {std::size_t{0}, std::size_t{9}, std::size_t{40}}) {
        CAPTURE(text);
        CAPTURE(used);
        const std::string encoded = rfc2047_encode(text, used, encoding);
        CHECK(rfc2047_decode(encoded) == text);
        const auto lines = split_lines(encoded + "\r\n");
        REQUIRE(!lines.empty());
        CHECK(used + lines[0].size() <= 76);
        for (const std::string& line : lines) {
          CHECK(line.size() <= 76);
        }
        // Each word decodes on its own to whole UTF-8 characters.
        static const std::regex k_word(R"(=\?UTF-8\?[BQ]\?[^?]*\?=)");
        for (auto it = std::sregex_iterator(encoded.begin(), encoded.end(), k_word);
             it != std::sregex_iterator();
             ++it) {
          const std::string word = rfc2047_decode(it->str());
          CHECK_NOTHROW(validate_header_text(word, "a word"));
        }
      }
    }
  }
}

TEST_CASE("encode_unstructured folds plain ASCII and encodes the rest")
{
  CHECK(encode_unstructured("Your claim was received", 9) == "Your claim was received");
  CHECK(encode_unstructured("", 9) == "");
  CHECK(encode_unstructured("Zoë", 9) == "=?UTF-8?Q?Zo=C3=AB?=");
  // Text that looks like an encoded-word is encoded so that it reads literally.
  CHECK(encode_unstructured("=?UTF-8?Q?x?=", 9) == "=?UTF-8?B?PT9VVEYtOD9RP3g/PQ==?=");
  CHECK(rfc2047_decode(encode_unstructured("=?UTF-8?Q?x?=", 9)) == "=?UTF-8?Q?x?=");

  std::string words;
  for (int i = 0; i < 30; ++i) {
    words += "word" + std::to_string(i) + " ";
  }
  words += "end";
  const std::string folded = encode_unstructured(words, 9);
  CHECK(folded.find("\r\n ") != std::string::npos);
  std::string unfolded = folded;
  for (std::size_t at; (at = unfolded.find("\r\n")) != std::string::npos;) {
    unfolded.erase(at, 2);
  }
  CHECK(unfolded == words);
  const auto lines = split_lines(folded + "\r\n");
  CHECK(9 + lines[0].size() <= 78);
  for (const std::string& line : lines) {
    CHECK(line.size() <= 78);
    CHECK(line.find_first_not_of(' ') != std::string::npos);
  }
  // One word longer than a line is encoded, since it cannot be folded.
  const std::string long_word(120, 'q');
  CHECK(rfc2047_decode(encode_unstructured(long_word, 9)) == long_word);
}

TEST_CASE("rfc2047_encode ends words after spaces, cutting a word only when it must")
{
  // Each encoded-word holds whole words of the text, with the spaces after
  // them: "Verm" and "essung" never land in two words.
  const std::string name = "Großherzogliche Schiffsvermessungsgesellschaft für Küstengewässer "
                           "und Häfen zu Lübeck-Travemünde";
  for (const Encoding encoding : {Encoding::b, Encoding::q, Encoding::shortest}) {
    for (const std::size_t used : {std::size_t{4}, std::size_t{9}, std::size_t{30}}) {
      CAPTURE(used);
      const std::string encoded = rfc2047_encode(name, used, encoding);
      CHECK(rfc2047_decode(encoded) == name);
      const auto texts = encoded_word_texts(encoded);
      REQUIRE(texts.size() > 1);
      for (std::size_t i = 0; i + 1 < texts.size(); ++i) {
        CAPTURE(texts[i]);
        CHECK(texts[i].back() == ' ');
      }
      const auto lines = split_lines(encoded + "\r\n");
      CHECK(used + lines[0].size() <= 76);
      for (const std::string& line : lines) {
        CHECK(line.size() <= 76);
      }
    }
  }
  // Golden: the split falls between the words.
  CHECK(rfc2047_encode("Zoë Ångström-Vermessungsgesellschaft Küstengewässer", 4, Encoding::q)
        == "=?UTF-8?Q?Zo=C3=AB_=C3=85ngstr=C3=B6m-Vermessungsgesellschaft_?=\r\n"
           " =?UTF-8?Q?K=C3=BCstengew=C3=A4sser?=");

  // A word longer than an encoded-word is cut between whole characters.
  const std::string long_word = repeat("ü", 60);
  const std::string encoded = rfc2047_encode("Kurz " + long_word, 9, Encoding::b);
  const auto texts = encoded_word_texts(encoded);
  REQUIRE(texts.size() >= 3);
  CHECK(texts[0] == "Kurz ");
  std::string joined;
  for (std::size_t i = 1; i < texts.size(); ++i) {
    CHECK_NOTHROW(validate_header_text(texts[i], "a piece of a word"));
    joined += texts[i];
  }
  CHECK(joined == long_word);
}

TEST_CASE("compose: long non-ASCII names and subjects keep every header line short")
{
  Message message = sample_message();
  message.from_name = "Internationale Gesellschaft für Schiffsvermessung und Meerestechnik CPD";
  message.from_address = "weiterbildung-cpd@schiffsvermessung.example";
  message.to_name = "Zoë-Ångström Maximiliane Björnsdóttir-Vermessungsingenieurin";
  message.to_address = "zoe.bjoernsdottir@kuestengewaesser.example.org";
  message.reply_to = "mitgliedersekretariat@schiffsvermessung.example";
  message.reply_to_name =
    "Mitgliedersekretariat, Internationale Gesellschaft für Schiffsvermessung";
  message.subject = "Ihre Meldung #12 über 5 Punkte für „Schiffsvermessungslehrgang“ wurde "
                    "genehmigt — Sie benötigen noch 5 Punkte bis zum 31. Dezember 2017";
  const std::string composed = compose(message);
  check_wire_format(composed);
  check_header_line_lengths(composed);
  CHECK(rfc2047_decode(display_part(header(composed, "From"))) == message.from_name);
  CHECK(rfc2047_decode(display_part(header(composed, "To"))) == message.to_name);
  CHECK(rfc2047_decode(display_part(header(composed, "Reply-To"))) == message.reply_to_name);
  CHECK(rfc2047_decode(header(composed, "Subject")) == message.subject);
  CHECK(header(composed, "To").find("<" + message.to_address + ">") != std::string::npos);
  // No word of the subject is split over two encoded-words.
  const auto texts = encoded_word_texts(header(composed, "Subject"));
  for (std::size_t i = 0; i + 1 < texts.size(); ++i) {
    CHECK(texts[i].back() == ' ');
  }

  // A long plain name is folded between its words, not encoded.
  message.from_name = "International Institute of Marine Surveying Continuing Professional "
                      "Development";
  const std::string plain = compose(message);
  check_header_line_lengths(plain);
  CHECK(header(plain, "From")
        == "International Institute of Marine Surveying Continuing Professional\r\n"
           " Development <weiterbildung-cpd@schiffsvermessung.example>");

  // A name that fits with its address stays on one line; one that does not
  // puts the address on a line of its own.
  CHECK(format_mailbox("Zoë", "zoe@example.org", 4) == "=?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>");
  CHECK(format_mailbox("Zoë Ångström-Björnsdóttir", std::string(40, 'z') + "@example.org", 4)
        == "=?UTF-8?B?Wm/DqyDDhW5nc3Ryw7ZtLUJqw7ZybnNkw7N0dGly?=\r\n"
           " <"
             + std::string(40, 'z') + "@example.org>");
  CHECK(format_mailbox("Doe, Jane", std::string(60, 'j') + "@example.org", 4)
        == "\"Doe, Jane\"\r\n <" + std::string(60, 'j') + "@example.org>");
}

TEST_CASE("compose: a Message-ID too long for its header line gets a line of its own")
{
  Message message = sample_message();
  message.message_id = "<cpd.123456.0123456789abcdef.01234567@membership.marine-surveying.example>";
  const std::string composed = compose(message);
  CHECK(composed.find("\r\nMessage-ID:\r\n " + message.message_id + "\r\n") != std::string::npos);
  check_header_line_lengths(composed);
  message.message_id = "<cpd.1.0123456789abcdef.01234567@iims.example>";
  CHECK(compose(message).find("\r\nMessage-ID: " + message.message_id + "\r\n")
        != std::string::npos);
}

TEST_CASE("format_mailbox: atoms, quoted strings and encoded-words")
{
  CHECK(format_mailbox("Jane Doe", "jane@example.org", 4) == "Jane Doe <jane@example.org>");
  CHECK(format_mailbox("", "jane@example.org", 4) == "jane@example.org");
  CHECK(format_mailbox("   ", "jane@example.org", 4) == "jane@example.org");
  CHECK(format_mailbox("Doe, Jane", "jane@example.org", 4) == "\"Doe, Jane\" <jane@example.org>");
  CHECK(format_mailbox("J. \"JD\" Doe\\", "jane@example.org", 4)
        == "\"J. \\\"JD\\\" Doe\\\\\" <jane@example.org>");
  CHECK(format_mailbox("O'Neil", "o@example.org", 4) == "O'Neil <o@example.org>");
  CHECK(format_mailbox("Zoë Ångström", "zoe@example.org", 6)
        == "=?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?= <zoe@example.org>");
  const std::string long_name(90, 'n');
  const std::string formatted = format_mailbox(long_name, "n@example.org", 6);
  CHECK(formatted.rfind("=?UTF-8?", 0) == 0);
  CHECK(rfc2047_decode(display_part(formatted)) == long_name);
}

TEST_CASE("validate_address accepts plain addresses only")
{
  for (const char* good : {"jane@example.org",
                           "jane.doe+cpd@mail.example.co.uk",
                           "x@localhost",
                           "o'neil@example.org",
                           "a_b-c=d@ex-ample.org"}) {
    CAPTURE(good);
    CHECK_NOTHROW(validate_address(good));
  }
  for (const char* bad : {"",
                          "jane",
                          "@example.org",
                          "jane@",
                          "jane doe@example.org",
                          "jane@example.org ",
                          "<jane@example.org>",
                          "jane@example.org>, <victim@x",
                          "jane@example.org\r\nBcc: victim@x",
                          "jane@exa\nmple.org",
                          "jane@example..org",
                          ".jane@example.org",
                          "ja..ne@example.org",
                          "jane@-example.org",
                          "jane@example.org.",
                          "\"jane\"@example.org",
                          "jane(comment)@example.org",
                          "jane@[127.0.0.1]",
                          "jane,bob@example.org",
                          "zoë@example.org",
                          "jane@exämple.org"}) {
    CAPTURE(bad);
    CHECK(error_kind([&] { validate_address(bad); }) == ErrorKind::bad_input);
  }
  CHECK(error_kind([] { validate_address(std::string(250, 'a') + "@x.org"); })
        == ErrorKind::bad_input);
  CHECK(error_kind([] { validate_address(std::string(65, 'a') + "@x.org"); })
        == ErrorKind::bad_input);
}

TEST_CASE("validate_header_text refuses control characters and bad UTF-8")
{
  CHECK_NOTHROW(validate_header_text("Zoë Ångström — 😀", "a name"));
  CHECK_NOTHROW(validate_header_text("", "a name"));
  for (const std::string& bad : {std::string("Bob\r\nBcc: victim@x"),
                                 std::string("a\nb"),
                                 std::string("a\rb"),
                                 std::string("tab\there"),
                                 std::string("nul\0", 4),
                                 std::string("del\x7f"),
                                 std::string("c1 \xc2\x85 next line"),
                                 std::string("bad \xff utf8"),
                                 std::string("overlong \xc0\xaf"),
                                 std::string("surrogate \xed\xa0\x80"),
                                 std::string("cut \xc3")}) {
    CAPTURE(bad);
    CHECK(error_kind([&] { validate_header_text(bad, "a name"); }) == ErrorKind::bad_input);
  }
  try {
    validate_header_text("Bob\r\nBcc: victim@x", "the recipient's name");
    FAIL("accepted a line break");
  } catch (const cpd::Error& e) {
    CHECK(std::string(e.what()).find("the recipient's name") != std::string::npos);
  }
}

TEST_CASE("make_message_id is stable and well formed")
{
  CHECK(make_message_id(42, "a1b2c3", "cpd.example.org") == "<cpd.42.a1b2c3@cpd.example.org>");
  CHECK(make_message_id(42, "a1b2c3", "cpd.example.org")
        == make_message_id(42, "a1b2c3", "cpd.example.org"));
  CHECK(make_message_id(43, "a1b2c3", "cpd.example.org")
        != make_message_id(42, "a1b2c3", "cpd.example.org"));
  CHECK(make_message_id(7, "", "localhost") == "<cpd.7@localhost>");
  CHECK_NOTHROW(validate_message_id(make_message_id(-1, "x_y-z.w", "h")));
  for (const char* unique : {"a b", "a>b", "a@b", "a\r\nb", ".a", "a.", "a..b"}) {
    CAPTURE(unique);
    CHECK(error_kind([&] { make_message_id(1, unique, "example.org"); }) == ErrorKind::bad_input);
  }
  for (const char* domain : {"", "exa mple.org", "example.org>", "a..b", "a\nb"}) {
    CAPTURE(domain);
    CHECK(error_kind([&] { make_message_id(1, "u", domain); }) == ErrorKind::bad_input);
  }
  for (const char* id : {"", "<>", "x@y", "<x@y", "<x y@z>", "<x@y>\r\nBcc: v@x", "<x@@y>"}) {
    CAPTURE(id);
    CHECK(error_kind([&] { validate_message_id(id); }) == ErrorKind::bad_input);
  }
}

TEST_CASE("compose: golden plain-text message")
{
  Message message = sample_message();
  message.reply_to = "secretary@iims.example";
  message.reply_to_name = "Membership Secretary";
  const std::string expected = "Date: Tue, 22 Aug 2017 14:08:43 +0100\r\n"
                               "From: IIMS CPD <cpd@iims.example>\r\n"
                               "Reply-To: Membership Secretary <secretary@iims.example>\r\n"
                               "To: Jane Doe <jane@example.org>\r\n"
                               "Subject: Your claim was received\r\n"
                               "Message-ID: <cpd.42.abc@iims.example>\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Auto-Submitted: auto-generated\r\n"
                               "Content-Type: text/plain; charset=UTF-8\r\n"
                               "Content-Transfer-Encoding: quoted-printable\r\n"
                               "\r\n"
                               "Dear Jane,\r\n"
                               "\r\n"
                               "Your claim for 5 points was received.\r\n";
  CHECK(compose(message) == expected);

  message.reply_to.reset();
  CHECK(compose(message).find("Reply-To") == std::string::npos);
  // A body without a final line end still ends the message with CRLF.
  message.body = "No newline";
  const std::string composed = compose(message);
  CHECK(composed.substr(composed.size() - 14) == "\r\nNo newline\r\n");
}

TEST_CASE("compose: non-ASCII names, subject and body")
{
  Message message = sample_message();
  message.to_name = "Zoë Ångström";
  message.from_name = "Institut für Schiffsgutachter";
  message.subject = "Ihre Meldung über 5 Punkte für „Schulung“ ist eingegangen — "
                    "wir prüfen sie in Kürze und melden uns bei Ihnen";
  message.body = "Liebe Zoë,\n\n" + repeat("ä", 100) + "\nGrüße  \n";
  const std::string composed = compose(message);
  check_wire_format(composed);
  CHECK(header(composed, "To") == "=?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?= <jane@example.org>");
  CHECK(rfc2047_decode(display_part(header(composed, "From"))) == message.from_name);
  const std::string subject = header(composed, "Subject");
  CHECK(subject.find("\r\n ") != std::string::npos);
  CHECK(rfc2047_decode(subject) == message.subject);
  CHECK(("Subject: " + split_lines(subject + "\r\n")[0]).size() <= 76);
  const std::string body = composed.substr(composed.find("\r\n\r\n") + 4);
  CHECK(qp_decode(body) == message.body);
}

TEST_CASE("compose: hostile fields cannot add headers")
{
  const Message base = sample_message();
  std::vector<std::function<void(Message&)>> attacks = {
    [](Message& m) { m.to_name = "Bob\r\nBcc: victim@x"; },
    [](Message& m) { m.from_name = "Bob\nBcc: victim@x"; },
    [](Message& m) { m.subject = "Hi\r\nBcc: victim@x"; },
    [](Message& m) { m.subject = "Hi\rBcc: victim@x"; },
    [](Message& m) { m.to_address = "jane@example.org\r\nBcc: victim@x"; },
    [](Message& m) { m.to_address = "jane@example.org>, victim@x"; },
    [](Message& m) { m.from_address = "a@b\nBcc: victim@x"; },
    [](Message& m) { m.reply_to = "a@b\r\nBcc: victim@x"; },
    [](Message& m) {
      m.reply_to = "a@b.org";
      m.reply_to_name = "x\r\nBcc: victim@x";
    },
    [](Message& m) { m.message_id = "<a@b>\r\nBcc: victim@x"; },
    [](Message& m) {
      m.attachments.push_back({"a.pdf\r\nBcc: victim@x", "application/pdf", "x"});
    },
    [](Message& m) {
      m.attachments.push_back({"a.pdf", "text/plain\r\nBcc: victim@x", "x"});
    },
    [](Message& m) {
      m.attachments.push_back({"a.pdf", "text/plain; charset=x", "x"});
    },
  };
  for (std::size_t i = 0; i < attacks.size(); ++i) {
    CAPTURE(i);
    Message message = base;
    attacks[i](message);
    CHECK(error_kind([&] { compose(message); }) == ErrorKind::bad_input);
  }

  // What is allowed through is encoded: the header block keeps exactly the
  // expected fields whatever printable text the names and subject hold.
  std::mt19937 random(3);
  const std::vector<std::string> pieces = {
    "Bcc: v@x", ":", "<", ">", "\"", "\\", ",", ";", "=?", "?=", " ", "é", "😀", "a", "(", ")", "@"};
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 60);
  const std::set<std::string> expected = {"Date",
                                          "From",
                                          "To",
                                          "Subject",
                                          "Message-ID",
                                          "MIME-Version",
                                          "Auto-Submitted",
                                          "Content-Type",
                                          "Content-Transfer-Encoding"};
  for (int n = 0; n < 300; ++n) {
    Message message = base;
    for (std::string* field : {&message.to_name, &message.from_name, &message.subject}) {
      field->clear();
      for (int k = length(random); k > 0; --k) {
        *field += pieces[pick(random)];
      }
    }
    CAPTURE(message.to_name);
    CAPTURE(message.subject);
    const std::string composed = compose(message);
    check_wire_format(composed);
    std::set<std::string> names;
    for (const auto& [name, value] : headers_of(composed)) {
      CHECK(names.insert(name).second);
    }
    CHECK(names == expected);
  }
}

TEST_CASE("compose: attachments make a multipart/mixed message")
{
  Message message = sample_message();
  std::string pdf = "%PDF-1.4\n";
  for (int i = 0; i < 300; ++i) {
    pdf += static_cast<char>(i % 256);
  }
  message.attachments.push_back({"certificate.pdf", "application/pdf", pdf});
  message.attachments.push_back({"Zoë's Ångström notes.txt", "text/plain", "notes\n"});
  message.attachments.push_back({"empty.bin", "", ""});
  const std::string long_name = std::string(40, 'x') + "ü" + std::string(80, 'y') + ".png";
  message.attachments.push_back({long_name, "image/png", "png"});
  const std::string composed = compose(message);
  check_wire_format(composed);

  const std::string content_type = header(composed, "Content-Type");
  const std::smatch match = [&] {
    std::smatch m;
    REQUIRE(
      std::regex_match(content_type, m, std::regex("multipart/mixed;\r\n boundary=\"(.*)\"")));
    return m;
  }();
  const std::string boundary = match[1];
  CHECK(boundary.rfind("=_cpd_", 0) == 0);
  CHECK(compose(message) == composed); // the boundary does not depend on chance
  CHECK(header(composed, "MIME-Version") == "1.0");

  // Split on the delimiters as a MIME parser does.
  const std::string delimiter = "\r\n--" + boundary;
  std::vector<std::string> parts;
  std::size_t at = composed.find(delimiter);
  REQUIRE(at != std::string::npos);
  while (true) {
    const std::size_t start = at + delimiter.size();
    if (composed.compare(start, 2, "--") == 0) {
      CHECK(composed.substr(start) == "--\r\n");
      break;
    }
    REQUIRE(composed.compare(start, 2, "\r\n") == 0);
    at = composed.find(delimiter, start);
    REQUIRE(at != std::string::npos);
    parts.push_back(composed.substr(start + 2, at - start - 2));
  }
  REQUIRE(parts.size() == 5);
  const auto part_body = [](const std::string& part) {
    const auto end = part.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    return part.substr(end + 4);
  };
  const auto part_headers = [](const std::string& part) {
    return part.substr(0, part.find("\r\n\r\n") + 2);
  };
  CHECK(part_headers(parts[0])
        == "Content-Type: text/plain; charset=UTF-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n");
  CHECK(qp_decode(part_body(parts[0])) == message.body);

  CHECK(part_headers(parts[1])
        == "Content-Type: application/pdf;\r\n name=\"certificate.pdf\"\r\n"
           "Content-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment;\r\n filename=\"certificate.pdf\"\r\n");
  for (const std::string& line : split_lines(part_body(parts[1]) + "\r\n")) {
    CHECK(line.size() <= 76);
  }
  CHECK(base64_decode(part_body(parts[1])) == pdf);

  CHECK(part_headers(parts[2])
        == "Content-Type: text/plain;\r\n "
           "name*=UTF-8''Zo%C3%AB%27s%20%C3%85ngstr%C3%B6m%20notes.txt\r\n"
           "Content-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment;\r\n"
           " filename*=UTF-8''Zo%C3%AB%27s%20%C3%85ngstr%C3%B6m%20notes.txt\r\n");
  CHECK(base64_decode(part_body(parts[2])) == "notes\n");

  CHECK(part_headers(parts[3]).find("Content-Type: application/octet-stream;") == 0);
  CHECK(part_body(parts[3]).empty());

  // A long name is split into RFC 2231 sections between characters.
  const std::string long_headers = part_headers(parts[4]);
  CHECK(long_headers.find(" filename*0*=UTF-8''") != std::string::npos);
  CHECK(long_headers.find(" filename*1*=") != std::string::npos);
  std::string decoded;
  static const std::regex k_section(R"( filename\*\d+\*=(?:UTF-8'')?([^;\r]*))");
  for (auto it = std::sregex_iterator(long_headers.begin(), long_headers.end(), k_section);
       it != std::sregex_iterator();
       ++it) {
    const std::string section = (*it)[1];
    std::string bytes;
    for (std::size_t i = 0; i < section.size(); ++i) {
      if (section[i] == '%') {
        bytes += static_cast<char>(hex_value(section[i + 1]) * 16 + hex_value(section[i + 2]));
        i += 2;
      } else {
        bytes += section[i];
      }
    }
    CHECK_NOTHROW(validate_header_text(bytes, "a section"));
    decoded += bytes;
  }
  CHECK(decoded == long_name);
  for (const std::string& line : split_lines(long_headers)) {
    CHECK(line.size() <= 78);
  }
}

TEST_CASE("compose: Python's email parser reads the message back")
{
  const std::string k_python = "/usr/bin/python3";
  if (std::system("/usr/bin/python3 -c 'import email' >/dev/null 2>&1") != 0) {
    testutil::skip(k_python + " cannot import email");
    return;
  }
  Message message = sample_message();
  message.to_name = "Zoë Ångström";
  message.from_name = "Doe, Jane \"JD\"";
  message.subject = "Bestätigung: 5 Punkte für „Schulung“ — " + std::string(80, 'x') + " Ende";
  message.body = "Liebe Zoë,\n.\nFrom here\n" + repeat("é", 200) + "\ntrailing \n";
  message.attachments.push_back({"Zoë's notes.txt", "text/plain", "notes\n"});
  message.attachments.push_back({std::string(70, 'n') + "ö.pdf", "application/pdf", "%PDF"});
  testutil::TempDir dir;
  testutil::write_file(dir / "message.eml", compose(message));
  const std::string script = R"(
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
parts = list(m.iter_parts())
out = [str(m['To'].addresses[0].display_name), str(m['From'].addresses[0].display_name),
       str(m['Subject']), parts[0].get_content(),
       parts[1].get_filename(), parts[1].get_content(),
       parts[2].get_filename(), parts[2].get_content().decode(),
       str(len(m.defects) + sum(len(p.defects) for p in m.walk()))]
sys.stdout.write('\x1e'.join(out))
)";
  testutil::write_file(dir / "read.py", script);
  const std::string command =
    k_python + " " + (dir / "read.py").string() + " " + (dir / "message.eml").string();
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    output.append(buffer, n);
  }
  REQUIRE(pclose(pipe) == 0);
  std::vector<std::string> fields;
  std::stringstream stream(output);
  for (std::string field; std::getline(stream, field, '\x1e');) {
    fields.push_back(field);
  }
  REQUIRE(fields.size() == 9);
  CHECK(fields[0] == message.to_name);
  CHECK(fields[1] == message.from_name);
  CHECK(fields[2] == message.subject);
  CHECK(fields[3] == message.body);
  CHECK(fields[4] == "Zoë's notes.txt");
  CHECK(fields[5] == "notes\n");
  CHECK(fields[6] == message.attachments[1].name);
  CHECK(fields[7] == "%PDF");
  CHECK(fields[8] == "0");
}
