#include "commands.hpp"
#include "delivery.hpp"
#include "output.hpp"
#include "privileges.hpp"

#include <cpd/claims.hpp>
#include <cpd/error.hpp>
#include <cpd/settings.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ClaimOptions
{
  std::string activity;
  std::optional<std::string> date;
  std::optional<std::string> hours;
  std::string note;
  std::vector<std::string> attach;
  bool force = false;
};

void
run(const ClaimOptions& options, Session& session)
{
  ClaimRequest request;
  request.activity = options.activity;
  if (options.date) {
    request.date = Date::parse(*options.date);
    if (!request.date) {
      throw Error(ErrorKind::bad_input,
                  "'{}' is not a date: write it as YYYY-MM-DD, e.g. 2017-03-14",
                  *options.date);
    }
  }
  if (options.hours) {
    request.quantity = Quantity::parse(*options.hours);
    if (!request.quantity) {
      throw Error(ErrorKind::bad_input,
                  "'{}' is not a positive number of hours or units (e.g. 1.5)",
                  *options.hours);
    }
  }
  request.note = options.note;
  request.duplicates =
    options.force ? ClaimRequest::Duplicates::allow : ClaimRequest::Duplicates::refuse;
  auto& db = session.db();
  if (!options.attach.empty()) {
    const auto limits = load_attachment_limits(db);
    const UserRights as_user; // evidence the user can read, not what cpd's group can
    for (const auto& path : options.attach) {
      request.attachments.push_back(read_attachment_file(path, limits));
    }
  }
  const auto claim = submit_claim(db, session.context(), request);
  if (session.json()) {
    Json json;
    write_claim(json, claim);
    print(json.str());
  } else {
    print(fmt::format("Claim #{} submitted: {} for {} on {}, waiting for verification.\n",
                      claim.id,
                      points_phrase(claim.points),
                      claim.activity_title,
                      claim.date.to_string()));
  }
  deliver_now(session);
}

} // namespace

void
register_claim(CLI::App& app, Session& session)
{
  auto options = std::make_shared<ClaimOptions>();
  auto* command = app.add_subcommand("claim", "claim points for an activity");
  command->add_option("activity", options->activity, "the activity's code (see cpd activities)")
    ->required();
  command->add_option("--date", options->date, "when it took place (default: today)")
    ->type_name("YYYY-MM-DD");
  command
    ->add_option("--hours,--days,--units",
                 options->hours,
                 "how many, for activities scored per hour, day or item")
    ->type_name("N");
  command->add_option("--note", options->note, "what it was, for the secretary")->type_name("TEXT");
  command->add_option("--attach", options->attach, "evidence to attach (repeatable)")
    ->type_name("FILE")
    ->allow_extra_args(false);
  command->add_flag("--force", options->force, "claim again an activity already claimed that day");
  command->callback([options, &session] { run(*options, session); });
}

} // namespace cpd::cli
