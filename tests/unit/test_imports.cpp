#include "fixture.hpp"

#include <cpd/claims/attendance.hpp>
#include <cpd/claims/imports.hpp>
#include <cpd/ledger/ledger.hpp>

#include <functional>
#include <sstream>

using cpd::Date;
using cpd::DryRun;
using cpd::ErrorKind;
using testutil::error_kind;

namespace {

cpd::MemberImportSummary
import(testutil::Scheme& s,
       const std::string& csv,
       DryRun dry_run = DryRun::no,
       const std::string& who = "sec")
{
  std::istringstream in(csv);
  return cpd::import_members(s.db, s.as(who), in, "members.csv", dry_run);
}

std::string
error_message(const std::function<void()>& f)
{
  try {
    f();
  } catch (const cpd::Error& e) {
    return e.what();
  }
  return "(no error)";
}

cpd::AttendanceRequest
attendance(std::vector<std::string> logins, Date date = Date(2017, 3, 14))
{
  cpd::AttendanceRequest request;
  request.activity = "iims-training-day";
  request.date = date;
  std::size_t line = 1;
  for (auto& login : logins) {
    request.attendees.push_back({"list.csv line " + std::to_string(++line), std::move(login)});
  }
  return request;
}

} // namespace

TEST_CASE("member import adds, updates and counts the unchanged")
{
  testutil::Scheme s;
  const auto summary = import(s,
                              "login,name,email,role\n"
                              "cid,Cid,cid@example.org,\n"
                              "ann,Ann Surveyor,ann@example.org,member\n"
                              "bob,Bob Renamed,bob@example.org,SECRETARY\n");
  CHECK(summary.added == 1);
  CHECK(summary.updated == 1);
  CHECK(summary.unchanged == 1);
  CHECK(cpd::find_member(s.db, "bob")->name == "Bob Renamed");
  CHECK(cpd::find_member(s.db, "bob")->role == cpd::Role::secretary);
  // An empty role keeps the member's role.
  import(s, "login,name,email,role\nbob,Bob Marine,bob@example.org,\n");
  CHECK(cpd::find_member(s.db, "bob")->role == cpd::Role::secretary);
}

TEST_CASE("member import is all or nothing and names the line")
{
  testutil::Scheme s;
  const auto before = cpd::list_members(s.db, s.as("sec")).size();
  CHECK(error_message([&] {
          import(s, "login,name,email\ncid,Cid,cid@example.org\ndee,Dee,dee@\n");
        }).starts_with("members.csv line 3: "));
  CHECK(error_kind(
          [&] { import(s, "login,name,email\ncid,Cid,cid@example.org\ncid,C,c@example.org\n"); })
        == ErrorKind::bad_input);
  CHECK(error_kind([&] { import(s, "login,name,email\n\"cid,Cid,cid@example.org\n"); })
        == ErrorKind::bad_input);
  CHECK(
    error_kind([&] { import(s, "login,name,email\ncid,Cid,cid@example.org\n", DryRun::no, "ann"); })
    == ErrorKind::permission);
  CHECK(error_kind(
          [&] { import(s, "login,name,email,role\nsec,Sam Secretary,sec@example.org,member\n"); })
        == ErrorKind::permission);
  CHECK(cpd::list_members(s.db, s.as("sec")).size() == before);
  CHECK(import(s, "login,name,email\ncid,Cid,cid@example.org\n", DryRun::yes).added == 1);
  CHECK_FALSE(cpd::find_member(s.db, "cid"));
}

TEST_CASE("an attendance list is read by its login column")
{
  std::istringstream in(
    "\xef\xbb\xbfName,LOGIN ,Company\r\n\"Surveyor, Ann\",ann,\"A, Ltd\"\r\n,,\r\nBob,bob,\r\n");
  const auto attendees = cpd::read_attendance(in, "day.csv");
  REQUIRE(attendees.size() == 2);
  CHECK(attendees[0].login == "ann");
  CHECK(attendees[0].where == "day.csv line 2");
  CHECK(attendees[1].login == "bob");
  CHECK(attendees[1].where == "day.csv line 4");
  std::istringstream no_login("name\nAnn\n");
  CHECK(error_kind([&] { cpd::read_attendance(no_login, "x.csv"); }) == ErrorKind::bad_input);
}

