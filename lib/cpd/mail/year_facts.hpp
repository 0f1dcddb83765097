#pragma once

// What the mails of a year end say, one struct per template: each member's
// statement (year-statement-met, -short, -exempt) and the secretary's
// summary (year-summary). Made at the close (member by member, or from the
// year's accounts when its batch is written out), and by the migration that
// words the mail older versions queued as numbers. Only for lib/cpd/mail.

#include <cpd/ledger/standing.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;
class Statement;

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

  Values values() const;
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

  Values values() const;
};

// Adds to `list` a line for each row of `rows` (a member's name, login and
// total in tenths): "  Bob Marine (bob): 4.5 of 10 points", a member short
// of the quota `quota`, as the summary lists them.
void add_short_lines(SummaryList& list, Statement& rows, Points quota);

// "  #12  Ann Surveyor (ann): IIMS training day, 2 February 2017: 5 points":
// a claim still waiting, as the summary lists it.
std::string waiting_line(std::int64_t id,
                         std::string_view name,
                         std::string_view login,
                         std::string_view title,
                         Date date,
                         Points points);

// A member's account of a year closed by one statement (a quota alone), as
// year_account keeps it, with the claims still waiting.
struct StatementAccount
{
  std::string name;
  std::string login;
  int year = 0;
  Points quota;
  Points total;
  Points carried;
  std::vector<WaitingClaim> waiting;
};

// The values of the statement of such an account.
Values statement_of_account(const StatementAccount& account);

// The template of a statement whose year_account.status is `status`.
std::string_view statement_template(std::string_view status);

// The list of the claims still waiting, for the summary, with what to do
// about them below it.
std::string waiting_list_text(const SummaryList& list, int year);

// The summary of a year closed by one statement, its lists read from the
// year's accounts as the close wrote them (year_account, year_waiting): the
// counts of `summary` with its short_list and waiting_list filled in, the
// first k_summary_lines of each, in the order of the members' statements.
Values accounts_summary(Database& db,
                        YearSummaryFacts summary,
                        std::size_t short_count,
                        std::size_t waiting_count);

} // namespace cpd
