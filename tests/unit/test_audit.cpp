#include "fixture.hpp"

#include <cpd/admin/check.hpp>
#include <cpd/claims/attendance.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/audit.hpp>
#include <cpd/year/dispensation.hpp>
#include <cpd/year/events.hpp>
#include <cpd/year/yearend.hpp>

#include <algorithm>
#include <functional>
#include <set>

using cpd::AuditOutcome;
using cpd::AuditStatus;
using cpd::Date;
using cpd::DrawRequest;
using cpd::DryRun;
using cpd::ErrorKind;
using testutil::error_kind;

namespace {

// A scheme with `extra` more members m001, m002...; everybody but `short_of`
// attends two IIMS training days in 2017 (10 points: the quota), then
// `before_close` runs, and 2017 is closed on 2 January 2018. Today is then 1
// February 2018.
struct Audited : testutil::Scheme
{
  explicit Audited(int extra,
                   const std::vector<std::string>& short_of = {},
                   const std::function<void(Audited&)>& before_close = {})
  {
    for (int i = 1; i <= extra; ++i) {
      const auto login = fmt::format("m{:03}", i);
      cpd::add_member(db, as("sec"), {login, "Member " + login, login + "@example.org"});
    }
    for (const auto day : {1, 2}) {
      cpd::AttendanceRequest list;
      list.activity = "iims-training-day";
      list.date = Date(2017, 3, day);
      for (const auto& member : cpd::list_members(db, as("sec"))) {
        if (member.login != "sec"
            && std::find(short_of.begin(), short_of.end(), member.login) == short_of.end()) {
          list.attendees.push_back({"list", member.login});
        }
      }
      cpd::record_attendance(db, as("sec"), list);
    }
    // sec's own days, decided by sue.
    for (const auto day : {1, 2}) {
      const auto id = claim("sec", "iims-training-day", Date(2017, 3, day)).id;
      cpd::approve_claims(db, as("sue"), {id}, "");
    }
    if (before_close) {
      before_close(*this);
    }
    today = Date(2018, 1, 2);
    cpd::rollover(db, as("sec"), DryRun::no);
    today = Date(2018, 2, 1);
  }

  cpd::AuditDraw
  draw(int year, std::uint64_t seed, std::optional<std::int64_t> percent = {})
  {
    DrawRequest request;
    request.year = year;
    request.seed = seed;
    request.percent_tenths = percent;
    return cpd::draw_audit(db, as("sec"), request);
  }

  int
  outbox(const std::string& like)
  {
    cpd::Statement query(db, "SELECT count(*) FROM outbox WHERE cause LIKE ?");
    query.bind(1, like);
    query.step();
    return static_cast<int>(query.integer(0));
  }
};

std::vector<std::string>
logins(const cpd::AuditDraw& draw)
{
  std::vector<std::string> out;
  for (const auto& audit : draw.audits) {
    out.push_back(audit.member);
  }
  return out;
}

} // namespace

TEST_CASE("5% of 200 members is 10, and the same seed on the same data draws the same members")
{
  Audited first(196);
  Audited second(196);
  const auto a = first.draw(2017, 42);
  const auto b = second.draw(2017, 42);
  CHECK(a.eligible == 200); // ann, bob, sue, sec and 196 more
  CHECK(a.percent_tenths == 50);
  CHECK(a.seed == 42);
  REQUIRE(a.audits.size() == 10);
  CHECK(logins(a) == logins(b));
  const auto drawn = logins(a);
  const std::set<std::string> unique(drawn.begin(), drawn.end());
  CHECK(unique.size() == 10);
  CHECK(a.audits.front().deadline == Date(2018, 4, 2)); // 60 days
  CHECK(first.outbox("audit:%:drawn") == 10);

  Audited third(196);
  const auto c = third.draw(2017, 43);
  CHECK(logins(c) != logins(a));
}

TEST_CASE("the sample is pinned: a later cpd draws the same members with the same seed")
{
  // Changing the generator, the order of the pool or the shuffle breaks
  // every recorded draw: this test says so.
  Audited scheme(16);
  const auto draw = scheme.draw(2017, 2017, 250);
  // Worked out independently from the published xoshiro256** and splitmix64.
  CHECK(logins(draw) == std::vector<std::string>{"m007", "m010", "m013", "sec", "sue"});
}

