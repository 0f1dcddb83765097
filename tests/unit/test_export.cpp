#include "fixture.hpp"

#include <cpd/admin/export.hpp>

#include <sstream>

using cpd::Date;

TEST_CASE("the export is one JSON object per line, each with a type")
{
  testutil::Scheme s;
  cpd::ClaimRequest request;
  request.activity = "technical-paper";
  request.date = Date(2017, 3, 1);
  request.note = "line one\nline \"two\"";
  request.attachments = {{"paper.pdf", "application/pdf", "%PDF-1.4 bytes not exported"}};
  const auto claim = cpd::submit_claim(s.db, s.as("ann"), request);
  cpd::approve_claims(s.db, s.as("sec"), {claim.id}, "");

  std::ostringstream out;
  const auto summary = cpd::export_database(s.db, s.as("sec"), out);
  CHECK(summary.members == 4);
  CHECK(summary.claims == 1);
  CHECK(summary.entries == 1);
  const auto text = out.str();
  CHECK(text.find("bytes not exported") == std::string::npos);
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    CHECK(line.starts_with("{\"type\":\""));
    CHECK(line.ends_with("}"));
  }
  CHECK(count == 1 + summary.members + summary.activities + summary.claims + summary.entries);
  CHECK(text.find("\"note\":\"line one\\nline \\\"two\\\"\"") != std::string::npos);
  CHECK(text.find("\"type\":\"entry\",\"id\":1,\"member\":\"ann\",\"year\":2017,\"kind\":\"award\","
                  "\"points\":3,")
        != std::string::npos);
  // Each field under its name, in its own type.
  CHECK(text.find("{\"type\":\"member\",\"login\":\"ann\",\"name\":\"Ann "
                  "Surveyor\",\"email\":\"ann@example.org\",\"role\":\"member\",\"active\":true,"
                  "\"cpd_duty\":true,\"created_at\":1489536000}\n")
        != std::string::npos);
  CHECK(
    text.find(
      "{\"type\":\"activity\",\"code\":\"iims-conference\",\"title\":\"IIMS conference (per day "
      "attended)\",\"points\":5,\"unit\":\"day\",\"max_points\":15,\"evidence_required\":false,"
      "\"retired\":false}\n")
    != std::string::npos);
  CHECK(testutil::error_kind([&] { cpd::export_database(s.db, s.as("ann"), out); })
        == cpd::ErrorKind::permission);
}
