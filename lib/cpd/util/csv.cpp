#include <cpd/util/ascii.hpp>
#include <cpd/util/csv.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <istream>

namespace cpd {

namespace {

constexpr std::size_t k_chunk_bytes = std::size_t{64} * 1024;
constexpr std::string_view k_bom = "\xef\xbb\xbf";

std::string
normalized(std::string_view name)
{
  return ascii::lower(ascii::trim(name));
}

std::string
quoted_list(const std::vector<std::string>& names)
{
  std::string list;
  for (const auto& name : names) {
    if (!list.empty()) {
      list += ", ";
    }
    list += json_string(name);
  }
  return list;
}

} // namespace

CsvReader::CsvReader(std::istream& in, std::string source)
  : m_in(&in)
  , m_source(std::move(source))
{}

CsvReader::CsvReader(std::string_view text, std::string source)
  : m_data(text)
  , m_source(std::move(source))
{}

std::string
CsvReader::where(std::size_t line) const
{
  if (m_source.empty()) {
    return fmt::format("line {}", line);
  }
  return fmt::format("{} line {}", m_source, line);
}

std::string
CsvReader::source() const
{
  return m_source.empty() ? "CSV input" : m_source;
}

void
CsvReader::fail(std::size_t line, std::string_view what) const
{
  throw Error(ErrorKind::bad_input, "{}: {}", where(line), what);
}

std::string_view&
CsvReader::data()
{
  if (m_data.empty() && m_in != nullptr) {
    m_chunk.resize(k_chunk_bytes);
    m_in->read(m_chunk.data(), static_cast<std::streamsize>(m_chunk.size()));
    if (m_in->bad()) {
      throw Error(ErrorKind::io, "{}: reading failed", source());
    }
    m_chunk.resize(static_cast<std::size_t>(m_in->gcount()));
    m_data = m_chunk;
  }
  return m_data;
}

void
CsvReader::end_of_line()
{
  std::string_view& d = data();
  if (d.front() == '\n') {
    d.remove_prefix(1);
    ++m_line;
    return;
  }
  // A CR: only as part of CRLF.
  d.remove_prefix(1);
  if (data().empty() || data().front() != '\n') {
    fail(m_line, "a carriage return not followed by a line feed outside quotes");
  }
  data().remove_prefix(1);
  ++m_line;
}

void
CsvReader::check_utf8(const std::string& field, std::size_t line) const
{
  if (valid_utf8(field)) {
    return;
  }
  // Find the line of the first bad byte; a LF is never inside a sequence.
  std::string_view rest = field;
  for (;;) {
    const auto newline = rest.find('\n');
    if (!valid_utf8(rest.substr(0, newline)) || newline == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(newline + 1);
    ++line;
  }
  fail(line, "text that is not valid UTF-8 (save the file as UTF-8)");
}

std::optional<CsvRecord>
CsvReader::next()
{
  if (!m_started) {
    m_started = true;
    if (data().starts_with(k_bom)) {
      m_data.remove_prefix(k_bom.size());
    }
  }
  // Skip blank lines.
  for (;;) {
    if (data().empty()) {
      return std::nullopt;
    }
    const char c = m_data.front();
    if (c != '\n' && c != '\r') {
      break;
    }
    end_of_line();
  }

  CsvRecord record;
  record.line = m_line;
  std::size_t record_bytes = 0;
  const auto grow = [&](std::size_t bytes) {
    record_bytes += bytes;
    if (record_bytes > k_max_record_bytes) {
      fail(record.line, "a record longer than 1 MiB (is a quote not closed?)");
    }
  };

  for (;;) {
    std::string field;
    const std::size_t field_line = m_line;
    if (!data().empty() && m_data.front() == '"') {
      m_data.remove_prefix(1);
      for (;;) {
        std::string_view& d = data();
        if (d.empty()) {
          fail(field_line, "a quoted field is not closed before the end of the input");
        }
        const auto stop = std::min(d.find_first_of("\"\n"), d.size());
        grow(stop);
        field.append(d.substr(0, stop));
        d.remove_prefix(stop);
        if (d.empty()) {
          continue;
        }
        if (d.front() == '\n') {
          grow(1);
          field += '\n';
          d.remove_prefix(1);
          ++m_line;
          continue;
        }
        d.remove_prefix(1); // a quote: doubled, or the closing one
        if (!data().empty() && m_data.front() == '"') {
          grow(1);
          field += '"';
          m_data.remove_prefix(1);
          continue;
        }
        break;
      }
      if (!data().empty()) {
        const char c = m_data.front();
        if (c != ',' && c != '\n' && c != '\r') {
          fail(m_line, "text after the closing quote of a field");
        }
      }
    } else {
      for (;;) {
        std::string_view& d = data();
        const auto stop = std::min(d.find_first_of(",\"\r\n"), d.size());
        grow(stop);
        field.append(d.substr(0, stop));
        d.remove_prefix(stop);
        if (d.empty()) {
          if (data().empty()) {
            break; // end of input
          }
          continue;
        }
        if (d.front() == '"') {
          fail(m_line,
               "a quote inside an unquoted field (quote the whole field and "
               "double the quotes inside it)");
        }
        break;
      }
    }
    check_utf8(field, field_line);
    record.fields.push_back(std::move(field));

    if (data().empty()) {
      break;
    }
    if (m_data.front() == ',') {
      grow(1);
      m_data.remove_prefix(1);
      continue;
    }
    end_of_line();
    break;
  }
  return record;
}

std::string
CsvRow::where() const
{
  return m_table->m_reader->where(line());
}

const std::string&
CsvRow::operator[](std::string_view name) const
{
  static const std::string k_empty;
  const auto& column = m_table->column(name);
  if (!column.index) {
    return k_empty;
  }
  return m_record.fields[*column.index];
}

CsvTable::CsvTable(CsvReader& reader,
                   const std::vector<std::string>& required,
                   const std::vector<std::string>& optional)
  : m_reader(&reader)
{
  std::string expected;
  for (const auto& name : required) {
    expected += (expected.empty() ? "" : ", ") + name;
  }
  if (!optional.empty()) {
    std::string rest;
    for (const auto& name : optional) {
      rest += (rest.empty() ? "" : ", ") + name;
    }
    expected += fmt::format("{}(optional: {})", expected.empty() ? "" : " ", rest);
  }

  auto header = reader.next();
  if (!header) {
    throw Error(
      ErrorKind::bad_input, "{}: no header row; expected columns {}", reader.source(), expected);
  }
  const std::size_t line = header->line;
  m_width = header->fields.size();

  for (const auto& name : required) {
    m_columns.push_back({name, normalized(name), std::nullopt});
  }
  for (const auto& name : optional) {
    m_columns.push_back({name, normalized(name), std::nullopt});
  }

  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < header->fields.size(); ++i) {
    const std::string key = normalized(header->fields[i]);
    const auto known = std::find_if(
      m_columns.begin(), m_columns.end(), [&](const Column& c) { return c.key == key; });
    if (known == m_columns.end()) {
      unknown.push_back(header->fields[i]);
      continue;
    }
    if (known->index) {
      throw Error(ErrorKind::bad_input,
                  "{}: column {} appears twice",
                  reader.where(line),
                  json_string(known->name));
    }
    known->index = i;
  }

  std::vector<std::string> missing;
  for (std::size_t i = 0; i < required.size(); ++i) {
    if (!m_columns[i].index) {
      missing.push_back(m_columns[i].name);
    }
  }
  if (!missing.empty()) {
    throw Error(ErrorKind::bad_input,
                "{}: missing column{} {}; expected columns {}",
                reader.where(line),
                missing.size() == 1 ? "" : "s",
                quoted_list(missing),
                expected);
  }
  if (!unknown.empty()) {
    throw Error(ErrorKind::bad_input,
                "{}: unknown column{} {}; expected columns {}",
                reader.where(line),
                unknown.size() == 1 ? "" : "s",
                quoted_list(unknown),
                expected);
  }
}

const CsvTable::Column&
CsvTable::column(std::string_view name) const
{
  const std::string key = normalized(name);
  for (const auto& c : m_columns) {
    if (c.key == key) {
      return c;
    }
  }
  throw Error(ErrorKind::internal, "CSV column {} was not declared", json_string(name));
}

bool
CsvTable::has_column(std::string_view name) const
{
  return column(name).index.has_value();
}

std::string
CsvTable::column_name(std::size_t index) const
{
  for (const auto& column : m_columns) {
    if (column.index == index) {
      return column.name;
    }
  }
  return std::to_string(index + 1);
}

std::optional<CsvRow>
CsvTable::next()
{
  for (;;) {
    auto record = m_reader->next();
    if (!record) {
      return std::nullopt;
    }
    if (std::all_of(record->fields.begin(), record->fields.end(), [](const std::string& f) {
          return f.empty();
        })) {
      continue;
    }
    if (record->fields.size() != m_width) {
      throw Error(ErrorKind::bad_input,
                  "{}: {} field{} where the header has {}",
                  m_reader->where(record->line),
                  record->fields.size(),
                  record->fields.size() == 1 ? "" : "s",
                  m_width);
    }
    // What a terminal would obey or hide has no place in a cell; line
    // breaks and tabs inside quotes are for whatever reads the cell.
    for (std::size_t i = 0; i < record->fields.size(); ++i) {
      std::string plain = record->fields[i];
      std::replace(plain.begin(), plain.end(), '\r', '\n');
      if (const auto found = first_control_character(plain, AllowNewlines::yes); !found.empty()) {
        throw Error(ErrorKind::bad_input,
                    "{}, column {}: {} is a control, bidi or invisible character, which would "
                    "show as something else; retype the cell",
                    m_reader->where(record->line),
                    column_name(i),
                    found);
      }
    }
    return CsvRow(*this, std::move(*record));
  }
}

std::string
csv_field(std::string_view field)
{
  const bool needs_quotes = field.find_first_of(",\"\r\n") != std::string_view::npos
                            || field.starts_with(k_bom) // else a reader would skip it as a BOM
                            || (!field.empty()
                                && (field.front() == ' ' || field.front() == '\t'
                                    || field.back() == ' ' || field.back() == '\t'));
  if (!needs_quotes) {
    return std::string(field);
  }
  std::string out;
  out.reserve(field.size() + 2);
  out += '"';
  for (const char c : field) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string
csv_text(std::string_view text)
{
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    return "'" + std::string(text);
  }
  return std::string(text);
}

std::string
csv_row(const std::vector<std::string>& fields)
{
  if (fields.size() == 1 && fields.front().empty()) {
    return "\"\"\r\n";
  }
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      row += ',';
    }
    row += csv_field(fields[i]);
  }
  row += "\r\n";
  return row;
}

} // namespace cpd
