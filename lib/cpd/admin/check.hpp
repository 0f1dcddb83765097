#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>

#include <string>
#include <vector>

namespace cpd {

class Database;

// Verifies the database: SQLite's integrity and foreign keys, and that the
// ledger equals a replay of approved claims, adjustments and year closes
// through the scheme's rules. Returns what differs (empty: all is well).
// Only a secretary (or the system) may.
std::vector<std::string> check_database(Database& db, const SecretaryOrSystem& context);

// SQLite's own checks of the file: its pages, indexes and foreign keys.
std::vector<std::string> verify_storage(Database& db);

// The ledger against the scheme's rules, by set: each claim's award and
// revocation against its status, each claim against its last event and its
// activity's year, entries against their claim link, and each member's carry
// into every year against the rule applied to the year before, with the
// quota and carry cap its close recorded. Every problem names the member
// (login) and the year. Without the permission check, for tests and tools.
std::vector<std::string> verify_ledger(Database& db);

// The statements verify_ledger runs, each returning only what is wrong:
// here so that the tests check the query plans of the statements cpd runs.

// Claims whose award and revocation entries do not follow from their status
// (none for a credited claim included), or that have entries of another
// kind, year or member: id, login, year, status, points, award, revocation,
// stray entries.
extern const char* const k_check_claim_entries_sql;

// Claims whose status is not their last event's, or filed under another
// year than their activity's: id, login, year, status, activity date, last
// event's status, filed under the wrong year.
extern const char* const k_check_claims_sql;

// Entries whose kind and claim link disagree (an award or revocation without
// a claim, another kind with one): id, login, year, kind.
extern const char* const k_check_entry_links_sql;

// Members whose carry into a year differs from the rule applied to their
// total of the year before, if that year is closed: login, year, carried,
// due.
const std::string& check_carries_sql();

} // namespace cpd
