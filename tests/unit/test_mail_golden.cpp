#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/year/dispensation.hpp>
#include <cpd/year/remind.hpp>
#include <cpd/year/yearend.hpp>

#include <filesystem>
#include <map>
#include <regex>

// Every mail of two year ends, reminders and the claims around them,
// delivered to a Maildir and compared byte for byte with the mail cpd sent
// when each mail was rendered as it was queued (tests/unit/golden/). Run with
// CPD_UPDATE_GOLDEN=1 to write the file again after a deliberate change of
// wording.

using cpd::Date;
using cpd::DryRun;

namespace {

const std::filesystem::path k_golden = std::filesystem::path(CPD_GOLDEN_DIR) / "year-end.eml";

// Approves claims as a secretary who did not make them.
void
approve(testutil::Scheme& s, const std::string& as, const std::vector<cpd::Claim>& claims)
{
  std::vector<std::int64_t> ids;
  for (const auto& claim : claims) {
    ids.push_back(claim.id);
  }
  cpd::approve_claims(s.db, s.as(as), ids, "");
}

// The scheme of the fixture, through two CPD years, with every kind of
// year-end statement and reminder: quota met with a carry of 3 points, of 1
// point and of nothing; short, with one claim and with two still waiting;
// exempt; without a CPD duty; a name that is not ASCII.
void
play_two_years(testutil::Scheme& s)
{
  cpd::add_member(s.db, s.as("sec"), {"cal", "Cal Diver", "cal@example.org"});
  cpd::add_member(s.db, s.as("sec"), {"dan", "Dan Pilot", "dan@example.org"});
  cpd::add_member(s.db, s.as("sec"), {"eve", "Eve Hull", "eve@example.org"});
  cpd::add_member(s.db, s.as("sec"), {"fay", "Fay Staff", "fay@example.org"});
  cpd::add_member(s.db, s.as("sec"), {"zoe", "Zoë Ångström", "zoe@example.org"});
  cpd::change_member(s.db, s.as("sec"), "fay", testutil::with_cpd_duty(false));
  cpd::grant_dispensation(s.db, s.as("sec"), "eve", 2017, 2017, "on parental leave");

  s.today = Date(2017, 3, 10);
  approve(s,
          "sec",
          {s.claim("ann", "iims-training-day", Date(2017, 2, 1)),
           s.claim("ann", "iims-training-day", Date(2017, 2, 8)),
           s.claim("ann", "iims-conference", Date(2017, 3, 1), "3"),
           s.claim("cal", "iims-training-day", Date(2017, 2, 1)),
           s.claim("cal", "iims-training-day", Date(2017, 2, 2)),
           s.claim("cal", "iims-webinar", Date(2017, 2, 3)),
           s.claim("dan", "iims-training-day", Date(2017, 2, 1)),
           s.claim("dan", "iims-training-day", Date(2017, 2, 2)),
           s.claim("eve", "iims-training-day", Date(2017, 2, 1)),
           s.claim("zoe", "iims-webinar", Date(2017, 2, 1)),
           s.claim("sue", "iims-half-day", Date(2017, 2, 1))});
  s.claim("bob", "iims-training-day", Date(2017, 3, 1));

  // Reminders: first to those without a claim, then to everybody short.
  s.today = Date(2017, 4, 3);
  cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::no_claims, DryRun::no);
  s.today = Date(2017, 5, 2);
  s.claim("zoe", "iims-training-day", Date(2017, 4, 20));
  s.claim("zoe", "iims-half-day", Date(2017, 4, 21));
  cpd::remind(s.db, s.as("sec"), cpd::ReminderScope::below_quota, DryRun::no);

  // 2018: ann starts with her carry; the summary goes to every secretary.
  s.today = Date(2018, 6, 1);
  approve(s, "sue", {s.claim("sec", "iims-training-day", Date(2018, 5, 1))});
  approve(s, "sec", {s.claim("bob", "iims-webinar", Date(2018, 5, 2))});
  cpd::set_setting(s.db, s.as("sec"), "mail.secretary", "");

  // One run closes both years; then a late decision corrects 2017.
  s.today = Date(2019, 1, 5);
  const auto closes = cpd::rollover(s.db, s.as("sec"), DryRun::no);
  REQUIRE(closes.size() == 2);
  cpd::Statement bob(s.db,
                     "SELECT c.id FROM claim c JOIN member m ON m.id = c.member_id"
                     " WHERE m.login = 'bob' AND c.status = 'pending'");
  REQUIRE(bob.step());
  cpd::approve_claims(s.db, s.as("sec"), {bob.integer(0)}, "late, with the organiser's letter");
}

