#include <cpd/database.hpp>
#include <cpd/evidence.hpp>
#include <cpd/notices.hpp>
#include <cpd/outbox.hpp>
#include <cpd/settings.hpp>
#include <cpd/yearend.hpp>

#include <fmt/format.h>

namespace cpd {

namespace {

using Values = std::map<std::string, std::string>;

Values
claim_values(const Claim& claim)
{
  return {{"claim_id", std::to_string(claim.id)},
          {"activity", claim.activity_title},
          {"date", claim.date.to_long_string()},
          {"points", points_phrase(claim.points)},
          {"login", claim.member},
          {"member_name", claim.member_name},
          {"name", claim.member_name},
          {"note", claim.note.empty() ? "(none)" : claim.note},
          {"attachments", std::to_string(claim.attachments)},
          {"reason", claim.reason.value_or("")}};
}

void
add_balance(Values& values, const Balance& balance)
{
  values["year"] = std::to_string(balance.year);
  values["total"] = balance.total.to_string();
  values["quota"] = balance.quota.to_string();
  values["remaining"] = balance.remaining.to_string();
  values["pending"] = balance.pending.to_string();
  values["deadline"] = balance.deadline.to_long_string();
}

// The claim's files for the secretary's mail: which ones ride along (in
// order, while they fit in mail.attach_max_bytes), how to fetch the others,
// and other claims holding the same file.
std::vector<std::int64_t>
describe_evidence(Database& db, const Claim& claim, Values& values)
{
  const auto files = claim_attachments(db, claim.id);
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
    if (used + size <= budget) {
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
    for (const auto other : file.duplicate_of) {
      duplicates += fmt::format("  {} is also attached to claim #{}.\n", file.name, other);
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
notice_claim_received(Database& db,
                      const Context& context,
                      const Claim& claim,
                      const Member& member)
{
  to_member(db,
            context,
            member,
            fmt::format("claim:{}:submitted", claim.id),
            "claim-received",
            claim_values(claim));
}

void
notice_claim_decided(Database& db, const Context& context, const Claim& claim, const Member& member)
{
  auto values = claim_values(claim);
  const auto balance = member_balance(db, member.id, claim.year());
  add_balance(values, balance);
  std::string template_name;
  switch (claim.status) {
  case ClaimStatus::approved:
    template_name = balance.compliant ? "claim-approved-quota-met" : "claim-approved";
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
notice_reminder(Database& db, const Context& context, const Member& member, const Balance& balance)
{
  Values values{{"name", member.name}, {"login", member.login}};
  add_balance(values, balance);
  to_member(db,
            context,
            member,
            fmt::format("reminder:{}:{}", member.login, context.today.to_string()),
            "reminder",
            std::move(values));
}

void
notice_year_closed(Database& db,
                   const Context& context,
                   const YearClose& close,
                   const std::vector<ReportLine>& lines)
{
  std::map<std::string, Points> carried;
  Points carried_total;
  for (const auto& carry : close.carries) {
    carried[carry.member] = carry.carried;
    carried_total += carry.carried;
  }
  std::string short_list;
  const auto next_year = std::to_string(close.year + 1);
  for (const auto& line : lines) {
    const auto found = carried.find(line.member);
    const Points carry = found == carried.end() ? Points() : found->second;
    Values values{{"name", line.name},
                  {"login", line.member},
                  {"year", std::to_string(close.year)},
                  {"total", line.total.to_string()},
                  {"quota", close.quota.to_string()},
                  {"remaining", line.remaining.to_string()},
                  {"carried", carry.to_string()},
                  {"next_year", next_year}};
    std::string template_name = "year-statement-short";
    if (line.status == ReportLine::Status::exempt) {
      template_name = "year-statement-exempt";
    } else if (line.status == ReportLine::Status::compliant) {
      template_name = "year-statement-met";
    } else {
      short_list += fmt::format("  {} ({}): {} of {} points\n",
                                line.name,
                                line.member,
                                line.total.to_string(),
                                close.quota.to_string());
    }
    const auto member = find_member(db, line.member);
    queue_mail(db,
               context,
               Mail{fmt::format("year:{}:statement:{}", close.year, line.member),
                    template_name,
                    member ? std::optional(member->id) : std::nullopt,
                    line.name,
                    line.email,
                    std::move(values),
                    {}});
  }
  to_secretary(db,
               context,
               std::nullopt,
               fmt::format("year:{}:summary", close.year),
               "year-summary",
               {{"year", std::to_string(close.year)},
                {"quota", close.quota.to_string()},
                {"members", std::to_string(close.members)},
                {"compliant", std::to_string(close.compliant)},
                {"short", std::to_string(close.short_of_quota)},
                {"exempt", std::to_string(close.exempt)},
                {"carried", carried_total.to_string()},
                {"next_year", next_year},
                {"short_list", short_list.empty() ? "  (none)\n" : short_list}});
}

} // namespace cpd
