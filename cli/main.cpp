// cpd: Continuing Professional Development on one SQLite file.
#include "commands.hpp"
#include "privileges.hpp"
#include "session.hpp"

#include <cpd/error.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cstdio>

#ifndef CPD_VERSION
#  define CPD_VERSION "0"
#endif

namespace cpd::cli {

std::vector<std::int64_t>
parse_ids(const std::vector<std::string>& texts)
{
  std::vector<std::int64_t> ids;
  for (const auto& text : texts) {
    std::string_view digits = text;
    if (digits.starts_with('#')) {
      digits.remove_prefix(1);
    }
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()
        || id <= 0) {
      throw Error(ErrorKind::bad_input, "'{}' is not a claim id (a number like 12)", text);
    }
    ids.push_back(id);
  }
  return ids;
}

int
parse_year(const std::string& text)
{
  int year = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), year);
  if (text.size() != 4 || ec != std::errc() || end != text.data() + text.size() || year < 1) {
    throw Error(ErrorKind::bad_input, "'{}' is not a year (like 2017)", text);
  }
  return year;
}

// Error messages quote what the user typed: show control characters escaped
// so that the message stays one line and cannot move the terminal.
std::string
one_line(std::string_view message)
{
  std::string out;
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

int
run(int argc, char** argv)
{
  CLI::App app("cpd: Continuing Professional Development points, claims and reminders",
               "cpd");
  app.set_version_flag("--version", "cpd " CPD_VERSION);
  app.footer("Run `cpd COMMAND --help` for a command's options; see cpd(1).");
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions options;
  app.add_option("--db", options.db, "the database file (default: $CPD_DB or the system's)")
    ->type_name("PATH");
  app.add_flag("--json", options.json, "print one JSON document on stdout");

  Session session(options);
  register_init(app, session);
  register_member(app, session);
  register_import(app, session);
  register_activities(app, session);
  register_activity(app, session);
  register_claim(app, session);
  register_withdraw(app, session);
  register_attachment(app, session);
  register_pending(app, session);
  register_approve(app, session);
  register_decline(app, session);
  register_balance(app, session);
  register_history(app, session);
  register_revoke(app, session);
  register_exempt(app, session);
  register_rollover(app, session);
  register_remind(app, session);
  register_report(app, session);
  register_export(app, session);
  register_mail(app, session);
  register_config(app, session);
  register_check(app, session);
  register_complete(app, session);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (message.empty()) {
      message = "bad command line";
    }
    fmt::print(stderr, "cpd: error: {}; see cpd --help\n", one_line(message));
    return exit_status(ErrorKind::usage);
  }
  return 0;
}

} // namespace

} // namespace cpd::cli

int
main(int argc, char** argv)
{
  cpd::cli::secure_startup();
  try {
    return cpd::cli::run(argc, argv);
  } catch (const cpd::Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "cpd: error: {}\n", cpd::cli::one_line(e.what()));
    return cpd::exit_status(e.kind());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "cpd: internal error: {}\n", cpd::cli::one_line(e.what()));
    return cpd::exit_status(cpd::ErrorKind::internal);
  }
}
