#pragma once

// How each command declares its options and its two sides, without the
// weight of CLI11's header: only command.cpp, main.cpp and cmd_complete.cpp
// see CLI11.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace cpd::cli {

class Session;

// The database side of a command: one request in (the parsed options, the
// files the user side read), one answer out through the session.
using Handler = std::function<void(Session&)>;

// The user side before a command runs: the paths of the files it reads,
// which the client reads with the user's own rights.
using Inputs = std::function<std::vector<std::string>()>;

// Runs a command's handler: in this process on a private file, or by
// sending the request to a server, or (in the server) for a client.
class Executor
{
public:
  virtual ~Executor() = default;
  virtual void execute(const std::vector<std::string>& inputs, const Handler& handler) = 0;

  // True in the server, running a client's request.
  virtual bool
  for_a_client() const
  {
    return false;
  }
};

// One option of a command.
class Option
{
public:
  explicit Option(CLI::Option* option)
    : m_option(option)
  {}

  Option& required();
  Option& type_name(std::string_view name);
  // One value per use (`--attach A --attach B`), so that a positional
  // argument after it is not taken as another value.
  Option& one_value_each();
  // Left out of --help and completion: an option kept only to refuse it
  // with a clear word.
  Option& hidden();

private:
  CLI::Option* m_option;
};

// A command or a group of commands (`cpd member` holds `add`, `list`...).
class Command
{
public:
  Command(CLI::App* app, Executor* executor)
    : m_app(app)
    , m_executor(executor)
  {}

  Command add(std::string_view name, std::string_view description);

  Option option(std::string_view names, std::string& value, std::string_view description);
  Option
  option(std::string_view names, std::optional<std::string>& value, std::string_view description);
  Option
  option(std::string_view names, std::vector<std::string>& values, std::string_view description);
  Option option(std::string_view names, std::size_t& value, std::string_view description);
  Option flag(std::string_view names, bool& value, std::string_view description);

  // One of the commands under this one must be named.
  Command& require_command();
  // Left out of --help (internal commands).
  Command& hide();

  // What the command does, on the database side; `inputs` lists the files
  // it reads. A command with commands under it runs when none of them is
  // named.
  void run(Handler handler, Inputs inputs = {});

  // What a command does in this process only, never for a client (`serve`).
  void run_here(std::function<void()> action);

  CLI::App*
  app() const
  {
    return m_app;
  }

private:
  CLI::App* m_app;
  Executor* m_executor;
};

} // namespace cpd::cli
