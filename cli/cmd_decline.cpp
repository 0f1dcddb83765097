#include "commands.hpp"
#include "delivery.hpp"
#include "output.hpp"

#include <cpd/claims.hpp>

#include <CLI/CLI.hpp>

namespace cpd::cli {

namespace {

struct DeclineOptions
{
  std::vector<std::string> ids;
  std::string reason;
};

} // namespace

void
register_decline(CLI::App& app, Session& session)
{
  auto options = std::make_shared<DeclineOptions>();
  auto* command =
    app.add_subcommand("decline", "decline pending claims with a reason (secretary)");
  command->add_option("ids", options->ids, "the claims' numbers")->required();
  command->add_option("--reason", options->reason, "why, told to the member")
    ->type_name("TEXT")
    ->required();
  command->callback([options, &session] {
    const auto claims = decline_claims(
      session.db(), session.context(), parse_ids(options->ids), options->reason);
    print_decisions(session, claims, "declined");
    deliver_now(session);
  });
}

} // namespace cpd::cli
