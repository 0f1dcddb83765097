#include "delivery.hpp"

#include <cpd/error.hpp>
#include <cpd/outbox.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace cpd::cli {

void
deliver_now(Session& session)
{
  DeliveryOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  options.response_timeout = std::chrono::seconds(30);
  options.total_timeout = std::chrono::seconds(60);
  DeliverySummary summary;
  try {
    summary = deliver_mail(session.db(), session.context(), options);
  } catch (const Error& e) {
    std::fflush(stdout);
    fmt::print(stderr,
               "cpd: note: mail was not delivered ({}); it stays queued for `cpd mail send`\n",
               e.what());
    return;
  }
  std::fflush(stdout);
  if (summary.no_transport && summary.waiting > 0) {
    fmt::print(stderr,
               "cpd: note: {} mail{} queued; no mail transport is set (cpd config set "
               "mail.url smtp://HOST or maildir:PATH)\n",
               summary.waiting,
               summary.waiting == 1 ? "" : "s");
  } else if (summary.stopped) {
    fmt::print(stderr,
               "cpd: note: mail was not delivered ({}); it stays queued for `cpd mail send`\n",
               summary.stopped->what());
  } else if (summary.retry > 0) {
    fmt::print(stderr,
               "cpd: note: {} mail{} not delivered yet ({}); retried by `cpd mail send`\n",
               summary.retry,
               summary.retry == 1 ? "" : "s",
               summary.last_error);
  }
  if (summary.failed > 0) {
    fmt::print(stderr,
               "cpd: note: {} mail{} refused by the mail server ({}); see cpd mail list --failed\n",
               summary.failed,
               summary.failed == 1 ? " was" : "s were",
               summary.last_error);
  }
}

} // namespace cpd::cli
