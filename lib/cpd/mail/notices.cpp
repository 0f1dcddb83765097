// Every mail cpd sends, one function each, with the values its template
// fills in. Over 500 lines because there are some thirty mails; they stay
// side by side so that no two of them contradict each other.

#include <cpd/claims/evidence.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd {

namespace {

using Values = std::map<std::string, std::string>;

// Prose cpd writes into a mail is wrapped to this many columns.
constexpr std::size_t k_width = 72;

// "3 points are carried forward into 2018." "Nothing is carried forward..."
std::string
carry_sentence(Points carried, int next_year)
{
  if (carried <= Points()) {
    return fmt::format("Nothing is carried forward into {}.", next_year);
  }
  return fmt::format("{} {} carried forward into {}.",
                     points_phrase(carried),
                     carried.tenths() == 10 ? "is" : "are",
                     next_year);
}

// "3 points", "1 point", "nothing": an amount carried.
std::string
carried_phrase(Points carried)
{
  return carried <= Points() ? std::string("nothing") : points_phrase(carried);
}

} // namespace

std::string
quoted_note(std::string_view note)
{
  if (note.empty()) {
    return "(none)";
  }
  if (note.find('\n') == std::string_view::npos) {
    return std::string(note);
  }
  while (!note.empty() && note.back() == '\n') {
    note.remove_suffix(1);
  }
  std::string quoted = "(quoted below)";
  for (std::size_t start = 0; start <= note.size();) {
    const auto end = std::min(note.find('\n', start), note.size());
    const auto line = note.substr(start, end - start);
    quoted += line.empty() ? "\n    >" : fmt::format("\n    > {}", line);
    start = end + 1;
  }
  return quoted;
}

