#pragma once

#include <cpd/context.hpp>
#include <cpd/points.hpp>
#include <cpd/rules.hpp>

#include <cstdint>
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
  std::vector<Carry> carries; // members with a surplus over their requirement
  int members = 0;            // members with an account that year
  int compliant = 0;
  int short_of_quota = 0;
  int exempt = 0;
};

// The carry rule as one statement: posts the carry of every member whose
// total of year ?1 is above the quota ?2 into the next year, at most the cap
// ?3, by actor ?4 at instant ?5. Here so that the query-plan tests and the
// benchmark's generator run the statement rollover runs.
extern const char* const k_carry_sql;

// Closes every year before today's that is not closed yet, oldest first, one
// transaction per year: posts the carry entries and records the close with
// every rule in force. Running it again does nothing. Only a
// secretary may. When there is a year to close and backup.dir is set, a
// copy of the database is taken there first (into `backup`, if given).
std::vector<YearClose> rollover(Database& db,
                                const Context& context,
                                DryRun dry_run,
                                std::optional<BackupResult>* backup = nullptr);

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

struct Report
{
  int year = 0;
  Rules rules; // the year's: recorded at its close, else the settings
  Points quota;
  bool closed = false;
  std::vector<ReportLine> lines; // short first (most needed first), then compliant, exempt
  int compliant = 0;
  int short_of_quota = 0;
  int exempt = 0;
  Points total;
};

// Compliance of every active member for a year (a secretary's view).
Report compliance_report(Database& db, const Context& context, int year);

} // namespace cpd
