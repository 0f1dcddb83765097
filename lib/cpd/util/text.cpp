#include <cpd/util/ascii.hpp>
#include <cpd/util/text.hpp>
#include <cpd/util/utf8.hpp>

#include <fmt/format.h>

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace cpd {

namespace {

// Valid UTF-8 but for an incomplete sequence at the very end (a prefix of a
// file may cut one), without controls other than \t \n \r \f.
bool
looks_like_utf8_text(std::string_view bytes)
{
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto d = utf8::decode(bytes, pos);
    if (d.status == utf8::Status::truncated) {
      return true; // only ever the last sequence
    }
    if (d.status == utf8::Status::invalid) {
      return false;
    }
    const char32_t c = d.code_point;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f) {
      return false;
    }
    pos += d.length;
  }
  return true;
}

// The lower-cased extension of the last component of `name`, without the dot.
std::string
extension(std::string_view name)
{
  const auto slash = name.rfind('/');
  if (slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) {
    return {};
  }
  return ascii::lower(name.substr(dot + 1));
}

constexpr std::string_view k_octet_stream = "application/octet-stream";
constexpr std::string_view k_docx =
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
constexpr std::string_view k_xlsx =
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr std::string_view k_pptx =
  "application/vnd.openxmlformats-officedocument.presentationml.presentation";
constexpr std::string_view k_odt = "application/vnd.oasis.opendocument.text";
constexpr std::string_view k_ods = "application/vnd.oasis.opendocument.spreadsheet";
constexpr std::string_view k_odp = "application/vnd.oasis.opendocument.presentation";

constexpr std::array<std::pair<std::string_view, std::string_view>, 21> k_by_extension = {{
  {"pdf", "application/pdf"},
  {"png", "image/png"},
  {"jpg", "image/jpeg"},
  {"jpeg", "image/jpeg"},
  {"gif", "image/gif"},
  {"webp", "image/webp"},
  {"tif", "image/tiff"},
  {"tiff", "image/tiff"},
  {"heic", "image/heic"},
  {"heif", "image/heif"},
  {"doc", "application/msword"},
  {"docx", k_docx},
  {"xls", "application/vnd.ms-excel"},
  {"xlsx", k_xlsx},
  {"ppt", "application/vnd.ms-powerpoint"},
  {"pptx", k_pptx},
  {"odt", k_odt},
  {"ods", k_ods},
  {"odp", k_odp},
  {"txt", "text/plain"},
  {"csv", "text/csv"},
}};

std::optional<std::string_view>
type_of_extension(std::string_view ext)
{
  for (const auto& [known, type] : k_by_extension) {
    if (ext == known) {
      return type;
    }
  }
  return std::nullopt;
}

// The type named by the leading bytes alone, refined by the extension for
// containers (zip, OLE2, ISO BMFF) that several formats share.
std::optional<std::string>
type_of_content(std::string_view bytes, std::string_view ext)
{
  const auto starts = [&](std::string_view magic, std::size_t at = 0) {
    return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
  };
  using namespace std::string_view_literals;
  if (starts("%PDF-")) {
    return "application/pdf";
  }
  if (starts("\x89PNG\r\n\x1a\n"sv)) {
    return "image/png";
  }
  if (starts("\xff\xd8\xff"sv)) {
    return "image/jpeg";
  }
  if (starts("GIF87a") || starts("GIF89a")) {
    return "image/gif";
  }
  if (starts("RIFF") && starts("WEBP", 8)) {
    return "image/webp";
  }
  if (starts("II*\0"sv) || starts("MM\0*"sv)) {
    return "image/tiff";
  }
  if (starts("PK\x03\x04"sv) || starts("PK\x05\x06"sv)) {
    for (const auto* const office : {"docx", "xlsx", "pptx", "odt", "ods", "odp"}) {
      if (ext == office) {
        return std::string(*type_of_extension(ext));
      }
    }
    return "application/zip";
  }
  if (starts("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"sv)) {
    for (const auto* const office : {"doc", "xls", "ppt"}) {
      if (ext == office) {
        return std::string(*type_of_extension(ext));
      }
    }
    return std::string(k_octet_stream);
  }
  if (starts("ftyp", 4) && bytes.size() >= 12) {
    const std::string_view brand = bytes.substr(8, 4);
    for (const auto* const heic : {"heic", "heix", "heim", "heis", "hevc", "hevx"}) {
      if (brand == heic) {
        return "image/heic";
      }
    }
    if (brand == "mif1" || brand == "msf1") {
      return ext == "heic" ? "image/heic" : "image/heif";
    }
  }
  return std::nullopt;
}

// The units edit_distance counts: code points, and each invalid byte as a
// value above U+10FFFF so that it equals no code point.
std::u32string
units(std::string_view text)
{
  std::u32string result;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto d = utf8::decode(text, pos);
    if (d.status == utf8::Status::ok) {
      result += d.code_point;
      pos += d.length;
    } else {
      result += static_cast<char32_t>(0x110000 + static_cast<unsigned char>(text[pos]));
      ++pos;
    }
  }
  return result;
}