TEST_CASE("only active, non-exempt members who met the quota are drawn, at least one")
{
  Audited scheme(0, {"bob"});
  cpd::grant_dispensation(scheme.db, scheme.as("sec"), "sue", 2017, 2017, "long illness");
  cpd::add_member(scheme.db, scheme.as("sec"), {"late", "Late Joiner", "late@example.org"});
  const auto draw = scheme.draw(2017, 1, 1); // 0.1% of 2 is still one member
  CHECK(draw.eligible == 2);                 // ann and sec
  REQUIRE(draw.audits.size() == 1);
  CHECK((draw.audits[0].member == "ann" || draw.audits[0].member == "sec"));
}

TEST_CASE("a draw needs a closed year, and a second draw --add")
{
  Audited scheme(8);
  DrawRequest open;
  open.year = 2018;
  CHECK(error_kind([&] { cpd::draw_audit(scheme.db, scheme.as("sec"), open); })
        == ErrorKind::refused);
  CHECK(error_kind([&] {
          DrawRequest request;
          request.year = 2017;
          cpd::draw_audit(scheme.db, scheme.as("ann"), request);
        })
        == ErrorKind::permission);
  const auto first = scheme.draw(2017, 7, 250);
  CHECK(first.audits.size() == 3); // 25% of 12
  CHECK(error_kind([&] { scheme.draw(2017, 8); }) == ErrorKind::refused);
  DrawRequest more;
  more.year = 2017;
  more.seed = 8;
  more.percent_tenths = 1000;
  more.repeat = DrawRequest::Repeat::add;
  const auto second = cpd::draw_audit(scheme.db, scheme.as("sec"), more);
  CHECK(second.eligible == 9);
  CHECK(second.audits.size() == 9);
  const auto added = logins(second);
  for (const auto& login : logins(first)) {
    CHECK(std::find(added.begin(), added.end(), login) == added.end());
  }
  CHECK(error_kind([&] { cpd::draw_audit(scheme.db, scheme.as("sec"), more); })
        == ErrorKind::refused); // nobody is left
}

TEST_CASE("the system may draw, and the draw is listed for a secretary, a member sees their own")
{
  Audited scheme(0);
  auto system = scheme.as("cpd");
  system.actor = cpd::Actor::system;
  DrawRequest request;
  request.year = 2017;
  request.percent_tenths = 1000;
  request.seed = 5;
  const auto draw = cpd::draw_audit(scheme.db, system, request);
  CHECK(!draw.drawn_by);
  CHECK(draw.audits.size() == 4);
  const auto all = cpd::list_audits(scheme.db, scheme.as("sec"), std::nullopt);
  REQUIRE(all.size() == 1);
  CHECK(all[0].audits.size() == 4);
  CHECK(all[0].sampled == 4);
  const auto own = cpd::list_audits(scheme.db, scheme.as("ann"), 2017);
  REQUIRE(own.size() == 1);
  REQUIRE(own[0].audits.size() == 1);
  CHECK(own[0].audits[0].member == "ann");
  // The draw's count, not the member's one line.
  CHECK(own[0].sampled == 4);
  CHECK(own[0].eligible == 4);
  CHECK(cpd::list_audits(scheme.db, scheme.as("ann"), 2016).empty());
}

TEST_CASE("an audit asks evidence for the approved claims without files")
{
  Audited scheme(0, {}, [](Audited& s) {
    // ann has a third claim with a file.
    cpd::ClaimRequest with_file;
    with_file.activity = "technical-paper";
    with_file.date = Date(2017, 3, 5);
    with_file.attachments = {{"paper.pdf", "application/pdf", "%PDF-1.4 paper"}};
    const auto paper = cpd::submit_claim(s.db, s.as("ann"), with_file).id;
    cpd::approve_claims(s.db, s.as("sec"), {paper}, "");
  });
  const auto draw = scheme.draw(2017, 1, 1000);
  const auto ann = std::find_if(
    draw.audits.begin(), draw.audits.end(), [](const auto& a) { return a.member == "ann"; });
  REQUIRE(ann != draw.audits.end());
  REQUIRE(ann->requested.size() == 2);
  for (const auto& claim : ann->requested) {
    CHECK(claim.activity == "iims-training-day");
    CHECK(claim.attachments == 0);
  }
}