namespace {

Values
claim_values(const Claim& claim)
{
  const auto quantity = claim_quantity(claim);
  const auto working = working_phrase(claim);
  return {{"claim_id", std::to_string(claim.id)},
          {"activity", claim.activity_title},
          {"claimed",
           quantity.empty() ? claim.activity_title
                            : fmt::format("{} of {}", quantity, claim.activity_title)},
          {"quantity", quantity},
          {"working",
           working.empty()
             ? std::string()
             : wrap(fmt::format("How the points were worked out: {}.", working), k_width) + "\n\n"},
          {"date", claim.date.to_long_string()},
          {"points", points_phrase(claim.points)},
          {"login", claim.member},
          {"member_name", claim.member_name},
          {"name", claim.member_name},
          {"note", quoted_note(claim.note)},
          {"attachments", std::to_string(claim.attachments)},
          {"reason", claim.reason.value_or("")}};
}

// "Your total for 2017 is now 8 points" and, in a cycle of several years,
// ", and 95 points over 2015 to 2017".
std::string
total_clause(const Judgement& judgement)
{
  auto text =
    fmt::format("Your total for {} is now {}", judgement.year, points_phrase(judgement.total));
  if (judgement.cycle_from < judgement.year) {
    text += fmt::format(", and {} over {} to {}",
                        points_phrase(judgement.cycle_total),
                        judgement.cycle_from,
                        judgement.year);
  }
  return text;
}

// How a year ended against its requirement, after "Your total was 8
// points, ": "which meets the quota of 10 points", "which is 2 points short
// of the quota of 10 points", "which falls short of the quota of 20 points,
// of which at least 10 formal, by 2 formal points". With `Cycle::say`, a
// cycle of several years says its total first.
enum class Cycle { say, said };
std::string
outcome_clause(const Judgement& judgement, std::optional<Date> joined, Cycle cycle)
{
  std::string text;
  if (cycle == Cycle::say && judgement.cycle_from < judgement.year) {
    text = fmt::format("and {} over {} to {}, ",
                       points_phrase(judgement.cycle_total),
                       judgement.cycle_from,
                       judgement.year);
  }
  const auto quota = requirement_phrase(judgement, joined);
  if (judgement.compliant) {
    return text + fmt::format("which meets the quota of {}", quota);
  }
  if (short_of_total_only(judgement)) {
    return text
           + fmt::format(
             "which is {} short of the quota of {}", points_phrase(judgement.remaining), quota);
  }
  return text
         + fmt::format(
           "which falls short of the quota of {} by {}", quota, needs_phrase(judgement, false));
}

void
add_balance(Values& values, const Balance& balance)
{
  const auto& judged = balance.judgement;
  values["year"] = std::to_string(balance.year);
  values["next_year"] = std::to_string(balance.year + 1);
  values["total"] = balance.total.to_string();
  values["total_points"] = points_phrase(balance.total);
  values["quota"] = balance.quota.to_string();
  values["quota_points"] = points_phrase(balance.quota);
  values["quota_cpd_points"] = requirement_phrase(judged, balance.joined, "CPD");
  values["progress"] = progress_phrase(judged);
  values["cycle_clause"] =
    judged.cycle_from < judged.year ? fmt::format(
      " and {} over {} to {}", points_phrase(judged.cycle_total), judged.cycle_from, judged.year)
                                    : std::string();
  values["remaining"] = balance.remaining.to_string();
  values["remaining_points"] = points_phrase(balance.remaining);
  values["remaining_more"] = needs_phrase(judged);
  values["pending"] = balance.pending.to_string();
  values["pending_points"] = points_phrase(balance.pending);
  values["deadline"] = balance.deadline.to_long_string();
}

// Where a member's year stands after a change to it, for the mail that
// tells them of the change. While the year runs: what is still needed by
// its last day, and of what, that every requirement is met, or (exempt)
// that nothing is needed. Once it is over: its total and, for a closed
// year, what is carried; never a deadline that has passed.
std::string
standing_paragraph(Database& db, std::int64_t member_id, int year, Date today)
{
  const auto balance = member_balance(db, member_id, year);
  const auto& judged = balance.judgement;
  const auto quota = requirement_phrase(judged, balance.joined);
  if (today <= balance.deadline) {
    if (balance.exempt) {
      return wrap(fmt::format("{}. You are exempt from the quota for {}, "
                              "so nothing more is required of you. Thank you for keeping your "
                              "record up to date.",
                              total_clause(judged),
                              year),
                  k_width);
    }
    if (balance.compliant) {
      return wrap(fmt::format("{}: you have met your quota of {} for {}. Thank you.",
                              total_clause(judged),
                              quota,
                              year),
                  k_width);
    }
    return wrap(fmt::format("{}. You only require {} by {} to make your quota of {}.",
                            total_clause(judged),
                            needs_phrase(judged),
                            balance.deadline.to_long_string(),
                            quota),
                k_width);
  }
  std::string against;
  if (balance.exempt) {
    against = fmt::format(" (you were exempt from the quota)");
  } else if (balance.compliant) {
    against = fmt::format(", which meets the quota of {}", quota);
  } else if (short_of_total_only(judged)) {
    against = fmt::format(", {} short of the quota of {}", points_phrase(balance.remaining), quota);
  } else {
    against = fmt::format(", short of the quota of {} by {}", quota, needs_phrase(judged, false));
  }
  const auto total = points_phrase(balance.total);
  if (!balance.closed) {
    return wrap(fmt::format("The CPD year {} has ended; its total is now {}{}. "
                            "Its statement follows when the year is closed.",
                            year,
                            total,
                            against),
                k_width);
  }
  return wrap(fmt::format("The CPD year {} is closed; its total is now {}{}. {}",
                          year,
                          total,
                          against,
                          carry_sentence(carried_out(db, member_id, year), year + 1)),
              k_width);
}

// What a change to a closed year did to the carry into the next year, as a
// paragraph between blank lines; "" when it did not change it.
std::string
knock_on_paragraph(const std::vector<YearCorrection>& corrections)
{
  if (corrections.empty() || !corrections.front().carry_changed()) {
    return {};
  }
  const auto& first = corrections.front();
  return "\n"
         + wrap(
           fmt::format("Because {} is closed, this also {} what you carry into {}: from {} to {}.",
                       first.year,
                       first.carried_after < first.carried_before ? "lowers" : "raises",
                       first.year + 1,
                       carried_phrase(first.carried_before),
                       carried_phrase(first.carried_after)),
           k_width)
         + "\n";
}

// The claim's files for the secretary's mail: which ones ride along (in
// order, while they fit in mail.attach_max_bytes), how to fetch the others,
// and other claims holding the same file. With `fresh`, only those files
// ride along: the others were sent before.
std::vector<std::int64_t>
describe_evidence(Database& db,
                  const Claim& claim,
                  Values& values,
                  const std::optional<std::vector<std::int64_t>>& fresh = std::nullopt)
{
  const auto files = claim_attachments(db, claim.id, DuplicateFlags::fill_in);
  if (files.empty()) {
    values["evidence"] = "Evidence: none attached.\n";
    return {};
  }
  const auto budget = load_attachment_limits(db).per_mail;
  std::uint64_t used = 0;
  std::vector<std::int64_t> attached;
  std::string text =
    fmt::format("Evidence ({} file{}):\n", files.size(), files.size() == 1 ? "" : "s");
  std::string duplicates;
  for (const auto& file : files) {
    const auto size = static_cast<std::uint64_t>(file.size);
    std::string how;
    if (fresh && std::find(fresh->begin(), fresh->end(), file.id) == fresh->end()) {
      how = "sent before";
    } else if (used + size <= budget) {
      used += size;
      attached.push_back(file.id);
      how = "attached to this mail";
    } else {
      how = fmt::format("too large to send here; fetch it with: cpd attachment get {}", claim.id);
    }
    text += fmt::format("  {} ({}, {})\n    {}\n    SHA-256 {}\n",
                        file.name,
                        size_phrase(file.size),
                        file.media_type,
                        how,
                        file.sha256);
    if (file.duplicate_of && !file.duplicate_of->empty()) {
      duplicates += fmt::format(
        "  {} is also attached to claim {}.\n", file.name, claim_refs(*file.duplicate_of));
    }
  }
  if (!duplicates.empty()) {
    text += "\nThe same file was sent before; check before approving:\n" + duplicates;
  }
  values["evidence"] = std::move(text);
  return attached;
}

void
to_member(Database& db,
          const Context& context,
          const Member& member,
          std::string cause,
          std::string template_name,
          Values values)
{
  queue_mail(db,
             context,
             Mail{std::move(cause),
                  std::move(template_name),
                  member.id,
                  member.name,
                  member.email,
                  std::move(values),
                  {}});
}

void
to_secretary(Database& db,
             const Context& context,
             std::optional<std::int64_t> except,
             const std::string& cause,
             const std::string& template_name,
             const Values& values,
             const std::vector<std::int64_t>& attachment_ids = {})
{
  for (const auto& recipient : secretary_recipients(db, except)) {
    queue_mail(db,
               context,
               Mail{cause + ":" + recipient.key,
                    template_name,
                    recipient.member_id,
                    recipient.name,
                    recipient.address,
                    values,
                    attachment_ids});
  }
}

// "today", "tomorrow", "in 7 days".
std::string
due_phrase(int days_left)
{
  if (days_left <= 0) {
    return "today";
  }
  return days_left == 1 ? "tomorrow" : fmt::format("in {} days", days_left);
}

// "  #12  IIMS training day, 14 March 2017: 5 points"
std::string
claim_line(std::int64_t id, std::string_view title, Date date, Points points)
{
  return fmt::format(
    "  #{}  {}, {}: {}\n", id, title, date.to_long_string(), points_phrase(points));
}

// The lines of each list a secretary's summary shows at most: a year end of
// a large body would otherwise mail its whole membership to the secretary.
constexpr std::size_t k_summary_lines = 100;

// A list in the secretary's summary: its first k_summary_lines lines, then
// how many more there are and where to see them all.
class SummaryList
{
public:
  explicit SummaryList(std::string where)
    : m_where(std::move(where))
  {}

