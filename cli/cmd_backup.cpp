#include "commands.hpp"
#include "output.hpp"
#include "userfiles.hpp"

#include <cpd/claims/evidence.hpp>
#include <cpd/store/backup.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

void
run(const OutputFile& file, Session& session)
{
  if (!file.path.empty()) {
    std::int64_t size = 0;
    if (session.local()) {
      // A private file: VACUUM INTO a new file beside FILE, then renamed.
      size = make_user_file(file.path, file.force, [&](const std::string& path) {
        backup_into(session.db(), session.secretary_or_system(), path);
      });
    } else {
      // The copy is made on the database's side and passed by descriptor;
      // the user's side copies it where the user asked, with the user's
      // rights, for the user alone.
      auto copy = backup_spool(session.db(), session.secretary_or_system());
      size = static_cast<std::int64_t>(copy.size());
      session.write_file(file.path,
                         protocol::Extent{copy.file(), 0, copy.size()},
                         file.overwrite(),
                         Session::Folder::must_exist,
                         Session::Access::owner_only);
    }
    if (session.json()) {
      Json json;
      json.begin_object().field("file", file.path).field("bytes", size);
      json.key("removed").begin_array().end_array().end_object();
      print(json.str());
    } else {
      print(fmt::format(
        "Backed up {} to {} ({}).\n", session.database_name(), file.path, size_phrase(size)));
    }
    return;
  }
  const auto result = backup_to_directory(session.db(), session.secretary_or_system());
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("file", result.path.string())
      .field("bytes", result.bytes)
      .key("removed")
      .begin_array();
    for (const auto& name : result.removed) {
      json.value(name);
    }
    json.end_array().end_object();
    print(json.str());
  } else {
    print(fmt::format("Backed up {} to {} ({}){}.\n",
                      session.database_name(),
                      result.path.string(),
                      size_phrase(result.bytes),
                      result.removed.empty()
                        ? std::string()
                        : fmt::format("; removed {} older cop{}",
                                      result.removed.size(),
                                      result.removed.size() == 1 ? "y" : "ies")));
  }
}

} // namespace

void
register_backup(Command& root)
{
  auto file = std::make_shared<OutputFile>();
  auto command =
    root.add("backup",
             "a consistent copy of the database, taken while others write: into FILE, or else into "
             "backup.dir (secretary, cron)");
  add_output_file(command, "file", *file, "write the copy here, readable by you alone");
  command.run([file](Session& session) { run(*file, session); });
}

} // namespace cpd::cli
