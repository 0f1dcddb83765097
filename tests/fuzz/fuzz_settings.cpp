// libFuzzer target for cpd::validate_setting on every known key. Input: one
// byte choosing the key,
// then the value. A bad value is refused with bad_input; an accepted one is
// one line of UTF-8 that the setting's reader can use.

#include "fuzz.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/transport/message.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>
#include <cpd/util/text.hpp>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using fuzz::check;
  if (size < 1) {
    return 0;
  }
  const auto settings = cpd::known_settings();
  const auto& info = settings[data[0] % settings.size()];
  const auto key = info.key;
  const auto value = fuzz::as_text(data + 1, size - 1);

  // The default value is always valid.
  check(fuzz::accepts({}, [&] {
    if (!info.default_value.empty()) {
      cpd::validate_setting(key, info.default_value);
    }
  }));

  if (!fuzz::accepts({cpd::ErrorKind::bad_input}, [&] { cpd::validate_setting(key, value); })) {
    return 0;
  }
  check(cpd::valid_utf8(value));
  if (key == "scheme.quota" || key == "scheme.carry_cap") {
    check(cpd::Points::parse(value).has_value());
  } else if (key == "scheme.start") {
    const auto date = cpd::Date::parse(value);
    check(date && date->month() == 1 && date->day() == 1);
  } else if (key == "mail.from" || key == "mail.secretary") {
    check(fuzz::accepts({}, [&] { cpd::mail::validate_address(value); }));
  } else if (key == "mail.helo") {
    check(cpd::mail::is_host_name(value) && value.find('.') != std::string_view::npos);
  } else {
    check(value.find_first_of("\r\n") == std::string_view::npos);
  }

  // An unknown key is a usage error, whatever the value.
  check(!fuzz::accepts({cpd::ErrorKind::usage},
                       [&] { cpd::validate_setting(std::string(key) + ".x", value); }));
  return 0;
}
