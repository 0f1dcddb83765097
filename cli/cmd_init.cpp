#include "commands.hpp"
#include "output.hpp"

#include <cpd/admin/setup.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct InitOptions
{
  std::string name;
  std::string email;
  std::string org;
  std::string points_table;
  std::string login;
  std::string scheme = std::string(k_default_preset);
  bool no_cpd = false;
};

void
run(const InitOptions& options, Session& session)
{
  SetupRequest request{
    options.name, options.email, options.org, std::nullopt, options.scheme, !options.no_cpd};
  // Before there is a scheme there is no zone of its own.
  auto context = session.context();
  if (context.actor == Actor::system) {
    // Root or the server's own user sets up a shared host for a secretary.
    if (options.login.empty()) {
      throw Error(ErrorKind::usage,
                  "name the first membership secretary: cpd init --login LOGIN --name ... "
                  "--email ...");
    }
    context.actor = Actor::person;
  } else if (!session.local()) {
    throw Error(ErrorKind::permission,
                "on a shared host only the system administrator sets cpd up (as root: cpd init "
                "--login LOGIN ...)");
  }
  if (!options.login.empty()) {
    context.login = options.login;
  }
  if (!options.points_table.empty()) {
    request.points_table = session.input(options.points_table);
  }
  find_preset(options.scheme); // an unknown scheme makes no database
  auto& db = session.create_db();
  const auto result = initialize(db, context, request);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("database", session.database_name())
      .field("secretary", result.secretary.login)
      .field("activities", static_cast<std::int64_t>(result.activities))
      .field("scheme", result.scheme.name)
      .end_object();
    print(json.str());
    return;
  }
  print(fmt::format("Set up {}{} with {} activities in the points table; {} is the "
                    "membership secretary.\nNext: add members with `cpd member add "
                    "LOGIN --name NAME --email ADDRESS`.\n",
                    session.database_name(),
                    result.scheme.name == k_default_preset
                      ? std::string()
                      : fmt::format(" under the rules of the {}", result.scheme.title),
                    result.activities,
                    result.secretary.login));
}

} // namespace

void
register_init(Command& root)
{
  auto options = std::make_shared<InitOptions>();
  auto command =
    root.add("init", "create the database, load the points table and make yourself secretary");
  command.option("--name", options->name, "your full name").required();
  command.option("--email", options->email, "your email address").required();
  command.option("--org", options->org, "the professional body's name");
  command
    .option("--points-table",
            options->points_table,
            "a CSV points table to load instead of the scheme's own")
    .type_name("FILE");
  command.option("--login", options->login, "the first secretary's login (default: yours)")
    .type_name("LOGIN");
  command.flag("--no-cpd",
               options->no_cpd,
               "the first secretary is staff, with no CPD duty (nobody changes their own later)");
  command
    .option("--scheme",
            options->scheme,
            "a shipped scheme's rules and points table: iims (the default), rics or acca")
    .type_name("NAME");
  command.run([options](Session& session) { run(*options, session); },
              [options] {
                return options->points_table.empty() ? std::vector<std::string>{}
                                                     : std::vector{options->points_table};
              });
}

} // namespace cpd::cli
