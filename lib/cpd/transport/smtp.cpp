// SMTP delivery through libcurl, loaded with dlopen on first use: linking it
// would add its start-up cost to every cpd command, most of which send no
// mail. curl.h is included for types and constants only. Just over 500
// lines: the library, its typed option shim and the SMTP dialogue share
// one session's state.
#define CURL_DISABLE_TYPECHECK
#include <cpd/transport/transport.hpp>
#include <cpd/util/error.hpp>

#include <curl/curl.h>
#include <fmt/format.h>

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstring>
#include <map>
#include <mutex>
#include <type_traits>

namespace cpd::mail {

namespace {

// The libcurl functions SMTP delivery needs, resolved from the library.
struct CurlApi
{
  CURLcode (*global_init)(long flags) = nullptr;
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...) = nullptr;
  CURLcode (*easy_perform)(CURL* handle) = nullptr;
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...) = nullptr;
  void (*easy_cleanup)(CURL* handle) = nullptr;
  const char* (*easy_strerror)(CURLcode code) = nullptr;
  curl_version_info_data* (*version_info)(CURLversion age) = nullptr;
  curl_slist* (*slist_append)(curl_slist* list, const char* text) = nullptr;
  void (*slist_free_all)(curl_slist* list) = nullptr;
};

// CPD_MIN_LIBCURL ("7.77.0") as libcurl numbers versions: 0x074d00.
constexpr unsigned
version_number(std::string_view text)
{
  unsigned number = 0;
  unsigned part = 0;
  for (const char c : text) {
    if (c == '.') {
      number = (number << 8) | part;
      part = 0;
    } else {
      part = part * 10 + static_cast<unsigned>(c - '0');
    }
  }
  return (number << 8) | part;
}

constexpr unsigned k_min_version = version_number(CPD_MIN_LIBCURL);
static_assert(version_number("7.77.0") == 0x074d00);

template<typename Function>
void
resolve(void* library, const char* name, const std::string& soname, Function& function)
{
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) {
    throw Error(ErrorKind::unavailable,
                "{} lacks {}, which SMTP delivery needs: install the Debian package libcurl4",
                soname,
                name);
  }
  static_assert(sizeof(function) == sizeof(symbol));
  std::memcpy(&function, &symbol, sizeof symbol);
}

// Loads libcurl once per process (the library stays loaded: libcurl and its
// TLS library do not support being unloaded).
const CurlApi&
load_curl(const std::string& soname)
{
  static std::mutex mutex;
  static std::map<std::string, CurlApi> loaded;
  const std::lock_guard lock(mutex);
  if (const auto found = loaded.find(soname); found != loaded.end()) {
    return found->second;
  }
  void* library = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* reason = ::dlerror();
    throw Error(ErrorKind::unavailable,
                "cannot load {} to send mail by SMTP ({}): install the Debian package libcurl4",
                soname,
                reason != nullptr ? reason : "unknown error");
  }
  CurlApi api;
  resolve(library, "curl_global_init", soname, api.global_init);
  resolve(library, "curl_easy_init", soname, api.easy_init);
  resolve(library, "curl_easy_setopt", soname, api.easy_setopt);
  resolve(library, "curl_easy_perform", soname, api.easy_perform);
  resolve(library, "curl_easy_getinfo", soname, api.easy_getinfo);
  resolve(library, "curl_easy_cleanup", soname, api.easy_cleanup);
  resolve(library, "curl_easy_strerror", soname, api.easy_strerror);
  resolve(library, "curl_slist_append", soname, api.slist_append);
  resolve(library, "curl_slist_free_all", soname, api.slist_free_all);
  resolve(library, "curl_version_info", soname, api.version_info);
  const curl_version_info_data* version = api.version_info(CURLVERSION_NOW);
  if (version == nullptr || version->version_num < k_min_version) {
    throw Error(ErrorKind::unavailable,
                "{} is libcurl {}, but SMTP delivery needs libcurl {} or later",
                soname,
                version != nullptr ? version->version : "of an unknown version",
                CPD_MIN_LIBCURL);
  }
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    throw Error(ErrorKind::unavailable, "libcurl ({}) failed to initialise", soname);
  }
  return loaded.emplace(soname, api).first->second;
}

bool
is_loopback(std::string_view host)
{
  return host == "localhost" || host == "[::1]" || host.substr(0, 4) == "127.";
}

