// The mails of a year end: each member's statement and the secretary's
// summary, queued member by member or in one batch.

#include <cpd/claims/evidence.hpp>
#include <cpd/mail/notice_parts.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd {

namespace {

// The lines of each list a secretary's summary shows at most: a year end of
// a large body would otherwise mail its whole membership to the secretary.
constexpr std::size_t k_summary_lines = 100;

// A list in the secretary's summary: its first k_summary_lines lines, then
// how many more there are and where to see them all.
class SummaryList
{
public:
  explicit SummaryList(std::string where)
    : m_where(std::move(where))
  {}

  // Adds the line `line()` makes, made only while the list shows it.
  template<typename Line>
  void
  add(Line&& line)
  {
    if (m_shown < k_summary_lines) {
      m_text += line();
      ++m_shown;
    }
    ++m_count;
  }

  // Counts the list's lines up to `total`, when only the first are added.
  void
  count_to(std::size_t total)
  {
    m_total = total;
  }

  // The list with `after` below it, or "(none)".
  std::string
  text(std::string_view after = {}) const
  {
    const auto count = std::max(m_count, m_total);
    if (count == 0) {
      return "  (none)\n";
    }
    auto text = m_text;
    if (count > m_shown) {
      text += fmt::format("  and {} more: {}\n", count - m_shown, m_where);
    }
    return text.append(after);
  }

private:
  std::string m_where;
  std::string m_text;
  std::size_t m_shown = 0;
  std::size_t m_count = 0;
  std::size_t m_total = 0;
};

// A claim still waiting for a decision, as a year-end statement lists it.
struct WaitingClaim
{
  std::int64_t id = 0;
  std::string title;
  Date date;
  Points points;
};

// What a year-end statement (year-statement-met, -short, -exempt) says: the
// year's total against the quota, what is carried and the claims still
// waiting. Made at the close member by member, or when sent from the
// numbers a batch's facts hold.
struct YearStatementFacts
{
  std::string name;
  std::string login;
  int year = 0;
  Points total;
  Points quota;
  Points remaining;
  Points carried;
  Judgement judgement;
  std::optional<Date> joined;
  std::vector<WaitingClaim> waiting;

  Values
  values() const
  {
    Values values{{"name", name},
                  {"login", login},
                  {"year", std::to_string(year)},
                  {"total", total.to_string()},
                  {"total_points", points_phrase(total)},
                  {"quota", quota.to_string()},
                  {"quota_points", points_phrase(quota)},
                  {"outcome",
                   wrap(outcome_clause(judgement, joined, Cycle::say)
                          + (judgement.compliant ? ". Thank you." : "."),
                        k_width)},
                  {"remaining", remaining.to_string()},
                  {"remaining_points", points_phrase(remaining)},
                  {"carried", carried.to_string()},
                  {"carried_points", points_phrase(carried)},
                  {"carry_sentence", carry_sentence(carried, year + 1)},
                  {"next_year", std::to_string(year + 1)},
                  {"waiting", ""}};
    if (!waiting.empty()) {
      const auto count = waiting.size();
      std::string lines;
      for (const auto& claim : waiting) {
        lines += claim_line(claim.id, claim.title, claim.date, claim.points);
      }
      values["waiting"] =
        fmt::format("{} of yours for {} {} still waiting for a decision:\n\n{}\n"
                    "You will hear when {} decided; if that changes whether you met the\n"
                    "quota or what you carry, a corrected statement follows.\n\n",
                    count == 1 ? "This claim" : fmt::format("These {} claims", count),
                    year,
                    count == 1 ? "is" : "are",
                    lines,
                    count == 1 ? "it is" : "each is");
    }
    return values;
  }
};

// What the secretary's summary of a year end (year-summary) says: the
// counts, the members short of the quota and the claims still waiting.
struct YearSummaryFacts
{
  int year = 0;
  Points quota;
  std::string members;
  std::string compliant;
  std::string short_of_quota;
  std::string exempt;
  Points carried;
  std::string short_list;
  std::string waiting_list;

