#include <cpd/transport/template.hpp>
#include <cpd/util/ascii.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace cpd::mail {

namespace {

// The placeholders each mail template is given, by its name (see
// declare_placeholders()).
std::map<std::string, std::vector<std::string>, std::less<>>&
declared_placeholders()
{
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
  static std::map<std::string, std::vector<std::string>, std::less<>> declared;
  return declared;
}

} // namespace

namespace {

bool
is_name_start(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool
is_name_char(char c)
{
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

bool
valid_name(std::string_view name)
{
  if (name.empty() || !is_name_start(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), is_name_char);
}

// Text with CRLF line ends (a template edited on Windows) read as \n.
std::string
normalize_newlines(std::string_view text)
{
  if (text.find('\r') == std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    }
    out += text[i];
  }
  return out;
}

// One part of a template: its text and the line it starts on, for errors.
struct Section
{
  std::string_view text;
  int first_line;
};

struct Parts
{
  Section subject;
  Section body;
};

Parts
split(std::string_view name, std::string_view text)
{
  constexpr std::string_view k_bom = "\xEF\xBB\xBF";
  if (text.substr(0, k_bom.size()) == k_bom) {
    text.remove_prefix(k_bom.size());
  }
  const std::size_t first_end = text.find('\n');
  std::string_view first = text.substr(0, first_end);
  constexpr std::string_view k_subject = "Subject:";
  if (first.substr(0, k_subject.size()) != k_subject) {
    throw Error(ErrorKind::config, "template {}: the first line must be \"Subject: ...\"", name);
  }
  first = ascii::trim(first.substr(k_subject.size()));
  if (first_end == std::string_view::npos || first_end + 1 == text.size()) {
    return {{first, 1}, {{}, 2}};
  }
  const std::size_t second_end = text.find('\n', first_end + 1);
  const std::string_view second = text.substr(
    first_end + 1,
    second_end == std::string_view::npos ? std::string_view::npos : second_end - first_end - 1);
  if (!ascii::trim(second).empty()) {
    throw Error(ErrorKind::config,
                "template {}: line 2 must be blank, between the Subject line and the body",
                name);
  }
  const std::string_view body =
    second_end == std::string_view::npos ? std::string_view() : text.substr(second_end + 1);
  return {{first, 1}, {body, 3}};
}

// Walks a section, handing literal text and placeholder names to `on_text`
// and `on_placeholder`.
void
scan(std::string_view template_name,
     const Section& section,
     const std::function<void(std::string_view)>& on_text,
     const std::function<void(std::string_view, int)>& on_placeholder)
{
  const std::string_view text = section.text;
  int line = section.first_line;
  std::size_t literal_start = 0;
  const auto flush = [&](std::size_t end) {
    if (end > literal_start) {
      on_text(text.substr(literal_start, end - literal_start));
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '{' || c == '}') {
      flush(i);
      if (i + 1 < text.size() && text[i + 1] == c) {
        on_text(text.substr(i, 1));
        ++i;
      } else if (c == '}') {
        throw Error(ErrorKind::config,
                    "template {}: unbalanced }} on line {}; write }}}} for a literal brace",
                    template_name,
                    line);
      } else {
        const std::size_t close = text.find_first_of("}\n", i + 1);
        if (close == std::string_view::npos || text[close] != '}') {
          throw Error(ErrorKind::config,
                      "template {}: unclosed {{ on line {}; write {{{{ for a literal brace",
                      template_name,
                      line);
        }
        const std::string_view name = text.substr(i + 1, close - i - 1);
        if (!valid_name(name)) {
          throw Error(ErrorKind::config,
                      "template {}: {{{}}} on line {} is not a placeholder; names are "
                      "letters, digits, '_' and '.', and {{{{ is a literal brace",
                      template_name,
                      name,
                      line);
        }
        on_placeholder(name, line);
        i = close;
      }
      literal_start = i + 1;
    }
  }
  flush(text.size());
}

} // namespace

Template
Template::parse(std::string_view template_name, std::string_view template_text)
{
  const std::string text = normalize_newlines(template_text);
  const Parts parts = split(template_name, text);
  Template parsed;
  parsed.m_name = template_name;
  for (auto [section, pieces] :
       {std::pair{parts.subject, &parsed.m_subject}, std::pair{parts.body, &parsed.m_body}}) {
    scan(
      template_name,
      section,
      [pieces = pieces](std::string_view literal) {
        if (!pieces->empty() && pieces->back().line == 0) {
          pieces->back().text += literal;
        } else {
          pieces->push_back({std::string(literal), 0});
        }
      },
      [pieces = pieces](std::string_view name, int line) {
        pieces->push_back({std::string(name), line});
      });
  }
  return parsed;
}

std::string
Template::render_section(const std::vector<Piece>& pieces,
                         const std::map<std::string, std::string>& values) const
{
  std::string out;
  for (const Piece& piece : pieces) {
    if (piece.line == 0) {
      out += piece.text;
      continue;
    }
    const auto found = values.find(piece.text);
    if (found == values.end()) {
      std::string known;
      for (const auto& [key, value] : values) {
        known += fmt::format("{}{{{}}}", known.empty() ? "" : ", ", key);
      }
      throw Error(ErrorKind::config,
                  "template {}: unknown placeholder {{{}}} on line {} (known: {})",
                  m_name,
                  piece.text,
                  piece.line,
                  known.empty() ? "none" : known);
    }
    // What members wrote arrives here: shown, never obeyed.
    out += escape_hidden(found->second, AllowNewlines::yes);
  }
  return out;
}

Rendered
Template::render(const std::map<std::string, std::string>& values) const
{
  // Wrapped once the values are in, so that no line of the body is wider
  // than a mail reader shows.
  return {render_section(m_subject, values),
          fold_long_lines(render_section(m_body, values), k_mail_line_width, k_mail_wrap_width)};
}

std::set<std::string>
Template::placeholders() const
{
  std::set<std::string> names;
  for (const auto* pieces : {&m_subject, &m_body}) {
    for (const Piece& piece : *pieces) {
      if (piece.line != 0) {
        names.insert(piece.text);
      }
    }
  }
  return names;
}

Rendered
render(std::string_view template_name,
       std::string_view template_text,
       const std::map<std::string, std::string>& values)
{
  return Template::parse(template_name, template_text).render(values);
}

std::set<std::string>
placeholders(std::string_view template_name, std::string_view template_text)
{
  return Template::parse(template_name, template_text).placeholders();
}

void
declare_placeholders(std::string_view template_name, std::vector<std::string> names)
{
  declared_placeholders().insert_or_assign(std::string(template_name), std::move(names));
}

void
validate_template(std::string_view name, std::string_view text, std::string_view where)
{
  const auto& all = declared_placeholders();
  const auto declared = all.find(name);
  if (declared == all.end()) {
    throw Error(ErrorKind::internal, "template {}: no mail declares its placeholders", where);
  }
  const auto& known = declared->second;
  for (const auto& used : placeholders(name, text)) {
    if (std::find(known.begin(), known.end(), used) == known.end()) {
      throw Error(ErrorKind::config, "template {}: unknown placeholder {{{}}}", where, used);
    }
  }
}

} // namespace cpd::mail
