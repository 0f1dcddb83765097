#include <cpd/claims/evidence.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/sha256.hpp>
#include <cpd/util/spool.hpp>
#include <cpd/util/text.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <span>

namespace cpd {

namespace {

// Checks that the claim exists and that the caller may see its evidence;
// returns the caller's role.
Role
require_evidence_access(Database& db, const MemberActor& context, std::int64_t claim_id)
{
  const auto member = record_of(db, context);
  Statement query(db, "SELECT member_id FROM claim WHERE id = ?");
  query.bind(1, claim_id);
  if (!query.step()) {
    throw Error(ErrorKind::refused, "there is no claim #{}", claim_id);
  }
  if (query.integer(0) != member.id && member.role != Role::secretary) {
    throw Error(ErrorKind::permission,
                "claim #{} is not yours; only its member and the secretary may see its files",
                claim_id);
  }
  return member.role;
}

// "scan.pdf", "scan-2.pdf", "scan-3.pdf"... for names already taken.
std::string
unique_name(const std::string& name, std::set<std::string>& taken)
{
  if (taken.insert(name).second) {
    return name;
  }
  const auto dot = name.rfind('.');
  const bool has_extension = dot != std::string::npos && dot > 0;
  const auto stem = has_extension ? name.substr(0, dot) : name;
  const auto extension = has_extension ? name.substr(dot) : std::string();
  for (int n = 2;; ++n) {
    auto candidate = fmt::format("{}-{}{}", stem, n, extension);
    if (taken.insert(candidate).second) {
      return candidate;
    }
  }
}

// Appends an attachment's bytes to the spool a piece at a time, hashing
// them on the way: its SHA-256.
std::string
spool_content(Database& db, std::int64_t id, Spool& spool)
{
  sqlite3_blob* raw = nullptr;
  if (sqlite3_blob_open(db.handle(), "main", "attachment", "content", id, 0, &raw) != SQLITE_OK) {
    sqlite3_blob_close(raw);
    throw Error(ErrorKind::io, "cannot read attachment {}: {}", id, sqlite3_errmsg(db.handle()));
  }
  const std::unique_ptr<sqlite3_blob, int (*)(sqlite3_blob*)> blob(raw, sqlite3_blob_close);
  const int size = sqlite3_blob_bytes(blob.get());
  std::string piece;
  Sha256 hash;
  for (int at = 0; at < size;) {
    const int length = std::min(size - at, 1 << 20);
    piece.resize(static_cast<std::size_t>(length));
    if (sqlite3_blob_read(blob.get(), piece.data(), length, at) != SQLITE_OK) {
      throw Error(ErrorKind::io, "cannot read attachment {}: {}", id, sqlite3_errmsg(db.handle()));
    }
    hash.update(piece);
    spool.append(piece);
    at += length;
  }
  return hash.hex_digest();
}

// Other claims as a flag names them: the first few that `first` yields
// (its last parameter is their number), then, when there are that many,
// the rest as `count` counts them. Both statements take `keys` first.
template<typename... Keys>
ClaimRefs
first_and_count(Statement& first, Statement& count, const Keys&... keys)
{
  ClaimRefs refs;
  first.reset();
  first.bind_all(keys..., static_cast<std::int64_t>(k_named_claims));
  while (first.step()) {
    refs.ids.push_back(first.integer(0));
  }
  if (refs.ids.size() == k_named_claims) {
    count.reset();
    count.bind_all(keys...);
    count.step();
    refs.more = count.integer(0) - static_cast<std::int64_t>(refs.ids.size());
  }
  return refs;
}

} // namespace

std::string
saved_name(const std::string& name)
{
  if (name.starts_with('.')) {
    const auto rest = name.find_first_not_of('.');
    return "_" + (rest == std::string::npos ? std::string() : name.substr(rest));
  }
  if (name.starts_with('-')) {
    return "_" + name;
  }
  return name;
}

std::string
size_phrase(std::int64_t bytes)
{
  if (bytes < 1024) {
    return fmt::format("{} byte{}", bytes, bytes == 1 ? "" : "s");
  }
  // Tenths, rounded half up, in integers.
  const auto tenths = [&](std::int64_t unit) { return (bytes * 10 + unit / 2) / unit; };
  constexpr std::int64_t k_kib = 1024;
  if (bytes < k_kib * k_kib) {
    const auto t = tenths(k_kib);
    return fmt::format("{}.{} KiB", t / 10, t % 10);
  }
  const auto t = tenths(k_kib * k_kib);
  return fmt::format("{}.{} MiB", t / 10, t % 10);
}

bool
safe_file_name(std::string_view name)
{
  const auto base = base_name(name);
  return base && *base == name && name.find('/') == std::string_view::npos
         && name.find('\0') == std::string_view::npos;
}

std::string
claim_refs(const ClaimRefs& refs)
{
  std::string text;
  for (std::size_t i = 0; i < refs.ids.size(); ++i) {
    const bool last = i + 1 == refs.ids.size() && refs.more == 0;
    text += fmt::format("{}#{}", i == 0 ? "" : last ? " and " : ", ", refs.ids[i]);
  }
  if (refs.more > 0) {
    text += fmt::format(" and {} more", refs.more);
  }
  return text;
}

ClaimRefs
duplicate_claims(Database& db, std::int64_t claim_id)
{
  // Each through attachment_sha256.
  Statement first(db,
                  "SELECT DISTINCT o.claim_id FROM attachment a"
                  " JOIN attachment o ON o.sha256 = a.sha256 AND o.claim_id <> a.claim_id"
                  " WHERE a.claim_id = ?1 ORDER BY o.claim_id LIMIT ?2");
  Statement count(db,
                  "SELECT count(DISTINCT o.claim_id) FROM attachment a"
                  " JOIN attachment o ON o.sha256 = a.sha256 AND o.claim_id <> a.claim_id"
                  " WHERE a.claim_id = ?1");
  return first_and_count(first, count, claim_id);
}

std::vector<AttachmentInfo>
claim_attachments(Database& db, std::int64_t claim_id, DuplicateFlags flags)
{
  Statement query(db,
                  "SELECT id, claim_id, name, media_type, size, sha256 FROM attachment"
                  " WHERE claim_id = ? ORDER BY id");
  query.bind(1, claim_id);
  Statement others(db,
                   "SELECT DISTINCT claim_id FROM attachment WHERE sha256 = ?2 AND claim_id <> ?1"
                   " ORDER BY claim_id LIMIT ?3");
  Statement count(db,
                  "SELECT count(DISTINCT claim_id) FROM attachment"
                  " WHERE sha256 = ?2 AND claim_id <> ?1");
  std::vector<AttachmentInfo> files;
  while (query.step()) {
    AttachmentInfo info;
    info.id = query.integer(0);
    info.claim_id = query.integer(1);
    info.name = query.text(2);
    info.media_type = query.text(3);
    info.size = query.integer(4);
    info.sha256 = query.text(5);
    if (flags == DuplicateFlags::fill_in) {
      info.duplicate_of = first_and_count(others, count, claim_id, info.sha256);
    }
    files.push_back(std::move(info));
  }
  return files;
}

std::vector<AttachmentInfo>
list_attachments(Database& db, const MemberActor& context, std::int64_t claim_id)
{
  Transaction transaction(db, Transaction::Kind::read);
  const auto role = require_evidence_access(db, context, claim_id);
  return claim_attachments(
    db, claim_id, role == Role::secretary ? DuplicateFlags::fill_in : DuplicateFlags::leave_out);
}

std::vector<AttachmentContent>
load_attachments(Database& db, const MemberActor& context, std::int64_t claim_id, Spool& spool)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_evidence_access(db, context, claim_id);
  const auto files = claim_attachments(db, claim_id);
  if (files.empty()) {
    Statement purged(db, "SELECT evidence_purged FROM claim WHERE id = ?");
    purged.bind(1, claim_id);
    if (purged.step() && purged.optional_text(0)) {
      throw Error(ErrorKind::refused,
                  "claim #{} was withdrawn and its evidence purged on {}",
                  claim_id,
                  *purged.optional_text(0));
    }
    throw Error(ErrorKind::refused, "claim #{} has no attachments", claim_id);
  }
  std::vector<AttachmentContent> loaded;
  std::set<std::string> taken;
  for (const auto& info : files) {
    if (!safe_file_name(info.name)) {
      throw Error(ErrorKind::bad_input,
                  "attachment {} of claim #{} has an unsafe name; nothing was written",
                  json_string(info.name),
                  claim_id);
    }
    const auto offset = spool.size();
    if (spool_content(db, info.id, spool) != info.sha256
        || spool.size() - offset != static_cast<std::uint64_t>(info.size)) {
      throw Error(ErrorKind::bad_input,
                  "attachment {} of claim #{} does not match its recorded SHA-256; "
                  "the database is damaged: tell the membership secretary",
                  info.name,
                  claim_id);
    }
    loaded.push_back({info, unique_name(saved_name(info.name), taken), offset});
  }
  return loaded;
}

