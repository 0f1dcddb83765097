#include "commands.hpp"
#include "output.hpp"

#include <cpd/year/statement.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct StatementOptions
{
  std::string year;
  std::optional<std::string> login;
  bool html = false;
};

std::string
text(const CpdStatement& s)
{
  const auto organisation = issuer(s);
  std::string out = fmt::format("CPD statement {}\n{}\n\n", s.year, organisation);
  out += fmt::format("  Member:      {} ({})\n", s.name, s.member);
  out += fmt::format("  CPD year:    {} ({})\n", s.year, s.closed ? "closed" : "in progress");
  out += fmt::format("  Quota:       {}\n", quota_of(s));
  out += fmt::format("  Earned:      {}\n", points_phrase(s.earned));
  out += fmt::format("  Carried in:  {}\n", points_phrase(s.carried_in));
  out += fmt::format("  Total:       {}\n", points_phrase(s.total));
  out += fmt::format("  Standing:    {}\n\n", standing_phrase(s));
  if (s.activities.empty()) {
    out += "Approved activities: none.\n";
  } else {
    out += "Approved activities:\n";
    Table table({{"DATE"}, {"ACTIVITY"}, {"QUANTITY"}, {"POINTS", Table::Align::right}});
    for (const auto& activity : s.activities) {
      table.add_row({activity.date.to_string(),
                     activity.title,
                     quantity_phrase(activity.quantity, activity.unit),
                     activity.points.to_string()});
    }
    out += table.render();
  }
  const auto code = format_statement_code(s.code);
  out += fmt::format("\nIssued on {}.\nVerification code: {}\n{} confirms this statement with: "
                     "cpd verify {}\n",
                     s.issued.to_long_string(),
                     code,
                     organisation,
                     code);
  return out;
}

} // namespace

void
register_statement(Command& root)
{
  auto options = std::make_shared<StatementOptions>();
  auto command = root.add(
    "statement",
    "a member's CPD statement for a year, with a code anyone can verify (member: own; secretary)");
  command.option("login", options->login, "another member (secretary only)");
  command
    .option("--year",
            options->year,
            "the CPD year (default: the last closed year, or this year before any closes)")
    .type_name("YYYY");
  command.flag("--html", options->html, "a printable HTML page instead of text");
  command.run([options](Session& session) {
    const auto statement = issue_statement(
      session.db(), session.member(), options->login, parse_optional_year(options->year));
    if (session.json()) {
      Json json;
      json.begin_object();
      write_statement(json, statement);
      json.end_object();
      print(json.str());
    } else if (options->html) {
      print(statement_html(statement));
    } else {
      print(text(statement));
    }
  });
}

} // namespace cpd::cli
