#include <cpd/admin/export.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/points.hpp>

#include <fmt/format.h>

#include <ostream>

namespace cpd {

namespace {

// One JSON object on one line, built field by field.
// One record of the export: an object with its type first, on one line.
Json
record(std::string_view type)
{
  Json json;
  json.begin_object().field("type", type);
  return json;
}

void
write(std::ostream& out, Json& json)
{
  json.end_object();
  out << json.str();
}

} // namespace

ExportSummary
export_database(Database& db, const Secretary& context, std::ostream& out)
{
  Transaction transaction(db, Transaction::Kind::read);
  ExportSummary summary;
  auto header = record("export");
  header.field("format", 1).field("schema", db.schema_version()).field("created_at", context.now);
  write(out, header);

  Statement members(db,
                    "SELECT login, name, email, role, active, created_at, cpd_duty FROM member"
                    " ORDER BY id");
  while (members.step()) {
    auto member = record("member");
    member.field("login", members.text(0))
      .field("name", members.text(1))
      .field("email", members.text(2))
      .field("role", members.text(3))
      .field("active", members.integer(4) != 0)
      .field("cpd_duty", members.integer(6) != 0)
      .field("created_at", members.integer(5));
    write(out, member);
    ++summary.members;
  }

  Statement activities(db,
                       "SELECT code, title, points, unit, max_points, evidence_required, retired"
                       " FROM activity ORDER BY id");
  while (activities.step()) {
    const auto max = activities.optional_integer(4);
    auto activity = record("activity");
    activity.field("code", activities.text(0))
      .field("title", activities.text(1))
      .field("points", Points::from_tenths(activities.integer(2)))
      .field("unit", activities.text(3))
      .field("max_points", max ? std::optional(Points::from_tenths(*max)) : std::optional<Points>())
      .field("evidence_required", activities.integer(5) != 0)
      .field("retired", activities.integer(6) != 0);
    write(out, activity);
    ++summary.activities;
  }

  Statement claims(db,
                   "SELECT c.id, m.login, a.code, c.activity_date, c.year, c.quantity, c.points,"
                   " c.note, c.status, c.submitted_at, d.login, c.decided_at, c.reason"
                   " FROM claim c JOIN member m ON m.id = c.member_id"
                   " JOIN activity a ON a.id = c.activity_id"
                   " LEFT JOIN member d ON d.id = c.decided_by ORDER BY c.id");
  Statement files(db,
                  "SELECT name, media_type, size, sha256 FROM attachment WHERE claim_id = ?"
                  " ORDER BY id");
  while (claims.step()) {
    const auto id = claims.integer(0);
    const auto quantity = claims.optional_integer(5);
    auto claim = record("claim");
    claim.field("id", id)
      .field("member", claims.text(1))
      .field("activity", claims.text(2))
      .field("date", claims.text(3))
      .field("year", claims.integer(4))
      .key("quantity");
    if (quantity) {
      claim.number(Quantity::from_hundredths(*quantity).to_string());
    } else {
      claim.null();
    }
    claim.field("points", Points::from_tenths(claims.integer(6)))
      .field("note", claims.optional_text(7))
      .field("status", claims.text(8))
      .field("submitted_at", claims.integer(9))
      .field("decided_by", claims.optional_text(10))
      .field("decided_at", claims.optional_integer(11))
      .field("reason", claims.optional_text(12))
      .key("attachments")
      .begin_array();
    files.reset();
    files.bind(1, id);
    while (files.step()) {
      claim.begin_object()
        .field("name", files.text(0))
        .field("media_type", files.text(1))
        .field("size", files.integer(2))
        .field("sha256", files.text(3))
        .end_object();
    }
    claim.end_array();
    write(out, claim);
    ++summary.claims;
  }

  Statement entries(db,
                    "SELECT e.id, m.login, e.year, e.kind, e.points, e.claim_id, a.login, e.at,"
                    " e.reason FROM entry e JOIN member m ON m.id = e.member_id"
                    " LEFT JOIN member a ON a.id = e.actor_id ORDER BY e.id");
  while (entries.step()) {
    auto entry = record("entry");
    entry.field("id", entries.integer(0))
      .field("member", entries.text(1))
      .field("year", entries.integer(2))
      .field("kind", entries.text(3))
      .field("points", Points::from_tenths(entries.integer(4)))
      .field("claim", entries.optional_integer(5))
      .field("by", entries.optional_text(6))
      .field("at", entries.integer(7))
      .field("reason", entries.optional_text(8));
    write(out, entry);
    ++summary.entries;
  }
  out.flush();
  if (!out) {
    throw Error(ErrorKind::io, "cannot write the export");
  }
  return summary;
}

} // namespace cpd
