#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>

namespace cpd::cli {

namespace {

struct RevokeOptions
{
  std::string id;
  std::string reason;
};

} // namespace

void
register_revoke(Command& root)
{
  auto options = std::make_shared<RevokeOptions>();
  auto command =
    root.add("revoke", "revoke an approved claim with a reason; the ledger keeps both (secretary)");
  command.option("id", options->id, "the claim's number").required();
  command.option("--reason", options->reason, "why, told to the member")
    .type_name("TEXT")
    .required();
  command.run([options](Session& session) {
    const auto claim = revoke_claim(
      session.db(), session.secretary(), parse_ids({options->id}).front(), options->reason);
    print_decisions(session, {claim}, "revoked");
    session.deliver();
  });
}

} // namespace cpd::cli
