// The scheme's time zone, read from the system's TZif files (versions 1 to
// 4) and their POSIX TZ footer, without setting TZ for the process. Over 500
// lines because the file format and the rule it ends with are one reader.

#include <cpd/util/date.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/timezone.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace cpd {

namespace {

constexpr std::int64_t k_day = 86400;
// Offsets beyond a day either way are no zone's (RFC 8536 bounds them
// below 25 and 26 hours).
constexpr std::int32_t k_max_offset = 26 * 3600;
// Zone files are a few kilobytes; anything far larger is not one.
constexpr std::uintmax_t k_max_file_bytes = 1 << 20;

std::int64_t
floor_div(std::int64_t a, std::int64_t b)
{
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool
leap(std::int64_t year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
month_days(std::int64_t year, int month)
{
  static constexpr std::array<int, 12> k_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : k_days.at(static_cast<std::size_t>(month - 1));
}

// Reads big-endian integers from the file's bytes, refusing to run past them.
class Reader
{
public:
  explicit Reader(std::string_view bytes)
    : m_bytes(bytes)
  {}

  std::string_view
  take(std::size_t count)
  {
    if (count > m_bytes.size() - m_at) {
      throw Error(ErrorKind::bad_input, "the zone file is truncated");
    }
    const auto part = m_bytes.substr(m_at, count);
    m_at += count;
    return part;
  }

  std::uint64_t
  unsigned_number(std::size_t width)
  {
    std::uint64_t value = 0;
    for (const char c : take(width)) {
      value = (value << 8) | static_cast<unsigned char>(c);
    }
    return value;
  }

  std::int64_t
  signed_number(std::size_t width)
  {
    const auto value = unsigned_number(width);
    if (width == 4) {
      return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
    }
    return static_cast<std::int64_t>(value);
  }

  std::string_view
  rest() const
  {
    return m_bytes.substr(m_at);
  }

private:
  std::string_view m_bytes;
  std::size_t m_at = 0;
};

struct Header
{
  char version = 0;
  std::uint32_t isutcnt = 0;
  std::uint32_t isstdcnt = 0;
  std::uint32_t leapcnt = 0;
  std::uint32_t timecnt = 0;
  std::uint32_t typecnt = 0;
  std::uint32_t charcnt = 0;
};

Header
read_header(Reader& in)
{
  if (in.take(4) != "TZif") {
    throw Error(ErrorKind::bad_input, "not a zone file (no TZif magic)");
  }
  Header header;
  header.version = in.take(1)[0];
  if (header.version != '\0' && (header.version < '2' || header.version > '4')) {
    throw Error(ErrorKind::bad_input, "a zone file of an unknown version");
  }
  in.take(15);
  header.isutcnt = static_cast<std::uint32_t>(in.unsigned_number(4));
  header.isstdcnt = static_cast<std::uint32_t>(in.unsigned_number(4));
  header.leapcnt = static_cast<std::uint32_t>(in.unsigned_number(4));
  header.timecnt = static_cast<std::uint32_t>(in.unsigned_number(4));
  header.typecnt = static_cast<std::uint32_t>(in.unsigned_number(4));
  header.charcnt = static_cast<std::uint32_t>(in.unsigned_number(4));
  if (header.typecnt == 0 || header.typecnt > 256 || header.charcnt == 0
      || (header.isutcnt != 0 && header.isutcnt != header.typecnt)
      || (header.isstdcnt != 0 && header.isstdcnt != header.typecnt)) {
    throw Error(ErrorKind::bad_input, "a zone file with inconsistent counts");
  }
  return header;
}

// The bytes one data block takes, with times `width` bytes wide.
std::uint64_t
block_size(const Header& header, std::uint64_t width)
{
  return header.timecnt * width + header.timecnt + header.typecnt * 6ULL + header.charcnt
         + header.leapcnt * (width + 4) + header.isstdcnt + header.isutcnt;
}

// Parses text of a POSIX TZ rule, part by part.
class RuleParser
{
public:
  explicit RuleParser(std::string_view text)
    : m_text(text)
  {}

  std::optional<TimeZone::Rule>
  parse()
  {
    TimeZone::Rule rule;
    if (!name()) {
      return std::nullopt;
    }
    const auto standard = offset();
    if (!standard) {
      return std::nullopt;
    }
    rule.standard = *standard;
    if (done()) {
      return rule;
    }
    if (!name()) {
      return std::nullopt;
    }
    // Daylight time is an hour ahead of standard time unless it says.
    rule.daylight = rule.standard + 3600;
    if (!done() && peek() != ',') {
      const auto daylight = offset();
      if (!daylight) {
        return std::nullopt;
      }
      rule.daylight = *daylight;
    }
    if (done()) {
      // POSIX leaves the dates to the implementation; glibc takes the
      // United States' rules, and so does this.
      rule.start = {TimeZone::Transition::Kind::month_week_day, 0, 3, 2, 7200};
      rule.end = {TimeZone::Transition::Kind::month_week_day, 0, 11, 1, 7200};
      return rule;
    }
    if (!accept(',')) {
      return std::nullopt;
    }
    const auto start = transition();
    if (!start || !accept(',')) {
      return std::nullopt;
    }
    const auto end = transition();
    if (!end || !done()) {
      return std::nullopt;
    }
    rule.start = *start;
    rule.end = *end;
    return rule;
  }

private:
  bool
  done() const
  {
    return m_at == m_text.size();
  }

  char
  peek() const
  {
    return done() ? '\0' : m_text[m_at];
  }

  bool
  accept(char c)
  {
    if (peek() == c && !done()) {
      ++m_at;
      return true;
    }
    return false;
  }

  static bool
  alpha(char c)
  {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static bool
  digit(char c)
  {
    return c >= '0' && c <= '9';
  }

  // "CET", or "<+0330>" quoted.
  bool
  name()
  {
    std::size_t length = 0;
    if (accept('<')) {
      while (!done() && peek() != '>') {
        const char c = peek();
        if (!alpha(c) && !digit(c) && c != '+' && c != '-') {
          return false;
        }
        ++m_at;
        ++length;
      }
      return accept('>') && length >= 3;
    }
    while (alpha(peek())) {
      ++m_at;
      ++length;
    }
    return length >= 3;
  }

  std::optional<std::int64_t>
  number(int max_digits, std::int64_t max)
  {
    std::int64_t value = 0;
    int digits = 0;
    while (digit(peek()) && digits < max_digits) {
      value = value * 10 + (peek() - '0');
      ++m_at;
      ++digits;
    }
    if (digits == 0 || value > max) {
      return std::nullopt;
    }
    return value;
  }

  // [+-]hh[:mm[:ss]] as seconds, hours up to `max_hours`.
  std::optional<std::int64_t>
  clock_time(std::int64_t max_hours)
  {
    std::int64_t sign = 1;
    if (accept('-')) {
      sign = -1;
    } else {
      accept('+');
    }
    const auto hours = number(3, max_hours);
    if (!hours) {
      return std::nullopt;
    }
    std::int64_t seconds = *hours * 3600;
    if (accept(':')) {
      const auto minutes = number(2, 59);
      if (!minutes) {
        return std::nullopt;
      }
      seconds += *minutes * 60;
      if (accept(':')) {
        const auto rest = number(2, 59);
        if (!rest) {
          return std::nullopt;
        }
        seconds += *rest;
      }
    }
    return sign * seconds;
  }

  // POSIX offsets count west of UTC: "CET-1" is an hour east.
  std::optional<std::int32_t>
  offset()
  {
    const auto west = clock_time(24);
    if (!west || *west >= k_max_offset || *west <= -k_max_offset) {
      return std::nullopt;
    }
    return static_cast<std::int32_t>(-*west);
  }

  std::optional<TimeZone::Transition>
  transition()
  {
    using Kind = TimeZone::Transition::Kind;
    TimeZone::Transition result;
    if (accept('J')) {
      const auto day = number(3, 365);
      if (!day || *day < 1) {
        return std::nullopt;
      }
      result.kind = Kind::julian_no_leap;
      result.day = static_cast<int>(*day);
    } else if (accept('M')) {
      const auto month = number(2, 12);
      if (!month || *month < 1 || !accept('.')) {
        return std::nullopt;
      }
      const auto week = number(1, 5);
      if (!week || *week < 1 || !accept('.')) {
        return std::nullopt;
      }
      const auto weekday = number(1, 6);
      if (!weekday) {
        return std::nullopt;
      }
      result.kind = Kind::month_week_day;
      result.month = static_cast<int>(*month);
      result.week = static_cast<int>(*week);
      result.day = static_cast<int>(*weekday);
    } else {
      const auto day = number(3, 365);
      if (!day) {
        return std::nullopt;
      }
      result.kind = Kind::zero_based;
      result.day = static_cast<int>(*day);
    }
    if (accept('/')) {
      // RFC 8536 widens POSIX's 0..24 hours to -167..167.
      const auto time = clock_time(167);
      if (!time) {
        return std::nullopt;
      }
      result.time = *time;
    }
    return result;
  }

  std::string_view m_text;
  std::size_t m_at = 0;
};

// The day (since 1970-01-01) a footer transition falls on in `year`.
std::int64_t
transition_day(const TimeZone::Transition& transition, std::int64_t year)
{
  using Kind = TimeZone::Transition::Kind;
  const std::int64_t first = days_from_civil(year, 1, 1);
  switch (transition.kind) {
  case Kind::julian_no_leap:
    // Day 60 is 1 March whether or not the year has 29 February.
    return first + transition.day - 1 + (leap(year) && transition.day >= 60 ? 1 : 0);
  case Kind::zero_based:
    return first + transition.day;
  case Kind::month_week_day: {
    const std::int64_t month_start = days_from_civil(year, transition.month, 1);
    // 1970-01-01 was a Thursday (4).
    const std::int64_t weekday = ((month_start % 7) + 11) % 7;
    std::int64_t day =
      1 + (transition.day - weekday + 7) % 7 + std::int64_t{transition.week - 1} * 7;
    while (day > month_days(year, transition.month)) {
      day -= 7;
    }
    return month_start + day - 1;
  }
  }
  return first;
}

std::int32_t
rule_offset(const TimeZone::Rule& rule, std::int64_t instant)
{
  // Far beyond any calendar anybody plans for, standard time will do.
  constexpr std::int64_t k_far = std::int64_t{1} << 40;
  if (!rule.daylight || instant > k_far || instant < -k_far) {
    return rule.standard;
  }
  const std::int64_t year = civil_from_days(floor_div(instant + rule.standard, k_day)).year;
  // The start is given in standard time, the end in daylight time.
  const std::int64_t start =
    transition_day(rule.start, year) * k_day + rule.start.time - rule.standard;
  const std::int64_t end = transition_day(rule.end, year) * k_day + rule.end.time - *rule.daylight;
  const bool daylight =
    start < end ? (start <= instant && instant < end) : !(end <= instant && instant < start);
  return daylight ? *rule.daylight : rule.standard;
}

} // namespace

TimeZone
TimeZone::from_tzif(std::string_view bytes, std::string name)
{
  Reader in(bytes);
  auto header = read_header(in);
  std::uint64_t width = 4;
  if (header.version != '\0') {
    // Version 2 and later repeat the data with 64-bit times after the
    // 32-bit block, then a footer: the 32-bit block is skipped.
    const auto skip = block_size(header, 4);
    if (skip > in.rest().size()) {
      throw Error(ErrorKind::bad_input, "the zone file is truncated");
    }
    in.take(static_cast<std::size_t>(skip));
    header = read_header(in);
    width = 8;
  }
  if (block_size(header, width) > in.rest().size()) {
    throw Error(ErrorKind::bad_input, "the zone file is truncated");
  }
  TimeZone zone;
  zone.m_name = std::move(name);
  for (std::uint32_t i = 0; i < header.timecnt; ++i) {
    const auto at = in.signed_number(width);
    if (!zone.m_transitions.empty() && at <= zone.m_transitions.back()) {
      throw Error(ErrorKind::bad_input, "a zone file whose transitions are out of order");
    }
    zone.m_transitions.push_back(at);
  }
  for (std::uint32_t i = 0; i < header.timecnt; ++i) {
    const auto type = in.unsigned_number(1);
    if (type >= header.typecnt) {
      throw Error(ErrorKind::bad_input, "a zone file naming a type it does not have");
    }
    zone.m_type_indices.push_back(static_cast<std::uint8_t>(type));
  }
  for (std::uint32_t i = 0; i < header.typecnt; ++i) {
    const auto offset = in.signed_number(4);
    in.take(2); // daylight flag and abbreviation: not needed here
    if (offset >= k_max_offset || offset <= -k_max_offset) {
      throw Error(ErrorKind::bad_input, "a zone file with an offset beyond a day");
    }
    zone.m_offsets.push_back(static_cast<std::int32_t>(offset));
  }
  in.take(header.charcnt);
  in.take(static_cast<std::size_t>(header.leapcnt * (width + 4)));
  in.take(header.isstdcnt + header.isutcnt);
  if (width == 8) {
    const auto footer = in.rest();
    if (footer.size() < 2 || footer.front() != '\n') {
      throw Error(ErrorKind::bad_input, "a zone file without its footer");
    }
    const auto end = footer.find('\n', 1);
    if (end == std::string_view::npos) {
      throw Error(ErrorKind::bad_input, "a zone file without its footer");
    }
    const auto text = footer.substr(1, end - 1);
    if (!text.empty()) {
      const auto rule = RuleParser(text).parse();
      if (!rule) {
        throw Error(ErrorKind::bad_input, "a zone file with a malformed rule in its footer");
      }
      zone.m_rule = rule;
    }
  }
  return zone;
}

std::optional<TimeZone>
TimeZone::from_posix(std::string_view rule)
{
  auto parsed = RuleParser(rule).parse();
  if (!parsed) {
    return std::nullopt;
  }
  TimeZone zone;
  zone.m_name = std::string(rule);
  zone.m_offsets.push_back(parsed->standard);
  zone.m_rule = parsed;
  return zone;
}

TimeZone
TimeZone::utc()
{
  return *from_posix("UTC0");
}

std::int32_t
TimeZone::offset_at(std::int64_t instant) const
{
  if (m_transitions.empty() || instant >= m_transitions.back()) {
    if (m_rule) {
      return rule_offset(*m_rule, instant);
    }
    if (m_transitions.empty()) {
      return m_offsets.front();
    }
    return m_offsets[m_type_indices.back()];
  }
  if (instant < m_transitions.front()) {
    // RFC 8536: before the first transition, the first type applies.
    return m_offsets.front();
  }
  const auto next = std::upper_bound(m_transitions.begin(), m_transitions.end(), instant);
  return m_offsets[m_type_indices[static_cast<std::size_t>(next - m_transitions.begin() - 1)]];
}

std::optional<Date>
TimeZone::date_at(std::int64_t instant) const
{
  // Beyond these, no civil date of years 1 to 9999 (nor an overflow).
  constexpr std::int64_t k_earliest = -62135596800 - k_day;
  constexpr std::int64_t k_latest = 253402300800 + k_day;
  if (instant < k_earliest || instant > k_latest) {
    return std::nullopt;
  }
  const auto days = floor_div(instant + offset_at(instant), k_day);
  if (days < Date(1, 1, 1).days() || days > Date(9999, 12, 31).days()) {
    return std::nullopt;
  }
  return Date::from_days(days);
}

std::int64_t
TimeZone::instant_at(Date date, std::int64_t seconds) const
{
  const std::int64_t local = date.days() * k_day + seconds;
  // The offset an hour or so before, then checked against the instant found.
  const auto guess = local - offset_at(local - k_day / 2);
  return local - offset_at(guess);
}

bool
valid_zone_name(std::string_view name)
{
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') {
    return false;
  }
  bool part_start = true;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '+' || c == '/';
    if (!ok || (c == '/' && part_start)) {
      return false;
    }
    part_start = c == '/';
  }
  return true;
}

TimeZone
load_time_zone(std::string_view name, const std::filesystem::path& directory)
{
  auto refuse = [&](std::string_view why) {
    return Error(ErrorKind::bad_input,
                 "{} is not a time zone{}: expected a name like Europe/London or "
                 "Pacific/Auckland (see {})",
                 json_string(name), // quoted, so a control character shows
                 why,
                 directory.string());
  };
  if (!valid_zone_name(name)) {
    throw refuse("");
  }
  const auto path = directory / std::string(name);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::is_regular_file(status)) {
    throw refuse(ec && status.type() != std::filesystem::file_type::not_found
                   ? fmt::format(" ({})", ec.message())
                   : std::string());
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > k_max_file_bytes) {
    throw refuse("");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) {
    throw refuse(" (its file cannot be read)");
  }
  try {
    return TimeZone::from_tzif(bytes.str(), std::string(name));
  } catch (const Error& e) {
    throw refuse(fmt::format(" ({})", e.what()));
  }
}

} // namespace cpd
