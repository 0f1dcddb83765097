// libFuzzer target for mail templates: cpd::mail::render and placeholders.
// Input: "TEMPLATE\0VALUE". A bad template is a configuration error; a good
// one renders every placeholder it names and nothing else.

#include "fuzz.hpp"

#include <cpd/transport/template.hpp>

#include <map>
#include <set>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using fuzz::check;
  const auto parts = fuzz::split(fuzz::as_text(data, size));
  const std::string_view text = parts.first;
  const std::string_view value = parts.second;

  std::set<std::string> names;
  const bool valid =
    fuzz::accepts({cpd::ErrorKind::config}, [&] { names = cpd::mail::placeholders("fuzz", text); });

  // Every placeholder gets the fuzzed value (which may itself hold braces:
  // values are inserted verbatim, never expanded again).
  std::map<std::string, std::string> values;
  for (const auto& name : names) {
    values[name] = std::string(value);
  }
  cpd::mail::Rendered rendered;
  const bool rendered_ok = fuzz::accepts(
    {cpd::ErrorKind::config}, [&] { rendered = cpd::mail::render("fuzz", text, values); });
  // placeholders() and render() agree on what is a valid template.
  check(rendered_ok == valid);

  if (valid && !names.empty()) {
    // A missing value is refused, not rendered as nothing.
    auto missing = values;
    missing.erase(missing.begin());
    const bool partial = fuzz::accepts({cpd::ErrorKind::config},
                                       [&] { (void)cpd::mail::render("fuzz", text, missing); });
    check(!partial);
  }
  if (valid) {
    // Extra values are allowed and ignored.
    auto extra = values;
    extra["not_a_placeholder_in_any_template"] = "x";
    const auto again = cpd::mail::render("fuzz", text, extra);
    check(again.subject == rendered.subject && again.body == rendered.body);
  }
  return 0;
}
