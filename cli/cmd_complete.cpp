// `cpd __complete -- WORD...`: the candidates for the last word of a command
// line, for the shell completion scripts in data/completion/. Hidden from
// --help. Subcommands and options come from the command tree itself, so the
// completion cannot drift from the parser; activity codes are listed for
// anyone, logins and pending claim ids only for a secretary.
#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/claims.hpp>
#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/mail/events.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>

namespace cpd::cli {

namespace {

// Printed alone: the shell should complete file names instead.
constexpr std::string_view k_files = ":files";

struct Position
{
  const CLI::App* app = nullptr;         // the deepest subcommand named so far
  const CLI::Option* value_of = nullptr; // the option the current word is a value of
  std::size_t positionals = 0;           // positional words given to `app` so far
  std::string db;                        // --db given on the line
};

bool
visible(const CLI::App* app)
{
  return !app->get_group().empty();
}

// An option of the app or, through fallthrough, of its parents.
const CLI::Option*
find_option(const CLI::App* app, const std::string& name)
{
  for (; app != nullptr; app = app->get_parent()) {
    for (const auto* option : app->get_options()) {
      if (!option->get_positional() && option->check_name(name)) {
        return option;
      }
    }
  }
  return nullptr;
}

bool
takes_value(const CLI::Option* option)
{
  return option->get_type_size_max() > 0 && option->get_expected_max() > 0;
}

Position
locate(const CLI::App& root, const std::vector<std::string>& words)
{
  Position position;
  position.app = &root;
  bool only_positionals = false;
  for (const auto& word : words) {
    if (position.value_of != nullptr) {
      if (position.value_of->check_name("--db")) {
        position.db = word;
      }
      position.value_of = nullptr;
      continue;
    }
    if (!only_positionals && word == "--") {
      only_positionals = true;
      continue;
    }
    if (!only_positionals && word.starts_with('-')) {
      const auto equals = word.find('=');
      const auto* option = find_option(position.app, word.substr(0, equals));
      if (option != nullptr && takes_value(option)) {
        if (equals != std::string::npos) {
          if (option->check_name("--db")) {
            position.db = word.substr(equals + 1);
          }
        } else {
          position.value_of = option;
        }
      }
      continue;
    }
    const CLI::App* sub = nullptr;
    if (!only_positionals && position.positionals == 0) {
      for (const auto* candidate : position.app->get_subcommands({})) {
        if (candidate->check_name(word)) {
          sub = candidate;
        }
      }
    }
    if (sub != nullptr) {
      position.app = sub;
    } else {
      ++position.positionals;
    }
  }
  return position;
}

// The positional argument the next word fills, or nothing.
const CLI::Option*
next_positional(const CLI::App* app, std::size_t given)
{
  const auto positionals =
    app->get_options([](const CLI::Option* option) { return option->get_positional(); });
  std::size_t index = 0;
  for (const auto* option : positionals) {
    const int expected = option->get_items_expected_max();
    if (expected >= CLI::detail::expected_max_vector_size || given < index + expected) {
      return option;
    }
    index += static_cast<std::size_t>(expected);
  }
  return nullptr;
}

// Values from the database; nothing when it cannot be read or the user may
// not see them. On a private file, a --db on the line being completed names
// the database.
void
from_database(const std::string& db,
              Session& session,
              const std::function<void(Database&, const Context&, std::vector<std::string>&)>& list,
              std::vector<std::string>& out)
{
  try {
    if (!db.empty() && session.local()) {
      auto other = Database::open(db, Database::Mode::open_existing);
      install_mail(other);
      list(other, session.context(), out);
    } else {
      list(session.db(), session.context(), out);
    }
  } catch (const std::exception&) {
    // Completion never fails: it just offers nothing.
  }
}

std::vector<std::string>
positional_values(const Position& position, const CLI::Option* positional, Session& session)
{
  std::vector<std::string> out;
  const auto& name = positional->get_name();
  const auto& command = position.app->get_name();
  if ((name == "activity" || name == "code") && command != "add") {
    from_database(
      position.db,
      session,
      [](Database& db, const Context&, std::vector<std::string>& o) {
        for (const auto& activity : list_activities(db, IncludeRetired::no)) {
          o.push_back(activity.code);
        }
      },
      out);
  } else if (name == "login" && command != "add") {
    from_database(
      position.db,
      session,
      [](Database& db, const Context& context, std::vector<std::string>& o) {
        // Logins are offered to a secretary only.
        for (const auto& member : list_members(db, Authority::secretary(db, context))) {
          if (member.active) {
            o.push_back(member.login);
          }
        }
      },
      out);
  } else if (name == "ids" && (command == "approve" || command == "decline")) {
    from_database(
      position.db,
      session,
      [](Database& db, const Context& context, std::vector<std::string>& o) {
        for (const auto& claim : pending_claims(db, Authority::secretary(db, context))) {
          o.push_back(std::to_string(claim.id));
        }
      },
      out);
  } else if (name == "key") {
    for (const auto& setting : known_settings()) {
      out.emplace_back(setting.key);
    }
  } else if (positional->get_type_name() == "FILE") {
    out.emplace_back(k_files);
  }
  return out;
}

std::vector<std::string>
option_values(const CLI::Option* option)
{
  const auto& type = option->get_type_name();
  if (type == "FILE" || type == "PATH") {
    return {std::string(k_files)};
  }
  if (option->check_name("--per")) {
    return {"claim", "hour", "day", "item"};
  }
  if (option->check_name("--evidence")) {
    return {"yes", "no"};
  }
  return {};
}

std::vector<std::string>
candidates(const CLI::App& root, const std::vector<std::string>& words, Session& session)
{
  const std::vector<std::string> before(words.begin(), words.end() - 1);
  const auto& current = words.back();
  const auto position = locate(root, before);
  if (position.value_of != nullptr) {
    return option_values(position.value_of);
  }
  std::vector<std::string> out;
  if (current.starts_with('-')) {
    for (const auto* app = position.app; app != nullptr; app = app->get_parent()) {
      for (const auto* option : app->get_options()) {
        if (!option->get_positional() && !option->get_group().empty()) {
          for (const auto& name : option->get_lnames()) {
            out.push_back("--" + name);
          }
        }
      }
    }
    return out;
  }
  if (position.positionals == 0) {
    for (const auto* sub : position.app->get_subcommands({})) {
      if (visible(sub)) {
        out.push_back(sub->get_name());
      }
    }
    if (!out.empty()) {
      return out;
    }
  }
  if (const auto* positional = next_positional(position.app, position.positionals)) {
    return positional_values(position, positional, session);
  }
  return out;
}

} // namespace

void
register_complete(Command& root)
{
  auto words = std::make_shared<std::vector<std::string>>();
  auto command = root.add("__complete", "completion candidates for the shell scripts");
  command.hide();
  command.option("words", *words, "the command line after `cpd`, the last word being completed");
  command.run([words, &app = *root.app()](Session& session) {
    if (words->empty()) {
      words->emplace_back();
    }
    const auto& current = words->back();
    std::string out;
    std::vector<std::string> seen;
    for (const auto& candidate : candidates(app, *words, session)) {
      if (std::find(seen.begin(), seen.end(), candidate) != seen.end()) {
        continue;
      }
      seen.push_back(candidate);
      if (candidate == k_files) {
        out = std::string(k_files) + '\n';
        break;
      }
      if (candidate.starts_with(current)) {
        out += candidate + '\n';
      }
    }
    print(out);
  });
}

} // namespace cpd::cli
