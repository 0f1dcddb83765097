// The mails of a year end: each member's statement and the secretary's
// summary, queued member by member or in one batch.

#include <cpd/claims/evidence.hpp>
#include <cpd/mail/notice_parts.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/mail/year_facts.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd {

Values
YearStatementFacts::values() const
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

Values
YearSummaryFacts::values() const
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

// The list of the claims still waiting, for the summary, with what to do
// about them below it.
std::string
waiting_list_text(const SummaryList& list, int year)
{
  return list.text(fmt::format("Decide them with cpd approve or cpd decline (cpd pending lists\n"
                               "them); each decision corrects {} and its carry.\n",
                               year));
}

Values
accounts_summary(Database& db,
                 YearSummaryFacts summary,
                 std::size_t short_count,
                 std::size_t waiting_count)
{
  SummaryList short_list(fmt::format("cpd report --year {} lists them all", summary.year));
  short_list.count_to(short_count);
  Statement short_of(db,
                     "SELECT a.name, m.login, a.total FROM year_account a"
                     " JOIN member m ON m.id = a.member_id"
                     " WHERE a.year = ?1 AND a.status = 'short' ORDER BY a.member_id LIMIT ?2");
  short_of.bind_all(summary.year, static_cast<std::int64_t>(k_summary_lines));
  add_short_lines(short_list, short_of, summary.quota);
  SummaryList waiting_list("cpd pending lists them all");
  waiting_list.count_to(waiting_count);
  Statement waiting(db,
                    "SELECT c.id, coalesce(a.name, m.name), m.login, t.title,"
                    " c.activity_date, c.points FROM year_waiting w"
                    " JOIN claim c ON c.id = w.claim_id JOIN member m ON m.id = w.member_id"
                    " JOIN activity t ON t.id = c.activity_id"
                    " LEFT JOIN year_account a ON a.year = w.year AND a.member_id = w.member_id"
                    " WHERE w.year = ?1 ORDER BY w.member_id, c.activity_date, c.id LIMIT ?2");
  waiting.bind_all(summary.year, static_cast<std::int64_t>(k_summary_lines));
  while (waiting.step()) {
    waiting_list.add([&] {
      return waiting_line(waiting.integer(0),
                          waiting.text(1),
                          waiting.text(2),
                          waiting.text(3),
                          stored_date(waiting.text(4)),
                          Points::from_tenths(waiting.integer(5)));
    });
  }
  summary.short_list = short_list.text();
  summary.waiting_list = waiting_list_text(waiting_list, summary.year);
  return summary.values();
}

void
add_short_lines(SummaryList& list, Statement& rows, Points quota)
{
  while (rows.step()) {
    list.add([&] {
      return fmt::format("  {} ({}): {} of {}\n",
                         rows.text(0),
                         rows.text(1),
                         Points::from_tenths(rows.integer(2)).to_string(),
                         points_phrase(quota));
    });
  }
}

std::string
waiting_line(std::int64_t id,
             std::string_view name,
             std::string_view login,
             std::string_view title,
             Date date,
             Points points)
{
  return fmt::format("  #{}  {} ({}): {}, {}: {}\n",
                     id,
                     name,
                     login,
                     title,
                     date.to_long_string(),
                     points_phrase(points));
}

const std::string&
batch_rows_sql(std::string_view kind)
{
  // ?1 the batch's first id; ?2 1 for one mail of each template only.
  static const std::string statements =
    "SELECT y.member_id, m.login, y.name, m.name, m.email, y.status, y.total, y.carried"
    " FROM year_account y JOIN member m ON m.id = y.member_id"
    " WHERE y.year = (SELECT year FROM mail_batch WHERE first_id = ?1)"
    " AND y.status IS NOT NULL AND (?2 = 0 OR y.member_id IN (SELECT (SELECT s.member_id"
    "   FROM year_account s WHERE s.year = (SELECT year FROM mail_batch WHERE first_id = ?1)"
    "   AND s.status = k.status LIMIT 1) FROM (SELECT 'compliant' AS status"
    "   UNION ALL SELECT 'short' UNION ALL SELECT 'exempt') k))"
    " ORDER BY y.member_id";
  static const std::string reminders =
    "SELECT x.member_id, m.login, x.name, m.name, m.email, x.day, x.total, x.pending"
    " FROM reminder x JOIN member m ON m.id = x.member_id WHERE x.batch = ?1"
    " AND (?2 = 0 OR x.member_id = (SELECT min(member_id) FROM reminder WHERE batch = ?1))"
    " ORDER BY m.login";
  if (kind == "year-statements") {
    return statements;
  }
  if (kind == "reminders") {
    return reminders;
  }
  throw Error(ErrorKind::internal, "a batch of mail of an unknown kind '{}'; run cpd check", kind);
}

