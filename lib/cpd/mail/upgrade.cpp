// The step of migration 15 (data/schema/0015-mail-values.sql) that SQL
// cannot take: the mail that versions 8 to 14 queued as the numbers it was
// worded from when sent (year-end statements and summaries, reminders) is
// worded now, as the same mail is worded when it is queued today, so that
// every mail in the outbox is its template and its values.

#include <cpd/mail/notice_parts.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/mail/upgrade.hpp>
#include <cpd/mail/year_facts.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <string>
#include <string_view>

namespace cpd {

namespace {

// What a mail queued as numbers holds: its facts, a JSON object of numbers,
// strings and (for a statement's or a summary's claims still waiting) an
// array of objects, read as "name", "waiting" (the array's length) and
// "waiting[0].title".
class OldFacts
{
public:
  OldFacts(Database& db, std::string_view json)
  {
    Statement tree(db,
                   "SELECT t.key, NULL, NULL,"
                   "   CASE t.type WHEN 'array' THEN json_array_length(t.value) ELSE t.atom END"
                   " FROM json_each(?1) t WHERE t.type NOT IN ('object', 'null')"
                   " UNION ALL"
                   " SELECT t.key, e.key, o.key, o.atom"
                   " FROM json_each(?1) t, json_each(t.value) e, json_each(e.value) o"
                   " WHERE t.type = 'array' AND e.type = 'object'"
                   "   AND o.type NOT IN ('object', 'array', 'null')");
    tree.bind(1, json);
    while (tree.step()) {
      auto key = tree.text(0);
      if (!tree.is_null(1)) {
        key += fmt::format("[{}].{}", tree.integer(1), tree.text(2));
      }
      m_values.emplace(std::move(key), tree.text(3));
    }
  }

  const std::string&
  text(std::string_view key) const
  {
    const auto found = m_values.find(key);
    if (found == m_values.end()) {
      throw Error(ErrorKind::internal, "a queued mail has no '{}'; run cpd check", key);
    }
    return found->second;
  }

  std::int64_t
  integer(std::string_view key) const
  {
    const auto& value = text(key);
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size()) {
      throw Error(ErrorKind::internal, "a queued mail's '{}' is not a number: {}", key, value);
    }
    return number;
  }

  Points
  points(std::string_view key) const
  {
    return Points::from_tenths(integer(key));
  }

  bool
  has(std::string_view key) const
  {
    return m_values.find(key) != m_values.end();
  }

private:
  std::map<std::string, std::string, std::less<>> m_values;
};

// The counts of a summary's facts, its lists left to fill in.
YearSummaryFacts
summary_counts(const OldFacts& facts)
{
  return {static_cast<int>(facts.integer("year")),
          facts.points("quota"),
          facts.text("members"),
          facts.text("compliant"),
          facts.text("short"),
          facts.text("exempt"),
          facts.points("carried"),
          {},
          {}};
}

// A summary of versions 8 and 9: its lists from its statements' numbers
// (the outbox's mails statements_from to statements_to) and the claims its
// facts hold.
Values
summary_of_statements(Database& db, const OldFacts& facts)
{
  auto summary = summary_counts(facts);
  SummaryList short_list(fmt::format("cpd report --year {} lists them all", summary.year));
  Statement short_of(db,
                     "SELECT json_extract(facts, '$.name'), json_extract(facts, '$.login'),"
                     " json_extract(facts, '$.total') FROM outbox"
                     " WHERE id BETWEEN ?1 AND ?2 AND template = 'year-statement-short'"
                     " ORDER BY id");
  short_of.bind_all(facts.integer("statements_from"), facts.integer("statements_to"));
  add_short_lines(short_list, short_of, summary.quota);
  SummaryList waiting_list("cpd pending lists them all");
  const auto count = facts.integer("waiting");
  for (std::int64_t i = 0; i < count; ++i) {
    const auto claim = fmt::format("waiting[{}].", i);
    waiting_list.add([&] {
      return waiting_line(facts.integer(claim + "id"),
                          facts.text(claim + "name"),
                          facts.text(claim + "login"),
                          facts.text(claim + "title"),
                          stored_date(facts.text(claim + "date")),
                          facts.points(claim + "points"));
    });
  }
  summary.short_list = short_list.text();
  summary.waiting_list = waiting_list_text(waiting_list, summary.year);
  return summary.values();
}

// A statement from the numbers of its account and its claims still waiting.
Values
statement_of_numbers(const OldFacts& facts)
{
  StatementAccount account{facts.text("name"),
                           facts.text("login"),
                           static_cast<int>(facts.integer("year")),
                           facts.points("quota"),
                           facts.points("total"),
                           facts.points("carried"),
                           {}};
  const auto count = facts.integer("waiting");
  for (std::int64_t i = 0; i < count; ++i) {
    const auto claim = fmt::format("waiting[{}].", i);
    account.waiting.push_back({facts.integer(claim + "id"),
                               facts.text(claim + "title"),
                               stored_date(facts.text(claim + "date")),
                               facts.points(claim + "points")});
  }
  return statement_of_account(account);
}

Values
reminder_of_numbers(const OldFacts& facts)
{
  return reminder_values(facts.text("name"),
                         facts.text("login"),
                         reminder_balance(static_cast<int>(facts.integer("year")),
                                          facts.points("quota"),
                                          facts.points("total"),
                                          facts.points("pending")));
}

// Words each mail that `where` selects (its id and facts) with `word`.
template<typename Word>
void
word_each(Database& db, std::string_view where, Word word)
{
  Statement old(db, fmt::format("SELECT id, facts FROM outbox WHERE {} ORDER BY id", where));
  Statement update(db, "UPDATE outbox SET facts = ?2 WHERE id = ?1");
  while (old.step()) {
    const OldFacts facts(db, old.text(1));
    auto values = word(facts);
    values["org"] = facts.has("org") ? facts.text("org") : std::string();
    update.reset();
    update.bind_all(old.integer(0), facts_json(values)).run();
  }
}

} // namespace

void
word_old_mail(Database& db)
{
  // The summaries first: those of versions 8 and 9 read their statements'
  // numbers.
  word_each(db,
            "template = 'year-summary' AND json_extract(facts, '$.short_list') IS NULL",
            [&](const OldFacts& facts) {
              if (facts.has("statements_from")) {
                return summary_of_statements(db, facts);
              }
              return accounts_summary(db,
                                      summary_counts(facts),
                                      static_cast<std::size_t>(facts.integer("short")),
                                      static_cast<std::size_t>(facts.integer("claims_waiting")));
            });
  word_each(db,
            "template IN ('year-statement-met', 'year-statement-short', 'year-statement-exempt')"
            " AND json_extract(facts, '$.outcome') IS NULL",
            statement_of_numbers);
  word_each(
    db, "template = 'reminder' AND json_extract(facts, '$.progress') IS NULL", reminder_of_numbers);
}

} // namespace cpd
