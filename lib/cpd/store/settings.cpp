#include <cpd/store/database.hpp>
#include <cpd/store/host_config.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/transport/message.hpp>
#include <cpd/transport/transport.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>
#include <cpd/util/timezone.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace cpd {

namespace {

constexpr std::array k_settings = {
  SettingInfo{"org.name", "", "the professional body, as named in mail"},
  SettingInfo{"scheme.cycle", "calendar", "a CPD year: 1 January to 31 December"},
  SettingInfo{"scheme.cycle_years",
              "1",
              "years the quota is due over, in a cycle that rolls on a year at a time"},
  SettingInfo{"scheme.quota", "10", "points required per cycle (per year in a 1-year cycle)"},
  SettingInfo{"scheme.year_minimum", "0", "points required every year, within a longer cycle too"},
  SettingInfo{
    "scheme.minimums", "none", "least points of a category per cycle, e.g. formal:10,risk:5"},
  SettingInfo{
    "scheme.maximums", "none", "most points of a category that count per cycle, e.g. reading:60"},
  SettingInfo{"scheme.carry_cap", "3", "points carried into the next year at most"},
  SettingInfo{"scheme.carry_categories",
              "all",
              "the categories whose surplus carries: all, or e.g. verifiable"},
  SettingInfo{"scheme.carry_first_year",
              "yes",
              "whether surplus carries out of the year a member joined: yes or no"},
  SettingInfo{"scheme.prorata",
              "month",
              "how a joiner's first year is reduced: month (by whole months), year (nothing "
              "owed until the next 1 January) or none; dispensations of part of a year count "
              "whole months unless none"},
  SettingInfo{"scheme.prorata_rounding",
              "whole-down",
              "how a pro-rated requirement is rounded: whole-down, whole-nearest, whole-up or "
              "tenth-down"},
  SettingInfo{"scheme.start", "2017-01-01", "the scheme's first day; nothing earlier counts"},
  SettingInfo{"scheme.grace_days",
              "31",
              "days after 31 December that claims for the year before are still taken"},
  SettingInfo{"scheme.timezone",
              "",
              "the time zone today, deadlines and year end are reckoned in, e.g. Europe/London "
              "(default: the host's)"},
  SettingInfo{"remind.every",
              "month",
              "a member is reminded of the quota at most once a calendar week, month, quarter "
              "or year"},
  SettingInfo{
    "remind.after_days", "60", "reminders start once this many days of the year have passed"},
  SettingInfo{
    "mail.url", "", "where mail goes: smtp://HOST[:PORT], smtps://HOST[:PORT] or maildir:PATH"},
  SettingInfo{"mail.from", "", "the address cpd's mail comes from"},
  SettingInfo{"mail.secretary", "", "the secretary's address (default: every secretary's own)"},
  SettingInfo{"mail.helo",
              "",
              "the name cpd greets the SMTP server with (default: this host's fully qualified "
              "name, else the mail.from domain)"},
  SettingInfo{"mail.starttls", "no", "'required' to refuse SMTP without STARTTLS"},
  SettingInfo{
    "mail.username", "", "SMTP login name, used only with a mail.url of the host configuration"},
  SettingInfo{"attach.max_file_bytes", "10485760", "largest attachment in bytes"},
  SettingInfo{"attach.max_claim_bytes", "26214400", "most bytes attached to one claim"},
  SettingInfo{"attach.max_year_bytes",
              "209715200",
              "most bytes of evidence a member attaches to the claims of one CPD year"},
  SettingInfo{"attach.purge_withdrawn_days",
              "30",
              "days after a claim is withdrawn that its evidence is purged (by cpd remind)"},
  SettingInfo{"claim.max_per_day", "100", "most claims a member makes in 24 hours"},
  SettingInfo{"mail.attach_max_bytes",
              "5242880",
              "most bytes of evidence sent with the secretary's mail of a claim (0: none)"},
  SettingInfo{"audit.percent", "5", "share of eligible members an audit draws, in percent"},
  SettingInfo{"audit.days", "60", "days a member drawn for an audit has to answer"},
  SettingInfo{"audit.remind_days",
              "21,7",
              "days before an audit's deadline a member who has not answered is reminded"},
  SettingInfo{
    "backup.dir", "", "the folder cpd backup and rollover keep copies of the database in"},
  SettingInfo{"backup.keep", "7", "copies of the database backup.dir keeps"},
};

const SettingInfo&
find_info(std::string_view key)
{
  for (const auto& info : k_settings) {
    if (info.key == key) {
      return info;
    }
  }
  if (key == "mail.templates" || key == "mail.ca_file" || key == "mail.password_file"
      || key == "mail.password") {
    throw Error(ErrorKind::usage,
                "{} is no longer a setting: the administrator sets {} in {} (see cpd.conf(5))",
                key,
                key == "mail.password" ? "the SMTP password in mail.password_file"
                                       : std::string(key),
                host_config_name());
  }
  if (key == "remind.interval_days") {
    throw Error(ErrorKind::usage,
                "remind.interval_days was replaced by remind.every (week, month, quarter or "
                "year) and remind.after_days; see cpd config list");
  }
  std::vector<std::string> keys;
  keys.reserve(k_settings.size());
  for (const auto& info : k_settings) {
    keys.emplace_back(info.key);
  }
  throw Error(
    ErrorKind::usage, "unknown setting '{}'{}; see cpd config list", key, did_you_mean(key, keys));
}

std::optional<std::int64_t>
parse_integer(std::string_view text)
{
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty() || text.front() == '-') {
    return std::nullopt;
  }
  return value;
}

