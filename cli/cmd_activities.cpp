#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/activities.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd::cli {

namespace {

void
run(bool all, Session& session)
{
  const auto activities =
    list_activities(session.db(), all ? IncludeRetired::yes : IncludeRetired::no);
  if (session.json()) {
    print(json_array(activities, write_activity));
    return;
  }
  // A category column once the table has more than one category.
  const bool categories = std::any_of(activities.begin(), activities.end(), [&](const Activity& a) {
    return a.category != activities.front().category;
  });
  std::vector<Table::Column> columns{
    {"CODE"}, {"POINTS", Table::Align::right}, {"PER"}, {"MAX", Table::Align::right}, {"EVIDENCE"}};
  if (categories) {
    columns.push_back({"CATEGORY"});
  }
  columns.push_back({"TITLE"});
  Table table(std::move(columns));
  for (const auto& activity : activities) {
    std::vector<std::string> row{activity.code,
                                 activity.points.to_string(),
                                 std::string(to_string(activity.unit)),
                                 activity.max_points ? activity.max_points->to_string() : "",
                                 activity.evidence_required ? "required" : ""};
    if (categories) {
      row.push_back(activity.category);
    }
    row.push_back(activity.retired ? activity.title + " (retired)" : activity.title);
    table.add_row(std::move(row));
  }
  print(table.render());
}

} // namespace

void
register_activities(Command& root)
{
  auto all = std::make_shared<bool>(false);
  auto command = root.add("activities", "the points table: what can be claimed");
  command.flag("--all", *all, "include retired activities");
  command.run([all](Session& session) { run(*all, session); });
}

} // namespace cpd::cli
