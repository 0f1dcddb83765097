#include <cpd/activities.hpp>
#include <cpd/database.hpp>
#include <cpd/embedded.hpp>
#include <cpd/error.hpp>
#include <cpd/settings.hpp>
#include <cpd/setup.hpp>
#include <cpd/statement.hpp>

namespace cpd {

SetupResult
initialize(Database& db, const Context& context, const SetupRequest& request)
{
  const NewMember secretary{context.login, request.name, request.email, Role::secretary};
  validate_member(secretary);
  Transaction transaction(db, Transaction::Kind::write);
  Statement members(db, "SELECT count(*) FROM member");
  members.step();
  if (members.integer(0) > 0) {
    throw Error(ErrorKind::refused,
                "{} is already set up; a secretary adds members with cpd member add",
                db.path().string());
  }
  if (!request.organisation.empty()) {
    validate_setting("org.name", request.organisation);
    Statement(db, "INSERT OR REPLACE INTO setting(key, value) VALUES ('org.name', ?)")
      .bind(1, request.organisation)
      .run();
  }
  SetupResult result;
  if (request.points_table) {
    result.activities = load_points_table(db, *request.points_table, "the points table");
  } else {
    result.activities = load_points_table(db, *embedded_file("activities.csv"), "activities.csv");
  }
  result.secretary = insert_member(db, context, secretary);
  // Replies and the secretary's mail go to the first secretary's address
  // until a secretary sets another: never to whichever account sorts first.
  Statement(db, "INSERT OR IGNORE INTO setting(key, value) VALUES ('mail.secretary', ?)")
    .bind(1, request.email)
    .run();
  ensure_statement_key(db);
  transaction.commit();
  return result;
}

} // namespace cpd
