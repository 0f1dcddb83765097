#include <cpd/util/json.hpp>
#include <cpd/util/utf8.hpp>

#include <fmt/format.h>

#include <utility>

namespace cpd {

std::string
json_string(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto d = utf8::decode(text, pos);
    if (d.status != utf8::Status::ok) {
      out += "\xef\xbf\xbd"; // U+FFFD
      ++pos;
      continue;
    }
    switch (d.code_point) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (d.code_point < 0x20 || d.code_point == 0x7f) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned>(d.code_point));
      } else {
        out.append(text.substr(pos, d.length));
      }
    }
    pos += d.length;
  }
  out += '"';
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

std::string
Json::take()
{
  return std::exchange(m_text, std::string());
}

} // namespace cpd
