#pragma once

#include <cpd/claims/claims.hpp>
#include <cpd/util/actor.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cpd {

// One attendee on an attendance list.
struct Attendee
{
  std::string where; // "list.csv line 4", for messages
  std::string login;
};

// A secretary's attendance list of one activity on one day.
struct AttendanceRequest
{
  std::string activity; // activity code
  Date date{2017, 1, 1};
  std::optional<Quantity> quantity; // for per-unit activities
  std::optional<Unit> unit;         // what the quantity counts; empty: the activity's own
  std::string note;                 // kept with each claim
  std::vector<Attendee> attendees;
  DryRun dry_run = DryRun::no;
};

// What an attendance list did.
struct AttendanceResult
{
  std::vector<Claim> approved;
  struct Skipped
  {
    std::string where;
    std::string login;
    std::string why;
  };
  std::vector<Skipped> skipped;
};

// Records an attendance list in one transaction: one approved claim per
// listed member (decided by the secretary, awarded in the ledger, with one
// mail to the member saying so). Skipped and reported: members who already
// claimed the activity that day, deactivated members, logins listed twice,
// and the secretary's own login (nobody decides their own claim). Any
// unknown login refuses the whole list (unknown member), naming each with
// its line; with DryRun::yes they are listed as skipped instead. With
// DryRun::yes nothing is stored.
AttendanceResult
record_attendance(Database& db, const Secretary& context, const AttendanceRequest& request);

} // namespace cpd
