#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace cpd::mail {

// A mail text with its placeholders filled in.
struct Rendered
{
  std::string subject;
  std::string body; // \n line ends
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
std::set<std::string> placeholders(std::string_view template_name,
                                   std::string_view template_text);

} // namespace cpd::mail
