#include "commands.hpp"
#include "output.hpp"

#include <cpd/admin/export.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/spool.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ExportOptions
{
  std::string out;
  bool force = false;
};

void
run(const ExportOptions& options, Session& session)
{
  if (options.out.empty() && session.local()) {
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
  if (options.out.empty()) {
    session.write_stdout(extent);
    return;
  }
  // The members' data: for the user alone, as a backup is.
  session.write_file(options.out,
                     extent,
                     options.force ? Overwrite::yes : Overwrite::no,
                     Session::Folder::must_exist,
                     Session::Access::owner_only);
  print(fmt::format("Exported {}, {}, {} and {} to {}.\n",
                    count_phrase(summary.members, "member"),
                    count_phrase(summary.activities, "activity", "activities"),
                    count_phrase(summary.claims, "claim"),
                    count_phrase(summary.entries, "ledger entry", "ledger entries"),
                    options.out));
}

} // namespace

void
register_export(Command& root)
{
  auto options = std::make_shared<ExportOptions>();
  auto command =
    root.add("export",
             "the whole database as JSON lines for archives: members, activities, claims (with "
             "attachment details, not bytes), ledger (secretary)");
  command.option("--out", options->out, "write to FILE instead of standard output")
    .type_name("FILE");
  command.flag("--force", options->force, "replace FILE if it exists");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
