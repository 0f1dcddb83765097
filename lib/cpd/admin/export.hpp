#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>

#include <iosfwd>

namespace cpd {

class Database;

// How many records an export wrote.
struct ExportSummary
{
  int members = 0;
  int activities = 0;
  int claims = 0;
  int entries = 0;
};

// Writes the whole database as JSON lines for archives, from one consistent
// read: one JSON object per line, each with a "type": first "export" (the
// schema version and when), then every "member", "activity", "claim" (with
// its attachments' name, type, size and SHA-256, not their bytes) and ledger
// "entry". Points are numbers, dates YYYY-MM-DD, instants seconds since
// 1970. Only a secretary may.
ExportSummary export_database(Database& db, const Secretary& context, std::ostream& out);

} // namespace cpd
