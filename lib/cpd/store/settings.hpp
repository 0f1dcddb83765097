#pragma once

#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpd {

class Database;

// A setting cpd knows, with the value it has until a secretary changes it.
struct SettingInfo
{
  std::string_view key;
  std::string_view default_value;
  std::string_view description;
  enum class Secret { no, yes } secret = Secret::no; // never printed
};

// Every setting, in the order `cpd config list` shows them.
std::span<const SettingInfo> known_settings();

// The setting `key` names; refuses (usage) a key that is none, naming the
// nearest one.
const SettingInfo& setting_info(std::string_view key);

// Refuses a value the setting cannot hold (bad_input), or an unknown key.
// The rules of the year (rule_keys() in ledger/rules.hpp) are checked only
// as one line of text here: ledger/config.hpp's validate_setting checks
// them as rules.
void validate_setting_text(std::string_view key, std::string_view value);

// Stores a setting, or resets it to its default when `value` is empty:
// refuses an unknown key (usage), a setting the host configuration pins
// (permission), then a value `validate` refuses. The caller is authorised
// and in a write transaction.
using SettingCheck = void (*)(std::string_view key, std::string_view value);
void
store_setting(Database& db, std::string_view key, std::string_view value, SettingCheck validate);

// A setting's value as a secretary is shown it: a secret as "(set)", a
// value the host configuration pins with where it is set.
std::string shown_setting(Database& db, std::string_view key);

// The calendar period a member is reminded of the quota at most once in.
enum class RemindEvery { week, month, quarter, year };

std::string_view to_string(RemindEvery every);

// The scheme's rules as currently set.
struct Scheme
{
  Points quota;
  Points carry_cap;
  Date start;
  RemindEvery remind_every = RemindEvery::month;
  int remind_after_days = 60; // reminders start once this many days of the year have passed
  int grace_days = 31;        // claims for the year before are taken this long after it
  std::string organisation;
};

// current_settings(db)->scheme()
Scheme load_scheme(Database& db);

// How audits are drawn and followed up.
struct AuditSettings
{
  std::int64_t percent_tenths;  // share of the eligible members drawn, in tenths of a percent
  int days;                     // from the draw to the deadline
  std::vector<int> remind_days; // reminders this many days before the deadline
};

// current_settings(db)->audit()
AuditSettings load_audit_settings(Database& db);

// Attachment limits in bytes.
struct AttachmentLimits
{
  std::uint64_t per_file;
  std::uint64_t per_claim;
  std::uint64_t per_mail; // evidence sent with the secretary's mail of a claim
};

// current_settings(db)->attachment_limits()
AttachmentLimits load_attachment_limits(Database& db);

// Every setting's value at one moment, read in one statement. A command
// reads it once, the first time it needs a setting, and every operation
// it runs reads that one (current_settings, kept with the connection:
// Database::settings_snapshot) until the command changes a setting
// (store_setting, or Database::settings_changed after any other write to
// the table) or such a change is rolled back: the connection drops it
// then, and the next read takes a fresh one. Nothing reads a value older
// than the table.
class Settings
{
public:
  // Reads every setting.
  explicit Settings(Database& db);

  // The value of a setting (its default when unset; the host
  // configuration's when it pins it). Unknown key: usage error.
  std::string get(std::string_view key) const;

  // The typed views: a damaged value is a configuration error.
  Scheme scheme() const;
  AuditSettings audit() const;
  AttachmentLimits attachment_limits() const;

private:
  std::vector<std::string> m_values; // in known_settings() order
};

// The settings the command using `db` reads: read on first use, then the
// same until the setting table changes.
std::shared_ptr<const Settings> current_settings(Database& db);

// One setting of current_settings(): its value (its default when unset).
// Unknown key: usage error.
std::string get_setting(Database& db, std::string_view key);

} // namespace cpd
