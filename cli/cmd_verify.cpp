#include "commands.hpp"
#include "output.hpp"

#include <cpd/util/error.hpp>
#include <cpd/year/statement.hpp>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

namespace cpd::cli {

void
register_verify(Command& root)
{
  // The code as typed: one word, or its groups as several.
  auto words = std::make_shared<std::vector<std::string>>();
  auto command =
    root.add("verify", "check a statement's verification code and show what it said (anyone)");
  command.option("code", *words, "the code on the statement, e.g. 7K3M-9QXD-2B8F-H4TN").required();
  command.run([words](Session& session) {
    std::string code;
    for (const auto& word : *words) {
      if (!code.empty()) {
        code += ' ';
      }
      code += word;
    }
    const auto statement = verify_statement(session.db(), code);
    const auto formatted = format_statement_code(statement.code);
    if (session.json()) {
      Json json;
      json.begin_object();
      write_statement(json, statement);
      json.field("current", !statement.superseded_on.has_value())
        .field("superseded_on", statement.superseded_on)
        .field("record_changed", statement.record_changed)
        .end_object();
      print(json.str());
    } else {
      print(fmt::format("{} is the code of a CPD statement issued by {} on {}{}.\n\n"
                        "  Member:    {} ({})\n"
                        "  CPD year:  {}{}\n"
                        "  Total:     {} (quota {}; {} approved activit{})\n"
                        "  Standing:  {}\n",
                        formatted,
                        issuer(statement),
                        statement.issued.to_long_string(),
                        statement.superseded_on ? fmt::format(
                          ", superseded on {}", statement.superseded_on->to_long_string())
                                                : std::string(),
                        statement.name,
                        statement.member,
                        statement.year,
                        statement.closed ? "" : " (in progress when issued)",
                        points_phrase(statement.total),
                        quota_of(statement),
                        statement.activities.size(),
                        statement.activities.size() == 1 ? "y" : "ies",
                        standing_phrase(statement)));
      if (statement.record_changed) {
        print(fmt::format("\nThe member's record for {} has changed since; they can issue a "
                          "current statement with cpd statement --year {}.\n",
                          statement.year,
                          statement.year));
      }
    }
    if (statement.superseded_on) {
      throw Error(ErrorKind::refused,
                  "statement {} was superseded on {}: the record changed after it was issued; "
                  "ask the member for their current statement",
                  formatted,
                  statement.superseded_on->to_string());
    }
  });
}

} // namespace cpd::cli
