#include <cpd/transport/template.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <string>

using cpd::ErrorKind;
using cpd::mail::placeholders;
using cpd::mail::render;

namespace {

// The message of the cpd::Error that rendering throws; fails the test when
// it throws nothing or another kind.
std::string
render_error(std::string_view text, const std::map<std::string, std::string>& values = {})
{
  try {
    render("claim_approved", text, values);
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::config);
    return e.what();
  }
  FAIL("render accepted " << text);
  return {};
}

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("render fills the subject and the body")
{
  const auto rendered = render("claim_approved",
                               "Subject: {points} points added for {activity}\n"
                               "\n"
                               "Dear {name},\n"
                               "\n"
                               "{points} points were added; your total is {total}.\n"
                               "You only require {remaining} more points by {deadline}.\n",
                               {{"points", "5"},
                                {"activity", "IIMS training day"},
                                {"name", "Zoë Ångström"},
                                {"total", "8.5"},
                                {"remaining", "1.5"},
                                {"deadline", "31 December 2024"},
                                {"unused", "ignored"}});
  CHECK(rendered.subject == "5 points added for IIMS training day");
  CHECK(rendered.body
        == "Dear Zoë Ångström,\n"
           "\n"
           "5 points were added; your total is 8.5.\n"
           "You only require 1.5 more points by 31 December 2024.\n");
}

TEST_CASE("render inserts values once, with controls and bidi marks written out")
{
  // A value that looks like a placeholder or holds braces stays as it is;
  // what a terminal or mail reader would obey is shown instead.
  const auto rendered =
    render("t",
           "Subject: Re: {note}\n\n{note} / {reason}\n",
           {{"note", "{reason} }{ {{x}}"}, {"reason", "Bob\r\nBcc: x@y \u202egpj.exe\xc2\x9b"}});
  CHECK(rendered.subject == "Re: {reason} }{ {{x}}");
  CHECK(rendered.body == "{reason} }{ {{x}} / Bob\\r\nBcc: x@y \\u202egpj.exe\\u009b\n");
}

TEST_CASE("render: double braces are literal braces")
{
  const auto rendered =
    render("t", "Subject: {{literal}} {x}\n\nset {{a}} to {x}: {{{x}}} }} {{\n", {{"x", "1"}});
  CHECK(rendered.subject == "{literal} 1");
  CHECK(rendered.body == "set {a} to 1: {1} } {\n");
}

TEST_CASE("render: layout of the Subject line and the body")
{
  SUBCASE("CRLF line ends and a byte-order mark are accepted")
  {
    const auto rendered =
      render("t", "\xEF\xBB\xBFSubject:  Hello {x}  \r\n\r\nline 1\r\nline 2\r\n", {{"x", "you"}});
    CHECK(rendered.subject == "Hello you");
    CHECK(rendered.body == "line 1\nline 2\n");
  }
  SUBCASE("the body may be empty")
  {
    CHECK(render("t", "Subject: only", {}).body.empty());
    CHECK(render("t", "Subject: only\n", {}).body.empty());
    CHECK(render("t", "Subject: only\n\n", {}).body.empty());
  }
  SUBCASE("the blank line may hold spaces; the body keeps its own blank lines")
  {
    const auto rendered = render("t", "Subject: s\n  \n\nbody\n\n", {});
    CHECK(rendered.subject == "s");
    CHECK(rendered.body == "\nbody\n\n");
  }
  SUBCASE("a template must start with the Subject line")
  {
    for (const char* text : {"",
                             "Hello\n\nbody",
                             "subject: x\n\nbody",
                             " Subject: x\n\nbody",
                             "\nSubject: x\n\nbody"}) {
      CAPTURE(text);
      const std::string error = render_error(text);
      CHECK(contains(error, "template claim_approved: "));
      CHECK(contains(error, "Subject"));
    }
  }
  SUBCASE("the Subject line must be followed by a blank line")
  {
    const std::string error = render_error("Subject: x\nbody\n");
    CHECK(contains(error, "template claim_approved: line 2 must be blank"));
  }
}

