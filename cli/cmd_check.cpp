#include "commands.hpp"
#include "output.hpp"

#include <cpd/admin/check.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

namespace cpd::cli {

void
register_check(Command& root)
{
  auto command = root.add(
    "check", "verify the database and that the ledger follows the scheme's rules (secretary)");
  command.run([](Session& session) {
    const auto problems = check_database(session.db(), session.secretary_or_system());
    if (session.json()) {
      Json json;
      json.begin_object().field("ok", problems.empty()).key("problems").begin_array();
      for (const auto& problem : problems) {
        json.value(problem);
      }
      json.end_array().end_object();
      print(json.str());
    } else {
      for (const auto& problem : problems) {
        print(problem + '\n');
      }
    }
    if (!problems.empty()) {
      throw Error(ErrorKind::bad_input,
                  "{} problem{} found in {}",
                  problems.size(),
                  problems.size() == 1 ? "" : "s",
                  session.database_name());
    }
    if (!session.json()) {
      print("The database is sound and the ledger follows the scheme's rules.\n");
    }
  });
}

} // namespace cpd::cli
