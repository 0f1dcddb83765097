// The one output path of cpd: the answer of a request, tables sized for
// their own stream, JSON, colour, and checked writes with close_stdout's
// exit status. Over 500 lines on purpose: every write goes through here.

#include "output.hpp"

#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>
#include <cpd/util/utf8.hpp>

#include <fmt/format.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <utility>

namespace cpd::cli {

Table::Table(std::vector<Column> columns)
  : m_columns(std::move(columns))
{}

void
Table::add_row(std::vector<std::string> cells)
{
  cells.resize(m_columns.size());
  // A member's newline or tab is shown, never obeyed: no note can start a
  // row of its own or push text into another column. Controls, bidi marks
  // and invisible characters are written out.
  for (auto& cell : cells) {
    cell = escape_hidden(cell, AllowNewlines::yes);
    if (cell.find_first_of("\n\t") == std::string::npos) {
      continue;
    }
    std::string shown;
    for (const char c : cell) {
      if (c == '\n') {
        shown += "\u21b5"; // ↵
      } else if (c == '\t') {
        shown += "\u21e5"; // ⇥
      } else {
        shown += c;
      }
    }
    cell = std::move(shown);
  }
  m_rows.push_back(std::move(cells));
}

namespace {

// Terminal columns a text column keeps at least when a table is fitted.
constexpr std::size_t k_min_fitted_width = 8;

} // namespace

namespace {

// The answer being given on this thread, and the terminal it is for.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): one per thread
thread_local Reply* t_reply = nullptr;
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): one per thread
thread_local protocol::Terminal t_terminal;
// The zone recorded instants are shown in (none: the host's).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): one per thread
thread_local std::shared_ptr<const TimeZone> t_zone;

// An instant as the local date, the seconds since its midnight and the
// offset from UTC in minutes: in the scheme's zone, else the host's.
struct LocalTime
{
  Date date{1970, 1, 1};
  std::int64_t seconds = 0;
  long offset_minutes = 0;
};

LocalTime
local(std::int64_t unix_time)
{
  if (t_zone) {
    const std::int64_t offset = t_zone->offset_at(unix_time);
    const auto date = t_zone->date_at(unix_time);
    if (date) {
      return {
        *date, ((unix_time + offset) % 86400 + 86400) % 86400, static_cast<long>(offset / 60)};
    }
  }
  const auto time = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  localtime_r(&time, &tm);
  return {Date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday),
          (std::int64_t{tm.tm_hour} * 60 + tm.tm_min) * 60 + tm.tm_sec,
          tm.tm_gmtoff / 60};
}

} // namespace

ReplyScope::ReplyScope(Reply& reply, const protocol::Terminal& terminal)
  : m_reply(t_reply)
  , m_terminal(t_terminal)
  , m_zone(t_zone)
{
  t_reply = &reply;
  t_terminal = terminal;
}

ReplyScope::~ReplyScope()
{
  t_reply = m_reply;
  t_terminal = m_terminal;
  t_zone = m_zone;
}

void
show_times_in(std::shared_ptr<const TimeZone> zone)
{
  t_zone = std::move(zone);
}

protocol::Terminal
local_terminal()
{
  protocol::Terminal terminal;
  terminal.out_tty = isatty(STDOUT_FILENO) == 1;
  terminal.in_tty = isatty(STDIN_FILENO) == 1;
  const char* no_colour = std::getenv("NO_COLOR");
  const bool colour_allowed = no_colour == nullptr || *no_colour == '\0';
  terminal.colour = terminal.out_tty && colour_allowed;
  const bool err_tty = isatty(STDERR_FILENO) == 1;
  terminal.err_colour = err_tty && colour_allowed;
  // Each stream's own width: a table may go to either.
  const auto width = [](int fd) -> std::uint32_t {
    winsize size{};
    if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
      return size.ws_col;
    }
    if (const char* columns = std::getenv("COLUMNS")) {
      std::uint32_t value = 0;
      const std::string_view text(columns);
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size()) {
        return value;
      }
    }
    return 0;
  };
  terminal.columns = terminal.out_tty ? width(STDOUT_FILENO) : 0;
  terminal.err_columns = err_tty ? width(STDERR_FILENO) : 0;
  return terminal;
}

