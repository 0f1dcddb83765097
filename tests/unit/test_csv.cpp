#include "testutil.hpp"

#include <cpd/util/csv.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

using cpd::CsvReader;
using cpd::CsvRecord;
using cpd::CsvTable;
using cpd::ErrorKind;
using namespace std::string_literals;

using Fields = std::vector<std::string>;

namespace {

std::vector<CsvRecord>
parse(std::string_view text)
{
  CsvReader reader(text);
  std::vector<CsvRecord> records;
  while (auto record = reader.next()) {
    records.push_back(std::move(*record));
  }
  return records;
}

std::vector<CsvRecord>
parse_stream(const std::string& text)
{
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRecord> records;
  while (auto record = reader.next()) {
    records.push_back(std::move(*record));
  }
  return records;
}

std::vector<Fields>
fields_of(const std::vector<CsvRecord>& records)
{
  std::vector<Fields> result;
  for (const auto& record : records) {
    result.push_back(record.fields);
  }
  return result;
}

std::vector<std::size_t>
lines_of(const std::vector<CsvRecord>& records)
{
  std::vector<std::size_t> result;
  for (const auto& record : records) {
    result.push_back(record.line);
  }
  return result;
}

// The message of the bad_input error reading all of `text` throws.
std::string
parse_error(std::string_view text, std::string source = {})
{
  try {
    CsvReader reader(text, std::move(source));
    while (reader.next()) {
    }
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::bad_input);
    return e.what();
  }
  FAIL("no error for: " << std::string(text));
  return {};
}

// The message of the error building a table and reading all its rows throws.
cpd::Error
table_error(std::string_view text,
            const Fields& required,
            const Fields& optional = {},
            std::string source = {})
{
  try {
    CsvReader reader(text, std::move(source));
    CsvTable table(reader, required, optional);
    while (table.next()) {
    }
  } catch (const cpd::Error& e) {
    return e;
  }
  FAIL("no error for: " << std::string(text));
  return cpd::Error(ErrorKind::internal, "unreachable");
}

// A stream buffer whose reads fail, like a disk error.
class FailingBuffer : public std::streambuf
{
protected:
  int_type
  underflow() override
  {
    throw std::runtime_error("EIO");
  }
};

} // namespace

TEST_CASE("CSV records and fields")
{
  SUBCASE("plain records, LF, with and without a final newline")
  {
    const auto records = parse("a,b,c\n1,2,3\n");
    CHECK(fields_of(records) == std::vector<Fields>{{"a", "b", "c"}, {"1", "2", "3"}});
    CHECK(lines_of(records) == std::vector<std::size_t>{1, 2});
    CHECK(fields_of(parse("a,b\n1,2")) == std::vector<Fields>{{"a", "b"}, {"1", "2"}});
    CHECK(fields_of(parse("only")) == std::vector<Fields>{{"only"}});
  }
  SUBCASE("CRLF and mixed record ends")
  {
    CHECK(fields_of(parse("a,b\r\n1,2\r\n")) == std::vector<Fields>{{"a", "b"}, {"1", "2"}});
    const auto records = parse("a\r\nb\nc\r\nd");
    CHECK(fields_of(records) == std::vector<Fields>{{"a"}, {"b"}, {"c"}, {"d"}});
    CHECK(lines_of(records) == std::vector<std::size_t>{1, 2, 3, 4});
  }
  SUBCASE("empty fields")
  {
    CHECK(fields_of(parse(",\n")) == std::vector<Fields>{{"", ""}});
    CHECK(fields_of(parse("a,,b")) == std::vector<Fields>{{"a", "", "b"}});
    CHECK(fields_of(parse("a,b,\n")) == std::vector<Fields>{{"a", "b", ""}});
    CHECK(fields_of(parse("a,b,")) == std::vector<Fields>{{"a", "b", ""}});
    CHECK(fields_of(parse(",a")) == std::vector<Fields>{{"", "a"}});
    CHECK(fields_of(parse("\"\"\n")) == std::vector<Fields>{{""}});
    CHECK(fields_of(parse("\"\",\"\"")) == std::vector<Fields>{{"", ""}});
  }
  SUBCASE("spaces are data")
  {
    CHECK(fields_of(parse(" a , b \n")) == std::vector<Fields>{{" a ", " b "}});
  }
}

