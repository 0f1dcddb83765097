#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// UTF-8, decoded strictly (Unicode's table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF). The one decoder of the project.
namespace cpd::utf8 {

enum class Status { ok, invalid, truncated };

// One step of decoding at `pos` (< text.size()).
struct Decoded
{
  Status status;
  char32_t code_point; // when ok
  std::size_t length;  // bytes taken when ok; 1 otherwise
};

Decoded decode(std::string_view text, std::size_t pos);

// True for well-formed UTF-8.
bool valid(std::string_view text);

// The bytes of the character at `pos`: a stray byte counts as one, so that
// a loop over malformed text always moves on.
std::size_t character_length(std::string_view text, std::size_t pos);

// `code_point` (a scalar value) appended as UTF-8.
void append(std::string& out, char32_t code_point);

} // namespace cpd::utf8
