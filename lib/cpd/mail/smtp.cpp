// SMTP delivery through libcurl, loaded with dlopen on first use: linking it
// would add its start-up cost to every cpd command, most of which send no
// mail. curl.h is included for types and constants only.
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <cpd/error.hpp>
#include <cpd/mail/transport.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>

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
  curl_slist* (*slist_append)(curl_slist* list, const char* text) = nullptr;
  void (*slist_free_all)(curl_slist* list) = nullptr;
};

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
  std::string last_reply;
  std::string last_error_reply; // the last 4xx or 5xx: after it may come "221 Bye"
};

int
watch_dialogue(CURL*, curl_infotype type, char* data, std::size_t size, void* user)
{
  if (type != CURLINFO_HEADER_IN) {
    return 0;
  }
  auto* dialogue = static_cast<Dialogue*>(user);
  std::string_view line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) {
        return c >= '0' && c <= '9';
      })) {
    ++dialogue->replies;
    dialogue->last_reply.clear();
    for (const char c : line.substr(0, 200)) {
      dialogue->last_reply += c >= 0x20 && c < 0x7f ? c : '?';
    }
    if (line.front() == '4' || line.front() == '5') {
      dialogue->last_error_reply = dialogue->last_reply;
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

class SmtpTransport final : public Transport
{
public:
  SmtpTransport(MailUrl url, TransportOptions options)
    : m_url(std::move(url)),
      m_options(std::move(options))
  {
  }

  DeliveryReport
  deliver(std::span<const OutgoingMessage> messages) override
  {
    DeliveryReport report;
    if (messages.empty()) {
      return report;
    }
    const CurlApi& curl = load_curl(m_options.libcurl);
    const auto cleanup = [&curl](CURL* handle) { curl.easy_cleanup(handle); };
    // One handle, so that one connection carries the whole batch; QUIT is
    // sent when it is cleaned up.
    std::unique_ptr<CURL, decltype(cleanup)> handle(curl.easy_init(), cleanup);
    if (!handle) {
      throw Error(ErrorKind::unavailable, "libcurl could not create a transfer");
    }
    char error_buffer[CURL_ERROR_SIZE] = {};
    Upload upload;
    Dialogue dialogue;
    setup(curl, handle.get(), error_buffer, upload, dialogue);

    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (report.stopped) {
        report.results.push_back(
          {Outcome::retry, 0, fmt::format("not attempted: {}", report.stopped->what())});
        continue;
      }
      Scope scope = Scope::message;
      report.results.push_back(
        send(curl, handle.get(), messages[i], error_buffer, upload, dialogue, scope));
      if (scope == Scope::batch) {
        report.stopped = Error(m_stop_kind, "{}", report.results.back().error);
      } else if (scope == Scope::connection) {
        for (++i; i < messages.size(); ++i) {
          report.results.push_back(
            {Outcome::retry, 0, fmt::format("not attempted: {}", report.results.back().error)});
        }
      }
    }
    return report;
  }

private:
  template<typename Value>
  void
  set(const CurlApi& curl, CURL* handle, CURLoption option, Value value, const char* name) const
  {
    const CURLcode result = curl.easy_setopt(handle, option, value);
    if (result != CURLE_OK) {
      throw Error(ErrorKind::unavailable,
                  "libcurl ({}) refused {}: {}; SMTP delivery needs libcurl 7.69 or later",
                  m_options.libcurl,
                  name,
                  curl.easy_strerror(result));
    }
  }

  void
  setup(const CurlApi& curl, CURL* handle, char* error_buffer, Upload& upload, Dialogue& dialogue)
    const
  {
    // The URL path is the name libcurl gives in EHLO.
    const std::string url = fmt::format("{}/{}", m_url.to_string(), m_options.local_hostname);
    set(curl, handle, CURLOPT_URL, url.c_str(), "CURLOPT_URL");
    set(curl, handle, CURLOPT_ERRORBUFFER, error_buffer, "CURLOPT_ERRORBUFFER");
    set(curl, handle, CURLOPT_NOSIGNAL, 1L, "CURLOPT_NOSIGNAL");
    // No proxy, whatever the environment says: a setgid cpd must not let a
    // user redirect its connection.
    set(curl, handle, CURLOPT_PROXY, "", "CURLOPT_PROXY");
    set(curl, handle, CURLOPT_UPLOAD, 1L, "CURLOPT_UPLOAD");
    set(curl, handle, CURLOPT_READFUNCTION, &read_upload, "CURLOPT_READFUNCTION");
    set(curl, handle, CURLOPT_READDATA, static_cast<void*>(&upload), "CURLOPT_READDATA");
    set(curl, handle, CURLOPT_VERBOSE, 1L, "CURLOPT_VERBOSE");
    set(curl, handle, CURLOPT_DEBUGFUNCTION, &watch_dialogue, "CURLOPT_DEBUGFUNCTION");
    set(curl, handle, CURLOPT_DEBUGDATA, static_cast<void*>(&dialogue), "CURLOPT_DEBUGDATA");
    const auto milliseconds = [](std::chrono::milliseconds value) {
      return static_cast<long>(std::max<std::int64_t>(1, value.count()));
    };
    set(curl, handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(m_options.connect_timeout),
        "CURLOPT_CONNECTTIMEOUT_MS");
    set(curl, handle, CURLOPT_TIMEOUT_MS, milliseconds(m_options.total_timeout),
        "CURLOPT_TIMEOUT_MS");
    const long response_seconds =
      std::max<long>(1, static_cast<long>((m_options.response_timeout.count() + 999) / 1000));
    set(curl, handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, response_seconds,
        "CURLOPT_SERVER_RESPONSE_TIMEOUT");
    if (m_url.scheme == MailUrl::Scheme::smtp && m_options.starttls == StartTls::required) {
      set(curl, handle, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL), "CURLOPT_USE_SSL");
    }
    if (!m_options.ca_file.empty()) {
      set(curl, handle, CURLOPT_CAINFO, m_options.ca_file.c_str(), "CURLOPT_CAINFO");
    }
    if (!m_options.username.empty()) {
      set(curl, handle, CURLOPT_USERNAME, m_options.username.c_str(), "CURLOPT_USERNAME");
      set(curl, handle, CURLOPT_PASSWORD, m_options.password.c_str(), "CURLOPT_PASSWORD");
    }
  }

  DeliveryResult
  send(const CurlApi& curl,
       CURL* handle,
       const OutgoingMessage& message,
       char* error_buffer,
       Upload& upload,
       Dialogue& dialogue,
       Scope& scope)
  {
    // Addresses become SMTP commands: a line break in one would inject
    // another command, so they are checked here as well as in compose().
    try {
      if (!message.sender.empty()) {
        validate_address(message.sender);
      }
      for (const std::string& recipient : message.recipients) {
        validate_address(recipient);
      }
    } catch (const Error& e) {
      return {Outcome::failed, 0, e.what()};
    }
    if (message.recipients.empty()) {
      return {Outcome::failed, 0, "the message has no recipients"};
    }

    const auto free_list = [&curl](curl_slist* list) { curl.slist_free_all(list); };
    std::unique_ptr<curl_slist, decltype(free_list)> recipients(nullptr, free_list);
    for (const std::string& recipient : message.recipients) {
      curl_slist* appended = curl.slist_append(recipients.get(), fmt::format("<{}>", recipient).c_str());
      if (appended == nullptr) {
        throw Error(ErrorKind::internal, "out of memory building the recipient list");
      }
      static_cast<void>(recipients.release());
      recipients.reset(appended);
    }
    // One refused recipient fails the whole message (MAIL_RCPT_ALLLOWFAILS
    // stays off), so that the refusal is reported rather than silently lost.
    const std::string sender = fmt::format("<{}>", message.sender);
    set(curl, handle, CURLOPT_MAIL_FROM, sender.c_str(), "CURLOPT_MAIL_FROM");
    set(curl, handle, CURLOPT_MAIL_RCPT, recipients.get(), "CURLOPT_MAIL_RCPT");
    set(curl, handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.data.size()),
        "CURLOPT_INFILESIZE_LARGE");
    upload = Upload{message.data, 0};
    dialogue = Dialogue{};
    error_buffer[0] = '\0';

    const CURLcode result = curl.easy_perform(handle);

    set(curl, handle, CURLOPT_MAIL_RCPT, static_cast<curl_slist*>(nullptr), "CURLOPT_MAIL_RCPT");
    long reply = 0;
    if (dialogue.replies > 0) {
      curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply);
    }
    const int code = static_cast<int>(reply);
    if (result == CURLE_OK) {
      return {Outcome::sent, code, {}};
    }
    return classify(curl, result, code, error_buffer, dialogue, scope);
  }

  DeliveryResult
  classify(const CurlApi& curl,
           CURLcode result,
           int code,
           const char* error_buffer,
           const Dialogue& dialogue,
           Scope& scope)
  {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl.easy_strerror(result);
    const std::string& reply =
      dialogue.last_error_reply.empty() ? dialogue.last_reply : dialogue.last_error_reply;
    if (!reply.empty()) {
      detail += fmt::format(" (server: {})", reply);
    }
    std::string error = redact(fmt::format("{}: {}", m_url.to_string(), detail));

    switch (result) {
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
      scope = Scope::batch;
      m_stop_kind = ErrorKind::config;
      return {Outcome::retry, code,
              error + "; check the SMTP user name and password"};
    case CURLE_USE_SSL_FAILED:
      scope = Scope::batch;
      m_stop_kind = ErrorKind::config;
      return {Outcome::retry, code,
              error + "; the server does not offer STARTTLS, which is required"};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      scope = Scope::batch;
      m_stop_kind = ErrorKind::config;
      return {Outcome::retry, code, error + "; the server's TLS certificate is not trusted"};
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
      scope = Scope::batch;
      m_stop_kind = ErrorKind::unavailable;
      return {Outcome::retry, code, error};
    default:
      break;
    }
    // Refusals that mean the login is missing or too weak, not this message.
    if (code == 530 || code == 534 || code == 535 || code == 538) {
      scope = Scope::batch;
      m_stop_kind = ErrorKind::config;
      return {Outcome::retry, code, error + "; check the SMTP login settings"};
    }
    if (code >= 500 && code < 600) {
      return {Outcome::failed, code, error};
    }
    if (dialogue.replies == 0) {
      scope = Scope::connection;
    }
    return {Outcome::retry, code, error};
  }

  // Belt and braces: libcurl's messages should never hold the password.
  std::string
  redact(std::string text) const
  {
    const std::string& secret = m_options.password;
    if (secret.empty()) {
      return text;
    }
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at)) {
      text.replace(at, secret.size(), "********");
    }
    return text;
  }

  MailUrl m_url;
  TransportOptions m_options;
  ErrorKind m_stop_kind = ErrorKind::config;
};

} // namespace

std::unique_ptr<Transport>
make_smtp_transport(const MailUrl& url, const TransportOptions& options)
{
  if (url.scheme == MailUrl::Scheme::maildir || url.host.empty()) {
    throw Error(ErrorKind::config, "{} is not an SMTP server", url.to_string());
  }
  const bool name_ok = !options.local_hostname.empty()
                       && std::all_of(options.local_hostname.begin(),
                                      options.local_hostname.end(),
                                      [](char c) {
                                        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                                               || (c >= '0' && c <= '9') || c == '-' || c == '.';
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
