#include "app.hpp"

#include "commands.hpp"

#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <sstream>

#ifndef CPD_VERSION
#  define CPD_VERSION "0"
#endif

namespace cpd::cli {

std::string
one_line(std::string_view message)
{
  return escape_hidden(message, AllowNewlines::no);
}

namespace {

// The first word of the command line that is not a global option or its
// value: the command's name, if there is one.
std::string_view
command_word(const std::vector<std::string>& args)
{
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view word = args[i];
    if (word == "--db" || word == "--socket") {
      ++i; // its value
    } else if (!word.starts_with('-')) {
      return word;
    }
  }
  return {};
}

using Register = void (*)(Command&);

// The commands, in the order --help lists them.
constexpr std::array<std::pair<std::string_view, Register>, 32> k_commands{{
  {"init", register_init},
  {"member", register_member},
  {"import", register_import},
  {"activities", register_activities},
  {"activity", register_activity},
  {"claim", register_claim},
  {"withdraw", register_withdraw},
  {"attach", register_attach},
  {"attachment", register_attachment},
  {"pending", register_pending},
  {"approve", register_approve},
  {"decline", register_decline},
  {"balance", register_balance},
  {"history", register_history},
  {"statement", register_statement},
  {"verify", register_verify},
  {"revoke", register_revoke},
  {"exempt", register_exempt},
  {"adjust", register_adjust},
  {"rollover", register_rollover},
  {"remind", register_remind},
  {"report", register_report},
  {"scheme", register_scheme},
  {"audit", register_audit},
  {"export", register_export},
  {"mail", register_mail},
  {"config", register_config},
  {"check", register_check},
  {"backup", register_backup},
  {"serve", register_serve},
  {"__complete", register_complete},
  {"__commands", register_commands},
}};

// "see cpd claim --help" for a mistake in a command's line.
std::string
help_hint(const CLI::App& app)
{
  std::vector<std::string> names;
  for (const auto* sub = &app; sub != nullptr;
       sub = sub->get_subcommands().empty() ? nullptr : sub->get_subcommands().front()) {
    if (sub != &app) {
      names.push_back(sub->get_name());
    }
  }
  return fmt::format("see cpd {}{}--help", fmt::join(names, " "), names.empty() ? "" : " ");
}

// The words of a command line that are not options: the command, the
// command under it, their arguments. Values of options cannot be told from
// arguments here; only the first two words are looked at.
std::vector<std::string_view>
command_words(const std::vector<std::string>& args)
{
  std::vector<std::string_view> words;
  for (std::size_t i = 0; i < args.size() && words.size() < 2; ++i) {
    const std::string_view word = args[i];
    if (word == "--") {
      break;
    }
    if (word == "--db" || word == "--socket") {
      ++i; // its value
    } else if (!word.starts_with('-')) {
      words.push_back(word);
    } else if (!words.empty()) {
      break; // an option of the command: what follows may be its value
    }
  }
  return words;
}

// Refuses a command (or a command under a group, `member ad`) that does not
// exist, with the nearest one: "did you mean balance?".
void
check_command_names(const CLI::App& app, const std::vector<std::string>& args)
{
  const auto words = command_words(args);
  const CLI::App* parent = &app;
  std::string path; // the commands named so far: "member"
  for (const auto word : words) {
    const auto subcommands = parent->get_subcommands([](const CLI::App*) { return true; });
    if (subcommands.empty()) {
      return;
    }
    std::vector<std::string> names; // the ones --help shows
    const CLI::App* found = nullptr;
    for (const auto* sub : subcommands) {
      if (!sub->get_group().empty()) {
        names.push_back(sub->get_name());
      }
      if (sub->get_name() == word) {
        found = sub;
      }
    }
    if (found == nullptr) {
      // A prefix of the word, so that a word of megabytes is neither
      // compared nor copied: no command's name is anywhere near as long.
      constexpr std::size_t k_shown = 64;
      const auto shown = word.substr(0, k_shown);
      const auto suggestion = closest_match(shown, names);
      throw Error(ErrorKind::usage,
                  "unknown command '{}{}{}'{}; see cpd {}--help",
                  path,
                  shown,
                  word.size() > k_shown ? "..." : "",
                  suggestion ? fmt::format(" (did you mean '{}{}'?)", path, *suggestion) : "",
                  path);
    }
    parent = found;
    path += std::string(word) + " ";
  }
}

} // namespace

int
run_command_line(const std::vector<std::string>& args,
                 GlobalOptions& options,
                 Executor& executor,
                 const std::function<void(std::string_view)>& out,
                 const std::function<void(std::string_view)>& err)
{
  CLI::App app("cpd: Continuing Professional Development points, claims and reminders", "cpd");
  app.set_version_flag("--version", "cpd " CPD_VERSION);
  app.footer("Run `cpd COMMAND --help` for a command's options; see cpd(1).");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--db", options.db, "the database file (default: $CPD_DB or the system's)")
    ->type_name("PATH");
  app.add_option("--socket", options.socket, "the cpd server's socket (default: $CPD_SOCKET)")
    ->type_name("PATH");
  app.add_flag("--json", options.json, "print one JSON document on stdout");

  // Building every command's options is most of cpd's start-up: build only
  // the one named, or all of them when none is (for --help and errors) or
  // for completion, which walks them all.
  const std::string_view named = command_word(args);
  const bool only_named = named != "__complete" && named != "__commands"
                          && std::any_of(std::begin(k_commands),
                                         std::end(k_commands),
                                         [&](const auto& c) { return c.first == named; });
  Command root(&app, &executor);
  for (const auto& [name, register_command] : k_commands) {
    if (!only_named || name == named) {
      register_command(root);
    }
  }

  try {
    check_command_names(app, args);
    // CLI11 takes the words last first.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::Success& e) {
    std::ostringstream help;
    std::ostringstream ignored;
    app.exit(e, help, ignored);
    out(help.str());
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (message.empty()) {
      message = "bad command line";
    }
    err(fmt::format("cpd: error: {}; {}\n", one_line(message), help_hint(app)));
    return exit_status(ErrorKind::usage);
  } catch (const ExitStatus& e) {
    return e.status;
  } catch (const Error& e) {
    err(fmt::format("cpd: error: {}\n", one_line(e.what())));
    return exit_status(e.kind());
  } catch (const std::exception& e) {
    err(fmt::format("cpd: internal error: {}\n", one_line(e.what())));
    return exit_status(ErrorKind::internal);
  }
  return 0;
}

} // namespace cpd::cli