  // Adds the line `line()` makes, made only while the list shows it.
  template<typename Line>
  void
  add(Line&& line)
  {
    if (m_shown < k_summary_lines) {
      m_text += line();
      ++m_shown;
    }
    ++m_count;
  }

  // Counts the list's lines up to `total`, when only the first are added.
  void
  count_to(std::size_t total)
  {
    m_total = total;
  }

  // The list with `after` below it, or "(none)".
  std::string
  text(std::string_view after = {}) const
  {
    const auto count = std::max(m_count, m_total);
    if (count == 0) {
      return "  (none)\n";
    }
    auto text = m_text;
    if (count > m_shown) {
      text += fmt::format("  and {} more: {}\n", count - m_shown, m_where);
    }
    return text.append(after);
  }

private:
  std::string m_where;
  std::string m_text;
  std::size_t m_shown = 0;
  std::size_t m_count = 0;
  std::size_t m_total = 0;
};

// One line per claim.
std::string
claim_lines(const std::vector<Claim>& claims)
{
  std::string text;
  for (const auto& claim : claims) {
    text += claim_line(claim.id, claim.activity_title, claim.date, claim.points);
  }
  return text;
}

// A claim still waiting for a decision, as a year-end statement lists it.
struct WaitingClaim
{
  std::int64_t id = 0;
  std::string title;
  Date date;
  Points points;
};

// What a year-end statement (year-statement-met, -short, -exempt) says: the
// year's total against the quota, what is carried and the claims still
// waiting. Made at the close member by member, or when sent from the
// numbers a batch's facts hold.
struct YearStatementFacts
{
  std::string name;
  std::string login;
  int year = 0;
  Points total;
  Points quota;
  Points remaining;
  Points carried;
  Judgement judgement;
  std::optional<Date> joined;
  std::vector<WaitingClaim> waiting;

  Values
  values() const
  {
    Values values{{"name", name},
                  {"login", login},
                  {"year", std::to_string(year)},
                  {"total", total.to_string()},
                  {"total_points", points_phrase(total)},
                  {"quota", quota.to_string()},
                  {"quota_points", points_phrase(quota)},
                  {"outcome",
                   wrap(outcome_clause(judgement, joined, Cycle::say)
                          + (judgement.compliant ? ". Thank you." : "."),
                        k_width)},
                  {"remaining", remaining.to_string()},
                  {"remaining_points", points_phrase(remaining)},
                  {"carried", carried.to_string()},
                  {"carried_points", points_phrase(carried)},
                  {"carry_sentence", carry_sentence(carried, year + 1)},
                  {"next_year", std::to_string(year + 1)},
                  {"waiting", ""}};
    if (!waiting.empty()) {
      const auto count = waiting.size();
      std::string lines;
      for (const auto& claim : waiting) {
        lines += claim_line(claim.id, claim.title, claim.date, claim.points);
      }
      values["waiting"] =
        fmt::format("{} of yours for {} {} still waiting for a decision:\n\n{}\n"
                    "You will hear when {} decided; if that changes whether you met the\n"
                    "quota or what you carry, a corrected statement follows.\n\n",
                    count == 1 ? "This claim" : fmt::format("These {} claims", count),
                    year,
                    count == 1 ? "is" : "are",
                    lines,
                    count == 1 ? "it is" : "each is");
    }
    return values;
  }
};

// What the secretary's summary of a year end (year-summary) says: the
// counts, the members short of the quota and the claims still waiting.
struct YearSummaryFacts
{
  int year = 0;
  Points quota;
  std::string members;
  std::string compliant;
  std::string short_of_quota;
  std::string exempt;
  Points carried;
  std::string short_list;
  std::string waiting_list;

  Values
  values() const
  {
    return {{"year", std::to_string(year)},
            {"quota", quota.to_string()},
            {"quota_points", points_phrase(quota)},
            {"members", members},
            {"compliant", compliant},
            {"short", short_of_quota},
            {"exempt", exempt},
            {"carried", carried.to_string()},
            {"carried_points", points_phrase(carried)},
            {"next_year", std::to_string(year + 1)},
            {"short_list", short_list},
            {"waiting_list", waiting_list}};
  }
};

// The list of the claims still waiting, for the summary, with what to do
// about them below it.
std::string
waiting_list_text(const SummaryList& list, int year)
{
  return list.text(fmt::format("Decide them with cpd pending: each "
                               "decision corrects {} and its carry.\n",
                               year));
}

// What a reminder of the quota (reminder) says: where the member stands in
// the year.
Values
reminder_values(const std::string& name, const std::string& login, const Balance& balance)
{
  Values values{{"name", name}, {"login", login}};
  add_balance(values, balance);
  values["pending_clause"] =
    balance.pending > Points()
      ? fmt::format(", with {} waiting for verification", points_phrase(balance.pending))
      : std::string();
  return values;
}

// A date a queued mail's facts hold (YYYY-MM-DD).
Date
stored_date(const std::string& text)
{
  const auto date = Date::parse(text);
  if (!date) {
    throw Error(ErrorKind::internal, "a queued mail holds {:?} for a date", text);
  }
  return *date;
}

Date
fact_date(const Facts& facts, std::string_view key)
{
  return stored_date(facts.text(key));
}

Points
fact_points(const Facts& facts, std::string_view key)
{
  return Points::from_tenths(facts.integer(key));
}

// What an audit's mails to its member share.
Values
audit_values(const Audit& audit)
{
  return {{"name", audit.name},
          {"login", audit.member},
          {"year", std::to_string(audit.year)},
          {"next_year", std::to_string(audit.year + 1)},
          {"deadline", audit.deadline.to_long_string()}};
}

Member
audited_member(const Audit& audit)
{
  Member member;
  member.id = audit.member_id;
  member.login = audit.member;
  member.name = audit.name;
  member.email = audit.email;
  return member;
}

} // namespace

