#include "commands.hpp"
#include "delivery.hpp"
#include "output.hpp"

#include <cpd/ledger/members.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <optional>

namespace cpd::cli {

namespace {

// "next_attempt": when mail is next tried, or null.
void
write_next_attempt(Json& json, const std::optional<std::int64_t>& when)
{
  json.key("next_attempt");
  if (when) {
    json.value(rfc3339_time(*when));
  } else {
    json.null();
  }
}

struct SendOptions
{
  bool now = false;
};

struct ListOptions
{
  bool failed = false;
  bool queued = false;
  std::size_t limit = 50;
};

std::string
mails(int count)
{
  return fmt::format("{} mail{}", count, count == 1 ? "" : "s");
}

// Delivers what is due (or everything queued) and says how it went: quiet
// when all went out; loud, with a status cron notices, when not.
// `retried` is how many mails `mail retry` made due, for its JSON.
void
deliver_and_report(Session& session, Backoff backoff, std::optional<int> retried)
{
  DeliveryOptions options;
  options.local_hostname = host_name();
  options.backoff = backoff;
  const auto summary = deliver_mail(session.db(), session.secretary_or_system(), options);
  const bool tried = summary.sent + summary.retry + summary.failed > 0;
  if (session.json()) {
    Json json;
    json.begin_object();
    if (retried) {
      json.field("retried", *retried);
    }
    json.field("sent", summary.sent)
      .field("retry", summary.retry)
      .field("unreachable", summary.unreachable)
      .field("failed", summary.failed)
      .field("without_files", summary.without_files)
      .field("queued", summary.waiting);
    write_next_attempt(json, summary.next_attempt);
    json.field("transport", !summary.no_transport).end_object();
    print(json.str());
  } else {
    if (summary.sent > 0) {
      print(fmt::format("Sent {}.\n", mails(summary.sent)));
    }
    if (summary.without_files > 0) {
      const bool one = summary.without_files == 1;
      print(fmt::format("{} too large for the mail server with {} files, and {} tried again "
                        "without them, pointing to cpd attachment get.\n",
                        one ? "1 mail was" : mails(summary.without_files) + " were",
                        one ? "its" : "their",
                        one ? "was" : "were"));
    }
    if (!tried && !summary.stopped && !summary.no_transport && summary.waiting > 0
        && summary.next_attempt) {
      print(fmt::format("Nothing is due yet: {} queued, the next due at {} "
                        "(cpd mail send --now sends {} now).\n",
                        mails(summary.waiting),
                        local_time(*summary.next_attempt),
                        summary.waiting == 1 ? "it" : "them"));
    }
  }
  if (summary.no_transport && summary.waiting > 0) {
    throw Error(ErrorKind::config,
                "{} queued but mail.url is not set; set it with cpd config set "
                "mail.url smtp://HOST or maildir:PATH",
                summary.waiting == 1 ? "1 mail is" : mails(summary.waiting) + " are");
  }
  if (summary.stopped) {
    throw Error(summary.stopped->kind(), "{}", summary.stopped->what());
  }
  if (summary.unreachable > 0) {
    throw Error(ErrorKind::unavailable,
                "the mail server cannot be reached ({}); {} queued",
                summary.last_error,
                summary.retry == 1 ? "1 mail stays" : mails(summary.retry) + " stay");
  }
  if (summary.failed > 0) {
    throw Error(ErrorKind::refused,
                "{} refused by the server ({}); see cpd mail list --failed",
                summary.failed == 1 ? "1 mail was" : mails(summary.failed) + " were",
                summary.last_error);
  }
  if (summary.retry > 0) {
    throw Error(ErrorKind::busy,
                "{} could not be delivered ({}); {} queued for the next run",
                mails(summary.retry),
                summary.last_error,
                summary.retry == 1 ? "it stays" : "they stay");
  }
}

void
run_list(const ListOptions& options, Session& session)
{
  const auto filter = options.failed   ? OutboxFilter::failed
                      : options.queued ? OutboxFilter::queued
                                       : OutboxFilter::all;
  const auto messages =
    list_outbox(session.db(), session.secretary_or_system(), filter, options.limit);
  const auto now = session.secretary_or_system().now;
  if (session.json()) {
    print(json_array(messages, [](Json& json, const OutboxMessage& message) {
      json.begin_object()
        .field("id", message.id)
        .field("cause", message.cause)
        .field("to", message.to_address)
        .field("subject", message.subject)
        .field("state", message.state)
        .field("attempts", message.attempts)
        .field("created", local_date(message.created_at));
      write_next_attempt(json, message.next_attempt_at);
      json.field("last_code", message.last_code)
        .field("last_error", message.last_error)
        .end_object();
    }));
    return;
  }
  if (messages.empty()) {
    print("The outbox has no such mail.\n");
    return;
  }
  Table table({{"ID", Table::Align::right},
               {"STATE", Table::Align::left, Table::Kind::status},
               {"TRIES", Table::Align::right},
               {"NEXT TRY"},
               {"TO"},
               {"SUBJECT"},
               {"LAST ERROR"}});
  for (const auto& message : messages) {
    std::string next;
    if (message.next_attempt_at) {
      next = *message.next_attempt_at <= now ? "now" : local_time(*message.next_attempt_at);
    }
    table.add_row({std::to_string(message.id),
                   message.state,
                   std::to_string(message.attempts),
                   next,
                   message.to_address,
                   message.subject,
                   message.last_error.value_or("")});
  }
  print(table.render());
}

} // namespace

void
register_mail(Command& root)
{
  auto mail = root.add("mail", "deliver and inspect the outbox (secretary, cron)");
  mail.require_command();

  auto send_options = std::make_shared<SendOptions>();
  auto send = mail.add("send", "deliver every queued mail that is due");
  send.flag("--now",
            send_options->now,
            "also mail waiting to be retried, without waiting for its next try");
  send.run([send_options](Session& session) {
    deliver_and_report(
      session, send_options->now ? Backoff::ignore : Backoff::respect, std::nullopt);
  });

  auto options = std::make_shared<ListOptions>();
  auto list = mail.add("list", "the outbox, newest first");
  list.flag("--failed", options->failed, "only mail the server refused");
  list.flag("--queued", options->queued, "only mail waiting to be sent");
  list.option("--limit", options->limit, "at most this many (default 50)");
  list.run([options](Session& session) { run_list(*options, session); });

  auto ids = std::make_shared<std::vector<std::string>>();
  auto retry = mail.add("retry", "send failed or waiting mail now (all of it, or the ids given)");
  retry.option("ids", *ids, "mail ids from cpd mail list");
  retry.run([ids](Session& session) {
    const int count =
      retry_mail(session.db(), session.secretary_or_system(), parse_ids(*ids, "mail"));
    if (!session.json()) {
      print(fmt::format("Queued {} again.\n", mails(count)));
    }
    deliver_and_report(session, Backoff::respect, count);
  });
}

} // namespace cpd::cli
