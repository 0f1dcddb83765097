#include "fixture.hpp"
#include "testutil.hpp"

#include <cpd/evidence.hpp>
#include <cpd/outbox.hpp>
#include <cpd/settings.hpp>
#include <cpd/sha256.hpp>
#include <cpd/spool.hpp>

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
  CHECK(cpd::duplicate_claims(s.db, second) == std::vector<std::int64_t>{first});
  CHECK(cpd::duplicate_claims(s.db, first) == std::vector<std::int64_t>{second});
  CHECK(cpd::duplicate_claims(s.db, other).empty());
  const auto pending = cpd::pending_claims(s.db, s.as("sec"));
  REQUIRE(pending.size() == 3);
  CHECK(pending[2].duplicate_of == std::vector<std::int64_t>{first});
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

TEST_CASE("a member adds evidence to their own pending claim; the secretary gets the new files")
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