// Every delivered mail in outbox order, with the random parts of its
// Message-ID (the database's identity, the per-mail part) and of its file
// name replaced, so that two databases give the same text.
std::string
delivered(const std::filesystem::path& maildir)
{
  const std::regex message_id(R"(<cpd\.(\d+)\.[0-9a-f]{16}\.[0-9a-f]{8}@)");
  std::map<long, std::string> mails;
  for (const auto& file : std::filesystem::directory_iterator(maildir / "new")) {
    const auto text = testutil::read_file(file.path());
    std::smatch match;
    REQUIRE(std::regex_search(text, match, message_id));
    const auto id = std::stol(match[1].str());
    mails[id] = std::regex_replace(text, message_id, "<cpd.$1.IDENTITY.RANDOM@");
  }
  std::string all;
  for (const auto& [id, text] : mails) {
    all += "=== mail " + std::to_string(id) + "\r\n" + text;
  }
  return all;
}

} // namespace

TEST_CASE("year end, reminders and claims: every mail byte for byte as rendered when queued")
{
  testutil::Scheme s;
  play_two_years(s);
  testutil::TempDir dir;
  cpd::set_setting(s.db, s.as("sec"), "mail.url", "maildir:" + (dir / "mail").string());
  cpd::set_setting(s.db, s.as("sec"), "mail.from", "cpd@iims.example");
  const auto summary = cpd::deliver_mail(s.db, s.as("sec"), cpd::DeliveryOptions{});
  CHECK(summary.failed == 0);
  CHECK(summary.waiting == 0);
  const auto mails = delivered(dir / "mail");
  if (std::getenv("CPD_UPDATE_GOLDEN") != nullptr) {
    testutil::write_file(k_golden, mails);
  }
  const auto golden = testutil::read_file(k_golden);
  REQUIRE_FALSE(golden.empty());
  CHECK(summary.sent > 60);
  // Compared mail by mail, so that a difference names the first mail it is in.
  auto split = [](const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start < text.size()) {
      auto next = text.find("=== mail ", start + 1);
      if (next == std::string::npos) {
        next = text.size();
      }
      parts.push_back(text.substr(start, next - start));
      start = next;
    }
    return parts;
  };
  const auto now = split(mails);
  const auto then = split(golden);
  CHECK(now.size() == then.size());
  for (std::size_t i = 0; i < std::min(now.size(), then.size()); ++i) {
    CHECK(now[i] == then[i]);
  }
}

