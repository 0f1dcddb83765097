#pragma once

#include <cpd/claims/attendance.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace cpd {

class Database;

// One row of a member import, and what it did (or would do).
struct MemberImportRow
{
  std::string where; // "members.csv line 3"
  std::string login;
  enum class Action { add, update, unchanged } action = Action::add;
  std::vector<ChangedField> changes; // for an update
};

// What a member import did (or, with DryRun::yes, would do).
struct MemberImportSummary
{
  int added = 0;
  int updated = 0; // name, email or role changed
  int unchanged = 0;
  std::vector<MemberImportRow> rows;
  // Likely mistakes that are not errors: logins that differ only in case,
  // an address two members share.
  std::vector<std::string> warnings;
};

// Adds and updates members from CSV with a header row: columns login, name,
// email and optionally role (member or secretary) and joined (YYYY-MM-DD),
// in any order and case. An empty role keeps an existing member's role
// (member for a new one); an empty join date keeps theirs.
// One transaction: a malformed row (naming its line), a login listed twice
// or a secretary changing their own role refuses the whole file. With
// DryRun::yes nothing is stored. Only a secretary may. `joined` is the
// join date of the members the file adds whose row gives none (an intake
// admitted on one day). A list of more than k_max_member_rows rows is
// refused whole: what its checks hold in memory stays within the server's
// bound.
inline constexpr std::size_t k_max_member_rows = 300'000;
MemberImportSummary import_members(Database& db,
                                   const SecretaryOrSystem& context,
                                   std::istream& in,
                                   const std::string& source,
                                   DryRun dry_run,
                                   std::optional<Date> joined = std::nullopt);

// The attendees of an attendance list: CSV with a header row holding a
// `login` column (any case); other columns (name, email, anything a
// spreadsheet has) are ignored. Malformed CSV, a row of the wrong width or a
// row without a login throws bad_input naming the line, and so does a list
// of more than k_max_attendees (whose checks would hold the server's memory).
inline constexpr std::size_t k_max_attendees = 100'000;
std::vector<Attendee> read_attendance(std::istream& in, const std::string& source);

} // namespace cpd