// The message text handed to libcurl piece by piece.
struct Upload
{
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t
read_upload(char* buffer, std::size_t size, std::size_t count, void* user)
{
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// What the server said during one transfer. Only the server's replies are
// kept: the client's side of the dialogue holds the credentials.
struct Dialogue
{
  int replies = 0;
  // The last 4xx or 5xx reply line, which is what refused the message: after
  // it may come "221 Bye", and before it "250 CHUNKING", neither of which
  // says why.
  std::string error_reply;
  int error_code = 0;
};

int
watch_dialogue(CURL* /*handle*/, curl_infotype type, char* data, std::size_t size, void* user)
{
  if (type != CURLINFO_HEADER_IN) {
    return 0;
  }
  auto* dialogue = static_cast<Dialogue*>(user);
  std::string_view line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.size() >= 3
      && std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; })) {
    ++dialogue->replies;
    if (line.front() == '4' || line.front() == '5') {
      dialogue->error_reply.clear();
      for (const char c : line.substr(0, 200)) {
        dialogue->error_reply += c >= 0x20 && c < 0x7f ? c : '?';
      }
      dialogue->error_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    }
  }
  return 0;
}

// How a failed transfer affects the rest of the batch.
enum class Scope {
  message,    // this message only
  connection, // the server could not be reached: the rest would fail alike
  batch,      // a setting is wrong: stop and say so
};

struct Classified
{
  DeliveryResult result;
  Scope scope = Scope::message;
  ErrorKind stop_kind = ErrorKind::config; // with Scope::batch
};

// Sorts a failed transfer into retry, failed or stop-the-batch by libcurl's
// result and the code of the reply that refused it (0 when none did).
Classified
classify(CURLcode result, int code, bool any_reply, std::string error)
{
  const auto stop = [&](ErrorKind kind, std::string_view advice) {
    return Classified{{Outcome::retry, code, error + std::string(advice)}, Scope::batch, kind};
  };
  switch (result) {
  case CURLE_LOGIN_DENIED:
  case CURLE_AUTH_ERROR:
    return stop(ErrorKind::config, "; check the SMTP user name and password");
  case CURLE_USE_SSL_FAILED:
    return stop(ErrorKind::config,
                code == 0 ? "; the server does not offer STARTTLS, which mail.starttls requires"
                          : "; the server refused STARTTLS, which mail.starttls requires");
  case CURLE_SSL_CACERT_BADFILE:
    return stop(ErrorKind::config, "; the certificates in mail.ca_file cannot be read");
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    return stop(ErrorKind::config, "; the server's TLS certificate is not trusted");
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_NOT_BUILT_IN:
    return stop(ErrorKind::unavailable, "");
  default:
    break;
  }
  // Refusals that mean the login is missing or too weak, not this message.
  if (code == 530 || code == 534 || code == 535 || code == 538) {
    return stop(ErrorKind::config, "; check the SMTP login settings");
  }
  if (code >= 500 && code < 600) {
    return {{Outcome::failed, code, std::move(error)}};
  }
  if (any_reply) {
    return {{Outcome::retry, code, std::move(error)}};
  }
  return {{Outcome::retry, code, std::move(error), Attempt::no_connection}, Scope::connection};
}

// What curl_easy_setopt can take through its "...": the types libcurl's
// options read, exactly.
template<typename Value>
concept CurlOptionValue =
  std::same_as<Value, long> || std::same_as<Value, curl_off_t> ||(
    std::is_pointer_v<Value> && !std::is_function_v<std::remove_pointer_t<Value>>)
  || std::same_as<Value, curl_read_callback> || std::same_as<Value, curl_debug_callback>;

static_assert(!CurlOptionValue<int>);
static_assert(!CurlOptionValue<bool>);
static_assert(!CurlOptionValue<unsigned long>);
static_assert(!CurlOptionValue<std::int32_t>);
static_assert(!CurlOptionValue<int (*)(int)>);
static_assert(CurlOptionValue<long>);
static_assert(CurlOptionValue<const char*>);
static_assert(CurlOptionValue<curl_slist*>);
static_assert(CurlOptionValue<void*>);

