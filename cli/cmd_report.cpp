#include "commands.hpp"
#include "output.hpp"

#include <cpd/csv.hpp>
#include <cpd/yearend.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ReportOptions
{
  std::string year;
  bool csv = false;
};

// A member's line: login, name, email, the figures and the status.
std::vector<std::string>
cells(const ReportLine& line)
{
  return {line.member,
          line.name,
          line.email,
          line.earned.to_string(),
          line.carried_in.to_string(),
          line.total.to_string(),
          line.remaining.to_string(),
          line.pending.to_string(),
          std::string(to_string(line.status))};
}

void
run(const ReportOptions& options, Session& session)
{
  const auto& context = session.context();
  const int year = options.year.empty() ? context.today.year() : parse_year(options.year);
  const auto report = compliance_report(session.db(), context, year);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("year", report.year)
      .field("quota", report.quota)
      .field("closed", report.closed)
      .field("compliant", report.compliant)
      .field("short", report.short_of_quota)
      .field("exempt", report.exempt)
      .field("total", report.total)
      .key("members")
      .begin_array();
    for (const auto& line : report.lines) {
      json.begin_object()
        .field("member", line.member)
        .field("name", line.name)
        .field("email", line.email)
        .field("earned", line.earned)
        .field("carried_in", line.carried_in)
        .field("total", line.total)
        .field("remaining", line.remaining)
        .field("pending", line.pending)
        .field("status", std::string(to_string(line.status)))
        .end_object();
    }
    json.end_array().end_object();
    print(json.str());
    return;
  }
  if (options.csv) {
    std::string out = csv_row({"member",
                               "name",
                               "email",
                               "earned",
                               "carried_in",
                               "total",
                               "remaining",
                               "pending",
                               "status"});
    for (const auto& line : report.lines) {
      auto row = cells(line);
      for (const std::size_t text : {0, 1, 2}) { // member, name, email
        row[text] = csv_text(row[text]);
      }
      out += csv_row(row);
    }
    print(out);
    return;
  }
  Table table({{"MEMBER"},
               {"NAME"},
               {"EARNED", Table::Align::right},
               {"CARRIED", Table::Align::right},
               {"TOTAL", Table::Align::right},
               {"NEEDED", Table::Align::right},
               {"PENDING", Table::Align::right},
               {"STATUS", Table::Align::left, Table::Kind::status}});
  for (const auto& line : report.lines) {
    auto row = cells(line);
    row.erase(row.begin() + 2); // no email on the screen
    table.add_row(std::move(row));
  }
  print(fmt::format("CPD year {}{}, quota {}\n\n",
                    report.year,
                    report.closed ? " (closed)" : "",
                    points_phrase(report.quota)));
  print(table.render());
  print(fmt::format("\n{} members: {} compliant, {} short, {} exempt; {} in all.\n",
                    report.lines.size(),
                    report.compliant,
                    report.short_of_quota,
                    report.exempt,
                    points_phrase(report.total)));
}

} // namespace

void
register_report(Command& root)
{
  auto options = std::make_shared<ReportOptions>();
  auto command = root.add("report", "every active member's compliance in a year (secretary)");
  command.option("--year", options->year, "the CPD year (default: this year)")
    .type_name("YYYY");
  command.flag("--csv", options->csv, "CSV for spreadsheets");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
