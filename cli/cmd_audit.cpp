#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/members.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/random.hpp>
#include <cpd/year/audit.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

namespace cpd::cli {

namespace {

struct ListOptions
{
  std::string year;
};

struct DrawOptions
{
  std::string year;
  std::string percent;
  std::optional<std::string> seed; // refused, even empty
  bool add = false;
};

struct CheckOptions
{
  std::string year;
};

struct RespondOptions
{
  std::string year;
  std::string note;
};

struct DecideOptions
{
  std::string login;
  std::string year;
  std::string reason;
  std::vector<std::string> revoke;
};

// "5%", "2.5%".
std::string
percent_text(std::int64_t tenths)
{
  return Points::from_tenths(tenths).to_string() + "%";
}

void
write_audit(Json& json, const Audit& audit)
{
  json.begin_object()
    .field("member", audit.member)
    .field("name", audit.name)
    .field("year", audit.year)
    .field("deadline", audit.deadline)
    .field("status", std::string(to_string(audit.status)))
    .field("redrawn_after", audit.redrawn_after)
    .field("response", audit.response)
    .key("responded");
  if (audit.responded_at) {
    json.value(local_date(*audit.responded_at));
  } else {
    json.null();
  }
  json.field("decided_by", audit.decided_by).key("decided");
  if (audit.decided_at) {
    json.value(local_date(*audit.decided_at));
  } else {
    json.null();
  }
  json.field("reason", audit.reason).key("claims").begin_array();
  for (const auto& claim : audit.requested) {
    write_claim(json, claim);
  }
  json.end_array().end_object();
}

// What names a draw, in a draw and in its check alike: the seed as a
// string, since a JSON number does not hold 64 bits exactly.
template<typename Draw>
void
write_draw_fields(Json& json, std::int64_t id, const Draw& draw)
{
  json.field("id", id)
    .field("year", draw.year)
    .field("percent", Points::from_tenths(draw.percent_tenths))
    .field("seed", std::to_string(draw.seed));
}

void
write_draw(Json& json, const AuditDraw& draw)
{
  json.begin_object();
  write_draw_fields(json, draw.id, draw);
  json.field("eligible", draw.eligible)
    .field("drawn", draw.drawn_on)
    .field("drawn_by", draw.drawn_by)
    .key("members")
    .begin_array();
  for (const auto& audit : draw.audits) {
    write_audit(json, audit);
  }
  json.end_array().end_object();
}

// "10 members: 6 waiting, 2 responded, 1 passed, 1 failed, 0 no response."
std::string
tally(const std::vector<Audit>& audits)
{
  std::map<AuditStatus, int> counts;
  for (const auto& audit : audits) {
    ++counts[audit.status];
  }
  std::string text = fmt::format("{} member{}:", audits.size(), audits.size() == 1 ? "" : "s");
  const char* separator = " ";
  for (const auto status : {AuditStatus::waiting,
                            AuditStatus::responded,
                            AuditStatus::passed,
                            AuditStatus::failed,
                            AuditStatus::no_response}) {
    text += fmt::format("{}{} {}", separator, counts[status], status_words(status));
    separator = ", ";
  }
  return text + ".\n";
}

std::string
members_table(const std::vector<Audit>& audits)
{
  Table table({{"MEMBER"},
               {"NAME"},
               {"DEADLINE"},
               {"NO EVIDENCE", Table::Align::right},
               {"STATUS", Table::Align::left, Table::Kind::status},
               {"NOTE"}});
  for (const auto& audit : audits) {
    table.add_row({audit.member,
                   audit.name,
                   audit.deadline.to_string(),
                   std::to_string(missing_evidence(audit).size()),
                   std::string(status_words(audit.status)),
                   audit.redrawn_after
                     ? fmt::format("drawn again: no response for {}", *audit.redrawn_after)
                     : std::string()});
  }
  return table.render();
}

void
run_list(const ListOptions& options, Session& session)
{
  const auto draws =
    list_audits(session.db(), session.member_or_system(), parse_optional_year(options.year));
  if (session.json()) {
    print(json_array(draws, write_draw));
    return;
  }
  const auto& context = session.context();
  // A member sees only their own audits: no count of the others.
  const bool own =
    context.actor == Actor::person
    && std::all_of(draws.begin(), draws.end(), [&](const AuditDraw& draw) {
         return std::all_of(draw.audits.begin(), draw.audits.end(), [&](const Audit& a) {
           return a.member == context.login;
         });
       });
  if (draws.empty()) {
    print(options.year.empty() ? std::string("No audit to show.\n")
                               : fmt::format("No audit of {} to show.\n", options.year));
    return;
  }
  std::string out;
  for (const auto& draw : draws) {
    // The sample of the whole draw, as the draw said it, whoever reads it
    // (a member's list holds only their own audit); those drawn again are
    // counted apart, for the secretary.
    const auto again =
      std::count_if(draw.audits.begin(), draw.audits.end(), [](const Audit& audit) {
        return audit.redrawn_after.has_value();
      });
    out += fmt::format("{}Audit of {}, drawn on {}{}: {} of {} eligible member{}{} ({}, seed {})\n",
                       out.empty() ? "" : "\n",
                       draw.year,
                       draw.drawn_on.to_string(),
                       draw.drawn_by ? " by " + *draw.drawn_by : std::string(),
                       draw.sampled,
                       draw.eligible,
                       draw.eligible == 1 ? "" : "s",
                       own || again == 0
                         ? std::string()
                         : fmt::format(", and {} member{} again who gave no response before",
                                       again,
                                       again == 1 ? "" : "s"),
                       percent_text(draw.percent_tenths),
                       draw.seed);
    out += members_table(draw.audits);
    for (const auto& audit : draw.audits) {
      if (audit.member != context.login) {
        continue;
      }
      for (const auto& claim : audit.requested) {
        out += fmt::format(
          "  claim #{}: {}, {}: {}\n",
          claim.id,
          claim.activity_title,
          claim.date.to_string(),
          claim.status != ClaimStatus::approved ? std::string(to_string(claim.status))
          : claim.attachments == 0
            ? std::string("no file yet")
            : fmt::format("{} file{}", claim.attachments, claim.attachments == 1 ? "" : "s"));
      }
      if (audit.status == AuditStatus::waiting || audit.status == AuditStatus::no_response) {
        out += fmt::format("Answer by {}: attach evidence with cpd attach ID FILE..., then run "
                           "cpd audit respond --note TEXT.\n",
                           audit.deadline.to_long_string());
      }
    }
    if (!own) {
      out += tally(draw.audits);
    }
  }
  print(out);
}

// A seed from the system's random source, for a draw nobody can choose.
std::uint64_t
random_seed()
{
  std::uint64_t seed = 0;
  const auto bytes = system_random_bytes(sizeof seed);
  std::memcpy(&seed, bytes.data(), sizeof seed);
  return seed;
}

void
run_draw(const DrawOptions& options, Session& session)
{
  if (options.seed) {
    throw Error(ErrorKind::usage,
                "--seed is not taken: the seed is drawn from the system's random source and "
                "recorded; re-check a draw with cpd audit check-draw --year YYYY");
  }
  DrawRequest request;
  request.year = parse_year(options.year);
  if (!options.percent.empty()) {
    request.percent_tenths = parse_percent(options.percent);
    if (!request.percent_tenths) {
      throw Error(ErrorKind::bad_input,
                  "'{}' is not a percentage above 0 and at most 100 (e.g. 5 or 2.5)",
                  options.percent);
    }
  }
  request.seed = random_seed();
  request.repeat = options.add ? DrawRequest::Repeat::add : DrawRequest::Repeat::refuse;
  const auto draw = draw_audit(session.db(), session.secretary_or_system(), request);
  if (session.json()) {
    Json json;
    write_draw(json, draw);
    print(json.str());
  } else {
    std::size_t again = 0;
    for (const auto& audit : draw.audits) {
      again += audit.redrawn_after ? 1 : 0;
    }
    const auto sampled = draw.audits.size() - again;
    std::string out =
      fmt::format("Drew {} of {} eligible member{} for the audit of {} ({}, seed {}){}.\n",
                  sampled,
                  draw.eligible,
                  draw.eligible == 1 ? "" : "s",
                  draw.year,
                  percent_text(draw.percent_tenths),
                  draw.seed,
                  again == 0 ? std::string()
                             : fmt::format(", and {} member{} again who gave no response before",
                                           again,
                                           again == 1 ? "" : "s"));
    out += members_table(draw.audits);
    out += fmt::format("Each has been mailed; evidence is due by {}. Anybody can re-check the "
                       "draw: cpd audit check-draw --year {}.\n",
                       draw.audits.front().deadline.to_long_string(),
                       draw.year);
    print(out);
  }
  session.deliver();
}

void
write_logins(Json& json, std::string_view key, const std::vector<std::string>& logins)
{
  json.key(key).begin_array();
  for (const auto& login : logins) {
    json.value(login);
  }
  json.end_array();
}

void
run_check(const CheckOptions& options, Session& session)
{
  const auto checks =
    check_draws(session.db(), session.member_or_system(), parse_year(options.year));
  const bool all =
    std::all_of(checks.begin(), checks.end(), [](const DrawCheck& check) { return check.matches; });
  if (session.json()) {
    print(json_array(checks, [](Json& json, const DrawCheck& check) {
      json.begin_object();
      write_draw_fields(json, check.draw_id, check);
      json.field("recorded", check.recorded)
        .field("matches", check.matches)
        .field("eligible", static_cast<std::int64_t>(check.eligible))
        .field("sampled", static_cast<std::int64_t>(check.sampled));
      write_logins(json, "pool", check.pool);
      write_logins(json, "expected", check.expected);
      write_logins(json, "drawn", check.drawn);
      json.end_object();
    }));
  } else {
    std::string out;
    for (const auto& check : checks) {
      out += fmt::format("Draw #{} of {} ({}, seed {}): ",
                         check.draw_id,
                         check.year,
                         percent_text(check.percent_tenths),
                         check.seed);
      if (!check.recorded) {
        out += "drawn before cpd recorded the pool; it cannot be repeated.\n";
      } else if (check.matches) {
        out += fmt::format("the seed draws the same {} of {} eligible members; it matches the "
                           "record.\n",
                           check.sampled,
                           check.eligible);
      } else {
        out += fmt::format("the seed does NOT draw the {} members recorded from the {} "
                           "eligible.\n",
                           check.sampled,
                           check.eligible);
      }
    }
    print(out);
  }
  if (!all) {
    throw Error(
      ErrorKind::refused, "a draw of {} does not match its record; see above", options.year);
  }
}

void
run_respond(const RespondOptions& options, Session& session)
{
  const auto audit = respond_to_audit(
    session.db(), session.member(), parse_optional_year(options.year), options.note);
  if (session.json()) {
    Json json;
    write_audit(json, audit);
    print(json.str());
  } else {
    const auto missing = missing_evidence(audit).size();
    print(fmt::format("Your answer to the audit of {} has gone to the membership secretary{}.\n",
                      audit.year,
                      missing == 0 ? std::string()
                                   : fmt::format("; {} claim{} still {} no evidence",
                                                 missing,
                                                 missing == 1 ? "" : "s",
                                                 missing == 1 ? "has" : "have")));
  }
  session.deliver();
}

void
run_decide(const DecideOptions& options, AuditOutcome outcome, Session& session)
{
  const auto decision = decide_audit(session.db(),
                                     session.secretary(),
                                     options.login,
                                     parse_year(options.year),
                                     outcome,
                                     options.reason,
                                     parse_ids(options.revoke));
  if (session.json()) {
    Json json;
    json.begin_object().key("audit");
    write_audit(json, decision.audit);
    json.key("revoked").begin_array();
    for (const auto& claim : decision.revoked) {
      write_claim(json, claim);
    }
    json.end_array().end_object();
    print(json.str());
  } else {
    std::string revoked;
    for (const auto& claim : decision.revoked) {
      revoked += fmt::format("{}#{}", revoked.empty() ? "" : ", ", claim.id);
    }
    print(fmt::format("{} {} the audit of {}{}; {} has been mailed.\n",
                      decision.audit.member,
                      to_string(decision.audit.status),
                      decision.audit.year,
                      revoked.empty() ? std::string()
                                      : fmt::format(", and claim{} {} {} revoked",
                                                    decision.revoked.size() == 1 ? "" : "s",
                                                    revoked,
                                                    decision.revoked.size() == 1 ? "was" : "were"),
                      decision.audit.member));
  }
  session.deliver();
}

} // namespace

void
register_audit(Command& root)
{
  auto list = std::make_shared<ListOptions>();
  auto audit = root.add(
    "audit",
    "random audits of CPD records: the draws and where each member stands (secretary; a member "
    "sees their own)");
  audit.option("--year", list->year, "only the audit of this CPD year").type_name("YYYY");
  audit.run([list](Session& session) { run_list(*list, session); });

  auto draw_options = std::make_shared<DrawOptions>();
  auto draw = audit.add(
    "draw", "draw members at random to send evidence for a closed year (secretary, cron)");
  draw.option("--year", draw_options->year, "the closed CPD year to audit")
    .type_name("YYYY")
    .required();
  draw
    .option(
      "--percent", draw_options->percent, "share of eligible members (default: audit.percent)")
    .type_name("P");
  draw.option("--seed", draw_options->seed, "refused: the seed is drawn by cpd and recorded")
    .type_name("N")
    .hidden();
  draw.flag("--add", draw_options->add, "draw more members for a year drawn already");
  draw.run([draw_options](Session& session) { run_draw(*draw_options, session); });

  auto check_options = std::make_shared<CheckOptions>();
  auto check = audit.add(
    "check-draw",
    "repeat a year's draws from their recorded seed and pool, and compare them with the members "
    "drawn (anybody)");
  check.option("--year", check_options->year, "the audited CPD year").type_name("YYYY").required();
  check.run([check_options](Session& session) { run_check(*check_options, session); });

  auto respond_options = std::make_shared<RespondOptions>();
  auto respond = audit.add("respond", "answer your audit once your evidence is attached");
  respond.option("--year", respond_options->year, "the audited year (default: your open audit)")
    .type_name("YYYY");
  respond.option("--note", respond_options->note, "what you want the secretary to know")
    .type_name("TEXT");
  respond.run([respond_options](Session& session) { run_respond(*respond_options, session); });

  for (const auto outcome : {AuditOutcome::passed, AuditOutcome::failed}) {
    const bool passed = outcome == AuditOutcome::passed;
    auto options = std::make_shared<DecideOptions>();
    auto decide = audit.add(passed ? "pass" : "fail",
                            passed ? "record that a member passed their audit (secretary)"
                                   : "record that a member failed their audit (secretary)");
    decide.option("login", options->login, "the audited member").required();
    decide.option("--year", options->year, "the audited year").type_name("YYYY").required();
    auto reason = decide.option(
      "--reason", options->reason, passed ? "a remark for the member" : "why, told to the member");
    reason.type_name("TEXT");
    if (!passed) {
      reason.required();
      decide
        .option("--revoke", options->revoke, "revoke this claim of the audited year (repeatable)")
        .type_name("ID")
        .one_value_each();
    }
    decide.run([options, outcome](Session& session) { run_decide(*options, outcome, session); });
  }
}

} // namespace cpd::cli
