#pragma once

#include "command.hpp"
#include "session.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd::cli {

// Thrown by a client to end with the exit status a server answered.
struct ExitStatus
{
  int status;
};

// Parses a command line (the words after `cpd`) and runs the command it
// names through `executor`. Returns the exit status; help and version go to
// `out`, error lines ("cpd: error: ...") to `err`. The same in the client
// and, for each request, in the server.
int run_command_line(const std::vector<std::string>& args,
                     GlobalOptions& options,
                     Executor& executor,
                     const std::function<void(std::string_view)>& out,
                     const std::function<void(std::string_view)>& err);

// Error messages quote what the user typed: control characters are shown
// escaped, so that a message stays one line and cannot move the terminal.
std::string one_line(std::string_view message);

} // namespace cpd::cli