AttachmentFile
attachment_file(std::string_view path, std::string content)
{
  const auto name = base_name(path);
  if (!name) {
    auto last = path.substr(0, path.find_last_not_of('/') + 1);
    last = last.substr(last.rfind('/') + 1);
    if (const auto found = first_control_character(last, AllowNewlines::no); !found.empty()) {
      throw Error(ErrorKind::bad_input,
                  "the file name '{}' holds {}, a control, bidi or invisible character, which "
                  "would show as something else; rename the file",
                  last,
                  found);
    }
    throw Error(ErrorKind::no_input, "'{}' does not name a file to attach", path);
  }
  auto type = media_type(*name, std::string_view(content).substr(0, 512));
  return AttachmentFile{std::string(*name), std::move(type), std::move(content)};
}

void
check_new_files(Database& db,
                std::optional<std::int64_t> claim_id,
                const std::vector<AttachmentFile>& files)
{
  const auto limits = load_attachment_limits(db);
  std::uint64_t attached = 0;
  // SHA-256 -> the name it has, and whether the claim holds it already.
  std::map<std::string, std::pair<std::string, bool>> seen;
  if (claim_id) {
    for (const auto& info : claim_attachments(db, *claim_id)) {
      seen.emplace(info.sha256, std::pair(info.name, true));
      attached += static_cast<std::uint64_t>(info.size);
    }
  }
  for (const auto& file : files) {
    if (file.content.empty()) {
      throw Error(
        ErrorKind::bad_input, "{} is empty: attach the file with the evidence", file.name);
    }
    if (file.content.size() > limits.per_file) {
      throw Error(ErrorKind::refused,
                  "{} is larger than the {} bytes allowed per attachment",
                  file.name,
                  limits.per_file);
    }
    const auto [same, fresh] = seen.emplace(sha256_hex(file.content), std::pair(file.name, false));
    if (!fresh) {
      const auto& [name, held] = same->second;
      throw Error(ErrorKind::refused,
                  "{} is the same file as {}{}: attach each file once",
                  file.name,
                  name,
                  held ? fmt::format(", already attached to claim #{}", *claim_id) : "");
    }
    attached += file.content.size();
  }
  if (attached > limits.per_claim) {
    throw Error(ErrorKind::refused,
                "the attachments add up to {} bytes; at most {} are allowed per claim",
                attached,
                limits.per_claim);
  }
}

std::vector<std::int64_t>
store_files(Database& db, std::int64_t claim_id, const std::vector<AttachmentFile>& files)
{
  Statement insert(db,
                   "INSERT INTO attachment(claim_id, name, media_type, size,"
                   " sha256, content) VALUES (?, ?, ?, ?, ?, ?)");
  std::vector<std::int64_t> ids;
  for (const auto& file : files) {
    insert.reset();
    insert.bind_all(claim_id,
                    file.name,
                    file.media_type,
                    static_cast<std::int64_t>(file.content.size()),
                    sha256_hex(file.content));
    insert.bind_blob(6, std::as_bytes(std::span(file.content)));
    insert.run();
    ids.push_back(db.last_insert_id());
  }
  return ids;
}

} // namespace cpd
