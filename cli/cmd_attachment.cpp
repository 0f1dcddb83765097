#include "commands.hpp"
#include "output.hpp"

#include <cpd/evidence.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

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
write_attachment(Json& json, const AttachmentInfo& info)
{
  json.begin_object()
    .field("id", info.id)
    .field("claim", info.claim_id)
    .field("name", info.name)
    .field("size", info.size)
    .field("media_type", info.media_type)
    .field("sha256", info.sha256)
    .key("duplicate_of")
    .begin_array();
  for (const auto id : info.duplicate_of) {
    json.value(id);
  }
  json.end_array().end_object();
}

std::string
claim_list(const std::vector<std::int64_t>& ids)
{
  std::string text;
  for (const auto id : ids) {
    text += fmt::format("{}#{}", text.empty() ? "" : ", ", id);
  }
  return text;
}

void
run_list(const AttachmentOptions& options, Session& session)
{
  const auto id = claim_id(options.id);
  const auto files = list_attachments(session.db(), session.context(), id);
  if (session.json()) {
    Json json;
    json.begin_array();
    for (const auto& info : files) {
      write_attachment(json, info);
    }
    json.end_array();
    print(json.str());
    return;
  }
  if (files.empty()) {
    print(fmt::format("Claim #{} has no attachments.\n", id));
    return;
  }
  Table table({{"NAME"}, {"SIZE", Table::Align::right}, {"TYPE"}, {"SHA-256"}, {"SAME FILE AS"}});
  for (const auto& info : files) {
    table.add_row({info.name,
                   std::to_string(info.size),
                   info.media_type,
                   info.sha256,
                   claim_list(info.duplicate_of)});
  }
  print(table.render());
}

void
run_get(const AttachmentOptions& options, Session& session)
{
  const auto saved = save_attachments(session.db(),
                                      session.context(),
                                      claim_id(options.id),
                                      options.out,
                                      options.force ? Overwrite::yes : Overwrite::no);
  if (session.json()) {
    Json json;
    json.begin_array();
    for (const auto& file : saved) {
      json.begin_object()
        .field("name", file.info.name)
        .field("path", file.path.string())
        .field("size", file.info.size)
        .field("sha256", file.info.sha256)
        .end_object();
    }
    json.end_array();
    print(json.str());
    return;
  }
  for (const auto& file : saved) {
    print(fmt::format("Wrote {} ({}, SHA-256 {} checked).\n",
                      file.path.string(),
                      size_phrase(file.info.size),
                      file.info.sha256));
  }
}

} // namespace

void
register_attachment(CLI::App& app, Session& session)
{
  auto options = std::make_shared<AttachmentOptions>();
  auto* attachment = app.add_subcommand(
    "attachment", "see and fetch a claim's evidence (its member and the secretary)");
  attachment->require_subcommand(1);

  auto* list = attachment->add_subcommand("list", "a claim's files: name, size, type, SHA-256");
  list->add_option("id", options->id, "the claim's number")->required();
  list->callback([options, &session] { run_list(*options, session); });

  auto* get = attachment->add_subcommand(
    "get", "write a claim's files into a directory, checking their SHA-256");
  get->add_option("id", options->id, "the claim's number")->required();
  get->add_option("--out", options->out, "the directory to write into (default: .)")
    ->type_name("DIR");
  get->add_flag("--force", options->force, "replace files that already exist");
  get->callback([options, &session] { run_get(*options, session); });
}

} // namespace cpd::cli
