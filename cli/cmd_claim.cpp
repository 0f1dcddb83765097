#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>
#include <cpd/store/settings.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ClaimOptions
{
  std::string activity;
  std::optional<std::string> date;
  QuantityOptions quantity;
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
    request.date = parse_activity_date(*options.date);
  }
  const auto given = parse_quantity(options.quantity);
  request.quantity = given.quantity;
  request.unit = given.unit;
  request.note = options.note;
  request.duplicates =
    options.force ? ClaimRequest::Duplicates::allow : ClaimRequest::Duplicates::refuse;
  for (const auto& path : options.attach) {
    request.attachments.push_back(attachment_file(path, session.input(path)));
  }
  const auto claim = submit_claim(session.db(), session.member(), request);
  if (session.json()) {
    Json json;
    write_claim(json, claim);
    print(json.str());
  } else {
    const auto working = working_phrase(claim);
    print(fmt::format("Claim #{} submitted: {} for {} on {}{}, waiting for verification.\n",
                      claim.id,
                      points_phrase(claim.points),
                      claim.activity_title,
                      claim.date.to_string(),
                      working.empty() ? "" : fmt::format(" ({})", working)));
  }
  session.deliver();
}

} // namespace

void
register_claim(Command& root)
{
  auto options = std::make_shared<ClaimOptions>();
  auto command = root.add("claim", "claim points for an activity");
  command.option("activity", options->activity, "the activity's code (see cpd activities)")
    .required();
  command.option("--date", options->date, "when it took place (default: today)")
    .type_name("YYYY-MM-DD");
  add_quantity_options(command, options->quantity);
  command.option("--note", options->note, "what it was, for the secretary").type_name("TEXT");
  command.option("--attach", options->attach, "evidence to attach (repeatable)")
    .type_name("FILE")
    .one_value_each();
  command.flag("--force", options->force, "claim again an activity already claimed that day");
  command.run([options](Session& session) { run(*options, session); },
              [options] { return options->attach; });
}

} // namespace cpd::cli
