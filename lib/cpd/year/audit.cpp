// Audits: the seeded draw, the mails, the reminders before the deadline,
// responses and outcomes. Over 500 lines: one lifecycle over one set of
// tables, whose steps check each other's states.

#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/standing.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/names.hpp>
#include <cpd/util/random.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/events.hpp>

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

namespace cpd {

namespace {

constexpr Names<AuditStatus, 5> k_audit_status_names{{{AuditStatus::waiting, "waiting"},
                                                      {AuditStatus::responded, "responded"},
                                                      {AuditStatus::passed, "passed"},
                                                      {AuditStatus::failed, "failed"},
                                                      {AuditStatus::no_response, "no_response"}}};

constexpr std::size_t k_max_note_bytes = 2000;

constexpr std::string_view k_audit_select =
  "SELECT a.id, a.draw_id, a.member_id, m.login, m.name, m.email, a.year, d.drawn_on,"
  " a.deadline, a.redrawn, a.status, coalesce(a.response, ''), a.responded_at, s.login,"
  " a.decided_at, a.reason,"
  " (SELECT max(b.year) FROM audit b WHERE b.member_id = a.member_id AND b.year < a.year)"
  " FROM audit a JOIN member m ON m.id = a.member_id"
  " JOIN audit_draw d ON d.id = a.draw_id"
  " LEFT JOIN member s ON s.id = a.decided_by";

Date
stored_date(const std::string& text)
{
  const auto date = Date::parse(text);
  if (!date) {
    throw Error(ErrorKind::internal,
                "an audit has the date {} in the database, which cpd never writes; run cpd check",
                json_string(text));
  }
  return *date;
}

AuditStatus
stored_status(const std::string& text, Date deadline, Date today)
{
  if (text == "responded") {
    return AuditStatus::responded;
  }
  if (text == "passed") {
    return AuditStatus::passed;
  }
  if (text == "failed") {
    return AuditStatus::failed;
  }
  return deadline < today ? AuditStatus::no_response : AuditStatus::waiting;
}

// The approved claims an audit asked evidence for, as they are now.
std::vector<Claim>
requested_claims(Database& db, std::int64_t audit_id, std::int64_t member_id, int year)
{
  Statement ids(db, "SELECT claim_id FROM audit_claim WHERE audit_id = ?");
  ids.bind(1, audit_id);
  std::vector<std::int64_t> wanted;
  while (ids.step()) {
    wanted.push_back(ids.integer(0));
  }
  std::vector<Claim> claims;
  for (auto& claim : member_claims(db, member_id, year)) {
    if (std::find(wanted.begin(), wanted.end(), claim.id) != wanted.end()) {
      claims.push_back(std::move(claim));
    }
  }
  return claims;
}

// Audits matching a condition on `a` (the audit) and `m` (its member), with
// the parameters bound by `bind`, in draw and login order.
template<typename Bind>
std::vector<Audit>
load_audits(Database& db, Date today, std::string_view where, Bind bind)
{
  Statement query(db,
                  fmt::format("{} WHERE {} ORDER BY a.draw_id, m.login", k_audit_select, where));
  bind(query);
  std::vector<Audit> audits;
  while (query.step()) {
    Audit audit;
    audit.id = query.integer(0);
    audit.draw_id = query.integer(1);
    audit.member_id = query.integer(2);
    audit.member = query.text(3);
    audit.name = query.text(4);
    audit.email = query.text(5);
    audit.year = static_cast<int>(query.integer(6));
    audit.drawn_on = stored_date(query.text(7));
    audit.deadline = stored_date(query.text(8));
    if (query.integer(9) != 0 && !query.is_null(16)) {
      audit.redrawn_after = static_cast<int>(query.integer(16));
    }
    audit.status = stored_status(query.text(10), audit.deadline, today);
    audit.response = query.text(11);
    audit.responded_at = query.optional_integer(12);
    audit.decided_by = query.optional_text(13);
    audit.decided_at = query.optional_integer(14);
    audit.reason = query.optional_text(15);
    audits.push_back(std::move(audit));
  }
  query.reset();
  for (auto& audit : audits) {
    audit.requested = requested_claims(db, audit.id, audit.member_id, audit.year);
  }
  return audits;
}

Audit
load_audit(Database& db, Date today, std::int64_t id)
{
  auto audits = load_audits(db, today, "a.id = ?1", [&](Statement& q) { q.bind(1, id); });
  if (audits.empty()) {
    throw Error(ErrorKind::internal, "audit #{} vanished", id);
  }
  return std::move(audits.front());
}

// The draws with these ids, oldest first, each with `audits` sorted in.
std::vector<AuditDraw>
load_draws(Database& db, const std::vector<std::int64_t>& ids, std::vector<Audit> audits)
{
  std::vector<AuditDraw> draws;
  Statement query(db,
                  "SELECT d.id, d.year, d.percent, d.seed, d.eligible, d.drawn_on, m.login"
                  " FROM audit_draw d LEFT JOIN member m ON m.id = d.actor_id WHERE d.id = ?");
  Statement sampled(db, "SELECT count(*) FROM audit WHERE draw_id = ? AND redrawn = 0");
  for (const auto id : ids) {
    query.reset();
    query.bind(1, id);
    if (!query.step()) {
      continue;
    }
    AuditDraw draw;
    draw.id = query.integer(0);
    draw.year = static_cast<int>(query.integer(1));
    draw.percent_tenths = query.integer(2);
    draw.seed = parse_seed(query.text(3)).value_or(0);
    draw.eligible = static_cast<int>(query.integer(4));
    draw.drawn_on = stored_date(query.text(5));
    draw.drawn_by = query.optional_text(6);
    sampled.reset();
    sampled.bind(1, id);
    sampled.step();
    draw.sampled = static_cast<int>(sampled.integer(0));
    for (auto& audit : audits) {
      if (audit.draw_id == draw.id) {
        draw.audits.push_back(std::move(audit));
      }
    }
    draws.push_back(std::move(draw));
  }
  return draws;
}

struct Candidate
{
  std::int64_t id = 0;
  std::string login;
  std::optional<int> redrawn_after;
};

// Members who may be drawn at random for `year`, by login: active, with a
// CPD duty, not exempt, compliant by every rule of the year, not drawn yet.
std::vector<Candidate>
eligible_members(Database& db, int year)
{
  std::set<std::int64_t> drawn;
  Statement audited(db, "SELECT member_id FROM audit WHERE year = ?");
  audited.bind(1, year);
  while (audited.step()) {
    drawn.insert(audited.integer(0));
  }
  std::vector<Candidate> members;
  for (const auto& judged : judge_members(db, year, rules_of_year(db, year))) {
    const auto& member = judged.member;
    if (judged.judgement.compliant && !judged.judgement.exempt && !drawn.contains(member.id)) {
      members.push_back({member.id, member.login, std::nullopt});
    }
  }
  return members;
}

// Members whose last audit before `year` ended with no response, by login.
std::vector<Candidate>
nonresponders(Database& db, int year, Date today)
{
  Statement query(db,
                  "SELECT m.id, m.login, a.year FROM member m JOIN audit a ON a.member_id = m.id"
                  " WHERE "
                    + duty_sql("m", "?3")
                    + " AND a.status = 'waiting' AND a.deadline < ?2"
                      " AND a.year = (SELECT max(b.year) FROM audit b WHERE b.member_id = m.id"
                      "   AND b.year < ?1)"
                      " AND NOT "
                    + exempt_sql("m.id", "?1")
                    + " AND NOT EXISTS (SELECT 1 FROM audit c WHERE c.member_id = m.id"
                      "   AND c.year = ?1)"
                      " ORDER BY m.login");
  query.bind_all(year, today.to_string(), Date(year + 1, 1, 1).days() * 86400);
  std::vector<Candidate> members;
  while (query.step()) {
    members.push_back({query.integer(0), query.text(1), static_cast<int>(query.integer(2))});
  }
  return members;
}

// The first `count` members of a partial Fisher-Yates shuffle of `pool`
// driven by `random`: the sample, in the order drawn.
std::vector<Candidate>
sample(std::vector<Candidate> pool, std::size_t count, Random& random)
{
  count = std::min(count, pool.size());
  for (std::size_t i = 0; i < count; ++i) {
    const auto j = i + random.below(pool.size() - i);
    std::swap(pool[i], pool[j]);
  }
  pool.resize(count);
  return pool;
}

// How many of `eligible` members a draw of `percent_tenths` samples:
// ceil(eligible × percent / 100), at least one; none of none.
std::size_t
sample_size(std::size_t eligible, std::int64_t percent_tenths)
{
  if (eligible == 0) {
    return 0;
  }
  const auto share = (static_cast<std::int64_t>(eligible) * percent_tenths + 999) / 1000;
  return static_cast<std::size_t>(std::max<std::int64_t>(1, share));
}

// The pool's logins, in order, one per line, as the draw records them.
std::string
pool_text(const std::vector<Candidate>& pool)
{
  std::string text;
  for (const auto& candidate : pool) {
    text += text.empty() ? "" : "\n";
    text += candidate.login;
  }
  return text;
}

void
validate_note(std::string_view text, std::string_view what)
{
  if (text.size() > k_max_note_bytes) {
    throw Error(ErrorKind::bad_input,
                "the {} is too long ({} bytes; at most {})",
                what,
                text.size(),
                k_max_note_bytes);
  }
  if (!valid_utf8(text) || has_control_characters(text, AllowNewlines::yes)) {
    throw Error(ErrorKind::bad_input, "the {} must be UTF-8 text without control characters", what);
  }
}

bool
blank(std::string_view text)
{
  return text.find_first_not_of(" \t\n") == std::string_view::npos;
}

} // namespace

std::string_view
to_string(AuditStatus status)
{
  return name_of(k_audit_status_names, status);
}

std::string_view
status_words(AuditStatus status)
{
  return status == AuditStatus::no_response ? "no response" : to_string(status);
}

std::vector<Claim>
missing_evidence(const Audit& audit)
{
  std::vector<Claim> claims;
  for (const auto& claim : audit.requested) {
    if (claim.status == ClaimStatus::approved && claim.attachments == 0) {
      claims.push_back(claim);
    }
  }
  return claims;
}

std::optional<std::int64_t>
parse_percent(std::string_view text)
{
  const auto percent = Points::parse(text);
  if (!percent || *percent <= Points() || *percent > Points::from_tenths(1000)) {
    return std::nullopt;
  }
  return percent->tenths();
}

std::optional<std::uint64_t>
parse_seed(std::string_view text)
{
  std::uint64_t seed = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seed);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return seed;
}

