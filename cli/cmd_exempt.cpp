#include "commands.hpp"
#include "output.hpp"

#include <cpd/error.hpp>
#include <cpd/yearend.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ExemptOptions
{
  std::string login;
  std::string year;
  std::string reason;
  bool lift = false;
};

void
run(const ExemptOptions& options, Session& session)
{
  const int year = parse_year(options.year);
  if (options.lift) {
    lift_exemption(session.db(), session.context(), options.login, year);
    print(fmt::format("{} is no longer exempt for {}.\n", options.login, year));
    return;
  }
  exempt_member(session.db(), session.context(), options.login, year, options.reason);
  print(fmt::format("{} is exempt from the quota for {}.\n", options.login, year));
}

} // namespace

void
register_exempt(Command& root)
{
  auto options = std::make_shared<ExemptOptions>();
  auto command = root.add(
    "exempt", "grant (or --lift) a dispensation from a year's quota (secretary)");
  command.option("login", options->login, "the member's login").required();
  command.option("--year", options->year, "the CPD year").type_name("YYYY").required();
  command.option("--reason", options->reason, "why: retired, ill, ...").type_name("TEXT");
  command.flag("--lift", options->lift, "lift the dispensation instead");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