namespace {

const std::filesystem::path k_old_forms_golden =
  std::filesystem::path(CPD_GOLDEN_DIR) / "old-forms.txt";

// A row of each form the mail of older versions took: rendered when queued
// (before version 8); the numbers a year-end statement or a reminder was
// worded from when sent (versions 8 to 14); a year-end summary worded from
// its statements' facts (versions 8 and 9) and one worded from the year's
// accounts (versions 10 to 14).
// The rows: ?1 stands for the id of a claim of bob's still waiting.
const char* const k_old_mail =
  "INSERT INTO outbox(id, cause, template, member_id, to_name, to_address, facts, subject, body,"
  " message_id, created_at, state, next_attempt_at, sent_at) VALUES"
  " (1, 'claim:1:approved', 'claim-approved', 2, 'Ann Surveyor', 'ann@example.org', NULL,"
  "  'Your CPD claim #1 was approved', 'Dear Ann,' || char(10) || char(10) ||"
  "  'Your claim {1} was approved.' || char(10), '<m1@x>', 10, 'sent', 10, 11),"
  " (2, 'claim:2:approved', 'claim-approved', 3, 'Bob Marine', 'bob@example.org', NULL,"
  "  'Your CPD claim #2 was approved', 'Dear Bob,' || char(10), '<m2@x>', 10, 'queued', 10,"
  "  NULL);"
  "INSERT INTO outbox(id, cause, template, member_id, to_name, to_address, facts, message_id,"
  " created_at, next_attempt_at) VALUES"
  " (3, 'year:2016:statement:ann', 'year-statement-met', 2, 'Ann Surveyor', 'ann@example.org',"
  "  json_object('name', 'Ann Surveyor', 'login', 'ann', 'year', 2016, 'quota', 100,"
  "  'total', 135, 'carried', 30, 'waiting', json_array(), 'org', 'IIMS'), '<m3@x>', 20, 20),"
  " (4, 'year:2016:statement:bob', 'year-statement-short', 3, 'Bob Marine', 'bob@example.org',"
  "  json_object('name', 'Bob Marine', 'login', 'bob', 'year', 2016, 'quota', 100,"
  "  'total', 45, 'carried', 0, 'waiting', json_array(json_object('id', ?1,"
  "  'title', 'IIMS training day', 'date', '2017-02-02', 'points', 50)), 'org', 'IIMS'),"
  "  '<m4@x>', 20, 20),"
  " (5, 'year:2016:statement:sue', 'year-statement-exempt', 4, 'Sue Second', 'sue@example.org',"
  "  json_object('name', 'Sue Second', 'login', 'sue', 'year', 2016, 'quota', 100,"
  "  'total', 0, 'carried', 0, 'waiting', json_array(), 'org', 'IIMS'), '<m5@x>', 20, 20),"
  " (6, 'year:2016:summary', 'year-summary', NULL, 'Membership secretary', 'sec@example.org',"
  "  json_object('year', 2016, 'quota', 100, 'members', 3, 'compliant', 1, 'short', 1,"
  "  'exempt', 1, 'carried', 30, 'statements_from', 3, 'statements_to', 5,"
  "  'waiting', json_array(json_object('id', ?1, 'name', 'Bob Marine', 'login', 'bob',"
  "  'title', 'IIMS training day', 'date', '2017-02-02', 'points', 50)), 'org', 'IIMS'),"
  "  '<m6@x>', 20, 20),"
  " (7, 'reminder:bob:2017-03-01', 'reminder', 3, 'Bob Marine', 'bob@example.org',"
  "  json_object('name', 'Bob Marine', 'login', 'bob', 'year', 2017, 'quota', 100,"
  "  'total', 35, 'pending', 50, 'org', 'IIMS'), '<m7@x>', 30, 30),"
  " (8, 'reminder:ann:2017-03-01', 'reminder', 2, 'Ann Surveyor', 'ann@example.org',"
  "  json_object('name', 'Ann Surveyor', 'login', 'ann', 'year', 2017, 'quota', 125,"
  "  'total', 0, 'pending', 0, 'org', 'IIMS'), '<m8@x>', 30, 30),"
  " (9, 'year:2015:summary', 'year-summary', NULL, 'Membership secretary', 'sec@example.org',"
  "  json_object('year', 2015, 'quota', 100, 'members', '2', 'compliant', '1', 'short', '1',"
  "  'exempt', '0', 'carried', 0, 'claims_waiting', '1', 'org', 'IIMS'), '<m9@x>', 40, 40);"
  "INSERT INTO year_account(year, member_id, name, total, carried, status) VALUES"
  " (2015, 2, 'Ann Surveyor', 100, 0, 'compliant'), (2015, 3, 'Bob Marine', 40, 0, 'short');"
  "INSERT INTO year_waiting(year, member_id, claim_id) VALUES (2015, 3, ?1);";

// Each mail of the outbox as `cpd mail show` reads it, in id order.
std::string
outbox_texts(cpd::Database& db)
{
  std::string all;
  for (std::int64_t id = 1; id <= 9; ++id) {
    const auto text = cpd::outbox_text(db, id);
    all += "=== mail " + std::to_string(id) + "\nSubject: " + text.subject + "\n\n" + text.body;
  }
  return all;
}

} // namespace

TEST_CASE("mail queued by older versions reads as it did")
{
  testutil::TempDir dir;
  const auto path = dir / "cpd.db";
  {
    testutil::Scheme s;
    const auto waiting = s.claim("bob", "iims-training-day", Date(2017, 2, 2));
    s.db.exec("DELETE FROM outbox_attachment; DELETE FROM outbox; VACUUM INTO '" + path.string()
              + "'");
    auto db = cpd::Database::open(path, cpd::Database::Mode::open_existing);
    db.exec(testutil::k_back_to_schema_14);
    db.exec(std::regex_replace(
      std::string(k_old_mail), std::regex(R"(\?1)"), std::to_string(waiting.id)));
    db.exec("PRAGMA user_version = 14");
  }
  auto db = cpd::Database::open(path, cpd::Database::Mode::open_existing);
  CHECK(db.schema_version() == cpd::Database::current_schema_version());
  // Every mail is now its template's values, worded: text, no numbers.
  cpd::Statement forms(db,
                       "SELECT group_concat(template, ' ') FROM (SELECT template FROM outbox"
                       " WHERE NOT EXISTS (SELECT 1 FROM json_each(facts) WHERE type != 'text')"
                       " ORDER BY id)");
  REQUIRE(forms.step());
  CHECK(forms.text(0)
        == "rendered rendered year-statement-met year-statement-short year-statement-exempt"
           " year-summary reminder reminder year-summary");
  forms.reset();
  const auto texts = outbox_texts(db);
  if (std::getenv("CPD_UPDATE_GOLDEN") != nullptr) {
    testutil::write_file(k_old_forms_golden, texts);
  }
  CHECK(texts == testutil::read_file(k_old_forms_golden));
}
