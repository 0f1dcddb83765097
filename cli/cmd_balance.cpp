#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct BalanceOptions
{
  std::string year;
  std::optional<std::string> login;
};

std::string
render(const Balance& balance)
{
  std::string out = fmt::format("{} ({}), CPD year {}{}\n",
                                balance.name,
                                balance.member,
                                balance.year,
                                balance.closed ? " (closed)" : "");
  auto line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<14}{}\n", label, value);
  };
  line("Earned", balance.earned.to_string());
  line("Carried in", balance.carried_in.to_string());
  line("Total", fmt::format("{} of {}", balance.total.to_string(), points_phrase(balance.quota)));
  if (balance.pending > Points()) {
    line("Pending", fmt::format("{} awaiting verification", balance.pending.to_string()));
  }
  if (balance.exempt) {
    out += fmt::format("Exempt from the quota for {}.\n", balance.year);
  } else if (balance.compliant) {
    out += fmt::format("Quota met for {}.\n", balance.year);
  } else if (balance.closed) {
    out += fmt::format("The quota was not met: {} short.\n", points_phrase(balance.remaining));
  } else {
    out += fmt::format("You need {} more by {}.\n",
                       points_phrase(balance.remaining),
                       balance.deadline.to_long_string());
  }
  return out;
}

void
run(const BalanceOptions& options, Session& session)
{
  std::optional<int> year;
  if (!options.year.empty()) {
    year = parse_year(options.year);
  }
  const auto result = balance(session.db(), session.context(), options.login, year);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("member", result.member)
      .field("name", result.name)
      .field("year", result.year)
      .field("earned", result.earned)
      .field("carried_in", result.carried_in)
      .field("total", result.total)
      .field("quota", result.quota)
      .field("remaining", result.remaining)
      .field("pending", result.pending)
      .field("compliant", result.compliant)
      .field("exempt", result.exempt)
      .field("closed", result.closed)
      .field("deadline", result.deadline)
      .end_object();
    print(json.str());
    return;
  }
  print(render(result));
}

} // namespace

void
register_balance(CLI::App& app, Session& session)
{
  auto options = std::make_shared<BalanceOptions>();
  auto* command = app.add_subcommand("balance", "points earned, carried and still needed in a year");
  command->add_option("--year", options->year, "the CPD year (default: this year)")
    ->type_name("YYYY");
  command->add_option("login", options->login, "another member's login (secretary)");
  command->callback([options, &session] { run(*options, session); });
}

} // namespace cpd::cli
