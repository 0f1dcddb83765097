#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cpd::mail {

// The widest line of a mail's body, once its values are filled in: a
// paragraph with a wider line is wrapped again, to k_mail_wrap_width.
inline constexpr std::size_t k_mail_line_width = 78;

// The width prose in a mail is wrapped to.
inline constexpr std::size_t k_mail_wrap_width = 72;

// A mail text with its placeholders filled in.
struct Rendered
{
  std::string subject;
  std::string body; // \n line ends
};

// A mail template parsed once, to fill in many times.
class Template
{
public:
  // Parses a template (see render()); throws ErrorKind::config like it.
  static Template parse(std::string_view template_name, std::string_view template_text);

  // Fills in the placeholders; throws ErrorKind::config for one that
  // `values` lacks.
  Rendered render(const std::map<std::string, std::string>& values) const;

  // The placeholder names it uses.
  std::set<std::string> placeholders() const;

private:
  struct Piece
  {
    std::string text; // literal text, or the placeholder's name
    int line = 0;     // a placeholder's line; 0 for literal text
  };

  std::string render_section(const std::vector<Piece>& pieces,
                             const std::map<std::string, std::string>& values) const;

  std::string m_name;
  std::vector<Piece> m_subject;
  std::vector<Piece> m_body;
};

// Fills in a mail template. The first line is "Subject: ...", then a blank
// line, then the body; `{name}` anywhere is replaced by values.at("name")
// verbatim, "{{" and "}}" stand for literal braces. Throws
// ErrorKind::config naming the template ("template NAME: unknown placeholder
// {x}") for an unknown placeholder, a stray brace or a missing Subject line.
Rendered render(std::string_view template_name,
                std::string_view template_text,
                const std::map<std::string, std::string>& values);

// The placeholder names a template uses, to check an administrator's
// template against the values a mail provides. Throws like render().
std::set<std::string> placeholders(std::string_view template_name, std::string_view template_text);

// Declares the placeholders the mail template `template_name` is given;
// the mail layer declares each of its templates' (see
// cpd/mail/template_facts.hpp) before the program starts.
void declare_placeholders(std::string_view template_name, std::vector<std::string> names);

// Checks the text of the template `name` against the placeholders declared
// for it; throws ErrorKind::config naming `where` and the first bad one
// (ErrorKind::internal for a template none were declared for).
void validate_template(std::string_view name, std::string_view text, std::string_view where);

} // namespace cpd::mail
