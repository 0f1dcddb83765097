#include "commands.hpp"
#include "output.hpp"

#include <cpd/admin/export.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/spool.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

void
run(const OutputFile& file, Session& session)
{
  if (file.path.empty() && session.local()) {
    PrintStream out;
    export_database(session.db(), session.secretary(), out);
    out.flush();
    return;
  }
  // Into a file without a name beside the database, as it is made; the
  // user's side copies it from there.
  auto spool = session.spool();
  ExportSummary summary;
  {
    SpoolStream out(spool);
    summary = export_database(session.db(), session.secretary(), out);
  }
  const protocol::Extent extent{spool.file(), 0, spool.size()};
  if (file.path.empty()) {
    session.write_stdout(extent);
    return;
  }
  // The members' data: for the user alone, as a backup is.
  session.write_file(
    file.path, extent, file.overwrite(), Session::Folder::must_exist, Session::Access::owner_only);
  print(fmt::format("Exported {}, {}, {} and {} to {}.\n",
                    count_phrase(summary.members, "member"),
                    count_phrase(summary.activities, "activity", "activities"),
                    count_phrase(summary.claims, "claim"),
                    count_phrase(summary.entries, "ledger entry", "ledger entries"),
                    file.path));
}

} // namespace

void
register_export(Command& root)
{
  auto file = std::make_shared<OutputFile>();
  auto command =
    root.add("export",
             "the whole database as JSON lines for archives: members, activities, claims (with "
             "attachment details, not bytes), ledger (secretary)");
  add_output_file(command, "--out", *file, "write to FILE instead of standard output");
  command.run([file](Session& session) { run(*file, session); });
}

} // namespace cpd::cli
