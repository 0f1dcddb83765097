#include <cpd/admin/export.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/points.hpp>

#include <fmt/format.h>

#include <initializer_list>
#include <optional>
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

// How a column is written: as it is, as a yes/no flag, or as points (from
// tenths); `optional` ones may be null.
enum class As { text, integer, flag, points, optional_text, optional_integer, optional_points };

// A field of a record: its name and how its column (the next one) is written.
struct Column
{
  std::string_view name;
  As as;
};

// Writes each row of `sql` as a record of `type` whose fields are its
// columns, in order; returns how many.
int
write_records(Database& db,
              std::ostream& out,
              std::string_view type,
              const char* sql,
              std::initializer_list<Column> columns)
{
  Statement rows(db, sql);
  int count = 0;
  while (rows.step()) {
    auto json = record(type);
    int at = 0;
    for (const auto& [name, as] : columns) {
      switch (as) {
      case As::text:
        json.field(name, rows.text(at));
        break;
      case As::integer:
        json.field(name, rows.integer(at));
        break;
      case As::flag:
        json.field(name, rows.integer(at) != 0);
        break;
      case As::points:
        json.field(name, Points::from_tenths(rows.integer(at)));
        break;
      case As::optional_text:
        json.field(name, rows.optional_text(at));
        break;
      case As::optional_integer:
        json.field(name, rows.optional_integer(at));
        break;
      case As::optional_points: {
        const auto tenths = rows.optional_integer(at);
        json.field(name, tenths ? std::optional(Points::from_tenths(*tenths)) : std::nullopt);
        break;
      }
      }
      ++at;
    }
    write(out, json);
    ++count;
  }
  return count;
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

  summary.members = write_records(
    db,
    out,
    "member",
    "SELECT login, name, email, role, active, cpd_duty, created_at FROM member ORDER BY id",
    {{"login", As::text},
     {"name", As::text},
     {"email", As::text},
     {"role", As::text},
     {"active", As::flag},
     {"cpd_duty", As::flag},
     {"created_at", As::integer}});
  summary.activities =
    write_records(db,
                  out,
                  "activity",
                  "SELECT code, title, points, unit, max_points, evidence_required, retired"
                  " FROM activity ORDER BY id",
                  {{"code", As::text},
                   {"title", As::text},
                   {"points", As::points},
                   {"unit", As::text},
                   {"max_points", As::optional_points},
                   {"evidence_required", As::flag},
                   {"retired", As::flag}});

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

  summary.entries =
    write_records(db,
                  out,
                  "entry",
                  "SELECT e.id, m.login, e.year, e.kind, e.points, e.claim_id, a.login, e.at,"
                  " e.reason FROM entry e JOIN member m ON m.id = e.member_id"
                  " LEFT JOIN member a ON a.id = e.actor_id ORDER BY e.id",
                  {{"id", As::integer},
                   {"member", As::text},
                   {"year", As::integer},
                   {"kind", As::text},
                   {"points", As::points},
                   {"claim", As::optional_integer},
                   {"by", As::optional_text},
                   {"at", As::integer},
                   {"reason", As::optional_text}});
  out.flush();
  if (!out) {
    throw Error(ErrorKind::io, "cannot write the export");
  }
  return summary;
}

} // namespace cpd
