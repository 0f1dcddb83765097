// The placeholders of each mail template, declared beside the mails that
// fill them in; the transport layer checks an administrator's template
// against them.

#include <cpd/mail/template_facts.hpp>
#include <cpd/transport/template.hpp>
#include <cpd/util/error.hpp>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <span>

namespace cpd {

namespace {

using Names = std::vector<std::string_view>;

Names
join(std::initializer_list<std::span<const std::string_view>> parts)
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
constexpr auto k_every = std::to_array<std::string_view>({"org"});

// A claim's mails (claim_values()).
constexpr auto k_claim = std::to_array<std::string_view>({"activity",
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
                                                          "working"});

// Where a member's year stands (add_balance()).
constexpr auto k_balance = std::to_array<std::string_view>({"cycle_clause",
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
                                                            "year"});

// An audit's mails to its member (audit_values()).
constexpr auto k_audit =
  std::to_array<std::string_view>({"deadline", "login", "name", "next_year", "year"});

// A year-end statement.
constexpr auto k_statement = std::to_array<std::string_view>({"carried",
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
                                                              "year"});

std::vector<TemplateFacts>
make_all()
{
  const Names decided = join({k_claim, k_balance, Names{"knock_on", "standing"}});
  return {
    {"adjustment",
     join({k_balance, Names{"knock_on", "login", "name", "reason", "signed_points", "standing"}})},
    {"attendance-recorded", join({k_claim, k_balance, Names{"standing"}})},
    {"audit-answered", {"claims", "login", "member_name", "note", "year"}},
    {"audit-failed",
     join({k_audit,
           Names{"carried",
                 "carry_sentence",
                 "progress",
                 "quota",
                 "quota_points",
                 "reason",
                 "revoked",
                 "total"}})},
    {"audit-passed", join({k_audit, Names{"reason", "remark"}})},
    {"audit-reminder", join({k_audit, Names{"claims", "due"}})},
    {"audit-request", join({k_audit, Names{"claims", "days", "redrawn"}})},
    {"claim-approved", decided},
    {"claim-declined", decided},
    {"claim-evidence", join({k_claim, Names{"added", "evidence", "next", "status"}})},
    {"claim-received", join({k_claim})},
    {"claim-revoked", decided},
    {"claim-submitted", join({k_claim, Names{"evidence"}})},
    {"claim-withdrawn", join({k_claim})},
    {"dispensation-granted", {"effect", "from_year", "login", "name", "reason", "years"}},
    {"dispensation-lifted", {"from_year", "login", "name", "reason", "standing"}},
    {"quota-reached", {"again", "limit", "login", "member_name", "refused", "setting"}},
    {"reminder", join({k_balance, Names{"login", "name", "pending_clause"}})},
    {"year-statement-corrected",
     join({k_balance,
           Names{"carried",
                 "carried_points",
                 "carry_sentence",
                 "cause",
                 "login",
                 "name",
                 "standing_word",
                 "statement"}})},
    {"year-statement-exempt", join({k_statement})},
    {"year-statement-met", join({k_statement})},
    {"year-statement-short", join({k_statement})},
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
[[maybe_unused]] const bool k_declared = !declared().empty();

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
  const auto& declared = template_facts(template_name).placeholders;
  for (const auto& name : declared) {
    if (values.find(std::string(name)) == values.end()) {
      throw Error(ErrorKind::internal,
                  "the mail {} does not fill in its placeholder {{{}}}",
                  template_name,
                  name);
    }
  }
  for (const auto& [name, value] : values) {
    if (std::find(declared.begin(), declared.end(), name) == declared.end()) {
      throw Error(ErrorKind::internal,
                  "the mail {} fills in {{{}}}, which its template does not declare",
                  template_name,
                  name);
    }
  }
}

} // namespace cpd
