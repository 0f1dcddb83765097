#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/export.hpp>
#include <cpd/members.hpp>
#include <cpd/points.hpp>
#include <cpd/text.hpp>

#include <fmt/format.h>

#include <ostream>

namespace cpd {

namespace {

// One JSON object on one line, built field by field.
class Line
{
public:
  explicit Line(std::string_view type)
  {
    m_text = "{\"type\":" + json_string(type);
  }

  Line&
  text(std::string_view name, std::string_view value)
  {
    return raw(name, json_string(value));
  }

  Line&
  optional_text(std::string_view name, const std::optional<std::string>& value)
  {
    return value ? text(name, *value) : raw(name, "null");
  }

  Line&
  number(std::string_view name, std::int64_t value)
  {
    return raw(name, std::to_string(value));
  }

  Line&
  number(std::string_view name, const std::optional<std::int64_t>& value)
  {
    return value ? number(name, *value) : raw(name, "null");
  }

  Line&
  raw(std::string_view name, std::string_view json)
  {
    m_text += ',';
    m_text += json_string(name);
    m_text += ':';
    m_text += json;
    return *this;
  }

  void
  write(std::ostream& out)
  {
    m_text += "}\n";
    out << m_text;
  }

private:
  std::string m_text;
};

std::string
points_json(std::int64_t tenths)
{
  return Points::from_tenths(tenths).to_string();
}

} // namespace

ExportSummary
export_database(Database& db, const Context& context, std::ostream& out)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_secretary(db, context);
  ExportSummary summary;
  Line("export")
    .number("format", 1)
    .number("schema", db.schema_version())
    .number("created_at", context.now)
    .write(out);

  Statement members(db,
                    "SELECT login, name, email, role, active, created_at, cpd_duty FROM member"
                    " ORDER BY id");
  while (members.step()) {
    Line("member")
      .text("login", members.text(0))
      .text("name", members.text(1))
      .text("email", members.text(2))
      .text("role", members.text(3))
      .raw("active", members.integer(4) != 0 ? "true" : "false")
      .raw("cpd_duty", members.integer(6) != 0 ? "true" : "false")
      .number("created_at", members.integer(5))
      .write(out);
    ++summary.members;
  }

  Statement activities(db,
                       "SELECT code, title, points, unit, max_points, evidence_required, retired"
                       " FROM activity ORDER BY id");
  while (activities.step()) {
    const auto max = activities.optional_integer(4);
    Line("activity")
      .text("code", activities.text(0))
      .text("title", activities.text(1))
      .raw("points", points_json(activities.integer(2)))
      .text("unit", activities.text(3))
      .raw("max_points", max ? points_json(*max) : "null")
      .raw("evidence_required", activities.integer(5) != 0 ? "true" : "false")
      .raw("retired", activities.integer(6) != 0 ? "true" : "false")
      .write(out);
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
    std::string attachments = "[";
    files.reset();
    files.bind(1, id);
    while (files.step()) {
      attachments += fmt::format("{}{{\"name\":{},\"media_type\":{},\"size\":{},\"sha256\":{}}}",
                                 attachments.size() > 1 ? "," : "",
                                 json_string(files.text(0)),
                                 json_string(files.text(1)),
                                 files.integer(2),
                                 json_string(files.text(3)));
    }
    attachments += "]";
    Line("claim")
      .number("id", id)
      .text("member", claims.text(1))
      .text("activity", claims.text(2))
      .text("date", claims.text(3))
      .number("year", claims.integer(4))
      .raw("quantity", quantity ? Quantity::from_hundredths(*quantity).to_string() : "null")
      .raw("points", points_json(claims.integer(6)))
      .optional_text("note", claims.optional_text(7))
      .text("status", claims.text(8))
      .number("submitted_at", claims.integer(9))
      .optional_text("decided_by", claims.optional_text(10))
      .number("decided_at", claims.optional_integer(11))
      .optional_text("reason", claims.optional_text(12))
      .raw("attachments", attachments)
      .write(out);
    ++summary.claims;
  }

  Statement entries(db,
                    "SELECT e.id, m.login, e.year, e.kind, e.points, e.claim_id, a.login, e.at,"
                    " e.reason FROM entry e JOIN member m ON m.id = e.member_id"
                    " LEFT JOIN member a ON a.id = e.actor_id ORDER BY e.id");
  while (entries.step()) {
    Line("entry")
      .number("id", entries.integer(0))
      .text("member", entries.text(1))
      .number("year", entries.integer(2))
      .text("kind", entries.text(3))
      .raw("points", points_json(entries.integer(4)))
      .number("claim", entries.optional_integer(5))
      .optional_text("by", entries.optional_text(6))
      .number("at", entries.integer(7))
      .optional_text("reason", entries.optional_text(8))
      .write(out);
    ++summary.entries;
  }
  out.flush();
  if (!out) {
    throw Error(ErrorKind::io, "cannot write the export");
  }
  return summary;
}

} // namespace cpd
