#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/activities.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ActivityOptions
{
  std::string code;
  std::optional<std::string> title;
  std::optional<std::string> points;
  std::optional<std::string> per;
  std::optional<std::string> max;
  std::optional<std::string> evidence;
  std::optional<std::string> category;
};

enum class Change { add, update };

void
run_save(const ActivityOptions& options, Change change, Session& session)
{
  auto& db = session.db();
  const auto existing = find_activity(db, options.code);
  if (change == Change::add && existing) {
    throw Error(ErrorKind::refused,
                "activity '{}' exists already; change it with cpd activity set",
                options.code);
  }
  Activity activity;
  if (change == Change::update) {
    activity = require_activity(db, options.code);
  }
  activity.code = options.code;
  if (options.title) {
    activity.title = *options.title;
  }
  if (options.points) {
    const auto points = Points::parse(*options.points);
    if (!points) {
      throw Error(ErrorKind::bad_input,
                  "'{}' is not a number of points (at most one decimal place)",
                  *options.points);
    }
    activity.points = *points;
  }
  if (options.per) {
    const auto unit = parse_unit(*options.per);
    if (!unit) {
      throw Error(ErrorKind::usage, "--per takes claim, hour, day or item");
    }
    activity.unit = *unit;
  }
  if (options.max) {
    if (options.max->empty() || *options.max == "none") {
      activity.max_points.reset();
    } else if (const auto max = Points::parse(*options.max)) {
      activity.max_points = max;
    } else {
      throw Error(ErrorKind::bad_input, "'{}' is not a number of points", *options.max);
    }
  }
  if (options.evidence) {
    if (*options.evidence != "yes" && *options.evidence != "no") {
      throw Error(ErrorKind::usage, "--evidence takes yes or no");
    }
    activity.evidence_required = *options.evidence == "yes";
  }
  if (options.category) {
    activity.category = *options.category;
  }
  const auto saved = save_activity(db, session.secretary(), activity);
  if (session.json()) {
    Json json;
    write_activity(json, saved);
    print(json.str());
    return;
  }
  print(fmt::format("{} '{}': {} per {}{}.\n",
                    change == Change::add ? "Added" : "Changed",
                    saved.code,
                    points_phrase(saved.points),
                    to_string(saved.unit),
                    saved.evidence_required ? ", evidence required" : ""));
}

} // namespace

void
register_activity(Command& root)
{
  auto activity = root.add("activity", "add, change and retire activities (secretary)");
  activity.require_command();

  auto add_options = [](Command& command, ActivityOptions& options, bool required) {
    command.option("code", options.code, "the activity's code, e.g. iims-webinar").required();
    auto title = command.option("--title", options.title, "what people see");
    auto points = command.option("--points", options.points, "points per claim or per unit");
    if (required) {
      title.required();
      points.required();
    }
    command.option("--per", options.per, "claim (default), hour, day or item");
    command.option("--max", options.max, "most points one claim can give ('none': no cap)");
    command.option("--evidence", options.evidence, "yes if a claim needs an attachment");
    command.option("--category",
                   options.category,
                   "the category it counts in, for the scheme's minimums (default: general)");
  };

  auto adding = std::make_shared<ActivityOptions>();
  auto add = activity.add("add", "add an activity to the points table");
  add_options(add, *adding, true);
  add.run([adding](Session& session) { run_save(*adding, Change::add, session); });

  auto changing = std::make_shared<ActivityOptions>();
  auto set = activity.add("set", "change an activity; claims keep the points they were made with");
  add_options(set, *changing, false);
  set.run([changing](Session& session) { run_save(*changing, Change::update, session); });

  auto code = std::make_shared<std::string>();
  auto retire = activity.add("retire", "stop new claims for an activity");
  retire.option("code", *code, "the activity's code").required();
  retire.run([code](Session& session) {
    const auto retired = retire_activity(session.db(), session.secretary(), *code);
    if (session.json()) {
      Json json;
      write_activity(json, retired);
      print(json.str());
      return;
    }
    print(fmt::format("Retired '{}'; claims already made are kept.\n", retired.code));
  });
}

} // namespace cpd::cli
