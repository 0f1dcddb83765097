#include "fixture.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/statement.hpp>
#include <cpd/year/yearend.hpp>

#include <numeric>

// Year end and reminders run a fixed number of statements whatever the
// number of members: set-based work, not one statement per member. Their
// mail, written out of its batch later (by the courier, outside their
// transaction), takes a fixed number of statement runs per mail. Counted
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

// What a job did on a scheme of `members` more members: the statements it
// ran and how many times each; then the same for writing its batches of
// mail out into the outbox, and how many mails of `templates` (a LIKE
// pattern) that made.
struct Counted
{
  cpd::Database::StatementCounts job;
  cpd::Database::StatementCounts write_out;
  std::int64_t mails = 0;
};

template<typename Job>
Counted
statements(int members, const std::string& templates, Job&& job)
{
  testutil::Scheme s;
  add_members(s, members);
  Counted counted;
  s.db.count_statements(&counted.job);
  job(s);
  s.db.count_statements(&counted.write_out);
  cpd::write_mail_batches(s.db);
  s.db.count_statements(nullptr);
  cpd::Statement count(s.db, "SELECT count(*) FROM outbox WHERE template LIKE ?");
  count.bind(1, templates);
  count.step();
  counted.mails = count.integer(0);
  return counted;
}

// Writing a batch out runs the same statements for any number of mails,
// each of them once, or once for every mail (`per_mail` in all).
void
check_write_out(const Counted& small, const Counted& large, std::uint64_t per_mail)
{
  INFO("statements writing out ",
       small.mails,
       " mails: ",
       total(small.write_out),
       ", ",
       large.mails,
       " mails: ",
       total(large.write_out));
  CHECK(large.write_out.size() == small.write_out.size());
  const auto more_mails = static_cast<std::uint64_t>(large.mails - small.mails);
  CHECK(total(large.write_out) - total(small.write_out) == per_mail * more_mails);
}

} // namespace

TEST_CASE("rollover runs the same statements for 100 members as for 20,000")
{
  const auto close = [&](testutil::Scheme& s) {
    const auto closes = cpd::rollover(s.db, s.as("sec"), DryRun::no);
    REQUIRE(closes.size() == 1);
    CHECK(closes[0].compliant > 0);
    CHECK(closes[0].short_of_quota > 0);
    CHECK(closes[0].exempt > 0);
    CHECK(closes[0].carried_members > 0);
  };
  const auto small = statements(100, "year-%", close);
  // A statement to each member and the summary (the fixture's members
  // joined in 2017).
  CHECK(small.mails == 100 + 1);
  const auto large = statements(20000, "year-%", close);
  CHECK(large.mails == 20000 + 1);
  INFO("statements for 100 members: ", total(small.job), ", for 20,000: ", total(large.job));
  CHECK(total(small.job) < 100);
  CHECK(large.job == small.job);
  // Each statement: its claims still waiting, then the mail.
  check_write_out(small, large, 2);
}

TEST_CASE("remind runs the same statements for 100 members as for 20,000")
{
  const auto remind = [&](testutil::Scheme& s) {
    s.today = Date(2017, 4, 3);
    CHECK(cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, DryRun::no) > 0);
  };
  const auto small = statements(100, "reminder", remind);
  // Everybody but the exempt (one in ten, from 2016 on), and the fixture's
  // four members.
  CHECK(small.mails == 90 + 4);
  const auto large = statements(20000, "reminder", remind);
  CHECK(large.mails == 18000 + 4);
  INFO("statements for 100 members: ", total(small.job), ", for 20,000: ", total(large.job));
  CHECK(total(small.job) < 50);
  CHECK(large.job == small.job);
  check_write_out(small, large, 1);
}