std::size_t
levenshtein(const std::u32string& a, const std::u32string& b)
{
  const std::u32string& shorter = a.size() < b.size() ? a : b;
  const std::u32string& longer = a.size() < b.size() ? b : a;
  std::vector<std::size_t> row(shorter.size() + 1);
  for (std::size_t j = 0; j < row.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= longer.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= shorter.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitution = diagonal + (longer[i - 1] == shorter[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[shorter.size()];
}

} // namespace

bool
valid_utf8(std::string_view text)
{
  return utf8::valid(text);
}

bool
hidden_character(char32_t c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || (c >= 0x200b && c <= 0x200f)
         || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069 && c != 0x2065)
         || c == 0xfeff
         || (c >= 0xe0000 && c <= 0xe007f)
         // Invisible by default: soft hyphen, grapheme joiner, fillers,
         // inherent vowels, vowel separator, format controls.
         || c == 0x00ad || c == 0x034f || c == 0x115f || c == 0x1160 || c == 0x17b4 || c == 0x17b5
         || c == 0x180e || c == 0x3164 || c == 0xffa0 || (c >= 0x1bca0 && c <= 0x1bca3)
         || (c >= 0x1d173 && c <= 0x1d17a);
}

namespace {

bool
allowed_break(char32_t c, AllowNewlines newlines)
{
  return newlines == AllowNewlines::yes && (c == '\n' || c == '\t');
}

} // namespace

std::string
first_control_character(std::string_view text, AllowNewlines newlines)
{
  for (std::size_t pos = 0; pos < text.size();) {
    const auto d = utf8::decode(text, pos);
    if (d.status == utf8::Status::ok && hidden_character(d.code_point)
        && !allowed_break(d.code_point, newlines)) {
      return fmt::format("U+{:04X}", static_cast<std::uint32_t>(d.code_point));
    }
    pos += d.length;
  }
  return {};
}

bool
has_control_characters(std::string_view text, AllowNewlines newlines)
{
  return !first_control_character(text, newlines).empty();
}

std::string
escape_hidden(std::string_view text, AllowNewlines newlines)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const auto d = utf8::decode(text, pos);
    if (d.status != utf8::Status::ok) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[pos]));
    } else if (!hidden_character(d.code_point) || allowed_break(d.code_point, newlines)) {
      out.append(text.substr(pos, d.length));
    } else if (d.code_point == '\n') {
      out += "\\n";
    } else if (d.code_point == '\r') {
      out += "\\r";
    } else if (d.code_point < 0x20 || d.code_point == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<std::uint32_t>(d.code_point));
    } else if (d.code_point <= 0xffff) {
      out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(d.code_point));
    } else {
      out += fmt::format("\\U{:08x}", static_cast<std::uint32_t>(d.code_point));
    }
    pos += d.length;
  }
  return out;
}

std::string
media_type(std::string_view file_name, std::string_view first_bytes)
{
  const std::string ext = extension(file_name);
  if (auto type = type_of_content(first_bytes, ext)) {
    return *type;
  }
  const auto known = type_of_extension(ext);
  if (ext == "txt" || ext == "csv") {
    const std::string type(*known);
    return looks_like_utf8_text(first_bytes) ? type + "; charset=utf-8" : type;
  }
  if (known) {
    return std::string(*known);
  }
  if (!first_bytes.empty() && looks_like_utf8_text(first_bytes)) {
    return "text/plain; charset=utf-8";
  }
  return std::string(k_octet_stream);
}

std::optional<std::string>
base_name(std::string_view path)
{
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == ".." || !valid_utf8(name)
      || has_control_characters(name, AllowNewlines::no)) {
    return std::nullopt;
  }
  return std::string(name);
}

std::size_t
display_width(std::string_view text)
{
  std::size_t width = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto d = utf8::decode(text, pos);
    if (d.status != utf8::Status::ok) {
      ++width;
      ++pos;
      continue;
    }
    // utf8proc's table follows Unicode's East Asian Width and marks (0 for
    // combining marks, 2 for wide and emoji presentation), as terminals do.
    const auto columns = utf8proc_charwidth(static_cast<utf8proc_int32_t>(d.code_point));
    width += static_cast<std::size_t>(std::max(columns, 0));
    pos += d.length;
  }
  return width;
}

std::string
display_width_pad(std::string_view text, std::size_t width)
{
  std::string padded(text);
  const std::size_t have = display_width(text);
  if (have < width) {
    padded.append(width - have, ' ');
  }
  return padded;
}

std::size_t
edit_distance(std::string_view a, std::string_view b)
{
  return levenshtein(units(a), units(b));
}