TEST_CASE("a member answers, evidence goes to approved claims only while under audit")
{
  Audited scheme(0);
  const auto draw = scheme.draw(2017, 1, 1000);
  const auto claim = draw.audits[0].requested[0].id; // ann's, by login order
  REQUIRE(draw.audits[0].member == "ann");
  const std::vector<cpd::AttachmentFile> file{{"cert.pdf", "application/pdf", "%PDF cert"}};
  const auto attached = cpd::attach_evidence(scheme.db, scheme.as("ann"), claim, file);
  CHECK(attached.audit_year == 2017);
  CHECK(attached.claim.attachments == 1);
  CHECK(scheme.outbox(fmt::format("claim:{}:evidence:%", claim)) == 1); // mail.secretary

  const auto answered = cpd::respond_to_audit(scheme.db, scheme.as("ann"), std::nullopt, "done");
  CHECK(answered.status == AuditStatus::responded);
  CHECK(answered.response == "done");
  CHECK(scheme.outbox("audit:%:answered%") == 1); // mail.secretary
  CHECK(error_kind([&] { cpd::respond_to_audit(scheme.db, scheme.as("ann"), 2017, "again"); })
        == ErrorKind::refused);
  CHECK(error_kind([&] { cpd::respond_to_audit(scheme.db, scheme.as("bob"), 2016, "x"); })
        == ErrorKind::refused);

  cpd::decide_audit(scheme.db, scheme.as("sec"), "ann", 2017, AuditOutcome::passed, "", {});
  const std::vector<cpd::AttachmentFile> more{{"more.pdf", "application/pdf", "%PDF more"}};
  CHECK(error_kind([&] { cpd::attach_evidence(scheme.db, scheme.as("ann"), claim, more); })
        == ErrorKind::refused);
  CHECK(scheme.outbox("audit:%:passed") == 1);
}

TEST_CASE("a fail needs a reason, may revoke the audited year's claims, and corrects the carry")
{
  std::int64_t third = 0;
  // bob carries 3 into 2018: a third day.
  Audited scheme(0, {}, [&](Audited& s) {
    third = s.claim("bob", "iims-training-day", Date(2017, 3, 5)).id;
    cpd::approve_claims(s.db, s.as("sec"), {third}, "");
  });
  CHECK(cpd::member_balance(scheme.db, cpd::find_member(scheme.db, "bob")->id, 2018).carried_in
        == cpd::Points::from_tenths(30));
  scheme.draw(2017, 1, 1000);
  CHECK(error_kind([&] {
          cpd::decide_audit(
            scheme.db, scheme.as("sec"), "bob", 2017, AuditOutcome::failed, " ", {});
        })
        == ErrorKind::usage);
  const auto annes = cpd::member_claims(scheme.db, cpd::find_member(scheme.db, "ann")->id, 2017);
  CHECK(error_kind([&] {
          cpd::decide_audit(scheme.db,
                            scheme.as("sec"),
                            "bob",
                            2017,
                            AuditOutcome::failed,
                            "no evidence",
                            {annes[0].id});
        })
        == ErrorKind::refused);
  CHECK(error_kind([&] {
          cpd::decide_audit(scheme.db, scheme.as("sec"), "sec", 2017, AuditOutcome::passed, "", {});
        })
        == ErrorKind::permission);
  const auto decision = cpd::decide_audit(
    scheme.db, scheme.as("sec"), "bob", 2017, AuditOutcome::failed, "no evidence", {third});
  CHECK(decision.audit.status == AuditStatus::failed);
  CHECK(decision.audit.reason == "no evidence");
  REQUIRE(decision.revoked.size() == 1);
  CHECK(decision.revoked[0].status == cpd::ClaimStatus::revoked);
  CHECK(decision.revoked[0].reason == "audit of 2017 failed: no evidence");
  const auto bob = cpd::find_member(scheme.db, "bob")->id;
  CHECK(cpd::member_balance(scheme.db, bob, 2017).total == cpd::Points::from_tenths(100));
  CHECK(cpd::member_balance(scheme.db, bob, 2018).carried_in == cpd::Points());
  CHECK(cpd::verify_ledger(scheme.db).empty());
  // One mail for the outcome and the revocation.
  CHECK(scheme.outbox(fmt::format("claim:{}:revoked", third)) == 0);
  CHECK(scheme.outbox("audit:%:failed") == 1);
  CHECK(error_kind([&] {
          cpd::decide_audit(scheme.db, scheme.as("sue"), "bob", 2017, AuditOutcome::passed, "", {});
        })
        == ErrorKind::refused);
}