void
notice_claim_submitted(Database& db,
                       const Context& context,
                       const Claim& claim,
                       const Member& member)
{
  auto values = claim_values(claim);
  const auto cause = fmt::format("claim:{}:submitted", claim.id);
  to_member(db, context, member, cause, "claim-received", values);
  const auto attached = describe_evidence(db, claim, values);
  to_secretary(db, context, member.id, cause, "claim-submitted", values, attached);
}

void
notice_attendance_recorded(Database& db,
                           const Context& context,
                           const Claim& claim,
                           const Member& member)
{
  auto values = claim_values(claim);
  add_balance(values, member_balance(db, member.id, claim.year()));
  values["standing"] = standing_paragraph(db, member.id, claim.year(), context.today);
  to_member(db,
            context,
            member,
            fmt::format("claim:{}:approved", claim.id),
            "attendance-recorded",
            std::move(values));
}

void
notice_claim_decided(Database& db,
                     const Context& context,
                     const Claim& claim,
                     const Member& member,
                     const std::vector<YearCorrection>& corrections)
{
  auto values = claim_values(claim);
  add_balance(values, member_balance(db, member.id, claim.year()));
  values["standing"] = standing_paragraph(db, member.id, claim.year(), context.today);
  values["knock_on"] = knock_on_paragraph(corrections);
  std::string template_name;
  switch (claim.status) {
  case ClaimStatus::approved:
    template_name = "claim-approved";
    break;
  case ClaimStatus::declined:
    template_name = "claim-declined";
    break;
  case ClaimStatus::revoked:
    template_name = "claim-revoked";
    break;
  default:
    return;
  }
  to_member(db,
            context,
            member,
            fmt::format("claim:{}:{}", claim.id, to_string(claim.status)),
            template_name,
            std::move(values));
  notice_year_corrected(db,
                        context,
                        member,
                        corrections,
                        fmt::format("claim #{} for {} on {} was {}",
                                    claim.id,
                                    claim.activity_title,
                                    claim.date.to_long_string(),
                                    to_string(claim.status)),
                        fmt::format("claim:{}:{}", claim.id, to_string(claim.status)));
}

void
notice_year_corrected(Database& db,
                      const Context& context,
                      const Member& member,
                      const std::vector<YearCorrection>& corrections,
                      std::string_view why,
                      std::string_view cause)
{
  if (!member.cpd_duty) {
    return;
  }
  for (const auto& correction : corrections) {
    if (!correction.compliance_changed() && !correction.carry_changed()) {
      continue;
    }
    const auto balance = member_balance(db, member.id, correction.year);
    Values values{{"name", member.name}, {"login", member.login}, {"cause", wrap(why, k_width)}};
    add_balance(values, balance);
    values["carried"] = correction.carried_after.to_string();
    values["carried_points"] = points_phrase(correction.carried_after);
    values["carry_sentence"] = carry_sentence(correction.carried_after, correction.year + 1);
    std::string statement;
    if (balance.exempt) {
      values["standing_word"] = "exempt";
      statement = fmt::format("You were exempt from the quota for {}. Your total is now {}.",
                              correction.year,
                              points_phrase(balance.total));
    } else {
      values["standing_word"] = balance.compliant
                                  ? std::string("quota met")
                                  : fmt::format("{} short", points_phrase(balance.remaining));
      statement = fmt::format("{}, {}.",
                              total_clause(balance.judgement),
                              outcome_clause(balance.judgement, balance.joined, Cycle::said));
    }
    values["statement"] = wrap(statement, k_width);
    to_member(db,
              context,
              member,
              fmt::format("year:{}:corrected:{}:{}", correction.year, member.login, cause),
              "year-statement-corrected",
              std::move(values));
  }
}

void
notice_claim_withdrawn(Database& db,
                       const Context& context,
                       const Claim& claim,
                       const Member& member)
{
  to_secretary(db,
               context,
               member.id,
               fmt::format("claim:{}:withdrawn", claim.id),
               "claim-withdrawn",
               claim_values(claim));
}

void
notice_quota_reached(Database& db, const Context& context, const QuotaReached& reached)
{
  const Member& member = reached.member;
  const bool claims = reached.kind == QuotaReached::Kind::claims_per_day;
  Values values{
    {"login", member.login},
    {"member_name", member.name},
    {"limit", reached.limit},
    {"setting", claims ? "claim.max_per_day" : "attach.max_year_bytes"},
    {"refused",
     claims ? wrap(fmt::format("{} ({}) made a claim over the limit of {} a member may make. "
                               "It was refused, and nothing was stored.",
                               member.name,
                               member.login,
                               reached.limit),
                   k_width)
            : wrap(fmt::format("{} ({}) tried to attach evidence to a claim of {} over the limit "
                               "of {}. It was refused, and nothing was stored.",
                               member.name,
                               member.login,
                               reached.year,
                               reached.limit),
                   k_width)},
    {"again",
     claims ? fmt::format("You are told of this once a day for {}.", member.login)
            : fmt::format(
              "You are told of this once for {}'s claims of {}.", member.login, reached.year)}};
  to_secretary(db,
               context,
               std::nullopt,
               claims ? fmt::format("quota:claims:{}:{}", member.id, context.today.to_string())
                      : fmt::format("quota:evidence:{}:{}", member.id, reached.year),
               "quota-reached",
               values);
}

const std::string&
reminders_sql()
{
  // The rows of k_due_reminders_sql, then: ?6 the batch (its first id),
  // ?7 today. What each reminder says is kept in its row.
  static const std::string sql =
    fmt::format("INSERT INTO reminder(member_id, day, batch, name, total, pending)"
                " SELECT id, ?7, ?6, name, total, pending FROM ({})",
                k_due_reminders_sql);
  return sql;
}

