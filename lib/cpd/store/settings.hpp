#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
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

// The value of a setting (its default when unset). Unknown key: usage error.
std::string get_setting(Database& db, std::string_view key);

// Refuses a value the setting cannot hold (bad_input), or an unknown key.
void validate_setting(std::string_view key, std::string_view value);

// Validates and stores a setting; only a secretary may. An empty value resets
// it to the default.
void
set_setting(Database& db, const Secretary& context, std::string_view key, std::string_view value);

// For a secretary: one setting's value, a secret shown as "(set)".
std::string read_setting(Database& db, const Secretary& context, std::string_view key);

// For a secretary: every setting with its current value, secrets as "(set)".
std::vector<std::pair<std::string, std::string>> list_settings(Database& db,
                                                               const Secretary& context);

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

Scheme load_scheme(Database& db);

// How audits are drawn and followed up.
struct AuditSettings
{
  std::int64_t percent_tenths;  // share of the eligible members drawn, in tenths of a percent
  int days;                     // from the draw to the deadline
  std::vector<int> remind_days; // reminders this many days before the deadline
};

AuditSettings load_audit_settings(Database& db);

// Attachment limits in bytes.
struct AttachmentLimits
{
  std::uint64_t per_file;
  std::uint64_t per_claim;
  std::uint64_t per_mail; // evidence sent with the secretary's mail of a claim
};

AttachmentLimits load_attachment_limits(Database& db);

} // namespace cpd
