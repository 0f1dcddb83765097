#pragma once

#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;
class Spool;

// How many other claims a flag names at most; the rest are counted.
inline constexpr std::size_t k_named_claims = 3;

// Other claims a flag points to: the first few by id, and how many more.
// However many there are, a flag stays this small.
struct ClaimRefs
{
  std::vector<std::int64_t> ids; // at most k_named_claims, ascending
  std::int64_t more = 0;         // the others, not named

  bool
  empty() const
  {
    return ids.empty();
  }

  bool operator==(const ClaimRefs&) const = default;
};

// "#2", "#2 and #5", "#2, #5, #7 and 5,997 more".
std::string claim_refs(const ClaimRefs& refs);

// A file attached to a claim, without its bytes.
struct AttachmentInfo
{
  std::int64_t id = 0;
  std::int64_t claim_id = 0;
  std::string name; // base name, as attached
  std::string media_type;
  std::int64_t size = 0; // bytes
  std::string sha256;    // lowercase hex
  // Other claims holding the same file, of any member: for secretaries
  // only, as it would tell a member about another member's evidence.
  std::optional<ClaimRefs> duplicate_of;
};

// The files of a claim, in the order they were attached. Only the claim's
// member and secretaries may see them (permission); an unknown claim is
// refused. Only a secretary's list says which other claims hold the same
// file.
std::vector<AttachmentInfo>
list_attachments(Database& db, const MemberActor& context, std::int64_t claim_id);

// Whether a list of files says which other claims hold each one.
enum class DuplicateFlags { leave_out, fill_in };

// The files of a claim without permission checks, inside the caller's
// transaction; with `fill_in`, each with the other claims that hold the same
// file (by SHA-256, whatever their status or member).
std::vector<AttachmentInfo> claim_attachments(Database& db,
                                              std::int64_t claim_id,
                                              DuplicateFlags flags = DuplicateFlags::leave_out);

// Other claims holding a file attached to `claim_id`; inside the caller's
// transaction.
ClaimRefs duplicate_claims(Database& db, std::int64_t claim_id);

// True for a name that can be written as one file inside a directory: a
// base name (no '/', not "." or "..", no control characters, valid UTF-8).
bool safe_file_name(std::string_view name);

// A size for people: "512 bytes", "12.5 KiB", "10.0 MiB".
std::string size_phrase(std::int64_t bytes);

// A claim's file in a spool, under the name to save it as.
struct AttachmentContent
{
  AttachmentInfo info;
  std::string file_name;    // unique within the claim, never starting with a dot or a dash
  std::uint64_t offset = 0; // where its info.size bytes start in the spool
};

// The name to save an attachment as: its stored name with a leading dot
// replaced by "_" (".bashrc" -> "_bashrc") and a leading dash kept behind
// one ("-rf" -> "_-rf"), so that no file of a claim becomes a hidden or
// start-up file, or reads as an option to a command given `*`.
std::string saved_name(const std::string& name);

// A claim's files, appended to `spool` a piece at a time and checked
// against their SHA-256, for the claim's member and secretaries. Each gets
// a name to save it under: saved_name(), with "-2", "-3"... before the
// extension for a name already taken. A claim without files, or a stored
// name that is not a plain file name, is refused.
std::vector<AttachmentContent>
load_attachments(Database& db, const MemberActor& context, std::int64_t claim_id, Spool& spool);

// A file offered as evidence, already read.
struct AttachmentFile
{
  std::string name;       // base name, e.g. "certificate.pdf"
  std::string media_type; // e.g. "application/pdf"
  std::string content;    // the bytes
};

// A file offered as evidence: `path` as the member named it (its base name
// is kept), `content` as the member's side read it; the media type comes
// from the name and the first bytes. A path without a file name is refused.
AttachmentFile attachment_file(std::string_view path, std::string content);

// Refuses files offered for a claim (a new one, or `claim_id` with the files
// it holds), inside the caller's transaction: an empty file, one past the
// size limits, or the same file (by SHA-256) twice on the claim.
void check_new_files(Database& db,
                     std::optional<std::int64_t> claim_id,
                     const std::vector<AttachmentFile>& files);

// Stores files with a claim, inside the caller's transaction; returns their
// ids.
std::vector<std::int64_t>
store_files(Database& db, std::int64_t claim_id, const std::vector<AttachmentFile>& files);

} // namespace cpd
