// Statements: the canonical encoding of a member's year, its verification
// code (HMAC-SHA-256), and its text and HTML forms, which must say the same
// thing. Over 500 lines because the three forms are kept side by side.

#include <cpd/claims/claims.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/names.hpp>
#include <cpd/util/sha256.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/statement.hpp>

#include <charconv>
#include <utility>

namespace cpd {

namespace {

constexpr Names<Standing, 4> k_standing_names{{{Standing::compliant, "compliant"},
                                               {Standing::short_of_quota, "short"},
                                               {Standing::exempt, "exempt"},
                                               {Standing::in_progress, "in_progress"}}};

constexpr std::string_view k_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t k_code_digits = 16;
constexpr std::string_view k_format = "cpd-statement-1";

// --- The canonical encoding ---

void
put(std::string& out, std::string_view name, std::string_view value)
{
  out += fmt::format("{} {}\n", name, value.size());
  out += value;
  out += '\n';
}

// Reads the fields of an encoding in order.
class Fields
{
public:
  explicit Fields(std::string_view text)
    : m_rest(text)
  {}

  bool
  done() const
  {
    return m_rest.empty();
  }

  // The next field, which must be called `name`.
  std::string_view
  take(std::string_view name)
  {
    const auto [found, value] = next();
    if (found != name) {
      malformed();
    }
    return value;
  }

  // The next field if it is called `name`; else nothing, and it stays next.
  std::optional<std::string_view>
  take_if(std::string_view name)
  {
    const auto rest = m_rest;
    if (done()) {
      return std::nullopt;
    }
    const auto [found, value] = next();
    if (found == name) {
      return value;
    }
    m_rest = rest;
    return std::nullopt;
  }

  std::pair<std::string_view, std::string_view>
  next()
  {
    const auto space = m_rest.find(' ');
    const auto newline = m_rest.find('\n');
    if (space == std::string_view::npos || newline == std::string_view::npos || space > newline) {
      malformed();
    }
    const auto name = m_rest.substr(0, space);
    const auto digits = m_rest.substr(space + 1, newline - space - 1);
    std::size_t length = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()
        || length > m_rest.size() - newline - 1 || m_rest.size() - newline - 1 - length < 1
        || m_rest[newline + 1 + length] != '\n') {
      malformed();
    }
    const auto value = m_rest.substr(newline + 1, length);
    m_rest.remove_prefix(newline + 2 + length);
    return {name, value};
  }

  [[noreturn]] static void
  malformed()
  {
    throw Error(ErrorKind::bad_input, "a stored statement is malformed");
  }

private:
  std::string_view m_rest;
};

std::int64_t
to_integer(std::string_view text)
{
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    Fields::malformed();
  }
  return value;
}

Points
to_points(std::string_view text)
{
  const auto points = Points::parse(text, Points::Sign::allowed);
  if (!points) {
    Fields::malformed();
  }
  return *points;
}

Date
to_date(std::string_view text)
{
  const auto date = Date::parse(text);
  if (!date) {
    Fields::malformed();
  }
  return *date;
}

std::optional<Standing>
parse_standing(std::string_view text)
{
  return value_named(k_standing_names, text);
}

// --- Issuing ---

// The key, which a database that has issued statements must have.
std::string
statement_key(Database& db)
{
  auto key = db.statement_key();
  if (key.empty()) {
    throw Error(ErrorKind::config,
                "the statement key {} is missing: put back the copy kept with the database's "
                "backups, or no code of its statements verifies",
                db.key_path().string());
  }
  return key;
}

// The last closed year, or this year while none is closed.
int
default_year(Database& db, const Context& context)
{
  Statement query(db, "SELECT max(year) FROM year_close WHERE year < ?");
  query.bind(1, context.today.year());
  query.step();
  return query.is_null(0) ? context.today.year() : static_cast<int>(query.integer(0));
}

CpdStatement
compose(Database& db, const Member& member, int year)
{
  const auto balance = member_balance(db, member.id, year);
  CpdStatement statement;
  statement.organisation = load_scheme(db).organisation;
  statement.member = member.login;
  statement.name = member.name;
  statement.year = year;
  statement.closed = balance.closed;
  statement.quota = balance.quota;
  statement.earned = balance.earned;
  statement.carried_in = balance.carried_in;
  statement.total = balance.total;
  statement.remaining = balance.remaining;
  if (balance.exempt) {
    statement.standing = Standing::exempt;
  } else if (balance.compliant) {
    statement.standing = Standing::compliant;
  } else {
    statement.standing = balance.closed ? Standing::short_of_quota : Standing::in_progress;
  }
  const auto& judged = balance.judgement;
  if (judged.requirements.size() > 1 || judged.cycle_from < judged.year) {
    statement.requirement = requirement_phrase(judged, std::nullopt, {}, Reasons::omit);
    if (judged.quota != judged.full_quota) {
      statement.requirement += " (pro rata)";
    }
    if (!balance.compliant && !balance.exempt && !short_of_total_only(judged)) {
      statement.short_by = needs_phrase(judged, false);
    }
  }
  for (const auto& claim : member_claims(db, member.id, year)) {
    if (claim.status == ClaimStatus::approved) {
      statement.activities.push_back({claim.id,
                                      claim.date,
                                      claim.activity,
                                      claim.activity_title,
                                      claim.quantity,
                                      claim.unit,
                                      claim.points});
    }
  }
  return statement;
}