std::optional<std::string>
closest_match(std::string_view word, const std::vector<std::string>& candidates)
{
  const std::u32string target = units(ascii::lower(word));
  if (target.empty()) {
    return std::nullopt;
  }
  const std::size_t limit = std::max<std::size_t>(2, target.size() / 3);
  std::optional<std::size_t> best;
  std::size_t best_distance = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::u32string candidate = units(ascii::lower(candidates[i]));
    const std::size_t gap = candidate.size() > target.size() ? candidate.size() - target.size()
                                                             : target.size() - candidate.size();
    if (gap > limit) {
      continue; // the distance is at least the difference in length
    }
    const std::size_t distance = levenshtein(target, candidate);
    if (distance > limit || distance >= std::max(target.size(), candidate.size())) {
      continue;
    }
    if (!best || distance < best_distance) {
      best = i;
      best_distance = distance;
    }
  }
  if (!best) {
    return std::nullopt;
  }
  return candidates[*best];
}

std::string
did_you_mean(std::string_view word, const std::vector<std::string>& candidates)
{
  const auto suggestion = closest_match(word, candidates);
  return suggestion ? fmt::format("; did you mean '{}'?", *suggestion) : std::string();
}

std::uint64_t
fnv1a(std::string_view text)
{
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string
wrap(std::string_view text, std::size_t width)
{
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const auto line = text.substr(start, end - start);
    std::size_t column = 0;
    std::size_t at = 0;
    while (at < line.size()) {
      const auto word_start = line.find_first_not_of(' ', at);
      if (word_start == std::string_view::npos) {
        break;
      }
      const auto word_end = std::min(line.find(' ', word_start), line.size());
      const auto word = line.substr(word_start, word_end - word_start);
      const auto word_width = display_width(word);
      if (column > 0 && column + 1 + word_width > width) {
        out += '\n';
        column = 0;
      } else if (column > 0) {
        out += ' ';
        ++column;
      }
      out += word;
      column += word_width;
      at = word_end;
    }
    if (end == text.size()) {
      break;
    }
    out += '\n';
    start = end + 1;
  }
  return out;
}

namespace {

// A line wider than `width` broken between words, its continuation lines
// indented by `indent`.
std::string
fold_line(std::string_view first_indent,
          std::string_view words,
          std::string_view indent,
          std::size_t width)
{
  std::string out(first_indent);
  std::size_t column = display_width(first_indent);
  bool first = true;
  while (!words.empty()) {
    const auto space = std::min(words.find(' '), words.size());
    const auto word = words.substr(0, space);
    words.remove_prefix(std::min(space + 1, words.size()));
    const auto word_width = display_width(word);
    if (!first && column + 1 + word_width > width) {
      out += '\n';
      out += indent;
      column = display_width(indent);
    } else if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word_width;
    first = false;
  }
  return out;
}

} // namespace

std::string
fold_long_lines(std::string_view text, std::size_t limit, std::size_t width)
{
  std::vector<std::string_view> lines;
  for (std::size_t start = 0;;) {
    const auto end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    if (end == text.size()) {
      break;
    }
    start = end + 1;
  }
  const auto prose = [](std::string_view line) { return !line.empty() && line[0] != ' '; };
  std::string out;
  for (std::size_t i = 0; i < lines.size();) {
    std::size_t next = i + 1;
    if (prose(lines[i])) {
      // A paragraph of prose: reflowed whole when a line of it is too wide.
      while (next < lines.size() && prose(lines[next])) {
        ++next;
      }
      const bool too_wide =
        std::any_of(lines.begin() + static_cast<std::ptrdiff_t>(i),
                    lines.begin() + static_cast<std::ptrdiff_t>(next),
                    [&](std::string_view line) { return display_width(line) > limit; });
      std::string paragraph;
      for (std::size_t k = i; k < next; ++k) {
        paragraph.append(k > i ? (too_wide ? " " : "\n") : "").append(lines[k]);
      }
      out += too_wide ? wrap(paragraph, width) : paragraph;
    } else if (display_width(lines[i]) <= limit) {
      out += lines[i];
    } else {
      // An indented line (a list's item, a field, a quote): broken alone,
      // its continuation lines under its second column ("  #12  ...",
      // "  Activity:  ...") or, without one, indented a little more.
      const auto line = lines[i];
      const auto spaces = line.substr(0, std::min(line.find_first_not_of(' '), line.size()));
      if (line.substr(spaces.size()).starts_with("> ")) {
        const auto quote = line.substr(0, spaces.size() + 2);
        out += fold_line(quote, line.substr(quote.size()), quote, width);
      } else {
        const auto gap = line.find("  ", spaces.size());
        const auto column =
          gap == std::string_view::npos ? std::string_view::npos : line.find_first_not_of(' ', gap);
        const auto hanging = column == std::string_view::npos || column > width / 2
                               ? spaces.size() + 4
                               : display_width(line.substr(0, column));
        out += fold_line(spaces, line.substr(spaces.size()), std::string(hanging, ' '), width);
      }
    }
    if (next < lines.size()) {
      out += '\n';
    }
    i = next;
  }
  return out;
}

std::string
count_phrase(std::size_t count, std::string_view noun, std::string_view plural)
{
  if (count == 1) {
    return fmt::format("1 {}", noun);
  }
  return plural.empty() ? fmt::format("{} {}s", count, noun) : fmt::format("{} {}", count, plural);
}

} // namespace cpd
