#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/claims/events.hpp>
#include <cpd/claims/evidence.hpp>
#include <cpd/claims/quotas.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/sha256.hpp>
#include <cpd/util/spool.hpp>

using cpd::Date;
using cpd::ErrorKind;
using testutil::error_kind;

namespace {

std::int64_t
claim_with(testutil::Scheme& s,
           const std::string& login,
           std::vector<cpd::AttachmentFile> files,
           Date date = Date(2017, 3, 1))
{
  cpd::ClaimRequest request;
  request.activity = "technical-paper";
  request.date = date;
  request.attachments = std::move(files);
  request.duplicates = cpd::ClaimRequest::Duplicates::allow;
  return cpd::submit_claim(s.db, s.as(login), request).id;
}

// The files of a claim as `login` loads them, with their bytes read back.
struct Loaded
{
  testutil::TempDir dir;
  cpd::Spool spool = cpd::Spool::create(dir.path());
  std::vector<cpd::AttachmentContent> files;

  std::string
  content(std::size_t i) const
  {
    return spool.read(files[i].offset, static_cast<std::uint64_t>(files[i].info.size));
  }
};

std::unique_ptr<Loaded>
load(testutil::Scheme& s, const std::string& login, std::int64_t id)
{
  auto loaded = std::make_unique<Loaded>();
  loaded->files = cpd::load_attachments(s.db, s.as(login), id, loaded->spool);
  return loaded;
}

} // namespace

TEST_CASE("a claim's files are listed for its member and secretaries only")
{
  testutil::Scheme s;
  const auto id = claim_with(s, "ann", {{"paper.pdf", "application/pdf", "%PDF-1.4 a"}});
  const auto files = cpd::list_attachments(s.db, s.as("ann"), id);
  REQUIRE(files.size() == 1);
  CHECK(files[0].name == "paper.pdf");
  CHECK(files[0].size == 10);
  CHECK(files[0].sha256 == cpd::sha256_hex("%PDF-1.4 a"));
  CHECK(cpd::list_attachments(s.db, s.as("sue"), id).size() == 1);
  CHECK(error_kind([&] { cpd::list_attachments(s.db, s.as("bob"), id); }) == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::list_attachments(s.db, s.as("ann"), 99); }) == ErrorKind::refused);
}

TEST_CASE("the same file on another claim is pointed out")
{
  testutil::Scheme s;
  const auto first = claim_with(s, "ann", {{"cert.pdf", "application/pdf", "same bytes"}});
  const auto other = claim_with(s, "bob", {{"other.pdf", "application/pdf", "other bytes"}});
  const auto second =
    claim_with(s, "bob", {{"copy.pdf", "application/pdf", "same bytes"}}, Date(2017, 3, 2));
  CHECK(cpd::duplicate_claims(s.db, second).ids == std::vector<std::int64_t>{first});
  CHECK(cpd::duplicate_claims(s.db, first).ids == std::vector<std::int64_t>{second});
  CHECK(cpd::duplicate_claims(s.db, other).empty());
  const auto pending = cpd::pending_claims(s.db, s.as("sec"));
  REQUIRE(pending.size() == 3);
  CHECK(pending[2].duplicate_of->ids == std::vector<std::int64_t>{first});
  CHECK(pending[1].duplicate_of->empty());
}

TEST_CASE("a claim's files come byte-exact, under names unique within the claim")
{
  testutil::Scheme s;
  std::string binary(70000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) {
    binary[i] = static_cast<char>(i * 7 % 256);
  }
  const auto id = claim_with(s,
                             "ann",
                             {{"scan.pdf", "application/pdf", binary},
                              {"scan.pdf", "application/pdf", "second scan"},
                              {"notes.txt", "text/plain", "notes"}});
  const auto loaded = load(s, "sec", id);
  REQUIRE(loaded->files.size() == 3);
  CHECK(loaded->files[0].file_name == "scan.pdf");
  CHECK(loaded->files[1].file_name == "scan-2.pdf");
  CHECK(loaded->files[2].file_name == "notes.txt");
  CHECK(loaded->content(0) == binary);
  CHECK(loaded->content(1) == "second scan");
  CHECK(loaded->content(2) == "notes");
  CHECK(loaded->spool.size() == binary.size() + 11 + 5);
  CHECK(load(s, "ann", id)->files.size() == 3);
  CHECK(error_kind([&] { load(s, "bob", id); }) == ErrorKind::permission);
}