bool
stdout_is_terminal()
{
  return t_terminal.out_tty;
}

std::size_t
terminal_columns()
{
  return t_terminal.columns;
}

bool
colour_enabled()
{
  return t_terminal.colour;
}

namespace {

// `text` wrapped in the escape codes of the style.
std::string
styled(std::string_view text, Style style)
{
  if (style == Style::plain || text.empty()) {
    return std::string(text);
  }
  const char* code = "";
  switch (style) {
  case Style::heading:
    code = "1";
    break;
  case Style::good:
    code = "32";
    break;
  case Style::warning:
    code = "33";
    break;
  case Style::bad:
    code = "31";
    break;
  case Style::dim:
    code = "2";
    break;
  case Style::plain:
    break;
  }
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

} // namespace

std::string
paint(std::string_view text, Style style)
{
  return colour_enabled() ? styled(text, style) : std::string(text);
}

Style
status_style(std::string_view word)
{
  if (word == "approved" || word == "compliant" || word == "sent" || word == "active") {
    return Style::good;
  }
  if (word == "pending" || word == "queued") {
    return Style::warning;
  }
  if (word == "declined" || word == "revoked" || word == "short" || word == "failed") {
    return Style::bad;
  }
  if (word == "withdrawn" || word == "exempt" || word == "deactivated" || word == "retired") {
    return Style::dim;
  }
  return Style::plain;
}

std::string
fit(std::string_view text, std::size_t width)
{
  if (display_width(text) <= width) {
    return std::string(text);
  }
  if (width == 0) {
    return "";
  }
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto length = utf8::character_length(text, i);
    const auto piece = text.substr(i, length);
    const auto columns = display_width(piece);
    if (used + columns > width - 1) {
      break;
    }
    out += piece;
    used += columns;
    i += length;
  }
  return out + "\u2026";
}

std::string
Table::render() const
{
  return render(terminal_columns(), colour_enabled());
}

