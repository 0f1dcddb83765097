// The placeholders of each mail template, declared beside the mails that
// fill them in; the transport layer checks an administrator's template
// against them.

#include <cpd/mail/template_facts.hpp>
#include <cpd/transport/template.hpp>
#include <cpd/util/error.hpp>

#include <algorithm>
#include <initializer_list>

namespace cpd {

namespace {

using Names = std::vector<std::string_view>;

Names
join(std::initializer_list<Names> parts)
{
  Names names;
  for (const auto& part : parts) {
    names.insert(names.end(), part.begin(), part.end());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// Every mail: the body's name (the outbox adds it).
const Names k_every = {"org"};

// A claim's mails (claim_values()).
const Names k_claim = {"activity",
                       "attachments",
                       "claim_id",
                       "claimed",
                       "date",
                       "login",
                       "member_name",
                       "name",
                       "note",
                       "points",
                       "quantity",
                       "reason",
                       "working"};

// Where a member's year stands (add_balance()).
const Names k_balance = {"cycle_clause",
                         "deadline",
                         "next_year",
                         "pending",
                         "pending_points",
                         "progress",
                         "quota",
                         "quota_cpd_points",
                         "quota_points",
                         "remaining",
                         "remaining_more",
                         "remaining_points",
                         "total",
                         "total_points",
                         "year"};

// An audit's mails to its member (audit_values()).
const Names k_audit = {"deadline", "login", "name", "next_year", "year"};

// A year-end statement.
const Names k_statement = {"carried",
                           "carried_points",
                           "carry_sentence",
                           "login",
                           "name",
                           "next_year",
                           "outcome",
                           "quota",
                           "quota_points",
                           "remaining",
                           "remaining_points",
                           "total",
                           "total_points",
                           "waiting",
                           "year"};

std::vector<TemplateFacts>
make_all()
{
  const Names decided = join({k_claim, k_balance, {"knock_on", "standing"}});
  return {
    {"adjustment",
     join({k_balance, {"knock_on", "login", "name", "reason", "signed_points", "standing"}})},
    {"attendance-recorded", join({k_claim, k_balance, {"standing"}})},
    {"audit-answered", {"claims", "login", "member_name", "note", "year"}},
    {"audit-failed",
     join({k_audit,
           {"carried",
            "carry_sentence",
            "progress",
            "quota",
            "quota_points",
            "reason",
            "revoked",
            "total"}})},
    {"audit-passed", join({k_audit, {"reason", "remark"}})},
    {"audit-reminder", join({k_audit, {"claims", "due"}})},
    {"audit-request", join({k_audit, {"claims", "days", "redrawn"}})},
    {"claim-approved", decided},
    {"claim-declined", decided},
    {"claim-evidence", join({k_claim, {"added", "evidence", "next", "status"}})},
    {"claim-received", k_claim},
    {"claim-revoked", decided},
    {"claim-submitted", join({k_claim, {"evidence"}})},
    {"claim-withdrawn", k_claim},
    {"dispensation-granted", {"effect", "from_year", "login", "name", "reason", "years"}},
    {"dispensation-lifted", {"from_year", "login", "name", "reason", "standing"}},
    {"quota-reached", {"again", "limit", "login", "member_name", "refused", "setting"}},
    {"reminder", join({k_balance, {"login", "name", "pending_clause"}})},
    {"year-statement-corrected",
     join({k_balance,
           {"carried",
            "carried_points",
            "carry_sentence",
            "cause",
            "login",
            "name",
            "standing_word",
            "statement"}})},
    {"year-statement-exempt", k_statement},
    {"year-statement-met", k_statement},
    {"year-statement-short", k_statement},
    {"year-summary",
     {"carried",
      "carried_points",
      "compliant",
      "exempt",
      "members",
      "next_year",
      "quota",
      "quota_points",
      "short",
      "short_list",
      "waiting_list",
      "year"}},
  };
}

// The facts of every template, each with "org", declared to the transport
// layer once.
const std::vector<TemplateFacts>&
declared()
{
  static const std::vector<TemplateFacts> all = [] {
    auto made = make_all();
    for (auto& facts : made) {
      facts.placeholders = join({facts.placeholders, k_every});
      mail::declare_placeholders(
        facts.template_name,
        std::vector<std::string>(facts.placeholders.begin(), facts.placeholders.end()));
    }
    return made;
  }();
  return all;
}

// Declares them before main(), so that the templates of a host
// configuration are checked against them when it is read.
// NOLINTNEXTLINE(cert-err58-cpp)
[[maybe_unused]] const bool g_declared = !declared().empty();

} // namespace

const std::vector<TemplateFacts>&
all_template_facts()
{
  return declared();
}

const TemplateFacts&
template_facts(std::string_view template_name)
{
  const auto& all = declared();
  const auto found = std::find_if(all.begin(), all.end(), [&](const TemplateFacts& facts) {
    return facts.template_name == template_name;
  });
  if (found == all.end()) {
    throw Error(ErrorKind::internal, "no mail template '{}'", template_name);
  }
  return *found;
}

void
require_filled(std::string_view template_name, const std::map<std::string, std::string>& values)
{
  for (const auto& name : template_facts(template_name).placeholders) {
    if (values.find(std::string(name)) == values.end()) {
      throw Error(ErrorKind::internal,
                  "the mail {} does not fill in its placeholder {{{}}}",
                  template_name,
                  name);
    }
  }
}

} // namespace cpd