MailRange
notice_reminders(Database& db, const Context& context, const DueReminders& due)
{
  const auto batch = start_mail_batch(db);
  Statement(db, reminders_sql())
    .bind_all(due.year,
              due.joined_before,
              due.below_quota ? 1 : 0,
              due.quota.tenths(),
              due.period_start.to_string(),
              batch.first_id,
              context.today.to_string())
    .run();
  return queue_mail_batch(db, batch, {"reminders", due.year, due.quota, context.now}, db.changes());
}

void
notice_adjustment(Database& db,
                  const Context& context,
                  const Member& member,
                  const Adjustment& adjustment,
                  const std::vector<YearCorrection>& corrections)
{
  Values values{{"name", member.name},
                {"login", member.login},
                {"reason", adjustment.reason},
                {"signed_points",
                 (adjustment.points > Points() ? "+" : "") + points_phrase(adjustment.points)}};
  add_balance(values, member_balance(db, member.id, adjustment.year));
  values["standing"] = standing_paragraph(db, member.id, adjustment.year, context.today);
  values["knock_on"] = knock_on_paragraph(corrections);
  const auto cause = fmt::format("adjustment:{}", adjustment.id);
  to_member(db, context, member, cause, "adjustment", std::move(values));
  notice_year_corrected(db,
                        context,
                        member,
                        corrections,
                        fmt::format("the membership secretary adjusted it by {}{}",
                                    adjustment.points > Points() ? "+" : "",
                                    points_phrase(adjustment.points)),
                        cause);
}

void
notice_dispensation(Database& db,
                    const Context& context,
                    const Member& member,
                    const Dispensation& dispensation,
                    DispensationChange change)
{
  Values values{{"name", member.name},
                {"login", member.login},
                {"reason", dispensation.reason},
                {"from_year",
                 dispensation.from_day ? dispensation.from_day->to_long_string()
                                       : std::to_string(dispensation.from)}};
  if (change == DispensationChange::granted) {
    const bool open = dispensation.from_day ? !dispensation.until_day : !dispensation.until;
    values["years"] = span_phrase(dispensation) + (open ? ", until it is lifted" : "");
    if (dispensation.from_day) {
      // Part of a year: what the member still owes, pro rata.
      const int year = std::clamp(
        context.today.year(), dispensation.from, dispensation.until.value_or(dispensation.from));
      values["effect"] = "The months it touches are taken off your CPD requirement, pro rata.\n\n"
                         + standing_paragraph(db, member.id, year, context.today);
    } else {
      values["effect"] = "While you are exempt you need not earn any CPD points and you will not "
                         "be\nreminded; any activities you claim are still recorded.";
    }
    to_member(db,
              context,
              member,
              fmt::format("{}:{}:granted",
                          dispensation.from_day ? "dispensation" : "exemption",
                          dispensation.id),
              "dispensation-granted",
              std::move(values));
    return;
  }
  const int year = std::max(dispensation.from, context.today.year());
  values["standing"] = standing_paragraph(db, member.id, year, context.today);
  to_member(db,
            context,
            member,
            fmt::format("{}:{}:lifted:{}",
                        dispensation.from_day ? "dispensation" : "exemption",
                        dispensation.id,
                        dispensation.from_day ? dispensation.from_day->to_string()
                                              : std::to_string(dispensation.from)),
            "dispensation-lifted",
            std::move(values));
}

namespace {

// The outbox's columns of the mails of the batch ?1 (its first id): `rows`
// selects a row per mail with its member_id, numbered `n` from 1 in the
// order of their ids; ?2 the database's identity, ?3 the Message-ID's
// domain.
std::string
batch_mails(std::string_view cause,
            std::string_view template_name,
            std::string_view facts,
            std::string_view rows)
{
  return fmt::format(
    "SELECT b.first_id - 1 + r.n AS id, {} AS cause, {} AS template, m.id AS member_id,"
    " m.name AS to_name, m.email AS to_address, {} AS facts,"
    " '<cpd.' || (b.first_id - 1 + r.n) || '.' || ?2 || '.' || lower(hex(randomblob(4)))"
    "   || '@' || ?3 || '>' AS message_id,"
    " b.created_at AS created_at, b.created_at AS next_attempt_at"
    // The rows once, not again for each member: SQLite keeps the order of a
    // CROSS JOIN.
    " FROM mail_batch b CROSS JOIN ({}) r CROSS JOIN member m ON m.id = r.member_id"
    " WHERE b.first_id = ?1",
    cause,
    template_name,
    facts,
    rows);
}

} // namespace

const std::string&
batch_mail_sql(std::string_view kind)
{
  // ?4 1 for one mail of each template only (to check them).
  static const std::string statements = batch_mails(
    "'year:' || b.year || ':statement:' || m.login",
    "CASE r.status WHEN 'exempt' THEN 'year-statement-exempt'"
    " WHEN 'compliant' THEN 'year-statement-met' ELSE 'year-statement-short' END",
    "json_object('name', r.name, 'login', m.login, 'year', b.year, 'quota', b.quota,"
    " 'total', r.total, 'carried', r.carried,"
    " 'waiting', (SELECT json_group_array(json_object("
    "     'id', w.id, 'title', w.title, 'date', w.activity_date, 'points', w.points))"
    "   FROM (SELECT c.id, t.title, c.activity_date, c.points FROM year_waiting y"
    "     JOIN claim c ON c.id = y.claim_id JOIN activity t ON t.id = c.activity_id"
    "     WHERE y.year = b.year AND y.member_id = r.member_id"
    "     ORDER BY c.activity_date, c.id) w),"
    " 'org', b.org)",
    "SELECT y.*, row_number() OVER (ORDER BY y.member_id) AS n FROM year_account y"
    " WHERE y.year = (SELECT year FROM mail_batch WHERE first_id = ?1)"
    " AND y.status IS NOT NULL AND (?4 = 0 OR y.member_id IN (SELECT (SELECT s.member_id"
    "   FROM year_account s WHERE s.year = (SELECT year FROM mail_batch WHERE first_id = ?1)"
    "   AND s.status = k.status LIMIT 1) FROM (SELECT 'compliant' AS status"
    "   UNION ALL SELECT 'short' UNION ALL SELECT 'exempt') k))");
  static const std::string reminders = batch_mails(
    "'reminder:' || m.login || ':' || r.day",
    "'reminder'",
    "json_object('name', r.name, 'login', m.login, 'year', b.year, 'quota', b.quota,"
    " 'total', r.total, 'pending', r.pending, 'org', b.org)",
    "SELECT x.*, row_number() OVER (ORDER BY l.login) AS n FROM reminder x"
    " JOIN member l ON l.id = x.member_id WHERE x.batch = ?1"
    " AND (?4 = 0 OR x.member_id = (SELECT min(member_id) FROM reminder WHERE batch = ?1))");
  if (kind == "year-statements") {
    return statements;
  }
  if (kind == "reminders") {
    return reminders;
  }
  throw Error(ErrorKind::internal, "a batch of mail of an unknown kind '{}'; run cpd check", kind);
}