// "21,7" -> {21, 7}; "none" -> {}; nothing for anything else.
std::optional<std::vector<int>>
parse_day_list(std::string_view text)
{
  std::vector<int> days;
  if (text == "none") {
    return days;
  }
  while (true) {
    const auto comma = text.find(',');
    const auto day = parse_integer(text.substr(0, comma));
    if (!day || *day < 1 || *day > 366) {
      return std::nullopt;
    }
    days.push_back(static_cast<int>(*day));
    if (comma == std::string_view::npos) {
      return days;
    }
    text.remove_prefix(comma + 1);
  }
}

std::optional<RemindEvery>
parse_remind_every(std::string_view text)
{
  for (const auto every :
       {RemindEvery::week, RemindEvery::month, RemindEvery::quarter, RemindEvery::year}) {
    if (text == to_string(every)) {
      return every;
    }
  }
  return std::nullopt;
}

} // namespace

std::string_view
to_string(RemindEvery every)
{
  switch (every) {
  case RemindEvery::week:
    return "week";
  case RemindEvery::month:
    return "month";
  case RemindEvery::quarter:
    return "quarter";
  case RemindEvery::year:
    return "year";
  }
  return "month";
}

void
validate_setting_text(std::string_view key, std::string_view value)
{
  find_info(key);
  auto bad = [&](std::string_view expected) {
    throw Error(
      ErrorKind::bad_input, "'{}' is not a valid value for {}: expected {}", value, key, expected);
  };
  if (key == "scheme.cycle") {
    if (value != "calendar") {
      bad("calendar");
    }
  } else if (key == "scheme.start") {
    const auto date = Date::parse(value);
    if (!date || date->month() != 1 || date->day() != 1) {
      bad("the first day of a year, YYYY-01-01");
    }
  } else if (key == "scheme.timezone") {
    load_time_zone(value);
  } else if (key == "remind.every") {
    if (!parse_remind_every(value)) {
      bad("week, month, quarter or year");
    }
  } else if (key == "remind.after_days") {
    // Never on 1 January, hours after the year's statement.
    const auto days = parse_integer(value);
    if (!days || *days < 1 || *days > 364) {
      bad("a number of days from 1 to 364");
    }
  } else if (key == "scheme.grace_days") {
    const auto days = parse_integer(value);
    if (!days || *days > 365) {
      bad("a number of days from 0 to 365");
    }
  } else if (key == "attach.purge_withdrawn_days") {
    const auto days = parse_integer(value);
    if (!days || *days > 3650) {
      bad("a number of days from 0 to 3650");
    }
  } else if (key == "claim.max_per_day") {
    const auto claims = parse_integer(value);
    if (!claims || *claims < 1 || *claims > 1000000) {
      bad("a number of claims from 1 to 1000000");
    }
  } else if (key.starts_with("attach.")) {
    const auto bytes = parse_integer(value);
    if (!bytes || *bytes < 1) {
      bad("a number of bytes");
    }
  } else if (key == "mail.attach_max_bytes") {
    const auto bytes = parse_integer(value);
    if (!bytes || *bytes < 0) {
      bad("a number of bytes (0 sends no files)");
    }
  } else if (key == "mail.url") {
    if (has_control_characters(value, AllowNewlines::no) || !valid_utf8(value)) {
      bad("one line of UTF-8 text");
    }
    try {
      mail::parse_mail_url(value);
    } catch (const Error& e) {
      throw Error(ErrorKind::bad_input, "{}", e.what());
    }
  } else if (key == "mail.helo") {
    if (!mail::is_host_name(value) || value.find('.') == std::string_view::npos) {
      bad("a fully qualified host name like mail.example.org");
    }
  } else if (key == "mail.from" || key == "mail.secretary") {
    try {
      mail::validate_address(value);
    } catch (const Error&) {
      bad("an email address");
    }
  } else if (key == "audit.percent") {
    const auto percent = Points::parse(value);
    if (!percent || *percent <= Points() || *percent > Points::from_tenths(1000)) {
      bad("a percentage above 0 and at most 100, with at most one decimal place");
    }
  } else if (key == "audit.days") {
    const auto days = parse_integer(value);
    if (!days || *days < 1 || *days > 366) {
      bad("a number of days from 1 to 366");
    }
  } else if (key == "audit.remind_days") {
    if (!parse_day_list(value)) {
      bad("days before the deadline, e.g. 21,7, or none");
    }
  } else if (key == "backup.dir") {
    if (!value.starts_with('/') || has_control_characters(value, AllowNewlines::no)
        || !valid_utf8(value)) {
      bad("an absolute path");
    }
  } else if (key == "backup.keep") {
    const auto copies = parse_integer(value);
    if (!copies || *copies < 1 || *copies > 1000) {
      bad("a number of copies from 1 to 1000");
    }
  } else if (key == "mail.starttls") {
    if (value != "no" && value != "required") {
      bad("no or required");
    }
  } else if (has_control_characters(value, AllowNewlines::no) || !valid_utf8(value)) {
    bad("one line of UTF-8 text");
  }
}