Values
statement_of_account(const StatementAccount& account)
{
  return YearStatementFacts{account.name,
                            account.login,
                            account.year,
                            account.total,
                            account.quota,
                            max(Points(), account.quota - account.total),
                            account.carried,
                            judge_one_quota(account.year, account.quota, account.total, Points()),
                            std::nullopt,
                            account.waiting}
    .values();
}

std::string_view
statement_template(std::string_view status)
{
  if (status == "exempt") {
    return "year-statement-exempt";
  }
  return status == "compliant" ? "year-statement-met" : "year-statement-short";
}

void
make_batch_mails(Database& db,
                 const QueuedBatch& batch,
                 BatchPart part,
                 const std::function<void(const Mail&)>& each)
{
  Statement rows(db, batch_rows_sql(batch.of.kind));
  rows.bind_all(batch.first_id, part == BatchPart::samples ? 1 : 0);
  if (batch.of.kind == "reminders") {
    while (rows.step()) {
      auto values = reminder_values(rows.text(2),
                                    rows.text(1),
                                    reminder_balance(batch.of.year,
                                                     batch.of.quota,
                                                     Points::from_tenths(rows.integer(6)),
                                                     Points::from_tenths(rows.integer(7))));
      values["org"] = batch.org;
      each(Mail{fmt::format("reminder:{}:{}", rows.text(1), rows.text(5)),
                "reminder",
                rows.integer(0),
                rows.text(3),
                rows.text(4),
                std::move(values),
                {}});
    }
    return;
  }
  Statement waiting(db,
                    "SELECT c.id, t.title, c.activity_date, c.points FROM year_waiting y"
                    " JOIN claim c ON c.id = y.claim_id JOIN activity t ON t.id = c.activity_id"
                    " WHERE y.year = ?1 AND y.member_id = ?2 ORDER BY c.activity_date, c.id");
  while (rows.step()) {
    StatementAccount account{rows.text(2),
                             rows.text(1),
                             batch.of.year,
                             batch.of.quota,
                             Points::from_tenths(rows.integer(6)),
                             Points::from_tenths(rows.integer(7)),
                             {}};
    waiting.reset();
    waiting.bind_all(batch.of.year, rows.integer(0));
    while (waiting.step()) {
      account.waiting.push_back({waiting.integer(0),
                                 waiting.text(1),
                                 stored_date(waiting.text(2)),
                                 Points::from_tenths(waiting.integer(3))});
    }
    auto values = statement_of_account(account);
    values["org"] = batch.org;
    each(Mail{fmt::format("year:{}:statement:{}", batch.of.year, rows.text(1)),
              std::string(statement_template(rows.text(5))),
              rows.integer(0),
              rows.text(3),
              rows.text(4),
              std::move(values),
              {}});
  }
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
  // waiting from the same rows.
  to_secretary(db,
               context,
               std::nullopt,
               fmt::format("year:{}:summary", close.year),
               "year-summary",
               accounts_summary(db,
                                {close.year,
                                 close.quota,
                                 std::to_string(close.members),
                                 std::to_string(close.compliant),
                                 std::to_string(close.short_of_quota),
                                 std::to_string(close.exempt),
                                 close.carried,
                                 {},
                                 {}},
                                static_cast<std::size_t>(close.short_of_quota),
                                static_cast<std::size_t>(waiting)));
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
      return waiting_line(
        claim.id, claim.member_name, claim.member, claim.activity_title, claim.date, claim.points);
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

} // namespace cpd
