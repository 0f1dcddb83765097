// A member's standing in a year: its SQL form and its C++ form (judge,
// carry_out), with the phrases that describe a judgement.

#include <cpd/ledger/standing.hpp>
#include <cpd/store/database.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd {

std::string
duty_sql(std::string_view member, std::string_view year_end)
{
  return fmt::format(
    "({0}.active = 1 AND {0}.cpd_duty = 1 AND {0}.created_at < {1})", member, year_end);
}

std::string
exempt_sql(std::string_view member_id, std::string_view year)
{
  return fmt::format("EXISTS (SELECT 1 FROM exemption x WHERE x.member_id = {0}"
                     " AND x.year <= {1} AND coalesce(x.until_year, {1}) >= {1}"
                     " AND x.lifted_at IS NULL)",
                     member_id,
                     year);
}

std::string
carry_sql(std::string_view total, std::string_view quota, std::string_view cap)
{
  return fmt::format("min({2}, max(0, {0} - {1}))", total, quota, cap);
}

std::string
remaining_sql(std::string_view total, std::string_view quota)
{
  return fmt::format("max(0, {1} - {0})", total, quota);
}

std::string
plain_status_sql(std::string_view member_id,
                 std::string_view year,
                 std::string_view total,
                 std::string_view quota)
{
  return fmt::format("CASE WHEN {} THEN 'exempt' WHEN {} >= {} THEN 'compliant' ELSE 'short' END",
                     exempt_sql(member_id, year),
                     total,
                     quota);
}

namespace {

Date
month_end(int year, int month)
{
  return month == 12 ? Date(year, 12, 31) : Date(year, month + 1, 1).plus_days(-1);
}

enum class Dispensations { count, ignore };

// Whether the member owes CPD for all of one month: after the scheme's
// start (earlier years of a cycle only), from their joining on, and (when
// counted) with no dispensation touching it.
bool
owes_month(const Account& account,
           const Rules& rules,
           int year,
           int month,
           int judged_year,
           Date start,
           Dispensations dispensations)
{
  const Date first(year, month, 1);
  if (year < judged_year && first < start) {
    return false;
  }
  if (account.joined) {
    switch (rules.prorata) {
    case ProRata::month:
      if (first < *account.joined) {
        return false;
      }
      break;
    case ProRata::year:
      if (year <= account.joined->year()) {
        return false;
      }
      break;
    case ProRata::none:
      if (year < account.joined->year()) {
        return false;
      }
      break;
    }
  }
  if (dispensations == Dispensations::count) {
    const Date last = month_end(year, month);
    for (const auto& span : account.dispensed) {
      if (span.from <= last && (!span.until || *span.until >= first)) {
        return false;
      }
    }
  }
  return true;
}

// The points of each category over a cycle: earned in its years, and
// carried into its first.
std::map<std::string, Points>
cycle_points(const Account& account, int from, int to)
{
  std::map<std::string, Points> points;
  for (auto it = account.earned.lower_bound(from); it != account.earned.end() && it->first <= to;
       ++it) {
    for (const auto& [category, amount] : it->second) {
      points[category] += amount;
    }
  }
  if (const auto carried = account.carried.find(from); carried != account.carried.end()) {
    for (const auto& [category, amount] : carried->second) {
      points[category] += amount;
    }
  }
  return points;
}

// What counts of each category: a maximum caps it.
std::map<std::string, Points>
counted(std::map<std::string, Points> points, const Rules& rules)
{
  for (auto& [category, amount] : points) {
    if (const auto cap = rules.maximums.find(category); cap != rules.maximums.end()) {
      amount = min(amount, cap->second);
    }
  }
  return points;
}

Points
sum(const std::map<std::string, Points>& points)
{
  Points total;
  for (const auto& [category, amount] : points) {
    total += amount;
  }
  return total;
}

Points
year_sum(const std::map<int, std::map<std::string, Points>>& by_year, int year)
{
  const auto found = by_year.find(year);
  return found == by_year.end() ? Points() : sum(found->second);
}

Points
value_in(const std::map<std::string, Points>& points, const std::string& category)
{
  const auto found = points.find(category);
  return found == points.end() ? Points() : found->second;
}

// "1 point", "2.5 points".
std::string
phrase(Points points, std::string_view adjective = {})
{
  return fmt::format("{}{}{} point{}",
                     points.to_string(),
                     adjective.empty() ? "" : " ",
                     adjective,
                     points.tenths() == 10 ? "" : "s");
}

// "a, b and c"
std::string
listing(const std::vector<std::string>& items)
{
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  }
  return text;
}

} // namespace

std::string_view
to_string(Requirement::Kind kind)
{
  switch (kind) {
  case Requirement::Kind::total:
    return "total";
  case Requirement::Kind::year:
    return "year";
  case Requirement::Kind::category:
    return "category";
  }
  return "total";
}

