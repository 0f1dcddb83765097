#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>
#include <cpd/util/csv.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct HistoryOptions
{
  std::string year;
  std::optional<std::string> login;
  bool ledger = false;
  bool csv = false;
};

// Prints CSV rows in pieces while they are read.
class CsvPrinter
{
public:
  void
  row(const std::vector<std::string>& cells)
  {
    m_text += csv_row(cells);
    if (m_text.size() >= 65536) {
      flush();
    }
  }

  void
  flush()
  {
    print(m_text);
    m_text.clear();
  }

private:
  std::string m_text;
};

// The record as CSV for spreadsheets, printed as it is read: claims, or
// with --ledger the entries.
void
print_history_csv(Session& session,
                  const std::optional<std::string>& login,
                  std::optional<int> year,
                  bool ledger)
{
  CsvPrinter out;
  if (ledger) {
    out.row({"id", "member", "year", "date", "kind", "points", "claim", "by", "reason"});
    std::string member;
    read_history(session.db(),
                 session.listed(),
                 login,
                 year,
                 {[&](const Member& whose) { member = csv_text(whose.login); },
                  {},
                  [&](const Entry& entry) {
                    out.row({std::to_string(entry.id),
                             member,
                             std::to_string(entry.year),
                             local_date(entry.at),
                             std::string(to_string(entry.kind)),
                             entry.points.to_string(),
                             entry.claim_id ? std::to_string(*entry.claim_id) : "",
                             csv_text(entry.actor.value_or("")),
                             csv_text(entry.reason)});
                  }});
    out.flush();
    return;
  }
  out.row({"id",
           "member",
           "date",
           "year",
           "activity",
           "title",
           "quantity",
           "per",
           "points",
           "status",
           "submitted",
           "decided_by",
           "decided",
           "note",
           "reason",
           "attachments"});
  read_history(session.db(),
               session.listed(),
               login,
               year,
               {{},
                [&](const Claim& claim) {
                  out.row({std::to_string(claim.id),
                           csv_text(claim.member),
                           claim.date.to_string(),
                           std::to_string(claim.year()),
                           csv_text(claim.activity),
                           csv_text(claim.activity_title),
                           claim.quantity ? claim.quantity->to_string() : "",
                           std::string(to_string(claim.unit)),
                           claim.points.to_string(),
                           std::string(to_string(claim.status)),
                           local_date(claim.submitted_at),
                           csv_text(claim.decided_by.value_or("")),
                           claim.decided_at ? local_date(*claim.decided_at) : "",
                           csv_text(claim.note),
                           csv_text(claim.reason.value_or("")),
                           std::to_string(claim.attachments)});
                },
                {}});
  out.flush();
}

// The secretary's reason, and what happened to a withdrawn claim's evidence.
std::string
remark(const Claim& claim)
{
  auto text = claim.reason.value_or("");
  if (claim.evidence_purged) {
    text += fmt::format(
      "{}evidence purged on {}", text.empty() ? "" : "; ", claim.evidence_purged->to_string());
  }
  return text;
}

void
run(const HistoryOptions& options, Session& session)
{
  const auto year = parse_optional_year(options.year);
  if (options.csv) {
    print_history_csv(session, options.login, year, options.ledger);
    return;
  }
  const auto record = history(session.db(), session.listed(), options.login, year);
  if (session.json()) {
    Json json;
    json.begin_array();
    if (options.ledger) {
      for (const auto& entry : record.entries) {
        write_entry(json, entry);
      }
    } else {
      for (const auto& claim : record.claims) {
        write_claim(json, claim);
      }
    }
    json.end_array();
    print(json.str());
    return;
  }
  std::string out = fmt::format("{} ({}){}\n\n",
                                record.member.name,
                                record.member.login,
                                year ? fmt::format(", CPD year {}", *year) : "");
  if (!options.ledger) {
    Table claims({{"ID", Table::Align::right},
                  {"DATE"},
                  {"ACTIVITY"},
                  {"QUANTITY"},
                  {"POINTS", Table::Align::right},
                  {"STATUS", Table::Align::left, Table::Kind::status},
                  {"NOTE"},
                  {"SECRETARY'S REMARK"}});
    for (const auto& claim : record.claims) {
      claims.add_row({std::to_string(claim.id),
                      claim.date.to_string(),
                      claim.activity,
                      claim_quantity(claim),
                      claim.points.to_string(),
                      std::string(to_string(claim.status)),
                      claim.note,
                      remark(claim)});
    }
    out += claims.empty() ? "No claims.\n" : claims.render();
    out += '\n';
  }
  Table ledger({{"YEAR"},
                {"DATE"},
                {"KIND"},
                {"POINTS", Table::Align::right},
                {"CLAIM", Table::Align::right},
                {"BY"},
                {"REASON"}});
  for (const auto& entry : record.entries) {
    ledger.add_row({std::to_string(entry.year),
                    local_date(entry.at),
                    std::string(to_string(entry.kind)),
                    entry.points.to_string(),
                    entry.claim_id ? std::to_string(*entry.claim_id) : "",
                    entry.actor.value_or(""),
                    entry.reason});
  }
  out += ledger.empty() ? "No ledger entries.\n" : "Ledger:\n" + ledger.render();
  print(out);
}

} // namespace

void
register_history(Command& root)
{
  auto options = std::make_shared<HistoryOptions>();
  auto command = root.add("history", "a member's claims and ledger, year by year");
  command.option("--year", options->year, "one CPD year only").type_name("YYYY");
  command.flag("--ledger", options->ledger, "only the ledger entries (with --json: entries)");
  command.flag("--csv", options->csv, "CSV for spreadsheets (RFC 4180, UTF-8)");
  command.option("login", options->login, "another member's login (secretary)");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
