#include "commands.hpp"
#include "output.hpp"

#include <cpd/claims/evidence.hpp>
#include <cpd/claims/quotas.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/remind.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct RemindOptions
{
  bool dry_run = false;
  bool below_quota = false;
};

// "Nobody is due a reminder.", and when the year's reminders start if they
// have not yet.
std::string
nobody_due(Session& session)
{
  const auto& today = session.secretary_or_system().today;
  const auto scheme = load_scheme(session.db());
  if (reminders_started(scheme, today)) {
    return "Nobody is due a reminder.\n";
  }
  return fmt::format("Nobody is due a reminder: reminders of the quota start on {} "
                     "(remind.after_days).\n",
                     Date(today.year(), 1, 1).plus_days(scheme.remind_after_days).to_long_string());
}

// The same daily run purges the evidence of claims withdrawn long enough
// ago (attach.purge_withdrawn_days); what it purged, for people. A dry
// run purges nothing and says what would go.
std::string
purge(Session& session, DryRun dry_run)
{
  const auto purged =
    purge_withdrawn_evidence(session.db(), session.secretary_or_system(), dry_run);
  if (purged.claims == 0) {
    return {};
  }
  return fmt::format("{} the evidence of {} withdrawn claim{} ({} file{}, {}).\n",
                     dry_run == DryRun::yes ? "Would purge" : "Purged",
                     purged.claims,
                     purged.claims == 1 ? "" : "s",
                     purged.files,
                     purged.files == 1 ? "" : "s",
                     size_phrase(purged.bytes));
}

// A reminder as a JSON object begins with what it reminds of ("quota",
// "audit") and who it goes to.
template<typename Reminder>
Json&
begin_reminder(Json& json, std::string_view kind, const Reminder& reminder)
{
  return json.begin_object()
    .field("reminder", kind)
    .field("member", reminder.member)
    .field("name", reminder.name)
    .field("email", reminder.email);
}

void
run(const RemindOptions& options, Session& session)
{
  const auto dry_run = options.dry_run ? DryRun::yes : DryRun::no;
  const auto scope = options.below_quota ? ReminderScope::below_quota : ReminderScope::no_claims;
  if (session.json()) {
    // The array is printed while the reminders are read.
    Json json;
    json.begin_array();
    purge(session, dry_run);
    std::size_t count = 0;
    remind(
      session.db(), session.secretary_or_system(), scope, dry_run, [&](const Reminded& member) {
        begin_reminder(json, "quota", member)
          .field("total", member.total)
          .field("remaining", member.remaining)
          .end_object();
        if (++count % 1024 == 0) {
          print(json.take());
        }
      });
    // Audits waiting for an answer are followed up by the same job.
    const auto audits = remind_audits(session.db(), session.secretary_or_system(), dry_run);
    for (const auto& audit : audits) {
      begin_reminder(json, "audit", audit)
        .field("year", audit.year)
        .field("deadline", audit.deadline)
        .field("days_left", audit.days_left)
        .end_object();
    }
    json.end_array();
    print(json.str());
    if (!options.dry_run && (count > 0 || !audits.empty())) {
      session.deliver();
    }
    return;
  }
  if (options.dry_run) {
    std::string out = purge(session, dry_run);
    Table table({{"MEMBER"}, {"NAME"}, {"EMAIL"}, {"TOTAL", Table::Align::right}});
    const auto reminded = remind(
      session.db(), session.secretary_or_system(), scope, dry_run, [&](const Reminded& member) {
        table.add_row({member.member, member.name, member.email, member.total.to_string()});
      });
    if (reminded > 0) {
      out +=
        table.render()
        + fmt::format("\n{} member{} would be reminded.\n", reminded, reminded == 1 ? "" : "s");
    }
    const auto audits = remind_audits(session.db(), session.secretary_or_system(), dry_run);
    if (!audits.empty()) {
      Table audit_table({{"MEMBER"}, {"NAME"}, {"AUDIT", Table::Align::right}, {"DEADLINE"}});
      for (const auto& audit : audits) {
        audit_table.add_row(
          {audit.member, audit.name, std::to_string(audit.year), audit.deadline.to_string()});
      }
      out += (out.empty() ? "" : "\n") + audit_table.render()
             + fmt::format("\n{} member{} would be reminded of their audit.\n",
                           audits.size(),
                           audits.size() == 1 ? "" : "s");
    }
    if (reminded == 0 && audits.empty()) {
      out += nobody_due(session);
    }
    print(out);
    return;
  }
  // For people, the counts: who was reminded is in the outbox (cpd mail list).
  const auto reminded = remind(session.db(), session.secretary_or_system(), scope, dry_run);
  const auto audits = remind_audits(session.db(), session.secretary_or_system(), dry_run);
  std::string out = purge(session, dry_run);
  if (reminded > 0) {
    out += fmt::format("Reminded {} member{}.\n", reminded, reminded == 1 ? "" : "s");
  }
  if (!audits.empty()) {
    out += fmt::format(
      "Reminded {} member{} of their audit.\n", audits.size(), audits.size() == 1 ? "" : "s");
  }
  if (reminded == 0 && audits.empty()) {
    out += nobody_due(session);
  }
  print(out);
  if (reminded > 0 || !audits.empty()) {
    session.deliver();
  }
}

} // namespace

void
register_remind(Command& root)
{
  auto options = std::make_shared<RemindOptions>();
  auto command = root.add(
    "remind",
    "remind members who have not claimed this year, or not answered their audit (secretary, cron)");
  command.flag("--dry-run", options->dry_run, "list who would be reminded; send nothing");
  command.flag("--below-quota", options->below_quota, "remind everybody still short of the quota");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
