// The scheme's rules: the settings that are rules of a year, as recorded
// when it closes. How a member stands under them is in standing.cpp.

#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/ascii.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/names.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace cpd {

namespace {

// The most years a rolling cycle spans.
constexpr int k_max_cycle_years = 10;

[[noreturn]] void
bad_value(std::string_view key, std::string_view value, std::string_view expected)
{
  throw Error(
    ErrorKind::bad_input, "'{}' is not a valid value for {}: expected {}", value, key, expected);
}

Points
parse_points(std::string_view key, std::string_view value)
{
  const auto points = Points::parse(value);
  if (!points) {
    bad_value(key, value, "points, a number with at most one decimal place");
  }
  return *points;
}

// "formal:10, risk:5" -> {formal: 10, risk: 5}; "" and "none" -> {}.
std::map<std::string, Points>
parse_category_points(std::string_view key, std::string_view value)
{
  std::map<std::string, Points> result;
  if (value.empty() || value == "none") {
    return result;
  }
  const auto* const expected = "categories with their points, e.g. formal:10,risk:5 (or none)";
  std::string_view rest = value;
  while (true) {
    const auto comma = rest.find(',');
    const auto item = ascii::trim(rest.substr(0, comma));
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) {
      bad_value(key, value, expected);
    }
    const auto category = ascii::trim(item.substr(0, colon));
    const auto points = Points::parse(ascii::trim(item.substr(colon + 1)));
    if (!valid_category(category) || !points || *points <= Points()
        || !result.emplace(std::string(category), *points).second) {
      bad_value(key, value, expected);
    }
    if (comma == std::string_view::npos) {
      return result;
    }
    rest.remove_prefix(comma + 1);
  }
}

std::string
format_category_points(const std::map<std::string, Points>& points)
{
  std::string text;
  for (const auto& [category, amount] : points) {
    text += fmt::format("{}{}:{}", text.empty() ? "" : ",", category, amount.to_string());
  }
  return text.empty() ? "none" : text;
}

constexpr Names<ProRata, 3> k_prorata_names{
  {{ProRata::month, "month"}, {ProRata::year, "year"}, {ProRata::none, "none"}}};

constexpr Names<Rounding, 4> k_rounding_names{{{Rounding::whole_down, "whole-down"},
                                               {Rounding::whole_nearest, "whole-nearest"},
                                               {Rounding::whole_up, "whole-up"},
                                               {Rounding::tenth_down, "tenth-down"}}};

} // namespace

const std::vector<std::string_view>&
rule_keys()
{
  static const std::vector<std::string_view> keys = {"scheme.cycle_years",
                                                     "scheme.quota",
                                                     "scheme.year_minimum",
                                                     "scheme.minimums",
                                                     "scheme.maximums",
                                                     "scheme.carry_cap",
                                                     "scheme.carry_categories",
                                                     "scheme.carry_first_year",
                                                     "scheme.prorata",
                                                     "scheme.prorata_rounding"};
  return keys;
}

void
set_rule(Rules& rules, std::string_view key, std::string_view value)
{
  if (key == "scheme.cycle_years") {
    int years = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, years);
    if (ec != std::errc() || ptr != end || value.empty() || years < 1
        || years > k_max_cycle_years) {
      bad_value(key, value, fmt::format("a number of years from 1 to {}", k_max_cycle_years));
    }
    rules.cycle_years = years;
  } else if (key == "scheme.quota") {
    rules.quota = parse_points(key, value);
  } else if (key == "scheme.year_minimum") {
    rules.year_minimum = parse_points(key, value);
  } else if (key == "scheme.minimums") {
    rules.minimums = parse_category_points(key, value);
  } else if (key == "scheme.maximums") {
    rules.maximums = parse_category_points(key, value);
  } else if (key == "scheme.carry_cap") {
    rules.carry_cap = parse_points(key, value);
  } else if (key == "scheme.carry_categories") {
    rules.carry_categories.clear();
    if (value != "all") {
      std::string_view rest = value;
      while (true) {
        const auto comma = rest.find(',');
        const auto category = ascii::trim(rest.substr(0, comma));
        if (!valid_category(category)
            || std::find(rules.carry_categories.begin(), rules.carry_categories.end(), category)
                 != rules.carry_categories.end()) {
          bad_value(key, value, "all, or categories like verifiable or formal,informal");
        }
        rules.carry_categories.emplace_back(category);
        if (comma == std::string_view::npos) {
          break;
        }
        rest.remove_prefix(comma + 1);
      }
    }
  } else if (key == "scheme.carry_first_year") {
    if (value != "yes" && value != "no") {
      bad_value(key, value, "yes or no");
    }
    rules.carry_first_year = value == "yes";
  } else if (key == "scheme.prorata") {
    const auto prorata = value_named(k_prorata_names, value);
    if (!prorata) {
      bad_value(key, value, "month, year or none");
    }
    rules.prorata = *prorata;
  } else if (key == "scheme.prorata_rounding") {
    const auto rounding = value_named(k_rounding_names, value);
    if (!rounding) {
      bad_value(key, value, "whole-down, whole-nearest, whole-up or tenth-down");
    }
    rules.rounding = *rounding;
  } else {
    throw Error(ErrorKind::internal, "{} is not a rule of the scheme", key);
  }
}

