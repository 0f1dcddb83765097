#include "commands.hpp"
#include "output.hpp"
#include "privileges.hpp"

#include <cpd/error.hpp>
#include <cpd/setup.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace cpd::cli {

namespace {

struct InitOptions
{
  std::string name;
  std::string email;
  std::string org;
  std::string points_table;
  std::string login;
};

void
run(const InitOptions& options, Session& session)
{
  SetupRequest request{options.name, options.email, options.org, std::nullopt};
  if (privileged() && getuid() != 0) {
    throw Error(ErrorKind::permission,
                "on an installed cpd only root sets up the database: sudo cpd init "
                "--login LOGIN ...");
  }
  if (!options.points_table.empty()) {
    const UserRights as_user;
    std::ifstream in(options.points_table, std::ios::binary);
    if (!in) {
      throw Error(ErrorKind::no_input, "cannot read {}", options.points_table);
    }
    std::ostringstream text;
    text << in.rdbuf();
    request.points_table = text.str();
  }
  auto& db = session.create_db();
  auto context = session.context();
  if (!options.login.empty()) {
    context.login = options.login;
  }
  const auto result = initialize(db, context, request);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("database", session.db_path())
      .field("secretary", result.secretary.login)
      .field("activities", static_cast<std::int64_t>(result.activities))
      .end_object();
    print(json.str());
    return;
  }
  print(fmt::format("Set up {} with {} activities in the points table; {} is the "
                    "membership secretary.\nNext: add members with `cpd member add "
                    "LOGIN --name NAME --email ADDRESS`.\n",
                    session.db_path(),
                    result.activities,
                    result.secretary.login));
}

} // namespace

void
register_init(CLI::App& app, Session& session)
{
  auto options = std::make_shared<InitOptions>();
  auto* command = app.add_subcommand(
    "init", "create the database, load the points table and make yourself secretary");
  command->add_option("--name", options->name, "your full name")->required();
  command->add_option("--email", options->email, "your email address")->required();
  command->add_option("--org", options->org, "the professional body's name");
  command
    ->add_option("--points-table",
                 options->points_table,
                 "a CSV points table to load instead of the shipped IIMS one")
    ->type_name("FILE");
  command->add_option("--login", options->login, "the first secretary's login (default: yours)")
    ->type_name("LOGIN");
  command->callback([options, &session] { run(*options, session); });
}

} // namespace cpd::cli