// One libcurl handle for one batch, so that one connection carries all its
// messages; QUIT is sent when it is cleaned up.
class Session
{
public:
  Session(const CurlApi& curl, const std::string& soname)
    : m_curl(curl)
    , m_soname(soname)
    , m_handle(curl.easy_init())
  {
    if (m_handle == nullptr) {
      throw Error(ErrorKind::unavailable, "libcurl could not create a transfer");
    }
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session()
  {
    m_curl.easy_cleanup(m_handle);
  }

  // Sets an option; `name` is for the error should this libcurl lack it.
  // curl_easy_setopt reads its argument as the option's type (long,
  // curl_off_t, an object pointer or a callback) with no conversion, so only
  // those may be passed: an int would be read as a long.
  template<CurlOptionValue Value>
  void
  set(CURLoption option, Value value, std::string_view name)
  {
    const CURLcode result = m_curl.easy_setopt(m_handle, option, value);
    if (result != CURLE_OK) {
      throw Error(ErrorKind::unavailable,
                  "libcurl ({}) refused CURLOPT_{}: {}; SMTP delivery needs libcurl {} "
                  "or later",
                  m_soname,
                  name,
                  m_curl.easy_strerror(result),
                  CPD_MIN_LIBCURL);
    }
  }

  // The options every message shares.
  void
  configure(const MailUrl& url, const TransportOptions& options)
  {
    // The URL path is the name libcurl gives in EHLO.
    const std::string address = fmt::format("{}/{}", url.to_string(), options.local_hostname);
    set(CURLOPT_URL, address.c_str(), "URL");
    set(CURLOPT_ERRORBUFFER, m_error.data(), "ERRORBUFFER");
    set(CURLOPT_NOSIGNAL, 1L, "NOSIGNAL");
    // No proxy, whatever the environment says: a setgid cpd must not let a
    // user redirect its connection.
    set(CURLOPT_PROXY, "", "PROXY");
    set(CURLOPT_UPLOAD, 1L, "UPLOAD");
    set(CURLOPT_READFUNCTION, &read_upload, "READFUNCTION");
    set(CURLOPT_READDATA, static_cast<void*>(&m_upload), "READDATA");
    set(CURLOPT_VERBOSE, 1L, "VERBOSE");
    set(CURLOPT_DEBUGFUNCTION, &watch_dialogue, "DEBUGFUNCTION");
    set(CURLOPT_DEBUGDATA, static_cast<void*>(&m_dialogue), "DEBUGDATA");
    const auto milliseconds = [](std::chrono::milliseconds value) {
      return static_cast<long>(std::max<std::int64_t>(1, value.count()));
    };
    set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(options.connect_timeout), "CONNECTTIMEOUT_MS");
    set(CURLOPT_TIMEOUT_MS, milliseconds(options.total_timeout), "TIMEOUT_MS");
    const long response_seconds = (milliseconds(options.response_timeout) + 999) / 1000;
    set(CURLOPT_SERVER_RESPONSE_TIMEOUT, response_seconds, "SERVER_RESPONSE_TIMEOUT");
    if (url.scheme == MailUrl::Scheme::smtp && options.starttls == StartTls::required) {
      set(CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL), "USE_SSL");
    }
    if (!options.ca_pem.empty()) {
      // The certificates in memory, as the host configuration read them:
      // libcurl opens no file for them.
      curl_blob blob{const_cast<char*>(options.ca_pem.data()), // NOLINT: libcurl copies it
                     options.ca_pem.size(),
                     CURL_BLOB_COPY};
      set(CURLOPT_CAINFO_BLOB, &blob, "CAINFO_BLOB");
    }
    if (!options.username.empty()) {
      set(CURLOPT_USERNAME, options.username.c_str(), "USERNAME");
      set(CURLOPT_PASSWORD, options.password.c_str(), "PASSWORD");
    }
  }

  // Sends one message whose addresses are valid; `describe` turns libcurl's
  // error into the text reported.
  template<typename Describe>
  Classified
  send(const OutgoingMessage& message, const Describe& describe)
  {
    const auto free_list = [this](curl_slist* list) { m_curl.slist_free_all(list); };
    std::unique_ptr<curl_slist, decltype(free_list)> recipients(nullptr, free_list);
    for (const std::string& recipient : message.recipients) {
      const std::string bracketed = fmt::format("<{}>", recipient);
      curl_slist* appended = m_curl.slist_append(recipients.get(), bracketed.c_str());
      if (appended == nullptr) {
        throw Error(ErrorKind::internal, "out of memory building the recipient list");
      }
      static_cast<void>(recipients.release());
      recipients.reset(appended);
    }
    // One refused recipient fails the whole message (MAIL_RCPT_ALLLOWFAILS
    // stays off), so that the refusal is reported rather than silently lost.
    const std::string sender = fmt::format("<{}>", message.sender);
    set(CURLOPT_MAIL_FROM, sender.c_str(), "MAIL_FROM");
    set(CURLOPT_MAIL_RCPT, recipients.get(), "MAIL_RCPT");
    set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.data.size()), "INFILESIZE_LARGE");
    m_upload = Upload{message.data, 0};
    m_dialogue = Dialogue{};
    m_error[0] = '\0';
    // After a failed transfer the server's state is unknown (a transaction
    // may still be open): start the next message on a new connection.
    set(CURLOPT_FRESH_CONNECT, m_fresh ? 1L : 0L, "FRESH_CONNECT");

    const CURLcode result = m_curl.easy_perform(m_handle);
    m_fresh = result != CURLE_OK;
    set(CURLOPT_MAIL_RCPT, static_cast<curl_slist*>(nullptr), "MAIL_RCPT");

    if (result == CURLE_OK) {
      // A code read before any reply in this transfer would be the previous
      // message's.
      long reply = 0;
      if (m_dialogue.replies > 0) {
        m_curl.easy_getinfo(m_handle, CURLINFO_RESPONSE_CODE, &reply);
      }
      return {{Outcome::sent, static_cast<int>(reply), {}}};
    }
    // Only a refusal is quoted: the last line before a failure may be one
    // that says nothing about it (a capability, a greeting).
    std::string detail = m_error[0] != '\0' ? m_error.data() : m_curl.easy_strerror(result);
    if (!m_dialogue.error_reply.empty()) {
      detail += fmt::format(" (server: {})", m_dialogue.error_reply);
    }
    return classify(result, m_dialogue.error_code, m_dialogue.replies > 0, describe(detail));
  }

