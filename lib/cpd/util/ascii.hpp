#pragma once

#include <string>
#include <string_view>

// ASCII-only text operations: for keywords, header names, URL schemes and
// CSV column names, which are ASCII by definition. Never for people's names.
namespace cpd::ascii {

// 'A'..'Z' lowered; every other byte as it is.
char lower(char c);
std::string lower(std::string_view text);

// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view text);

} // namespace cpd::ascii
