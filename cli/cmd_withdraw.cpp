#include "commands.hpp"
#include "delivery.hpp"
#include "output.hpp"

#include <cpd/claims.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace cpd::cli {

void
register_withdraw(CLI::App& app, Session& session)
{
  auto id = std::make_shared<std::string>();
  auto* command = app.add_subcommand("withdraw", "withdraw your own pending claim");
  command->add_option("id", *id, "the claim's number")->required();
  command->callback([id, &session] {
    const auto claim = withdraw_claim(session.db(), session.context(), parse_ids({*id}).front());
    if (session.json()) {
      Json json;
      write_claim(json, claim);
      print(json.str());
    } else {
      print(fmt::format("Claim #{} withdrawn.\n", claim.id));
    }
    deliver_now(session);
  });
}

} // namespace cpd::cli