TEST_CASE("reminders go out at the set days before the deadline, once each")
{
  Audited scheme(0);
  scheme.draw(2017, 1, 1000); // deadline 2 April 2018
  auto remind_on = [&](Date day) {
    scheme.today = day;
    return cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::no).size();
  };
  CHECK(remind_on(Date(2018, 2, 1)) == 0);
  CHECK(remind_on(Date(2018, 3, 11)) == 0); // 22 days left
  CHECK(remind_on(Date(2018, 3, 12)) == 4); // 21
  CHECK(remind_on(Date(2018, 3, 13)) == 0);
  cpd::respond_to_audit(scheme.db, scheme.as("ann"), 2017, "");
  scheme.today = Date(2018, 3, 26);
  CHECK(cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::yes).size() == 3);
  CHECK(remind_on(Date(2018, 3, 26)) == 3); // 7: ann answered
  CHECK(remind_on(Date(2018, 4, 2)) == 0);
  CHECK(remind_on(Date(2018, 4, 3)) == 0); // past the deadline
  CHECK(scheme.outbox("audit:%:reminder:21") == 4);
  CHECK(scheme.outbox("audit:%:reminder:7") == 3);
}

TEST_CASE("an audit remembers the reminders it was due, whatever became of their mail")
{
  Audited scheme(0);
  scheme.draw(2017, 1, 1000); // deadline 2 April 2018
  auto recorded = [&](const char* sql) {
    cpd::Statement query(scheme.db, sql);
    query.step();
    return query.integer(0);
  };
  // No mail for the reminders: the audit's own record still says they are done.
  int heard = 0;
  scheme.db.events().on<cpd::AuditReminderDue>(
    [&](cpd::Database&, const cpd::Context&, const cpd::AuditReminderDue& due) {
      CHECK(due.point == 21);
      ++heard;
    });
  scheme.today = Date(2018, 3, 12); // 21 days left
  CHECK(cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::yes).size() == 4);
  CHECK(heard == 0);
  CHECK(recorded("SELECT count(*) FROM audit_reminder") == 0);
  CHECK(cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::no).size() == 4);
  CHECK(heard == 4);
  CHECK(scheme.outbox("audit:%:reminder:%") == 0);
  CHECK(recorded("SELECT count(*) FROM audit_reminder WHERE point = 21") == 4);
  scheme.today = Date(2018, 3, 13);
  CHECK(cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::yes).empty());
  CHECK(cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::no).empty());
  CHECK(heard == 4);
}

TEST_CASE("no reminder on the day of the draw when the deadline is that close")
{
  Audited scheme(0);
  cpd::set_setting(scheme.db, scheme.as("sec"), "audit.days", "14");
  scheme.draw(2017, 1, 1000);
  CHECK(cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::no).empty());
  scheme.today = Date(2018, 2, 8);
  CHECK(cpd::remind_audits(scheme.db, scheme.as("sec"), DryRun::no).size() == 4);
}

TEST_CASE("members who gave no response are drawn again the next year")
{
  Audited scheme(6);
  const auto first = scheme.draw(2017, 11, 250); // 3 of 10
  REQUIRE(first.audits.size() == 3);
  const auto answering = first.audits[0].member;
  const auto silent = first.audits[1].member;
  const auto failed = first.audits[2].member;
  cpd::respond_to_audit(scheme.db, scheme.as(answering), 2017, "here");
  cpd::decide_audit(
    scheme.db, scheme.as("sec"), failed, 2017, AuditOutcome::failed, "no evidence", {});

  // 2018: everybody claims again, the year is closed and drawn in 2019.
  scheme.today = Date(2018, 6, 1);
  for (const auto& member : cpd::list_members(scheme.db, scheme.as("sec"))) {
    if (member.login != "sec" && member.login != "sue") {
      const auto id = scheme.claim(member.login, "iims-conference", Date(2018, 5, 1), "2").id;
      cpd::approve_claims(scheme.db, scheme.as("sec"), {id}, "");
    }
  }
  scheme.today = Date(2019, 1, 2);
  cpd::rollover(scheme.db, scheme.as("sec"), DryRun::no);
  CHECK(cpd::audit_statuses(scheme.db, scheme.as("sec"), 2017).at(silent)
        == AuditStatus::no_response);
  scheme.today = Date(2019, 2, 1);
  const auto next = scheme.draw(2018, 3, 1);
  std::vector<std::string> again;
  for (const auto& audit : next.audits) {
    if (audit.redrawn_after) {
      CHECK(*audit.redrawn_after == 2017);
      again.push_back(audit.member);
    }
  }
  CHECK(again == std::vector<std::string>{silent});
  CHECK(next.audits.size() == 2); // one at random, and the one drawn again
  CHECK(next.sampled == 1);       // the one drawn again is outside the sample
  CHECK(next.eligible == 7);      // everybody with a duty but the silent one
}