TEST_CASE("a member's hidden file is never saved under a hidden name")
{
  testutil::Scheme s;
  const auto id = claim_with(
    s,
    "ann",
    {{".bash_aliases", "text/plain", "alias ls='rm -rf ~'"}, {"..profile", "text/plain", "x"}});
  const auto loaded = load(s, "sec", id);
  REQUIRE(loaded->files.size() == 2);
  CHECK(loaded->files[0].file_name == "_bash_aliases");
  CHECK(loaded->files[0].info.name == ".bash_aliases"); // the record keeps what was attached
  CHECK(loaded->files[1].file_name == "_profile");
}

TEST_CASE("a file named like an option is saved behind an underscore")
{
  CHECK(cpd::saved_name("-rf") == "_-rf");
  CHECK(cpd::saved_name("--checkpoint-action=exec=sh x.sh") == "_--checkpoint-action=exec=sh x.sh");
  CHECK(cpd::saved_name("a-b.pdf") == "a-b.pdf");
  CHECK(cpd::saved_name("_-rf") == "_-rf");
  testutil::Scheme s;
  const auto id = claim_with(s,
                             "ann",
                             {{"-rf", "text/plain", "one"},
                              {"_-rf", "text/plain", "two"},
                              {"--checkpoint=1", "text/plain", "three"}});
  const auto loaded = load(s, "sec", id);
  REQUIRE(loaded->files.size() == 3);
  CHECK(loaded->files[0].file_name == "_-rf");
  CHECK(loaded->files[0].info.name == "-rf");
  CHECK(loaded->files[1].file_name == "_-rf-2");
  CHECK(loaded->files[2].file_name == "_--checkpoint=1");
  CHECK(loaded->content(1) == "two");
}

TEST_CASE("a file damaged in the database is refused, not handed out")
{
  testutil::Scheme s;
  const auto id = claim_with(s, "ann", {{"ok.pdf", "application/pdf", "x"}});
  cpd::Statement(s.db, "UPDATE attachment SET content = X'79'").run();
  CHECK(error_kind([&] { load(s, "sec", id); }) == ErrorKind::bad_input);
}

TEST_CASE("a stored name that is not a base name is refused")
{
  CHECK(cpd::safe_file_name("paper.pdf"));
  CHECK(cpd::safe_file_name("Prüfung 2017.pdf"));
  for (const auto* bad : {"", ".", "..", "../x", "a/b", "/etc/passwd", "x/", "a\nb"}) {
    CHECK_FALSE(cpd::safe_file_name(bad));
  }
  testutil::Scheme s;
  const auto id = claim_with(s, "ann", {{"ok.pdf", "application/pdf", "x"}});
  cpd::Statement(s.db, "UPDATE attachment SET name = '../escape.pdf'").run();
  CHECK(error_kind([&] { load(s, "sec", id); }) == ErrorKind::bad_input);
}

TEST_CASE("sizes for people")
{
  CHECK(cpd::size_phrase(1) == "1 byte");
  CHECK(cpd::size_phrase(1023) == "1023 bytes");
  CHECK(cpd::size_phrase(1536) == "1.5 KiB");
  CHECK(cpd::size_phrase(10 * 1024 * 1024) == "10.0 MiB");
}

TEST_CASE("the secretary's mail links the files that fit in mail.attach_max_bytes")
{
  testutil::Scheme s;
  cpd::set_setting(s.db, s.as("sec"), "mail.secretary", ""); // each secretary's own copy
  cpd::set_setting(s.db, s.as("sec"), "mail.attach_max_bytes", "10");
  const auto id = claim_with(s,
                             "ann",
                             {{"big.pdf", "application/pdf", std::string(11, 'x')},
                              {"small.pdf", "application/pdf", "12345"},
                              {"last.pdf", "application/pdf", "123456"}});
  cpd::Statement linked(s.db,
                        "SELECT o.to_address, a.name FROM outbox_attachment x"
                        " JOIN outbox o ON o.id = x.outbox_id"
                        " JOIN attachment a ON a.id = x.attachment_id"
                        " WHERE a.claim_id = ? ORDER BY o.to_address, a.id");
  linked.bind(1, id);
  std::vector<std::string> rows;
  while (linked.step()) {
    rows.push_back(linked.text(0) + " " + linked.text(1));
  }
  // Not to ann, who sent them; each secretary gets the one that fits.
  CHECK(rows == std::vector<std::string>{"sec@example.org small.pdf", "sue@example.org small.pdf"});
  cpd::Statement mail(s.db, "SELECT id FROM outbox WHERE cause = ?");
  mail.bind(1, fmt::format("claim:{}:submitted:sec", id));
  REQUIRE(mail.step());
  CHECK(cpd::outbox_text(s.db, mail.integer(0))
          .body.find(fmt::format("fetch it with: cpd attachment get {}", id))
        != std::string::npos);
}

