#include <cpd/ledger/config.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>

#include <algorithm>

namespace cpd {

namespace {

bool
is_rule(std::string_view key)
{
  return std::find(rule_keys().begin(), rule_keys().end(), key) != rule_keys().end();
}

} // namespace

void
validate_setting(std::string_view key, std::string_view value)
{
  if (is_rule(key)) {
    Rules rules;
    set_rule(rules, key, value);
  } else {
    validate_setting_text(key, value);
  }
}

void
set_setting(Database& db,
            const Secretary& /*context*/,
            std::string_view key,
            std::string_view value)
{
  setting_info(key);
  Transaction transaction(db, Transaction::Kind::write);
  store_setting(db, key, value, validate_setting);
  if (is_rule(key)) {
    // Each rule alone was checked above; together they must make sense too.
    check_rules(current_rules(db));
  }
  transaction.commit();
}

std::string
read_setting(Database& db, const SecretaryOrSystem& /*context*/, std::string_view key)
{
  return shown_setting(db, key);
}

std::vector<std::pair<std::string, std::string>>
list_settings(Database& db, const SecretaryOrSystem& /*context*/)
{
  std::vector<std::pair<std::string, std::string>> result;
  result.reserve(known_settings().size());
  for (const auto& info : known_settings()) {
    result.emplace_back(info.key, shown_setting(db, info.key));
  }
  return result;
}

} // namespace cpd