TEST_CASE("audit statuses by login, with no response past the deadline")
{
  Audited scheme(0);
  scheme.draw(2017, 1, 1000);
  cpd::respond_to_audit(scheme.db, scheme.as("bob"), 2017, "");
  auto statuses = cpd::audit_statuses(scheme.db, scheme.as("sec"), 2017);
  CHECK(statuses.at("ann") == AuditStatus::waiting);
  CHECK(statuses.at("bob") == AuditStatus::responded);
  scheme.today = Date(2018, 4, 3);
  statuses = cpd::audit_statuses(scheme.db, scheme.as("sec"), 2017);
  CHECK(statuses.at("ann") == AuditStatus::no_response);
  CHECK(cpd::to_string(AuditStatus::no_response) == "no_response");
  CHECK(cpd::status_words(AuditStatus::no_response) == "no response");
  // A late answer is still taken.
  CHECK(cpd::respond_to_audit(scheme.db, scheme.as("ann"), std::nullopt, "late").status
        == AuditStatus::responded);
}

TEST_CASE("percentages and seeds on the command line")
{
  CHECK(cpd::parse_percent("5") == 50);
  CHECK(cpd::parse_percent("2.5") == 25);
  CHECK(cpd::parse_percent("100") == 1000);
  CHECK_FALSE(cpd::parse_percent("0"));
  CHECK_FALSE(cpd::parse_percent("100.1"));
  CHECK_FALSE(cpd::parse_percent("2.55"));
  CHECK_FALSE(cpd::parse_percent("-1"));
  CHECK(cpd::parse_seed("0") == 0U);
  CHECK(cpd::parse_seed("18446744073709551615") == 18446744073709551615U);
  CHECK_FALSE(cpd::parse_seed("18446744073709551616"));
  CHECK_FALSE(cpd::parse_seed("-1"));
  CHECK_FALSE(cpd::parse_seed("1e3"));
  CHECK_FALSE(cpd::parse_seed(""));
}

TEST_CASE("anybody repeats a draw from its recorded seed and pool, and a changed record shows")
{
  Audited scheme(16); // 20 eligible: ann, bob, sue, sec and 16 more
  const auto draw = scheme.draw(2017, 987654321, 250);
  REQUIRE(draw.audits.size() == 5);
  auto checks = cpd::check_draws(scheme.db, scheme.as("sec"), 2017);
  REQUIRE(checks.size() == 1);
  CHECK(checks[0].recorded);
  CHECK(checks[0].matches);
  CHECK(checks[0].seed == 987654321U);
  CHECK(checks[0].eligible == 20);
  CHECK(checks[0].pool.size() == 20);
  CHECK(std::is_sorted(checks[0].pool.begin(), checks[0].pool.end()));
  // In the order drawn; the draw lists them by login.
  CHECK(checks[0].expected == checks[0].drawn);
  auto drawn = checks[0].drawn;
  std::sort(drawn.begin(), drawn.end());
  CHECK(drawn == logins(draw));

  // A member learns the verdict, not who else was drawn or eligible.
  const auto seen = cpd::check_draws(scheme.db, scheme.as("ann"), 2017);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].matches);
  CHECK(seen[0].sampled == 5);
  CHECK(seen[0].pool.empty());
  CHECK(seen[0].drawn.empty());
  CHECK(cpd::check_draws(scheme.db, scheme.as("ann"), 2017)[0].seed == 987654321U);

  // Another seed written into the record no longer draws these members.
  scheme.db.exec("UPDATE audit_draw SET seed = '987654322'");
  CHECK_FALSE(cpd::check_draws(scheme.db, scheme.as("sec"), 2017)[0].matches);
  scheme.db.exec("UPDATE audit_draw SET seed = '987654321'");
  CHECK(cpd::check_draws(scheme.db, scheme.as("sec"), 2017)[0].matches);
  // Nor does a pool with a member left out.
  scheme.db.exec("UPDATE audit_draw SET pool = substr(pool, instr(pool, char(10)) + 1)");
  CHECK_FALSE(cpd::check_draws(scheme.db, scheme.as("sec"), 2017)[0].matches);
  // A draw from before the pool was recorded cannot be repeated, and says so.
  scheme.db.exec("UPDATE audit_draw SET pool = NULL");
  checks = cpd::check_draws(scheme.db, scheme.as("sec"), 2017);
  CHECK_FALSE(checks[0].recorded);
  CHECK_FALSE(checks[0].matches);
  CHECK(error_kind([&] { cpd::check_draws(scheme.db, scheme.as("sec"), 2016); })
        == ErrorKind::refused);
}
