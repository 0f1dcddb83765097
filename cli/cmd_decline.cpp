#include "bulk.hpp"
#include "commands.hpp"
#include "delivery.hpp"
#include "output.hpp"

#include <cpd/claims.hpp>

#include <CLI/CLI.hpp>

namespace cpd::cli {

namespace {

struct DeclineOptions
{
  BulkSelection selection;
  std::string reason;
};

} // namespace

void
register_decline(CLI::App& app, Session& session)
{
  auto options = std::make_shared<DeclineOptions>();
  auto* command = app.add_subcommand("decline", "decline pending claims with a reason (secretary)");
  add_bulk_options(*command, options->selection);
  command->add_option("--reason", options->reason, "why, told to the member")
    ->type_name("TEXT")
    ->required();
  command->callback([options, &session] {
    const auto ids = select_claims(session, options->selection, "decline");
    if (ids.empty()) {
      return;
    }
    const auto claims = decline_claims(session.db(), session.context(), ids, options->reason);
    print_decisions(session, claims, "declined");
    deliver_now(session);
  });
}

} // namespace cpd::cli
