#include "bulk.hpp"
#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>

#include <fmt/format.h>

namespace cpd::cli {

void
print_decisions(Session& session, const std::vector<Claim>& claims, std::string_view verb)
{
  if (session.json()) {
    print(claims_json(claims));
    return;
  }
  for (const auto& claim : claims) {
    const auto quantity = claim_quantity(claim);
    print(fmt::format("Claim #{} {}: {} for {} ({}), {}{} on {}.\n",
                      claim.id,
                      verb,
                      points_phrase(claim.points),
                      claim.member_name,
                      claim.member,
                      quantity.empty() ? "" : quantity + " of ",
                      claim.activity_title,
                      claim.date.to_string()));
  }
}

namespace {

struct ApproveOptions
{
  BulkSelection selection;
  std::string note;
};

} // namespace

void
register_approve(Command& root)
{
  auto options = std::make_shared<ApproveOptions>();
  auto command = root.add("approve", "approve pending claims (secretary)");
  add_bulk_options(command, options->selection);
  command.option("--note", options->note, "a note kept with the decision").type_name("TEXT");
  command.run([options](Session& session) {
    const auto ids = select_claims(session, options->selection, "approve");
    if (ids.empty()) {
      return;
    }
    const auto claims = approve_claims(session.db(), session.secretary(), ids, options->note);
    print_decisions(session, claims, "approved");
    session.deliver();
  });
}

} // namespace cpd::cli
