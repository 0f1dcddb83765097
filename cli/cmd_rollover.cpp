#include "commands.hpp"
#include "output.hpp"

#include <cpd/store/backup.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/text.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

// "Closed 2024: 3 members, 1 compliant, 1 short, 1 exempt; 5 points carried
// into 2025 by 1 member."
std::string
summary_line(const YearClose& close, bool dry_run)
{
  return fmt::format("{} {}: {}, {} compliant, {} short, {} exempt; {} carried "
                     "into {} by {}.\n",
                     dry_run ? "Would close" : "Closed",
                     close.year,
                     count_phrase(static_cast<std::size_t>(close.members), "member"),
                     close.compliant,
                     close.short_of_quota,
                     close.exempt,
                     points_phrase(close.carried),
                     close.year + 1,
                     count_phrase(static_cast<std::size_t>(close.carried_members), "member"));
}

// What rollover did, printed year by year as each is closed: for people,
// the counts (on a dry run with the carries); as JSON, an object whose
// years and carries are printed while they are read.
class Printer
{
public:
  Printer(Session& session, bool dry_run, const std::optional<BackupResult>& backup)
    : m_session(session)
    , m_dry_run(dry_run)
    , m_backup(backup)
  {}

  void
  closed(const YearClose& close)
  {
    begin();
    if (!m_session.json()) {
      print(summary_line(close, m_dry_run));
      if (m_dry_run && close.carried_members > 0) {
        Table table({{"MEMBER"}, {"TOTAL", Table::Align::right}, {"CARRIED", Table::Align::right}});
        for_each_carry(m_session.db(), close, [&](const Carry& carry) {
          table.add_row({carry.member, carry.total.to_string(), carry.carried.to_string()});
        });
        print(table.render());
      }
      return;
    }
    m_json.begin_object()
      .field("year", close.year)
      .field("quota", close.quota)
      .field("carry_cap", close.carry_cap)
      .field("members", close.members)
      .field("compliant", close.compliant)
      .field("short", close.short_of_quota)
      .field("exempt", close.exempt)
      .field("carried", close.carried)
      .key("carries")
      .begin_array();
    std::size_t count = 0;
    for_each_carry(m_session.db(), close, [&](const Carry& carry) {
      m_json.begin_object()
        .field("member", carry.member)
        .field("total", carry.total)
        .field("carried", carry.carried)
        .end_object();
      if (++count % 1024 == 0) {
        print(m_json.take());
      }
    });
    m_json.end_array().end_object();
    print(m_json.take());
  }

  void
  end(Date today)
  {
    const int this_year = today.year();
    if (m_session.json()) {
      begin();
      m_json.end_array().end_object();
      print(m_json.str());
    } else if (!m_begun) {
      // The scheme's first year has no year before it to close.
      const auto start = load_scheme(m_session.db()).start;
      if (start.year() >= this_year) {
        print(fmt::format("Nothing to close yet: the scheme {} on {}.\n",
                          today < start ? "starts" : "started",
                          start.to_long_string()));
      } else {
        print(fmt::format("Nothing to close: every CPD year before {} is closed.\n", this_year));
      }
    }
  }

private:
  // The head, once: the backup is taken before the first year is closed.
  void
  begin()
  {
    if (m_begun) {
      return;
    }
    m_begun = true;
    if (!m_session.json()) {
      if (m_backup) {
        print(fmt::format("Backed up the database to {} first.\n", m_backup->path.string()));
      }
      return;
    }
    m_json.begin_object()
      .field("dry_run", m_dry_run)
      .field("backup", m_backup ? std::optional(m_backup->path.string()) : std::nullopt)
      .key("years")
      .begin_array();
  }

  Session& m_session;
  bool m_dry_run;
  const std::optional<BackupResult>& m_backup;
  Json m_json;
  bool m_begun = false;
};

void
run(bool dry_run, Session& session)
{
  const auto& context = session.secretary_or_system();
  std::optional<BackupResult> backup;
  Printer printer(session, dry_run, backup);
  const auto closes = rollover(session.db(),
                               context,
                               dry_run ? DryRun::yes : DryRun::no,
                               &backup,
                               [&](const YearClose& close) { printer.closed(close); });
  printer.end(context.today);
  if (!dry_run && !closes.empty()) {
    session.deliver();
  }
}

} // namespace

void
register_rollover(Command& root)
{
  auto dry_run = std::make_shared<bool>(false);
  auto command = root.add(
    "rollover", "close every finished CPD year: carry surplus points forward (secretary, cron)");
  command.flag("--dry-run", *dry_run, "show what would be carried; change nothing");
  command.run([dry_run](Session& session) { run(*dry_run, session); });
}

} // namespace cpd::cli
