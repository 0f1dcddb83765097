#pragma once

#include <cpd/context.hpp>
#include <cpd/date.hpp>
#include <cpd/points.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

enum class EntryKind { award, carry, revocation, adjustment };

std::string_view to_string(EntryKind kind);

// One change to a member's points.
struct Entry
{
  std::int64_t id = 0;
  int year = 0;
  EntryKind kind = EntryKind::award;
  Points points;
  std::optional<std::int64_t> claim_id;
  std::optional<std::string> actor; // login; empty for an unattended run
  std::int64_t at = 0;
  std::string reason;
};

// A member's account for one CPD year.
struct Balance
{
  std::string member; // login
  std::string name;
  int year = 0;
  Points earned;     // approved claims and adjustments in the year
  Points carried_in; // carried from the year before
  Points total;      // earned + carried_in
  Points quota;
  Points remaining; // still needed, never below 0
  Points pending;   // submitted, not yet decided
  bool compliant = false;
  bool exempt = false;
  bool closed = false;
  Date deadline{2017, 12, 31};
};

// The balance of `login` (default: the caller; others only for a secretary)
// for `year` (default: this year).
Balance balance(Database& db,
                const Context& context,
                const std::optional<std::string>& login,
                std::optional<int> year);

// The balance of a member by id, without permission checks.
Balance member_balance(Database& db, std::int64_t member_id, int year);

// A member's ledger entries in order (all years when `year` is empty).
std::vector<Entry> member_entries(Database& db, std::int64_t member_id, std::optional<int> year);

// Appends an entry; inside the caller's transaction.
void post_entry(Database& db,
                std::int64_t member_id,
                int year,
                EntryKind kind,
                Points points,
                std::optional<std::int64_t> claim_id,
                std::optional<std::int64_t> actor_id,
                std::int64_t at,
                std::string_view reason);

// True once `year` has been closed by rollover.
bool year_closed(Database& db, int year);

// After a change to a closed year `from_year`, brings the carries out of it
// and out of every later closed year back in line with the scheme's rule,
// with new entries. Inside the caller's transaction.
void correct_carries(Database& db,
                     std::int64_t member_id,
                     int from_year,
                     std::optional<std::int64_t> actor_id,
                     std::int64_t at);

} // namespace cpd
