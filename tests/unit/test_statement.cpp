#include "fixture.hpp"

#include <cpd/admin/check.hpp>
#include <cpd/ledger/ledger.hpp>
#include <cpd/year/statement.hpp>
#include <cpd/year/yearend.hpp>

using cpd::Date;
using cpd::ErrorKind;
using cpd::Standing;
using testutil::error_kind;

namespace {

// ann with two approved training days in 2017 (10 points), closed on 2
// January 2018; today is 10 January 2018.
struct Closed : testutil::Scheme
{
  std::int64_t first = 0;
  std::int64_t second = 0;

  Closed()
  {
    first = claim("ann", "iims-training-day", Date(2017, 3, 1)).id;
    second = claim("ann", "iims-conference", Date(2017, 3, 2), "1.5").id;
    cpd::approve_claims(db, as("sec"), {first, second}, "");
    today = Date(2018, 1, 2);
    cpd::rollover(db, as("sec"), cpd::DryRun::no);
    today = Date(2018, 1, 10);
  }
};

} // namespace

TEST_CASE("a code is the first 80 bits of the HMAC in Crockford base32")
{
  // Python: hmac.new(b"key", b"content", hashlib.sha256), first 10 bytes.
  CHECK(cpd::statement_code("key", "content") == "HKCAXJG6X7C52KVA");
  CHECK(cpd::statement_code("key", "content!") != "HKCAXJG6X7C52KVA");
  CHECK(cpd::statement_code("other key", "content") != "HKCAXJG6X7C52KVA");
  CHECK(cpd::format_statement_code("HKCAXJG6X7C52KVA") == "HKCA-XJG6-X7C5-2KVA");
}

TEST_CASE("codes are read as people type them")
{
  CHECK(cpd::parse_statement_code("HKCA-XJG6-X7C5-2KVA") == "HKCAXJG6X7C52KVA");
  CHECK(cpd::parse_statement_code("hkca xjg6 x7c5 2kva") == "HKCAXJG6X7C52KVA");
  // O reads as 0, I and L as 1.
  CHECK(cpd::parse_statement_code("OOOO-IIII-LLLL-oilo") == "0000111111110110");
  CHECK_FALSE(cpd::parse_statement_code("HKCA-XJG6-X7C5-2KV"));   // 15 digits
  CHECK_FALSE(cpd::parse_statement_code("HKCA-XJG6-X7C5-2KVAA")); // 17
  CHECK_FALSE(cpd::parse_statement_code("UKCA-XJG6-X7C5-2KVA"));  // no U in the alphabet
  CHECK_FALSE(cpd::parse_statement_code("HKCA_XJG6_X7C5_2KVA"));
  CHECK_FALSE(cpd::parse_statement_code(""));
  CHECK_FALSE(cpd::parse_statement_code(std::string(100, '-')));
}

TEST_CASE("the canonical encoding reads back, whatever the names hold")
{
  cpd::CpdStatement statement;
  statement.organisation = "IIMS";
  statement.member = "ann";
  statement.name = "Ann\nyear 1999\n"; // no value can pass for another field
  statement.year = 2017;
  statement.closed = true;
  statement.quota = cpd::Points::from_tenths(100);
  statement.earned = cpd::Points::from_tenths(125);
  statement.total = cpd::Points::from_tenths(125);
  statement.standing = Standing::compliant;
  statement.activities.push_back({7,
                                  Date(2017, 3, 2),
                                  "iims-conference",
                                  "Title 3\n",
                                  cpd::Quantity::parse("1.5"),
                                  cpd::Unit::day,
                                  cpd::Points::from_tenths(75)});
  const auto content = cpd::encode_statement(statement);
  const auto back = cpd::decode_statement(content);
  CHECK(back.name == statement.name);
  CHECK(back.year == 2017);
  CHECK(back.total == statement.total);
  CHECK(back.standing == Standing::compliant);
  REQUIRE(back.activities.size() == 1);
  CHECK(back.activities[0].title == "Title 3\n");
  CHECK(back.activities[0].quantity == cpd::Quantity::parse("1.5"));
  CHECK(back.activities[0].unit == cpd::Unit::day);
  CHECK(cpd::encode_statement(back) == content);
  CHECK(error_kind([&] { cpd::decode_statement(content.substr(0, content.size() - 3)); })
        == ErrorKind::bad_input);
  CHECK(error_kind([&] { cpd::decode_statement("format 3\nnot\n"); }) == ErrorKind::bad_input);
}

