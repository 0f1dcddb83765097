#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/rows.hpp>
#include <cpd/util/csv.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/names.hpp>
#include <cpd/util/text.hpp>

#include <algorithm>
#include <array>

namespace cpd {

namespace {

constexpr Names<Unit, 4> k_unit_names{
  {{Unit::claim, "claim"}, {Unit::hour, "hour"}, {Unit::day, "day"}, {Unit::item, "item"}}};

constexpr std::string_view k_activity_columns =
  "id, code, title, points, unit, max_points, evidence_required, retired, category";

Activity
read_activity(const Statement& row)
{
  Activity activity;
  activity.id = row.integer(0);
  activity.code = row.text(1);
  activity.title = row.text(2);
  activity.points = Points::from_tenths(row.integer(3));
  const auto unit = parse_unit(row.text(4));
  if (!unit) {
    throw Error(ErrorKind::internal,
                "activity '{}' has the unit {} in the database, which cpd never writes; run "
                "cpd check",
                activity.code,
                json_string(row.text(4)));
  }
  activity.unit = *unit;
  if (const auto max = row.optional_integer(5)) {
    activity.max_points = Points::from_tenths(*max);
  }
  activity.evidence_required = row.integer(6) != 0;
  activity.retired = row.integer(7) != 0;
  activity.category = row.text(8);
  return activity;
}

bool
valid_code(std::string_view code)
{
  return !code.empty() && code.size() <= 40 && code.front() != '-'
         && std::all_of(code.begin(), code.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            });
}

void
write_activity(Database& db, const Activity& activity)
{
  Statement(db,
            "INSERT INTO activity(code, title, points, unit, max_points, evidence_required,"
            " category) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            " ON CONFLICT(code) DO UPDATE SET title = ?2, points = ?3, unit = ?4,"
            " max_points = ?5, evidence_required = ?6, category = ?7, retired = 0")
    .bind_all(activity.code,
              activity.title,
              activity.points.tenths(),
              to_string(activity.unit),
              activity.max_points ? std::optional(activity.max_points->tenths()) : std::nullopt,
              activity.evidence_required ? 1 : 0,
              activity.category)
    .run();
}

} // namespace

bool
valid_category(std::string_view category)
{
  return valid_code(category);
}

std::string_view
to_string(Unit unit)
{
  return name_of(k_unit_names, unit);
}

std::optional<Unit>
parse_unit(std::string_view text)
{
  return value_named(k_unit_names, text);
}

std::string_view
quantity_option(Unit unit)
{
  switch (unit) {
  case Unit::claim:
    return "";
  case Unit::hour:
    return "--hours";
  case Unit::day:
    return "--days";
  case Unit::item:
    return "--items";
  }
  return "";
}

std::string
quantity_phrase(Quantity quantity, Unit unit)
{
  return fmt::format(
    "{} {}{}", quantity.to_string(), to_string(unit), quantity.hundredths() == 100 ? "" : "s");
}

std::string
rate_phrase(Points rate, Unit unit)
{
  return fmt::format("{} {} {}",
                     points_phrase(rate),
                     unit == Unit::hour || unit == Unit::item ? "an" : "a",
                     to_string(unit));
}

std::vector<Activity>
list_activities(Database& db, IncludeRetired include_retired)
{
  Statement query(db,
                  fmt::format("SELECT {} FROM activity WHERE retired = 0 OR ?"
                              " ORDER BY code",
                              k_activity_columns));
  query.bind(1, include_retired == IncludeRetired::yes ? 1 : 0);
  std::vector<Activity> activities;
  while (query.step()) {
    activities.push_back(read_activity(query));
  }
  return activities;
}

std::optional<Activity>
find_activity(Database& db, std::string_view code)
{
  Statement query(db, fmt::format("SELECT {} FROM activity WHERE code = ?", k_activity_columns));
  query.bind(1, code);
  return first_row(query, read_activity);
}

