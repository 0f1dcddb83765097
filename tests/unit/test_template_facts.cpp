#include <cpd/mail/template_facts.hpp>
#include <cpd/transport/template.hpp>
#include <cpd/util/embedded.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace {

constexpr std::string_view k_prefix = "templates/";
constexpr std::string_view k_suffix = ".txt";

// The message of the cpd::Error of kind `kind` that `run` throws; fails the
// test when it throws nothing or another kind.
template<typename Run>
std::string
error_of(cpd::ErrorKind kind, Run&& run)
{
  try {
    run();
  } catch (const cpd::Error& error) {
    CHECK(error.kind() == kind);
    return error.what();
  }
  FAIL("nothing was thrown");
  return {};
}

} // namespace

TEST_CASE("every shipped template uses only the placeholders its mail declares")
{
  std::size_t templates = 0;
  for (const auto& file : cpd::embedded_files()) {
    if (!file.name.starts_with(k_prefix) || !file.name.ends_with(k_suffix)) {
      continue;
    }
    ++templates;
    const auto name =
      file.name.substr(k_prefix.size(), file.name.size() - k_prefix.size() - k_suffix.size());
    CAPTURE(name);
    const auto& declared = cpd::template_facts(name).placeholders;
    for (const auto& used : cpd::mail::placeholders(name, file.content)) {
      CAPTURE(used);
      CHECK(std::find(declared.begin(), declared.end(), used) != declared.end());
    }
    CHECK_NOTHROW(cpd::mail::validate_template(name, file.content, file.name));
  }
  CHECK(templates == cpd::all_template_facts().size());
}

TEST_CASE("a template naming a placeholder its mail does not declare is refused")
{
  // {limit} is a placeholder of quota-reached only.
  const auto error = error_of(cpd::ErrorKind::config, [] {
    cpd::mail::validate_template(
      "claim-approved", "Subject: over {limit}\n\nDear {name},\n", "/etc/cpd/claim-approved.txt");
  });
  CHECK(error == "template /etc/cpd/claim-approved.txt: unknown placeholder {limit}");
  CHECK_NOTHROW(cpd::mail::validate_template(
    "quota-reached", "Subject: over {limit}\n\n{login}\n", "quota-reached.txt"));
  CHECK(
    error_of(
      cpd::ErrorKind::internal,
      [] { cpd::mail::validate_template("no-such-mail", "Subject: s\n\nx\n", "no-such-mail.txt"); })
      .find("no-such-mail.txt")
    != std::string::npos);
}

TEST_CASE("a mail fills in exactly the placeholders its template declares")
{
  std::map<std::string, std::string> values;
  for (const auto& name : cpd::template_facts("audit-passed").placeholders) {
    values.emplace(name, "x");
  }
  CHECK_NOTHROW(cpd::require_filled("audit-passed", values));
  values.erase("remark");
  CHECK(error_of(cpd::ErrorKind::internal, [&] { cpd::require_filled("audit-passed", values); })
        == "the mail audit-passed does not fill in its placeholder {remark}");
  values["remark"] = "x";
  // A value no template of it may use: the declaration and the mail have
  // drifted apart.
  values["limit"] = "3";
  CHECK(error_of(cpd::ErrorKind::internal, [&] { cpd::require_filled("audit-passed", values); })
        == "the mail audit-passed fills in {limit}, which its template does not declare");
}
