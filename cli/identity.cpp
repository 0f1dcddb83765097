#include "identity.hpp"

#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

namespace cpd::cli {

std::optional<std::string>
login_of(unsigned uid)
{
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* result = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  return std::string(entry.pw_name);
}

std::optional<unsigned>
uid_of(const std::string& login)
{
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* result = nullptr;
  if (getpwnam_r(login.c_str(), &entry, buffer.data(), buffer.size(), &result) != 0
      || result == nullptr) {
    return std::nullopt;
  }
  return entry.pw_uid;
}

std::optional<std::int64_t>
parse_instant(std::string_view text)
{
  // YYYY-MM-DDTHH:MM[:SS] then Z or +HH:MM / -HH:MM.
  if (text.size() < 17 || text[10] != 'T' || text[13] != ':') {
    return std::nullopt;
  }
  const auto date = Date::parse(text.substr(0, 10));
  auto two = [&](std::size_t at) -> int {
    if (at + 2 > text.size() || text[at] < '0' || text[at] > '9' || text[at + 1] < '0'
        || text[at + 1] > '9') {
      return -1;
    }
    return (text[at] - '0') * 10 + (text[at + 1] - '0');
  };
  const int hour = two(11);
  const int minute = two(14);
  std::size_t at = 16;
  int second = 0;
  if (at < text.size() && text[at] == ':') {
    second = two(at + 1);
    at += 3;
  }
  if (!date || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
      || at >= text.size()) {
    return std::nullopt;
  }
  std::int64_t offset = 0;
  if (text.substr(at) != "Z") {
    const int hours = two(at + 1);
    const int minutes = two(at + 4);
    if (text.size() != at + 6 || (text[at] != '+' && text[at] != '-') || text[at + 3] != ':'
        || hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
      return std::nullopt;
    }
    offset = (text[at] == '-' ? -1 : 1) * (std::int64_t{hours} * 3600 + std::int64_t{minutes} * 60);
  }
  return date->days() * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second
         - offset;
}

ClockOverride
clock_from_environment()
{
  ClockOverride clock;
  if (const char* value = std::getenv("CPD_NOW"); value != nullptr && *value != '\0') {
    clock.now = parse_instant(value);
    if (!clock.now) {
      throw Error(ErrorKind::bad_input,
                  "CPD_NOW={} is not an instant (YYYY-MM-DDTHH:MM:SSZ, or an offset "
                  "like +14:00 for Z)",
                  value);
    }
  }
  if (const char* value = std::getenv("CPD_TODAY"); value != nullptr && *value != '\0') {
    clock.today = Date::parse(value);
    if (!clock.today) {
      throw Error(ErrorKind::bad_input, "CPD_TODAY={} is not a date (YYYY-MM-DD)", value);
    }
  }
  return clock;
}

std::shared_ptr<const TimeZone>
scheme_zone(Database& db)
{
  const auto name = get_setting(db, "scheme.timezone");
  if (name.empty()) {
    return nullptr;
  }
  // A server answers many requests: each zone is read once, and again only
  // when its file changes (a tzdata update).
  struct Loaded
  {
    std::filesystem::file_time_type written;
    std::shared_ptr<const TimeZone> zone;
  };
  static std::mutex mutex;
  static std::map<std::string, Loaded> loaded;
  std::error_code ec;
  const auto written =
    valid_zone_name(name)
      ? std::filesystem::last_write_time(std::filesystem::path(k_zoneinfo_directory) / name, ec)
      : std::filesystem::file_time_type();
  {
    const std::lock_guard lock(mutex);
    if (const auto found = loaded.find(name);
        !ec && found != loaded.end() && found->second.written == written) {
      return found->second.zone;
    }
  }
  try {
    auto zone = std::make_shared<const TimeZone>(load_time_zone(name));
    const std::lock_guard lock(mutex);
    loaded[name] = {written, zone};
    return zone;
  } catch (const Error& e) {
    throw Error(ErrorKind::config,
                "scheme.timezone: {}; is tzdata installed? A secretary can set another zone "
                "with cpd config set scheme.timezone ZONE",
                e.what());
  }
}

Context
make_context(std::string login, Actor actor, const ClockOverride& clock, const TimeZone* zone)
{
  Context context{std::move(login), Date(1970, 1, 1), 0};
  context.actor = actor;
  const std::int64_t now = clock.now.value_or(static_cast<std::int64_t>(std::time(nullptr)));
  context.now = now;
  if (zone != nullptr) {
    context.utc_offset_minutes = zone->offset_at(now) / 60;
    const auto today = zone->date_at(now);
    if (!today) {
      throw Error(ErrorKind::bad_input, "the clock is outside the years 1 to 9999");
    }
    context.today = *today;
    if (clock.today && !clock.now) {
      // The recorded instants follow the chosen day, at the real local time.
      const std::int64_t local = now + zone->offset_at(now);
      context.today = *clock.today;
      context.now = zone->instant_at(*clock.today, (local % 86400 + 86400) % 86400);
      context.utc_offset_minutes = zone->offset_at(context.now) / 60;
    }
    return context;
  }
  const auto t = static_cast<std::time_t>(now);
  std::tm local{};
  localtime_r(&t, &local);
  context.utc_offset_minutes = static_cast<int>(local.tm_gmtoff / 60);
  if (clock.today && !clock.now) {
    context.today = *clock.today;
    // The recorded instants follow the chosen day, at the real time of day.
    context.now = clock.today->days() * 86400 + now % 86400;
  } else {
    context.today = Date(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  }
  return context;
}

} // namespace cpd::cli
