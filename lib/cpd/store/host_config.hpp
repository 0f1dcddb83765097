#pragma once

// The host configuration: what the administrator (root) decides for every
// database on a host, in a root-owned file (/etc/cpd/cpd.conf), as opposed
// to the settings a secretary keeps in the database. It names the files
// mail delivery reads (templates, certificates, the SMTP password) and may
// pin where mail goes. The files are read once, when the configuration is
// loaded, and kept in memory: no request ever makes cpd open a path.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

// The largest file the host configuration reads: the file itself, a
// certificate file, a password file, each template.
constexpr std::uint64_t k_host_file_limit = std::uint64_t{1} << 20;

// The bytes of a regular file, read without following a symbolic link in
// its last component and without waiting on a FIFO or a device: anything
// but a regular file of at most `limit` bytes is refused, before a byte of
// it is read (ErrorKind::config, naming `what` and the path). With `owner`,
// the file must also belong to root or to that user id and be writable by
// nobody else.
std::string read_regular_file(std::string_view what,
                              const std::string& path,
                              std::uint64_t limit,
                              std::optional<unsigned> owner = std::nullopt);

// The keys of a host configuration file, as written (`key = value` lines,
// `#` comments, blank lines). An unknown key, a key given twice or a line
// that is no `key = value` is refused with its line number.
struct HostConfigFile
{
  std::string mail_url;           // mail.url: where mail goes; empty: the database's setting
  std::string mail_username;      // mail.username: the SMTP login
  std::string mail_password_file; // mail.password_file: the SMTP password
  std::string mail_ca_file;       // mail.ca_file: certificates to trust
  std::string mail_templates;     // mail.templates: a directory of templates
};
HostConfigFile parse_host_config(std::string_view text, std::string_view path);

// The host configuration in memory, with the files it names read.
struct HostConfig
{
  std::string path;                         // the file it was read from ("" when none)
  std::optional<std::string> mail_url;      // pinned by the administrator
  std::optional<std::string> mail_username; // pinned by the administrator
  std::string mail_password;                // sent only to mail_url; never shown
  std::string mail_ca;                      // PEM certificates; empty: the system's
  std::string mail_ca_file;                 // where they came from, for messages
  // Template texts by name ("approved"), read from mail.templates.
  std::map<std::string, std::string, std::less<>> templates;
};

// Reads the host configuration at `path` and every file it names, as
// regular files within k_host_file_limit. The file must belong to root or
// `owner` (the account reading it) and be writable by nobody else. A file
// that is missing is an empty configuration when `required` is false.
// Anything wrong: ErrorKind::config, one line naming the file.
HostConfig load_host_config(const std::string& path, unsigned owner, bool required);

// The host configuration this process uses (an empty one until set), and
// setting it: safe from any thread; a reader keeps the configuration it
// got while another replaces it.
std::shared_ptr<const HostConfig> host_config();
void set_host_config(HostConfig config);

// The name the host configuration file is known by in messages: its path,
// or /etc/cpd/cpd.conf while none was read.
std::string host_config_name();

} // namespace cpd
