#include "delivery.hpp"

#include "output.hpp"

#include <cpd/ledger/members.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

namespace cpd::cli {

const std::string&
host_name()
{
  static const std::string name = [] {
    std::array<char, 256> buffer{};
    if (::gethostname(buffer.data(), buffer.size() - 1) != 0) {
      return std::string();
    }
    std::string found = buffer.data();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    addrinfo* result = nullptr;
    if (::getaddrinfo(buffer.data(), nullptr, &hints, &result) == 0) {
      if (result != nullptr && result->ai_canonname != nullptr) {
        found = result->ai_canonname;
      }
      ::freeaddrinfo(result);
    }
    return found;
  }();
  return name;
}

namespace {

// Whether the caller runs the mail: a secretary or the system. Anybody else
// is never told to run a secretary's command.
bool
runs_the_mail(Session& session)
{
  const auto& context = session.context();
  if (context.actor == Actor::system) {
    return true;
  }
  const auto member = find_member(session.db(), context.login);
  return member && member->role == Role::secretary;
}

} // namespace

void
deliver_now(Session& session)
{
  DeliveryOptions options;
  options.local_hostname = host_name();
  options.connect_timeout = std::chrono::seconds(5);
  options.response_timeout = std::chrono::seconds(30);
  options.total_timeout = std::chrono::seconds(60);
  DeliverySummary summary;
  std::optional<std::string> stopped;
  try {
    summary = deliver_mail(session.db(), session.context(), options);
  } catch (const Error& e) {
    stopped = e.what();
  }
  if (!stopped && summary.stopped) {
    stopped = summary.stopped->what();
  }
  const bool secretary = runs_the_mail(session);
  const auto mails = [](int count) {
    return fmt::format("{} mail{}", count, count == 1 ? "" : "s");
  };
  if (!secretary) {
    // A member learns that their mail waits, and who sees to it.
    const bool waiting = (summary.no_transport || stopped) && summary.waiting > 0;
    if (waiting || summary.retry > 0 || summary.failed > 0) {
      note("mail about this could not be sent yet; it waits in the queue and the membership "
           "secretary sees to it");
    }
    return;
  }
  if (summary.no_transport && summary.waiting > 0) {
    note(fmt::format("{} queued; no mail transport is set (cpd config set "
                     "mail.url smtp://HOST or maildir:PATH)",
                     mails(summary.waiting)));
  } else if (stopped) {
    note(fmt::format("mail was not delivered ({}); it stays queued for `cpd mail send`", *stopped));
  } else if (summary.retry > 0) {
    note(fmt::format("{} not delivered yet ({}); retried by `cpd mail send`",
                     mails(summary.retry),
                     summary.last_error));
  }
  if (summary.failed > 0) {
    note(fmt::format("{} refused by the mail server ({}); see cpd mail list --failed",
                     summary.failed == 1 ? "1 mail was" : mails(summary.failed) + " were",
                     summary.last_error));
  }
}

} // namespace cpd::cli
