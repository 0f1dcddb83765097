#include <cpd/util/json.hpp>
#include <cpd/util/text.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

using cpd::AllowNewlines;
using namespace std::string_literals;

namespace {

// The canonical UTF-8 encoding of a code point, written independently of the
// library (surrogates are encoded as if they were ordinary code points).
std::string
encode(char32_t c)
{
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
  return out;
}

// Reference check: a sequence is valid UTF-8 exactly when a naive decode of
// the structure gives a scalar value whose canonical encoding is the input.
bool
reference_valid(const std::string& bytes)
{
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[pos]);
    std::size_t length = 0;
    char32_t c = 0;
    if (lead < 0x80) {
      length = 1;
      c = lead;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      c = lead & 0x1fu;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      c = lead & 0x0fu;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      c = lead & 0x07u;
    } else {
      return false;
    }
    if (pos + length > bytes.size()) {
      return false;
    }
    for (std::size_t i = 1; i < length; ++i) {
      const auto next = static_cast<unsigned char>(bytes[pos + i]);
      if ((next & 0xc0) != 0x80) {
        return false;
      }
      c = (c << 6) | (next & 0x3fu);
    }
    if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || encode(c) != bytes.substr(pos, length)) {
      return false;
    }
    pos += length;
  }
  return true;
}

std::string
bytes(std::initializer_list<int> values)
{
  std::string out;
  for (const int v : values) {
    out += static_cast<char>(v);
  }
  return out;
}

} // namespace

TEST_CASE("valid_utf8 accepts well-formed text")
{
  for (const std::string& text : {""s,
                                  "plain ASCII"s,
                                  "caf\xc3\xa9"s,
                                  "\xe2\x82\xac 5"s,   // euro sign
                                  "\xf0\x9d\x84\x9e"s, // U+1D11E
                                  "\xf4\x8f\xbf\xbf"s, // U+10FFFF
                                  "\xed\x9f\xbf"s,     // U+D7FF
                                  "\xee\x80\x80"s,     // U+E000
                                  "\xef\xbb\xbf"s,     // BOM
                                  "nul\0inside"s}) {
    CAPTURE(text);
    CHECK(cpd::valid_utf8(text));
  }
}

TEST_CASE("valid_utf8 refuses overlongs, surrogates, out of range and truncation")
{
  for (const std::string& text : {bytes({0xc0, 0x80}),                         // overlong NUL
                                  bytes({0xc1, 0xbf}),                         // overlong '?'
                                  bytes({0xe0, 0x80, 0x80}),                   // overlong
                                  bytes({0xe0, 0x9f, 0xbf}),                   // overlong U+07FF
                                  bytes({0xf0, 0x80, 0x80, 0x80}),             // overlong
                                  bytes({0xf0, 0x8f, 0xbf, 0xbf}),             // overlong U+FFFF
                                  bytes({0xed, 0xa0, 0x80}),                   // U+D800
                                  bytes({0xed, 0xbf, 0xbf}),                   // U+DFFF
                                  bytes({0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9}), // CESU-8
                                  bytes({0xf4, 0x90, 0x80, 0x80}),             // U+110000
                                  bytes({0xf5, 0x80, 0x80, 0x80}),
                                  bytes({0xf8, 0x88, 0x80, 0x80, 0x80}),
                                  bytes({0xff}),
                                  bytes({0xfe}),
                                  bytes({0x80}), // lone continuation
                                  "abc\xbf"s,
                                  "caf\xc3"s, // truncated at end
                                  "\xe2\x82"s,
                                  "\xf0\x9d\x84"s,
                                  "\xc3"
                                  "a"s, // cut by ASCII
                                  "\xe2\x82"
                                  "a"s,
                                  "\xe9t\xe9"s}) { // Latin-1
    CAPTURE(text);
    CHECK_FALSE(cpd::valid_utf8(text));
  }
}

TEST_CASE("valid_utf8 agrees with a reference on every short sequence")
{
  for (char32_t c = 0; c <= 0x10ffff; ++c) {
    const bool surrogate = c >= 0xd800 && c <= 0xdfff;
    REQUIRE(cpd::valid_utf8(encode(c)) == !surrogate);
  }
  std::string text(3, '\0');
  for (int a = 0; a < 256; ++a) {
    text.resize(1);
    text[0] = static_cast<char>(a);
    REQUIRE(cpd::valid_utf8(text) == reference_valid(text));
    for (int b = 0; b < 256; ++b) {
      text.resize(2);
      text[1] = static_cast<char>(b);
      REQUIRE(cpd::valid_utf8(text) == reference_valid(text));
      if (a < 0xc0) {
        continue; // a three-byte check of these says nothing new
      }
      text.resize(3);
      for (int c = 0; c < 256; ++c) {
        text[2] = static_cast<char>(c);
        REQUIRE(cpd::valid_utf8(text) == reference_valid(text));
      }
    }
  }
  for (int a = 0xf0; a < 0x100; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (const int tail : {0x7f, 0x80, 0xbf, 0xc0}) {
        const std::string four = bytes({a, b, tail, 0x80});
        REQUIRE(cpd::valid_utf8(four) == reference_valid(four));
      }
    }
  }
}