Activity
require_activity(Database& db, std::string_view code)
{
  if (auto activity = find_activity(db, code)) {
    return *activity;
  }
  std::vector<std::string> codes;
  for (const auto& activity : list_activities(db, IncludeRetired::no)) {
    codes.push_back(activity.code);
  }
  throw Error(ErrorKind::refused,
              "unknown activity '{}'{}; see cpd activities",
              code,
              did_you_mean(code, codes));
}

void
validate_activity(const Activity& activity)
{
  if (!valid_code(activity.code)) {
    throw Error(ErrorKind::bad_input,
                "'{}' is not a valid activity code: use a-z, 0-9 and '-' (at most 40)",
                activity.code);
  }
  if (activity.title.empty() || activity.title.size() > 200 || !valid_utf8(activity.title)
      || has_control_characters(activity.title, AllowNewlines::no)) {
    throw Error(ErrorKind::bad_input,
                "the title of '{}' must be one line of text (at most 200 bytes)",
                activity.code);
  }
  if (!valid_category(activity.category)) {
    throw Error(ErrorKind::bad_input,
                "'{}' is not a valid category for '{}': use a-z, 0-9 and '-' (at most 40)",
                activity.category,
                activity.code);
  }
  if (activity.points <= Points()) {
    throw Error(ErrorKind::bad_input, "the points of '{}' must be above 0", activity.code);
  }
  if (activity.max_points) {
    if (activity.unit == Unit::claim) {
      throw Error(ErrorKind::bad_input,
                  "'{}' is scored per claim, so it cannot have a maximum per claim",
                  activity.code);
    }
    if (*activity.max_points < activity.points) {
      throw Error(ErrorKind::bad_input,
                  "the maximum of '{}' is below its points per {}",
                  activity.code,
                  to_string(activity.unit));
    }
  }
}

Activity
save_activity(Database& db, const Secretary& /*context*/, const Activity& activity)
{
  validate_activity(activity);
  Transaction transaction(db, Transaction::Kind::write);
  write_activity(db, activity);
  transaction.commit();
  return *find_activity(db, activity.code);
}

Activity
retire_activity(Database& db, const Secretary& /*context*/, std::string_view code)
{
  Transaction transaction(db, Transaction::Kind::write);
  auto activity = require_activity(db, code);
  if (activity.retired) {
    throw Error(ErrorKind::refused, "activity '{}' is already retired", code);
  }
  Statement(db, "UPDATE activity SET retired = 1 WHERE id = ?").bind(1, activity.id).run();
  transaction.commit();
  activity.retired = true;
  return activity;
}

std::size_t
load_points_table(Database& db, std::string_view csv, std::string_view source)
{
  CsvReader reader(csv, std::string(source));
  CsvTable table(
    reader, {"code", "title", "points", "unit", "max_points", "evidence"}, {"category"});
  std::size_t count = 0;
  while (const auto row = table.next()) {
    auto field_error = [&](std::string_view field) {
      const auto name = field.substr(0, field.find(' '));
      return Error(ErrorKind::bad_input, "{}: bad {} '{}'", row->where(), field, (*row)[name]);
    };
    Activity activity;
    activity.code = (*row)["code"];
    activity.title = (*row)["title"];
    const auto points = Points::parse((*row)["points"]);
    const auto unit = parse_unit((*row)["unit"]);
    if (!points) {
      throw field_error("points");
    }
    if (!unit) {
      throw field_error("unit (claim, hour, day or item)");
    }
    activity.points = *points;
    activity.unit = *unit;
    if (!(*row)["max_points"].empty()) {
      activity.max_points = Points::parse((*row)["max_points"]);
      if (!activity.max_points) {
        throw field_error("max_points");
      }
    }
    const auto evidence = (*row)["evidence"];
    if (evidence != "yes" && evidence != "no") {
      throw field_error("evidence (yes or no)");
    }
    activity.evidence_required = evidence == "yes";
    if (const auto category = (*row)["category"]; !category.empty()) {
      activity.category = category;
    }
    validate_activity(activity);
    write_activity(db, activity);
    ++count;
  }
  return count;
}

} // namespace cpd
