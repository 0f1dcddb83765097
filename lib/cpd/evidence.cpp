#include <cpd/database.hpp>
#include <cpd/error.hpp>
#include <cpd/evidence.hpp>
#include <cpd/file.hpp>
#include <cpd/members.hpp>
#include <cpd/sha256.hpp>
#include <cpd/text.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>

namespace cpd {

namespace {

// Checks that the claim exists and that the caller may see its evidence.
void
require_evidence_access(Database& db, const Context& context, std::int64_t claim_id)
{
  const auto member = require_member(db, context);
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

// A file created for writing that is removed unless kept.
class TemporaryFile
{
public:
  explicit TemporaryFile(const std::filesystem::path& directory)
  {
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
      m_path = directory / fmt::format(".cpd-attachment-{:08x}", random());
      const int fd =
        ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd >= 0) {
        m_fd = std::make_unique<FileDescriptor>(fd);
        return;
      }
      if (errno != EEXIST) {
        throw Error(
          ErrorKind::io, "cannot write into {}: {}", directory.string(), std::strerror(errno));
      }
    }
    throw Error(ErrorKind::io, "cannot create a file in {}", directory.string());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile()
  {
    m_fd.reset();
    if (!m_kept) {
      ::unlink(m_path.c_str());
    }
  }

  void
  write(std::string_view bytes)
  {
    if (!write_all(m_fd->get(), bytes) || ::fsync(m_fd->get()) != 0 || m_fd->close() != 0) {
      throw Error(ErrorKind::io, "cannot write {}: {}", m_path.string(), std::strerror(errno));
    }
  }

  // The SHA-256 of what the file now holds, read back from the disk.
  std::string
  read_back_sha256() const
  {
    FileDescriptor fd(::open(m_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
      throw Error(ErrorKind::io, "cannot read back {}: {}", m_path.string(), std::strerror(errno));
    }
    Sha256 hash;
    std::array<char, 65536> buffer{};
    for (;;) {
      const auto got = ::read(fd.get(), buffer.data(), buffer.size());
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        throw Error(
          ErrorKind::io, "cannot read back {}: {}", m_path.string(), std::strerror(errno));
      }
      if (got == 0) {
        break;
      }
      hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    }
    return hash.hex_digest();
  }

  // Gives the file its name: without Overwrite::yes only if the name is free.
  void
  keep_as(const std::filesystem::path& target, Overwrite overwrite)
  {
    if (overwrite == Overwrite::yes) {
      if (::rename(m_path.c_str(), target.c_str()) != 0) {
        throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), std::strerror(errno));
      }
      m_kept = true;
      return;
    }
    // link() fails if the name exists, even as a dangling symbolic link.
    if (::link(m_path.c_str(), target.c_str()) != 0) {
      if (errno == EEXIST) {
        throw Error(
          ErrorKind::refused, "{} already exists; add --force to replace it", target.string());
      }
      throw Error(ErrorKind::io, "cannot write {}: {}", target.string(), std::strerror(errno));
    }
  }

private:
  std::filesystem::path m_path;
  std::unique_ptr<FileDescriptor> m_fd;
  bool m_kept = false;
};

} // namespace

std::string
size_phrase(std::int64_t bytes)
{
  if (bytes < 1024) {
    return fmt::format("{} byte{}", bytes, bytes == 1 ? "" : "s");
  }
  // Tenths, rounded half up, in integers.
  const auto tenths = [&](std::int64_t unit) { return (bytes * 10 + unit / 2) / unit; };
  if (bytes < 1024 * 1024) {
    const auto t = tenths(1024);
    return fmt::format("{}.{} KiB", t / 10, t % 10);
  }
  const auto t = tenths(1024 * 1024);
  return fmt::format("{}.{} MiB", t / 10, t % 10);
}

bool
safe_file_name(std::string_view name)
{
  const auto base = base_name(name);
  return base && *base == name && name.find('/') == std::string_view::npos
         && name.find('\0') == std::string_view::npos;
}