AuditDraw
draw_audit(Database& db, const SecretaryOrSystem& context, const DrawRequest& request)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto& secretary = context.secretary_id;
  const auto settings = load_audit_settings(db);
  const int year = request.year;
  if (!year_closed(db, year)) {
    throw Error(ErrorKind::refused,
                "the CPD year {} is not closed: audit a year once cpd rollover has closed it",
                year);
  }
  Statement earlier(db, "SELECT min(drawn_on) FROM audit_draw WHERE year = ?");
  earlier.bind(1, year);
  if (earlier.step() && !earlier.is_null(0) && request.repeat == DrawRequest::Repeat::refuse) {
    throw Error(ErrorKind::refused,
                "the audit of {} was drawn on {} already; add --add to draw more members",
                year,
                earlier.text(0));
  }
  earlier.reset();

  const auto percent = request.percent_tenths.value_or(settings.percent_tenths);
  const auto seed = request.seed;
  auto again = nonresponders(db, year, context.today);
  auto pool = eligible_members(db, year);
  std::erase_if(pool, [&](const Candidate& candidate) {
    return std::any_of(
      again.begin(), again.end(), [&](const Candidate& other) { return other.id == candidate.id; });
  });
  const auto count = sample_size(pool.size(), percent);
  Random random(seed);
  auto drawn = sample(pool, count, random);
  drawn.insert(drawn.end(), again.begin(), again.end());
  if (drawn.empty()) {
    throw Error(ErrorKind::refused,
                "nobody can be drawn for the audit of {}: no active, non-exempt member who met "
                "the quota is left undrawn",
                year);
  }

  Statement(db,
            "INSERT INTO audit_draw(year, percent, seed, eligible, actor_id, drawn_on, at, pool)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind_all(year,
              percent,
              std::to_string(seed),
              static_cast<std::int64_t>(pool.size()),
              secretary,
              context.today.to_string(),
              context.now,
              pool_text(pool))
    .run();
  const auto draw_id = db.last_insert_id();
  const auto deadline = context.today.plus_days(settings.days);
  Statement insert(db,
                   "INSERT INTO audit(draw_id, member_id, year, deadline, redrawn)"
                   " VALUES (?, ?, ?, ?, ?)");
  Statement request_claims(db,
                           "INSERT INTO audit_claim(audit_id, claim_id)"
                           " SELECT ?1, c.id FROM claim c WHERE c.member_id = ?2"
                           " AND c.year = ?3 AND c.status = 'approved'"
                           " AND NOT EXISTS (SELECT 1 FROM attachment t"
                           "   WHERE t.claim_id = c.id)");
  for (const auto& member : drawn) {
    insert.reset();
    insert.bind_all(draw_id, member.id, year, deadline.to_string(), member.redrawn_after ? 1 : 0)
      .run();
    const auto audit_id = db.last_insert_id();
    request_claims.reset();
    request_claims.bind_all(audit_id, member.id, year).run();
  }
  auto audits =
    load_audits(db, context.today, "a.draw_id = ?1", [&](Statement& q) { q.bind(1, draw_id); });
  for (const auto& audit : audits) {
    db.record(context, AuditDrawn{audit, settings.days});
  }
  auto draws = load_draws(db, {draw_id}, std::move(audits));
  transaction.commit();
  return std::move(draws.front());
}