Points
prorate(Points value, int months, int full, Rounding rounding)
{
  if (months >= full) {
    return value;
  }
  if (months <= 0 || full <= 0) {
    return {};
  }
  const std::int64_t numerator = value.tenths() * months; // tenths × months
  const std::int64_t denominator = full;
  switch (rounding) {
  case Rounding::whole_down:
    return Points::from_tenths(numerator / (denominator * 10) * 10);
  case Rounding::whole_nearest:
    return Points::from_tenths((numerator + denominator * 5) / (denominator * 10) * 10);
  case Rounding::whole_up:
    return Points::from_tenths((numerator + denominator * 10 - 1) / (denominator * 10) * 10);
  case Rounding::tenth_down:
    return Points::from_tenths(numerator / denominator);
  }
  return value;
}

Judgement
judge(const Account& account, const Rules& rules, int year, Date start)
{
  Judgement judgement;
  judgement.year = year;
  // Years of the cycle before the scheme started owe nothing: the cycle
  // is told from the scheme's first year, and pro rata.
  judgement.cycle_from = std::max({1, year - rules.cycle_years + 1, std::min(year, start.year())});
  judgement.started_in_cycle =
    year - rules.cycle_years + 1 < judgement.cycle_from || Date(judgement.cycle_from, 1, 1) < start;
  judgement.full_months = 12 * rules.cycle_years;
  int year_owed = 0;
  int year_without_dispensations = 0;
  for (int y = judgement.cycle_from; y <= year; ++y) {
    for (int month = 1; month <= 12; ++month) {
      const bool base = owes_month(account, rules, y, month, year, start, Dispensations::ignore);
      const bool owed =
        base && owes_month(account, rules, y, month, year, start, Dispensations::count);
      judgement.months += owed ? 1 : 0;
      if (y == year) {
        year_owed += owed ? 1 : 0;
        year_without_dispensations += base ? 1 : 0;
      }
      judgement.dispensed_in_cycle = judgement.dispensed_in_cycle || (base && !owed);
      // Not owed though the scheme ran: before the member joined.
      const bool scheme_ran = y == year || Date(y, month, 1) >= start;
      judgement.joined_in_cycle = judgement.joined_in_cycle || (!base && scheme_ran);
    }
  }
  judgement.exempt = year_without_dispensations > 0 && year_owed == 0;

  const auto points = cycle_points(account, judgement.cycle_from, year);
  const auto counts = counted(points, rules);
  judgement.earned = year_sum(account.earned, year);
  judgement.carried_in = year_sum(account.carried, year);
  judgement.total = judgement.earned + judgement.carried_in;
  judgement.cycle_total = sum(counts);
  judgement.full_quota = rules.quota;
  judgement.quota = prorate(rules.quota, judgement.months, judgement.full_months, rules.rounding);

  auto add = [&](Requirement::Kind kind, std::string category, Points required, Points has) {
    judgement.requirements.push_back(
      {kind, std::move(category), required, has, max(Points(), required - has)});
  };
  add(Requirement::Kind::total, {}, judgement.quota, judgement.cycle_total);
  if (rules.year_minimum > Points()) {
    add(Requirement::Kind::year,
        {},
        prorate(rules.year_minimum, year_owed, 12, rules.rounding),
        judgement.total);
  }
  Points categories_short;
  for (const auto& [category, least] : rules.minimums) {
    add(Requirement::Kind::category,
        category,
        prorate(least, judgement.months, judgement.full_months, rules.rounding),
        value_in(counts, category));
    categories_short += judgement.requirements.back().remaining;
  }
  judgement.remaining = categories_short;
  for (const auto& requirement : judgement.requirements) {
    if (requirement.kind != Requirement::Kind::category) {
      judgement.remaining = max(judgement.remaining, requirement.remaining);
    }
  }
  judgement.compliant = judgement.remaining == Points();
  if (!account.duty) {
    // Nothing is owed, so nothing is required and nothing remains; what
    // counts and what carries are as for anybody else.
    judgement.duty = false;
    judgement.quota = judgement.full_quota = judgement.remaining = Points();
    judgement.months = 0;
    judgement.exempt = judgement.joined_in_cycle = judgement.dispensed_in_cycle = false;
    for (auto& requirement : judgement.requirements) {
      requirement.required = requirement.remaining = Points();
    }
    judgement.compliant = true;
  }
  return judgement;
}

Points
CarryOut::total() const
{
  return sum(carried);
}

Judgement
judge_one_quota(int year, Points quota, Points earned, Points carried_in)
{
  Rules rules;
  rules.quota = quota;
  Account account;
  account.earned[year][std::string()] = earned;
  account.carried[year][std::string()] = carried_in;
  return judge(account, rules, year, Date(year, 1, 1));
}

bool
plain_carry(const Rules& rules)
{
  return rules.cycle_years == 1 && rules.maximums.empty() && rules.carry_categories.empty();
}

bool
joined_since(Database& db, int year)
{
  Statement query(db, "SELECT EXISTS (SELECT 1 FROM member WHERE joined >= ?)");
  query.bind(1, Date(year, 1, 1).to_string());
  query.step();
  return query.integer(0) != 0;
}