std::vector<std::int64_t>
duplicate_claims(Database& db, std::int64_t claim_id)
{
  Statement query(db,
                  "SELECT DISTINCT o.claim_id FROM attachment a"
                  " JOIN attachment o ON o.sha256 = a.sha256 AND o.claim_id <> a.claim_id"
                  " WHERE a.claim_id = ? ORDER BY o.claim_id");
  query.bind(1, claim_id);
  std::vector<std::int64_t> ids;
  while (query.step()) {
    ids.push_back(query.integer(0));
  }
  return ids;
}

std::vector<AttachmentInfo>
claim_attachments(Database& db, std::int64_t claim_id)
{
  Statement query(db,
                  "SELECT id, claim_id, name, media_type, size, sha256 FROM attachment"
                  " WHERE claim_id = ? ORDER BY id");
  query.bind(1, claim_id);
  Statement others(db,
                   "SELECT DISTINCT claim_id FROM attachment WHERE sha256 = ? AND claim_id <> ?"
                   " ORDER BY claim_id");
  std::vector<AttachmentInfo> files;
  while (query.step()) {
    AttachmentInfo info;
    info.id = query.integer(0);
    info.claim_id = query.integer(1);
    info.name = query.text(2);
    info.media_type = query.text(3);
    info.size = query.integer(4);
    info.sha256 = query.text(5);
    others.reset();
    others.bind_all(info.sha256, claim_id);
    while (others.step()) {
      info.duplicate_of.push_back(others.integer(0));
    }
    files.push_back(std::move(info));
  }
  return files;
}

std::vector<AttachmentInfo>
list_attachments(Database& db, const Context& context, std::int64_t claim_id)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_evidence_access(db, context, claim_id);
  return claim_attachments(db, claim_id);
}

std::vector<SavedAttachment>
save_attachments(Database& db,
                 const Context& context,
                 std::int64_t claim_id,
                 const std::filesystem::path& directory,
                 Overwrite overwrite)
{
  Transaction transaction(db, Transaction::Kind::read);
  require_evidence_access(db, context, claim_id);
  const auto files = claim_attachments(db, claim_id);
  if (files.empty()) {
    throw Error(ErrorKind::refused, "claim #{} has no attachments", claim_id);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    throw Error(ErrorKind::io, "{} is not a directory to write into", directory.string());
  }

  // Every name is checked before anything is written.
  std::vector<SavedAttachment> saved;
  std::set<std::string> taken;
  for (const auto& info : files) {
    if (!safe_file_name(info.name)) {
      throw Error(ErrorKind::bad_input,
                  "attachment {} of claim #{} has an unsafe name; nothing was written",
                  json_string(info.name),
                  claim_id);
    }
    auto path = directory / unique_name(info.name, taken);
    if (overwrite == Overwrite::no
        && std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
      throw Error(ErrorKind::refused,
                  "{} already exists; add --force to replace it (nothing was written)",
                  path.string());
    }
    saved.push_back({info, std::move(path)});
  }

  Statement content(db, "SELECT content FROM attachment WHERE id = ?");
  for (const auto& file : saved) {
    content.reset();
    content.bind(1, file.info.id);
    content.step();
    const auto bytes = content.blob(0);
    if (sha256_hex(bytes) != file.info.sha256) {
      throw Error(ErrorKind::bad_input,
                  "attachment {} of claim #{} does not match its recorded SHA-256; "
                  "the database is damaged (run cpd check)",
                  file.info.name,
                  claim_id);
    }
    TemporaryFile temporary(directory);
    temporary.write(bytes);
    if (temporary.read_back_sha256() != file.info.sha256) {
      throw Error(
        ErrorKind::io, "{} was not written correctly: its SHA-256 differs", file.path.string());
    }
    temporary.keep_as(file.path, overwrite);
  }
  return saved;
}

} // namespace cpd