std::string
escape_html(std::string_view text)
{
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace

std::string_view
to_string(Standing standing)
{
  return name_of(k_standing_names, standing);
}

std::string
encode_statement(const CpdStatement& statement)
{
  std::string out;
  put(out, "format", k_format);
  put(out, "organisation", statement.organisation);
  put(out, "member", statement.member);
  put(out, "name", statement.name);
  put(out, "year", std::to_string(statement.year));
  put(out, "closed", statement.closed ? "yes" : "no");
  put(out, "quota", statement.quota.to_string());
  put(out, "earned", statement.earned.to_string());
  put(out, "carried_in", statement.carried_in.to_string());
  put(out, "total", statement.total.to_string());
  put(out, "remaining", statement.remaining.to_string());
  put(out, "standing", to_string(statement.standing));
  // Only for schemes of more than one total a year, so that the statements
  // of those there are keep their content, and their codes.
  if (!statement.requirement.empty()) {
    put(out, "requirement", statement.requirement);
  }
  if (!statement.short_by.empty()) {
    put(out, "short_by", statement.short_by);
  }
  for (const auto& activity : statement.activities) {
    std::string fields;
    put(fields, "claim", std::to_string(activity.claim_id));
    put(fields, "date", activity.date.to_string());
    put(fields, "activity", activity.activity);
    put(fields, "title", activity.title);
    put(fields, "quantity", activity.quantity ? activity.quantity->to_string() : "");
    put(fields, "unit", to_string(activity.unit));
    put(fields, "points", activity.points.to_string());
    put(out, "approved", fields);
  }
  return out;
}

CpdStatement
decode_statement(std::string_view content)
{
  Fields fields(content);
  if (fields.take("format") != k_format) {
    Fields::malformed();
  }
  CpdStatement statement;
  statement.organisation = fields.take("organisation");
  statement.member = fields.take("member");
  statement.name = fields.take("name");
  statement.year = static_cast<int>(to_integer(fields.take("year")));
  const auto closed = fields.take("closed");
  if (closed != "yes" && closed != "no") {
    Fields::malformed();
  }
  statement.closed = closed == "yes";
  statement.quota = to_points(fields.take("quota"));
  statement.earned = to_points(fields.take("earned"));
  statement.carried_in = to_points(fields.take("carried_in"));
  statement.total = to_points(fields.take("total"));
  statement.remaining = to_points(fields.take("remaining"));
  const auto standing = parse_standing(fields.take("standing"));
  if (!standing) {
    Fields::malformed();
  }
  statement.standing = *standing;
  statement.requirement = fields.take_if("requirement").value_or("");
  statement.short_by = fields.take_if("short_by").value_or("");
  while (!fields.done()) {
    Fields inner(fields.take("approved"));
    StatementActivity activity;
    activity.claim_id = to_integer(inner.take("claim"));
    activity.date = to_date(inner.take("date"));
    activity.activity = inner.take("activity");
    activity.title = inner.take("title");
    const auto quantity = inner.take("quantity");
    if (!quantity.empty()) {
      activity.quantity = Quantity::parse(quantity);
      if (!activity.quantity) {
        Fields::malformed();
      }
    }
    const auto unit = parse_unit(inner.take("unit"));
    if (!unit) {
      Fields::malformed();
    }
    activity.unit = *unit;
    activity.points = to_points(inner.take("points"));
    if (!inner.done()) {
      Fields::malformed();
    }
    statement.activities.push_back(std::move(activity));
  }
  return statement;
}

std::string
statement_code(std::string_view key, std::string_view content)
{
  const auto mac = hmac_sha256(key, content);
  std::string code;
  // 80 bits: five bytes make eight digits of five bits each.
  for (std::size_t group = 0; group < 2; ++group) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 5; ++i) {
      bits = (bits << 8) | mac[group * 5 + i];
    }
    for (int shift = 35; shift >= 0; shift -= 5) {
      code += k_alphabet[(bits >> shift) & 0x1f];
    }
  }
  return code;
}

