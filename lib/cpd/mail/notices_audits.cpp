// The mails of an audit: drawn, reminded, answered and decided.

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

namespace {

// "today", "tomorrow", "in 7 days".
std::string
due_phrase(int days_left)
{
  if (days_left <= 0) {
    return "today";
  }
  return days_left == 1 ? "tomorrow" : fmt::format("in {} days", days_left);
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

} // namespace cpd
