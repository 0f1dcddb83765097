#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/attendance.hpp>
#include <cpd/claims/imports.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

#include <sstream>

namespace cpd::cli {

namespace {

struct AttendanceOptions
{
  std::string file;
  std::string activity;
  std::string date;
  QuantityOptions quantity;
  std::string note;
  bool dry_run = false;
};

void
run_attendance(const AttendanceOptions& options, Session& session)
{
  AttendanceRequest request;
  request.activity = options.activity;
  request.date = parse_activity_date(options.date);
  const auto given = parse_quantity(options.quantity);
  request.quantity = given.quantity;
  request.unit = given.unit;
  request.note = options.note;
  request.dry_run = options.dry_run ? DryRun::yes : DryRun::no;
  std::istringstream in(session.input(options.file));
  request.attendees = read_attendance(in, base_name(options.file).value_or(options.file));
  const auto result = record_attendance(session.db(), session.secretary(), request);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("activity", options.activity)
      .field("date", request.date)
      .field("dry_run", options.dry_run)
      .key("approved")
      .begin_array();
    for (const auto& claim : result.approved) {
      write_claim(json, claim);
    }
    json.end_array().key("skipped").begin_array();
    for (const auto& skipped : result.skipped) {
      json.begin_object()
        .field("login", skipped.login)
        .field("where", skipped.where)
        .field("reason", skipped.why)
        .end_object();
    }
    json.end_array().end_object();
    print(json.str());
  } else {
    std::string out;
    if (result.approved.empty()) {
      out +=
        options.dry_run ? "Dry run: no claim would be approved.\n" : "No claim was approved.\n";
    } else {
      const auto& first = result.approved.front();
      out += fmt::format("{}{} claim{} of {} on {} {}approved, {} each:\n",
                         options.dry_run ? "Dry run: " : "",
                         result.approved.size(),
                         result.approved.size() == 1 ? "" : "s",
                         first.activity_title,
                         first.date.to_string(),
                         options.dry_run ? "would be " : "",
                         points_phrase(first.points));
      for (const auto& claim : result.approved) {
        out += fmt::format("  #{} {} ({})\n", claim.id, claim.member_name, claim.member);
      }
    }
    if (!result.skipped.empty()) {
      out += fmt::format("Skipped {}:\n", result.skipped.size());
      for (const auto& skipped : result.skipped) {
        out += fmt::format("  {}: {}: {}\n", skipped.where, skipped.login, skipped.why);
      }
    }
    print(out);
  }
  if (!options.dry_run) {
    session.deliver();
  }
}

} // namespace

void
register_import(Command& root)
{
  auto import = root.add("import", "record lists in bulk (secretary)");
  import.require_command();

  auto options = std::make_shared<AttendanceOptions>();
  auto attendance = import.add(
    "attendance", "approve one claim per member on an attendance list (CSV with a login column)");
  attendance.option("file", options->file, "the attendance list, CSV with a header row").required();
  attendance.option("--activity", options->activity, "the activity's code")
    .type_name("CODE")
    .required();
  attendance.option("--date", options->date, "the day it took place")
    .type_name("YYYY-MM-DD")
    .required();
  add_quantity_options(attendance, options->quantity);
  attendance.option("--note", options->note, "kept with each claim").type_name("TEXT");
  attendance.flag("--dry-run", options->dry_run, "report what would happen; change nothing");
  attendance.run([options](Session& session) { run_attendance(*options, session); },
                 [options] { return std::vector{options->file}; });
}

} // namespace cpd::cli
