// The scheme's rules for a member's year or cycle: the total, category
// minimums and maximums, carries by category and pro rata for joiners and
// part-year dispensations. Over 500 lines because balance, mail, report,
// year end and cpd check all take their judgement from here, and nowhere else.

#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/ascii.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace cpd {

namespace {

// The most years a rolling cycle spans.
constexpr int k_max_cycle_years = 10;

[[noreturn]] void
bad_value(std::string_view key, std::string_view value, std::string_view expected)
{
  throw Error(
    ErrorKind::bad_input, "'{}' is not a valid value for {}: expected {}", value, key, expected);
}

Points
parse_points(std::string_view key, std::string_view value)
{
  const auto points = Points::parse(value);
  if (!points) {
    bad_value(key, value, "points, a number with at most one decimal place");
  }
  return *points;
}

// "formal:10, risk:5" -> {formal: 10, risk: 5}; "" and "none" -> {}.
std::map<std::string, Points>
parse_category_points(std::string_view key, std::string_view value)
{
  std::map<std::string, Points> result;
  if (value.empty() || value == "none") {
    return result;
  }
  const auto* const expected = "categories with their points, e.g. formal:10,risk:5 (or none)";
  std::string_view rest = value;
  while (true) {
    const auto comma = rest.find(',');
    const auto item = ascii::trim(rest.substr(0, comma));
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) {
      bad_value(key, value, expected);
    }
    const auto category = ascii::trim(item.substr(0, colon));
    const auto points = Points::parse(ascii::trim(item.substr(colon + 1)));
    if (!valid_category(category) || !points || *points <= Points()
        || !result.emplace(std::string(category), *points).second) {
      bad_value(key, value, expected);
    }
    if (comma == std::string_view::npos) {
      return result;
    }
    rest.remove_prefix(comma + 1);
  }
}

std::string
format_category_points(const std::map<std::string, Points>& points)
{
  std::string text;
  for (const auto& [category, amount] : points) {
    text += fmt::format("{}{}:{}", text.empty() ? "" : ",", category, amount.to_string());
  }
  return text.empty() ? "none" : text;
}

std::string_view
to_string(ProRata prorata)
{
  switch (prorata) {
  case ProRata::month:
    return "month";
  case ProRata::year:
    return "year";
  case ProRata::none:
    return "none";
  }
  return "month";
}

std::string_view
to_string(Rounding rounding)
{
  switch (rounding) {
  case Rounding::whole_down:
    return "whole-down";
  case Rounding::whole_nearest:
    return "whole-nearest";
  case Rounding::whole_up:
    return "whole-up";
  case Rounding::tenth_down:
    return "tenth-down";
  }
  return "whole-down";
}

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

const std::vector<std::string_view>&
rule_keys()
{
  static const std::vector<std::string_view> keys = {"scheme.cycle_years",
                                                     "scheme.quota",
                                                     "scheme.year_minimum",
                                                     "scheme.minimums",
                                                     "scheme.maximums",
                                                     "scheme.carry_cap",
                                                     "scheme.carry_categories",
                                                     "scheme.carry_first_year",
                                                     "scheme.prorata",
                                                     "scheme.prorata_rounding"};
  return keys;
}

void
set_rule(Rules& rules, std::string_view key, std::string_view value)
{
  if (key == "scheme.cycle_years") {
    int years = 0;
    const auto* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, years);
    if (ec != std::errc() || ptr != end || value.empty() || years < 1
        || years > k_max_cycle_years) {
      bad_value(key, value, fmt::format("a number of years from 1 to {}", k_max_cycle_years));
    }
    rules.cycle_years = years;
  } else if (key == "scheme.quota") {
    rules.quota = parse_points(key, value);
  } else if (key == "scheme.year_minimum") {
    rules.year_minimum = parse_points(key, value);
  } else if (key == "scheme.minimums") {
    rules.minimums = parse_category_points(key, value);
  } else if (key == "scheme.maximums") {
    rules.maximums = parse_category_points(key, value);
  } else if (key == "scheme.carry_cap") {
    rules.carry_cap = parse_points(key, value);
  } else if (key == "scheme.carry_categories") {
    rules.carry_categories.clear();
    if (value != "all") {
      std::string_view rest = value;
      while (true) {
        const auto comma = rest.find(',');
        const auto category = ascii::trim(rest.substr(0, comma));
        if (!valid_category(category)
            || std::find(rules.carry_categories.begin(), rules.carry_categories.end(), category)
                 != rules.carry_categories.end()) {
          bad_value(key, value, "all, or categories like verifiable or formal,informal");
        }
        rules.carry_categories.emplace_back(category);
        if (comma == std::string_view::npos) {
          break;
        }
        rest.remove_prefix(comma + 1);
      }
    }
  } else if (key == "scheme.carry_first_year") {
    if (value != "yes" && value != "no") {
      bad_value(key, value, "yes or no");
    }
    rules.carry_first_year = value == "yes";
  } else if (key == "scheme.prorata") {
    bool found = false;
    for (const auto prorata : {ProRata::month, ProRata::year, ProRata::none}) {
      if (value == to_string(prorata)) {
        rules.prorata = prorata;
        found = true;
      }
    }
    if (!found) {
      bad_value(key, value, "month, year or none");
    }
  } else if (key == "scheme.prorata_rounding") {
    bool found = false;
    for (const auto rounding : {Rounding::whole_down,
                                Rounding::whole_nearest,
                                Rounding::whole_up,
                                Rounding::tenth_down}) {
      if (value == to_string(rounding)) {
        rules.rounding = rounding;
        found = true;
      }
    }
    if (!found) {
      bad_value(key, value, "whole-down, whole-nearest, whole-up or tenth-down");
    }
  } else {
    throw Error(ErrorKind::internal, "{} is not a rule of the scheme", key);
  }
}

