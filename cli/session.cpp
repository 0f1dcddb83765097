#include "session.hpp"

#include "paths.hpp"
#include "privileges.hpp"

#include <cpd/error.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <vector>

namespace cpd::cli {

namespace {

// An environment variable the user may set, or nothing when privileged.
std::optional<std::string>
user_setting(const char* name)
{
  if (privileged()) {
    return std::nullopt;
  }
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

std::string
os_login()
{
  const uid_t uid = getuid();
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* result = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &result) != 0 || result == nullptr) {
    throw Error(ErrorKind::unknown_member, "user id {} has no login name", uid);
  }
  return entry.pw_name;
}

Context
make_context()
{
  Context context{"", Date(1970, 1, 1), 0};
  context.login = user_setting("CPD_USER").value_or("");
  if (context.login.empty()) {
    context.login = os_login();
  }
  const std::time_t now = std::time(nullptr);
  context.now = now;
  std::tm local{};
  localtime_r(&now, &local);
  context.utc_offset_minutes = static_cast<int>(local.tm_gmtoff / 60);
  if (const auto today = user_setting("CPD_TODAY")) {
    const auto date = Date::parse(*today);
    if (!date) {
      throw Error(ErrorKind::bad_input, "CPD_TODAY={} is not a date (YYYY-MM-DD)", *today);
    }
    context.today = *date;
    // The recorded instants follow the chosen day, at the real time of day.
    context.now = date->days() * 86400 + now % 86400;
  } else {
    context.today = Date(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  }
  return context;
}

} // namespace

Session::Session(const GlobalOptions& options)
  : m_options(options)
{}

std::string
Session::db_path() const
{
  if (!m_options.db.empty()) {
    if (privileged()) {
      throw Error(ErrorKind::permission,
                  "--db cannot be used with an installed cpd; it always uses {}",
                  default_database_path());
    }
    return m_options.db;
  }
  return user_setting("CPD_DB").value_or(default_database_path());
}

Database&
Session::db()
{
  if (!m_db) {
    m_db.emplace(Database::open(db_path(), Database::Mode::open_existing));
  }
  return *m_db;
}

Database&
Session::create_db()
{
  if (!m_db) {
    m_db.emplace(Database::open(db_path(), Database::Mode::create));
  }
  return *m_db;
}

const Context&
Session::context()
{
  if (!m_context) {
    m_context = make_context();
  }
  return *m_context;
}

} // namespace cpd::cli
