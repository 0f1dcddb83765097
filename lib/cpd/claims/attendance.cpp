#include <cpd/claims/attendance.hpp>
#include <cpd/claims/claim_store.hpp>
#include <cpd/claims/events.hpp>
#include <cpd/ledger/events.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/error.hpp>

#include <map>

namespace cpd {

AttendanceResult
record_attendance(Database& db, const Secretary& context, const AttendanceRequest& request)
{
  validate_text(request.note, "note");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  const auto valued = claimable(
    db, context, secretary, request.activity, request.date, request.quantity, request.unit);
  const auto& activity = valued.activity;

  // Every login must be known before anything is recorded.
  std::vector<std::optional<Member>> members;
  std::vector<std::string> unknown;
  std::size_t unknown_count = 0;
  for (const auto& attendee : request.attendees) {
    members.push_back(find_member(db, attendee.login));
    if (!members.back()) {
      if (++unknown_count <= 20) {
        unknown.push_back(fmt::format("'{}' ({})", attendee.login, attendee.where));
      }
    }
  }
  if (unknown_count > 0 && request.dry_run == DryRun::no) {
    std::string list;
    for (const auto& item : unknown) {
      list += (list.empty() ? "" : ", ") + item;
    }
    if (unknown_count > unknown.size()) {
      list += fmt::format(" and {} more", unknown_count - unknown.size());
    }
    throw Error(ErrorKind::unknown_member,
                "{} unknown member{} on the list, so nothing was recorded: {}; add them "
                "(cpd member add or cpd member import) or correct the list",
                unknown_count,
                unknown_count == 1 ? "" : "s",
                list);
  }

  AttendanceResult result;
  std::map<std::string, std::string> listed; // login -> where first listed
  for (std::size_t i = 0; i < request.attendees.size(); ++i) {
    const auto& attendee = request.attendees[i];
    if (!members[i]) {
      // Only on a dry run: a real one refused the list above.
      result.skipped.push_back({attendee.where,
                                attendee.login,
                                "not a member: add them (cpd member add or cpd member import) "
                                "or correct the list; the list would be refused as it is"});
      continue;
    }
    const auto& member = *members[i];
    auto skip = [&](std::string why) {
      result.skipped.push_back({attendee.where, member.login, std::move(why)});
    };
    if (const auto [first, inserted] = listed.emplace(member.login, attendee.where); !inserted) {
      skip(fmt::format("listed again (first on {})", first->second));
      continue;
    }
    if (member.id == secretary.id) {
      skip("your own attendance: claim it with cpd claim for another secretary to decide");
      continue;
    }
    if (!member.active) {
      skip("membership deactivated");
      continue;
    }
    if (const auto earlier = live_claim(db, member.id, activity.id, request.date)) {
      skip(fmt::format("already claimed (claim #{}, {})", earlier->first, earlier->second));
      continue;
    }
    const auto id = insert_claim(db, member.id, valued, request.note, secretary.id, context.now);
    const auto corrections = approve_one(db, context, require_claim(db, id), secretary, "");
    auto claim = require_claim(db, id).claim;
    claim.working = valued.working;
    // One mail: the member made no claim to be told was received.
    db.record(context, AttendanceRecorded{claim, member});
    db.record(context,
              YearCorrected{member,
                            corrections,
                            fmt::format("your attendance at {} on {} was recorded",
                                        claim.activity_title,
                                        claim.date.to_long_string()),
                            fmt::format("claim:{}:approved", claim.id)});
    result.approved.push_back(std::move(claim));
  }
  if (request.dry_run == DryRun::no) {
    transaction.commit();
  }
  return result;
}

} // namespace cpd
