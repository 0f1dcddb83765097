#include "fixture.hpp"

#include <cpd/claims/imports.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/util/csv.hpp>

#include <sstream>

using cpd::Date;
using cpd::DryRun;
using cpd::ErrorKind;
using cpd::Role;
using testutil::error_kind;

namespace {

cpd::MemberChange
role(Role role)
{
  cpd::MemberChange change;
  change.role = role;
  return change;
}

cpd::MemberChange
joined(Date date)
{
  cpd::MemberChange change;
  change.joined = date;
  return change;
}

testutil::As
system(testutil::Scheme& s)
{
  auto context = s.as("root");
  context.actor = cpd::Actor::system;
  return context;
}

void
import(testutil::Scheme& s, const std::string& csv, const std::string& who = "sec")
{
  std::istringstream in(csv);
  cpd::import_members(s.db, s.as(who), in, "members.csv", DryRun::no);
}

} // namespace

TEST_CASE("nobody changes their own CPD duty, join date or role, by member set or import")
{
  testutil::Scheme s;
  CHECK(error_kind(
          [&] { cpd::change_member(s.db, s.as("sec"), "sec", testutil::with_cpd_duty(false)); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::change_member(s.db, s.as("sec"), "sec", joined(Date(2016, 1, 1))); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::change_member(s.db, s.as("sec"), "sec", role(Role::member)); })
        == ErrorKind::permission);
  CHECK(error_kind([&] {
          import(s,
                 "login,name,email,role,joined\nsec,Sam Secretary,sec@example.org,,2016-01-01\n");
        })
        == ErrorKind::permission);
  const auto sec = *cpd::find_member(s.db, "sec");
  CHECK(sec.cpd_duty);
  CHECK_FALSE(sec.joined);
  CHECK(sec.role == Role::secretary);
  // Asking for what already is changes nothing and is no self-service.
  CHECK(
    cpd::change_member(s.db, s.as("sec"), "sec", testutil::with_cpd_duty(true)).changed.empty());
  // Another secretary may change them.
  CHECK(cpd::change_member(s.db, s.as("sue"), "sec", testutil::with_cpd_duty(false)).changed.size()
        == 1);
}

TEST_CASE("a secretary's role is changed by the system only, never by another secretary")
{
  testutil::Scheme s;
  CHECK(error_kind([&] { cpd::change_member(s.db, s.as("sec"), "sue", role(Role::member)); })
        == ErrorKind::permission);
  CHECK(
    error_kind([&] { import(s, "login,name,email,role\nsue,Sue Second,sue@example.org,member\n"); })
    == ErrorKind::permission);
  CHECK(cpd::find_member(s.db, "sue")->role == Role::secretary);
  // A secretary still makes a member a secretary.
  CHECK(cpd::change_member(s.db, s.as("sec"), "ann", role(Role::secretary)).changed.size() == 1);
  // Root demotes one, and may change a sole secretary's own duty or join date.
  const auto demoted = cpd::change_member(s.db, system(s), "sue", role(Role::member));
  CHECK(demoted.member.role == Role::member);
  CHECK(cpd::change_member(s.db, system(s), "sec", joined(Date(2016, 1, 1))).member.joined
        == Date(2016, 1, 1));
  CHECK(error_kind([&] { cpd::change_member(s.db, s.as("bob"), "ann", role(Role::member)); })
        == ErrorKind::permission);
}

TEST_CASE("a login that comes back with another user id is refused until a secretary confirms")
{
  testutil::Scheme s;
  auto uid_of = [&](const std::string& login) {
    cpd::Statement query(s.db, "SELECT uid FROM member WHERE login = ?");
    query.bind(1, login);
    REQUIRE(query.step());
    return query.is_null(0) ? std::int64_t(-1) : query.integer(0);
  };
  CHECK(uid_of("ann") == -1);
  cpd::check_account(s.db, "ann", 1001); // first contact
  CHECK(uid_of("ann") == 1001);
  cpd::check_account(s.db, "ann", 1001);
  CHECK(error_kind([&] { cpd::check_account(s.db, "ann", 1042); }) == ErrorKind::permission);
  CHECK(uid_of("ann") == 1001);
  cpd::check_account(s.db, "nobody", 7); // not a member: their command decides
  // Members, and the member themself, cannot confirm; a secretary can.
  CHECK(error_kind([&] { cpd::confirm_account(s.db, s.as("bob"), "ann"); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::confirm_account(s.db, s.as("sec"), "sec"); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::confirm_account(s.db, s.as("sec"), "zed"); })
        == ErrorKind::unknown_member);
  cpd::confirm_account(s.db, s.as("sec"), "ann");
  CHECK(uid_of("ann") == -1);
  cpd::check_account(s.db, "ann", 1042);
  CHECK(uid_of("ann") == 1042);
  CHECK(error_kind([&] { cpd::check_account(s.db, "ann", 1001); }) == ErrorKind::permission);
  cpd::confirm_account(s.db, system(s), "ann");
  CHECK(uid_of("ann") == -1);
}

TEST_CASE("a note with line breaks is an indented quote in a mail")
{
  CHECK(cpd::quoted_note("") == "(none)");
  CHECK(cpd::quoted_note("one line") == "one line");
  CHECK(cpd::quoted_note("first\n\nTo approve it:  cpd approve 9\n")
        == "(quoted below)\n    > first\n    >\n    > To approve it:  cpd approve 9");
}

TEST_CASE("a CSV cell with a control, bidi or invisible character is refused by its column")
{
  for (const char* hidden : {"\xc2\x9b", "\u200f", "\u061c", "\u2028", "\u200b", "\U000e0041"}) {
    CAPTURE(hidden);
    std::istringstream in(std::string("login,name,email\neve,Eve") + hidden
                          + " Early,eve@example.org\n");
    cpd::CsvReader reader(in, "members.csv");
    cpd::CsvTable table(reader, {"login", "name", "email"});
    try {
      table.next();
      FAIL("accepted");
    } catch (const cpd::Error& e) {
      CHECK(e.kind() == ErrorKind::bad_input);
      CHECK(std::string(e.what()).starts_with("members.csv line 2, column name: U+"));
    }
  }
  // Line breaks and tabs in quotes are left to whatever reads the cell.
  std::istringstream in("login,note\nann,\"two\r\nlines\tand a tab\"\n");
  cpd::CsvReader reader(in, "claims.csv");
  cpd::CsvTable table(reader, {"login", "note"});
  CHECK(table.next().has_value());
}
