#include <cpd/transport/transport.hpp>
#include <cpd/util/ascii.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cpd::mail {

namespace {

constexpr std::string_view k_accepted = "smtp://HOST[:PORT], smtps://HOST[:PORT] or maildir:PATH";

[[noreturn]] void
refuse(std::string_view text, std::string_view why)
{
  // A URL with '@' may hold a password: it is not repeated in the error.
  if (text.find('@') != std::string_view::npos) {
    throw Error(ErrorKind::config,
                "mail.url must not hold a user name or password (set them separately); "
                "it must be {}",
                k_accepted);
  }
  throw Error(ErrorKind::config, "mail.url {:?} {}; it must be {}", text, why, k_accepted);
}

bool
host_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
         || c == '.' || c == '_';
}

bool
ipv6_char(char c)
{
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':'
         || c == '.';
}

} // namespace

std::string
MailUrl::to_string() const
{
  switch (scheme) {
  case Scheme::smtp:
    return fmt::format("smtp://{}:{}", host, port);
  case Scheme::smtps:
    return fmt::format("smtps://{}:{}", host, port);
  case Scheme::maildir:
    break;
  }
  return "maildir:" + path.string();
}

MailUrl
parse_mail_url(std::string_view text)
{
  const std::string_view original = text;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  MailUrl url;
  const std::size_t colon = text.find(':');
  const std::string scheme = ascii::lower(text.substr(0, colon));
  if (colon == std::string_view::npos) {
    refuse(original, "names no transport");
  }
  if (scheme == "maildir") {
    const std::string_view path = text.substr(colon + 1);
    if (path.empty()) {
      refuse(original, "names no directory");
    }
    if (path.find('\0') != std::string_view::npos) {
      refuse(original, "holds a NUL character");
    }
    url.scheme = MailUrl::Scheme::maildir;
    url.path = std::filesystem::path(std::string(path));
    return url;
  }
  if (scheme == "smtp") {
    url.scheme = MailUrl::Scheme::smtp;
    url.port = 25;
  } else if (scheme == "smtps") {
    url.scheme = MailUrl::Scheme::smtps;
    url.port = 465;
  } else {
    refuse(original, "names an unknown transport");
  }
  if (text.substr(colon + 1, 2) != "//") {
    refuse(original, "lacks the // after the scheme");
  }
  std::string_view authority = text.substr(colon + 3);
  if (authority.find('@') != std::string_view::npos) {
    refuse(original, "holds a user");
  }
  if (authority.find_first_of("/?#") != std::string_view::npos) {
    refuse(original, "holds a path or query");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      refuse(original, "has an unclosed [");
    }
    const std::string_view address = authority.substr(1, close - 1);
    if (address.empty() || !std::all_of(address.begin(), address.end(), ipv6_char)) {
      refuse(original, "has a bad IPv6 address");
    }
    url.host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        refuse(original, "has text after the host");
      }
      port = rest.substr(1);
      if (port.empty()) {
        refuse(original, "has an empty port");
      }
    }
  } else {
    const std::size_t port_colon = authority.find(':');
    const std::string_view host = authority.substr(0, port_colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_char)) {
      refuse(original, "has no valid host name");
    }
    url.host = host;
    if (port_colon != std::string_view::npos) {
      port = authority.substr(port_colon + 1);
      if (port.empty()) {
        refuse(original, "has an empty port");
      }
    }
  }
  if (!port.empty()) {
    int value = 0;
    for (const char c : port) {
      if (c < '0' || c > '9' || value > 65535) {
        refuse(original, "has a bad port");
      }
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) {
      refuse(original, "has a port outside 1-65535");
    }
    url.port = value;
  }
  return url;
}

OutgoingMessage
make_outgoing(const Message& message)
{
  OutgoingMessage outgoing;
  outgoing.data = compose(message);
  outgoing.sender = message.from_address;
  outgoing.recipients.push_back(message.to_address);
  return outgoing;
}

std::unique_ptr<Transport>
make_transport(const MailUrl& url, const TransportOptions& options)
{
  if (url.scheme == MailUrl::Scheme::maildir) {
    return make_maildir_transport(url.path, options);
  }
  return make_smtp_transport(url, options);
}

} // namespace cpd::mail
