#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

// What an activity's points are counted per.
enum class Unit { claim, hour, day, item };

std::string_view to_string(Unit unit);
std::optional<Unit> parse_unit(std::string_view text);

// The option a member gives a quantity of this unit with: "--hours",
// "--days", "--items" ("" for a claim).
std::string_view quantity_option(Unit unit);

// "1 hour", "1.5 hours", "2 days", "1 item".
std::string quantity_phrase(Quantity quantity, Unit unit);

// "0.5 points an hour", "5 points a day", "1 point an item", "5 points a claim".
std::string rate_phrase(Points rate, Unit unit);

// The category of an activity that names none: a scheme with one category.
inline constexpr std::string_view k_default_category = "general";

// Whether `category` can name a category: a-z, 0-9 and '-', at most 40,
// like "formal" or "area-of-practice".
bool valid_category(std::string_view category);

// One line of the points table.
struct Activity
{
  std::int64_t id = 0;
  std::string code; // typed by members: `cpd claim iims-training-day`
  std::string title;
  Points points; // per claim, or per unit
  Unit unit = Unit::claim;
  std::optional<Points> max_points; // cap per claim for per-unit activities
  bool evidence_required = false;
  bool retired = false;
  std::string category = std::string(k_default_category); // what the scheme's minimums count
};

enum class IncludeRetired { no, yes };

// The points table, by code.
std::vector<Activity> list_activities(Database& db, IncludeRetired include_retired);

// The activity with this code, retired or not.
std::optional<Activity> find_activity(Database& db, std::string_view code);

// The activity with this code; an unknown code is refused with the closest
// known code suggested.
Activity require_activity(Database& db, std::string_view code);

// Checks an activity's fields; throws bad_input naming the field.
void validate_activity(const Activity& activity);

// Adds an activity or changes an existing one (a secretary's act). Claims
// keep the points they were submitted with.
Activity save_activity(Database& db, const Secretary& context, const Activity& activity);

// Stops new claims for an activity; existing claims stay.
Activity retire_activity(Database& db, const Secretary& context, std::string_view code);

// Loads a points table in CSV (code,title,points,unit,max_points,evidence
// and optionally category), inside the caller's transaction. Returns how
// many activities it loaded.
std::size_t load_points_table(Database& db, std::string_view csv, std::string_view source);

} // namespace cpd
