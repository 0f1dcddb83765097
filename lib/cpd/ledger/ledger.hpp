#pragma once

#include <cpd/ledger/members.hpp>
#include <cpd/ledger/standing.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

// A member's entries in a year (?1, ?2), of one kind (?3; NULL: all):
// their sum, read from the covering index entry_year_member.
extern const char* const k_sum_entries_sql;
// A member's pending points in a year (member, year): their sum.
extern const char* const k_pending_points_sql;

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
  std::optional<std::string> category{}; // of a carry or an adjustment that has one
};

// A member's account for one CPD year.
struct Balance
{
  std::string member; // login
  std::string name;
  int year = 0;
  Points earned;          // approved claims and adjustments in the year
  Points carried_in;      // carried from the year before
  Points total;           // earned + carried_in
  Points quota;           // the cycle's requirement, pro-rated for a joiner or a dispensation
  Points remaining;       // the fewest points that meet every requirement, never below 0
  Points pending;         // submitted, not yet decided
  bool compliant = false; // every requirement of the year's rules is met
  bool duty = true;       // false: no CPD duty, so quota and remaining are 0 and it is compliant
  bool exempt = false;
  bool closed = false;
  bool active = true; // false once the membership is deactivated
  Date deadline{2017, 12, 31};
  std::optional<Date> joined;
  Judgement judgement; // each requirement, the cycle and the pro-rata behind the figures
};

// The balance of `login` (default: the caller; others only for a secretary)
// for `year` (default: this year).
Balance balance(Database& db,
                const Listed& context,
                const std::optional<std::string>& login,
                std::optional<int> year);

// The balance of a member by id, without permission checks.
Balance member_balance(Database& db, std::int64_t member_id, int year);

// A member's ledger entries in order (all years when `year` is empty).
std::vector<Entry> member_entries(Database& db, std::int64_t member_id, std::optional<int> year);

// The same, each told to `each` as it is read.
void for_each_member_entry(Database& db,
                           std::int64_t member_id,
                           std::optional<int> year,
                           const std::function<void(const Entry&)>& each);

// An entry to append to a member's record for a year.
struct NewEntry
{
  std::int64_t member_id = 0;
  int year = 0;
  EntryKind kind = EntryKind::award;
  Points points{};
  std::optional<std::int64_t> claim_id{}; // of an award or a revocation
  std::optional<std::int64_t> actor_id{}; // none for an unattended run
  std::int64_t at = 0;
  std::string reason{};
  // Of a carry or an adjustment (an award counts in its claim's category).
  std::optional<std::string> category{};
};

// Appends an entry; inside the caller's transaction.
void post_entry(Database& db, const NewEntry& entry);

// A member's account from the ledger for the years `from` to `to` (and the
// carry into `to` + 1), with their join date and dispensations. `before`
// gives it as it was: entries up to that id and that join date.
struct LedgerMark
{
  std::int64_t last_entry = 0;
  std::optional<Date> joined;
};
LedgerMark ledger_mark(Database& db, std::int64_t member_id);
Account load_account(Database& db,
                     std::int64_t member_id,
                     int from,
                     int to,
                     const std::optional<LedgerMark>& before = std::nullopt);

// The statement load_accounts reads everybody's points with, by year and
// category (?2 to ?3); here so that the query-plan tests check it.
std::string every_account_points_sql();

// Every member with ledger entries in the years `from` to `to`, by id:
// their login and account, with join dates but not dispensations (which
// change no carry).
struct MemberAccount
{
  std::string login;
  Account account;
};
std::map<std::int64_t, MemberAccount> load_accounts(Database& db, int from, int to);

// One member judged in a year, for the year's report, its close and its
// reminders.
struct MemberYear
{
  Member member;
  Points pending;
  Account account;
  Judgement judgement;
};

// Every active member with a CPD duty who was a member in `year` (added
// before it ended, and joined by its end when they have a join date),
// judged by `rules`, by login. A few queries for all of them.
std::vector<MemberYear> judge_members(Database& db, int year, const Rules& rules);

// The balance of a member judged in an open year.
Balance year_balance(const MemberYear& member, int year);

// True once `year` has been closed by rollover.
bool year_closed(Database& db, int year);

// How a change to a closed year carried through one closed year: its total
// and what it carries into the next year, before and after.
struct YearCorrection
{
  int year = 0;
  Points quota; // the requirement under the rules the year was closed with
  Points total_before;
  Points total_after;
  Points carried_before;
  Points carried_after;
  bool compliant_before = false;
  bool compliant_after = false;

  bool
  compliance_changed() const
  {
    return compliant_before != compliant_after;
  }
  bool
  carry_changed() const
  {
    return carried_before != carried_after;
  }
};

// After a change to a closed year `from_year` (already made; `before` is
// the ledger as it was), brings the carries out of it and out of every
// later closed year back in line with the rules each was closed under,
// with new entries whose reason names `cause` ("claim #12 approved late").
// Returns each closed year from `from_year` on, as it was and is. Inside
// the caller's transaction.
std::vector<YearCorrection> correct_carries(Database& db,
                                            std::int64_t member_id,
                                            int from_year,
                                            const LedgerMark& before,
                                            std::optional<std::int64_t> actor_id,
                                            std::int64_t at,
                                            std::string_view cause);

// A secretary's signed manual entry in a member's year.
struct Adjustment
{
  std::int64_t id = 0; // the ledger entry
  std::string member;  // login
  int year = 0;
  Points points; // signed
  std::string reason;
  std::optional<std::string> category{}; // the category it counts in; none: the total only
};

struct AdjustResult
{
  Adjustment adjustment;
  Balance balance;                         // the year's account after it
  std::vector<YearCorrection> corrections; // a closed year: what it did to the carries
};

// A secretary adds or takes `points` to a member's year with a reason: an
// adjustment entry in the ledger, the carries of a closed year corrected as
// for a late approval, the member mailed. Refused: no reason, 0 points, a
// year before the scheme or after this one, a total that would go below 0,
// and one's own record.
AdjustResult adjust_points(Database& db,
                           const Secretary& context,
                           std::string_view login,
                           Points points,
                           int year,
                           std::string_view reason,
                           const std::optional<std::string>& category = std::nullopt);

// The points carried out of a year into the next.
Points carried_out(Database& db, std::int64_t member_id, int year);

} // namespace cpd