std::optional<std::string>
parse_statement_code(std::string_view text)
{
  if (text.size() > 64) {
    return std::nullopt;
  }
  std::string code;
  for (const char raw : text) {
    if (raw == '-' || raw == ' ') {
      continue;
    }
    char c = raw >= 'a' && raw <= 'z' ? static_cast<char>(raw - 'a' + 'A') : raw;
    if (c == 'O') {
      c = '0';
    } else if (c == 'I' || c == 'L') {
      c = '1';
    }
    if (k_alphabet.find(c) == std::string_view::npos) {
      return std::nullopt;
    }
    code += c;
  }
  if (code.size() != k_code_digits) {
    return std::nullopt;
  }
  return code;
}

std::string
format_statement_code(std::string_view code)
{
  std::string out;
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i > 0 && i % 4 == 0) {
      out += '-';
    }
    out += code[i];
  }
  return out;
}

void
ensure_statement_key(Database& db)
{
  db.ensure_statement_key();
}

CpdStatement
issue_statement(Database& db,
                const MemberActor& context,
                const std::optional<std::string>& login,
                std::optional<int> year)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto& requester = context;
  const auto member = resolve_subject(db, context, login);
  const int the_year = checked_year(year.value_or(default_year(db, context)));
  if (the_year > context.today.year()) {
    throw Error(ErrorKind::refused, "the CPD year {} has not begun", the_year);
  }
  if (!member.cpd_duty) {
    throw Error(ErrorKind::refused,
                "{} has no CPD duty, so there is no statement of {} to issue",
                member.login,
                the_year);
  }
  ensure_statement_key(db);
  auto statement = compose(db, member, the_year);
  const auto content = encode_statement(statement);
  statement.code = statement_code(statement_key(db), content);

  Statement same(db, "SELECT id, issued_on, superseded_on FROM statement WHERE code = ?");
  same.bind(1, statement.code);
  const bool known = same.step();
  const auto known_id = known ? same.integer(0) : 0;
  const bool current = known && same.is_null(2);
  statement.issued = known ? Date::parse(same.text(1)).value_or(context.today) : context.today;
  same.reset();
  if (!current) {
    // What this member's statement of the year said until now is superseded.
    Statement(db,
              "UPDATE statement SET superseded_on = ? WHERE member_id = ? AND year = ?"
              " AND superseded_on IS NULL")
      .bind_all(context.today.to_string(), member.id, the_year)
      .run();
    if (known) {
      // The record is back to what an earlier statement said: it holds again.
      Statement(db, "UPDATE statement SET superseded_on = NULL WHERE id = ?")
        .bind(1, known_id)
        .run();
    } else {
      Statement(db,
                "INSERT INTO statement(member_id, year, code, content, issued_on, at, actor_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind_all(member.id,
                  the_year,
                  statement.code,
                  content,
                  context.today.to_string(),
                  context.now,
                  requester.id)
        .run();
    }
  }
  transaction.commit();
  return statement;
}

CpdStatement
verify_statement(Database& db, std::string_view code)
{
  const auto canonical = parse_statement_code(code);
  if (!canonical) {
    throw Error(ErrorKind::bad_input,
                "{} is not a verification code: it has 16 letters and digits, like "
                "7K3M-9QXD-2B8F-H4TN",
                code.size() <= 40 ? fmt::format("'{}'", code) : std::string("that"));
  }
  Transaction transaction(db, Transaction::Kind::read);
  Statement query(db,
                  "SELECT s.content, s.issued_on, s.superseded_on, m.id, m.login, m.name"
                  " FROM statement s JOIN member m ON m.id = s.member_id"
                  " WHERE s.code = ?");
  query.bind(1, *canonical);
  if (!query.step()) {
    throw Error(ErrorKind::refused,
                "no statement cpd issued has the code {}: it is not genuine, or mistyped",
                format_statement_code(*canonical));
  }
  const auto content = query.text(0);
  if (statement_code(statement_key(db), content) != *canonical) {
    throw Error(ErrorKind::bad_input,
                "the stored statement {} does not match its code: the record was altered "
                "(tell the organisation that issued it)",
                format_statement_code(*canonical));
  }
  auto statement = decode_statement(content);
  statement.code = *canonical;
  statement.issued = to_date(query.text(1));
  if (!query.is_null(2)) {
    statement.superseded_on = to_date(query.text(2));
  }
  Member member;
  member.id = query.integer(3);
  member.login = query.text(4);
  member.name = query.text(5);
  statement.record_changed =
    !statement.superseded_on && encode_statement(compose(db, member, statement.year)) != content;
  return statement;
}

