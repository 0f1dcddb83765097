#include "bulk.hpp"

#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd::cli {

void
add_bulk_options(Command& command, BulkSelection& selection)
{
  command.option("ids", selection.ids, "the claims' numbers (or use a filter)");
  command.flag("--all-pending", selection.all_pending, "every pending claim (others' only)");
  command.option("--activity", selection.activity, "pending claims of this activity")
    .type_name("CODE");
  command.option("--member", selection.member, "pending claims of this member").type_name("LOGIN");
  command.option("--before", selection.before, "pending claims of activities before this day")
    .type_name("YYYY-MM-DD");
  command.flag("--yes,-y", selection.yes, "decide the filtered claims without asking");
  command.flag("--include-flagged",
               selection.include_flagged,
               "with a filter, also decide flagged claims (a file of another claim, the same "
               "activity claimed twice that day)");
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
  filter.flagged =
    selection.include_flagged ? ClaimFilter::Flagged::include : ClaimFilter::Flagged::leave_out;
  filter.activity = selection.activity;
  filter.member = selection.member;
  if (selection.before) {
    filter.before = parse_activity_date(*selection.before);
  }
  const auto found = find_pending(session.db(), session.secretary(), filter);
  const auto note_own = [&] {
    if (found.own_left_out > 0) {
      note(fmt::format("{} claim{} of your own left out; another secretary must decide {}",
                       found.own_left_out,
                       found.own_left_out == 1 ? "" : "s",
                       found.own_left_out == 1 ? "it" : "them"));
    }
    for (const auto& claim : found.flagged_left_out) {
      note(fmt::format("claim #{} left out ({}); decide it by its id after a look, or add "
                       "--include-flagged",
                       claim.id,
                       claim_flags(claim)));
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
  if (const auto& confirmed = session.confirmed()) {
    // Only what the user saw and confirmed, and still matches.
    std::erase_if(ids, [&](std::int64_t id) {
      return std::find(confirmed->begin(), confirmed->end(), id) == confirmed->end();
    });
    return ids;
  }
  if (!session.terminal().in_tty) {
    throw Error(ErrorKind::usage,
                "{} match; add --yes to {} them without a terminal to confirm on",
                what,
                verb);
  }
  note_own();
  const auto table = claims_table(found.claims, FilesColumn::no);
  // The list is shown on standard error, where the question is asked.
  const auto& shown = session.terminal();
  session.confirm(fmt::format("{}{} these {}? [y/N] ",
                              table.render(shown.err_columns, shown.err_colour),
                              verb == "approve" ? "Approve" : "Decline",
                              what),
                  ids);
  return {};
}

} // namespace cpd::cli