TEST_CASE("a member adds evidence to their own pending claim, the secretary gets the new files")
{
  testutil::Scheme s;
  const auto id = claim_with(s, "ann", {{"cert.pdf", "application/pdf", "%PDF cert"}});
  const auto result = cpd::attach_evidence(
    s.db, s.as("ann"), id, {{"photo.jpg", "image/jpeg", "\xff\xd8\xff photo"}});
  CHECK_FALSE(result.audit_year);
  CHECK(result.claim.attachments == 2);
  REQUIRE(result.added.size() == 1);
  CHECK(result.added[0].name == "photo.jpg");
  cpd::Statement mail(
    s.db,
    "SELECT count(*), group_concat(x.attachment_id) FROM outbox o"
    " LEFT JOIN outbox_attachment x ON x.outbox_id = o.id"
    " WHERE o.cause LIKE 'claim:%:evidence:%' AND o.to_address = 'sec@example.org'");
  mail.step();
  CHECK(mail.integer(0) == 1);
  CHECK(mail.text(1) == std::to_string(result.added[0].id)); // only the new file rides along
}

TEST_CASE("evidence is refused, and nothing stored, when empty, twice, not yours or decided")
{
  testutil::Scheme s;
  const auto id = claim_with(s, "ann", {{"cert.pdf", "application/pdf", "%PDF cert"}});
  auto files = [&] { return cpd::list_attachments(s.db, s.as("ann"), id).size(); };
  CHECK(error_kind([&] {
          cpd::attach_evidence(s.db, s.as("ann"), id, {{"e.pdf", "application/pdf", ""}});
        })
        == ErrorKind::bad_input);
  CHECK(
    error_kind([&] {
      cpd::attach_evidence(s.db, s.as("ann"), id, {{"copy.pdf", "application/pdf", "%PDF cert"}});
    })
    == ErrorKind::refused);
  CHECK(error_kind([&] {
          cpd::attach_evidence(
            s.db,
            s.as("ann"),
            id,
            {{"a.pdf", "application/pdf", "%PDF a"}, {"b.pdf", "application/pdf", "%PDF a"}});
        })
        == ErrorKind::refused);
  CHECK(error_kind([&] {
          cpd::attach_evidence(s.db, s.as("bob"), id, {{"b.pdf", "application/pdf", "%PDF b"}});
        })
        == ErrorKind::permission);
  CHECK(error_kind([&] {
          cpd::attach_evidence(s.db, s.as("ann"), 99, {{"b.pdf", "application/pdf", "%PDF b"}});
        })
        == ErrorKind::refused);
  CHECK(files() == 1);
  cpd::approve_claims(s.db, s.as("sec"), {id}, "");
  CHECK(error_kind([&] {
          cpd::attach_evidence(s.db, s.as("ann"), id, {{"b.pdf", "application/pdf", "%PDF b"}});
        })
        == ErrorKind::refused);
  CHECK(files() == 1);
}

TEST_CASE("a new claim with an empty file, or the same file twice, is refused")
{
  testutil::Scheme s;
  CHECK(error_kind([&] {
          claim_with(s, "ann", {{"e.pdf", "application/pdf", ""}});
        })
        == ErrorKind::bad_input);
  CHECK(error_kind([&] {
          claim_with(
            s, "ann", {{"a.pdf", "application/pdf", "same"}, {"b.pdf", "application/pdf", "same"}});
        })
        == ErrorKind::refused);
  cpd::Statement count(s.db, "SELECT count(*) FROM claim");
  count.step();
  CHECK(count.integer(0) == 0);
}

