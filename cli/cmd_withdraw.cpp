#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>

#include <fmt/format.h>

namespace cpd::cli {

void
register_withdraw(Command& root)
{
  auto id = std::make_shared<std::string>();
  auto command = root.add("withdraw", "withdraw your own pending claim");
  command.option("id", *id, "the claim's number").required();
  command.run([id](Session& session) {
    const auto claim = withdraw_claim(session.db(), session.member(), parse_ids({*id}).front());
    if (session.json()) {
      Json json;
      write_claim(json, claim);
      print(json.str());
    } else {
      print(fmt::format("Claim #{} withdrawn.\n", claim.id));
    }
    session.deliver();
  });
}

} // namespace cpd::cli