std::span<const SettingInfo>
known_settings()
{
  return k_settings;
}

const SettingInfo&
setting_info(std::string_view key)
{
  return find_info(key);
}

namespace {

// A setting the host configuration pins, if it does.
std::optional<std::string>
pinned(std::string_view key)
{
  if (key != "mail.url" && key != "mail.username") {
    return std::nullopt;
  }
  const auto host = host_config();
  if (key == "mail.url") {
    return host->mail_url;
  }
  if (key == "mail.username") {
    return host->mail_username;
  }
  return std::nullopt;
}

} // namespace

void
store_setting(Database& db, std::string_view key, std::string_view value, SettingCheck validate)
{
  find_info(key);
  if (pinned(key)) {
    throw Error(ErrorKind::permission,
                "{} is set by the administrator in {}; ask them to change it there",
                key,
                host_config_name());
  }
  if (value.empty()) {
    Statement(db, "DELETE FROM setting WHERE key = ?").bind(1, key).run();
  } else {
    validate(key, value);
    Statement(db,
              "INSERT INTO setting(key, value) VALUES (?1, ?2)"
              " ON CONFLICT(key) DO UPDATE SET value = ?2")
      .bind_all(key, value)
      .run();
  }
  db.settings_changed();
}

std::string
shown_setting(Database& db, std::string_view key)
{
  const auto& info = find_info(key);
  auto value = get_setting(db, key);
  if (info.secret == SettingInfo::Secret::yes && !value.empty()) {
    return "(set)";
  }
  if (pinned(key)) {
    return fmt::format("{} (set in {})", value, host_config_name());
  }
  return value;
}

