#include "identity.hpp"

#include <cpd/error.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
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

std::optional<Date>
today_from_environment()
{
  const char* value = std::getenv("CPD_TODAY");
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  const auto date = Date::parse(value);
  if (!date) {
    throw Error(ErrorKind::bad_input, "CPD_TODAY={} is not a date (YYYY-MM-DD)", value);
  }
  return date;
}

Context
make_context(std::string login, Actor actor, std::optional<Date> today)
{
  Context context{std::move(login), Date(1970, 1, 1), 0};
  context.actor = actor;
  const std::time_t now = std::time(nullptr);
  context.now = now;
  std::tm local{};
  localtime_r(&now, &local);
  context.utc_offset_minutes = static_cast<int>(local.tm_gmtoff / 60);
  if (today) {
    context.today = *today;
    // The recorded instants follow the chosen day, at the real time of day.
    context.now = today->days() * 86400 + now % 86400;
  } else {
    context.today = Date(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  }
  return context;
}

} // namespace cpd::cli
