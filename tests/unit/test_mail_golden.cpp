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
