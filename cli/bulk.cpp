#include "bulk.hpp"

#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims.hpp>
#include <cpd/error.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace cpd::cli {

void
add_bulk_options(CLI::App& command, BulkSelection& selection)
{
  command.add_option("ids", selection.ids, "the claims' numbers (or use a filter)");
  command.add_flag("--all-pending", selection.all_pending, "every pending claim (others' only)");
  command.add_option("--activity", selection.activity, "pending claims of this activity")
    ->type_name("CODE");
  command.add_option("--member", selection.member, "pending claims of this member")
    ->type_name("LOGIN");
  command.add_option("--before", selection.before, "pending claims of activities before this day")
    ->type_name("YYYY-MM-DD");
  command.add_flag("--yes,-y", selection.yes, "decide the filtered claims without asking");
}

std::vector<std::int64_t>
select_claims(Session& session, const BulkSelection& selection, std::string_view verb)
{
  const bool filtered =
    selection.all_pending || selection.activity || selection.member || selection.before;
  if (!filtered) {
    if (selection.ids.empty()) {
      throw Error(ErrorKind::usage,
                  "name the claims to {} (ids) or a filter: --all-pending, --activity CODE, "
                  "--member LOGIN, --before DATE",
                  verb);
    }
    return parse_ids(selection.ids);
  }
  if (!selection.ids.empty()) {
    throw Error(ErrorKind::usage, "give claim ids or a filter, not both");
  }
  ClaimFilter filter;
  filter.activity = selection.activity;
  filter.member = selection.member;
  if (selection.before) {
    filter.before = Date::parse(*selection.before);
    if (!filter.before) {
      throw Error(ErrorKind::bad_input,
                  "'{}' is not a date: write it as YYYY-MM-DD, e.g. 2017-03-14",
                  *selection.before);
    }
  }
  const auto found = find_pending(session.db(), session.context(), filter);
  const auto note_own = [&] {
    if (found.own_left_out > 0) {
      std::fflush(stdout);
      fmt::print(stderr,
                 "cpd: note: {} claim{} of your own left out; another secretary must decide "
                 "{}\n",
                 found.own_left_out,
                 found.own_left_out == 1 ? "" : "s",
                 found.own_left_out == 1 ? "it" : "them");
    }
  };
  if (found.claims.empty()) {
    note_own();
    print(session.json() ? "[]\n" : "No pending claims match.\n");
    return {};
  }
  const auto count = found.claims.size();
  const auto what = fmt::format("{} claim{}", count, count == 1 ? "" : "s");
  std::vector<std::int64_t> ids;
  for (const auto& claim : found.claims) {
    ids.push_back(claim.id);
  }
  if (selection.yes) {
    note_own();
    return ids;
  }
  if (isatty(STDIN_FILENO) == 0) {
    throw Error(ErrorKind::usage,
                "{} match; add --yes to {} them without a terminal to confirm on",
                what,
                verb);
  }
  note_own();
  Table table({{"ID", Table::Align::right},
               {"MEMBER"},
               {"ACTIVITY"},
               {"DATE"},
               {"POINTS", Table::Align::right}});
  for (const auto& claim : found.claims) {
    table.add_row({std::to_string(claim.id),
                   claim.member,
                   claim.activity,
                   claim.date.to_string(),
                   claim.points.to_string()});
  }
  std::fflush(stdout);
  fmt::print(stderr,
             "{}{} these {}? [y/N] ",
             table.render(),
             verb == "approve" ? "Approve" : "Decline",
             what);
  std::fflush(stderr);
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes" && answer != "Yes") {
    fmt::print(stderr, "Nothing was changed.\n");
    return {};
  }
  return ids;
}

} // namespace cpd::cli