std::vector<DrawCheck>
check_draws(Database& db, const MemberOrSystem& context, int year)
{
  Transaction transaction(db, Transaction::Kind::read);
  // The system and a secretary see whom each draw took; a member, only
  // whether it was fair.
  const bool full = context.role == Role::secretary;
  std::vector<DrawCheck> checks;
  Statement draws(
    db, "SELECT id, percent, seed, eligible, pool FROM audit_draw WHERE year = ? ORDER BY id");
  draws.bind(1, year);
  Statement members(db,
                    "SELECT m.login FROM audit a JOIN member m ON m.id = a.member_id"
                    " WHERE a.draw_id = ? AND a.redrawn = 0 ORDER BY a.id");
  while (draws.step()) {
    DrawCheck check;
    check.draw_id = draws.integer(0);
    check.year = year;
    check.percent_tenths = draws.integer(1);
    check.seed = parse_seed(draws.text(2)).value_or(0);
    check.eligible = static_cast<std::size_t>(draws.integer(3));
    members.reset();
    members.bind(1, check.draw_id);
    while (members.step()) {
      check.drawn.push_back(members.text(0));
    }
    check.sampled = check.drawn.size();
    if (const auto pool = draws.optional_text(4)) {
      check.recorded = true;
      std::vector<Candidate> candidates;
      for (std::size_t start = 0; !pool->empty() && start <= pool->size();) {
        const auto end = std::min(pool->find('\n', start), pool->size());
        candidates.push_back({0, pool->substr(start, end - start), std::nullopt});
        start = end + 1;
      }
      Random random(check.seed);
      for (const auto& candidate :
           sample(candidates, sample_size(candidates.size(), check.percent_tenths), random)) {
        check.expected.push_back(candidate.login);
      }
      for (auto& candidate : candidates) {
        check.pool.push_back(std::move(candidate.login));
      }
      auto expected = check.expected;
      auto drawn = check.drawn;
      std::sort(expected.begin(), expected.end());
      std::sort(drawn.begin(), drawn.end());
      check.matches = expected == drawn && check.pool.size() == check.eligible;
    }
    if (!full) {
      check.pool.clear();
      check.expected.clear();
      check.drawn.clear();
    }
    checks.push_back(std::move(check));
  }
  if (checks.empty()) {
    throw Error(ErrorKind::refused, "no audit of {} has been drawn", year);
  }
  return checks;
}