namespace {

std::int64_t
scalar(cpd::Database& db, const std::string& sql)
{
  cpd::Statement query(db, sql);
  query.step();
  return query.integer(0);
}

testutil::As
days_later(testutil::Scheme& s, const std::string& login, int days)
{
  auto context = s.as(login);
  context.today = context.today.plus_days(days);
  context.now += std::int64_t{days} * 86400;
  return context;
}

} // namespace

TEST_CASE("evidence over attach.max_year_bytes is refused, and the secretary is told once")
{
  testutil::Scheme s;
  cpd::set_setting(s.db, s.as("sec"), "attach.max_year_bytes", "100");
  const auto first = claim_with(s, "ann", {{"a.pdf", "application/pdf", std::string(60, 'a')}});
  const auto files = scalar(s.db, "SELECT count(*) FROM attachment");
  const auto claims = scalar(s.db, "SELECT count(*) FROM claim");
  try {
    claim_with(s, "ann", {{"b.pdf", "application/pdf", std::string(50, 'b')}});
    FAIL("a claim past the year's evidence was taken");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::refused);
    CHECK(std::string(e.what())
          == "50 bytes more would take your evidence for 2017 past the 100 bytes a member may "
             "attach to the claims of a year (attach.max_year_bytes; 60 bytes used); nothing was "
             "stored, and the membership secretary has been told");
  }
  CHECK(error_kind([&] {
          cpd::attach_evidence(
            s.db, s.as("ann"), first, {{"c.pdf", "application/pdf", std::string(41, 'c')}});
        })
        == ErrorKind::refused);
  CHECK(scalar(s.db, "SELECT count(*) FROM attachment") == files);
  CHECK(scalar(s.db, "SELECT count(*) FROM claim") == claims);
  // One mail to the secretary's address (mail.secretary), however often.
  CHECK(scalar(s.db, "SELECT count(*) FROM outbox WHERE template = 'quota-reached'") == 1);
  const auto mail = cpd::outbox_text(
    s.db, scalar(s.db, "SELECT max(id) FROM outbox WHERE template = 'quota-reached'"));
  CHECK(mail.subject
        == "CPD: Ann Surveyor reached the limit of 100 bytes of evidence for the "
           "claims of a year");
  CHECK(mail.body.find("evidence to a claim of 2017") != std::string::npos);
  // Up to the limit is fine; another member has their own.
  cpd::attach_evidence(
    s.db, s.as("ann"), first, {{"c.pdf", "application/pdf", std::string(40, 'c')}});
  claim_with(s, "bob", {{"e.pdf", "application/pdf", std::string(90, 'e')}});
  // A claim without files is no evidence.
  s.claim("ann", "iims-webinar", cpd::Date(2017, 3, 2));
}

