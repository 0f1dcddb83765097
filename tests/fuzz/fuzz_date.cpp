// libFuzzer target for cpd::Date::parse: untrusted text gives a date that
// prints back as the same text, or nothing; never a crash or an exception.

#include "fuzz.hpp"

#include <cpd/util/date.hpp>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using fuzz::check;
  const auto text = fuzz::as_text(data, size);
  const auto date = cpd::Date::parse(text);
  if (!date) {
    check(text.size() != 10 || !cpd::Date::parse(std::string(text))); // same either way
    return 0;
  }
  // Exactly YYYY-MM-DD naming a real day.
  check(text.size() == 10);
  check(date->to_string() == text);
  check(cpd::Date::valid(date->year(), date->month(), date->day()));
  check(date->year() >= 1 && date->year() <= 9999);
  check(cpd::Date::from_days(date->days()) == *date);
  check(!date->to_long_string().empty());
  check(cpd::year_end(date->year()) >= *date);
  if (*date < cpd::Date(9999, 12, 31)) {
    const auto next = date->plus_days(1);
    check(next > *date && next.days() == date->days() + 1);
  }
  if (*date > cpd::Date(1, 1, 1)) {
    check(date->plus_days(-1).days() == date->days() - 1);
  }
  return 0;
}
