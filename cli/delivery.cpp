#include "delivery.hpp"

#include "output.hpp"

#include <cpd/error.hpp>
#include <cpd/outbox.hpp>

#include <fmt/format.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cpd::cli {

const std::string&
host_name()
{
  static const std::string name = [] {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) {
      return std::string();
    }
    std::string found = buffer;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    addrinfo* result = nullptr;
    if (::getaddrinfo(buffer, nullptr, &hints, &result) == 0) {
      if (result != nullptr && result->ai_canonname != nullptr) {
        found = result->ai_canonname;
      }
      ::freeaddrinfo(result);
    }
    return found;
  }();
  return name;
}

void
deliver_now(Session& session)
{
  DeliveryOptions options;
  options.local_hostname = host_name();
  options.connect_timeout = std::chrono::seconds(5);
  options.response_timeout = std::chrono::seconds(30);
  options.total_timeout = std::chrono::seconds(60);
  DeliverySummary summary;
  try {
    summary = deliver_mail(session.db(), session.context(), options);
  } catch (const Error& e) {
    note(fmt::format("mail was not delivered ({}); it stays queued for `cpd mail send`", e.what()));
    return;
  }
  if (summary.no_transport && summary.waiting > 0) {
    note(fmt::format("{} mail{} queued; no mail transport is set (cpd config set "
                     "mail.url smtp://HOST or maildir:PATH)",
                     summary.waiting,
                     summary.waiting == 1 ? "" : "s"));
  } else if (summary.stopped) {
    note(fmt::format("mail was not delivered ({}); it stays queued for `cpd mail send`",
                     summary.stopped->what()));
  } else if (summary.retry > 0) {
    note(fmt::format("{} mail{} not delivered yet ({}); retried by `cpd mail send`",
                     summary.retry,
                     summary.retry == 1 ? "" : "s",
                     summary.last_error));
  }
  if (summary.failed > 0) {
    note(fmt::format("{} mail{} refused by the mail server ({}); see cpd mail list --failed",
                     summary.failed,
                     summary.failed == 1 ? " was" : "s were",
                     summary.last_error));
  }
}

} // namespace cpd::cli
