#include "commands.hpp"
#include "output.hpp"

#include <cpd/util/error.hpp>
#include <cpd/year/dispensation.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ExemptOptions
{
  std::string login;
  std::string year;
  std::string from;
  std::string until;
  std::string from_date;
  std::string until_date;
  std::string reason;
  bool lift = false;
};

// A dispensation of part of a year: --from-date [--until-date].
Dispensation
run_days(const ExemptOptions& options, Session& session)
{
  if (!options.year.empty() || !options.from.empty() || !options.until.empty()) {
    throw Error(ErrorKind::usage,
                "give whole years (--year, or --from and --until) or days (--from-date and "
                "--until-date), not both");
  }
  if (options.from_date.empty()) {
    throw Error(ErrorKind::usage, "--until-date goes with --from-date");
  }
  const auto from = parse_date(options.from_date, "--from-date");
  const auto until = parse_optional_date(options.until_date, "--until-date");
  return options.lift
           ? lift_dispensation_days(session.db(), session.secretary(), options.login, from, until)
           : grant_dispensation_days(
             session.db(), session.secretary(), options.login, from, until, options.reason);
}

// A dispensation of whole years: --year, or --from [--until].
Dispensation
run_years(const ExemptOptions& options, Session& session)
{
  if (options.year.empty() == options.from.empty()) {
    throw Error(ErrorKind::usage,
                "give the years: --year YYYY for one, or --from YYYY [--until YYYY]; or the "
                "days of part of a year: --from-date YYYY-MM-DD [--until-date YYYY-MM-DD]");
  }
  if (!options.year.empty() && !options.until.empty()) {
    throw Error(ErrorKind::usage, "--until goes with --from, not with --year");
  }
  // --year YYYY is --from YYYY --until YYYY.
  const int from = parse_year(options.year.empty() ? options.from : options.year);
  const auto until =
    options.year.empty() ? parse_optional_year(options.until) : std::optional(from);
  return options.lift
           ? lift_dispensation(session.db(), session.secretary(), options.login, from, until)
           : grant_dispensation(
             session.db(), session.secretary(), options.login, from, until, options.reason);
}

void
run(const ExemptOptions& options, Session& session)
{
  if (options.lift && !options.reason.empty()) {
    throw Error(ErrorKind::usage, "lifting a dispensation takes no --reason");
  }
  const bool days = !options.from_date.empty() || !options.until_date.empty();
  const auto dispensation = days ? run_days(options, session) : run_years(options, session);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("member", dispensation.member)
      .field("from", dispensation.from)
      .field("until", dispensation.until)
      .field("from_date", dispensation.from_day)
      .field("until_date", dispensation.until_day)
      .field("lifted", options.lift)
      .field("reason", dispensation.reason)
      .end_object();
    print(json.str());
  } else if (options.lift) {
    print(fmt::format("{} is no longer exempt {}; they have been told by mail.\n",
                      options.login,
                      span_phrase(dispensation)));
  } else {
    print(fmt::format("{} is exempt from the quota {}{}; they have been told by mail.\n",
                      options.login,
                      span_phrase(dispensation),
                      dispensation.from_day ? ", pro rata" : ""));
  }
  session.deliver();
}

} // namespace

void
register_exempt(Command& root)
{
  auto options = std::make_shared<ExemptOptions>();
  auto command = root.add(
    "exempt", "grant (or --lift) a dispensation from the quota for some years (secretary)");
  command.option("login", options->login, "the member's login").required();
  command.option("--year", options->year, "one CPD year").type_name("YYYY");
  command.option("--from", options->from, "the first year of a dispensation over several years")
    .type_name("YYYY");
  command.option("--until", options->until, "its last year (default: until lifted)")
    .type_name("YYYY");
  command
    .option("--from-date",
            options->from_date,
            "the first day of a dispensation of part of a year: the months it touches are "
            "taken off the requirement, pro rata")
    .type_name("YYYY-MM-DD");
  command.option("--until-date", options->until_date, "its last day (default: until lifted)")
    .type_name("YYYY-MM-DD");
  command.option("--reason", options->reason, "why: retired, ill, career break (required)")
    .type_name("TEXT");
  command.flag("--lift", options->lift, "lift the dispensation for those years instead");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
