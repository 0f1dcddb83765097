#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/rules.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace cpd::cli {

namespace {

struct BalanceOptions
{
  std::string year;
  std::optional<std::string> login;
};

// Cells of the bar towards the quota.
constexpr std::int64_t k_bar_cells = 10;

// The total as a bar towards the quota, in eighths of a cell:
// "▕█████     ▏" for 5 of 10 points.
std::string
bar(Points total, Points quota)
{
  static constexpr std::array<const char*, 8> k_eighths = {
    "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"};
  const std::int64_t all = k_bar_cells * 8;
  std::int64_t filled = all;
  if (quota.tenths() > 0) {
    filled = std::clamp<std::int64_t>(total.tenths() * all / quota.tenths(), 0, all);
  }
  std::string inside;
  for (std::int64_t i = 0; i < filled / 8; ++i) {
    inside += "\u2588";
  }
  inside += k_eighths[filled % 8];
  const auto blank = k_bar_cells - filled / 8 - (filled % 8 > 0 ? 1 : 0);
  inside.append(static_cast<std::size_t>(blank), ' ');
  return "\u2595" + inside + "\u258f";
}

// "5 of 10 points ▕█████     ▏ 5 more by 31 December 2017", for a terminal.
std::string
bar_line(const Balance& balance, bool over)
{
  const bool done = balance.compliant || balance.exempt;
  std::string outcome;
  if (!balance.duty) {
    outcome = "no CPD duty";
  } else if (balance.exempt) {
    outcome = "exempt";
  } else if (balance.compliant) {
    outcome = "quota met";
  } else if (over) {
    outcome = fmt::format("{} short", balance.remaining.to_string());
  } else {
    outcome = fmt::format(
      "{} more by {}", balance.remaining.to_string(), balance.deadline.to_long_string());
  }
  const auto counted = balance.judgement.cycle_total;
  return fmt::format("  {} of {} {} {}\n",
                     counted.to_string(),
                     points_phrase(balance.quota),
                     paint(bar(counted, balance.quota), done ? Style::good : Style::warning),
                     outcome);
}

std::string
render(const Balance& balance, Date today)
{
  // Never a deadline that has passed, whether or not the year is closed yet.
  const bool over = balance.closed || balance.deadline < today;
  std::string out = fmt::format("{} ({}), CPD year {}{}\n",
                                balance.name,
                                balance.member,
                                balance.year,
                                balance.closed ? " (closed)" : "");
  // The bar is for people at a terminal; piped, the lines below say it all.
  if (stdout_is_terminal()) {
    out += bar_line(balance, over);
  }
  auto line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("  {:<14}{}\n", label, value);
  };
  const auto& judged = balance.judgement;
  const bool cycle = judged.cycle_from < judged.year;
  line("Earned", balance.earned.to_string());
  line("Carried in", balance.carried_in.to_string());
  if (cycle || !balance.duty) {
    line("Total", balance.total.to_string());
  } else {
    line("Total", fmt::format("{} of {}", balance.total.to_string(), points_phrase(balance.quota)));
  }
  // Each requirement beyond the one quota of a year, as the rules have them.
  for (const auto& requirement : judged.requirements) {
    switch (requirement.kind) {
    case Requirement::Kind::total:
      if (cycle) {
        line(fmt::format("{} to {}", judged.cycle_from, judged.year),
             fmt::format(
               "{} of {}", requirement.has.to_string(), points_phrase(requirement.required)));
      }
      break;
    case Requirement::Kind::year:
      line("In " + std::to_string(judged.year),
           fmt::format("{} of at least {}",
                       requirement.has.to_string(),
                       points_phrase(requirement.required)));
      break;
    case Requirement::Kind::category:
      line(requirement.category,
           fmt::format("{} of at least {}",
                       requirement.has.to_string(),
                       points_phrase(requirement.required)));
      break;
    }
  }
  if (judged.quota != judged.full_quota) {
    std::string why;
    if (judged.joined_in_cycle && balance.joined) {
      why = fmt::format(": joined on {}", balance.joined->to_long_string());
    }
    if (judged.dispensed_in_cycle) {
      why += why.empty() ? ": a dispensation" : ", and a dispensation";
    }
    if (judged.started_in_cycle && why.empty()) {
      why = fmt::format(": the scheme started in {}", judged.cycle_from);
    }
    line("Pro rata",
         fmt::format("{} of {} months{}, so {} of {}",
                     judged.months,
                     judged.full_months,
                     why,
                     balance.quota.to_string(),
                     points_phrase(judged.full_quota)));
  }
  if (balance.pending > Points()) {
    line("Pending", fmt::format("{} awaiting verification", balance.pending.to_string()));
  }
  if (!balance.active) {
    out += "Membership deactivated: no new claims, no reminders.\n";
  }
  if (!balance.duty) {
    out += "No CPD duty: no quota applies.\n";
  } else if (balance.exempt) {
    out += fmt::format("Exempt from the quota for {}.\n", balance.year);
  } else if (balance.compliant) {
    out += fmt::format("Quota met for {}.\n", balance.year);
  } else if (over) {
    out += fmt::format("The quota was not met: {} short.\n", needs_phrase(judged, false));
  } else if (short_of_total_only(judged)) {
    out += fmt::format("You need {} more by {}.\n",
                       points_phrase(balance.remaining),
                       balance.deadline.to_long_string());
  } else {
    out +=
      fmt::format("You need {} by {}.\n", needs_phrase(judged), balance.deadline.to_long_string());
  }
  return out;
}

void
run(const BalanceOptions& options, Session& session)
{
  const auto year = parse_optional_year(options.year);
  const auto result = balance(session.db(), session.listed(), options.login, year);
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("member", result.member)
      .field("name", result.name)
      .field("year", result.year)
      .field("earned", result.earned)
      .field("carried_in", result.carried_in)
      .field("total", result.total)
      .field("quota", result.quota)
      .field("remaining", result.remaining)
      .field("pending", result.pending)
      .field("compliant", result.compliant)
      .field("exempt", result.exempt)
      .field("duty", result.duty)
      .field("closed", result.closed)
      .field("active", result.active)
      .field("deadline", result.deadline)
      .field("joined", result.joined)
      .field("cycle_from", result.judgement.cycle_from)
      .field("cycle_total", result.judgement.cycle_total)
      .key("requirements")
      .begin_array();
    for (const auto& requirement : result.judgement.requirements) {
      json.begin_object()
        .field("kind", std::string(to_string(requirement.kind)))
        .field("category",
               requirement.kind == Requirement::Kind::category ? std::optional(requirement.category)
                                                               : std::nullopt)
        .field("required", requirement.required)
        .field("has", requirement.has)
        .field("remaining", requirement.remaining)
        .end_object();
    }
    json.end_array().end_object();
    print(json.str());
    return;
  }
  print(render(result, session.listed().today));
}

} // namespace

void
register_balance(Command& root)
{
  auto options = std::make_shared<BalanceOptions>();
  auto command = root.add("balance", "points earned, carried and still needed in a year");
  command.option("--year", options->year, "the CPD year (default: this year)").type_name("YYYY");
  command.option("login", options->login, "another member's login (secretary)");
  command.run([options](Session& session) { run(*options, session); });
}

} // namespace cpd::cli