TEST_CASE(
  "a withdrawn claim's evidence is purged after attach.purge_withdrawn_days, and a declined "
  "claim keeps it")
{
  testutil::Scheme s;
  const std::string big(200000, 'w');
  const auto withdrawn = claim_with(s, "ann", {{"w.pdf", "application/pdf", big}});
  const auto declined = claim_with(s, "bob", {{"d.pdf", "application/pdf", big + "d"}});
  const auto kept = claim_with(s, "ann", {{"k.pdf", "application/pdf", big + "k"}});
  cpd::withdraw_claim(s.db, s.as("ann"), withdrawn);
  cpd::decline_claims(s.db, s.as("sec"), {declined}, "no evidence of attendance");

  CHECK(cpd::purge_withdrawn_evidence(s.db, days_later(s, "sec", 29)).claims == 0);
  const auto free_before = scalar(s.db, "PRAGMA freelist_count");
  const auto purged = cpd::purge_withdrawn_evidence(s.db, days_later(s, "sec", 30));
  CHECK(purged.claims == 1);
  CHECK(purged.files == 1);
  CHECK(purged.bytes == 200000);
  // The blob's pages are free for the database to use again.
  CHECK(scalar(s.db, "PRAGMA freelist_count") > free_before + 40);
  CHECK(scalar(s.db, fmt::format("SELECT count(*) FROM attachment WHERE claim_id = {}", withdrawn))
        == 0);
  CHECK(scalar(s.db, fmt::format("SELECT count(*) FROM attachment WHERE claim_id = {}", declined))
        == 1);
  CHECK(scalar(s.db, fmt::format("SELECT count(*) FROM attachment WHERE claim_id = {}", kept))
        == 1);
  CHECK(scalar(s.db, "PRAGMA foreign_key_check") == 0);

  // The member's history says so; the files cannot be fetched any more.
  const auto record = cpd::history(s.db, s.as("ann"), std::nullopt, std::nullopt);
  REQUIRE(record.claims.size() == 2);
  CHECK(record.claims[0].id == withdrawn);
  CHECK(record.claims[0].evidence_purged == cpd::Date(2017, 4, 14));
  CHECK(record.claims[0].attachments == 0);
  CHECK_FALSE(record.claims[1].evidence_purged);
  try {
    load(s, "ann", withdrawn);
    FAIL("purged evidence was loaded");
  } catch (const cpd::Error& e) {
    CHECK(
      std::string(e.what())
      == fmt::format("claim #{} was withdrawn and its evidence purged on 2017-04-14", withdrawn));
  }
  // Nothing is left to purge, and the purged bytes still count for the year.
  CHECK(cpd::purge_withdrawn_evidence(s.db, days_later(s, "sec", 60)).claims == 0);
  cpd::set_setting(s.db, s.as("sec"), "attach.max_year_bytes", "400001");
  CHECK(error_kind([&] {
          claim_with(s, "ann", {{"x.pdf", "application/pdf", "x"}});
        })
        == ErrorKind::refused);
  // Members do not purge.
  CHECK(error_kind([&] { cpd::purge_withdrawn_evidence(s.db, days_later(s, "ann", 60)); })
        == ErrorKind::permission);
}

TEST_CASE("a purge tells the mail layer which files go, before they go")
{
  testutil::Scheme s;
  const auto withdrawn = claim_with(
    s,
    "ann",
    {{"a.pdf", "application/pdf", "first file"}, {"b.pdf", "application/pdf", "second file"}});
  const auto kept = claim_with(s, "bob", {{"k.pdf", "application/pdf", "kept file"}});
  cpd::withdraw_claim(s.db, s.as("ann"), withdrawn);
  const auto carried = fmt::format("SELECT count(*) FROM outbox_attachment WHERE attachment_id IN"
                                   " (SELECT id FROM attachment WHERE claim_id = {})",
                                   withdrawn);
  // The mail of the claim carries its files until the purge.
  REQUIRE(scalar(s.db, carried) == 2);
  const auto in_all_mail = scalar(s.db, "SELECT count(*) FROM outbox_attachment");
  // The mail layer's part, watched: when it hears of the purge, the files
  // are all still there, and still in the mail.
  std::vector<std::int64_t> told;
  std::int64_t there = 0;
  std::int64_t in_mail = 0;
  s.db.events().on<cpd::EvidencePurged>(
    [&](cpd::Database& db, const cpd::Context&, const cpd::EvidencePurged& purged) {
      told = purged.attachments;
      there =
        scalar(db, fmt::format("SELECT count(*) FROM attachment WHERE claim_id = {}", withdrawn));
      in_mail = scalar(db, carried);
      cpd::drop_attachments(db, purged.attachments);
    });
  CHECK(cpd::purge_withdrawn_evidence(s.db, days_later(s, "sec", 30), cpd::DryRun::yes).files == 2);
  CHECK(told.empty());
  CHECK(cpd::purge_withdrawn_evidence(s.db, days_later(s, "sec", 30)).files == 2);
  CHECK(told.size() == 2);
  CHECK(there == 2);
  CHECK(in_mail == 2);
  CHECK(scalar(s.db, fmt::format("SELECT count(*) FROM attachment WHERE claim_id = {}", withdrawn))
        == 0);
  CHECK(scalar(s.db, fmt::format("SELECT count(*) FROM attachment WHERE claim_id = {}", kept))
        == 1);
  // The mail went without the purged files; the kept claim's stay in its mail.
  CHECK(scalar(s.db, "SELECT count(*) FROM outbox_attachment") == in_all_mail - 2);
  CHECK(scalar(s.db, "PRAGMA foreign_key_check") == 0);
}

