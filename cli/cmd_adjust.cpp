#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/ledger.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct AdjustOptions
{
  std::string login;
  std::string points;
  std::string year;
  std::string reason;
  std::string category;
};

void
run(const AdjustOptions& options, Session& session)
{
  const auto points = Points::parse(options.points, Points::Sign::allowed);
  if (!points) {
    throw Error(ErrorKind::bad_input,
                "'{}' is not a number of points (like 2, -1.5 or +0.5)",
                options.points);
  }
  const auto result =
    adjust_points(session.db(),
                  session.secretary(),
                  options.login,
                  *points,
                  parse_year(options.year),
                  options.reason,
                  options.category.empty() ? std::nullopt : std::optional(options.category));
  const auto& adjustment = result.adjustment;
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("id", adjustment.id)
      .field("member", adjustment.member)
      .field("year", adjustment.year)
      .field("points", adjustment.points)
      .field("reason", adjustment.reason)
      .field("category", adjustment.category)
      .field("total", result.balance.total)
      .key("carries")
      .begin_array();
    for (const auto& correction : result.corrections) {
      if (correction.carry_changed()) {
        json.begin_object()
          .field("into", correction.year + 1)
          .field("before", correction.carried_before)
          .field("after", correction.carried_after)
          .end_object();
      }
    }
    json.end_array().end_object();
    print(json.str());
  } else {
    std::string out = fmt::format("Adjusted {}'s {} by {}{}: the total is now {}.\n",
                                  adjustment.member,
                                  adjustment.year,
                                  adjustment.points > Points() ? "+" : "",
                                  points_phrase(adjustment.points),
                                  points_phrase(result.balance.total));
    for (const auto& correction : result.corrections) {
      if (correction.carry_changed()) {
        out += fmt::format("The carry into {} is corrected from {} to {}.\n",
                           correction.year + 1,
                           points_phrase(correction.carried_before),
                           points_phrase(correction.carried_after));
      }
    }
    print(out);
  }
  session.deliver();
}

} // namespace

void
register_adjust(Command& root)
{
  auto options = std::make_shared<AdjustOptions>();
  auto command =
    root.add("adjust", "add or take points from a member's year, with a reason (secretary)");
  command.option("login", options->login, "the member's login").required();
  command.option("points", options->points, "signed points: 2, -1.5 (after --, or as -- -1.5)")
    .required();
  command.option("--year", options->year, "the CPD year").type_name("YYYY").required();
  command.option("--reason", options->reason, "why, for the record and the member's mail")
    .type_name("TEXT")
    .required();
  command
    .option("--category",
            options->category,
            "the category the points count in, for its minimum (default: the total only)")
    .type_name("CATEGORY");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
