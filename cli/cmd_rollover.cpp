#include "commands.hpp"
#include "output.hpp"

#include <cpd/backup.hpp>
#include <cpd/text.hpp>
#include <cpd/yearend.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

Points
carried(const YearClose& close)
{
  Points sum;
  for (const auto& carry : close.carries) {
    sum += carry.carried;
  }
  return sum;
}

// What rollover did, for people or as JSON.
std::string
render(const std::vector<YearClose>& closes,
       bool dry_run,
       bool as_json,
       int this_year,
       const std::optional<BackupResult>& backup)
{
  if (as_json) {
    Json json;
    json.begin_object()
      .field("dry_run", dry_run)
      .field("backup", backup ? std::optional(backup->path.string()) : std::nullopt)
      .key("years")
      .begin_array();
    for (const auto& close : closes) {
      json.begin_object()
        .field("year", close.year)
        .field("quota", close.quota)
        .field("carry_cap", close.carry_cap)
        .field("members", close.members)
        .field("compliant", close.compliant)
        .field("short", close.short_of_quota)
        .field("exempt", close.exempt)
        .field("carried", carried(close))
        .key("carries")
        .begin_array();
      for (const auto& carry : close.carries) {
        json.begin_object()
          .field("member", carry.member)
          .field("total", carry.total)
          .field("carried", carry.carried)
          .end_object();
      }
      json.end_array().end_object();
    }
    json.end_array().end_object();
    return json.str();
  }
  if (closes.empty()) {
    return fmt::format("Nothing to close: every CPD year before {} is closed.\n", this_year);
  }
  std::string out;
  for (const auto& close : closes) {
    out += fmt::format("{} {}: {}, {} compliant, {} short, {} exempt; {} carried "
                       "into {} by {}.\n",
                       dry_run ? "Would close" : "Closed",
                       close.year,
                       count_phrase(static_cast<std::size_t>(close.members), "member"),
                       close.compliant,
                       close.short_of_quota,
                       close.exempt,
                       points_phrase(carried(close)),
                       close.year + 1,
                       count_phrase(close.carries.size(), "member"));
    if (dry_run && !close.carries.empty()) {
      Table table({{"MEMBER"}, {"TOTAL", Table::Align::right}, {"CARRIED", Table::Align::right}});
      for (const auto& carry : close.carries) {
        table.add_row({carry.member, carry.total.to_string(), carry.carried.to_string()});
      }
      out += table.render();
    }
  }
  return out;
}

void
run(bool dry_run, Session& session)
{
  const auto& context = session.context();
  std::optional<BackupResult> backup;
  const auto closes = rollover(session.db(), context, dry_run ? DryRun::yes : DryRun::no, &backup);
  if (backup && !session.json()) {
    print(fmt::format("Backed up the database to {} first.\n", backup->path.string()));
  }
  print(render(closes, dry_run, session.json(), context.today.year(), backup));
  if (!dry_run && !closes.empty()) {
    session.deliver();
  }
}

} // namespace

void
register_rollover(Command& root)
{
  auto dry_run = std::make_shared<bool>(false);
  auto command = root.add(
    "rollover", "close every finished CPD year: carry surplus points forward (secretary, cron)");
  command.flag("--dry-run", *dry_run, "show what would be carried; change nothing");
  command.run([dry_run](Session& session) { run(*dry_run, session); });
}

} // namespace cpd::cli