TEST_CASE("a member never learns that another member's claim holds the same file")
{
  testutil::Scheme s;
  const auto first = claim_with(s, "bob", {{"cert.pdf", "application/pdf", "same bytes"}});
  const auto second = claim_with(s, "ann", {{"copy.pdf", "application/pdf", "same bytes"}});
  const auto mine = cpd::list_attachments(s.db, s.as("ann"), second);
  REQUIRE(mine.size() == 1);
  CHECK_FALSE(mine[0].duplicate_of);
  const auto theirs = cpd::list_attachments(s.db, s.as("sec"), second);
  REQUIRE(theirs[0].duplicate_of);
  CHECK(theirs[0].duplicate_of->ids == std::vector<std::int64_t>{first});
  const auto third = claim_with(s, "ann", {{"n.txt", "text/plain", "notes"}});
  const auto added = cpd::attach_evidence(
    s.db, s.as("ann"), third, {{"again.pdf", "application/pdf", "same bytes"}});
  REQUIRE(added.added.size() == 1);
  CHECK_FALSE(added.added[0].duplicate_of);
  // Mail to the member never says it; the secretary's does.
  cpd::Statement mails(s.db,
                       "SELECT o.id, coalesce(m.login, '') FROM outbox o"
                       " LEFT JOIN member m ON m.id = o.member_id");
  int secretary_said = 0;
  while (mails.step()) {
    const auto text = cpd::outbox_text(s.db, mails.integer(0));
    const bool says = text.body.find("also attached to claim") != std::string::npos;
    if (mails.text(1) == "ann" || mails.text(1) == "bob") {
      CHECK_FALSE(says);
    } else {
      secretary_said += says ? 1 : 0;
    }
  }
  CHECK(secretary_said > 0);
}

TEST_CASE("a flag names three claims and counts the rest, for one file or several")
{
  testutil::Scheme s;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(claim_with(s, "ann", {{"same.pdf", "application/pdf", "the same bytes"}}));
  }
  const auto both = claim_with(s,
                               "bob",
                               {{"same.pdf", "application/pdf", "the same bytes"},
                                {"other.pdf", "application/pdf", "other bytes"}},
                               cpd::Date(2017, 3, 2));
  const auto other =
    claim_with(s, "bob", {{"other.pdf", "application/pdf", "other bytes"}}, cpd::Date(2017, 3, 3));
  const auto pending = cpd::pending_claims(s.db, s.as("sec"));
  REQUIRE(pending.size() == 12);
  const auto& last = pending[9];
  CHECK(last.id == ids[9]);
  CHECK(last.duplicate_of->ids == std::vector<std::int64_t>{ids[0], ids[1], ids[2]});
  CHECK(last.duplicate_of->more == 7); // the other 9 of ann's and bob's
  CHECK(last.same_day->ids == std::vector<std::int64_t>{ids[0], ids[1], ids[2]});
  CHECK(last.same_day->more == 6);
  CHECK(cpd::claim_refs(*last.duplicate_of)
        == fmt::format("#{}, #{}, #{} and 7 more", ids[0], ids[1], ids[2]));
  // Two files: the claims holding either, each once.
  const auto& two = pending[10];
  CHECK(two.id == both);
  CHECK(two.duplicate_of->ids == std::vector<std::int64_t>{ids[0], ids[1], ids[2]});
  CHECK(two.duplicate_of->more == 8);
  CHECK(two.same_day->empty());
  CHECK(pending[11].duplicate_of->ids == std::vector<std::int64_t>{both});
  CHECK(pending[11].duplicate_of->more == 0);
  CHECK(cpd::claim_refs(*pending[11].duplicate_of) == fmt::format("#{}", both));
  CHECK(pending[11].id == other);
  CHECK(cpd::claim_refs({{1, 2}, 0}) == "#1 and #2");
  // The files' lists for the secretary are as short.
  const auto files = cpd::list_attachments(s.db, s.as("sec"), ids[0]);
  CHECK(files[0].duplicate_of->ids == std::vector<std::int64_t>{ids[1], ids[2], ids[3]});
  CHECK(files[0].duplicate_of->more == 7);
  CHECK(cpd::duplicate_claims(s.db, both).more == 8);
}
