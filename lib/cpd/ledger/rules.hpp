#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;
class Settings;

// How a requirement is reduced for the part of a cycle a member owes none
// of: before they joined, or under a dispensation of part of a year.
enum class ProRata {
  month, // by whole months: a month counts when the member owed CPD all of it
  year,  // nothing is owed in the year of joining; dispensations by whole months
  none,  // by whole years only: the year of joining is owed whole
};

// How a pro-rated requirement is rounded.
enum class Rounding { whole_down, whole_nearest, whole_up, tenth_down };

// The scheme's rules for one CPD year. The defaults are IIMS's.
struct Rules
{
  int cycle_years = 1;                     // the quota is due over this many years, rolling
  Points quota = Points::from_tenths(100); // per cycle
  Points year_minimum;                     // due every year as well (0: none)
  std::map<std::string, Points> minimums;  // category -> least points per cycle
  std::map<std::string, Points> maximums;  // category -> most points that count per cycle
  Points carry_cap = Points::from_tenths(30);
  std::vector<std::string> carry_categories; // whose surplus carries, in order; empty: all
  bool carry_first_year = true;              // surplus carries out of the year a member joined
  ProRata prorata = ProRata::month;
  Rounding rounding = Rounding::whole_down;

  bool operator==(const Rules&) const = default;
};

// The settings that are rules of the year, in the order they are recorded.
const std::vector<std::string_view>& rule_keys();

// The rules the settings hold now (what an open year is judged by): of
// the command's settings (current_settings), or of a snapshot of them.
Rules current_rules(Database& db);
Rules current_rules(const Settings& settings);

// The rules of `year`: those recorded when it was closed, else the
// settings.
Rules rules_of_year(Database& db, int year);

// Years that share the same rules: closed ones with those recorded at
// their close, then the open years with the settings.
struct RulePeriod
{
  int from = 0;
  std::optional<int> until; // none: every year from `from` on
  bool closed = false;
  Rules rules;
};

// The rules in force, year by year, from the scheme's start; for any
// member.
std::vector<RulePeriod> rules_by_year(Database& db, const MemberActor& context);

// The text of a rule as a setting holds it ("formal:10,risk:5"), and back.
std::string rule_value(const Rules& rules, std::string_view key);

// Sets one rule from its setting's text; refuses a value the setting
// cannot hold (bad_input).
void set_rule(Rules& rules, std::string_view key, std::string_view value);

// The rules as recorded with a closed year: "scheme.KEY=VALUE" a line, in
// rule_keys() order; and back (bad_input for text cpd did not write).
std::string encode_rules(const Rules& rules);
Rules decode_rules(std::string_view text);

// Refuses rules that contradict each other (refused), e.g. a carry into
// the next year with a cycle of several years, where surplus counts in
// every year of the cycle already.
void check_rules(const Rules& rules);

} // namespace cpd