std::vector<AuditDraw>
list_audits(Database& db, const MemberOrSystem& context, std::optional<int> year)
{
  Transaction transaction(db, Transaction::Kind::read);
  std::optional<std::int64_t> only;
  if (context.role != Role::secretary) {
    only = context.member_id;
  }
  auto audits = load_audits(db,
                            context.today,
                            "(?1 IS NULL OR a.year = ?1) AND (?2 IS NULL OR a.member_id = ?2)",
                            [&](Statement& q) {
                              q.bind(1, year);
                              q.bind(2, only);
                            });
  std::vector<std::int64_t> ids;
  if (only) {
    for (const auto& audit : audits) {
      if (std::find(ids.begin(), ids.end(), audit.draw_id) == ids.end()) {
        ids.push_back(audit.draw_id);
      }
    }
  } else {
    Statement draws(db, "SELECT id FROM audit_draw WHERE ?1 IS NULL OR year = ?1 ORDER BY id");
    draws.bind(1, year);
    while (draws.step()) {
      ids.push_back(draws.integer(0));
    }
  }
  std::sort(ids.begin(), ids.end());
  return load_draws(db, ids, std::move(audits));
}

Audit
respond_to_audit(Database& db,
                 const MemberActor& context,
                 std::optional<int> year,
                 std::string_view note)
{
  validate_note(note, "note");
  Transaction transaction(db, Transaction::Kind::write);
  const auto member = record_of(db, context);
  auto audits = load_audits(
    db, context.today, "a.member_id = ?1 AND (?2 IS NULL OR a.year = ?2)", [&](Statement& q) {
      q.bind(1, member.id);
      q.bind(2, year);
    });
  std::erase_if(audits, [&](const Audit& audit) {
    return !year && audit.status != AuditStatus::waiting
           && audit.status != AuditStatus::no_response;
  });
  if (audits.empty()) {
    throw Error(ErrorKind::refused,
                year ? fmt::format("your CPD record for {} is not under audit", *year)
                     : std::string("you have no audit waiting for an answer"));
  }
  if (audits.size() > 1) {
    std::string years;
    for (const auto& audit : audits) {
      years += fmt::format("{}{}", years.empty() ? "" : " and ", audit.year);
    }
    throw Error(
      ErrorKind::usage, "your records for {} are under audit: say which with --year", years);
  }
  auto& audit = audits.front();
  if (audit.status == AuditStatus::responded) {
    throw Error(ErrorKind::refused,
                "you responded already to the audit of your CPD record for {}; you can still add "
                "evidence with cpd attach until it is decided",
                audit.year);
  }
  if (audit.status != AuditStatus::waiting && audit.status != AuditStatus::no_response) {
    throw Error(ErrorKind::refused,
                "the audit of your CPD record for {} was decided already ({})",
                audit.year,
                status_words(audit.status));
  }
  Statement(db,
            "UPDATE audit SET status = 'responded', response = NULLIF(?, ''),"
            " responded_at = ? WHERE id = ?")
    .bind_all(note, context.now, audit.id)
    .run();
  auto answered = load_audit(db, context.today, audit.id);
  db.record(context, AuditAnswered{answered});
  transaction.commit();
  return answered;
}

