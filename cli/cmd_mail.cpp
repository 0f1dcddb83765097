#include "commands.hpp"
#include "output.hpp"

#include <cpd/error.hpp>
#include <cpd/members.hpp>
#include <cpd/outbox.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ListOptions
{
  bool failed = false;
  bool queued = false;
  std::size_t limit = 50;
};

void
run_send(Session& session)
{
  const auto summary = deliver_mail(session.db(), session.context(), DeliveryOptions{});
  if (session.json()) {
    Json json;
    json.begin_object()
      .field("sent", summary.sent)
      .field("retry", summary.retry)
      .field("failed", summary.failed)
      .field("queued", summary.waiting)
      .field("transport", !summary.no_transport)
      .end_object();
    print(json.str());
  } else if (summary.sent > 0) {
    print(fmt::format("Sent {} mail{}.\n", summary.sent, summary.sent == 1 ? "" : "s"));
  }
  // Quiet when all went out; loud, with a status cron notices, when not.
  if (summary.no_transport && summary.waiting > 0) {
    throw Error(ErrorKind::config,
                "{} mail{} queued but mail.url is not set; set it with cpd config set "
                "mail.url smtp://HOST or maildir:PATH",
                summary.waiting,
                summary.waiting == 1 ? " is" : "s are");
  }
  if (summary.stopped) {
    throw Error(ErrorKind::config, "{}", summary.stopped->what());
  }
  if (summary.failed > 0) {
    throw Error(ErrorKind::refused,
                "{} mail{} refused by the server ({}); see cpd mail list --failed",
                summary.failed,
                summary.failed == 1 ? " was" : "s were",
                summary.last_error);
  }
  if (summary.retry > 0) {
    throw Error(ErrorKind::busy,
                "{} mail{} could not be delivered ({}); {} queued for the next run",
                summary.retry,
                summary.retry == 1 ? "" : "s",
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
  const auto messages = list_outbox(session.db(), session.context(), filter, options.limit);
  if (session.json()) {
    Json json;
    json.begin_array();
    for (const auto& message : messages) {
      json.begin_object()
        .field("id", message.id)
        .field("cause", message.cause)
        .field("to", message.to_address)
        .field("subject", message.subject)
        .field("state", message.state)
        .field("attempts", message.attempts)
        .field("created", local_date(message.created_at))
        .field("last_code", message.last_code)
        .field("last_error", message.last_error)
        .end_object();
    }
    json.end_array();
    print(json.str());
    return;
  }
  if (messages.empty()) {
    print("The outbox has no such mail.\n");
    return;
  }
  Table table({{"ID", Table::Align::right},
               {"STATE", Table::Align::left, Table::Kind::status},
               {"TRIES", Table::Align::right},
               {"TO"},
               {"SUBJECT"},
               {"LAST ERROR"}});
  for (const auto& message : messages) {
    table.add_row({std::to_string(message.id),
                   message.state,
                   std::to_string(message.attempts),
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

  auto send = mail.add("send", "deliver every queued mail that is due");
  send.run([](Session& session) {
    require_secretary_or_system(session.db(), session.context());
    run_send(session);
  });

  auto options = std::make_shared<ListOptions>();
  auto list = mail.add("list", "the outbox, newest first");
  list.flag("--failed", options->failed, "only mail the server refused");
  list.flag("--queued", options->queued, "only mail waiting to be sent");
  list.option("--limit", options->limit, "at most this many (default 50)");
  list.run([options](Session& session) { run_list(*options, session); });

  auto ids = std::make_shared<std::vector<std::string>>();
  auto retry = mail.add("retry", "queue failed mail again (all, or the ids given)");
  retry.option("ids", *ids, "mail ids from cpd mail list");
  retry.run([ids](Session& session) {
    const int count = retry_failed_mail(session.db(), session.context(), parse_ids(*ids));
    print(fmt::format("Queued {} mail{} again.\n", count, count == 1 ? "" : "s"));
  });
}

} // namespace cpd::cli
