// cpd: Continuing Professional Development on one SQLite file.
#include "app.hpp"
#include "client.hpp"
#include "output.hpp"

#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// A closed 0, 1 or 2 would let the next file opened (the database) become
// standard output: open /dev/null there first.
void
open_standard_descriptors()
{
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
      std::abort();
    }
  }
}

// Standard output flushed and closed, as coreutils' close_stdout: a full
// disk or a closed pipe shows here at the latest (74).
int
close_stdout(int status)
{
  const bool failed = std::ferror(stdout) != 0;
  if (std::fclose(stdout) != 0 || failed) {
    if (errno == EPIPE) {
      return status;
    }
    const auto text = fmt::format("cpd: error: cannot write to standard output: {}\n",
                                  failed ? "write error" : std::strerror(errno));
    [[maybe_unused]] const auto written = std::fwrite(text.data(), 1, text.size(), stderr);
    return status == 0 ? cpd::exit_status(cpd::ErrorKind::io) : status;
  }
  return status;
}

} // namespace

int
main(int argc, char** argv)
{
  open_standard_descriptors();
  // A reader that goes away (`cpd history | head`) must not kill a command
  // between its commit and the delivery of its mail: the write fails
  // instead, and what is left to print is dropped.
  [[maybe_unused]] const auto previous = std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  cpd::cli::GlobalOptions options;
  cpd::cli::ClientExecutor executor(options, args);
  const int status = cpd::cli::run_command_line(
    args, options, executor, cpd::cli::write_stdout, cpd::cli::write_stderr);
  return close_stdout(status);
}