  Values
  values() const
  {
    return {{"year", std::to_string(year)},
            {"quota", quota.to_string()},
            {"quota_points", points_phrase(quota)},
            {"members", members},
            {"compliant", compliant},
            {"short", short_of_quota},
            {"exempt", exempt},
            {"carried", carried.to_string()},
            {"carried_points", points_phrase(carried)},
            {"next_year", std::to_string(year + 1)},
            {"short_list", short_list},
            {"waiting_list", waiting_list}};
  }
};

// The list of the claims still waiting, for the summary, with what to do
// about them below it.
std::string
waiting_list_text(const SummaryList& list, int year)
{
  return list.text(fmt::format("Decide them with cpd pending: each "
                               "decision corrects {} and its carry.\n",
                               year));
}

// The outbox's columns of the mails of the batch ?1 (its first id): `rows`
// selects a row per mail with its member_id, numbered `n` from 1 in the
// order of their ids; ?2 the database's identity, ?3 the Message-ID's
// domain.
std::string
batch_mails(std::string_view cause,
            std::string_view template_name,
            std::string_view facts,
            std::string_view rows)
{
  return fmt::format(
    "SELECT b.first_id - 1 + r.n AS id, {} AS cause, {} AS template, m.id AS member_id,"
    " m.name AS to_name, m.email AS to_address, {} AS facts,"
    " '<cpd.' || (b.first_id - 1 + r.n) || '.' || ?2 || '.' || lower(hex(randomblob(4)))"
    "   || '@' || ?3 || '>' AS message_id,"
    " b.created_at AS created_at, b.created_at AS next_attempt_at"
    // The rows once, not again for each member: SQLite keeps the order of a
    // CROSS JOIN.
    " FROM mail_batch b CROSS JOIN ({}) r CROSS JOIN member m ON m.id = r.member_id"
    " WHERE b.first_id = ?1",
    cause,
    template_name,
    facts,
    rows);
}

} // namespace

const std::string&
batch_mail_sql(std::string_view kind)
{
  // ?4 1 for one mail of each template only (to check them).
  static const std::string statements = batch_mails(
    "'year:' || b.year || ':statement:' || m.login",
    "CASE r.status WHEN 'exempt' THEN 'year-statement-exempt'"
    " WHEN 'compliant' THEN 'year-statement-met' ELSE 'year-statement-short' END",
    "json_object('name', r.name, 'login', m.login, 'year', b.year, 'quota', b.quota,"
    " 'total', r.total, 'carried', r.carried,"
    " 'waiting', (SELECT json_group_array(json_object("
    "     'id', w.id, 'title', w.title, 'date', w.activity_date, 'points', w.points))"
    "   FROM (SELECT c.id, t.title, c.activity_date, c.points FROM year_waiting y"
    "     JOIN claim c ON c.id = y.claim_id JOIN activity t ON t.id = c.activity_id"
    "     WHERE y.year = b.year AND y.member_id = r.member_id"
    "     ORDER BY c.activity_date, c.id) w),"
    " 'org', b.org)",
    "SELECT y.*, row_number() OVER (ORDER BY y.member_id) AS n FROM year_account y"
    " WHERE y.year = (SELECT year FROM mail_batch WHERE first_id = ?1)"
    " AND y.status IS NOT NULL AND (?4 = 0 OR y.member_id IN (SELECT (SELECT s.member_id"
    "   FROM year_account s WHERE s.year = (SELECT year FROM mail_batch WHERE first_id = ?1)"
    "   AND s.status = k.status LIMIT 1) FROM (SELECT 'compliant' AS status"
    "   UNION ALL SELECT 'short' UNION ALL SELECT 'exempt') k))");
  static const std::string reminders = batch_mails(
    "'reminder:' || m.login || ':' || r.day",
    "'reminder'",
    "json_object('name', r.name, 'login', m.login, 'year', b.year, 'quota', b.quota,"
    " 'total', r.total, 'pending', r.pending, 'org', b.org)",
    "SELECT x.*, row_number() OVER (ORDER BY l.login) AS n FROM reminder x"
    " JOIN member l ON l.id = x.member_id WHERE x.batch = ?1"
    " AND (?4 = 0 OR x.member_id = (SELECT min(member_id) FROM reminder WHERE batch = ?1))");
  if (kind == "year-statements") {
    return statements;
  }
  if (kind == "reminders") {
    return reminders;
  }
  throw Error(ErrorKind::internal, "a batch of mail of an unknown kind '{}'; run cpd check", kind);
}

