#include "commands.hpp"
#include "output.hpp"

#include <cpd/remind.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct RemindOptions
{
  bool dry_run = false;
  bool below_quota = false;
};

void
run(const RemindOptions& options, Session& session)
{
  const auto reminded =
    remind(session.db(),
           session.context(),
           options.below_quota ? ReminderScope::below_quota : ReminderScope::no_claims,
           options.dry_run ? DryRun::yes : DryRun::no);
  if (session.json()) {
    Json json;
    json.begin_array();
    for (const auto& member : reminded) {
      json.begin_object()
        .field("member", member.member)
        .field("name", member.name)
        .field("email", member.email)
        .field("total", member.total)
        .field("remaining", member.remaining)
        .end_object();
    }
    json.end_array();
    print(json.str());
  } else if (options.dry_run) {
    Table table({{"MEMBER"}, {"NAME"}, {"EMAIL"}, {"TOTAL", Table::Align::right}});
    for (const auto& member : reminded) {
      table.add_row({member.member, member.name, member.email, member.total.to_string()});
    }
    print(reminded.empty() ? "Nobody is due a reminder.\n"
                           : table.render()
                               + fmt::format("\n{} member{} would be reminded.\n",
                                             reminded.size(),
                                             reminded.size() == 1 ? "" : "s"));
  } else {
    print(
      reminded.empty()
        ? std::string("Nobody is due a reminder.\n")
        : fmt::format("Reminded {} member{}.\n", reminded.size(), reminded.size() == 1 ? "" : "s"));
  }
  if (!options.dry_run && !reminded.empty()) {
    session.deliver();
  }
}

} // namespace

void
register_remind(Command& root)
{
  auto options = std::make_shared<RemindOptions>();
  auto command = root.add("remind", "remind members who have not claimed this year (secretary, cron)");
  command.flag("--dry-run", options->dry_run, "list who would be reminded; send nothing");
  command.flag(
    "--below-quota", options->below_quota, "remind everybody still short of the quota");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