std::string
rule_value(const Rules& rules, std::string_view key)
{
  if (key == "scheme.cycle_years") {
    return std::to_string(rules.cycle_years);
  }
  if (key == "scheme.quota") {
    return rules.quota.to_string();
  }
  if (key == "scheme.year_minimum") {
    return rules.year_minimum.to_string();
  }
  if (key == "scheme.minimums") {
    return format_category_points(rules.minimums);
  }
  if (key == "scheme.maximums") {
    return format_category_points(rules.maximums);
  }
  if (key == "scheme.carry_cap") {
    return rules.carry_cap.to_string();
  }
  if (key == "scheme.carry_categories") {
    std::string text;
    for (const auto& category : rules.carry_categories) {
      text += (text.empty() ? "" : ",") + category;
    }
    return text.empty() ? "all" : text;
  }
  if (key == "scheme.carry_first_year") {
    return rules.carry_first_year ? "yes" : "no";
  }
  if (key == "scheme.prorata") {
    return std::string(to_string(rules.prorata));
  }
  if (key == "scheme.prorata_rounding") {
    return std::string(to_string(rules.rounding));
  }
  throw Error(ErrorKind::internal, "{} is not a rule of the scheme", key);
}

std::string
encode_rules(const Rules& rules)
{
  std::string text;
  for (const auto key : rule_keys()) {
    text += fmt::format("{}={}\n", key, rule_value(rules, key));
  }
  return text;
}

Rules
decode_rules(std::string_view text)
{
  Rules rules;
  std::set<std::string_view> seen;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    const auto equals = line.find('=');
    const auto key = line.substr(0, equals);
    if (equals == std::string_view::npos
        || std::find(rule_keys().begin(), rule_keys().end(), key) == rule_keys().end()
        || !seen.insert(key).second) {
      throw Error(ErrorKind::bad_input, "recorded rules cpd did not write: '{}'", line);
    }
    set_rule(rules, key, line.substr(equals + 1));
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end + 1);
  }
  return rules;
}

void
check_rules(const Rules& rules)
{
  if (rules.cycle_years > 1 && rules.carry_cap > Points()) {
    throw Error(ErrorKind::refused,
                "with a cycle of {} years every year's surplus counts throughout the cycle "
                "already, so nothing can be carried: set scheme.carry_cap to 0 first",
                rules.cycle_years);
  }
}

Rules
current_rules(Database& db)
{
  Rules rules;
  for (const auto key : rule_keys()) {
    try {
      set_rule(rules, key, get_setting(db, key));
    } catch (const Error&) {
      throw Error(
        ErrorKind::config, "the setting {} is damaged; set it again with cpd config set", key);
    }
  }
  return rules;
}

Rules
rules_of_year(Database& db, int year)
{
  Statement closed(db, "SELECT quota, carry_cap, rules FROM year_close WHERE year = ?");
  closed.bind(1, year);
  if (!closed.step()) {
    return current_rules(db);
  }
  if (const auto text = closed.optional_text(2)) {
    try {
      return decode_rules(*text);
    } catch (const Error& e) {
      throw Error(ErrorKind::internal,
                  "the rules {} was closed under are damaged ({}); run cpd check",
                  year,
                  e.what());
    }
  }
  // Closed before the rules were recorded whole: a quota a year and a cap.
  Rules rules;
  rules.quota = Points::from_tenths(closed.integer(0));
  rules.carry_cap = Points::from_tenths(closed.integer(1));
  return rules;
}

std::vector<RulePeriod>
rules_by_year(Database& db, const MemberActor& context)
{
  Transaction transaction(db, Transaction::Kind::read);
  std::vector<RulePeriod> periods;
  int next = load_scheme(db).start.year();
  Statement closed(db, "SELECT year FROM year_close ORDER BY year");
  while (closed.step()) {
    const int year = static_cast<int>(closed.integer(0));
    auto rules = rules_of_year(db, year);
    if (!periods.empty() && periods.back().closed && *periods.back().until + 1 == year
        && periods.back().rules == rules) {
      periods.back().until = year;
    } else {
      periods.push_back({year, year, true, std::move(rules)});
    }
    next = std::max(next, year + 1);
  }
  periods.push_back({next, std::nullopt, false, current_rules(db)});
  return periods;
}

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
