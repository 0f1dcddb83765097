#include <cpd/util/ascii.hpp>

namespace cpd::ascii {

char
lower(char c)
{
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string
lower(std::string_view text)
{
  std::string out(text);
  for (auto& c : out) {
    c = lower(c);
  }
  return out;
}

std::string_view
trim(std::string_view text)
{
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

} // namespace cpd::ascii
