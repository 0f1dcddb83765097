#pragma once

#include <cpd/util/actor.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpd {

class Database;

// A secretary's view of the settings (store/settings.hpp holds them): the
// rules of the year are checked as rules here, above the store.

// Refuses a value the setting cannot hold (bad_input), or an unknown key.
void validate_setting(std::string_view key, std::string_view value);

// Validates and stores a setting; only a secretary may. An empty value resets
// it to the default. The rules, changed, must still make sense together.
void
set_setting(Database& db, const Secretary& context, std::string_view key, std::string_view value);

// For a secretary or the system (root reads them too; only a secretary
// changes them): one setting's value, a secret shown as "(set)".
std::string read_setting(Database& db, const SecretaryOrSystem& context, std::string_view key);

// For a secretary or the system: every setting with its current value,
// secrets as "(set)".
std::vector<std::pair<std::string, std::string>> list_settings(Database& db,
                                                               const SecretaryOrSystem& context);

} // namespace cpd