void
notice_year_closed(Database& db, const Context& context, const YearClose& close)
{
  // What each statement says is in the year's accounts, which the close has
  // just written; the claims still waiting are kept as they are now.
  Statement(db,
            "INSERT INTO year_waiting(year, member_id, claim_id)"
            " SELECT year, member_id, id FROM claim INDEXED BY claim_pending_member"
            " WHERE status = 'pending' AND year = ?")
    .bind(1, close.year)
    .run();
  const auto waiting = db.changes();
  queue_mail_batch(db,
                   start_mail_batch(db),
                   {"year-statements", close.year, close.quota, context.now},
                   close.members);

  // The summary names the members short of the quota and the claims still
  // waiting from the same rows, when it is sent.
  to_secretary(db,
               context,
               std::nullopt,
               fmt::format("year:{}:summary", close.year),
               "year-summary",
               {{"year", std::to_string(close.year)},
                {"quota", std::to_string(close.quota.tenths())},
                {"members", std::to_string(close.members)},
                {"compliant", std::to_string(close.compliant)},
                {"short", std::to_string(close.short_of_quota)},
                {"exempt", std::to_string(close.exempt)},
                {"carried", std::to_string(close.carried.tenths())},
                {"claims_waiting", std::to_string(waiting)}});
}

void
notice_year_closed(Database& db,
                   const Context& context,
                   const YearClose& close,
                   const std::vector<ReportLine>& lines)
{
  // What each member carries: the entries the close has just posted (one
  // per category carried).
  std::map<std::string, Points> carried;
  {
    Statement carries(
      db,
      "SELECT m.login, sum(e.points) FROM entry e JOIN member m ON m.id = e.member_id"
      " WHERE e.id > ?1 AND e.id <= ?2 GROUP BY e.member_id");
    carries.bind_all(close.entries_before, close.last_entry);
    while (carries.step()) {
      carried[carries.text(0)] = Points::from_tenths(carries.integer(1));
    }
  }
  const Points carried_total = close.carried;
  std::map<std::string, std::vector<Claim>> waiting;
  SummaryList waiting_list("cpd pending lists them all");
  for (auto& claim : pending_claims_of_year(db, close.year)) {
    waiting_list.add([&] {
      return fmt::format("  #{}  {} ({}): {}, {}: {}\n",
                         claim.id,
                         claim.member_name,
                         claim.member,
                         claim.activity_title,
                         claim.date.to_long_string(),
                         points_phrase(claim.points));
    });
    waiting[claim.member].push_back(std::move(claim));
  }
  SummaryList short_list(fmt::format("cpd report --year {} lists them all", close.year));
  for (const auto& line : lines) {
    const auto found = carried.find(line.member);
    const Points carry = found == carried.end() ? Points() : found->second;
    YearStatementFacts statement{line.name,
                                 line.member,
                                 close.year,
                                 line.total,
                                 line.quota,
                                 line.remaining,
                                 carry,
                                 line.judgement,
                                 line.joined,
                                 {}};
    if (const auto mine = waiting.find(line.member); mine != waiting.end()) {
      for (const auto& claim : mine->second) {
        statement.waiting.push_back({claim.id, claim.activity_title, claim.date, claim.points});
      }
    }
    std::string template_name = "year-statement-short";
    if (line.status == ReportLine::Status::exempt) {
      template_name = "year-statement-exempt";
    } else if (line.status == ReportLine::Status::compliant) {
      template_name = "year-statement-met";
    } else {
      short_list.add([&] {
        return fmt::format(
          "  {} ({}): {}\n", line.name, line.member, progress_phrase(line.judgement));
      });
    }
    const auto member = find_member(db, line.member);
    queue_mail(db,
               context,
               Mail{fmt::format("year:{}:statement:{}", close.year, line.member),
                    template_name,
                    member ? std::optional(member->id) : std::nullopt,
                    line.name,
                    line.email,
                    statement.values(),
                    {}});
  }
  to_secretary(db,
               context,
               std::nullopt,
               fmt::format("year:{}:summary", close.year),
               "year-summary",
               YearSummaryFacts{close.year,
                                close.quota,
                                std::to_string(close.members),
                                std::to_string(close.compliant),
                                std::to_string(close.short_of_quota),
                                std::to_string(close.exempt),
                                carried_total,
                                short_list.text(),
                                waiting_list_text(waiting_list, close.year)}
                 .values());
}

void
notice_reminder(Database& db, const Context& context, const Member& member, const Balance& balance)
{
  to_member(db,
            context,
            member,
            fmt::format("reminder:{}:{}", member.login, context.today.to_string()),
            "reminder",
            reminder_values(member.name, member.login, balance));
}

