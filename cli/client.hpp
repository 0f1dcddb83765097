#pragma once

#include "command.hpp"
#include "session.hpp"

#include <string>
#include <vector>

namespace cpd::cli {

// Runs commands for the user at the terminal. The user side (the files the
// user names, the terminal, confirmations) is always this process; the
// database side runs here on a private file (--db, CPD_DB, or the default
// file), or in the server on a shared host (--socket, CPD_SOCKET, or the
// default socket when it exists).
class ClientExecutor : public Executor
{
public:
  // `args`: the command line after `cpd`, sent to a server as it is.
  ClientExecutor(const GlobalOptions& options, std::vector<std::string> args);

  void execute(const std::vector<std::string>& inputs, const Handler& handler) override;

private:
  const GlobalOptions& m_options;
  std::vector<std::string> m_args;
};

} // namespace cpd::cli
