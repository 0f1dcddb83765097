#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>
#include <cpd/claims/evidence.hpp>

#include <fmt/format.h>

namespace cpd::cli {

void
register_pending(Command& root)
{
  auto command = root.add("pending", "claims waiting for a decision, oldest first (secretary)");
  command.run([](Session& session) {
    const auto claims = pending_claims(session.db(), session.secretary());
    if (session.json()) {
      print(claims_json(claims));
      return;
    }
    if (claims.empty()) {
      print("No claims are waiting for a decision.\n");
      return;
    }
    print(claims_table(claims, FilesColumn::yes).render());
    std::string duplicates;
    for (const auto& claim : claims) {
      if (claim.duplicate_of && !claim.duplicate_of->empty()) {
        duplicates += fmt::format("Claim #{} has a file also attached to claim {}: see "
                                  "cpd attachment list {}.\n",
                                  claim.id,
                                  claim_refs(*claim.duplicate_of),
                                  claim.id);
      }
    }
    if (!duplicates.empty()) {
      print("\n" + duplicates);
    }
    print(fmt::format("\n{} claim{} waiting. Decide with `cpd approve ID...` or "
                      "`cpd decline ID... --reason TEXT`.\n",
                      claims.size(),
                      claims.size() == 1 ? "" : "s"));
  });
}

} // namespace cpd::cli
