#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpd {

// One CSV record: the line where it starts (1-based) and its fields, unquoted.
struct CsvRecord
{
  std::size_t line = 0;
  std::vector<std::string> fields;
};

// An RFC 4180 reader: fields may be quoted ("" is a quote inside quotes, and
// quoted fields may hold commas, CR and LF); records end with CRLF or LF, the
// last one possibly at the end of the input; a leading UTF-8 BOM and blank
// lines are skipped. Malformed input (a quote in an unquoted field, text after
// a closing quote, an unclosed quote, a bare CR outside quotes, invalid UTF-8,
// a record over 1 MiB) throws cpd::Error (bad_input) naming the line.
class CsvReader
{
public:
  // Reads from `in`, which must outlive the reader. `source` (a file name)
  // starts error messages: "members.csv line 7: ...".
  explicit CsvReader(std::istream& in, std::string source = {});

  // Reads `text`, which must outlive the reader.
  explicit CsvReader(std::string_view text, std::string source = {});

  // The next record, or nothing at the end of the input.
  std::optional<CsvRecord> next();

  // "members.csv line 7" (or "line 7" without a source), to start a message.
  std::string where(std::size_t line) const;

  // The source given to the constructor, or "CSV input" without one.
  std::string source() const;

  static constexpr std::size_t k_max_record_bytes = 1 << 20;

private:
  // The unread bytes, refilled from the stream when empty; empty at the end.
  std::string_view& data();
  [[noreturn]] void fail(std::size_t line, std::string_view what) const;
  void end_of_line(); // after a CR or LF outside quotes
  void check_utf8(const std::string& field, std::size_t line) const;

  std::istream* m_in = nullptr;
  std::string m_chunk;
  std::string_view m_data;
  std::string m_source;
  std::size_t m_line = 1;
  bool m_started = false;
};

class CsvTable;

// A data row of a CsvTable; valid while its table and reader live.
class CsvRow
{
public:
  std::size_t
  line() const
  {
    return m_record.line;
  }

  // "members.csv line 7", to start an error message about this row.
  std::string where() const;

  // The field in column `name` (matched ignoring ASCII case), which must be
  // one the table was built with; "" for an optional column the file lacks.
  // Any other name throws cpd::Error (internal).
  const std::string& operator[](std::string_view name) const;

  // The fields in the file's column order.
  const std::vector<std::string>&
  fields() const
  {
    return m_record.fields;
  }

private:
  friend class CsvTable;
  CsvRow(const CsvTable& table, CsvRecord record)
    : m_table(&table)
    , m_record(std::move(record))
  {}

  const CsvTable* m_table;
  CsvRecord m_record;
};

// A CSV file with a header row whose columns are found by name, ignoring
// ASCII case and surrounding blanks, in any order. Throws bad_input when the
// header is missing, repeats a column, lacks a required column (naming all
// missing ones) or has one that is neither required nor optional (listing
// the expected ones), for a row with the wrong number of fields, and for a
// cell with a hidden character (see hidden_character; line breaks and tabs
// may be in quotes), naming its line and column.
class CsvTable
{
public:
  // Reads the header from `reader`, which must outlive the table.
  CsvTable(CsvReader& reader,
           const std::vector<std::string>& required,
           const std::vector<std::string>& optional = {});

  // The next data row, or nothing at the end. Rows whose fields are all
  // empty (",,," from spreadsheets) are skipped.
  std::optional<CsvRow> next();

  // Whether the file has column `name` (always true for required ones).
  bool has_column(std::string_view name) const;

private:
  friend class CsvRow;

  struct Column
  {
    std::string name; // as given, for messages
    std::string key;  // lower case
    std::optional<std::size_t> index;
  };

  const Column& column(std::string_view name) const;
  // The name of the column at `index` in the file, for messages.
  std::string column_name(std::size_t index) const;

  CsvReader* m_reader;
  std::vector<Column> m_columns;
  std::size_t m_width = 0; // fields in each row
};

// `field` as one CSV field: quoted (with quotes doubled) when it holds a
// comma, quote, CR or LF, starts or ends with a space or tab, or starts with
// a UTF-8 BOM.
std::string csv_field(std::string_view field);

// A text cell for a spreadsheet: one that starts with '=', '+', '-', '@', a
// tab or a CR gets an apostrophe before it, as OWASP recommends, so that a
// spreadsheet shows it as text and never runs it as a formula. For text a
// member wrote (notes, names, reasons), never for numbers.
std::string csv_text(std::string_view text);

// The fields as one CSV record ending in CRLF. A single empty field is
// written "" so that readers do not take it for a blank line.
std::string csv_row(const std::vector<std::string>& fields);

} // namespace cpd
