#pragma once

#include <cpd/ledger/standing.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;
struct BackupResult;

// One member's carry out of a closed year.
struct Carry
{
  std::string member; // login
  Points total;       // total of the year closed
  Points carried;     // into the next year
};

// What closing one year did (or, on a dry run, would do).
struct YearClose
{
  int year = 0;
  Points quota;
  Points carry_cap;
  int members = 0; // members with an account that year (each sent a statement)
  int compliant = 0;
  int short_of_quota = 0;
  int exempt = 0;
  int carried_members = 0; // members carrying points into the next year
  Points carried;          // the points they carry, in all
  // The ledger entries of the carries: ids after `entries_before`, up to
  // `last_entry` (see for_each_carry()).
  std::int64_t entries_before = 0;
  std::int64_t last_entry = 0;
  bool by_member = false; // judged member by member: the rules are beyond one statement
};

// A year closed by one statement: every member's account of year ?1
// (year_account), with the carry rule applied, a quota ?2 and a cap ?3:
// those with a CPD duty who were members in the year (joined before ?4,
// year_start_instant(year + 1)) with their statement's status, and every
// other member with points that year for what they carry. Then the carries
// as one statement: each account's carry posted into the next year, by
// actor ?2 at instant ?3. Here so that the query-plan tests and the
// benchmark's generator run the statements rollover runs.

const std::string& close_accounts_sql();
extern const char* const k_carry_sql;

// Whether one statement can judge every member of `year` by `rules` (and
// so carry, queue the year's statements and reminders, and report): one
// quota a year, no category's minimum or maximum, no carry by category and
// nothing pro rata (nobody joined in or after the year, no dispensation of
// part of it, the scheme started before it). `start` is the scheme's.
bool one_statement_year(Database& db, const Rules& rules, int year, Date start);

// Seconds since 1970 at the start of a year: who joined before it was a
// member in the year before.
std::int64_t year_start_instant(int year);

// Every member with an account in a year: active, with a CPD duty, joined
// before its end. Parameters: ?1 the year, ?2 year_start_instant(year + 1),
// ?3 the quota. Columns: id, login, name, email, earned (approved claims and
// adjustments), carried_in, pending, status ('short', 'compliant' or
// 'exempt'). The compliance report, the year-end statements and their counts
// all read it.
const std::string& year_accounts_sql();

// Called once for each year rollover closes, with what it did: on a dry run
// before the year is rolled back, else once it is committed, inside a read
// transaction (for_each_carry() lists its carries).
using OnYearClosed = std::function<void(const YearClose&)>;

// Closes every year before today's that is not closed yet, oldest first, one
// transaction per year: posts the carry entries, records the close with
// every rule in force and queues the year's mail. Running it again does
// nothing. Only a secretary may. When there is a year to close and
// backup.dir is set, a copy of the database is taken there first (into
// `backup`, if given, before the first year is closed).
std::vector<YearClose> rollover(Database& db,
                                const SecretaryOrSystem& context,
                                DryRun dry_run,
                                std::optional<BackupResult>* backup = nullptr,
                                const OnYearClosed& on_closed = {});

// Each member's carry out of a year closed (or being closed by a dry run),
// by login, as they are read from the ledger (for a year judged member by
// member, everybody with a surplus, if only to carry nothing); inside a
// transaction that sees the close.
void
for_each_carry(Database& db, const YearClose& close, const std::function<void(const Carry&)>& each);

// One line of the compliance report.
struct ReportLine
{
  std::string member; // login
  std::string name;
  std::string email;
  Points earned;
  Points carried_in;
  Points total;
  Points remaining; // the fewest points that meet every requirement
  Points pending;
  Points quota; // the member's requirement: the cycle's, pro-rated
  enum class Status { short_of_quota, compliant, exempt } status = Status::short_of_quota;
  std::optional<Date> joined;
  Judgement judgement; // each requirement and where the member stands
};

std::string_view to_string(ReportLine::Status status);

// The compliance report's head: the year and its counts.
struct Report
{
  int year = 0;
  Rules rules; // the year's: recorded at its close, else the settings
  Points quota;
  bool closed = false;
  int members = 0;
  int compliant = 0;
  int short_of_quota = 0;
  int exempt = 0;
  Points total;
};

// Compliance of every active member for a year (a secretary's view): the
// head first, to `on_report`, then each member's line to `on_line` as it is
// read, short first (most needed first), then compliant, then exempt, each
// by login. Returns the head.
Report compliance_report(Database& db,
                         const Secretary& context,
                         int year,
                         const std::function<void(const Report&)>& on_report = {},
                         const std::function<void(const ReportLine&)>& on_line = {});

} // namespace cpd