void
notice_audit_drawn(Database& db, const Context& context, const Audit& audit, int days)
{
  auto values = audit_values(audit);
  values["days"] = count_phrase(static_cast<std::size_t>(days), "day");
  const auto missing = missing_evidence(audit);
  if (missing.empty()) {
    values["claims"] =
      fmt::format("Every approved claim of yours for {} has evidence attached already; the\n"
                  "membership secretary will review it. Please confirm that your record is\n"
                  "complete, or add what is missing.\n\n",
                  audit.year);
  } else {
    values["claims"] =
      fmt::format("{} of yours for {} {} no evidence attached:\n\n{}\n",
                  missing.size() == 1 ? "This approved claim"
                                      : fmt::format("These {} approved claims", missing.size()),
                  audit.year,
                  missing.size() == 1 ? "has" : "have",
                  claim_lines(missing));
  }
  values["redrawn"] =
    audit.redrawn_after
      ? fmt::format("You gave no response to the audit of your CPD record for {}, so\n"
                    "you have been drawn again this year.\n\n",
                    *audit.redrawn_after)
      : "";
  to_member(db,
            context,
            audited_member(audit),
            fmt::format("audit:{}:drawn", audit.id),
            "audit-request",
            std::move(values));
}

void
notice_audit_reminder(
  Database& db, const Context& context, const Audit& audit, int point, int days_left)
{
  auto values = audit_values(audit);
  values["due"] = due_phrase(days_left);
  const auto missing = missing_evidence(audit);
  values["claims"] =
    missing.empty()
      ? std::string()
      : fmt::format("{} still {} no evidence:\n\n{}\n",
                    missing.size() == 1 ? "This claim"
                                        : fmt::format("These {} claims", missing.size()),
                    missing.size() == 1 ? "has" : "have",
                    claim_lines(missing));
  to_member(db,
            context,
            audited_member(audit),
            fmt::format("audit:{}:reminder:{}", audit.id, point),
            "audit-reminder",
            std::move(values));
}

void
notice_audit_answered(Database& db, const Context& context, const Audit& audit)
{
  Values values{{"member_name", audit.name},
                {"login", audit.member},
                {"year", std::to_string(audit.year)},
                {"note", quoted_note(audit.response)}};
  std::string claims;
  for (const auto& claim : audit.requested) {
    claims += fmt::format(
      "  #{}  {}, {}: {}, {}\n",
      claim.id,
      claim.activity_title,
      claim.date.to_long_string(),
      points_phrase(claim.points),
      claim.status != ClaimStatus::approved ? std::string(to_string(claim.status))
      : claim.attachments == 0              ? std::string("still no file")
                               : count_phrase(static_cast<std::size_t>(claim.attachments), "file"));
  }
  values["claims"] = claims.empty() ? "  (none: every approved claim had evidence)\n" : claims;
  to_secretary(db,
               context,
               audit.member_id,
               fmt::format("audit:{}:answered", audit.id),
               "audit-answered",
               values);
}

void
notice_audit_decided(Database& db,
                     const Context& context,
                     const Audit& audit,
                     const std::vector<Claim>& revoked)
{
  auto values = audit_values(audit);
  values["reason"] = audit.reason.value_or("");
  const bool passed = audit.status == AuditStatus::passed;
  if (passed) {
    values["remark"] =
      audit.reason ? fmt::format("The membership secretary adds:\n\n  {}\n\n", *audit.reason) : "";
  } else {
    const auto balance = member_balance(db, audit.member_id, audit.year);
    values["total"] = balance.total.to_string();
    values["quota"] = balance.quota.to_string();
    values["quota_points"] = points_phrase(balance.quota);
    values["progress"] = progress_phrase(balance.judgement);
    const auto carried = carried_out(db, audit.member_id, audit.year);
    values["carried"] = carried.to_string();
    values["carry_sentence"] = carry_sentence(carried, audit.year + 1);
    values["revoked"] =
      revoked.empty()
        ? std::string()
        : fmt::format("{} revoked:\n\n{}\n",
                      revoked.size() == 1 ? "This claim was"
                                          : fmt::format("These {} claims were", revoked.size()),
                      claim_lines(revoked));
  }
  to_member(db,
            context,
            audited_member(audit),
            fmt::format("audit:{}:{}", audit.id, to_string(audit.status)),
            passed ? "audit-passed" : "audit-failed",
            std::move(values));
}

void
notice_evidence_added(Database& db,
                      const Context& context,
                      const Claim& claim,
                      const Member& member,
                      const std::vector<std::int64_t>& added,
                      std::optional<int> audit_year)
{
  auto values = claim_values(claim);
  values["status"] = std::string(to_string(claim.status));
  values["added"] = count_phrase(added.size(), "file");
  if (audit_year) {
    values["next"] = fmt::format("{} is under audit for {}. When the audit is answered:\n"
                                 "  cpd audit pass {} --year {}\n"
                                 "  cpd audit fail {} --year {} --reason \"...\"\n",
                                 claim.member_name,
                                 *audit_year,
                                 claim.member,
                                 *audit_year,
                                 claim.member,
                                 *audit_year);
  } else {
    values["next"] = fmt::format("To approve it:  cpd approve {}\n"
                                 "To decline it:  cpd decline {} --reason \"...\"\n",
                                 claim.id,
                                 claim.id);
  }
  const auto attached = describe_evidence(db, claim, values, added);
  to_secretary(db,
               context,
               member.id,
               fmt::format("claim:{}:evidence:{}", claim.id, added.empty() ? 0 : added.front()),
               "claim-evidence",
               values,
               attached);
}

