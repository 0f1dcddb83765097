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

// The rules the settings hold now (what an open year is judged by).
Rules current_rules(Database& db);

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

// A span of days a member owes no CPD for (a dispensation); open-ended
// when `until` is empty.
struct DaySpan
{
  Date from{2017, 1, 1};
  std::optional<Date> until;
};

// What one member's account holds, for judging a year.
struct Account
{
  std::optional<Date> joined;
  std::vector<DaySpan> dispensed; // dispensations in force, of whole years or part of one
  // year -> category -> points credited that year other than by a carry
  // ("" for adjustments without a category)
  std::map<int, std::map<std::string, Points>> earned;
  // year -> category -> carried into that year ("" counts towards the total only)
  std::map<int, std::map<std::string, Points>> carried;
};

// One requirement of a year and how the member stands against it.
struct Requirement
{
  enum class Kind { total, year, category } kind = Kind::total;
  std::string category; // for a category minimum
  Points required;      // pro-rated
  Points has;           // what counts towards it
  Points remaining;     // still needed, never below 0

  bool operator==(const Requirement&) const = default;
};

std::string_view to_string(Requirement::Kind kind);

// Where a member stands in a year under its rules.
struct Judgement
{
  int year = 0;
  int cycle_from = 0; // the first year of the cycle ending this year, or the scheme's
                      // first if later
  Points earned;      // this year, other than carries
  Points carried_in;  // into this year
  Points total;       // earned + carried_in
  Points cycle_total; // what counts over the cycle, maximums applied
  Points quota;       // the cycle's total requirement, pro-rated
  Points full_quota;  // before pro-rata
  std::vector<Requirement> requirements; // total, then the yearly minimum, then categories
  Points remaining;                      // the fewest points that would meet every requirement
  bool compliant = false;                // every requirement is met
  bool exempt = false;             // dispensations cover every month the member owes this year
  int months = 0;                  // months of the cycle the member owes CPD for
  int full_months = 0;             // months of the cycle
  bool joined_in_cycle = false;    // the cycle's requirement is pro-rated from joining
  bool dispensed_in_cycle = false; // ... or for a dispensation of part of it
  bool started_in_cycle = false;   // ... or the scheme started within it
};

// Judges `account` in `year` by `rules`. `start` is the scheme's first
// day: nothing before it is owed.
Judgement judge(const Account& account, const Rules& rules, int year, Date start);

// How a member stands in a year of one quota with nothing pro rata (as
// one_statement_year() allows): what judge() says of `earned` and
// `carried_in` under those rules.
Judgement judge_one_quota(int year, Points quota, Points earned, Points carried_in);

// What the member carries out of `year` into the next: category -> points
// ("" for a carry towards the total only), none when nothing carries; and
// the surplus it came from. Dispensations do not change a carry; a join
// date does (the surplus is over the pro-rated quota, and none carries out
// of the first year when the rules say so).
struct CarryOut
{
  Points surplus; // what counts in the year over its quota (may be 0 or below)
  std::map<std::string, Points> carried;

  Points total() const;
};
CarryOut carry_out(const Account& account, const Rules& rules, int year, Date start);

// Whether the carry under `rules` is the one rule min(cap, max(0, total −
// quota)) for every member who did not join in the year: one total a year,
// no maximums, the surplus of every category. Then one statement applies it
// to every member at once.
bool plain_carry(const Rules& rules);

// Whether some member joined on or after 1 January of `year` (their carry
// out of it may be pro rata).
bool joined_since(Database& db, int year);

// `value` × `months` / `full`, rounded as the rules say; exactly `value`
// when nothing is taken off.
Points prorate(Points value, int months, int full, Rounding rounding);

// Whether only the total falls short, as in a scheme of one quota a year.
bool short_of_total_only(const Judgement& judgement);

// What still meets every requirement: "2 more points", "2 more formal
// points", "5 more points, of which at least 2 formal"; without "more"
// when `more` is false.
std::string needs_phrase(const Judgement& judgement, bool more = true);

// What the year requires: "10 points", "20 points, of which at least 10
// formal", "120 points over 2015 to 2017 and at least 20 points a year",
// with " (pro rata from your joining on 15 October 2017)" when it was
// pro-rated. `adjective` goes before "points" ("10 CPD points").
enum class Reasons { say, omit }; // why it was pro-rated
std::string requirement_phrase(const Judgement& judgement,
                               std::optional<Date> joined,
                               std::string_view adjective = {},
                               Reasons reasons = Reasons::say);

// The rules beyond one quota a year, for a heading: "over 3 years, at
// least 20 points every year, at least 10 formal".
std::string rules_summary(const Rules& rules);

// "8 of 10 points"; for a cycle of several years, "95 of 120 points over
// 2015 to 2017".
std::string progress_phrase(const Judgement& judgement);

} // namespace cpd
