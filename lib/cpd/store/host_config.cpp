#include <cpd/store/host_config.hpp>
#include <cpd/transport/template.hpp>
#include <cpd/transport/transport.hpp>
#include <cpd/util/embedded.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/file.hpp>
#include <cpd/util/text.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace cpd {

namespace {

constexpr std::string_view k_default_name = "/etc/cpd/cpd.conf";

std::string_view
trim(std::string_view text)
{
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// The bytes of the file open at `fd`, refused unless it is a regular file
// of at most `limit` bytes; reads at most `limit` + 1 bytes whatever it
// claims.
std::string
read_open_file(int fd,
               std::string_view what,
               std::string_view path,
               std::uint64_t limit,
               std::optional<unsigned> owner)
{
  struct stat status
  {};
  if (::fstat(fd, &status) != 0) {
    throw Error(ErrorKind::config, "{} {} cannot be read: {}", what, path, std::strerror(errno));
  }
  if (!S_ISREG(status.st_mode)) {
    throw Error(ErrorKind::config,
                "{} {} is not a regular file ({})",
                what,
                path,
                S_ISDIR(status.st_mode)    ? "a directory"
                : S_ISFIFO(status.st_mode) ? "a FIFO"
                : S_ISCHR(status.st_mode)  ? "a device"
                : S_ISBLK(status.st_mode)  ? "a device"
                : S_ISSOCK(status.st_mode) ? "a socket"
                                           : "not a plain file");
  }
  if (static_cast<std::uint64_t>(status.st_size) > limit) {
    throw Error(ErrorKind::config,
                "{} {} is {} bytes, over the limit of {} bytes",
                what,
                path,
                status.st_size,
                limit);
  }
  if (owner && ((status.st_uid != 0 && status.st_uid != *owner) || (status.st_mode & 022) != 0)) {
    throw Error(ErrorKind::config,
                "{} {} must belong to root and be writable by nobody else "
                "(chown root {}; chmod go-w {})",
                what,
                path,
                path,
                path);
  }
  std::string content;
  std::array<char, 65536> buffer{};
  for (;;) {
    const auto got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ErrorKind::config, "{} {} cannot be read: {}", what, path, std::strerror(errno));
    }
    if (got == 0) {
      return content;
    }
    content.append(buffer.data(), static_cast<std::size_t>(got));
    if (content.size() > limit) {
      throw Error(ErrorKind::config, "{} {} grew over the limit of {} bytes", what, path, limit);
    }
  }
}

// Opens `name` under the directory `dir` (AT_FDCWD: a path) without
// following a link, and never waiting on a FIFO or a device.
int
open_no_follow(int dir, const std::string& name, std::string_view what, std::string_view path)
{
  const int fd = ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP) {
      throw Error(ErrorKind::config, "{} {} is a symbolic link; name the file itself", what, path);
    }
    if (error == ENOENT) {
      throw Error(ErrorKind::config, "{} {} does not exist", what, path);
    }
    throw Error(ErrorKind::config, "{} {} cannot be read: {}", what, path, std::strerror(error));
  }
  return fd;
}

void
require_absolute(std::string_view key, std::string_view value, std::string_view file)
{
  if (!value.starts_with('/')) {
    throw Error(ErrorKind::config, "{}: {} must be an absolute path", file, key);
  }
}

// Every template of the directory, by name; files that are none of cpd's
// templates are left unread.
std::map<std::string, std::string, std::less<>>
read_templates(const std::string& directory)
{
  constexpr std::string_view what = "mail.templates";
  const int dir_fd =
    ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (dir_fd < 0) {
    const int error = errno;
    if (error == ENOENT) {
      throw Error(ErrorKind::config, "{} {} does not exist", what, directory);
    }
    if (error == ENOTDIR || error == ELOOP) {
      throw Error(ErrorKind::config,
                  "{} {} is not a directory (a symbolic link is not followed)",
                  what,
                  directory);
    }
    throw Error(
      ErrorKind::config, "{} {} cannot be read: {}", what, directory, std::strerror(error));
  }
  DIR* listing = ::fdopendir(dir_fd);
  if (listing == nullptr) {
    ::close(dir_fd);
    throw Error(ErrorKind::config, "{} {} cannot be read", what, directory);
  }
  const std::unique_ptr<DIR, int (*)(DIR*)> closer(listing, ::closedir);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(listing)) {
    const std::string_view file = entry->d_name;
    if (!file.ends_with(".txt")) {
      continue;
    }
    const std::string name(file.substr(0, file.size() - 4));
    if (embedded_file("templates/" + name + ".txt")) {
      names.push_back(name);
    }
  }
  std::map<std::string, std::string, std::less<>> templates;
  for (const auto& name : names) {
    const auto shown = fmt::format("{}/{}.txt", directory, name);
    const FileDescriptor fd(open_no_follow(dir_fd, name + ".txt", "template", shown));
    auto text = read_open_file(fd.get(), "template", shown, k_host_file_limit, std::nullopt);
    mail::validate_template(name, text, shown);
    templates.emplace(name, std::move(text));
  }
  return templates;
}

