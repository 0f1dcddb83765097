#pragma once

#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// JSON as cpd writes it: for --json, exports, and quoting in messages.
namespace cpd {

// `text` as a quoted JSON string: \" \\ \b \f \n \r \t, \u00XX for the other
// controls and DEL; valid UTF-8 passes through, each invalid byte becomes
// U+FFFD, so the result is always valid JSON.
std::string json_string(std::string_view text);

// A JSON document built in order: objects, arrays and values.
class Json
{
public:
  Json& begin_object();
  Json& end_object();
  Json& begin_array();
  Json& end_array();
  Json& key(std::string_view name);
  Json& value(std::string_view text);
  Json& value(const char* text);
  Json& value(const std::string& text);
  Json& value(std::int64_t number);
  Json& value(int number);
  Json& value(bool flag);
  Json& value(Points points);
  Json& value(const Date& date);
  Json& null();
  // A number already written as JSON, e.g. Quantity::to_string().
  Json& number(std::string_view literal);

  template<typename T>
  Json&
  field(std::string_view name, const T& v)
  {
    key(name);
    return value(v);
  }

  template<typename T>
  Json&
  field(std::string_view name, const std::optional<T>& v)
  {
    key(name);
    return v ? value(*v) : null();
  }

  // The document with a final newline: one line of JSON.
  std::string str() const;

  // The text written since the last take(), which then starts afresh: a
  // long array is printed while it is written. After the last take(),
  // str() gives the rest with the final newline.
  std::string take();

private:
  void separate();

  std::string m_text;
  bool m_first = true;
};

} // namespace cpd
