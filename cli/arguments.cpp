// Values that several commands take on their command line.
#include "commands.hpp"

#include <cpd/util/error.hpp>

#include <array>
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

void
add_quantity_options(Command& command, QuantityOptions& options)
{
  command.option("--hours", options.hours, "how many hours, for activities scored per hour")
    .type_name("N");
  command.option("--days", options.days, "how many days, for activities scored per day")
    .type_name("N");
  command.option("--items", options.items, "how many, for activities scored per item")
    .type_name("N");
}

void
add_output_file(Command& command,
                std::string_view names,
                OutputFile& file,
                std::string_view description)
{
  command.option(names, file.path, description).type_name("FILE");
  command.flag("--force", file.force, "replace FILE if it exists");
}

GivenQuantity
parse_quantity(const QuantityOptions& options)
{
  GivenQuantity given;
  const std::array<std::pair<const std::optional<std::string>&, Unit>, 3> all{
    {{options.hours, Unit::hour}, {options.days, Unit::day}, {options.items, Unit::item}}};
  for (const auto& [text, unit] : all) {
    if (!text) {
      continue;
    }
    if (given.unit) {
      throw Error(ErrorKind::usage,
                  "give one of {} and {}, not both",
                  quantity_option(*given.unit),
                  quantity_option(unit));
    }
    given.unit = unit;
    given.quantity = Quantity::parse(*text);
    if (!given.quantity) {
      throw Error(ErrorKind::bad_input,
                  "'{}' is not a positive number of {}s with at most two decimals (e.g. 1.5)",
                  *text,
                  to_string(unit));
    }
  }
  return given;
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

Date
parse_date(const std::string& text, std::string_view option)
{
  const auto date = Date::parse(text);
  if (!date) {
    throw Error(ErrorKind::bad_input, "{} '{}' is not a date (YYYY-MM-DD)", option, text);
  }
  return *date;
}

std::optional<Date>
parse_optional_date(const std::string& text, std::string_view option)
{
  return text.empty() ? std::nullopt : std::optional(parse_date(text, option));
}

Date
parse_activity_date(const std::string& text)
{
  const auto date = Date::parse(text);
  if (!date) {
    throw Error(
      ErrorKind::bad_input, "'{}' is not a date: write it as YYYY-MM-DD, e.g. 2017-03-14", text);
  }
  return *date;
}

} // namespace cpd::cli