AuditDecision
decide_audit(Database& db,
             const Secretary& context,
             std::string_view login,
             int year,
             AuditOutcome outcome,
             std::string_view reason,
             const std::vector<std::int64_t>& revoke)
{
  if (outcome == AuditOutcome::failed && blank(reason)) {
    throw Error(ErrorKind::usage, "a failed audit needs a reason: --reason TEXT");
  }
  if (outcome == AuditOutcome::passed && !revoke.empty()) {
    throw Error(ErrorKind::usage, "--revoke goes with cpd audit fail, not pass");
  }
  validate_note(reason, "reason");
  Transaction transaction(db, Transaction::Kind::write);
  const auto secretary = record_of(db, context);
  const auto member = require_member(db, login);
  auto audits =
    load_audits(db, context.today, "a.member_id = ?1 AND a.year = ?2", [&](Statement& q) {
      q.bind_all(member.id, year);
    });
  if (audits.empty()) {
    throw Error(ErrorKind::refused, "{} was not drawn for the audit of {}", login, year);
  }
  const auto& audit = audits.front();
  if (member.id == secretary.id) {
    throw Error(
      ErrorKind::permission, "the audit of {} is your own: another secretary must decide it", year);
  }
  if (audit.status == AuditStatus::passed || audit.status == AuditStatus::failed) {
    throw Error(ErrorKind::refused,
                "the audit of {}'s record for {} was decided already ({}); nothing was changed",
                login,
                year,
                to_string(audit.status));
  }
  AuditDecision decision;
  const auto revocation_reason = fmt::format("audit of {} failed: {}", year, reason);
  for (const auto id : revoke) {
    const auto claims = member_claims(db, member.id, year);
    if (std::none_of(claims.begin(), claims.end(), [&](const Claim& c) { return c.id == id; })) {
      throw Error(ErrorKind::refused,
                  "claim #{} is not one of {}'s claims for {}; nothing was changed",
                  id,
                  login,
                  year);
    }
    decision.revoked.push_back(
      revoke_approved_claim(db, context, secretary, id, revocation_reason, Notify::no));
  }
  Statement(db,
            "UPDATE audit SET status = ?, decided_by = ?, decided_at = ?, reason = NULLIF(?, '')"
            " WHERE id = ?")
    .bind_all(outcome == AuditOutcome::passed ? "passed" : "failed",
              secretary.id,
              context.now,
              reason,
              audit.id)
    .run();
  decision.audit = load_audit(db, context.today, audit.id);
  db.record(context, AuditDecided{decision.audit, decision.revoked});
  transaction.commit();
  return decision;
}

