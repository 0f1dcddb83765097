#include <cpd/util/utf8.hpp>

namespace cpd::utf8 {

Decoded
decode(std::string_view text, std::size_t pos)
{
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    return {Status::ok, lead, 1};
  }
  std::size_t length = 0;
  unsigned char low = 0x80; // range of the second byte
  unsigned char high = 0xbf;
  char32_t code_point = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code_point = lead & 0x1FU;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code_point = lead & 0x0FU;
    if (lead == 0xe0) {
      low = 0xa0; // no overlongs
    } else if (lead == 0xed) {
      high = 0x9f; // no surrogates
    }
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code_point = lead & 0x07U;
    if (lead == 0xf0) {
      low = 0x90; // no overlongs
    } else if (lead == 0xf4) {
      high = 0x8f; // nothing above U+10FFFF
    }
  } else {
    return {Status::invalid, 0, 1};
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (pos + i >= text.size()) {
      return {Status::truncated, 0, 1};
    }
    const unsigned char next = byte(pos + i);
    const unsigned char min = i == 1 ? low : static_cast<unsigned char>(0x80);
    const unsigned char max = i == 1 ? high : static_cast<unsigned char>(0xbf);
    if (next < min || next > max) {
      return {Status::invalid, 0, 1};
    }
    code_point = (code_point << 6) | (next & 0x3FU);
  }
  return {Status::ok, code_point, length};
}

bool
valid(std::string_view text)
{
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto d = decode(text, pos);
    if (d.status != Status::ok) {
      return false;
    }
    pos += d.length;
  }
  return true;
}

std::size_t
character_length(std::string_view text, std::size_t pos)
{
  return decode(text, pos).length;
}

void
append(std::string& out, char32_t code_point)
{
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xc0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xe0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  }
}

} // namespace cpd::utf8
