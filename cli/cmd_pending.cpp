#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace cpd::cli {

void
register_pending(CLI::App& app, Session& session)
{
  auto* command =
    app.add_subcommand("pending", "claims waiting for a decision, oldest first (secretary)");
  command->callback([&session] {
    const auto claims = pending_claims(session.db(), session.context());
    if (session.json()) {
      Json json;
      json.begin_array();
      for (const auto& claim : claims) {
        write_claim(json, claim);
      }
      json.end_array();
      print(json.str());
      return;
    }
    if (claims.empty()) {
      print("No claims are waiting for a decision.\n");
      return;
    }
    Table table({{"ID", Table::Align::right},
                 {"MEMBER"},
                 {"ACTIVITY"},
                 {"DATE"},
                 {"POINTS", Table::Align::right},
                 {"FILES", Table::Align::right},
                 {"NOTE"}});
    for (const auto& claim : claims) {
      table.add_row({std::to_string(claim.id),
                     claim.member,
                     claim.activity,
                     claim.date.to_string(),
                     claim.points.to_string(),
                     claim.attachments > 0 ? std::to_string(claim.attachments) : "",
                     claim.note.substr(0, claim.note.find('\n'))});
    }
    print(table.render());
    print(fmt::format("\n{} waiting. Decide with `cpd approve ID...` or "
                      "`cpd decline ID... --reason TEXT`.\n",
                      claims.size()));
  });
}

} // namespace cpd::cli