TEST_CASE("render refuses unknown placeholders and stray braces, naming the template")
{
  std::string error = render_error("Subject: s\n\nDear {nmae},\n", {{"name", "Jane"}});
  CHECK(contains(error, "template claim_approved: unknown placeholder {nmae}"));
  CHECK(contains(error, "line 3"));
  CHECK(contains(error, "{name}"));

  error = render_error("Subject: {who}\n\nbody\n", {{"name", "Jane"}});
  CHECK(contains(error, "template claim_approved: unknown placeholder {who}"));
  CHECK(contains(error, "line 1"));

  error = render_error("Subject: s\n\nx\n{x\n}\n", {{"x", "1"}});
  CHECK(contains(error, "template claim_approved: unclosed { on line 4"));
  error = render_error("Subject: s\n\nend {", {{"x", "1"}});
  CHECK(contains(error, "unclosed {"));
  error = render_error("Subject: s\n\na } b\n", {});
  CHECK(contains(error, "template claim_approved: unbalanced } on line 3"));
  error = render_error("Subject: a}\n\nb\n", {});
  CHECK(contains(error, "unbalanced }"));
  for (const char* text : {"Subject: s\n\n{}\n",
                           "Subject: s\n\n{ x }\n",
                           "Subject: s\n\n{1x}\n",
                           "Subject: s\n\n{a{b}\n",
                           "Subject: s\n\n{a-b}\n"}) {
    CAPTURE(text);
    error = render_error(text, {{"x", "1"}, {"1x", "2"}, {"a-b", "3"}});
    CHECK(contains(error, "template claim_approved: "));
    CHECK(contains(error, "is not a placeholder"));
  }
  // Errors come from the template, not from values holding braces.
  CHECK_NOTHROW(render("t", "Subject: {a}\n\n{a}", {{"a", "}{"}}));
}

TEST_CASE("placeholders lists the names a template uses")
{
  CHECK(placeholders("t", "Subject: {a} {b}\n\n{{c}} {a} {member.name}\n")
        == std::set<std::string>{"a", "b", "member.name"});
  CHECK(placeholders("t", "Subject: none\n\nnone {{here}}\n").empty());
  CHECK_THROWS_AS(placeholders("t", "no subject"), cpd::Error);
  CHECK_THROWS_AS(placeholders("t", "Subject: x\n\n{bad"), cpd::Error);
}

TEST_CASE("render: the body is wrapped after the values are in, no line over 78 columns")
{
  const std::string title = "Advanced hydrographic survey methods for harbour approaches and "
                            "inland waterways (per day attended)";
  const auto body = render("t",
                           "Subject: {title}\n\n"
                           "Dear Ann,\n\n"
                           "Your claim #3 for {title} on 1 March 2017 has been verified:\n"
                           "your record is credited.\n\n"
                           "  #3  Ann Surveyor (ann): {title}, 1 March 2017: 15 points\n"
                           "  #4  short line\n\n"
                           "    > {title} {title}\n"
                           "A line that fits stays as it is, even beside a long paragraph.\n",
                           {{"title", title}})
                      .body;
  std::size_t start = 0;
  while (start < body.size()) {
    const auto end = body.find('\n', start);
    CHECK_MESSAGE(end - start <= 78, body.substr(start, end - start));
    start = end + 1;
  }
  // The paragraph is wrapped again whole, to 72 columns, every word kept.
  CHECK(body.find("Your claim #3 for Advanced hydrographic survey methods for harbour\n"
                  "approaches and inland waterways (per day attended) on 1 March 2017 has\n"
                  "been verified: your record is credited.\n")
        != std::string::npos);
  // A list's item is broken alone, under itself; the next item is untouched.
  CHECK(body.find("  #3  Ann Surveyor (ann): Advanced hydrographic survey methods for\n"
                  "      harbour approaches and inland waterways (per day attended), 1\n"
                  "      March 2017: 15 points\n  #4  short line\n")
        != std::string::npos);
  // A quoted note stays a quote on every line.
  CHECK(body.find("\n    > Advanced hydrographic survey methods for harbour approaches and\n"
                  "    > inland waterways")
        != std::string::npos);
  CHECK(body.ends_with("\nA line that fits stays as it is, even beside a long paragraph.\n"));
}