namespace {

// A year-end statement queued in a batch, from the numbers its facts hold.
Values
year_statement_values(const Facts& facts)
{
  const int year = static_cast<int>(facts.integer("year"));
  const auto quota = fact_points(facts, "quota");
  const auto total = fact_points(facts, "total");
  YearStatementFacts statement{facts.text("name"),
                               facts.text("login"),
                               year,
                               total,
                               quota,
                               max(Points(), quota - total),
                               fact_points(facts, "carried"),
                               judge_one_quota(year, quota, total, Points()),
                               std::nullopt,
                               {}};
  const auto count = static_cast<std::size_t>(facts.integer("waiting"));
  for (std::size_t i = 0; i < count; ++i) {
    const auto claim = fmt::format("waiting[{}].", i);
    statement.waiting.push_back({facts.integer(claim + "id"),
                                 facts.text(claim + "title"),
                                 fact_date(facts, claim + "date"),
                                 fact_points(facts, claim + "points")});
  }
  auto values = statement.values();
  values["org"] = facts.text("org");
  return values;
}

// The secretary's summary of a year end: the counts, the members short of
// the quota and the claims still waiting, both in the order of the members'
// statements (the first k_summary_lines of each), from the year's accounts
// as its close wrote them (or, for a summary queued before those were kept,
// from its statements and its facts).
Values
year_summary_values(Database& db, const Facts& facts)
{
  const int year = static_cast<int>(facts.integer("year"));
  const auto quota = fact_points(facts, "quota");
  const auto carried = fact_points(facts, "carried");
  const bool kept_accounts = facts.has("claims_waiting");
  SummaryList short_list(fmt::format("cpd report --year {} lists them all", year));
  Statement short_of(db,
                     kept_accounts
                       ? "SELECT a.name, m.login, a.total FROM year_account a"
                         " JOIN member m ON m.id = a.member_id"
                         " WHERE a.year = ?1 AND a.status = 'short' ORDER BY a.member_id"
                         " LIMIT ?4"
                       : "SELECT json_extract(facts, '$.name'), json_extract(facts, '$.login'),"
                         " json_extract(facts, '$.total') FROM outbox"
                         " WHERE id BETWEEN ?2 AND ?3 AND template = 'year-statement-short'"
                         " ORDER BY id");
  if (kept_accounts) {
    short_of.bind_all(year, 0, 0, static_cast<std::int64_t>(k_summary_lines));
    short_list.count_to(static_cast<std::size_t>(facts.integer("short")));
  } else {
    short_of.bind_all(year, facts.integer("statements_from"), facts.integer("statements_to"));
  }
  while (short_of.step()) {
    short_list.add([&] {
      return fmt::format("  {} ({}): {} of {}\n",
                         short_of.text(0),
                         short_of.text(1),
                         Points::from_tenths(short_of.integer(2)).to_string(),
                         points_phrase(quota));
    });
  }
  short_of.reset();
  SummaryList waiting_list("cpd pending lists them all");
  Statement waiting(db,
                    kept_accounts
                      ? "SELECT c.id, coalesce(a.name, m.name), m.login, t.title,"
                        " c.activity_date, c.points FROM year_waiting w"
                        " JOIN claim c ON c.id = w.claim_id JOIN member m ON m.id = w.member_id"
                        " JOIN activity t ON t.id = c.activity_id"
                        " LEFT JOIN year_account a ON a.year = w.year AND a.member_id = w.member_id"
                        " WHERE w.year = ?1 ORDER BY w.member_id, c.activity_date, c.id LIMIT ?3"
                      : "SELECT json_extract(value, '$.id'), json_extract(value, '$.name'),"
                        " json_extract(value, '$.login'), json_extract(value, '$.title'),"
                        " json_extract(value, '$.date'), json_extract(value, '$.points')"
                        " FROM json_each(?2) ORDER BY key");
  if (kept_accounts) {
    waiting.bind_all(year, "", static_cast<std::int64_t>(k_summary_lines));
    waiting_list.count_to(static_cast<std::size_t>(facts.integer("claims_waiting")));
  } else {
    waiting.bind_all(year, facts.text("waiting"));
  }
  while (waiting.step()) {
    waiting_list.add([&] {
      return fmt::format("  #{}  {} ({}): {}, {}: {}\n",
                         waiting.integer(0),
                         waiting.text(1),
                         waiting.text(2),
                         waiting.text(3),
                         stored_date(waiting.text(4)).to_long_string(),
                         points_phrase(Points::from_tenths(waiting.integer(5))));
    });
  }
  auto values = YearSummaryFacts{year,
                                 quota,
                                 facts.text("members"),
                                 facts.text("compliant"),
                                 facts.text("short"),
                                 facts.text("exempt"),
                                 carried,
                                 short_list.text(),
                                 waiting_list_text(waiting_list, year)}
                  .values();
  values["org"] = facts.text("org");
  return values;
}

// A reminder queued in a batch, from the numbers its facts hold.
Values
reminder_values(const Facts& facts)
{
  Balance balance;
  balance.year = static_cast<int>(facts.integer("year"));
  balance.total = fact_points(facts, "total");
  balance.quota = fact_points(facts, "quota");
  balance.remaining = max(Points(), balance.quota - balance.total);
  balance.pending = fact_points(facts, "pending");
  balance.deadline = year_end(balance.year);
  balance.judgement = judge_one_quota(balance.year, balance.quota, balance.total, Points());
  auto values = reminder_values(facts.text("name"), facts.text("login"), balance);
  values["org"] = facts.text("org");
  return values;
}

} // namespace

std::map<std::string, std::string>
mail_values(Database& db, std::string_view template_name, const Facts& facts)
{
  // Mail queued member by member, for rules one statement cannot follow,
  // holds its values, phrases and all ("outcome", "short_list",
  // "progress"): only the mail queued by one statement is made here.
  if ((template_name == "year-statement-met" || template_name == "year-statement-short"
       || template_name == "year-statement-exempt")
      && !facts.has("outcome")) {
    return year_statement_values(facts);
  }
  if (template_name == "year-summary" && !facts.has("short_list")) {
    return year_summary_values(db, facts);
  }
  if (template_name == "reminder" && !facts.has("progress")) {
    return reminder_values(facts);
  }
  return facts.top_level();
}

} // namespace cpd
