#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/rules.hpp>
#include <cpd/util/csv.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd::cli {

namespace {

struct ReportOptions
{
  std::string year;
  bool csv = false;
};

using Audits = std::map<std::string, AuditStatus>;

// A member's audit status that year, if they were drawn.
std::optional<AuditStatus>
audit_of(const Audits& audits, const ReportLine& line)
{
  const auto found = audits.find(line.member);
  return found == audits.end() ? std::nullopt : std::optional(found->second);
}

// What a member short of their requirement lacks, beyond a number of
// points: "2 formal", "4 in 2017"; "" when only the total falls short.
std::string
short_of(const ReportLine& line)
{
  if (line.status != ReportLine::Status::short_of_quota || short_of_total_only(line.judgement)) {
    return {};
  }
  std::string text;
  for (const auto& requirement : line.judgement.requirements) {
    if (requirement.remaining == Points()) {
      continue;
    }
    text += text.empty() ? "" : ", ";
    switch (requirement.kind) {
    case Requirement::Kind::total:
      text += fmt::format("{} in all", requirement.remaining.to_string());
      break;
    case Requirement::Kind::year:
      text += fmt::format("{} in {}", requirement.remaining.to_string(), line.judgement.year);
      break;
    case Requirement::Kind::category:
      text += fmt::format("{} {}", requirement.remaining.to_string(), requirement.category);
      break;
    }
  }
  return text;
}

// A member's line: login, name, email, the figures, the status and the
// audit's status.
std::vector<std::string>
cells(const ReportLine& line, const Audits& audits)
{
  const auto audit = audit_of(audits, line);
  return {line.member,
          line.name,
          line.email,
          line.earned.to_string(),
          line.carried_in.to_string(),
          line.total.to_string(),
          line.remaining.to_string(),
          line.pending.to_string(),
          std::string(to_string(line.status)),
          audit ? std::string(to_string(*audit)) : std::string()};
}

void
run(const ReportOptions& options, Session& session)
{
  const auto& context = session.secretary();
  const int year = options.year.empty() ? context.today.year() : parse_year(options.year);
  const auto audits = audit_statuses(session.db(), context, year);
  if (session.json()) {
    // The members are printed while they are read.
    Json json;
    std::size_t count = 0;
    compliance_report(
      session.db(),
      context,
      year,
      [&](const Report& report) {
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
      },
      [&](const ReportLine& line) {
        json.begin_object()
          .field("member", line.member)
          .field("name", line.name)
          .field("email", line.email)
          .field("earned", line.earned)
          .field("carried_in", line.carried_in)
          .field("total", line.total)
          .field("remaining", line.remaining)
          .field("pending", line.pending)
          .field("required", line.quota)
          .field("joined", line.joined)
          .field("short_of", short_of(line))
          .field("status", std::string(to_string(line.status)));
        const auto audit = audit_of(audits, line);
        json.key("audit");
        if (audit) {
          json.value(to_string(*audit));
        } else {
          json.null();
        }
        json.end_object();
        if (++count % 1024 == 0) {
          print(json.take());
        }
      });
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
                               "status",
                               "audit"});
    compliance_report(session.db(), context, year, {}, [&](const ReportLine& line) {
      auto row = cells(line, audits);
      for (const std::size_t text : {0, 1, 2}) { // member, name, email
        row[text] = csv_text(row[text]);
      }
      out += csv_row(row);
      if (out.size() >= 65536) {
        print(out);
        out.clear();
      }
    });
    print(out);
    return;
  }
  std::vector<Table::Column> columns{{"MEMBER"},
                                     {"NAME"},
                                     {"EARNED", Table::Align::right},
                                     {"CARRIED", Table::Align::right},
                                     {"TOTAL", Table::Align::right},
                                     {"NEEDED", Table::Align::right},
                                     {"PENDING", Table::Align::right},
                                     {"STATUS", Table::Align::left, Table::Kind::status}};
  // The rows are kept for the table's widths; which requirement a member
  // falls short of gets a column once some falls short of more than the
  // total (a category's minimum, a yearly one).
  std::vector<std::pair<std::vector<std::string>, std::string>> rows;
  const auto report =
    compliance_report(session.db(), context, year, {}, [&](const ReportLine& line) {
      auto row = cells(line, audits);
      row.erase(row.begin() + 2); // no email on the screen
      const auto audit = audit_of(audits, line);
      row.back() = audit ? std::string(status_words(*audit)) : std::string();
      rows.emplace_back(std::move(row), short_of(line));
    });
  const bool why =
    std::any_of(rows.begin(), rows.end(), [](const auto& row) { return !row.second.empty(); });
  if (why) {
    columns.push_back({"SHORT OF"});
  }
  if (!audits.empty()) {
    columns.push_back({"AUDIT", Table::Align::left, Table::Kind::status});
  }
  Table table(std::move(columns));
  for (auto& [row, lacks] : rows) {
    if (why) {
      row.insert(row.end() - 1, lacks);
    }
    if (audits.empty()) {
      row.pop_back(); // no audit column for a year without one
    }
    table.add_row(std::move(row));
  }
  print(fmt::format("CPD year {}{}, quota {}{}\n\n",
                    report.year,
                    report.closed ? " (closed)" : "",
                    points_phrase(report.quota),
                    rules_summary(report.rules).empty()
                      ? std::string()
                      : fmt::format(" ({})", rules_summary(report.rules))));
  print(table.render());
  print(fmt::format("\n{}: {} compliant, {} short, {} exempt; {} in all.\n",
                    count_phrase(static_cast<std::size_t>(report.members), "member"),
                    report.compliant,
                    report.short_of_quota,
                    report.exempt,
                    points_phrase(report.total)));
  if (!audits.empty()) {
    std::map<AuditStatus, int> counts;
    for (const auto& [login, status] : audits) {
      ++counts[status];
    }
    print(fmt::format("Audit: {} drawn; {} waiting, {} responded, {} passed, {} failed, {} no "
                      "response.\n",
                      audits.size(),
                      counts[AuditStatus::waiting],
                      counts[AuditStatus::responded],
                      counts[AuditStatus::passed],
                      counts[AuditStatus::failed],
                      counts[AuditStatus::no_response]));
  }
}

} // namespace

void
register_report(Command& root)
{
  auto options = std::make_shared<ReportOptions>();
  auto command = root.add("report", "every active member's compliance in a year (secretary)");
  command.option("--year", options->year, "the CPD year (default: this year)").type_name("YYYY");
  command.flag("--csv", options->csv, "CSV for spreadsheets");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