private:
  bool m_fresh = false;
  const CurlApi& m_curl;
  const std::string& m_soname;
  CURL* m_handle;
  std::array<char, CURL_ERROR_SIZE> m_error{};
  Upload m_upload;
  Dialogue m_dialogue;
};

class SmtpTransport final : public Transport
{
public:
  SmtpTransport(MailUrl url, TransportOptions options)
    : m_url(std::move(url))
    , m_options(std::move(options))
  {}

  DeliveryReport
  deliver(std::span<const OutgoingMessage> messages) override
  {
    DeliveryReport report;
    if (messages.empty()) {
      return report;
    }
    Session session(load_curl(m_options.libcurl), m_options.libcurl);
    session.configure(m_url, m_options);
    const auto describe = [this](std::string_view detail) {
      return redact(fmt::format("{}: {}", m_url.to_string(), detail));
    };
    std::optional<std::string> skip_reason;
    for (const OutgoingMessage& message : messages) {
      if (skip_reason) {
        report.results.push_back(
          {Outcome::retry, 0, fmt::format("not attempted: {}", *skip_reason), Attempt::not_made});
        continue;
      }
      // Addresses become SMTP commands: a line break in one would inject
      // another command, so they are checked here as well as in compose().
      if (auto problem = envelope_problem(message)) {
        report.results.push_back({Outcome::failed, 0, std::move(*problem)});
        continue;
      }
      Classified sent = session.send(message, describe);
      if (sent.scope == Scope::batch) {
        report.stopped = Error(sent.stop_kind, "{}", sent.result.error);
      }
      if (sent.scope != Scope::message) {
        skip_reason = sent.result.error;
      }
      report.results.push_back(std::move(sent.result));
    }
    return report;
  }

private:
  static std::optional<std::string>
  envelope_problem(const OutgoingMessage& message)
  {
    try {
      if (!message.sender.empty()) {
        validate_address(message.sender);
      }
      for (const std::string& recipient : message.recipients) {
        validate_address(recipient);
      }
    } catch (const Error& e) {
      return e.what();
    }
    if (message.recipients.empty()) {
      return "the message has no recipients";
    }
    return std::nullopt;
  }

  // Belt and braces: libcurl's messages should never hold the password.
  std::string
  redact(std::string text) const
  {
    const std::string& secret = m_options.password;
    if (secret.empty()) {
      return text;
    }
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "********");
    }
    return text;
  }

  MailUrl m_url;
  TransportOptions m_options;
};

} // namespace

std::unique_ptr<Transport>
make_smtp_transport(const MailUrl& url, const TransportOptions& options)
{
  if (url.scheme == MailUrl::Scheme::maildir || url.host.empty()) {
    throw Error(ErrorKind::config, "{} is not an SMTP server", url.to_string());
  }
  const bool name_ok =
    !options.local_hostname.empty()
    && std::all_of(options.local_hostname.begin(), options.local_hostname.end(), [](char c) {
         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.';
       });
  if (!name_ok) {
    throw Error(ErrorKind::config,
                "{:?} is not a host name to greet the SMTP server with",
                options.local_hostname);
  }
  const bool encrypted =
    url.scheme == MailUrl::Scheme::smtps || options.starttls == StartTls::required;
  if (!options.password.empty() && !encrypted && !is_loopback(url.host)) {
    throw Error(ErrorKind::config,
                "{} would receive the SMTP password unencrypted: require STARTTLS or use "
                "smtps://",
                url.to_string());
  }
  return std::make_unique<SmtpTransport>(url, options);
}

} // namespace cpd::mail
