#pragma once

#include <cpd/claims/claims.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

// Where a member's audit stands. "No response" is a waiting audit whose
// deadline has passed.
enum class AuditStatus { waiting, responded, passed, failed, no_response };

// "waiting", "responded", "passed", "failed", "no_response": for JSON.
std::string_view to_string(AuditStatus status);

// The same for people: "no response" with a space.
std::string_view status_words(AuditStatus status);

// One member's audit of one CPD year.
struct Audit
{
  std::int64_t id = 0;
  std::int64_t draw_id = 0;
  std::int64_t member_id = 0;
  std::string member; // login
  std::string name;
  std::string email;
  int year = 0;
  Date drawn_on{2017, 1, 1};
  Date deadline{2017, 1, 1};
  // The year of an earlier audit the member gave no response to, when that
  // is why they were drawn.
  std::optional<int> redrawn_after;
  AuditStatus status = AuditStatus::waiting;
  std::string response; // the member's note
  std::optional<std::int64_t> responded_at;
  std::optional<std::string> decided_by; // login
  std::optional<std::int64_t> decided_at;
  std::optional<std::string> reason;
  // The approved claims that had no evidence when the member was drawn, as
  // they are now (files attached since, or revoked).
  std::vector<Claim> requested;
};

// A draw, with the audits it started.
struct AuditDraw
{
  std::int64_t id = 0;
  int year = 0;
  std::int64_t percent_tenths = 0; // 50: 5%
  std::uint64_t seed = 0;
  int eligible = 0; // members the sample was drawn from
  int sampled = 0;  // members the sample took (not those drawn again), whoever asks
  Date drawn_on{2017, 1, 1};
  std::optional<std::string> drawn_by; // login; nothing for an unattended run
  std::vector<Audit> audits;           // by login
};

// The approved claims an audit asked evidence for that still have none.
std::vector<Claim> missing_evidence(const Audit& audit);

// "5", "2.5", "100" (a percentage above 0 and at most 100, with at most one
// decimal place) in tenths of a percent; nothing for anything else.
std::optional<std::int64_t> parse_percent(std::string_view text);

// An unsigned 64-bit decimal; nothing for anything else.
std::optional<std::uint64_t> parse_seed(std::string_view text);

// What a draw is asked for.
struct DrawRequest
{
  int year = 0;
  std::optional<std::int64_t> percent_tenths; // default: audit.percent
  std::uint64_t seed = 0; // from the system's random source, drawn by the caller; recorded
  enum class Repeat { refuse, add } repeat = Repeat::refuse;
};

// Draws members for an audit of a closed year and mails each of them, for a
// secretary or the system. Eligible are the active members who joined by
// the end of the year, were not exempt and met its quota, and are not drawn
// for it already; they are ordered by login and a sample of
// ceil(eligible × percent / 100) members, at least one, is taken with a
// partial Fisher-Yates shuffle driven by Random(seed). The same seed on the
// same data draws the same members. The seed and the eligible logins, in
// order, are recorded with the draw, so that check_draws can repeat it. Drawn as well, outside the
// sample, is every active member whose last audit before this year ended with no response. A second
// draw for the same year is refused unless Repeat::add. Each audit asks evidence for the approved
// claims of the year without files, due audit.days from today.
AuditDraw draw_audit(Database& db, const SecretaryOrSystem& context, const DrawRequest& request);

// A draw repeated from its record: the sample that its seed draws from its
// recorded pool, against the members it drew (those drawn again for giving
// no response before are outside the sample and not compared).
struct DrawCheck
{
  std::int64_t draw_id = 0;
  int year = 0;
  std::int64_t percent_tenths = 0;
  std::uint64_t seed = 0;
  bool recorded = false; // false: a draw from before the pool was recorded
  bool matches = false;  // the seed draws exactly the members drawn
  std::size_t eligible = 0;
  std::size_t sampled = 0;
  // For a secretary or the system only (empty for a member): the recorded
  // pool, the logins the seed draws from it, and those the draw recorded,
  // in the order drawn.
  std::vector<std::string> pool;
  std::vector<std::string> expected;
  std::vector<std::string> drawn;
};

// Repeats every draw of `year` from its record, for anybody who is a member
// (and the system): the pool is sampled again with Random(seed) as
// draw_audit does, ceil(pool × percent / 100) members, at least one.
std::vector<DrawCheck> check_draws(Database& db, const MemberOrSystem& context, int year);

// The draws of a year (every year when empty), oldest first: all of them
// for a secretary; for a member, only their own audits.
std::vector<AuditDraw>
list_audits(Database& db, const MemberOrSystem& context, std::optional<int> year);

// The member answers their audit (of `year`, or the one open audit) with a
// note; the secretary is mailed. Late answers are taken; an audit already
// answered or decided is refused.
Audit respond_to_audit(Database& db,
                       const MemberActor& context,
                       std::optional<int> year,
                       std::string_view note);

enum class AuditOutcome { passed, failed };

// What deciding an audit did.
struct AuditDecision
{
  Audit audit;
  std::vector<Claim> revoked;
};

// A secretary records the outcome of a member's audit, mailed to the
// member. A fail needs a reason and may revoke claims of the audited member
// and year, as `cpd revoke` does, with one mail for all of it. Nobody
// decides their own audit, or one decided already.
AuditDecision decide_audit(Database& db,
                           const Secretary& context,
                           std::string_view login,
                           int year,
                           AuditOutcome outcome,
                           std::string_view reason,
                           const std::vector<std::int64_t>& revoke);

// A reminder of an audit not yet answered.
struct AuditReminder
{
  std::string member; // login
  std::string name;
  std::string email;
  int year = 0;
  Date deadline{2017, 1, 1};
  int days_left = 0;
};

// Reminds the members whose audit waits for an answer when its deadline is
// at most one of audit.remind_days away: once for each of those days (the
// nearest one reached), never on the day they were drawn. For a secretary
// or the system; running it twice sends nothing new.
std::vector<AuditReminder>
remind_audits(Database& db, const SecretaryOrSystem& context, DryRun dry_run);

// The audit status of every member audited for `year`, by login (a
// secretary's view).
std::map<std::string, AuditStatus>
audit_statuses(Database& db, const SecretaryOrSystem& context, int year);

} // namespace cpd