std::string
rule_value(const Rules& rules, std::string_view key)
{
  if (key == "scheme.cycle_years") {
    return std::to_string(rules.cycle_years);
  }
  if (key == "scheme.quota") {
    return rules.quota.to_string();
  }
  if (key == "scheme.year_minimum") {
    return rules.year_minimum.to_string();
  }
  if (key == "scheme.minimums") {
    return format_category_points(rules.minimums);
  }
  if (key == "scheme.maximums") {
    return format_category_points(rules.maximums);
  }
  if (key == "scheme.carry_cap") {
    return rules.carry_cap.to_string();
  }
  if (key == "scheme.carry_categories") {
    std::string text;
    for (const auto& category : rules.carry_categories) {
      text += (text.empty() ? "" : ",") + category;
    }
    return text.empty() ? "all" : text;
  }
  if (key == "scheme.carry_first_year") {
    return rules.carry_first_year ? "yes" : "no";
  }
  if (key == "scheme.prorata") {
    return std::string(name_of(k_prorata_names, rules.prorata));
  }
  if (key == "scheme.prorata_rounding") {
    return std::string(name_of(k_rounding_names, rules.rounding));
  }
  throw Error(ErrorKind::internal, "{} is not a rule of the scheme", key);
}

std::string
encode_rules(const Rules& rules)
{
  std::string text;
  for (const auto key : rule_keys()) {
    text += fmt::format("{}={}\n", key, rule_value(rules, key));
  }
  return text;
}

Rules
decode_rules(std::string_view text)
{
  Rules rules;
  std::set<std::string_view> seen;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    const auto equals = line.find('=');
    const auto key = line.substr(0, equals);
    if (equals == std::string_view::npos
        || std::find(rule_keys().begin(), rule_keys().end(), key) == rule_keys().end()
        || !seen.insert(key).second) {
      throw Error(ErrorKind::bad_input, "recorded rules cpd did not write: '{}'", line);
    }
    set_rule(rules, key, line.substr(equals + 1));
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end + 1);
  }
  return rules;
}

void
check_rules(const Rules& rules)
{
  if (rules.cycle_years > 1 && rules.carry_cap > Points()) {
    throw Error(ErrorKind::refused,
                "with a cycle of {} years every year's surplus counts throughout the cycle "
                "already, so nothing can be carried: set scheme.carry_cap to 0 first",
                rules.cycle_years);
  }
}

Rules
current_rules(Database& db)
{
  return current_rules(*current_settings(db));
}

Rules
current_rules(const Settings& settings)
{
  Rules rules;
  for (const auto key : rule_keys()) {
    try {
      set_rule(rules, key, settings.get(key));
    } catch (const Error&) {
      throw Error(
        ErrorKind::config, "the setting {} is damaged; set it again with cpd config set", key);
    }
  }
  return rules;
}

Rules
rules_of_year(Database& db, int year)
{
  Statement closed(db, "SELECT rules FROM year_close WHERE year = ?");
  closed.bind(1, year);
  if (!closed.step()) {
    return current_rules(db);
  }
  // Every closed year has its rules (migration 14 wrote those of the years
  // closed before they were recorded).
  const auto text = closed.optional_text(0);
  closed.reset();
  try {
    if (!text) {
      throw Error(ErrorKind::bad_input, "none recorded");
    }
    return decode_rules(*text);
  } catch (const Error& e) {
    throw Error(ErrorKind::internal,
                "the rules {} was closed under are damaged ({}); run cpd check",
                year,
                e.what());
  }
}

std::vector<RulePeriod>
rules_by_year(Database& db, const MemberActor& /*context*/)
{
  Transaction transaction(db, Transaction::Kind::read);
  std::vector<RulePeriod> periods;
  int next = load_scheme(db).start.year();
  Statement closed(db, "SELECT year FROM year_close ORDER BY year");
  while (closed.step()) {
    const int year = static_cast<int>(closed.integer(0));
    auto rules = rules_of_year(db, year);
    if (!periods.empty() && periods.back().closed && *periods.back().until + 1 == year
        && periods.back().rules == rules) {
      periods.back().until = year;
    } else {
      periods.push_back({year, year, true, std::move(rules)});
    }
    next = std::max(next, year + 1);
  }
  periods.push_back({next, std::nullopt, false, current_rules(db)});
  return periods;
}

} // namespace cpd
