#include "commands.hpp"
#include "output.hpp"

#include <cpd/error.hpp>
#include <cpd/export.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace cpd::cli {

namespace {

struct ExportOptions
{
  std::string out;
};

void
run(const ExportOptions& options, Session& session)
{
  if (options.out.empty()) {
    export_database(session.db(), session.context(), std::cout);
    return;
  }
  // Written beside the target and renamed, so that FILE is whole or absent.
  const std::filesystem::path target = options.out;
  auto partial = target;
  partial += ".partial";
  ExportSummary summary;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw Error(ErrorKind::io, "cannot write {}: {}", partial.string(), std::strerror(errno));
    }
    try {
      summary = export_database(session.db(), session.context(), out);
    } catch (...) {
      out.close();
      std::filesystem::remove(partial);
      throw;
    }
    out.close();
    if (!out) {
      std::filesystem::remove(partial);
      throw Error(ErrorKind::io, "cannot write {}", partial.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, target, ec);
  if (ec) {
    std::filesystem::remove(partial);
    throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), ec.message());
  }
  print(fmt::format("Exported {} members, {} activities, {} claims and {} ledger entries to {}.\n",
                    summary.members,
                    summary.activities,
                    summary.claims,
                    summary.entries,
                    target.string()));
}

} // namespace

void
register_export(CLI::App& app, Session& session)
{
  auto options = std::make_shared<ExportOptions>();
  auto* command = app.add_subcommand(
    "export",
    "the whole database as JSON lines for archives: members, activities, claims (with "
    "attachment details, not bytes), ledger (secretary)");
  command->add_option("--out", options->out, "write to FILE instead of standard output")
    ->type_name("FILE");
  command->callback([options, &session] { run(*options, session); });
}

} // namespace cpd::cli
