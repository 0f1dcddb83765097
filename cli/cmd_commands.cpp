#include "commands.hpp"
#include "table.hpp"

#include <cpd/util/error.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace cpd::cli {

namespace {

// The commands that run: every command but a group that needs one of its
// own (`cpd member` needs `add`, `list`...).
void
walk(const CLI::App& app, const std::string& path, std::vector<std::string>& found)
{
  if (!path.empty() && app.get_require_subcommand_min() == 0) {
    found.push_back(path);
  }
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), found);
  }
}

} // namespace

// `cpd __commands`: the command table, one command a line (command,
// database, who, where), for the tests that check it against what happens.
// A command that runs but is missing from the table, or a row that names no
// command, is an internal error.
void
register_commands(Command& root)
{
  auto command = root.add("__commands", "the command table: what each command needs");
  command.hide();
  command.run([&app = *root.app()](Session& session) {
    std::vector<std::string> found;
    walk(app, "", found);
    for (const auto& path : found) {
      needs_of(path);
    }
    for (const auto& row : command_table()) {
      if (std::find(found.begin(), found.end(), row.path) == found.end()) {
        throw Error(
          ErrorKind::internal, "the command table names cpd {}, which is no command", row.path);
      }
    }
    std::string out;
    for (const auto& row : command_table()) {
      out += fmt::format("{}\t{}\t{}\t{}\n",
                         row.path,
                         to_string(row.database),
                         to_string(row.who),
                         to_string(row.through));
    }
    session.reply().out(out);
  });
}

} // namespace cpd::cli
