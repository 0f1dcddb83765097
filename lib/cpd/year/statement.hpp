#pragma once

#include <cpd/ledger/activities.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/points.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

// Where a member stands in a year, as a statement says it.
enum class Standing {
  compliant,      // the quota is met
  short_of_quota, // a closed year ended short of the quota
  exempt,         // a dispensation from the quota
  in_progress,    // an open year, not met yet
};

// "compliant", "short", "exempt", "in_progress": for JSON.
std::string_view to_string(Standing standing);

// An approved activity on a statement.
struct StatementActivity
{
  std::int64_t claim_id = 0;
  Date date{2017, 1, 1};
  std::string activity; // code
  std::string title;
  std::optional<Quantity> quantity;
  Unit unit = Unit::claim;
  Points points;
};

// A member's CPD statement for one year.
struct CpdStatement
{
  std::string organisation;
  std::string member; // login
  std::string name;
  int year = 0;
  bool closed = false;
  Points quota;
  Points earned;
  Points carried_in;
  Points total;
  Points remaining; // still needed, never below 0
  Standing standing = Standing::in_progress;
  // Where the scheme asks more than one total a year: what the year
  // required ("20 points, of which at least 10 formal") and, short, by
  // what ("2 formal points"); empty otherwise.
  std::string requirement;
  std::string short_by;
  std::vector<StatementActivity> activities; // by date
  // Not part of the content the code is computed over:
  Date issued{2017, 1, 1};
  std::string code; // 16 Crockford base32 digits
  std::optional<Date> superseded_on;
  // Found by verify_statement: the member's record of the year no longer
  // says what this statement says, though no new statement was issued.
  bool record_changed = false;
};

// Issues the statement of `login` (default: the caller; others only for a
// secretary) for `year` (default: the last closed year, or this year while
// none is closed). The same content issued again keeps its code and date;
// new content (a late decision, a revocation) gets a new code, and the
// code before it is superseded today.
CpdStatement issue_statement(Database& db,
                             const MemberActor& context,
                             const std::optional<std::string>& login,
                             std::optional<int> year);

// What the statement with this code says, for anybody, and whether the
// member's record still says it: refused (1) for a code no statement has;
// bad input (65) for text that is not a code, or a stored statement its
// code does not match (the record was altered).
CpdStatement verify_statement(Database& db, std::string_view code);

// A code as people may type it ("7k3m-9qxd 2b8f-h4tn", O for 0, I or L for
// 1) as its 16 canonical digits; nothing for anything else.
std::optional<std::string> parse_statement_code(std::string_view text);

// "7K3M-9QXD-2B8F-H4TN": the 16 digits in groups of four, to read aloud.
std::string format_statement_code(std::string_view code);

// The code of a content under a key: the first 80 bits of
// HMAC-SHA-256(key, content) as 16 Crockford base32 digits.
std::string statement_code(std::string_view key, std::string_view content);

// The canonical encoding of what a statement says (not its date, code or
// supersession), which its code is computed over; and back. Each field is
// "NAME LENGTH\n" and the value's bytes and "\n", so no value can be
// mistaken for another. Decoding malformed text throws bad_input.
std::string encode_statement(const CpdStatement& statement);
CpdStatement decode_statement(std::string_view content);

// Who issued it: the organisation, or "cpd" when it has no name.
std::string issuer(const CpdStatement& statement);

// What the year required: "10 points", "20 points, of which at least 10
// formal".
std::string quota_of(const CpdStatement& statement);

// Where the member stands, in a sentence: "compliant: the quota of 10 points
// was met".
std::string standing_phrase(const CpdStatement& statement);

// "2 days", "1.5 hours", "1 item"; nothing for an activity per claim.
std::string quantity_phrase(const std::optional<Quantity>& quantity, Unit unit);

// The statement as a printable HTML page, everything from members escaped.
std::string statement_html(const CpdStatement& statement);

// Checks every statement's code against its content under the key;
// returns what differs. Inside the caller's transaction.
std::vector<std::string> check_statements(Database& db);

// Creates the key of the verification codes if the database has none;
// inside the caller's write transaction.
void ensure_statement_key(Database& db);

} // namespace cpd
