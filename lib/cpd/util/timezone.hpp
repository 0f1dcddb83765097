#pragma once

#include <cpd/util/date.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

// A time zone's offsets from UTC over time, read from the system's zone
// files (TZif, RFC 8536) with the POSIX TZ rule of their footer for the
// instants after the last transition they list. It holds its own data: no
// process-wide state (TZ, localtime_r) is read or changed, so threads may
// use different zones at once.
class TimeZone
{
public:
  // A zone from the bytes of a TZif file, versions 1 to 4. Malformed or
  // truncated data is refused (bad_input).
  static TimeZone from_tzif(std::string_view bytes, std::string name);

  // A zone from a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3", "<+14>-14");
  // nothing when the text is not one.
  static std::optional<TimeZone> from_posix(std::string_view rule);

  // Coordinated Universal Time.
  static TimeZone utc();

  // Seconds east of UTC at the instant (seconds since 1970-01-01 UTC).
  std::int32_t offset_at(std::int64_t instant) const;

  // The civil date at the instant; nothing outside years 1 to 9999.
  std::optional<Date> date_at(std::int64_t instant) const;

  // The instant at `seconds` after midnight (local) on `date`; at a
  // transition, the offset in force just before it is taken.
  std::int64_t instant_at(Date date, std::int64_t seconds) const;

  // "Europe/London", or the rule it was made from.
  const std::string&
  name() const
  {
    return m_name;
  }

  // One rule of the footer: a day of the year and a time of day.
  struct Transition
  {
    enum class Kind { julian_no_leap, zero_based, month_week_day } kind = Kind::month_week_day;
    int day = 0;              // Jn: 1..365; n: 0..365; Mm.w.d: the weekday, 0 (Sunday) to 6
    int month = 0;            // Mm.w.d only
    int week = 0;             // Mm.w.d only: 1..5, 5 meaning the last
    std::int64_t time = 7200; // local seconds after midnight, -167 h to +167 h
  };

  // The footer's rule: standard time, and daylight time between `start`
  // and `end` when there is one.
  struct Rule
  {
    std::int32_t standard = 0; // seconds east of UTC
    std::optional<std::int32_t> daylight;
    Transition start;
    Transition end;
  };

private:
  TimeZone() = default;

  std::string m_name;
  std::vector<std::int64_t> m_transitions;  // instants, strictly ascending
  std::vector<std::uint8_t> m_type_indices; // the type in force from each transition
  std::vector<std::int32_t> m_offsets;      // each type's offset east of UTC
  std::optional<Rule> m_rule;               // after the last transition
};

// Where Debian keeps the zone files (package tzdata).
inline constexpr const char* k_zoneinfo_directory = "/usr/share/zoneinfo";

// Whether `name` can name a zone file: "Europe/London", "UTC",
// "Etc/GMT+5" — letters, digits, '_', '-', '+' and '/' between parts, no
// part that starts with a dot, at most 255 bytes.
bool valid_zone_name(std::string_view name);

// The zone `name` from the files under `directory`. A name that is not a
// zone there (a typing error, a path, tzdata missing) is refused with
// bad_input, saying so in one line.
TimeZone load_time_zone(std::string_view name,
                        const std::filesystem::path& directory = k_zoneinfo_directory);

} // namespace cpd
