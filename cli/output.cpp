#include "output.hpp"

#include <cpd/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace cpd::cli {

Table::Table(std::vector<Column> columns)
  : m_columns(std::move(columns))
{
}

void
Table::add_row(std::vector<std::string> cells)
{
  cells.resize(m_columns.size());
  m_rows.push_back(std::move(cells));
}

std::string
Table::render() const
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
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      const auto pad = widths[i] - display_width(cells[i]);
      if (m_columns[i].align == Align::right) {
        text.append(pad, ' ');
        text += cells[i];
      } else {
        text += cells[i];
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
  line(header);
  for (const auto& row : m_rows) {
    line(row);
  }
  return out;
}

void
Json::separate()
{
  if (!m_first) {
    m_text += ',';
  }
  m_first = false;
}

Json&
Json::begin_object()
{
  separate();
  m_text += '{';
  m_first = true;
  return *this;
}

Json&
Json::end_object()
{
  m_text += '}';
  m_first = false;
  return *this;
}

Json&
Json::begin_array()
{
  separate();
  m_text += '[';
  m_first = true;
  return *this;
}

Json&
Json::end_array()
{
  m_text += ']';
  m_first = false;
  return *this;
}

Json&
Json::key(std::string_view name)
{
  separate();
  m_text += json_string(name);
  m_text += ':';
  m_first = true; // the value follows without a comma
  return *this;
}

Json&
Json::value(std::string_view text)
{
  separate();
  m_text += json_string(text);
  return *this;
}

Json&
Json::value(const char* text)
{
  return value(std::string_view(text));
}

Json&
Json::value(const std::string& text)
{
  return value(std::string_view(text));
}

Json&
Json::value(std::int64_t number)
{
  separate();
  m_text += std::to_string(number);
  return *this;
}

Json&
Json::value(int number)
{
  return value(static_cast<std::int64_t>(number));
}

Json&
Json::value(bool flag)
{
  separate();
  m_text += flag ? "true" : "false";
  return *this;
}

Json&
Json::value(Points points)
{
  separate();
  m_text += points.to_string();
  return *this;
}

Json&
Json::value(const Date& date)
{
  return value(date.to_string());
}

Json&
Json::number(std::string_view literal)
{
  separate();
  m_text += literal;
  return *this;
}

Json&
Json::null()
{
  separate();
  m_text += "null";
  return *this;
}

std::string
Json::str() const
{
  return m_text + '\n';
}

void
write_claim(Json& json, const Claim& claim)
{
  json.begin_object()
    .field("id", claim.id)
    .field("member", claim.member)
    .field("member_name", claim.member_name)
    .field("activity", claim.activity)
    .field("title", claim.activity_title)
    .field("points", claim.points)
    .field("date", claim.date)
    .field("year", claim.year())
    .field("status", std::string(to_string(claim.status)));
  json.key("quantity");
  if (claim.quantity) {
    json.number(claim.quantity->to_string());
  } else {
    json.null();
  }
  json.field("unit", std::string(to_string(claim.unit)))
    .field("note", claim.note)
    .field("submitted", local_date(claim.submitted_at))
    .field("decided_by", claim.decided_by)
    .key("decided");
  if (claim.decided_at) {
    json.value(local_date(*claim.decided_at));
  } else {
    json.null();
  }
  json.field("reason", claim.reason).field("attachments", claim.attachments);
  if (claim.duplicate_of) {
    json.key("duplicate_of").begin_array();
    for (const auto id : *claim.duplicate_of) {
      json.value(id);
    }
    json.end_array();
  }
  json.end_object();
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
    .end_object();
}

std::string
local_date(std::int64_t unix_time)
{
  const auto time = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  localtime_r(&time, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void
print(std::string_view text)
{
  std::fwrite(text.data(), 1, text.size(), stdout);
}

} // namespace cpd::cli
