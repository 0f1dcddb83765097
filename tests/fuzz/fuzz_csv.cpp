// libFuzzer target for the CSV reader; tests/fuzz/run builds and runs it.
//
// Malformed input may only throw cpd::Error (bad_input); anything else, or a
// broken invariant, aborts.

#include <cpd/util/csv.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/text.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

void
check(bool condition)
{
  if (!condition) {
    std::abort();
  }
}

std::vector<cpd::CsvRecord>
read_all(cpd::CsvReader& reader)
{
  std::vector<cpd::CsvRecord> records;
  std::size_t previous_line = 0;
  while (auto record = reader.next()) {
    check(record->line > previous_line);
    check(!record->fields.empty());
    for (const auto& field : record->fields) {
      check(cpd::valid_utf8(field));
    }
    previous_line = record->line;
    records.push_back(std::move(*record));
  }
  return records;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::vector<cpd::CsvRecord> records;
  bool valid = true;
  try {
    cpd::CsvReader reader(text, "fuzz.csv");
    records = read_all(reader);
  } catch (const cpd::Error& e) {
    check(e.kind() == cpd::ErrorKind::bad_input);
    valid = false;
  }

  // The stream reader agrees with the string reader.
  try {
    std::istringstream in{std::string(text)};
    cpd::CsvReader reader(in);
    const auto from_stream = read_all(reader);
    check(valid && from_stream.size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      check(from_stream[i].line == records[i].line);
      check(from_stream[i].fields == records[i].fields);
    }
  } catch (const cpd::Error& e) {
    check(!valid && e.kind() == cpd::ErrorKind::bad_input);
  }

  if (valid) {
    // What was read writes back to CSV that reads the same.
    std::string written;
    for (const auto& record : records) {
      written += cpd::csv_row(record.fields);
    }
    cpd::CsvReader again(written);
    const auto reread = read_all(again);
    check(reread.size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      check(reread[i].fields == records[i].fields);
    }
  }

  // The same bytes as a table with a header.
  try {
    cpd::CsvReader reader(text);
    cpd::CsvTable table(reader, {"login", "name"}, {"email"});
    while (auto row = table.next()) {
      check(row->fields().size() >= 2);
      (void)(*row)["login"];
      (void)(*row)["email"];
    }
  } catch (const cpd::Error& e) {
    check(e.kind() == cpd::ErrorKind::bad_input);
  }
  return 0;
}
