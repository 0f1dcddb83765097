#include "commands.hpp"
#include "delivery.hpp"
#include "output.hpp"

#include <cpd/claims.hpp>

#include <CLI/CLI.hpp>

namespace cpd::cli {

namespace {

struct RevokeOptions
{
  std::string id;
  std::string reason;
};

} // namespace

void
register_revoke(CLI::App& app, Session& session)
{
  auto options = std::make_shared<RevokeOptions>();
  auto* command = app.add_subcommand(
    "revoke", "revoke an approved claim with a reason; the ledger keeps both (secretary)");
  command->add_option("id", options->id, "the claim's number")->required();
  command->add_option("--reason", options->reason, "why, told to the member")
    ->type_name("TEXT")
    ->required();
  command->callback([options, &session] {
    const auto claim = revoke_claim(
      session.db(), session.context(), parse_ids({options->id}).front(), options->reason);
    print_decisions(session, {claim}, "revoked");
    deliver_now(session);
  });
}

} // namespace cpd::cli
