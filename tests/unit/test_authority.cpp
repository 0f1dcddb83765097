#include "fixture.hpp"

#include <cpd/ledger/members.hpp>
#include <cpd/util/actor.hpp>

#include <array>
#include <optional>
#include <string>

using cpd::ErrorKind;
using cpd::Need;
using testutil::error_kind;

namespace {

// What Authority answers: nothing when it lets the caller in.
std::optional<ErrorKind>
answer(cpd::Database& db, const cpd::Context& context, Need need)
{
  try {
    cpd::Authority::check(db, context, need);
    return std::nullopt;
  } catch (const cpd::Error& e) {
    return e.kind();
  }
}

} // namespace

TEST_CASE("authority: every need against a secretary, a member, a deactivated member, a stranger "
          "and the system")
{
  testutil::Scheme s;
  cpd::add_member(s.db, s.as("sec"), {"gone", "Gone Away", "gone@example.org"});
  cpd::deactivate_member(s.db, s.as("sec"), "gone");
  auto system = s.as("root");
  system.actor = cpd::Actor::system;
  const std::optional<ErrorKind> in;
  const auto perm = std::optional(ErrorKind::permission);
  const auto unknown = std::optional(ErrorKind::unknown_member);

  struct Row
  {
    Need need;
    std::array<std::optional<ErrorKind>, 5> answers; // sec, ann, gone, nobody, system
  };
  const std::array rows{
    Row{Need::anyone, {in, in, in, in, in}},
    Row{Need::listed, {in, in, in, unknown, perm}},
    Row{Need::member, {in, in, perm, unknown, perm}},
    Row{Need::member_or_system, {in, in, perm, unknown, in}},
    Row{Need::secretary, {in, perm, perm, unknown, perm}},
    Row{Need::secretary_or_system, {in, perm, perm, unknown, in}},
  };
  for (const auto& row : rows) {
    CAPTURE(cpd::to_string(row.need));
    CHECK(answer(s.db, s.as("sec"), row.need) == row.answers[0]);
    CHECK(answer(s.db, s.as("ann"), row.need) == row.answers[1]);
    CHECK(answer(s.db, s.as("gone"), row.need) == row.answers[2]);
    CHECK(answer(s.db, s.as("nobody"), row.need) == row.answers[3]);
    CHECK(answer(s.db, system, row.need) == row.answers[4]);
  }
}

TEST_CASE("authority: the system may not decide a claim, which needs a secretary")
{
  testutil::Scheme s;
  const auto claim = s.claim("ann", "iims-webinar", cpd::Date(2017, 3, 10));
  auto system = s.as("root");
  system.actor = cpd::Actor::system;
  CHECK(error_kind([&] { cpd::approve_claims(s.db, system, {claim.id}, ""); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::approve_claims(s.db, s.as("ann"), {claim.id}, ""); })
        == ErrorKind::permission);
  CHECK(cpd::approve_claims(s.db, s.as("sec"), {claim.id}, "").size() == 1);
}

TEST_CASE("authority: another member's balance is the secretary's alone, one's own anyone's on "
          "the roll")
{
  testutil::Scheme s;
  cpd::add_member(s.db, s.as("sec"), {"gone", "Gone Away", "gone@example.org"});
  cpd::deactivate_member(s.db, s.as("sec"), "gone");
  const cpd::Listed gone = s.as("gone");
  CHECK(cpd::resolve_subject(s.db, gone, std::nullopt).login == "gone");
  CHECK(error_kind([&] { cpd::resolve_subject(s.db, gone, "ann"); }) == ErrorKind::permission);
  const cpd::Listed ann = s.as("ann");
  CHECK(error_kind([&] { cpd::resolve_subject(s.db, ann, "bob"); }) == ErrorKind::permission);
  const cpd::Listed sec = s.as("sec");
  CHECK(cpd::resolve_subject(s.db, sec, "bob").login == "bob");
}
