// cpd check against a ledger corrupted in each way it must notice: every
// problem is reported, naming the member and the year.

#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/admin/check.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

using cpd::Date;
using cpd::DryRun;
using Problems = std::vector<std::string>;

namespace {

// 2017, closed on 2 January 2018 under a quota of 10 and a cap of 3: ann
// earned 14 (5 + 3 + 1 + 5) and carries 3; bob had 5 approved then revoked,
// 1 declined and 5 pending.
struct Ledger : testutil::Scheme
{
  std::int64_t ann;
  std::int64_t bob;
  std::int64_t ann_webinar;
  std::int64_t bob_revoked;
  std::int64_t bob_declined;
  std::int64_t bob_pending;

  Ledger()
  {
    ann = cpd::find_member(db, "ann")->id;
    bob = cpd::find_member(db, "bob")->id;
    approve(claim("ann", "iims-training-day", Date(2017, 2, 1)).id);
    approve(claim("ann", "presentation", Date(2017, 2, 2)).id);
    ann_webinar = claim("ann", "iims-webinar", Date(2017, 2, 3)).id;
    approve(ann_webinar);
    approve(claim("ann", "iims-training-day", Date(2017, 3, 1)).id);
    bob_revoked = claim("bob", "iims-training-day", Date(2017, 2, 6)).id;
    approve(bob_revoked);
    cpd::revoke_claim(db, as("sec"), bob_revoked, "not attended");
    bob_declined = claim("bob", "iims-webinar", Date(2017, 2, 7)).id;
    cpd::decline_claims(db, as("sec"), {bob_declined}, "no record");
    bob_pending = claim("bob", "iims-training-day", Date(2017, 3, 1)).id;
    today = Date(2018, 1, 2);
    REQUIRE(cpd::rollover(db, as("sec"), DryRun::no).size() == 1);
    const auto problems = cpd::verify_ledger(db);
    INFO("cpd check reports: ", testutil::lines(problems));
    REQUIRE(problems.empty());
  }

  void
  approve(std::int64_t id)
  {
    cpd::approve_claims(db, as("sec"), {id}, "");
  }

  // A ledger entry written behind cpd's back.
  void
  post(std::int64_t member,
       int year,
       const char* kind,
       const char* points,
       std::optional<std::int64_t> claim = std::nullopt)
  {
    cpd::Statement(db,
                   "INSERT INTO entry(member_id, year, kind, points, claim_id, at)"
                   " VALUES (?, ?, ?, ?, ?, 0)")
      .bind_all(
        member, year, kind, cpd::Points::parse(points, cpd::Points::Sign::allowed)->tenths(), claim)
      .run();
  }

  // Removes entries, which the schema forbids.
  void
  remove_entries(const std::string& where)
  {
    db.exec("DROP TRIGGER entry_append_only_delete; DELETE FROM entry WHERE " + where);
  }

  std::int64_t
  last_entry() const
  {
    return db.last_insert_id();
  }
};

} // namespace

TEST_CASE("cpd check: a missing award")
{
  Ledger l;
  l.remove_entries(fmt::format("claim_id = {}", l.ann_webinar));
  CHECK(cpd::verify_ledger(l.db)
        == Problems{fmt::format("ann: claim #{} of 2017 is approved but its ledger entries are"
                                " award 0, revocation 0 (expected 1, 0)",
                                l.ann_webinar)});
}

TEST_CASE("cpd check: an extra award")
{
  Ledger l;
  SUBCASE("a second award for an approved claim")
  {
    l.post(l.ann, 2017, "award", "1", l.ann_webinar);
    CHECK(cpd::verify_ledger(l.db)
          == Problems{fmt::format("ann: claim #{} of 2017 is approved but its ledger entries are"
                                  " award 2, revocation 0 (expected 1, 0)",
                                  l.ann_webinar)});
  }
  SUBCASE("an award for a declined claim")
  {
    l.post(l.bob, 2017, "award", "1", l.bob_declined);
    CHECK(cpd::verify_ledger(l.db)
          == Problems{fmt::format("bob: claim #{} of 2017 is declined but its ledger entries are"
                                  " award 1, revocation 0 (expected 0, 0)",
                                  l.bob_declined)});
  }
  SUBCASE("an award for a pending claim")
  {
    l.post(l.bob, 2017, "award", "5", l.bob_pending);
    CHECK(cpd::verify_ledger(l.db)
          == Problems{fmt::format("bob: claim #{} of 2017 is pending but its ledger entries are"
                                  " award 5, revocation 0 (expected 0, 0)",
                                  l.bob_pending)});
  }
  SUBCASE("an award for no claim")
  {
    l.post(l.bob, 2016, "award", "1");
    CHECK(
      cpd::verify_ledger(l.db)
      == Problems{fmt::format("bob: ledger entry #{} (award) of 2016 does not match its claim link",
                              l.last_entry())});
  }
  SUBCASE("an award in another member's account")
  {
    l.remove_entries(fmt::format("claim_id = {}", l.ann_webinar));
    l.post(l.bob, 2017, "award", "1", l.ann_webinar);
    CHECK(cpd::verify_ledger(l.db)
          == Problems{fmt::format(
            "ann: claim #{} of 2017 has entries of another kind, year or member", l.ann_webinar)});
  }
}

