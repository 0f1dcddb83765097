// Values that several commands take on their command line.
#include "commands.hpp"

#include <cpd/error.hpp>

#include <charconv>

namespace cpd::cli {

std::vector<std::int64_t>
parse_ids(const std::vector<std::string>& texts, std::string_view what)
{
  std::vector<std::int64_t> ids;
  for (const auto& text : texts) {
    std::string_view digits = text;
    if (digits.starts_with('#')) {
      digits.remove_prefix(1);
    }
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || id <= 0) {
      throw Error(ErrorKind::bad_input, "'{}' is not a {} id (a number like 12)", text, what);
    }
    ids.push_back(id);
  }
  return ids;
}

int
parse_year(const std::string& text)
{
  int year = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), year);
  if (text.size() != 4 || ec != std::errc() || end != text.data() + text.size() || year < 1) {
    throw Error(ErrorKind::bad_input, "'{}' is not a year (like 2017)", text);
  }
  return year;
}

std::optional<int>
parse_optional_year(const std::string& text)
{
  return text.empty() ? std::nullopt : std::optional(parse_year(text));
}

} // namespace cpd::cli