Settings::Settings(Database& db)
{
  m_values.reserve(k_settings.size());
  for (const auto& info : k_settings) {
    m_values.emplace_back(info.default_value);
  }
  Statement query(db, "SELECT key, value FROM setting");
  while (query.step()) {
    const auto key = query.text(0);
    for (std::size_t i = 0; i < k_settings.size(); ++i) {
      if (k_settings[i].key == key) {
        m_values[i] = query.text(1);
        break;
      }
    }
  }
}

std::string
Settings::get(std::string_view key) const
{
  const auto& info = find_info(key);
  if (auto value = pinned(key)) {
    return *std::move(value);
  }
  return m_values[static_cast<std::size_t>(&info - k_settings.data())];
}

std::shared_ptr<const Settings>
current_settings(Database& db)
{
  auto& snapshot = db.settings_snapshot();
  if (!snapshot) {
    snapshot = std::make_shared<const Settings>(db);
  }
  return snapshot;
}

std::string
get_setting(Database& db, std::string_view key)
{
  return current_settings(db)->get(key);
}

Scheme
load_scheme(Database& db)
{
  return current_settings(db)->scheme();
}

AuditSettings
load_audit_settings(Database& db)
{
  return current_settings(db)->audit();
}

AttachmentLimits
load_attachment_limits(Database& db)
{
  return current_settings(db)->attachment_limits();
}

Scheme
Settings::scheme() const
{
  // Values were validated when stored; a damaged value is a configuration error.
  auto points = [&](std::string_view key) {
    const auto value = Points::parse(get(key));
    if (!value) {
      throw Error(ErrorKind::config, "the setting {} is not a number of points", key);
    }
    return *value;
  };
  const auto start = Date::parse(get("scheme.start"));
  const auto every = parse_remind_every(get("remind.every"));
  const auto after = parse_integer(get("remind.after_days"));
  const auto grace = parse_integer(get("scheme.grace_days"));
  if (!start || !every || !after || !grace) {
    throw Error(ErrorKind::config,
                "the settings scheme.start, scheme.grace_days, remind.every or "
                "remind.after_days are damaged; set them again with cpd config set");
  }
  return Scheme{points("scheme.quota"),
                points("scheme.carry_cap"),
                *start,
                *every,
                static_cast<int>(*after),
                static_cast<int>(*grace),
                get("org.name")};
}

AuditSettings
Settings::audit() const
{
  const auto percent = Points::parse(get("audit.percent"));
  const auto days = parse_integer(get("audit.days"));
  const auto remind_days = parse_day_list(get("audit.remind_days"));
  if (!percent || !days || !remind_days) {
    throw Error(ErrorKind::config,
                "the settings audit.percent, audit.days or audit.remind_days are damaged;"
                " set them again with cpd config set");
  }
  return AuditSettings{percent->tenths(), static_cast<int>(*days), *remind_days};
}

AttachmentLimits
Settings::attachment_limits() const
{
  auto bytes = [&](std::string_view key) {
    const auto value = parse_integer(get(key));
    if (!value) {
      throw Error(ErrorKind::config, "the setting {} is not a number of bytes", key);
    }
    return static_cast<std::uint64_t>(*value);
  };
  return AttachmentLimits{bytes("attach.max_file_bytes"),
                          bytes("attach.max_claim_bytes"),
                          bytes("mail.attach_max_bytes")};
}

} // namespace cpd
