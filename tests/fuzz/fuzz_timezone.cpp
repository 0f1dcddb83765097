// libFuzzer target for cpd::TimeZone: untrusted bytes as a zone file (TZif)
// and as a POSIX TZ rule give a zone whose offsets stay within a day and
// whose dates come back as dates, or a refusal; never a crash, a read past
// the input or an exception of another kind.

#include "fuzz.hpp"

#include <cpd/util/timezone.hpp>

#include <limits>

namespace {

void
exercise(const cpd::TimeZone& zone, std::string_view seed)
{
  using fuzz::check;
  std::int64_t instants[] = {0,
                             -2208988800,
                             1514764800,
                             4102444800,
                             std::numeric_limits<std::int64_t>::min(),
                             std::numeric_limits<std::int64_t>::max(),
                             0};
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < seed.size() && i < 8; ++i) {
    bits = (bits << 8) | static_cast<unsigned char>(seed[i]);
  }
  instants[6] = static_cast<std::int64_t>(bits);
  for (const auto instant : instants) {
    const auto offset = zone.offset_at(instant);
    check(offset > -26 * 3600 && offset < 26 * 3600);
    if (const auto date = zone.date_at(instant)) {
      check(cpd::Date::valid(date->year(), date->month(), date->day()));
      const auto back = zone.instant_at(*date, 12 * 3600);
      check(back > instant - 3 * 86400 && back < instant + 3 * 86400);
    }
  }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const auto text = fuzz::as_text(data, size);
  fuzz::accepts({cpd::ErrorKind::bad_input}, [&] {
    exercise(cpd::TimeZone::from_tzif(text, "fuzz"), text.substr(text.size() / 2));
  });
  if (const auto zone = cpd::TimeZone::from_posix(text)) {
    exercise(*zone, text);
  }
  return 0;
}