TEST_CASE("a statement gives the year's figures, approved activities and a code")
{
  Closed s;
  const auto statement = cpd::issue_statement(s.db, s.as("ann"), std::nullopt, std::nullopt);
  CHECK(statement.year == 2017); // the last closed year
  CHECK(statement.closed);
  CHECK(statement.organisation == "IIMS");
  CHECK(statement.name == "Ann Surveyor");
  CHECK(statement.total == cpd::Points::from_tenths(125));
  CHECK(statement.standing == Standing::compliant);
  CHECK(statement.issued == Date(2018, 1, 10));
  CHECK(statement.code.size() == 16);
  REQUIRE(statement.activities.size() == 2);
  CHECK(cpd::quantity_phrase(statement.activities[1].quantity, statement.activities[1].unit)
        == "1.5 days");
  CHECK(cpd::standing_phrase(statement) == "compliant: the quota of 10 points was met");

  const auto bobs = cpd::issue_statement(s.db, s.as("sec"), std::string("bob"), 2017);
  CHECK(bobs.standing == Standing::short_of_quota);
  CHECK(cpd::standing_phrase(bobs) == "not compliant: 10 points short of the quota of 10 points");
  const auto open = cpd::issue_statement(s.db, s.as("ann"), std::nullopt, 2018);
  CHECK(open.standing == Standing::in_progress);
  CHECK_FALSE(open.closed);
  CHECK(open.carried_in == cpd::Points::from_tenths(25));
  CHECK(error_kind([&] { cpd::issue_statement(s.db, s.as("ann"), std::string("bob"), 2017); })
        == ErrorKind::permission);
  CHECK(error_kind([&] { cpd::issue_statement(s.db, s.as("ann"), std::nullopt, 2019); })
        == ErrorKind::refused);
}

TEST_CASE("anybody verifies a code, a re-issue after a change supersedes the old one")
{
  Closed s;
  const auto issued = cpd::issue_statement(s.db, s.as("ann"), std::nullopt, 2017);
  s.today = Date(2018, 1, 20);
  const auto again = cpd::issue_statement(s.db, s.as("ann"), std::nullopt, 2017);
  CHECK(again.code == issued.code);
  CHECK(again.issued == Date(2018, 1, 10));

  const auto checked = cpd::verify_statement(s.db, cpd::format_statement_code(issued.code));
  CHECK(checked.member == "ann");
  CHECK(checked.total == issued.total);
  CHECK(checked.issued == Date(2018, 1, 10));
  CHECK_FALSE(checked.superseded_on);
  CHECK_FALSE(checked.record_changed);

  cpd::revoke_claim(s.db, s.as("sec"), s.second, "not an IIMS conference");
  CHECK(cpd::verify_statement(s.db, issued.code).record_changed);
  s.today = Date(2018, 2, 3);
  const auto reissued = cpd::issue_statement(s.db, s.as("ann"), std::nullopt, 2017);
  CHECK(reissued.code != issued.code);
  CHECK(reissued.total == cpd::Points::from_tenths(50));
  CHECK(reissued.standing == Standing::short_of_quota);
  const auto old = cpd::verify_statement(s.db, issued.code);
  CHECK(old.superseded_on == Date(2018, 2, 3));
  CHECK(old.total == cpd::Points::from_tenths(125)); // what it said
  CHECK_FALSE(cpd::verify_statement(s.db, reissued.code).superseded_on);

  // One character changed: no statement has it.
  auto forged = issued.code;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  CHECK(error_kind([&] { cpd::verify_statement(s.db, forged); }) == ErrorKind::refused);
  CHECK(error_kind([&] { cpd::verify_statement(s.db, "not a code"); }) == ErrorKind::bad_input);
  CHECK(cpd::check_statements(s.db).empty());
}

TEST_CASE("an altered stored statement no longer verifies, and cpd check says so")
{
  Closed s;
  const auto issued = cpd::issue_statement(s.db, s.as("ann"), std::nullopt, 2017);
  cpd::Statement(s.db,
                 "UPDATE statement SET content = replace(content, 'total 4\n12.5', 'total 2\n99')")
    .run();
  CHECK(error_kind([&] { cpd::verify_statement(s.db, issued.code); }) == ErrorKind::bad_input);
  const auto problems = cpd::check_database(s.db, s.as("sec"));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("does not match its verification code") != std::string::npos);
}

TEST_CASE("the key is made at set-up, and differs between databases")
{
  Closed one;
  Closed two;
  const auto a = cpd::issue_statement(one.db, one.as("ann"), std::nullopt, 2017);
  const auto b = cpd::issue_statement(two.db, two.as("ann"), std::nullopt, 2017);
  CHECK(cpd::encode_statement(a) == cpd::encode_statement(b));
  CHECK(a.code != b.code);
  CHECK(error_kind([&] { cpd::verify_statement(two.db, a.code); }) == ErrorKind::refused);
}

TEST_CASE("the HTML page escapes everything from members")
{
  Closed s;
  cpd::Statement(
    s.db, "UPDATE member SET name = '<script>alert(1)</script> & \"Co''' WHERE login = 'ann'")
    .run();
  const auto page =
    cpd::statement_html(cpd::issue_statement(s.db, s.as("ann"), std::nullopt, 2017));
  CHECK(page.find("<script>") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&#39;")
        != std::string::npos);
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(page.find("IIMS training day") != std::string::npos);
}
