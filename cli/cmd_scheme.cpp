#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

#include <set>

namespace cpd::cli {

namespace {

// "2017", "2017 to 2019", "2020 on".
std::string
years(const RulePeriod& period)
{
  if (!period.until) {
    return fmt::format("{} on", period.from);
  }
  return *period.until == period.from ? std::to_string(period.from)
                                      : fmt::format("{} to {}", period.from, *period.until);
}

// "formal 10, risk 5"; "none".
std::string
category_points(const std::map<std::string, Points>& points)
{
  std::string text;
  for (const auto& [category, amount] : points) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", category, points_phrase(amount));
  }
  return text.empty() ? "none" : text;
}

// The rules of a period, one line each, as people read them.
std::string
describe(const Rules& rules)
{
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<20}{}\n", label, value);
  };
  line("Cycle",
       rules.cycle_years == 1
         ? std::string("1 year")
         : fmt::format("{} years, rolling on a year at a time", rules.cycle_years));
  line("Required", fmt::format("{} per cycle", points_phrase(rules.quota)));
  if (rules.year_minimum > Points()) {
    line("Every year", fmt::format("at least {}", points_phrase(rules.year_minimum)));
  }
  line("Category minimums", category_points(rules.minimums));
  line("Category maximums", category_points(rules.maximums));
  std::string carry = rules.carry_cap > Points()
                        ? fmt::format("at most {}", points_phrase(rules.carry_cap))
                        : std::string("nothing");
  if (rules.carry_cap > Points() && !rules.carry_categories.empty()) {
    carry += fmt::format(", of {} only", rule_value(rules, "scheme.carry_categories"));
  }
  if (rules.carry_cap > Points() && !rules.carry_first_year) {
    carry += ", none out of a member's first year";
  }
  line("Carried", carry);
  line("Joiners",
       rules.prorata == ProRata::month  ? fmt::format("by whole months left, rounded {}",
                                                     rule_value(rules, "scheme.prorata_rounding"))
       : rules.prorata == ProRata::year ? std::string("owe nothing until the next 1 January")
                                        : std::string("owe their first year whole"));
  return out;
}

void
run(Session& session)
{
  auto& db = session.db();
  const auto periods = rules_by_year(db, session.member());
  const auto scheme = load_scheme(db);
  const auto zone = get_setting(db, "scheme.timezone");
  std::set<std::string> categories;
  for (const auto& activity : list_activities(db, IncludeRetired::no)) {
    categories.insert(activity.category);
  }
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("start", scheme.start)
      .field("grace_days", scheme.grace_days)
      .field("timezone", zone.empty() ? std::nullopt : std::optional(zone))
      .key("categories")
      .begin_array();
    for (const auto& category : categories) {
      json.value(category);
    }
    json.end_array().key("years").begin_array();
    for (const auto& period : periods) {
      json.begin_object()
        .field("from", period.from)
        .field("until", period.until)
        .field("closed", period.closed)
        .key("rules")
        .begin_object();
      for (const auto key : rule_keys()) {
        json.field(key, rule_value(period.rules, key));
      }
      json.end_object().end_object();
    }
    json.end_array().end_object();
    print(json.str());
    return;
  }
  std::string out = fmt::format("The scheme started on {}; claims of a year are taken until {} "
                                "after it.\nToday and deadlines are in {}.\nCategories of the "
                                "points table: ",
                                scheme.start.to_long_string(),
                                count_phrase(static_cast<std::size_t>(scheme.grace_days), "day"),
                                zone.empty() ? std::string("the host's time zone") : zone);
  std::string listed;
  for (const auto& category : categories) {
    listed += (listed.empty() ? "" : ", ") + category;
  }
  out += (listed.empty() ? "none" : listed) + ".\n";
  for (const auto& period : periods) {
    out += fmt::format("\n{} {}:\n", period.closed ? "Closed" : "Open", years(period));
    out += describe(period.rules);
  }
  print(out);
}

} // namespace

void
register_scheme(Command& root)
{
  auto scheme = root.add("scheme", "the scheme's rules (any member)");
  scheme.require_command();
  auto show = scheme.add("show", "the rules in force, year by year");
  show.run([](Session& session) { run(session); });
}

} // namespace cpd::cli
