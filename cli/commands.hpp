#pragma once

#include "session.hpp"

#include <cpd/claims.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace cpd::cli {

// Each subcommand lives in its own cmd_<name>.cpp: options, help and handler
// together. main() only assembles them.
void register_activities(CLI::App& app, Session& session);
void register_activity(CLI::App& app, Session& session);
void register_approve(CLI::App& app, Session& session);
void register_attachment(CLI::App& app, Session& session);
void register_balance(CLI::App& app, Session& session);
void register_check(CLI::App& app, Session& session);
void register_claim(CLI::App& app, Session& session);
void register_complete(CLI::App& app, Session& session);
void register_config(CLI::App& app, Session& session);
void register_decline(CLI::App& app, Session& session);
void register_exempt(CLI::App& app, Session& session);
void register_export(CLI::App& app, Session& session);
void register_history(CLI::App& app, Session& session);
void register_import(CLI::App& app, Session& session);
void register_init(CLI::App& app, Session& session);
void register_mail(CLI::App& app, Session& session);
void register_member(CLI::App& app, Session& session);
void register_pending(CLI::App& app, Session& session);
void register_remind(CLI::App& app, Session& session);
void register_report(CLI::App& app, Session& session);
void register_revoke(CLI::App& app, Session& session);
void register_rollover(CLI::App& app, Session& session);
void register_withdraw(CLI::App& app, Session& session);

// Prints decided claims: one sentence each, or a JSON array.
void print_decisions(Session& session, const std::vector<Claim>& claims, std::string_view verb);

// Parses claim ids given on the command line ("12" or "#12").
std::vector<std::int64_t> parse_ids(const std::vector<std::string>& texts);

// Parses --year.
int parse_year(const std::string& text);

} // namespace cpd::cli