TEST_CASE("has_control_characters")
{
  CHECK_FALSE(cpd::has_control_characters("", AllowNewlines::no));
  CHECK_FALSE(cpd::has_control_characters("Jane O'Brien", AllowNewlines::no));
  CHECK_FALSE(cpd::has_control_characters("Zo\xc3\xab \xe6\x97\xa5", AllowNewlines::no));
  CHECK_FALSE(cpd::has_control_characters("no\xc2\xa0"
                                          "break",
                                          AllowNewlines::no));

  for (int c = 0; c < 0x20; ++c) {
    CAPTURE(c);
    const std::string text = "a"s + static_cast<char>(c) + "b";
    CHECK(cpd::has_control_characters(text, AllowNewlines::no));
    const bool allowed = c == '\n' || c == '\t';
    CHECK(cpd::has_control_characters(text, AllowNewlines::yes) == !allowed);
  }
  CHECK(cpd::has_control_characters("a\x7f", AllowNewlines::yes));
  CHECK(cpd::has_control_characters("x\r\ny", AllowNewlines::yes));
  CHECK(cpd::has_control_characters("\r", AllowNewlines::yes));
  CHECK(cpd::has_control_characters("nul\0"s, AllowNewlines::yes));
  CHECK(cpd::has_control_characters("Name\nBcc: x@example.org", AllowNewlines::no));
  CHECK_FALSE(cpd::has_control_characters("line one\nline\ttwo", AllowNewlines::yes));
  // C1 controls: NEL (U+0085) and CSI (U+009B).
  CHECK(cpd::has_control_characters("a\xc2\x85"
                                    "b",
                                    AllowNewlines::yes));
  CHECK(cpd::has_control_characters("\xc2\x9b", AllowNewlines::no));
}