void
notice_year_closed(Database& db, const Context& context, const YearClose& close)
{
  // What each statement says is in the year's accounts, which the close has
  // just written; the claims still waiting are kept as they are now.
  Statement(db,
            "INSERT INTO year_waiting(year, member_id, claim_id)"
            " SELECT year, member_id, id FROM claim INDEXED BY claim_pending_member"
            " WHERE status = 'pending' AND year = ?")
    .bind(1, close.year)
    .run();
  const auto waiting = db.changes();
  queue_mail_batch(db,
                   start_mail_batch(db),
                   {"year-statements", close.year, close.quota, context.now},
                   close.members);

  // The summary names the members short of the quota and the claims still
  // waiting from the same rows, when it is sent.
  to_secretary(db,
               context,
               std::nullopt,
               fmt::format("year:{}:summary", close.year),
               "year-summary",
               {{"year", std::to_string(close.year)},
                {"quota", std::to_string(close.quota.tenths())},
                {"members", std::to_string(close.members)},
                {"compliant", std::to_string(close.compliant)},
                {"short", std::to_string(close.short_of_quota)},
                {"exempt", std::to_string(close.exempt)},
                {"carried", std::to_string(close.carried.tenths())},
                {"claims_waiting", std::to_string(waiting)}});
}

void
notice_year_closed(Database& db,
                   const Context& context,
                   const YearClose& close,
                   const std::vector<ReportLine>& lines)
{
  // What each member carries: the entries the close has just posted (one
  // per category carried).
  std::map<std::string, Points> carried;
  {
    Statement carries(
      db,
      "SELECT m.login, sum(e.points) FROM entry e JOIN member m ON m.id = e.member_id"
      " WHERE e.id > ?1 AND e.id <= ?2 GROUP BY e.member_id");
    carries.bind_all(close.entries_before, close.last_entry);
    while (carries.step()) {
      carried[carries.text(0)] = Points::from_tenths(carries.integer(1));
    }
  }
  const Points carried_total = close.carried;
  std::map<std::string, std::vector<Claim>> waiting;
  SummaryList waiting_list("cpd pending lists them all");
  for (auto& claim : pending_claims_of_year(db, close.year)) {
    waiting_list.add([&] {
      return fmt::format("  #{}  {} ({}): {}, {}: {}\n",
                         claim.id,
                         claim.member_name,
                         claim.member,
                         claim.activity_title,
                         claim.date.to_long_string(),
                         points_phrase(claim.points));
    });
    waiting[claim.member].push_back(std::move(claim));
  }
  SummaryList short_list(fmt::format("cpd report --year {} lists them all", close.year));
  for (const auto& line : lines) {
    const auto found = carried.find(line.member);
    const Points carry = found == carried.end() ? Points() : found->second;
    YearStatementFacts statement{line.name,
                                 line.member,
                                 close.year,
                                 line.total,
                                 line.quota,
                                 line.remaining,
                                 carry,
                                 line.judgement,
                                 line.joined,
                                 {}};
    if (const auto mine = waiting.find(line.member); mine != waiting.end()) {
      for (const auto& claim : mine->second) {
        statement.waiting.push_back({claim.id, claim.activity_title, claim.date, claim.points});
      }
    }
    std::string template_name = "year-statement-short";
    if (line.status == ReportLine::Status::exempt) {
      template_name = "year-statement-exempt";
    } else if (line.status == ReportLine::Status::compliant) {
      template_name = "year-statement-met";
    } else {
      short_list.add([&] {
        return fmt::format(
          "  {} ({}): {}\n", line.name, line.member, progress_phrase(line.judgement));
      });
    }
    const auto member = find_member(db, line.member);
    queue_mail(db,
               context,
               Mail{fmt::format("year:{}:statement:{}", close.year, line.member),
                    template_name,
                    member ? std::optional(member->id) : std::nullopt,
                    line.name,
                    line.email,
                    statement.values(),
                    {}});
  }
  to_secretary(db,
               context,
               std::nullopt,
               fmt::format("year:{}:summary", close.year),
               "year-summary",
               YearSummaryFacts{close.year,
                                close.quota,
                                std::to_string(close.members),
                                std::to_string(close.compliant),
                                std::to_string(close.short_of_quota),
                                std::to_string(close.exempt),
                                carried_total,
                                short_list.text(),
                                waiting_list_text(waiting_list, close.year)}
                 .values());
}

// A year-end statement queued in a batch, from the numbers its facts hold.
Values
year_statement_values(const Facts& facts)
{
  const int year = static_cast<int>(facts.integer("year"));
  const auto quota = fact_points(facts, "quota");
  const auto total = fact_points(facts, "total");
  YearStatementFacts statement{facts.text("name"),
                               facts.text("login"),
                               year,
                               total,
                               quota,
                               max(Points(), quota - total),
                               fact_points(facts, "carried"),
                               judge_one_quota(year, quota, total, Points()),
                               std::nullopt,
                               {}};
  const auto count = static_cast<std::size_t>(facts.integer("waiting"));
  for (std::size_t i = 0; i < count; ++i) {
    const auto claim = fmt::format("waiting[{}].", i);
    statement.waiting.push_back({facts.integer(claim + "id"),
                                 facts.text(claim + "title"),
                                 fact_date(facts, claim + "date"),
                                 fact_points(facts, claim + "points")});
  }
  auto values = statement.values();
  values["org"] = facts.text("org");
  return values;
}

