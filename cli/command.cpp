#include "command.hpp"

#include "session.hpp"
#include "table.hpp"

#include <cpd/util/error.hpp>

#include <CLI/CLI.hpp>

namespace cpd::cli {

namespace {

// "member add": the names from the root's command down to this one.
std::string
path_of(const CLI::App* app)
{
  std::string path = app->get_name();
  for (const auto* parent = app->get_parent(); parent != nullptr && parent->get_parent() != nullptr;
       parent = parent->get_parent()) {
    path.insert(0, parent->get_name() + " ");
  }
  return path;
}

void
refuse_for_a_client(const Executor& executor, const CommandNeeds& needs)
{
  if (needs.through == Through::here_only && executor.for_a_client()) {
    throw Error(ErrorKind::usage, "cpd {} is not a command a server runs for a client", needs.path);
  }
}

} // namespace

Option&
Option::required()
{
  m_option->required();
  return *this;
}

Option&
Option::hidden()
{
  m_option->group("");
  return *this;
}

Option&
Option::type_name(std::string_view name)
{
  m_option->type_name(std::string(name));
  return *this;
}

Option&
Option::one_value_each()
{
  m_option->allow_extra_args(false);
  return *this;
}

Command
Command::add(std::string_view name, std::string_view description)
{
  return {m_app->add_subcommand(std::string(name), std::string(description)), m_executor};
}

Option
Command::option(std::string_view names, std::string& value, std::string_view description)
{
  return Option(m_app->add_option(std::string(names), value, std::string(description)));
}

Option
Command::option(std::string_view names,
                std::optional<std::string>& value,
                std::string_view description)
{
  return Option(m_app->add_option(std::string(names), value, std::string(description)));
}

Option
Command::option(std::string_view names,
                std::vector<std::string>& values,
                std::string_view description)
{
  return Option(m_app->add_option(std::string(names), values, std::string(description)));
}

Option
Command::option(std::string_view names, std::size_t& value, std::string_view description)
{
  return Option(m_app->add_option(std::string(names), value, std::string(description)));
}

Option
Command::flag(std::string_view names, bool& value, std::string_view description)
{
  return Option(m_app->add_flag(std::string(names), value, std::string(description)));
}

Command&
Command::require_command()
{
  m_app->require_subcommand(1);
  return *this;
}

Command&
Command::hide()
{
  m_app->group("");
  return *this;
}

void
Command::run(Handler handler, Inputs inputs)
{
  m_app->callback(
    [app = m_app, executor = m_executor, handler = std::move(handler), inputs = std::move(inputs)] {
      // A command with commands under it (`cpd audit` and `cpd audit draw`)
      // runs only when none of them was named.
      if (!app->get_subcommands().empty()) {
        return;
      }
      const auto& needs = needs_of(path_of(app));
      refuse_for_a_client(*executor, needs);
      executor->execute(inputs ? inputs() : std::vector<std::string>{},
                        [&needs, &handler](Session& session) {
                          session.authorise(needs);
                          handler(session);
                        });
    });
}

void
Command::run_here(std::function<void()> action)
{
  m_app->callback([app = m_app, executor = m_executor, action = std::move(action)] {
    const auto& needs = needs_of(path_of(app));
    if (needs.through != Through::here_only) {
      throw Error(
        ErrorKind::internal, "cpd {} runs here only, but its table row says not", needs.path);
    }
    refuse_for_a_client(*executor, needs);
    action();
  });
}

} // namespace cpd::cli