TEST_CASE("an attendance list of more attendees than a list may hold is refused whole")
{
  std::string full = "login\n";
  for (std::size_t i = 0; i < cpd::k_max_attendees; ++i) {
    full += "m" + std::to_string(i) + '\n';
  }
  std::istringstream at_limit(full);
  CHECK(cpd::read_attendance(at_limit, "day.csv").size() == cpd::k_max_attendees);
  std::istringstream over(full + "one-more\n");
  CHECK(error_kind([&] { cpd::read_attendance(over, "day.csv"); }) == ErrorKind::bad_input);
}

TEST_CASE("an attendance list approves, skips and refuses unknown members")
{
  testutil::Scheme s;
  const auto earlier = s.claim("bob", "iims-training-day", Date(2017, 3, 14));
  const auto result =
    cpd::record_attendance(s.db, s.as("sec"), attendance({"ann", "bob", "sec", "ann"}));
  REQUIRE(result.approved.size() == 1);
  CHECK(result.approved[0].member == "ann");
  CHECK(result.approved[0].status == cpd::ClaimStatus::approved);
  CHECK(result.approved[0].decided_by == "sec");
  CHECK(cpd::balance(s.db, s.as("ann"), std::nullopt, 2017).total.to_string() == "5");
  REQUIRE(result.skipped.size() == 3);
  CHECK(result.skipped[0].why == fmt::format("already claimed (claim #{}, pending)", earlier.id));
  CHECK(result.skipped[1].login == "sec");
  CHECK(result.skipped[2].why == "listed again (first on list.csv line 2)");

  // A secretary's own attendance is decided by another secretary.
  const auto by_sue = cpd::record_attendance(s.db, s.as("sue"), attendance({"sec"}));
  CHECK(by_sue.approved.size() == 1);

  const auto claims_before = cpd::pending_claims(s.db, s.as("sec")).size();
  CHECK(error_message([&] {
          cpd::record_attendance(
            s.db, s.as("sec"), attendance({"bob", "nobody", "ann", "ghost"}, Date(2017, 3, 1)));
        }).find("'nobody' (list.csv line 3), 'ghost' (list.csv line 5)")
        != std::string::npos);
  CHECK(error_kind([&] {
          cpd::record_attendance(s.db, s.as("sec"), attendance({"nobody"}, Date(2017, 3, 1)));
        })
        == ErrorKind::unknown_member);
  CHECK(cpd::member_claims(s.db, cpd::find_member(s.db, "bob")->id, 2017).size() == 1);
  CHECK(cpd::pending_claims(s.db, s.as("sec")).size() == claims_before);
  CHECK(error_kind([&] { cpd::record_attendance(s.db, s.as("ann"), attendance({"bob"})); })
        == ErrorKind::permission);
}

TEST_CASE("a bulk filter finds pending claims and leaves out the secretary's own")
{
  testutil::Scheme s;
  s.claim("ann", "iims-webinar", Date(2017, 3, 1));
  s.claim("bob", "iims-webinar", Date(2017, 3, 10));
  s.claim("ann", "iims-training-day", Date(2017, 2, 1));
  s.claim("sec", "iims-webinar", Date(2017, 3, 1));
  CHECK(cpd::find_pending(s.db, s.as("sec"), {}).claims.size() == 3);
  CHECK(cpd::find_pending(s.db, s.as("sec"), {}).own_left_out == 1);
  CHECK(cpd::find_pending(s.db, s.as("sue"), {}).claims.size() == 4);
  CHECK(cpd::find_pending(s.db, s.as("sec"), {"iims-webinar", {}, {}}).claims.size() == 2);
  CHECK(cpd::find_pending(s.db, s.as("sec"), {{}, "ann", {}}).claims.size() == 2);
  CHECK(cpd::find_pending(s.db, s.as("sec"), {{}, {}, Date(2017, 3, 1)}).claims.size() == 1);
  CHECK(
    cpd::find_pending(s.db, s.as("sec"), {"iims-webinar", "ann", Date(2017, 3, 2)}).claims.size()
    == 1);
  CHECK(error_kind([&] {
          cpd::find_pending(s.db, s.as("sec"), {{}, "nobody", {}});
        })
        == ErrorKind::unknown_member);
  CHECK(error_kind([&] { cpd::find_pending(s.db, s.as("ann"), {}); }) == ErrorKind::permission);
}