// The secretary's summary of a year end: the counts, the members short of
// the quota and the claims still waiting, both in the order of the members'
// statements (the first k_summary_lines of each), from the year's accounts
// as its close wrote them (or, for a summary queued before those were kept,
// from its statements and its facts).
Values
year_summary_values(Database& db, const Facts& facts)
{
  const int year = static_cast<int>(facts.integer("year"));
  const auto quota = fact_points(facts, "quota");
  const auto carried = fact_points(facts, "carried");
  const bool kept_accounts = facts.has("claims_waiting");
  SummaryList short_list(fmt::format("cpd report --year {} lists them all", year));
  Statement short_of(db,
                     kept_accounts
                       ? "SELECT a.name, m.login, a.total FROM year_account a"
                         " JOIN member m ON m.id = a.member_id"
                         " WHERE a.year = ?1 AND a.status = 'short' ORDER BY a.member_id"
                         " LIMIT ?4"
                       : "SELECT json_extract(facts, '$.name'), json_extract(facts, '$.login'),"
                         " json_extract(facts, '$.total') FROM outbox"
                         " WHERE id BETWEEN ?2 AND ?3 AND template = 'year-statement-short'"
                         " ORDER BY id");
  if (kept_accounts) {
    short_of.bind_all(year, 0, 0, static_cast<std::int64_t>(k_summary_lines));
    short_list.count_to(static_cast<std::size_t>(facts.integer("short")));
  } else {
    short_of.bind_all(year, facts.integer("statements_from"), facts.integer("statements_to"));
  }
  while (short_of.step()) {
    short_list.add([&] {
      return fmt::format("  {} ({}): {} of {}\n",
                         short_of.text(0),
                         short_of.text(1),
                         Points::from_tenths(short_of.integer(2)).to_string(),
                         points_phrase(quota));
    });
  }
  short_of.reset();
  SummaryList waiting_list("cpd pending lists them all");
  auto add_waiting = [&](std::int64_t id,
                         const std::string& name,
                         const std::string& login,
                         const std::string& title,
                         const std::string& date,
                         std::int64_t points) {
    waiting_list.add([&] {
      return fmt::format("  #{}  {} ({}): {}, {}: {}\n",
                         id,
                         name,
                         login,
                         title,
                         stored_date(date).to_long_string(),
                         points_phrase(Points::from_tenths(points)));
    });
  };
  if (kept_accounts) {
    Statement waiting(db,
                      "SELECT c.id, coalesce(a.name, m.name), m.login, t.title,"
                      " c.activity_date, c.points FROM year_waiting w"
                      " JOIN claim c ON c.id = w.claim_id JOIN member m ON m.id = w.member_id"
                      " JOIN activity t ON t.id = c.activity_id"
                      " LEFT JOIN year_account a ON a.year = w.year AND a.member_id = w.member_id"
                      " WHERE w.year = ?1 ORDER BY w.member_id, c.activity_date, c.id LIMIT ?2");
    waiting.bind_all(year, static_cast<std::int64_t>(k_summary_lines));
    waiting_list.count_to(static_cast<std::size_t>(facts.integer("claims_waiting")));
    while (waiting.step()) {
      add_waiting(waiting.integer(0),
                  waiting.text(1),
                  waiting.text(2),
                  waiting.text(3),
                  waiting.text(4),
                  waiting.integer(5));
    }
  } else {
    const auto count = facts.integer("waiting");
    for (std::int64_t i = 0; i < count; ++i) {
      const auto claim = fmt::format("waiting[{}].", i);
      add_waiting(facts.integer(claim + "id"),
                  facts.text(claim + "name"),
                  facts.text(claim + "login"),
                  facts.text(claim + "title"),
                  facts.text(claim + "date"),
                  facts.integer(claim + "points"));
    }
  }
  auto values = YearSummaryFacts{year,
                                 quota,
                                 facts.text("members"),
                                 facts.text("compliant"),
                                 facts.text("short"),
                                 facts.text("exempt"),
                                 carried,
                                 short_list.text(),
                                 waiting_list_text(waiting_list, year)}
                  .values();
  values["org"] = facts.text("org");
  return values;
}

} // namespace cpd