std::vector<std::string>
check_statements(Database& db)
{
  std::vector<std::string> problems;
  const auto key = db.statement_key();
  Statement query(db, "SELECT id, code, content FROM statement ORDER BY id");
  if (key.empty()) {
    if (query.step()) {
      problems.push_back(fmt::format(
        "the statement key {} is missing: no statement's code can be verified; put back the "
        "copy kept with the database's backups",
        db.key_path().string()));
    }
    return problems;
  }
  while (query.step()) {
    if (statement_code(key, query.text(2)) != query.text(1)) {
      problems.push_back(fmt::format("statement {} (#{}) does not match its verification code",
                                     format_statement_code(query.text(1)),
                                     query.integer(0)));
    }
  }
  return problems;
}

std::string
quantity_phrase(const std::optional<Quantity>& quantity, Unit unit)
{
  if (!quantity) {
    return {};
  }
  return fmt::format(
    "{} {}{}", quantity->to_string(), to_string(unit), quantity->hundredths() == 100 ? "" : "s");
}

std::string
issuer(const CpdStatement& statement)
{
  return statement.organisation.empty() ? std::string("cpd") : statement.organisation;
}

std::string
quota_of(const CpdStatement& statement)
{
  return statement.requirement.empty() ? points_phrase(statement.quota) : statement.requirement;
}

std::string
standing_phrase(const CpdStatement& statement)
{
  const auto quota = quota_of(statement);
  switch (statement.standing) {
  case Standing::compliant:
    return fmt::format("compliant: the quota of {} was met", quota);
  case Standing::short_of_quota:
    if (!statement.short_by.empty()) {
      return fmt::format(
        "not compliant: short of the quota of {} by {}", quota, statement.short_by);
    }
    return fmt::format(
      "not compliant: {} short of the quota of {}", points_phrase(statement.remaining), quota);
  case Standing::exempt:
    return fmt::format("exempt from the quota for {}", statement.year);
  case Standing::in_progress:
    return fmt::format("the year is in progress: {} more needed by {}",
                       statement.short_by.empty() ? points_phrase(statement.remaining)
                                                  : statement.short_by,
                       year_end(statement.year).to_long_string());
  }
  return {};
}

std::string
statement_html(const CpdStatement& s)
{
  const auto e = [](std::string_view text) { return escape_html(text); };
  std::string rows;
  for (const auto& activity : s.activities) {
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
                        activity.date.to_string(),
                        e(activity.title),
                        e(quantity_phrase(activity.quantity, activity.unit)),
                        activity.points.to_string());
  }
  if (rows.empty()) {
    rows = "<tr><td colspan=\"4\">None.</td></tr>\n";
  }
  const auto code = format_statement_code(s.code);
  const auto organisation = issuer(s);
  return fmt::format(
    R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CPD statement {year}: {name}</title>
<style>
body {{ font-family: serif; max-width: 42em; margin: 2em auto; color: #000; }}
h1 {{ font-size: 1.4em; margin-bottom: 0; }}
.org {{ font-size: 1.1em; margin-top: 0.2em; }}
table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
th, td {{ text-align: left; padding: 0.2em 0.6em 0.2em 0; vertical-align: top; }}
.activities th, .activities td {{ border-bottom: 1px solid #999; }}
.n {{ text-align: right; }}
.code {{ font-family: monospace; font-size: 1.3em; letter-spacing: 0.1em; }}
@media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<h1>CPD statement {year}</h1>
<p class="org">{organisation}</p>
<table class="summary">
<tr><th>Member</th><td>{name} ({member})</td></tr>
<tr><th>CPD year</th><td>{year}{closed}</td></tr>
<tr><th>Quota</th><td>{quota}</td></tr>
<tr><th>Earned</th><td>{earned}</td></tr>
<tr><th>Carried in</th><td>{carried_in}</td></tr>
<tr><th>Total</th><td>{total}</td></tr>
<tr><th>Standing</th><td>{standing}</td></tr>
</table>
<h2>Approved activities</h2>
<table class="activities">
<tr><th>Date</th><th>Activity</th><th>Quantity</th><th class="n">Points</th></tr>
{rows}</table>
<p>Issued on {issued}.</p>
<p>Verification code: <span class="code">{code}</span><br>
{organisation} confirms this statement with <code>cpd verify {code}</code>.</p>
</body>
</html>
)",
    fmt::arg("year", s.year),
    fmt::arg("name", e(s.name)),
    fmt::arg("member", e(s.member)),
    fmt::arg("organisation", e(organisation)),
    fmt::arg("closed", s.closed ? " (closed)" : " (in progress)"),
    fmt::arg("quota", quota_of(s)),
    fmt::arg("earned", points_phrase(s.earned)),
    fmt::arg("carried_in", points_phrase(s.carried_in)),
    fmt::arg("total", points_phrase(s.total)),
    fmt::arg("standing", e(standing_phrase(s))),
    fmt::arg("rows", rows),
    fmt::arg("issued", s.issued.to_long_string()),
    fmt::arg("code", code));
}

} // namespace cpd