std::vector<AuditReminder>
remind_audits(Database& db, const SecretaryOrSystem& context, DryRun dry_run)
{
  Transaction transaction(db, Transaction::Kind::write);
  auto points = load_audit_settings(db).remind_days;
  std::sort(points.begin(), points.end());
  const auto audits =
    load_audits(db,
                context.today,
                "a.status = 'waiting' AND a.deadline >= ?1 AND " + duty_sql("m", "?2"),
                [&](Statement& q) {
                  q.bind(1, context.today.to_string());
                  // A duty now: whenever they were added.
                  q.bind(2, std::numeric_limits<std::int64_t>::max());
                });
  Statement sent(db, "SELECT 1 FROM audit_reminder WHERE audit_id = ? AND point = ?");
  std::vector<AuditReminder> reminded;
  for (const auto& audit : audits) {
    const auto days_left = static_cast<int>(audit.deadline.days() - context.today.days());
    const auto window = audit.deadline.days() - audit.drawn_on.days();
    // The nearest reminder day reached, unless the request itself was that close.
    const auto point = std::find_if(
      points.begin(), points.end(), [&](int day) { return days_left <= day && day < window; });
    if (point == points.end()) {
      continue;
    }
    sent.reset();
    sent.bind_all(audit.id, *point);
    if (sent.step()) {
      continue;
    }
    reminded.push_back(
      {audit.member, audit.name, audit.email, audit.year, audit.deadline, days_left});
    if (dry_run == DryRun::no) {
      Statement(db, "INSERT INTO audit_reminder(audit_id, point) VALUES (?, ?)")
        .bind_all(audit.id, *point)
        .run();
      db.record(context, AuditReminderDue{audit, *point, days_left});
    }
  }
  sent.reset();
  if (dry_run == DryRun::no) {
    transaction.commit();
  }
  return reminded;
}

std::map<std::string, AuditStatus>
audit_statuses(Database& db, const SecretaryOrSystem& context, int year)
{
  Transaction transaction(db, Transaction::Kind::read);
  Statement query(db,
                  "SELECT m.login, a.status, a.deadline FROM audit a"
                  " JOIN member m ON m.id = a.member_id WHERE a.year = ?");
  query.bind(1, year);
  std::map<std::string, AuditStatus> statuses;
  while (query.step()) {
    statuses[query.text(0)] =
      stored_status(query.text(1), stored_date(query.text(2)), context.today);
  }
  return statuses;
}

} // namespace cpd
