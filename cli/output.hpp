#pragma once

#include "session.hpp"

#include <cpd/claims/claims.hpp>
#include <cpd/claims/evidence.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/protocol.hpp>
#include <cpd/util/timezone.hpp>
#include <cpd/year/statement.hpp>

#include <cstdint>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace cpd::cli {

// How text for people is shown on a terminal; nothing of it when piped.
enum class Style { plain, heading, good, warning, bad, dim };

// While alive, print() and note() on this thread go to `reply`, and text is
// shaped for `terminal`: a command's answer, here or for a client. Times
// are shown in the zone show_times_in() gave it.
class ReplyScope
{
public:
  ReplyScope(Reply& reply, const protocol::Terminal& terminal);
  ReplyScope(const ReplyScope&) = delete;
  ReplyScope& operator=(const ReplyScope&) = delete;
  ~ReplyScope();

private:
  Reply* m_reply;
  protocol::Terminal m_terminal;
  std::shared_ptr<const TimeZone> m_zone;
};

// This process's terminal: which streams are terminals, the width of
// standard output, and colour (never with NO_COLOR set non-empty).
protocol::Terminal local_terminal();

// True when the answer's standard output is a terminal.
bool stdout_is_terminal();

// The terminal's width in columns; 0 when stdout is not a terminal or the
// width is unknown.
std::size_t terminal_columns();

// Colour on standard output.
bool colour_enabled();

// `text` in the style, with escape codes only when colour is enabled.
std::string paint(std::string_view text, Style style);

// The style of a status word: approved and compliant are good, pending and
// queued a warning, declined, short and failed bad.
Style status_style(std::string_view word);

// `text` cut to `width` terminal columns, ending in an ellipsis when cut.
std::string fit(std::string_view text, std::size_t width);

// A table for people: a header row and aligned columns. On a terminal it is
// fitted to the width by shortening the widest text column, and status
// columns are coloured; piped, every cell is printed whole and plain.
class Table
{
public:
  enum class Align { left, right };
  enum class Kind { text, status };

  struct Column
  {
    std::string title;
    Align align = Align::left;
    Kind kind = Kind::text;
  };

  explicit Table(std::vector<Column> columns);

  // A row; newlines and tabs in a cell are shown as ↵ and ⇥.
  void add_row(std::vector<std::string> cells);

  bool
  empty() const
  {
    return m_rows.empty();
  }

  // The table as text, each line ending in '\n'; the last column is not
  // padded. Fitted to the terminal and coloured as described above.
  std::string render() const;

  // The table at most `width` columns wide (0: any width), with or without colour.
  std::string render(std::size_t width, bool colour) const;

private:
  std::vector<Column> m_columns;
  std::vector<std::vector<std::string>> m_rows;
};

// `items` as a JSON array, ready to print: `write(json, item)` writes each.
template<typename Items, typename Write>
std::string
json_array(const Items& items, Write write)
{
  Json json;
  json.begin_array();
  for (const auto& item : items) {
    write(json, item);
  }
  json.end_array();
  return json.str();
}

// A claim as a JSON object (the fields the man page documents).
void write_claim(Json& json, const Claim& claim);

// "KEY": [first ids], and "KEY_more": N when there are more.
void write_refs(Json& json, std::string_view key, const ClaimRefs& refs);

// What a secretary should look at twice: "same file as #2; also claimed as
// #5" ("" for none).
std::string claim_flags(const Claim& claim);

// Whether a claims table shows how many files each claim has.
enum class FilesColumn { no, yes };

// Claims as a table for the secretary: ID, MEMBER, ACTIVITY, DATE, QUANTITY,
// POINTS, (FILES,) FLAGS, NOTE.
Table claims_table(const std::vector<Claim>& claims, FilesColumn files);

// Claims as a JSON array, ready to print.
std::string claims_json(const std::vector<Claim>& claims);

// A file attached to a claim as a JSON object (without its bytes).
void write_attachment(Json& json, const AttachmentInfo& info);

// A statement's fields, inside a JSON object being written.
void write_statement(Json& json, const CpdStatement& statement);

// An activity of the points table as a JSON object.
void write_activity(Json& json, const Activity& activity);

// A ledger entry as a JSON object.
void write_entry(Json& json, const Entry& entry);

// Shows recorded instants in `zone` (the scheme's) on this thread, until
// the ReplyScope around it ends; none: in the host's zone.
void show_times_in(std::shared_ptr<const TimeZone> zone);

// The local civil date of an instant, YYYY-MM-DD.
std::string local_date(std::int64_t unix_time);

// The local time of an instant to the minute, YYYY-MM-DD HH:MM.
std::string local_time(std::int64_t unix_time);

// An instant in RFC 3339 local time with its offset,
// YYYY-MM-DDTHH:MM:SS+HH:MM, for JSON.
std::string rfc3339_time(std::int64_t unix_time);

// Writes text to the answer's standard output.
void print(std::string_view text);

// An output stream onto print(), for library functions that write to a
// stream; flush() before it goes.
class PrintStream : public std::ostream
{
public:
  PrintStream();
  PrintStream(const PrintStream&) = delete;
  PrintStream& operator=(const PrintStream&) = delete;
  ~PrintStream() override;

private:
  class Buffer : public std::streambuf
  {
  protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* text, std::streamsize size) override;
    int sync() override;

  private:
    std::string m_pending;
  };
  Buffer m_buffer;
};

// Writes "cpd: note: TEXT" to the answer's standard error.
void note(std::string_view text);

// Write to this process's standard output or error; a failed write throws
// ErrorKind::io (standard output) or is ignored (standard error, where the
// error would go).
void write_stdout(std::string_view text);
void write_stderr(std::string_view text);

} // namespace cpd::cli
