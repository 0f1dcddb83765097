// The mails of claims, adjustments and dispensations, and what every mail
// of the scheme shares (see notice_parts.hpp); the year end's, the
// reminders' and the audits' are in notices_year.cpp, notices_reminders.cpp
// and notices_audits.cpp. Over 500 lines: the paragraphs every mail shares
// (where a member stands, a quoted note) sit with the claim mails that
// first use them.

#include <cpd/claims/evidence.hpp>
#include <cpd/mail/notice_parts.hpp>
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

// How a year ended against its requirement, after "Your total was 8
// points, ": "which meets the quota of 10 points", "which is 2 points short
// of the quota of 10 points", "which falls short of the quota of 20 points,
// of which at least 10 formal, by 2 formal points". With `Cycle::say`, a
// cycle of several years says its total first.
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
             const std::vector<std::int64_t>& attachment_ids)
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

// "  #12  IIMS training day, 14 March 2017: 5 points"
std::string
claim_line(std::int64_t id, std::string_view title, Date date, Points points)
{
  return fmt::format(
    "  #{}  {}, {}: {}\n", id, title, date.to_long_string(), points_phrase(points));
}

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

Date
stored_date(const std::string& text)
{
  const auto date = Date::parse(text);
  if (!date) {
    throw Error(ErrorKind::internal, "a mail's row holds {:?} for a date", text);
  }
  return *date;
}

namespace {

// "3 points", "1 point", "nothing": an amount carried.
std::string
carried_phrase(Points carried)
{
  return carried <= Points() ? std::string("nothing") : points_phrase(carried);
}

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

// Where a member's year stands after a change to it, for the mail that
// tells them of the change. While the year runs: what is still needed by
// its last day, and of what, that every requirement is met, or (exempt)
// that nothing is needed. Once it is over: its total and, for a closed
// year, what is carried; never a deadline that has passed.
std::string
standing_paragraph(Database& db, std::int64_t member_id, const Balance& balance, Date today)
{
  const int year = balance.year;
  const auto& judged = balance.judgement;
  const auto quota = requirement_phrase(judged, balance.joined);
  if (!balance.duty) {
    return wrap(
      fmt::format("{}. You have no CPD duty, so no quota applies to you.", total_clause(judged)),
      k_width);
  }
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

// The values of where a member's year stands ({total_points}, {progress},
// ...) and the paragraph that tells it ({standing}), from one balance.
void
add_standing(Database& db, Values& values, std::int64_t member_id, int year, Date today)
{
  const auto balance = member_balance(db, member_id, year);
  add_balance(values, balance);
  values["standing"] = standing_paragraph(db, member_id, balance, today);
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
  add_standing(db, values, member.id, claim.year(), context.today);
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
  add_standing(db, values, member.id, claim.year(), context.today);
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
  add_standing(db, values, member.id, adjustment.year, context.today);
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
      values["effect"] =
        "The months it touches are taken off your CPD requirement, pro rata.\n\n"
        + standing_paragraph(db, member.id, member_balance(db, member.id, year), context.today);
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
  values["standing"] =
    standing_paragraph(db, member.id, member_balance(db, member.id, year), context.today);
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

} // namespace cpd
