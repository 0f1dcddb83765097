#include "bulk.hpp"
#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>

namespace cpd::cli {

namespace {

struct DeclineOptions
{
  BulkSelection selection;
  std::string reason;
};

} // namespace

void
register_decline(Command& root)
{
  auto options = std::make_shared<DeclineOptions>();
  auto command = root.add("decline", "decline pending claims with a reason (secretary)");
  add_bulk_options(command, options->selection);
  command.option("--reason", options->reason, "why, told to the member")
    .type_name("TEXT")
    .required();
  command.run([options](Session& session) {
    const auto ids = select_claims(session, options->selection, "decline");
    if (ids.empty()) {
      return;
    }
    const auto claims = decline_claims(session.db(), session.secretary(), ids, options->reason);
    print_decisions(session, claims, "declined");
    session.deliver();
  });
}

} // namespace cpd::cli
