// cpd: Continuing Professional Development on one SQLite file.
#include "commands.hpp"
#include "privileges.hpp"
#include "session.hpp"

#include <cpd/error.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
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
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || id <= 0) {
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

// The first word of the command line that is not a global option or its
// value: the command's name, if there is one.
std::string_view
command_word(int argc, char** argv)
{
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--db") {
      ++i; // its value
    } else if (!word.starts_with('-')) {
      return word;
    }
  }
  return {};
}

int
run(int argc, char** argv)
{
  CLI::App app("cpd: Continuing Professional Development points, claims and reminders", "cpd");
  app.set_version_flag("--version", "cpd " CPD_VERSION);
  app.footer("Run `cpd COMMAND --help` for a command's options; see cpd(1).");
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions options;
  app.add_option("--db", options.db, "the database file (default: $CPD_DB or the system's)")
    ->type_name("PATH");
  app.add_flag("--json", options.json, "print one JSON document on stdout");

  Session session(options);
  // The commands, in the order --help lists them.
  using Register = void (*)(CLI::App&, Session&);
  static constexpr std::pair<std::string_view, Register> k_commands[] = {
    {"init", register_init},           {"member", register_member},
    {"import", register_import},       {"activities", register_activities},
    {"activity", register_activity},   {"claim", register_claim},
    {"withdraw", register_withdraw},   {"attachment", register_attachment},
    {"pending", register_pending},     {"approve", register_approve},
    {"decline", register_decline},     {"balance", register_balance},
    {"history", register_history},     {"revoke", register_revoke},
    {"exempt", register_exempt},       {"rollover", register_rollover},
    {"remind", register_remind},       {"report", register_report},
    {"export", register_export},       {"mail", register_mail},
    {"config", register_config},       {"check", register_check},
    {"__complete", register_complete},
  };
  // Building every command's options is most of cpd's start-up: build only
  // the one named, or all of them when none is (for --help and errors) or
  // for completion, which walks them all.
  const std::string_view named = command_word(argc, argv);
  const bool only_named = named != "__complete"
                          && std::any_of(std::begin(k_commands),
                                         std::end(k_commands),
                                         [&](const auto& c) { return c.first == named; });
  for (const auto& [name, register_command] : k_commands) {
    if (!only_named || name == named) {
      register_command(app, session);
    }
  }

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