CarryOut
carry_out(const Account& account, const Rules& rules, int year, Date start)
{
  CarryOut result;
  int months = 0;
  for (int month = 1; month <= 12; ++month) {
    months += owes_month(account, rules, year, month, year, start, Dispensations::ignore) ? 1 : 0;
  }
  const auto counts = counted(cycle_points(account, year, year), rules);
  result.surplus = sum(counts) - prorate(rules.quota, months, 12, rules.rounding);
  if (rules.cycle_years > 1 || rules.carry_cap <= Points() || result.surplus <= Points()) {
    return result;
  }
  if (!rules.carry_first_year && account.joined && account.joined->year() == year) {
    return result;
  }
  auto left = min(rules.carry_cap, result.surplus);
  if (rules.carry_categories.empty()) {
    result.carried[std::string()] = left;
    return result;
  }
  // Only the named categories' surplus, over their own minimums, in order.
  for (const auto& category : rules.carry_categories) {
    const auto least = rules.minimums.find(category);
    const auto over =
      value_in(counts, category)
      - (least == rules.minimums.end() ? Points()
                                       : prorate(least->second, months, 12, rules.rounding));
    const auto take = min(left, max(Points(), over));
    if (take > Points()) {
      result.carried[category] = take;
      left -= take;
    }
  }
  return result;
}

bool
short_of_total_only(const Judgement& judgement)
{
  return std::all_of(
    judgement.requirements.begin(), judgement.requirements.end(), [](const Requirement& r) {
      return r.kind == Requirement::Kind::total || r.remaining == Points();
    });
}

std::string
needs_phrase(const Judgement& judgement, bool more)
{
  const std::string prefix = more ? "more" : "";
  std::vector<std::string> each;  // "2 more formal points"
  std::vector<std::string> least; // "2 formal"
  Points categories_short;
  for (const auto& requirement : judgement.requirements) {
    if (requirement.kind == Requirement::Kind::category && requirement.remaining > Points()) {
      each.push_back(phrase(requirement.remaining,
                            more ? "more " + requirement.category : requirement.category));
      least.push_back(
        fmt::format("{} {}", requirement.remaining.to_string(), requirement.category));
      categories_short += requirement.remaining;
    }
  }
  if (each.empty()) {
    return phrase(judgement.remaining, prefix);
  }
  if (categories_short == judgement.remaining) {
    return listing(each);
  }
  return fmt::format(
    "{}, of which at least {}", phrase(judgement.remaining, prefix), listing(least));
}

std::string
requirement_phrase(const Judgement& judgement,
                   std::optional<Date> joined,
                   std::string_view adjective,
                   Reasons reasons)
{
  std::string text = phrase(judgement.quota, adjective);
  if (judgement.cycle_from < judgement.year) {
    text += fmt::format(" over {} to {}", judgement.cycle_from, judgement.year);
  }
  std::vector<std::string> minimums;
  for (const auto& requirement : judgement.requirements) {
    if (requirement.kind == Requirement::Kind::category) {
      minimums.push_back(
        fmt::format("{} {}", requirement.required.to_string(), requirement.category));
    }
  }
  if (!minimums.empty()) {
    text += fmt::format(", of which at least {}", listing(minimums));
  }
  for (const auto& requirement : judgement.requirements) {
    if (requirement.kind == Requirement::Kind::year) {
      text += fmt::format(" and at least {} a year", phrase(requirement.required));
    }
  }
  if (reasons == Reasons::omit) {
    return text;
  }
  std::vector<std::string> why;
  if (judgement.joined_in_cycle && joined) {
    why.push_back(fmt::format("from your joining on {}", joined->to_long_string()));
  }
  if (judgement.dispensed_in_cycle) {
    why.emplace_back("for your dispensation");
  }
  if (!why.empty()) {
    text += fmt::format(" (pro rata {})", listing(why));
  }
  return text;
}

std::string
rules_summary(const Rules& rules)
{
  std::vector<std::string> parts;
  if (rules.cycle_years > 1) {
    parts.push_back(fmt::format("over {} years", rules.cycle_years));
  }
  if (rules.year_minimum > Points()) {
    parts.push_back(fmt::format("at least {} every year", phrase(rules.year_minimum)));
  }
  std::vector<std::string> minimums;
  for (const auto& [category, least] : rules.minimums) {
    minimums.push_back(fmt::format("{} {}", least.to_string(), category));
  }
  if (!minimums.empty()) {
    parts.push_back("at least " + listing(minimums));
  }
  std::string text;
  for (const auto& part : parts) {
    text += (text.empty() ? "" : ", ") + part;
  }
  return text;
}

std::string
progress_phrase(const Judgement& judgement)
{
  if (judgement.cycle_from < judgement.year) {
    return fmt::format("{} of {} over {} to {}",
                       judgement.cycle_total.to_string(),
                       phrase(judgement.quota),
                       judgement.cycle_from,
                       judgement.year);
  }
  return fmt::format("{} of {}", judgement.cycle_total.to_string(), phrase(judgement.quota));
}

} // namespace cpd
