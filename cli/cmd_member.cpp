#include "commands.hpp"
#include "output.hpp"

#include <cpd/imports.hpp>
#include <cpd/members.hpp>
#include <cpd/text.hpp>

#include <fmt/format.h>

#include <sstream>

namespace cpd::cli {

namespace {

struct MemberOptions
{
  std::string login;
  std::string name;
  std::string email;
  bool secretary = false;
  std::string file;
  bool dry_run = false;
};

void
write_member(Json& json, const Member& member)
{
  json.begin_object()
    .field("login", member.login)
    .field("name", member.name)
    .field("email", member.email)
    .field("role", std::string(to_string(member.role)))
    .field("active", member.active)
    .end_object();
}

void
run_add(const MemberOptions& options, Session& session)
{
  const auto member = add_member(session.db(),
                                 session.context(),
                                 NewMember{options.login,
                                           options.name,
                                           options.email,
                                           options.secretary ? Role::secretary : Role::member});
  if (session.json()) {
    Json json;
    write_member(json, member);
    print(json.str());
    return;
  }
  print(fmt::format("Added {} ({}) as a {}.\n", member.name, member.login, to_string(member.role)));
}

void
run_list(Session& session)
{
  const auto members = list_members(session.db(), session.context());
  if (session.json()) {
    Json json;
    json.begin_array();
    for (const auto& member : members) {
      write_member(json, member);
    }
    json.end_array();
    print(json.str());
    return;
  }
  Table table({{"LOGIN"},
               {"NAME"},
               {"EMAIL"},
               {"ROLE"},
               {"STATUS", Table::Align::left, Table::Kind::status}});
  for (const auto& member : members) {
    table.add_row({member.login,
                   member.name,
                   member.email,
                   std::string(to_string(member.role)),
                   member.active ? "active" : "deactivated"});
  }
  print(table.render());
}

void
run_deactivate(const MemberOptions& options, Session& session)
{
  const auto member = deactivate_member(session.db(), session.context(), options.login);
  if (session.json()) {
    Json json;
    write_member(json, member);
    print(json.str());
    return;
  }
  print(fmt::format("Deactivated {} ({}); their record is kept.\n", member.name, member.login));
}

void
run_import(const MemberOptions& options, Session& session)
{
  const auto dry_run = options.dry_run ? DryRun::yes : DryRun::no;
  std::istringstream in(session.input(options.file));
  const auto summary = import_members(
    session.db(), session.context(), in, base_name(options.file).value_or(options.file), dry_run);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("added", summary.added)
      .field("updated", summary.updated)
      .field("unchanged", summary.unchanged)
      .field("dry_run", options.dry_run)
      .end_object();
    print(json.str());
    return;
  }
  print(fmt::format("{}{} added, {} updated, {} unchanged{}.\n",
                    options.dry_run ? "Dry run: " : "",
                    summary.added,
                    summary.updated,
                    summary.unchanged,
                    options.dry_run ? "; nothing was changed" : ""));
}

} // namespace

void
register_member(Command& root)
{
  auto options = std::make_shared<MemberOptions>();
  auto member = root.add("member", "add, list, import and deactivate members (secretary)");
  member.require_command();

  auto add = member.add("add", "add a member");
  add.option("login", options->login, "their login on this host").required();
  add.option("--name", options->name, "full name").required();
  add.option("--email", options->email, "email address").required();
  add.flag("--secretary", options->secretary, "make them a membership secretary");
  add.run([options](Session& session) { run_add(*options, session); });

  auto list = member.add("list", "list every member");
  list.run([](Session& session) { run_list(session); });

  auto import = member.add(
    "import", "add and update members from CSV: login,name,email[,role]; all or nothing");
  import.option("file", options->file, "the CSV file, with a header row").required();
  import.flag("--dry-run", options->dry_run, "report what would change; change nothing");
  import.run([options](Session& session) { run_import(*options, session); },
             [options] { return std::vector{options->file}; });

  auto deactivate = member.add("deactivate", "stop a member from claiming; keep their record");
  deactivate.option("login", options->login, "their login").required();
  deactivate.run([options](Session& session) { run_deactivate(*options, session); });
}

} // namespace cpd::cli
