#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/imports.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace cpd::cli {

namespace {

struct MemberOptions
{
  std::string login;
  std::string name;
  std::string email;
  bool secretary = false;
  bool no_cpd = false;
  std::string joined;
  std::string file;
  bool dry_run = false;
};

struct SetOptions
{
  std::string login;
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> role;
  bool cpd = false;
  bool no_cpd = false;
  std::string joined;
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
    .field("cpd_duty", member.cpd_duty)
    .field("joined", member.joined)
    .end_object();
}

// What a change changed, as a JSON array of field, from and to.
void
write_changes(Json& json, const std::vector<ChangedField>& changes)
{
  json.begin_array();
  for (const auto& change : changes) {
    json.begin_object()
      .field("field", change.field)
      .field("from", change.from)
      .field("to", change.to)
      .end_object();
  }
  json.end_array();
}

// Whether a change gave a member another join date, which may correct
// closed years and mail the member.
bool
moved_join_date(const std::vector<ChangedField>& changes)
{
  return std::any_of(changes.begin(), changes.end(), [](const ChangedField& change) {
    return change.field == "joined";
  });
}

// "a member", "a membership secretary without a CPD duty".
std::string
describe(const Member& member)
{
  return fmt::format("{}{}",
                     member.role == Role::secretary ? "a membership secretary" : "a member",
                     member.cpd_duty ? "" : " without a CPD duty");
}

void
run_add(const MemberOptions& options, Session& session)
{
  NewMember wanted{options.login,
                   options.name,
                   options.email,
                   options.secretary ? Role::secretary : Role::member,
                   !options.no_cpd};
  wanted.joined = parse_optional_date(options.joined, "--joined");
  const auto member = add_member(session.db(), session.secretary(), wanted);
  if (session.json()) {
    Json json;
    write_member(json, member);
    print(json.str());
    return;
  }
  print(fmt::format("Added {} ({}) as {}{}.\n",
                    member.name,
                    member.login,
                    describe(member),
                    member.joined ? fmt::format(", joined on {}", member.joined->to_long_string())
                                  : std::string()));
}

void
run_list(Session& session)
{
  const auto members = list_members(session.db(), session.secretary());
  if (session.json()) {
    print(json_array(members, write_member));
    return;
  }
  // Join dates only once some member has one.
  const bool joined = std::any_of(
    members.begin(), members.end(), [](const Member& member) { return member.joined.has_value(); });
  std::vector<Table::Column> columns{{"LOGIN"}, {"NAME"}, {"EMAIL"}, {"ROLE"}, {"CPD"}};
  if (joined) {
    columns.push_back({"JOINED"});
  }
  columns.push_back({"STATUS", Table::Align::left, Table::Kind::status});
  Table table(std::move(columns));
  for (const auto& member : members) {
    std::vector<std::string> row{member.login,
                                 member.name,
                                 member.email,
                                 std::string(to_string(member.role)),
                                 member.cpd_duty ? "yes" : "no"};
    if (joined) {
      row.emplace_back(member.joined ? member.joined->to_string() : "");
    }
    row.emplace_back(member.active ? "active" : "deactivated");
    table.add_row(std::move(row));
  }
  print(table.render());
}

void
run_deactivate(const MemberOptions& options, Session& session)
{
  const auto member = deactivate_member(session.db(), session.secretary_or_system(), options.login);
  if (session.json()) {
    Json json;
    write_member(json, member);
    print(json.str());
    return;
  }
  print(fmt::format("Deactivated {} ({}); their record is kept.\n", member.name, member.login));
}

void
run_reactivate(const MemberOptions& options, Session& session)
{
  const auto member = reactivate_member(session.db(), session.secretary_or_system(), options.login);
  if (session.json()) {
    Json json;
    write_member(json, member);
    print(json.str());
    return;
  }
  print(fmt::format("Reactivated {} ({}): they can claim again.\n", member.name, member.login));
}

void
run_set(const SetOptions& options, Session& session)
{
  MemberChange change;
  change.name = options.name;
  change.email = options.email;
  if (options.role) {
    if (*options.role == "member") {
      change.role = Role::member;
    } else if (*options.role == "secretary") {
      change.role = Role::secretary;
    } else {
      throw Error(ErrorKind::usage, "--role takes member or secretary, not '{}'", *options.role);
    }
  }
  if (options.cpd && options.no_cpd) {
    throw Error(ErrorKind::usage, "give --cpd or --no-cpd, not both");
  }
  if (options.cpd || options.no_cpd) {
    change.cpd_duty = options.cpd;
  }
  change.joined = parse_optional_date(options.joined, "--joined");
  const auto result =
    change_member(session.db(), session.secretary_or_system(), options.login, change);
  if (moved_join_date(result.changed)) {
    session.deliver(); // corrected statements of closed years
  }
  if (session.json()) {
    Json json;
    json.begin_object().key("member");
    write_member(json, result.member);
    json.key("changed");
    write_changes(json, result.changed);
    json.end_object();
    print(json.str());
    return;
  }
  if (result.changed.empty()) {
    print(fmt::format(
      "Nothing changed: {} ({}) is already like that.\n", result.member.name, result.member.login));
    return;
  }
  std::string out = fmt::format("Changed {}:\n", result.member.login);
  for (const auto& field : result.changed) {
    out += fmt::format("  {:<9} {} -> {}\n",
                       field.field == "cpd_duty" ? "CPD duty"
                       : field.field == "joined" ? "joined on"
                                                 : field.field,
                       field.from,
                       field.to);
  }
  print(out);
}

void
run_confirm_account(const MemberOptions& options, Session& session)
{
  const auto member = confirm_account(session.db(), session.secretary_or_system(), options.login);
  if (session.json()) {
    Json json;
    write_member(json, member);
    print(json.str());
    return;
  }
  print(fmt::format(
    "Confirmed: the account that next uses cpd as {} is {}'s.\n", member.login, member.name));
}

void
run_import(const MemberOptions& options, Session& session)
{
  const auto dry_run = options.dry_run ? DryRun::yes : DryRun::no;
  std::istringstream in(session.input(options.file));
  const auto joined = parse_optional_date(options.joined, "--joined");
  const auto summary = import_members(session.db(),
                                      session.secretary_or_system(),
                                      in,
                                      base_name(options.file).value_or(options.file),
                                      dry_run,
                                      joined);
  if (!options.dry_run
      && std::any_of(summary.rows.begin(), summary.rows.end(), [](const auto& row) {
           return moved_join_date(row.changes);
         })) {
    session.deliver(); // corrected statements of closed years
  }
  auto action = [](MemberImportRow::Action a) {
    switch (a) {
    case MemberImportRow::Action::add:
      return "add";
    case MemberImportRow::Action::update:
      return "update";
    case MemberImportRow::Action::unchanged:
      return "unchanged";
    }
    return "unchanged";
  };
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("added", summary.added)
      .field("updated", summary.updated)
      .field("unchanged", summary.unchanged)
      .field("dry_run", options.dry_run)
      .key("rows")
      .begin_array();
    for (const auto& row : summary.rows) {
      json.begin_object()
        .field("where", row.where)
        .field("login", row.login)
        .field("action", action(row.action))
        .key("changes");
      write_changes(json, row.changes);
      json.end_object();
    }
    json.end_array().key("warnings").begin_array();
    for (const auto& warning : summary.warnings) {
      json.value(warning);
    }
    json.end_array().end_object();
    print(json.str());
    return;
  }
  for (const auto& warning : summary.warnings) {
    note("warning: " + warning);
  }
  std::string out;
  for (const auto& row : summary.rows) {
    // Row by row what a dry run would change; a real import gives the counts.
    if (!options.dry_run || row.action == MemberImportRow::Action::unchanged) {
      continue;
    }
    out += fmt::format("{}: would {} {}", row.where, action(row.action), row.login);
    std::string changes;
    for (const auto& change : row.changes) {
      changes += fmt::format(
        "{}{} {} -> {}", changes.empty() ? "" : ", ", change.field, change.from, change.to);
    }
    out += changes.empty() ? "\n" : fmt::format(": {}\n", changes);
  }
  out += fmt::format("{}{} added, {} updated, {} unchanged{}.\n",
                     options.dry_run ? "Dry run: " : "",
                     summary.added,
                     summary.updated,
                     summary.unchanged,
                     options.dry_run ? "; nothing was changed" : "");
  print(out);
}

} // namespace