TEST_CASE("cpd check: an award for a revoked claim")
{
  Ledger l;
  SUBCASE("its revocation missing")
  {
    l.remove_entries(fmt::format("claim_id = {} AND kind = 'revocation'", l.bob_revoked));
    CHECK(cpd::verify_ledger(l.db)
          == Problems{fmt::format("bob: claim #{} of 2017 is revoked but its ledger entries are"
                                  " award 5, revocation 0 (expected 5, -5)",
                                  l.bob_revoked)});
  }
  SUBCASE("awarded again after the revocation")
  {
    l.post(l.bob, 2017, "award", "5", l.bob_revoked);
    CHECK(cpd::verify_ledger(l.db)
          == Problems{fmt::format("bob: claim #{} of 2017 is revoked but its ledger entries are"
                                  " award 10, revocation -5 (expected 5, -5)",
                                  l.bob_revoked)});
  }
}

TEST_CASE("cpd check: a wrong carry")
{
  Ledger l;
  SUBCASE("too much")
  {
    l.post(l.ann, 2018, "carry", "-0.5");
    CHECK(cpd::verify_ledger(l.db) == Problems{"ann: carried into 2018 is 2.5, the rules give 3"});
  }
  SUBCASE("missing")
  {
    l.remove_entries(fmt::format("member_id = {} AND kind = 'carry'", l.ann));
    CHECK(cpd::verify_ledger(l.db) == Problems{"ann: carried into 2018 is 0, the rules give 3"});
  }
  SUBCASE("for a member below the quota")
  {
    l.post(l.bob, 2018, "carry", "1");
    CHECK(cpd::verify_ledger(l.db) == Problems{"bob: carried into 2018 is 1, the rules give 0"});
  }
  SUBCASE("out of a year that is not closed")
  {
    l.post(l.bob, 2019, "carry", "1");
    CHECK(cpd::verify_ledger(l.db) == Problems{"bob: carried into 2019 is 1, the rules give 0"});
  }
  SUBCASE("the year's total changed after its close")
  {
    // ann's total of 2017 falls to 12: 2 is due into 2018, not 3.
    l.post(l.ann, 2017, "adjustment", "-2");
    CHECK(cpd::verify_ledger(l.db) == Problems{"ann: carried into 2018 is 3, the rules give 2"});
  }
}

TEST_CASE("cpd check: a carry above the cap recorded when the year closed")
{
  Ledger l;
  // A later cap of 8 and quota of 4 do not apply to 2017, closed under 3 and 10.
  cpd::set_setting(l.db, l.as("sec"), "scheme.carry_cap", "8");
  cpd::set_setting(l.db, l.as("sec"), "scheme.quota", "4");
  CHECK(cpd::verify_ledger(l.db).empty());
  l.post(l.ann, 2018, "carry", "1");
  CHECK(cpd::verify_ledger(l.db) == Problems{"ann: carried into 2018 is 4, the rules give 3"});
}

TEST_CASE("cpd check: a claim that disagrees with its events or its date")
{
  Ledger l;
  SUBCASE("approved without an event or an award")
  {
    l.db.exec(fmt::format("UPDATE claim SET status = 'approved' WHERE id = {}", l.bob_pending));
    CHECK(
      cpd::verify_ledger(l.db)
      == Problems{fmt::format("bob: claim #{} of 2017 is approved but its ledger entries are"
                              " award 0, revocation 0 (expected 5, 0)",
                              l.bob_pending),
                  fmt::format("bob: claim #{} of 2017 is approved but its last event says pending",
                              l.bob_pending)});
  }
  SUBCASE("filed under another year")
  {
    l.db.exec(fmt::format("UPDATE claim SET year = 2016 WHERE id = {}", l.bob_pending));
    CHECK(
      cpd::verify_ledger(l.db)
      == Problems{fmt::format(
        "bob: claim #{} is filed under 2016 but its activity was on 2017-03-01", l.bob_pending)});
  }
  SUBCASE("no events at all")
  {
    l.db.exec(fmt::format("DELETE FROM claim_event WHERE claim_id = {}", l.bob_pending));
    CHECK(cpd::verify_ledger(l.db)
          == Problems{fmt::format(
            "bob: claim #{} of 2017 is pending but its last event says nothing", l.bob_pending)});
  }
}

TEST_CASE("cpd check reports every problem, in order, and the secretary's check sees them")
{
  Ledger l;
  l.post(l.bob, 2018, "carry", "1");
  l.remove_entries(fmt::format("claim_id = {}", l.ann_webinar));
  l.post(l.ann, 2016, "revocation", "-1");
  const auto revocation = l.last_entry();
  const Problems expected = {
    fmt::format("ann: claim #{} of 2017 is approved but its ledger entries are"
                " award 0, revocation 0 (expected 1, 0)",
                l.ann_webinar),
    fmt::format("ann: ledger entry #{} (revocation) of 2016 does not match its claim link",
                revocation),
    "bob: carried into 2018 is 1, the rules give 0",
  };
  CHECK(cpd::verify_ledger(l.db) == expected);
  CHECK(cpd::check_database(l.db, l.as("sec")) == expected);
  CHECK(testutil::error_kind([&] { cpd::check_database(l.db, l.as("ann")); })
        == cpd::ErrorKind::permission);
}

TEST_CASE("cpd check reports a foreign key that leads nowhere")
{
  Ledger l;
  l.db.exec("PRAGMA foreign_keys = OFF");
  l.post(999, 2017, "adjustment", "1");
  const auto problems = cpd::verify_storage(l.db);
  CHECK(problems
        == Problems{
          fmt::format("foreign key: entry row {} refers to a missing member", l.last_entry())});
}