std::string
Table::render(std::size_t width, bool colour) const
{
  std::vector<std::size_t> widths;
  for (const auto& column : m_columns) {
    widths.push_back(display_width(column.title));
  }
  for (const auto& row : m_rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  // Too wide for the terminal: shorten the widest text column, then the next.
  if (width > 0) {
    auto total = [&] {
      std::size_t sum = 2 * (widths.size() - 1);
      for (const auto w : widths) {
        sum += w;
      }
      return sum;
    };
    while (total() > width) {
      std::optional<std::size_t> widest;
      for (std::size_t i = 0; i < widths.size(); ++i) {
        const auto floor = std::max(k_min_fitted_width, display_width(m_columns[i].title));
        if (m_columns[i].align == Align::left && m_columns[i].kind == Kind::text
            && widths[i] > floor && (!widest || widths[i] > widths[*widest])) {
          widest = i;
        }
      }
      if (!widest) {
        break;
      }
      const auto floor = std::max(k_min_fitted_width, display_width(m_columns[*widest].title));
      const auto excess = total() - width;
      widths[*widest] = std::max(floor, widths[*widest] - std::min(excess, widths[*widest]));
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      const auto cell = fit(cells[i], widths[i]);
      const auto pad = widths[i] - display_width(cell);
      auto shown = cell;
      if (colour) {
        if (header) {
          shown = styled(cell, Style::heading);
        } else if (m_columns[i].kind == Kind::status) {
          shown = styled(cell, status_style(cell));
        }
      }
      if (m_columns[i].align == Align::right) {
        text.append(pad, ' ');
        text += shown;
      } else {
        text += shown;
        if (!last) {
          text.append(pad, ' ');
        }
      }
      if (!last) {
        text += "  ";
      }
    }
    while (!text.empty() && text.back() == ' ') {
      text.pop_back();
    }
    out += text;
    out += '\n';
  };
  std::vector<std::string> header;
  for (const auto& column : m_columns) {
    header.push_back(column.title);
  }
  line(header, true);
  for (const auto& row : m_rows) {
    line(row, false);
  }
  return out;
}

void
write_refs(Json& json, std::string_view key, const ClaimRefs& refs)
{
  json.key(key).begin_array();
  for (const auto id : refs.ids) {
    json.value(id);
  }
  json.end_array();
  if (refs.more > 0) {
    json.field(fmt::format("{}_more", key), refs.more);
  }
}

namespace {

// "quantity": a number, or null for a fixed-points activity.
void
write_quantity(Json& json, const std::optional<Quantity>& quantity)
{
  json.key("quantity");
  if (quantity) {
    json.number(quantity->to_string());
  } else {
    json.null();
  }
}

} // namespace

void
write_claim(Json& json, const Claim& claim)
{
  json.begin_object()
    .field("id", claim.id)
    .field("member", claim.member)
    .field("member_name", claim.member_name)
    .field("activity", claim.activity)
    .field("title", claim.activity_title)
    .field("category", claim.category)
    .field("points", claim.points)
    .field("date", claim.date)
    .field("year", claim.year())
    .field("status", std::string(to_string(claim.status)));
  write_quantity(json, claim.quantity);
  json.field("per", std::string(to_string(claim.unit))).key("note");
  if (claim.note.empty()) {
    json.null();
  } else {
    json.value(claim.note);
  }
  json.field("submitted", local_date(claim.submitted_at))
    .field("decided_by", claim.decided_by)
    .key("decided");
  if (claim.decided_at) {
    json.value(local_date(*claim.decided_at));
  } else {
    json.null();
  }
  json.field("reason", claim.reason).field("attachments", claim.attachments);
  if (claim.evidence_purged) {
    json.field("evidence_purged", *claim.evidence_purged);
  }
  for (const auto& [name, refs] :
       {std::pair{"duplicate_of", &claim.duplicate_of}, std::pair{"same_day", &claim.same_day}}) {
    if (*refs) {
      write_refs(json, name, **refs);
    }
  }
  json.end_object();
}

std::string
claim_flags(const Claim& claim)
{
  std::string flags;
  if (claim.duplicate_of && !claim.duplicate_of->empty()) {
    flags = "same file as " + claim_refs(*claim.duplicate_of);
  }
  if (claim.same_day && !claim.same_day->empty()) {
    flags +=
      (flags.empty() ? "" : "; ") + std::string("also claimed as ") + claim_refs(*claim.same_day);
  }
  return flags;
}

Table
claims_table(const std::vector<Claim>& claims, FilesColumn files)
{
  const bool with_files = files == FilesColumn::yes;
  std::vector<Table::Column> columns{{"ID", Table::Align::right},
                                     {"MEMBER"},
                                     {"ACTIVITY"},
                                     {"DATE"},
                                     {"QUANTITY"},
                                     {"POINTS", Table::Align::right}};
  if (with_files) {
    columns.push_back({"FILES", Table::Align::right});
  }
  columns.push_back({"FLAGS"});
  columns.push_back({"NOTE"});
  Table table(std::move(columns));
  for (const auto& claim : claims) {
    std::vector<std::string> cells{std::to_string(claim.id),
                                   claim.member,
                                   claim.activity,
                                   claim.date.to_string(),
                                   claim_quantity(claim),
                                   claim.points.to_string()};
    if (with_files) {
      cells.push_back(claim.attachments > 0 ? std::to_string(claim.attachments) : "");
    }
    cells.push_back(claim_flags(claim));
    cells.push_back(claim.note);
    table.add_row(std::move(cells));
  }
  return table;
}

std::string
claims_json(const std::vector<Claim>& claims)
{
  return json_array(claims, write_claim);
}

void
write_attachment(Json& json, const AttachmentInfo& info)
{
  json.begin_object()
    .field("id", info.id)
    .field("claim", info.claim_id)
    .field("name", info.name)
    .field("size", info.size)
    .field("media_type", info.media_type)
    .field("sha256", info.sha256);
  if (info.duplicate_of) {
    write_refs(json, "duplicate_of", *info.duplicate_of);
  }
  json.end_object();
}

void
write_statement(Json& json, const CpdStatement& s)
{
  json.field("code", format_statement_code(s.code))
    .field("organisation", s.organisation)
    .field("member", s.member)
    .field("name", s.name)
    .field("year", s.year)
    .field("closed", s.closed)
    .field("quota", s.quota)
    .field("earned", s.earned)
    .field("carried_in", s.carried_in)
    .field("total", s.total)
    .field("remaining", s.remaining)
    .field("standing", std::string(to_string(s.standing)))
    .field("requirement", s.requirement.empty() ? std::nullopt : std::optional(s.requirement))
    .field("short_by", s.short_by.empty() ? std::nullopt : std::optional(s.short_by))
    .field("issued", s.issued)
    .key("activities")
    .begin_array();
  for (const auto& activity : s.activities) {
    json.begin_object()
      .field("claim", activity.claim_id)
      .field("date", activity.date)
      .field("activity", activity.activity)
      .field("title", activity.title);
    write_quantity(json, activity.quantity);
    json.field("unit", std::string(to_string(activity.unit)))
      .field("points", activity.points)
      .end_object();
  }
  json.end_array();
}

void
write_activity(Json& json, const Activity& activity)
{
  json.begin_object()
    .field("code", activity.code)
    .field("title", activity.title)
    .field("points", activity.points)
    .field("per", std::string(to_string(activity.unit)))
    .field("max_points", activity.max_points)
    .field("evidence_required", activity.evidence_required)
    .field("retired", activity.retired)
    .field("category", activity.category)
    .end_object();
}

void
write_entry(Json& json, const Entry& entry)
{
  json.begin_object()
    .field("id", entry.id)
    .field("year", entry.year)
    .field("kind", std::string(to_string(entry.kind)))
    .field("points", entry.points)
    .field("claim", entry.claim_id)
    .field("by", entry.actor)
    .field("date", local_date(entry.at))
    .field("reason", entry.reason)
    .field("category", entry.category)
    .end_object();
}

std::string
local_date(std::int64_t unix_time)
{
  return local(unix_time).date.to_string();
}

std::string
local_time(std::int64_t unix_time)
{
  const auto time = local(unix_time);
  return fmt::format(
    "{} {:02}:{:02}", time.date.to_string(), time.seconds / 3600, time.seconds % 3600 / 60);
}

std::string
rfc3339_time(std::int64_t unix_time)
{
  const auto time = local(unix_time);
  const long minutes = time.offset_minutes < 0 ? -time.offset_minutes : time.offset_minutes;
  return fmt::format("{}T{:02}:{:02}:{:02}{}{:02}:{:02}",
                     time.date.to_string(),
                     time.seconds / 3600,
                     time.seconds % 3600 / 60,
                     time.seconds % 60,
                     time.offset_minutes < 0 ? '-' : '+',
                     minutes / 60,
                     minutes % 60);
}

void
print(std::string_view text)
{
  if (t_reply != nullptr) {
    t_reply->out(text);
  } else {
    write_stdout(text);
  }
}

PrintStream::PrintStream()
  : std::ostream(&m_buffer)
{}

PrintStream::~PrintStream() = default;

PrintStream::Buffer::int_type
PrintStream::Buffer::overflow(int_type c)
{
  if (c != traits_type::eof()) {
    m_pending += static_cast<char>(c);
    if (m_pending.size() >= 65536) {
      sync();
    }
  }
  return c;
}

std::streamsize
PrintStream::Buffer::xsputn(const char* text, std::streamsize size)
{
  m_pending.append(text, static_cast<std::size_t>(size));
  if (m_pending.size() >= 65536) {
    sync();
  }
  return size;
}

int
PrintStream::Buffer::sync()
{
  print(m_pending);
  m_pending.clear();
  return 0;
}

void
write_stdout(std::string_view text)
{
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    if (errno == EPIPE) {
      return; // the reader is gone; close_stdout() in main says nothing of it either
    }
    throw Error(ErrorKind::io, "cannot write to standard output: {}", std::strerror(errno));
  }
}

void
write_stderr(std::string_view text)
{
  // Standard output's own failure is found when it is closed (close_stdout).
  static_cast<void>(std::fflush(stdout));
  // Nothing is left to say where a failure could be said.
  [[maybe_unused]] const auto written = std::fwrite(text.data(), 1, text.size(), stderr);
  static_cast<void>(std::fflush(stderr));
}

void
note(std::string_view text)
{
  const auto line = fmt::format("cpd: note: {}\n", escape_hidden(text, AllowNewlines::no));
  if (t_reply != nullptr) {
    t_reply->err(line);
  } else {
    write_stderr(line);
  }
}

} // namespace cpd::cli
