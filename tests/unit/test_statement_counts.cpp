#include "fixture.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/statement.hpp>
#include <cpd/year/yearend.hpp>

#include <numeric>

// Year end and reminders run a fixed number of statements whatever the
// number of members: set-based work, not one statement per member. Counted
// through SQLite's trace hook rather than timed, so that the test cannot
// be flaky.

using cpd::Date;
using cpd::DryRun;

namespace {

// The fixture's scheme with `count` more members, each with an account in
// 2016: some above the quota (they carry), some below, one in ten exempt
// from 2016 on, one in seven with a claim still waiting.
void
add_members(testutil::Scheme& s, int count)
{
  cpd::set_setting(s.db, s.as("sec"), "scheme.start", "2016-01-01");
  cpd::Statement(s.db,
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                 " INSERT INTO member(login, name, email, created_at)"
                 " SELECT printf('m%06d', i), printf('Member %d', i),"
                 "   printf('m%06d@example.org', i), 0 FROM n")
    .bind_all(count)
    .run();
  s.db.exec("INSERT INTO entry(member_id, year, kind, points, at)"
            " SELECT id, 2016, 'adjustment', id * 37 % 200 + 1, 0 FROM member"
            " WHERE login LIKE 'm0%';"
            "INSERT INTO exemption(member_id, year, reason, actor_id, at)"
            " SELECT id, 2016, 'on leave', 1, 0 FROM member"
            " WHERE login LIKE 'm0%' AND id % 10 = 0;"
            "INSERT INTO claim(member_id, activity_id, activity_date, year, points, submitted_at)"
            " SELECT id, (SELECT min(id) FROM activity), '2016-06-01', 2016, 10, 0 FROM member"
            " WHERE login LIKE 'm0%' AND id % 7 = 0;");
}

std::uint64_t
total(const cpd::Database::StatementCounts& counts)
{
  return std::accumulate(counts.begin(),
                         counts.end(),
                         std::uint64_t{0},
                         [](auto sum, const auto& statement) { return sum + statement.second; });
}

// The statements a job runs on a scheme of `members` more members, and how
// many times each.
template<typename Job>
cpd::Database::StatementCounts
statements(int members, Job&& job)
{
  testutil::Scheme s;
  add_members(s, members);
  cpd::Database::StatementCounts counts;
  s.db.count_statements(&counts);
  job(s);
  s.db.count_statements(nullptr);
  return counts;
}

std::int64_t
outbox_count(cpd::Database& db, const std::string& template_like)
{
  // Writing the batches out is counted too: a fixed number of statements.
  cpd::write_mail_batches(db);
  cpd::Statement count(db, "SELECT count(*) FROM outbox WHERE template LIKE ?");
  count.bind(1, template_like);
  count.step();
  return count.integer(0);
}

} // namespace

TEST_CASE("rollover runs the same statements for 100 members as for 20,000")
{
  std::int64_t mails = 0;
  const auto close = [&](testutil::Scheme& s) {
    const auto closes = cpd::rollover(s.db, s.as("sec"), DryRun::no);
    REQUIRE(closes.size() == 1);
    CHECK(closes[0].compliant > 0);
    CHECK(closes[0].short_of_quota > 0);
    CHECK(closes[0].exempt > 0);
    CHECK(closes[0].carried_members > 0);
    mails = outbox_count(s.db, "year-%");
  };
  const auto small = statements(100, close);
  // A statement to each member and the summary (the fixture's members
  // joined in 2017).
  CHECK(mails == 100 + 1);
  const auto large = statements(20000, close);
  CHECK(mails == 20000 + 1);
  INFO("statements for 100 members: ", total(small), ", for 20,000: ", total(large));
  CHECK(total(small) < 100);
  CHECK(large == small);
}

TEST_CASE("remind runs the same statements for 100 members as for 20,000")
{
  std::int64_t mails = 0;
  const auto remind = [&](testutil::Scheme& s) {
    s.today = Date(2017, 4, 3);
    CHECK(cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, DryRun::no) > 0);
    mails = outbox_count(s.db, "reminder");
  };
  const auto small = statements(100, remind);
  // Everybody but the exempt (one in ten, from 2016 on), and the fixture's
  // four members.
  CHECK(mails == 90 + 4);
  const auto large = statements(20000, remind);
  CHECK(mails == 18000 + 4);
  INFO("statements for 100 members: ", total(small), ", for 20,000: ", total(large));
  CHECK(total(small) < 50);
  CHECK(large == small);
}