TEST_CASE("CSV quoted fields")
{
  SUBCASE("commas and doubled quotes")
  {
    CHECK(fields_of(parse(R"("a,b","say ""hi""",plain)"))
          == std::vector<Fields>{{"a,b", "say \"hi\"", "plain"}});
    CHECK(fields_of(parse(R"("""")")) == std::vector<Fields>{{"\""}});
    CHECK(fields_of(parse(R"("""a""",x)")) == std::vector<Fields>{{"\"a\"", "x"}});
  }
  SUBCASE("LF and CRLF inside quotes are data, and lines still count")
  {
    const auto records = parse("\"line1\nline2\",x\nnext,y\n");
    CHECK(fields_of(records) == std::vector<Fields>{{"line1\nline2", "x"}, {"next", "y"}});
    CHECK(lines_of(records) == std::vector<std::size_t>{1, 3});

    const auto crlf = parse("\"a\r\nb\r\n\r\nc\"\r\nd\r\n");
    CHECK(fields_of(crlf) == std::vector<Fields>{{"a\r\nb\r\n\r\nc"}, {"d"}});
    CHECK(lines_of(crlf) == std::vector<std::size_t>{1, 5});
  }
  SUBCASE("a quoted last field at the end of input")
  {
    CHECK(fields_of(parse("a,\"b\"")) == std::vector<Fields>{{"a", "b"}});
    CHECK(fields_of(parse("a,\"b\"\r\n")) == std::vector<Fields>{{"a", "b"}});
  }
  SUBCASE("UTF-8 passes")
  {
    CHECK(fields_of(parse("Zo\xc3\xab,\"\xe6\x97\xa5\xe6\x9c\xac, \xe2\x82\xac\"\n"))
          == std::vector<Fields>{{"Zo\xc3\xab", "\xe6\x97\xa5\xe6\x9c\xac, \xe2\x82\xac"}});
  }
}

TEST_CASE("CSV BOM and blank lines")
{
  CHECK(fields_of(parse("\xef\xbb\xbfname,email\n")) == std::vector<Fields>{{"name", "email"}});
  CHECK(fields_of(parse("\xef\xbb\xbf\"q\"")) == std::vector<Fields>{{"q"}});
  // Only at the very start.
  CHECK(fields_of(parse("a\n\xef\xbb\xbf"
                        "b"))
        == std::vector<Fields>{{"a"},
                               {"\xef\xbb\xbf"
                                "b"}});

  const auto records = parse("\n\na\n\r\n\nb\n\n");
  CHECK(fields_of(records) == std::vector<Fields>{{"a"}, {"b"}});
  CHECK(lines_of(records) == std::vector<std::size_t>{3, 6});

  CHECK(parse("").empty());
  CHECK(parse("\xef\xbb\xbf").empty());
  CHECK(parse("\n\r\n\n").empty());
}

TEST_CASE("malformed CSV is refused naming the line")
{
  CHECK(parse_error("a,b\"c\n").starts_with("line 1: a quote inside an unquoted field"));
  CHECK(parse_error("x\ny\n \"a\",b\n").starts_with("line 3: a quote inside an unquoted field"));
  CHECK(parse_error("x\n\"a\"b,c\n").starts_with("line 2: text after the closing quote"));
  CHECK(parse_error("\"a\" ,c\n").starts_with("line 1: text after the closing quote"));
  CHECK(parse_error("\"multi\nline\"x\n").starts_with("line 2: text after the closing quote"));
  // An unclosed quote names the line where the field opens.
  CHECK(parse_error("a\n\"unterminated,\nmore\nlines\n")
        == "line 2: a quoted field is not closed before the end of the input");
  CHECK(parse_error("\"") == "line 1: a quoted field is not closed before the end of the input");
  CHECK(parse_error("\"a\"\"")
        == "line 1: a quoted field is not closed before the end of the input");
  CHECK(parse_error("a\rb\n").starts_with("line 1: a carriage return not followed by a line feed"));
  CHECK(parse_error("a\n\r").starts_with("line 2: a carriage return"));
  CHECK(parse_error("\"a\"\r").starts_with("line 1: a carriage return"));

  SUBCASE("invalid UTF-8, at the line of the bad byte")
  {
    CHECK(parse_error("a\nb\nc\xff\n").starts_with("line 3: text that is not valid UTF-8"));
    CHECK(parse_error("x\n\"ok\nstill ok\nbad \xe9\"\n")
            .starts_with("line 4: text that is not valid UTF-8"));
    CHECK(parse_error("over,\xc0\xaf").starts_with("line 1: text that is not valid UTF-8"));
    CHECK(parse_error("surrogate \xed\xa0\x80").starts_with("line 1:"));
    CHECK(parse_error("cut \xe2\x82").starts_with("line 1:"));
    CHECK(parse_error("\xef\xbb").starts_with("line 1:")); // half a BOM
  }
  SUBCASE("the source is named")
  {
    CHECK(parse_error("l,n\n1,2\n3,\"4\"5\n", "members.csv")
            .starts_with("members.csv line 3: text after the closing quote"));
  }
  SUBCASE("a record over 1 MiB")
  {
    CHECK(parse_error("\"" + std::string(CsvReader::k_max_record_bytes + 1, 'x'))
            .starts_with("line 1: a record longer than 1 MiB"));
    CHECK(parse_error("a\n" + std::string(CsvReader::k_max_record_bytes / 2, 'x') + ","
                      + std::string(CsvReader::k_max_record_bytes / 2, 'y'))
            .starts_with("line 2: a record longer than 1 MiB"));
    CHECK(parse(std::string(CsvReader::k_max_record_bytes, 'x')).size() == 1);
  }
}

TEST_CASE("CSV from a stream equals CSV from a string, across chunk edges")
{
  // Each tricky construct is placed at every offset around the 64 KiB
  // boundary where the stream reader refills.
  for (const std::string& tricky : {"\"a\"\"b\"\r\n"s,
                                    "\"x\ny\",z\r\n"s,
                                    "p,q\r\n"s,
                                    "\"\"\"\"\n"s,
                                    "caf\xc3\xa9\xe6\x97\xa5\n"s}) {
    for (std::size_t pad = 65536 - 12; pad <= 65536 + 2; ++pad) {
      CAPTURE(pad);
      const std::string text = std::string(pad, 'f') + "\n" + tricky + "end";
      const auto from_string = parse(text);
      const auto from_stream = parse_stream(text);
      REQUIRE(fields_of(from_stream) == fields_of(from_string));
      REQUIRE(lines_of(from_stream) == lines_of(from_string));
      REQUIRE(from_string.size() == 3);
      REQUIRE(from_string.back().fields == Fields{"end"});
    }
  }
  // A BOM with the rest of the file in the stream.
  CHECK(fields_of(parse_stream("\xef\xbb\xbf"
                               "a,b\n"))
        == std::vector<Fields>{{"a", "b"}});

  SUBCASE("a file on disk")
  {
    testutil::TempDir dir;
    testutil::write_file(dir / "m.csv", "login,name\r\njane,\"Doe, Jane\"\r\n");
    std::ifstream in(dir / "m.csv", std::ios::binary);
    CsvReader reader(in, "m.csv");
    CHECK(reader.next()->fields == Fields{"login", "name"});
    const auto second = reader.next();
    CHECK(second->fields == Fields{"jane", "Doe, Jane"});
    CHECK(second->line == 2);
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.next()); // stays at the end
  }
  SUBCASE("a failing stream is an I/O error")
  {
    FailingBuffer buffer;
    std::istream in(&buffer);
    CsvReader reader(in, "broken.csv");
    try {
      reader.next();
      FAIL("no error");
    } catch (const cpd::Error& e) {
      CHECK(e.kind() == ErrorKind::io);
      CHECK(std::string(e.what()) == "broken.csv: reading failed");
    }
  }
}

TEST_CASE("CsvReader::where")
{
  CHECK(CsvReader("", "members.csv").where(7) == "members.csv line 7");
  CHECK(CsvReader("").where(7) == "line 7");
  CHECK(CsvReader("").source() == "CSV input");
}

TEST_CASE("csv_field and csv_row quote per RFC 4180")
{
  CHECK(cpd::csv_field("plain") == "plain");
  CHECK(cpd::csv_field("") == "");
  CHECK(cpd::csv_field("in side") == "in side");
  CHECK(cpd::csv_field("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(cpd::csv_field("a,b") == "\"a,b\"");
  CHECK(cpd::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(cpd::csv_field("\"") == "\"\"\"\"");
  CHECK(cpd::csv_field("a\nb") == "\"a\nb\"");
  CHECK(cpd::csv_field("a\rb") == "\"a\rb\"");
  CHECK(cpd::csv_field(" lead") == "\" lead\"");
  CHECK(cpd::csv_field("trail ") == "\"trail \"");
  CHECK(cpd::csv_field("\ttab") == "\"\ttab\"");
  CHECK(cpd::csv_field(" ") == "\" \"");
  CHECK(cpd::csv_field("\xef\xbb\xbfx") == "\"\xef\xbb\xbfx\"");

  CHECK(cpd::csv_row({"a", "b"}) == "a,b\r\n");
  CHECK(cpd::csv_row({"a", "b,c", ""}) == "a,\"b,c\",\r\n");
  CHECK(cpd::csv_row({"", ""}) == ",\r\n");
  CHECK(cpd::csv_row({""}) == "\"\"\r\n");
  CHECK(cpd::csv_row({}) == "\r\n");
}

TEST_CASE("CSV writer and reader round-trip awkward fields")
{
  const Fields awkward = {"",
                          " ",
                          "\"",
                          "\"\"",
                          ",",
                          "\r\n",
                          "\n",
                          "\r",
                          "a\"b",
                          "line1\r\nline2",
                          " padded ",
                          "\xef\xbb\xbf"
                          "bom",
                          "\xe6\x97\xa5\xe6\x9c\xac \xc3\xa9\xf0\x9f\x98\x80",
                          "=1+1",
                          "trailing,comma,"};
  std::string text;
  std::vector<Fields> rows;
  for (const auto& field : awkward) {
    rows.push_back({field});
    rows.push_back({field, field});
    rows.push_back({"x", field, "y"});
  }
  rows.push_back(awkward);
  for (const auto& row : rows) {
    text += cpd::csv_row(row);
  }
  CHECK(fields_of(parse(text)) == rows);

  // Random rows over an alphabet of the characters that matter.
  const std::vector<std::string> alphabet = {
    "a", " ", ",", "\"", "\r", "\n", "\t", "\xc3\xa9", "\xef\xbb\xbf"};
  std::uint32_t x = 99;
  const auto random = [&](std::uint32_t n) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x % n;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<Fields> random_rows(1 + random(5));
    std::string random_text;
    for (auto& row : random_rows) {
      row.resize(1 + random(4));
      for (auto& field : row) {
        const auto length = random(8);
        for (std::uint32_t i = 0; i < length; ++i) {
          field += alphabet[random(static_cast<std::uint32_t>(alphabet.size()))];
        }
      }
      random_text += cpd::csv_row(row);
    }
    CAPTURE(random_text);
    REQUIRE(fields_of(parse(random_text)) == random_rows);
  }
}

TEST_CASE("10,000 rows parse quickly")
{
  std::string text = "login,name,email\r\n";
  for (int i = 0; i < 10'000; ++i) {
    text += cpd::csv_row({fmt::format("user{}", i),
                          fmt::format("Surname {}, Given", i),
                          fmt::format("user{}@example.org", i)});
  }
  const auto start = std::chrono::steady_clock::now();
  CsvReader reader(text);
  CsvTable table(reader, {"login", "name", "email"});
  std::size_t rows = 0;
  std::size_t last_line = 0;
  while (auto row = table.next()) {
    ++rows;
    last_line = row->line();
  }
  CHECK(rows == 10'000);
  CHECK(last_line == 10'001);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("CsvTable maps columns by name")
{
  const std::string text = "\xef\xbb\xbf"
                           "Email, LOGIN ,name\r\n"
                           "jane@example.org,jane,\"Doe, Jane\"\r\n"
                           "\r\n"
                           ",,\r\n"
                           "bob@example.org,bob,Bob\r\n";
  CsvReader reader(text, "members.csv");
  CsvTable table(reader, {"login", "name", "email"}, {"secretary"});
  CHECK(table.has_column("login"));
  CHECK_FALSE(table.has_column("secretary"));
  CHECK_THROWS_AS(table.has_column("phone"), cpd::Error);

  auto jane = table.next();
  REQUIRE(jane);
  CHECK(jane->line() == 2);
  CHECK(jane->where() == "members.csv line 2");
  CHECK((*jane)["login"] == "jane");
  CHECK((*jane)["Name"] == "Doe, Jane");
  CHECK((*jane)["EMAIL"] == "jane@example.org");
  CHECK((*jane)["secretary"] == ""); // optional, absent
  CHECK(jane->fields() == Fields{"jane@example.org", "jane", "Doe, Jane"});
  try {
    (void)(*jane)["phone"];
    FAIL("no error");
  } catch (const cpd::Error& e) {
    CHECK(e.kind() == ErrorKind::internal);
  }

  auto bob = table.next(); // the blank and the all-empty rows are skipped
  REQUIRE(bob);
  CHECK(bob->line() == 5);
  CHECK((*bob)["login"] == "bob");
  CHECK_FALSE(table.next());

  SUBCASE("an optional column that is present")
  {
    CsvReader with(std::string_view("login,secretary,name,email\nann,yes,Ann,a@x\n"));
    CsvTable t(with, {"login", "name", "email"}, {"secretary"});
    CHECK(t.has_column("secretary"));
    auto ann = t.next();
    REQUIRE(ann);
    CHECK((*ann)["secretary"] == "yes");
    CHECK((*ann)["email"] == "a@x");
  }
}

TEST_CASE("CsvTable refuses a bad header or row")
{
  const Fields required = {"login", "name", "email"};

  auto e = table_error("login\njane\n", required, {"secretary"}, "members.csv");
  CHECK(e.kind() == ErrorKind::bad_input);
  CHECK(std::string(e.what())
        == "members.csv line 1: missing columns \"name\", \"email\"; "
           "expected columns login, name, email (optional: secretary)");

  e = table_error("login,name\n", required);
  CHECK(std::string(e.what()).starts_with("line 1: missing column \"email\";"));

  e = table_error("login,name,email,phone,fax\n", required, {"secretary"});
  CHECK(e.kind() == ErrorKind::bad_input);
  CHECK(std::string(e.what())
        == "line 1: unknown columns \"phone\", \"fax\"; "
           "expected columns login, name, email (optional: secretary)");

  e = table_error("login,name,email,\n", required);
  CHECK(std::string(e.what()).starts_with("line 1: unknown column \"\";"));

  e = table_error("login,name,EMAIL,email\n", required);
  CHECK(e.kind() == ErrorKind::bad_input);
  CHECK(std::string(e.what()) == "line 1: column \"email\" appears twice");

  e = table_error("", required, {}, "members.csv");
  CHECK(e.kind() == ErrorKind::bad_input);
  CHECK(std::string(e.what()) == "members.csv: no header row; expected columns login, name, email");

  e = table_error("\n\n", {}, {"note"});
  CHECK(std::string(e.what()) == "CSV input: no header row; expected columns (optional: note)");

  e = table_error("login,name,email\na,b,c\nd,e\n", required, {}, "members.csv");
  CHECK(e.kind() == ErrorKind::bad_input);
  CHECK(std::string(e.what()) == "members.csv line 3: 2 fields where the header has 3");

  e = table_error("login,name,email\n\"a\nb\",c,d,e\n", required);
  CHECK(std::string(e.what()) == "line 2: 4 fields where the header has 3");

  // Reader errors come through with their line.
  e = table_error("login,name,email\na,b,c\"\n", required);
  CHECK(e.kind() == ErrorKind::bad_input);
  CHECK(std::string(e.what()).starts_with("line 2: a quote inside an unquoted field"));
}

TEST_CASE("text a spreadsheet would run as a formula is kept as text")
{
  CHECK(cpd::csv_text("=1+2") == "'=1+2");
  CHECK(cpd::csv_text("+1") == "'+1");
  CHECK(cpd::csv_text("-1") == "'-1");
  CHECK(cpd::csv_text("@SUM(A1)") == "'@SUM(A1)");
  CHECK(cpd::csv_text("\t=1") == "'\t=1");
  CHECK(cpd::csv_text("\r=1") == "'\r=1");
  CHECK(cpd::csv_text("Hull survey") == "Hull survey");
  CHECK(cpd::csv_text("a=b") == "a=b");
  CHECK(cpd::csv_text("") == "");
}
