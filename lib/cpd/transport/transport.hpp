#pragma once

#include <cpd/transport/message.hpp>
#include <cpd/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpd::mail {

// Where mail goes, from the setting mail.url.
struct MailUrl
{
  enum class Scheme { smtp, smtps, maildir };
  Scheme scheme = Scheme::maildir;
  std::string host;           // smtp and smtps; an IPv6 address keeps its brackets
  int port = 0;               // smtp and smtps: as given, else 25 (smtp) or 465 (smtps)
  std::filesystem::path path; // maildir

  // "smtp://host:25" or "maildir:/var/mail/cpd": never holds a secret.
  std::string to_string() const;
};

// Parses "smtp://HOST[:PORT]", "smtps://HOST[:PORT]" or "maildir:PATH".
// Anything else (a path, a query, a user or password in the URL) throws
// ErrorKind::config listing the accepted forms.
MailUrl parse_mail_url(std::string_view text);

// One message ready for delivery: the SMTP envelope and the RFC 5322 text.
struct OutgoingMessage
{
  std::string sender;                  // MAIL FROM; empty for the null sender <>
  std::vector<std::string> recipients; // RCPT TO, one or more
  std::string data;                    // compose() output, CRLF line ends
};

// The envelope a composed message travels in: from its From address to its
// To address. Throws like compose().
OutgoingMessage make_outgoing(const Message& message);

enum class Outcome {
  sent,   // the server (or the Maildir) took the message
  retry,  // a temporary failure: 4xx, no connection, a timeout; try later
  failed, // a permanent rejection (5xx) or a message that cannot be sent
};

// How far an attempt at one message got.
enum class Attempt {
  made,          // the server (or the Maildir) was reached and asked to take it
  no_connection, // the server could not be reached
  not_made,      // not tried: an earlier failure in the batch stopped it
};

// What happened to one message.
struct DeliveryResult
{
  Outcome outcome = Outcome::retry;
  // When sent, the server's last reply code (250); when not, the code of the
  // reply that refused it (451, 550, 552); 0 when no reply refused it.
  int code = 0;
  std::string error; // empty when sent; never holds the password
  Attempt attempt = Attempt::made;
};

// What happened to a batch.
struct DeliveryReport
{
  std::vector<DeliveryResult> results; // one per message, in order

  // Set when delivery stopped for a reason that retrying cannot cure (login
  // refused, STARTTLS missing, a bad certificate): the messages not sent are
  // marked retry. The caller records the results, then reports this error.
  std::optional<Error> stopped;
};

// Delivers batches of composed messages.
class Transport
{
public:
  virtual ~Transport() = default;

  // Delivers the messages in order (over one connection where there is
  // one). Throws only when nothing was attempted, e.g. ErrorKind::unavailable
  // when libcurl cannot be loaded.
  virtual DeliveryReport deliver(std::span<const OutgoingMessage> messages) = 0;
};

enum class StartTls { no, required };

// How to deliver; the defaults suit a submission server close by.
struct TransportOptions
{
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  // Per SMTP command, in whole seconds (rounded up); generous, since giving
  // up on the reply to the message text risks sending it twice.
  std::chrono::milliseconds response_timeout = std::chrono::seconds(120);
  std::chrono::milliseconds total_timeout = std::chrono::seconds(300); // per message
  StartTls starttls = StartTls::no;         // for smtp://; smtps:// is always TLS
  std::string username;                     // no login when empty
  std::string password;                     // never logged or put in an error
  std::string ca_pem;                       // PEM certificates to trust; empty: the system's
  std::string local_hostname = "localhost"; // the EHLO name and in Maildir file names
  std::string libcurl = "libcurl.so.4";     // the library SMTP delivery loads
};

// The transport for a mail.url. Throws ErrorKind::config for options that
// cannot work, such as a password that would cross the network unencrypted.
std::unique_ptr<Transport> make_transport(const MailUrl& url, const TransportOptions& options);

// Writes each message to PATH/tmp and renames it into PATH/new, creating the
// Maildir when it is missing.
std::unique_ptr<Transport> make_maildir_transport(const std::filesystem::path& path,
                                                  const TransportOptions& options);

// Sends through an SMTP server with libcurl, loaded on the first delivery so
// that commands which send no mail never pay for it.
std::unique_ptr<Transport> make_smtp_transport(const MailUrl& url, const TransportOptions& options);

} // namespace cpd::mail
