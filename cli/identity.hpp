#pragma once

#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/timezone.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cpd {
class Database;
}

// Who is acting and when, from the operating system: the only place besides
// the server's socket that asks.
namespace cpd::cli {

// The login of a user id in the password database.
std::optional<std::string> login_of(unsigned uid);

// The user id of a login in the password database.
std::optional<unsigned> uid_of(const std::string& login);

// What a test or a single-user setup puts in place of the clock: CPD_NOW,
// an instant, or CPD_TODAY, a date in the scheme's time zone. With both,
// the instant wins.
struct ClockOverride
{
  std::optional<std::int64_t> now;
  std::optional<Date> today;
};

// CPD_NOW and CPD_TODAY from this process's environment; a value that is
// not an instant or a date is refused (bad_input).
ClockOverride clock_from_environment();

// "2017-12-31T23:50:00+14:00", "2017-12-31T09:50Z" as seconds since 1970;
// nothing for anything else.
std::optional<std::int64_t> parse_instant(std::string_view text);

// The scheme's time zone set in scheme.timezone, loaded from the system's
// zone files (kept while its file is unchanged); nothing when the setting
// is empty (the host's zone). A zone that no longer loads is a
// configuration error naming the setting.
std::shared_ptr<const TimeZone> scheme_zone(Database& db);

// The context of an act by `login` now: the instant (or the override), and
// today's date and the offset for mail in `zone` (the host's when null).
Context make_context(std::string login,
                     Actor actor,
                     const ClockOverride& clock,
                     const TimeZone* zone = nullptr);

} // namespace cpd::cli