void
register_member(Command& root)
{
  auto options = std::make_shared<MemberOptions>();
  auto member =
    root.add("member", "add, list, change, import, deactivate and reactivate members (secretary)");
  member.require_command();

  auto add = member.add("add", "add a member");
  add.option("login", options->login, "their login on this host").required();
  add.option("--name", options->name, "full name").required();
  add.option("--email", options->email, "email address").required();
  add.flag("--secretary", options->secretary, "make them a membership secretary");
  add.flag("--no-cpd",
           options->no_cpd,
           "a staff or system account: no CPD duty, so no reminders or statements");
  add
    .option("--joined",
            options->joined,
            "the day they were admitted: their first year's requirement is pro-rated")
    .type_name("YYYY-MM-DD");
  add.run([options](Session& session) { run_add(*options, session); });

  auto list = member.add("list", "list every member");
  list.run([](Session& session) { run_list(session); });

  auto import = member.add(
    "import", "add and update members from CSV: login,name,email[,role][,joined]; all or nothing");
  import.option("file", options->file, "the CSV file, with a header row").required();
  import.flag("--dry-run", options->dry_run, "report what would change; change nothing");
  import
    .option("--joined",
            options->joined,
            "the day the members it adds were admitted, for rows without a join date")
    .type_name("YYYY-MM-DD");
  import.run([options](Session& session) { run_import(*options, session);
},
             [options] {
  return std::vector{options->file}; });

auto deactivate = member.add("deactivate", "stop a member from claiming; keep their record");
deactivate.option("login", options->login, "their login").required();
deactivate.run([options](Session& session) { run_deactivate(*options, session); });

auto reactivate = member.add("reactivate", "let a deactivated member claim again");
reactivate.option("login", options->login, "their login").required();
reactivate.run([options](Session& session) { run_reactivate(*options, session); });

auto confirm = member.add("confirm-account",
                          "accept the host account now using a member's login as theirs, "
                          "after it was made again with another user id");
confirm.option("login", options->login, "their login").required();
confirm.run([options](Session& session) { run_confirm_account(*options, session); });

auto setting = std::make_shared<SetOptions>();
auto set = member.add("set", "change a member's name, email, role, CPD duty or join date");
set.option("login", setting->login, "their login").required();
set.option("--name", setting->name, "full name").type_name("NAME");
set.option("--email", setting->email, "email address").type_name("EMAIL");
set.option("--role", setting->role, "member or secretary").type_name("ROLE");
set.flag("--cpd", setting->cpd, "they have a CPD duty (the usual)");
set.flag("--no-cpd", setting->no_cpd, "a staff or system account: no CPD duty");
set
  .option("--joined",
          setting->joined,
          "the day they were admitted; closed years' carries follow it")
  .type_name("YYYY-MM-DD");
set.run([setting](Session& session) { run_set(*setting, session); });
} // namespace cpd::cli

} // namespace cpd::cli