std::mutex g_mutex; // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
// The process's one; empty (nullptr) stands for an empty configuration.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
std::shared_ptr<const HostConfig> g_config;

} // namespace

std::string
read_regular_file(std::string_view what,
                  const std::string& path,
                  std::uint64_t limit,
                  std::optional<unsigned> owner)
{
  const FileDescriptor fd(open_no_follow(AT_FDCWD, path, what, path));
  return read_open_file(fd.get(), what, path, limit, owner);
}

HostConfigFile
parse_host_config(std::string_view text, std::string_view path)
{
  // Each key the file takes, and where its value goes. Keys for the server
  // (its account, its socket) join this table.
  HostConfigFile result;
  const std::array<std::pair<std::string_view, std::string*>, 5> keys = {{
    {"mail.url", &result.mail_url},
    {"mail.username", &result.mail_username},
    {"mail.password_file", &result.mail_password_file},
    {"mail.ca_file", &result.mail_ca_file},
    {"mail.templates", &result.mail_templates},
  }};
  if (!valid_utf8(text)) {
    throw Error(ErrorKind::config, "{} is not UTF-8 text", path);
  }
  std::vector<std::string_view> seen;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const auto end = text.find('\n');
    auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    line = trim(line);
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      throw Error(ErrorKind::config, "{}:{}: expected `key = value`", path, number);
    }
    const auto key = trim(line.substr(0, equals));
    const auto value = trim(line.substr(equals + 1));
    if (has_control_characters(key, AllowNewlines::no)
        || has_control_characters(value, AllowNewlines::no)) {
      throw Error(ErrorKind::config, "{}:{}: the line holds a control character", path, number);
    }
    const auto* found =
      std::find_if(keys.begin(), keys.end(), [&](const auto& entry) { return entry.first == key; });
    if (found == keys.end()) {
      throw Error(ErrorKind::config,
                  "{}:{}: unknown key '{}' (known: mail.url, mail.username, "
                  "mail.password_file, mail.ca_file, mail.templates)",
                  path,
                  number,
                  key);
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      throw Error(ErrorKind::config, "{}:{}: {} is given twice", path, number, key);
    }
    seen.push_back(found->first);
    *found->second = std::string(value);
  }
  return result;
}

HostConfig
load_host_config(const std::string& path, unsigned owner, bool required)
{
  HostConfig config;
  struct stat status
  {};
  if (!required && ::lstat(path.c_str(), &status) != 0 && errno == ENOENT) {
    return config;
  }
  config.path = path;
  const auto file = parse_host_config(
    read_regular_file("the host configuration", path, k_host_file_limit, owner), path);
  if (!file.mail_url.empty()) {
    try {
      mail::parse_mail_url(file.mail_url);
    } catch (const Error& e) {
      throw Error(ErrorKind::config, "{}: {}", path, e.what());
    }
    config.mail_url = file.mail_url;
  }
  if (!file.mail_username.empty()) {
    config.mail_username = file.mail_username;
  }
  if (!file.mail_password_file.empty()) {
    require_absolute("mail.password_file", file.mail_password_file, path);
    if (file.mail_url.empty()) {
      throw Error(ErrorKind::config,
                  "{}: mail.password_file needs mail.url in the same file: the SMTP password "
                  "goes only to the server the administrator names",
                  path);
    }
    config.mail_password = read_regular_file(
      "mail.password_file", file.mail_password_file, k_host_file_limit, std::nullopt);
    while (!config.mail_password.empty()
           && (config.mail_password.back() == '\n' || config.mail_password.back() == '\r')) {
      config.mail_password.pop_back();
    }
    if (config.mail_password.empty()) {
      throw Error(ErrorKind::config, "mail.password_file {} is empty", file.mail_password_file);
    }
  }
  if (!file.mail_ca_file.empty()) {
    require_absolute("mail.ca_file", file.mail_ca_file, path);
    config.mail_ca =
      read_regular_file("mail.ca_file", file.mail_ca_file, k_host_file_limit, std::nullopt);
    if (config.mail_ca.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      throw Error(ErrorKind::config,
                  "mail.ca_file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                  file.mail_ca_file);
    }
    config.mail_ca_file = file.mail_ca_file;
  }
  if (!file.mail_templates.empty()) {
    require_absolute("mail.templates", file.mail_templates, path);
    config.templates = read_templates(file.mail_templates);
  }
  return config;
}

std::shared_ptr<const HostConfig>
host_config()
{
  {
    const std::lock_guard lock(g_mutex);
    if (g_config) {
      return g_config;
    }
  }
  static const auto empty = std::make_shared<const HostConfig>();
  return empty;
}

void
set_host_config(HostConfig config)
{
  auto next = std::make_shared<const HostConfig>(std::move(config));
  const std::lock_guard lock(g_mutex);
  g_config = std::move(next);
}

std::string
host_config_name()
{
  const auto config = host_config();
  return config->path.empty() ? std::string(k_default_name) : config->path;
}

} // namespace cpd
