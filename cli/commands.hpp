#pragma once

#include "command.hpp"
#include "session.hpp"

#include <cpd/claims/claims.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cpd::cli {

// Each subcommand lives in its own cmd_<name>.cpp: options, help and handler
// together. main() only assembles them.
void register_activities(Command& root);
void register_adjust(Command& root);
void register_activity(Command& root);
void register_approve(Command& root);
void register_attach(Command& root);
void register_audit(Command& root);
void register_attachment(Command& root);
void register_backup(Command& root);
void register_balance(Command& root);
void register_check(Command& root);
void register_claim(Command& root);
void register_commands(Command& root);
void register_complete(Command& root);
void register_config(Command& root);
void register_decline(Command& root);
void register_exempt(Command& root);
void register_export(Command& root);
void register_history(Command& root);
void register_import(Command& root);
void register_init(Command& root);
void register_mail(Command& root);
void register_member(Command& root);
void register_pending(Command& root);
void register_remind(Command& root);
void register_report(Command& root);
void register_revoke(Command& root);
void register_rollover(Command& root);
void register_scheme(Command& root);
void register_serve(Command& root);
void register_statement(Command& root);
void register_verify(Command& root);
void register_withdraw(Command& root);

// Prints decided claims: one sentence each, or a JSON array.
void print_decisions(Session& session, const std::vector<Claim>& claims, std::string_view verb);

// Parses ids given on the command line ("12" or "#12"); `what` names them
// in the error.
std::vector<std::int64_t> parse_ids(const std::vector<std::string>& texts,
                                    std::string_view what = "claim");

// --hours, --days and --items: how many of an activity's unit a claim counts.
struct QuantityOptions
{
  std::optional<std::string> hours;
  std::optional<std::string> days;
  std::optional<std::string> items;
};

void add_quantity_options(Command& command, QuantityOptions& options);

// The quantity given and the unit it was given in; nothing when none was.
// Two of them, or a number that is no quantity, are refused.
struct GivenQuantity
{
  std::optional<Quantity> quantity;
  std::optional<Unit> unit;
};
GivenQuantity parse_quantity(const QuantityOptions& options);

// A file a command writes for the user, and --force to replace it.
struct OutputFile
{
  std::string path;
  bool force = false;

  Overwrite
  overwrite() const
  {
    return force ? Overwrite::yes : Overwrite::no;
  }
};

// FILE, named by `names` (an argument or an option), and --force.
void add_output_file(Command& command,
                     std::string_view names,
                     OutputFile& file,
                     std::string_view description);

// Parses --year.
int parse_year(const std::string& text);

// Parses an optional --year: nothing when it was not given.
std::optional<int> parse_optional_year(const std::string& text);

// Parses a date given with `option` (YYYY-MM-DD), refusing anything else.
Date parse_date(const std::string& text, std::string_view option);

// Parses an optional date given with `option`: nothing when it was not
// given.
std::optional<Date> parse_optional_date(const std::string& text, std::string_view option);

// Parses the date of an activity (YYYY-MM-DD), refusing anything else with
// an example.
Date parse_activity_date(const std::string& text);

} // namespace cpd::cli