TEST_CASE("json_string escapes what JSON requires")
{
  CHECK(cpd::json_string("") == R"("")");
  CHECK(cpd::json_string("plain") == R"("plain")");
  CHECK(cpd::json_string("say \"hi\"") == R"("say \"hi\"")");
  CHECK(cpd::json_string("C:\\dir") == R"("C:\\dir")");
  CHECK(cpd::json_string("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(cpd::json_string("\x01") == R"("\u0001")");
  CHECK(cpd::json_string("\x1f") == R"("\u001f")");
  CHECK(cpd::json_string("a\0b"s) == R"("a\u0000b")");
  CHECK(cpd::json_string("\x7f") == R"("\u007f")");
  CHECK(cpd::json_string("/ </script>") == R"("/ </script>")");
  // UTF-8 passes through untouched.
  CHECK(cpd::json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e")
        == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\"");
  // Invalid bytes become U+FFFD, one each.
  CHECK(cpd::json_string("a\xff"
                         "b")
        == "\"a\xef\xbf\xbd"
           "b\"");
  CHECK(cpd::json_string("\xe2\x82") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(cpd::json_string("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  // A quote after an invalid lead byte is still escaped.
  CHECK(cpd::json_string("\xc3\"") == "\"\xef\xbf\xbd\\\"\"");
}

TEST_CASE("json_string output is always a well-formed JSON string")
{
  std::string every_byte;
  for (int c = 0; c < 256; ++c) {
    every_byte += static_cast<char>(c);
  }
  const std::string json = cpd::json_string(every_byte + every_byte);
  REQUIRE(json.size() >= 2);
  CHECK(json.front() == '"');
  CHECK(json.back() == '"');
  CHECK(cpd::valid_utf8(json));
  const std::string_view inner = std::string_view(json).substr(1, json.size() - 2);
  for (std::size_t i = 0; i < inner.size(); ++i) {
    const auto c = static_cast<unsigned char>(inner[i]);
    REQUIRE(c >= 0x20);
    REQUIRE(c != '"');
    if (c == '\\') {
      REQUIRE(i + 1 < inner.size());
      const char next = inner[++i];
      REQUIRE(std::string_view("\"\\/bfnrtu").find(next) != std::string_view::npos);
      if (next == 'u') {
        REQUIRE(i + 4 < inner.size());
        i += 4;
      }
    }
  }
}

TEST_CASE("media_type sniffs content first")
{
  CHECK(cpd::media_type("scan.pdf", "%PDF-1.7\n%\xe2\xe3") == "application/pdf");
  CHECK(cpd::media_type("renamed.txt", "%PDF-1.4") == "application/pdf");
  CHECK(cpd::media_type("photo", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s) == "image/png");
  CHECK(cpd::media_type("photo.pdf", "\xff\xd8\xff\xe0\0\x10JFIF"s) == "image/jpeg");
  CHECK(cpd::media_type("a.bin", "GIF89a\x01\0") == "image/gif");
  CHECK(cpd::media_type("a.bin", "GIF87a") == "image/gif");
  CHECK(cpd::media_type("a.png", "RIFF\x24\0\0\0WEBPVP8 "s) == "image/webp");
  CHECK(cpd::media_type("a.wav", "RIFF\x24\0\0\0WAVEfmt "s) == "application/octet-stream");
  CHECK(cpd::media_type("scan", "II*\0\x08\0\0\0"s) == "image/tiff");
  CHECK(cpd::media_type("scan", "MM\0*\0\0\0\x08"s) == "image/tiff");
  CHECK(cpd::media_type("IMG_0001.HEIC",
                        "\0\0\0\x18"
                        "ftypheic\0\0\0\0"s)
        == "image/heic");
  CHECK(cpd::media_type("x",
                        "\0\0\0\x18"
                        "ftypmif1\0\0\0\0"s)
        == "image/heif");
}

TEST_CASE("media_type tells zip- and OLE-based office files by extension")
{
  const std::string zip = "PK\x03\x04\x14\0\x06\0"s;
  CHECK(cpd::media_type("cv.docx", zip)
        == "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  CHECK(cpd::media_type("Hours.XLSX", zip)
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  CHECK(cpd::media_type("notes.odt", zip) == "application/vnd.oasis.opendocument.text");
  CHECK(cpd::media_type("bundle.zip", zip) == "application/zip");
  CHECK(cpd::media_type("fake.pdf", zip) == "application/zip");
  CHECK(cpd::media_type("empty.zip", "PK\x05\x06"s + std::string(18, '\0')) == "application/zip");

  const std::string ole = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"s;
  CHECK(cpd::media_type("old.doc", ole) == "application/msword");
  CHECK(cpd::media_type("old.xls", ole) == "application/vnd.ms-excel");
  CHECK(cpd::media_type("old.pdf", ole) == "application/octet-stream");
}

TEST_CASE("media_type for text and by extension")
{
  CHECK(cpd::media_type("notes.txt", "Attended the course.\r\n") == "text/plain; charset=utf-8");
  CHECK(cpd::media_type("notes.txt", "") == "text/plain; charset=utf-8");
  // A prefix may cut a sequence at its end.
  CHECK(cpd::media_type("notes.txt", "caf\xc3") == "text/plain; charset=utf-8");
  CHECK(cpd::media_type("latin1.txt", "caf\xe9 cr\xe8me") == "text/plain");
  CHECK(cpd::media_type("binary.txt", "a\0b"s) == "text/plain");
  CHECK(cpd::media_type("hours.csv", "date,hours\n") == "text/csv; charset=utf-8");
  CHECK(cpd::media_type("README", "Plain words\n") == "text/plain; charset=utf-8");
  CHECK(cpd::media_type("README", "") == "application/octet-stream");
  CHECK(cpd::media_type("blob", "\x01\x02\x03") == "application/octet-stream");
  CHECK(cpd::media_type("blob", "ab\xff") == "application/octet-stream");

  // No recognisable content: the extension decides, in any case.
  CHECK(cpd::media_type("SCAN.PDF", "") == "application/pdf");
  CHECK(cpd::media_type("a.png", "") == "image/png");
  CHECK(cpd::media_type("a.jpg", "") == "image/jpeg");
  CHECK(cpd::media_type("a.JPEG", "") == "image/jpeg");
  CHECK(cpd::media_type("a.gif", "") == "image/gif");
  CHECK(cpd::media_type("a.doc", "") == "application/msword");
  CHECK(cpd::media_type("a.docx", "")
        == "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  CHECK(cpd::media_type("a.xls", "") == "application/vnd.ms-excel");
  CHECK(cpd::media_type("a.xlsx", "")
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  CHECK(cpd::media_type("a.odt", "") == "application/vnd.oasis.opendocument.text");
  CHECK(cpd::media_type("a.heic", "") == "image/heic");
  CHECK(cpd::media_type("a.exe", "") == "application/octet-stream");
  CHECK(cpd::media_type("archive.tar.gz", "\x1f\x8b\x08") == "application/octet-stream");
  // Only the last path component has an extension.
  CHECK(cpd::media_type("dir.pdf/scan", "") == "application/octet-stream");
  CHECK(cpd::media_type("pdf", "") == "application/octet-stream");
  CHECK(cpd::media_type("", "") == "application/octet-stream");
  // A truncated signature is not the format.
  CHECK(cpd::media_type("x", "%PD") == "text/plain; charset=utf-8");
  CHECK(cpd::media_type("x", "\x89PN") == "application/octet-stream");
}

TEST_CASE("base_name")
{
  CHECK(cpd::base_name("certificate.pdf") == "certificate.pdf");
  CHECK(cpd::base_name("a/b/c.pdf") == "c.pdf");
  CHECK(cpd::base_name("/home/jane/scan 1.png") == "scan 1.png");
  CHECK(cpd::base_name("dir/") == "dir");
  CHECK(cpd::base_name("a/b//") == "b");
  CHECK(cpd::base_name("...") == "...");
  CHECK(cpd::base_name(".hidden") == ".hidden");
  CHECK(cpd::base_name("C:\\Users\\x.pdf") == "C:\\Users\\x.pdf"); // no separator on POSIX
  CHECK(cpd::base_name("caf\xc3\xa9.pdf") == "caf\xc3\xa9.pdf");
  for (const std::string& path : {""s,
                                  "."s,
                                  ".."s,
                                  "/"s,
                                  "//"s,
                                  "a/."s,
                                  "a/.."s,
                                  "a/../"s,
                                  "evil\r\nBcc: x.pdf"s,
                                  "tab\there.pdf"s,
                                  "nul\0.pdf"s,
                                  "latin\xe9.pdf"s}) {
    CAPTURE(path);
    CHECK_FALSE(cpd::base_name(path));
  }
}

TEST_CASE("display_width counts terminal columns")
{
  CHECK(cpd::display_width("") == 0);
  CHECK(cpd::display_width("abc") == 3);
  CHECK(cpd::display_width("caf\xc3\xa9") == 4);              // precomposed
  CHECK(cpd::display_width("cafe\xcc\x81") == 4);             // e + combining acute
  CHECK(cpd::display_width("\xe6\x97\xa5\xe6\x9c\xac") == 4); // 日本
  CHECK(cpd::display_width("\xed\x95\x9c") == 2);             // 한
  CHECK(cpd::display_width("\xef\xbc\xa1") == 2);             // fullwidth A
  CHECK(cpd::display_width("\xef\xbd\xb6") == 1);             // halfwidth katakana
  CHECK(cpd::display_width("\xf0\x9f\x98\x80") == 2);         // emoji
  CHECK(cpd::display_width("a\xe2\x80\x8b"
                           "b")
        == 2);                                     // zero-width space
  CHECK(cpd::display_width("\xef\xbb\xbfx") == 1); // BOM
  CHECK(cpd::display_width("\xff\xfe") == 2);      // invalid bytes
  CHECK(cpd::display_width("\xe6\x97") == 2);      // truncated
  CHECK(cpd::display_width("a\tb") == 2);          // controls take none
}

TEST_CASE("display_width agrees with a maintained Unicode table where terminals do")
{
  CHECK(cpd::display_width("\U0001F680") == 2);   // rocket, an emoji
  CHECK(cpd::display_width("\u231A") == 2);       // watch, emoji presentation
  CHECK(cpd::display_width("\u0915\u093F") == 1); // Devanagari KI: the vowel sign takes no column
  CHECK(cpd::display_width("\u0E01\u0E34") == 1); // Thai KO KAI with SARA I above
  CHECK(cpd::display_width("\u0E01\u0E48") == 1); // with a tone mark
  CHECK(cpd::display_width("Vermessung \U0001F6A2") == 13);
}

TEST_CASE("display_width_pad pads by columns, never truncates")
{
  CHECK(cpd::display_width_pad("ab", 5) == "ab   ");
  CHECK(cpd::display_width_pad("", 2) == "  ");
  CHECK(cpd::display_width_pad("\xe6\x97\xa5\xe6\x9c\xac", 6) == "\xe6\x97\xa5\xe6\x9c\xac  ");
  CHECK(cpd::display_width_pad("caf\xc3\xa9", 6) == "caf\xc3\xa9  ");
  CHECK(cpd::display_width_pad("abcdef", 3) == "abcdef");
  CHECK(cpd::display_width_pad("abc", 3) == "abc");
  // Columns line up whatever the script.
  for (const std::string& text : {"x"s, "\xc3\xa9t\xc3\xa9"s, "\xe6\x97\xa5"s, "e\xcc\x81"s}) {
    CAPTURE(text);
    CHECK(cpd::display_width(cpd::display_width_pad(text, 10)) == 10);
  }
}

TEST_CASE("edit_distance")
{
  CHECK(cpd::edit_distance("", "") == 0);
  CHECK(cpd::edit_distance("", "abc") == 3);
  CHECK(cpd::edit_distance("abc", "") == 3);
  CHECK(cpd::edit_distance("same", "same") == 0);
  CHECK(cpd::edit_distance("kitten", "sitting") == 3);
  CHECK(cpd::edit_distance("sitting", "kitten") == 3);
  CHECK(cpd::edit_distance("flaw", "lawn") == 2);
  CHECK(cpd::edit_distance("approve", "aprove") == 1);
  CHECK(cpd::edit_distance("ab", "ba") == 2);
  CHECK(cpd::edit_distance("A", "a") == 1);
  // Code points, not bytes.
  CHECK(cpd::edit_distance("caf\xc3\xa9", "cafe") == 1);
  CHECK(cpd::edit_distance("\xe6\x97\xa5", "\xe6\x9c\xac") == 1);
  // Invalid bytes count one each and match no code point.
  CHECK(cpd::edit_distance("\xff", "\xfe") == 1);
  CHECK(cpd::edit_distance("\xff", "\xc3\xbf") == 1);
  CHECK(cpd::edit_distance("a\xff", "a\xff") == 0);
  // Long inputs are fine.
  const std::string long_a(3000, 'a');
  std::string long_b = long_a;
  long_b[1500] = 'b';
  CHECK(cpd::edit_distance(long_a, long_b) == 1);
  CHECK(cpd::edit_distance(long_a, long_a + "xyz") == 3);
}

TEST_CASE("closest_match suggests only near candidates")
{
  const std::vector<std::string> commands = {
    "claim", "approve", "decline", "revoke", "balance", "history", "list"};
  CHECK(cpd::closest_match("aprove", commands) == "approve");
  CHECK(cpd::closest_match("APPROVE", commands) == "approve");
  CHECK(cpd::closest_match("balence", commands) == "balance");
  CHECK(cpd::closest_match("clam", commands) == "claim");
  CHECK(cpd::closest_match("ls", commands) == "list");
  CHECK(cpd::closest_match("histroy", commands) == "history");
  CHECK_FALSE(cpd::closest_match("hstroy", commands)); // 3 edits, limit 2
  CHECK_FALSE(cpd::closest_match("frobnicate", commands));
  CHECK_FALSE(cpd::closest_match("xy", {"ab"})); // a total rewrite
  CHECK_FALSE(cpd::closest_match("a", {""}));
  CHECK_FALSE(cpd::closest_match("", commands));
  CHECK_FALSE(cpd::closest_match("approve", {}));
  CHECK(cpd::did_you_mean("aprove", commands) == "; did you mean 'approve'?");
  CHECK(cpd::did_you_mean("frobnicate", commands).empty());

  // Ties go to the earlier candidate; a nearer later one wins.
  CHECK(cpd::closest_match("cat", {"bat", "hat"}) == "bat");
  CHECK(cpd::closest_match("cat", {"bat", "cat"}) == "cat");

  // The limit grows with the word: max(2, length / 3).
  const std::string word = "membershipsecretary"; // 19: limit 6
  std::string six = word;
  std::string seven = word;
  for (std::size_t i = 0; i < 6; ++i) {
    six[i * 3] = 'X';
  }
  for (std::size_t i = 0; i < 7; ++i) {
    seven[i * 2] = 'Y';
  }
  REQUIRE(cpd::edit_distance(word, six) == 6);
  REQUIRE(cpd::edit_distance(word, seven) == 7);
  CHECK(cpd::closest_match(word, {six}) == six);
  CHECK_FALSE(cpd::closest_match(word, {seven}));
}

TEST_CASE("closest_match stays quick on a hostile word")
{
  const auto start = std::chrono::steady_clock::now();
  const std::string huge(1 << 20, 'z');
  CHECK_FALSE(cpd::closest_match(huge, {"claim", "approve", "decline"}));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("count_phrase: numbers agree with their nouns")
{
  CHECK(cpd::count_phrase(1, "member") == "1 member");
  CHECK(cpd::count_phrase(0, "member") == "0 members");
  CHECK(cpd::count_phrase(2, "activity", "activities") == "2 activities");
  CHECK(cpd::count_phrase(1, "activity", "activities") == "1 activity");
}
