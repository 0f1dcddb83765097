#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/evidence.hpp>
#include <cpd/util/spool.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace cpd::cli {

namespace {

struct AttachmentOptions
{
  std::string id;
  std::string out = ".";
  bool force = false;
};

std::int64_t
claim_id(const std::string& text)
{
  return parse_ids({text}).front();
}

void
run_list(const AttachmentOptions& options, Session& session)
{
  const auto id = claim_id(options.id);
  const auto files = list_attachments(session.db(), session.member(), id);
  if (session.json()) {
    print(json_array(files, write_attachment));
    return;
  }
  if (files.empty()) {
    print(fmt::format("Claim #{} has no attachments.\n", id));
    return;
  }
  // Only a secretary's list says which other claims hold the same file.
  const bool secretary = files.front().duplicate_of.has_value();
  std::vector<Table::Column> columns{
    {"NAME"}, {"SIZE", Table::Align::right}, {"TYPE"}, {"SHA-256"}};
  if (secretary) {
    columns.push_back({"SAME FILE AS"});
  }
  Table table(columns);
  for (const auto& info : files) {
    std::vector<std::string> row{
      info.name, std::to_string(info.size), info.media_type, info.sha256};
    if (secretary) {
      row.push_back(claim_refs(*info.duplicate_of));
    }
    table.add_row(row);
  }
  print(table.render());
}

void
run_get(const AttachmentOptions& options, Session& session)
{
  // The files go into a spool beside the database a piece at a time, and
  // the user's side copies each from it.
  auto spool = session.spool();
  const auto files = load_attachments(session.db(), session.member(), claim_id(options.id), spool);
  std::vector<std::string> paths;
  paths.reserve(files.size());
  for (const auto& file : files) {
    paths.push_back((std::filesystem::path(options.out) / file.file_name).string());
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    session.write_file(paths[i],
                       protocol::Extent{spool.file(),
                                        files[i].offset,
                                        static_cast<std::uint64_t>(files[i].info.size)},
                       options.force ? Overwrite::yes : Overwrite::no,
                       Session::Folder::make,
                       Session::Access::owner_only);
  }
  if (session.json()) {
    Json json;
    json.begin_array();
    for (std::size_t i = 0; i < files.size(); ++i) {
      json.begin_object()
        .field("name", files[i].info.name)
        .field("path", paths[i])
        .field("size", files[i].info.size)
        .field("sha256", files[i].info.sha256)
        .end_object();
    }
    json.end_array();
    print(json.str());
  } else {
    for (std::size_t i = 0; i < files.size(); ++i) {
      print(fmt::format("Wrote {} ({}, SHA-256 {} checked).\n",
                        paths[i],
                        size_phrase(files[i].info.size),
                        files[i].info.sha256));
    }
  }
}

} // namespace

void
register_attachment(Command& root)
{
  auto options = std::make_shared<AttachmentOptions>();
  auto attachment =
    root.add("attachment", "see and fetch a claim's evidence (its member and the secretary)");
  attachment.require_command();

  auto list = attachment.add("list", "a claim's files: name, size, type, SHA-256");
  list.option("id", options->id, "the claim's number").required();
  list.run([options](Session& session) { run_list(*options, session); });

  auto get =
    attachment.add("get", "write a claim's files into a directory, checking their SHA-256");
  get.option("id", options->id, "the claim's number").required();
  get.option("--out", options->out, "the directory to write into (default: .)").type_name("DIR");
  get.flag("--force", options->force, "replace files that already exist");
  get.run([options](Session& session) { run_get(*options, session); });
}

} // namespace cpd::cli
