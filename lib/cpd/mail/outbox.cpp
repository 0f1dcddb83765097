// The outbox: mail queued in the caller's transaction, rendered from its
// template and values when sent, leased in batches, delivered and retried
// with backoff. Over 500 lines: one state machine over one table.

#include <cpd/ledger/members.hpp>
#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/mail/template_facts.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/host_config.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/transport/message.hpp>
#include <cpd/transport/template.hpp>
#include <cpd/transport/transport.hpp>
#include <cpd/util/embedded.hpp>
#include <cpd/util/json.hpp>
#include <cpd/util/text.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace cpd {

const char* const k_lease_mail_sql =
  "UPDATE outbox SET lease_until = ?1 + ?2"
  " WHERE id IN (SELECT id FROM ("
  "   SELECT q.id, row_number() OVER w AS n, sum(q.bytes) OVER w AS bytes FROM ("
  "     SELECT o.id, o.next_attempt_at,"
  "       (SELECT coalesce(sum(a.size), 0) FROM outbox_attachment x"
  "       JOIN attachment a ON a.id = x.attachment_id WHERE x.outbox_id = o.id"
  "       AND o.files_dropped = 0) AS bytes"
  "     FROM outbox o WHERE o.state = 'queued' AND o.next_attempt_at <= ?5"
  "     AND (o.lease_until IS NULL OR o.lease_until <= ?1)"
  "     ORDER BY o.next_attempt_at, o.id LIMIT ?3) q"
  "   WINDOW w AS (ORDER BY q.next_attempt_at, q.id))"
  "   WHERE n = 1 OR bytes <= ?4)"
  " RETURNING id, attempts, created_at, to_name, to_address, message_id, member_id,"
  " files_dropped, template, facts";

namespace {

constexpr std::int64_t k_lease_seconds = 900;
constexpr std::int64_t k_first_retry_seconds = 300;
constexpr std::int64_t k_longest_retry_seconds = std::int64_t{4} * 3600;
constexpr std::int64_t k_give_up_seconds = std::int64_t{5} * 86400;
constexpr int k_batch = 100;
// A batch holds at most this many bytes of attachments (but always one mail).
constexpr std::int64_t k_batch_attachment_bytes = 32 << 20;

// The id of the next mail: after every mail in the outbox and every id a
// batch not yet written out holds.
std::int64_t
next_mail_id(Database& db)
{
  Statement next(db,
                 "SELECT max((SELECT coalesce(max(id), 0) FROM outbox),"
                 " (SELECT coalesce(max(first_id + count - 1), 0) FROM mail_batch)) + 1");
  next.step();
  return next.integer(0);
}

// Stands for the domain in the Message-ID of mail queued before mail.from
// or mail.helo was set; replaced before the mail is first sent.
constexpr std::string_view k_unknown_domain = "localhost";

std::string
domain_of(std::string_view address)
{
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

// The right-hand side of new Message-IDs: the domain mail comes from.
std::string
message_id_domain(Database& db)
{
  auto domain = domain_of(get_setting(db, "mail.from"));
  if (domain.empty()) {
    domain = get_setting(db, "mail.helo");
  }
  return domain.empty() ? std::string(k_unknown_domain) : domain;
}

// A fully qualified host name: two or more labels, not one of the names
// every host has for itself.
bool
fully_qualified(std::string_view name)
{
  return name.find('.') != std::string_view::npos && name != "localhost.localdomain"
         && !name.starts_with("localhost.") && !name.ends_with(".localdomain")
         && mail::is_host_name(name);
}

mail::TransportOptions
transport_options(Database& db, const DeliveryOptions& options)
{
  mail::TransportOptions result;
  result.connect_timeout = options.connect_timeout;
  result.response_timeout = options.response_timeout;
  result.total_timeout = options.total_timeout;
  result.local_hostname = helo_name(db, options.local_hostname);
  result.starttls =
    get_setting(db, "mail.starttls") == "required" ? mail::StartTls::required : mail::StartTls::no;
  // The SMTP password goes only to the server the host configuration
  // names: never to a mail.url a secretary set.
  const auto host = host_config();
  if (host->mail_url) {
    result.username = get_setting(db, "mail.username");
    result.password = host->mail_password;
  }
  result.ca_pem = host->mail_ca;
  return result;
}

struct Leased
{
  std::int64_t id = 0;
  int attempts = 0;
  std::int64_t created_at = 0;
  mail::Message message;     // without subject and body until they are rendered
  std::string template_name; // rendered from its template and values when sent
  std::string facts;
  std::string files_note; // goes before the body: its files were refused
};

// What a secretary reads first in a mail whose files a server refused.
std::string
files_dropped_note(Database& db, std::int64_t outbox_id)
{
  Statement claims(db,
                   "SELECT DISTINCT a.claim_id FROM outbox_attachment x"
                   " JOIN attachment a ON a.id = x.attachment_id WHERE x.outbox_id = ?"
                   " ORDER BY a.claim_id");
  claims.bind(1, outbox_id);
  std::string commands;
  while (claims.step()) {
    commands += fmt::format("  cpd attachment get {}\n", claims.integer(0));
  }
  return "The mail server refused this mail as too large with its files, so it comes\n"
         "without them. Where it says a file is attached, fetch it from cpd instead:\n"
         + commands + "\n";
}

// Where replies go: mail.secretary, or (a database set up before init set
// it) the first secretary added who is still active, never an account that
// sends as cpd itself (mail.from).
std::optional<Recipient>
reply_address(Database& db, std::string_view from)
{
  const auto secretaries = secretary_recipients(db, std::nullopt);
  if (!secretaries.empty() && !secretaries.front().member_id) {
    return secretaries.front();
  }
  Statement first(db,
                  "SELECT id, name, email, login FROM member WHERE role = 'secretary'"
                  " AND active = 1 AND lower(email) != lower(?) ORDER BY id LIMIT 1");
  first.bind(1, from);
  if (!first.step()) {
    return std::nullopt;
  }
  return Recipient{first.text(1), first.text(2), first.text(3), first.integer(0)};
}

// Takes up to a batch of due mail for this run. The recipient is read now,
// so that mail to a member goes to their current address; a Message-ID
// made before any domain was known gets one before its first attempt.
std::vector<Leased>
lease_batch(Database& db,
            const Context& context,
            const DeliveryOptions& options,
            const std::string& from,
            const std::string& from_name)
{
  Transaction transaction(db, Transaction::Kind::write);
  Statement lease(db, k_lease_mail_sql);
  const std::int64_t due_by =
    options.backoff == Backoff::ignore ? std::numeric_limits<std::int64_t>::max() : context.now;
  lease.bind_all(context.now, k_lease_seconds, k_batch, k_batch_attachment_bytes, due_by);
  std::vector<Leased> batch;
  std::vector<std::optional<std::int64_t>> members;
  std::vector<bool> dropped;
  const auto reply_to = reply_address(db, from);
  while (lease.step()) {
    Leased leased;
    leased.id = lease.integer(0);
    leased.attempts = static_cast<int>(lease.integer(1));
    leased.created_at = lease.integer(2);
    auto& message = leased.message;
    message.from_name = from_name;
    message.from_address = from;
    message.to_name = lease.text(3);
    message.to_address = lease.text(4);
    message.message_id = lease.text(5);
    leased.template_name = lease.text(8);
    leased.facts = lease.text(9);
    message.date_unix = leased.created_at;
    message.utc_offset_minutes = context.utc_offset_minutes;
    if (reply_to) {
      message.reply_to = reply_to->address;
      message.reply_to_name = reply_to->name;
    }
    members.push_back(lease.optional_integer(6));
    dropped.push_back(lease.integer(7) != 0);
    batch.push_back(std::move(leased));
  }
  lease.reset();

  Statement member(db, "SELECT name, email FROM member WHERE id = ?");
  Statement readdress(db, "UPDATE outbox SET to_name = ?, to_address = ? WHERE id = ?");
  Statement rename(db, "UPDATE outbox SET message_id = ? WHERE id = ?");
  const std::string unknown_suffix = fmt::format("@{}>", k_unknown_domain);
  const std::string domain = message_id_domain(db);
  Statement files(db,
                  "SELECT a.name, a.media_type, a.content FROM outbox_attachment x"
                  " JOIN attachment a ON a.id = x.attachment_id WHERE x.outbox_id = ?"
                  " ORDER BY a.id");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& leased = batch[i];
    auto& message = leased.message;
    if (members[i]) {
      member.reset();
      member.bind(1, *members[i]);
      if (member.step()
          && (member.text(0) != message.to_name || member.text(1) != message.to_address)) {
        message.to_name = member.text(0);
        message.to_address = member.text(1);
        readdress.reset();
        readdress.bind_all(message.to_name, message.to_address, leased.id).run();
      }
    }
    if (leased.attempts == 0 && message.message_id.ends_with(unknown_suffix)
        && domain != k_unknown_domain) {
      message.message_id =
        message.message_id.substr(0, message.message_id.size() - unknown_suffix.size()) + "@"
        + domain + ">";
      rename.reset();
      rename.bind_all(message.message_id, leased.id).run();
    }
    files.reset();
    files.bind(1, leased.id);
    bool has_files = false;
    while (files.step()) {
      has_files = true;
      if (dropped[i]) {
        continue;
      }
      // Stored types may carry parameters ("text/plain; charset=utf-8").
      auto type = files.text(1);
      type = type.substr(0, type.find(';'));
      message.attachments.push_back({files.text(0), type, files.blob(2)});
    }
    if (dropped[i] && has_files) {
      leased.files_note = files_dropped_note(db, leased.id);
    }
  }
  transaction.commit();
  std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return batch;
}

// A refusal of the message's size (RFC 5321's 552, or the enhanced status
// 5.3.4 "message too big for system").
bool
refused_for_size(const mail::DeliveryResult& result)
{
  return result.outcome == mail::Outcome::failed
         && (result.code == 552 || result.error.find("5.3.4") != std::string::npos);
}

void
record(Database& db,
       const Context& context,
       const Leased& leased,
       const mail::DeliveryResult& result,
       DeliverySummary& summary)
{
  // A code of 0 is stored as NULL: no reply refused the mail.
  const std::int64_t code = result.code;
  if (result.outcome == mail::Outcome::sent) {
    Statement(db,
              "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1,"
              " lease_until = NULL, last_code = nullif(?, 0), last_error = NULL WHERE id = ?")
      .bind_all(context.now, code, leased.id)
      .run();
    ++summary.sent;
    return;
  }
  // The reason of a mail that was tried says more than "not attempted".
  if (result.attempt != mail::Attempt::not_made || summary.last_error.empty()) {
    summary.last_error = result.error;
  }
  const bool too_old = context.now - leased.created_at > k_give_up_seconds;
  if (result.attempt == mail::Attempt::not_made && !too_old) {
    // Not tried, so no try is counted; it waits as long as a first retry,
    // so that a server that is down is not called again at once.
    Statement(db,
              "UPDATE outbox SET next_attempt_at = max(next_attempt_at, ?), lease_until = NULL,"
              " last_error = ? WHERE id = ?")
      .bind_all(context.now + k_first_retry_seconds, result.error, leased.id)
      .run();
    ++summary.retry;
    return;
  }
  const int attempts = leased.attempts + (result.attempt == mail::Attempt::not_made ? 0 : 1);
  if (refused_for_size(result) && !leased.message.attachments.empty()) {
    // Sent again at once, without the files, saying where they are.
    Statement(db,
              "UPDATE outbox SET files_dropped = 1, attempts = ?, next_attempt_at = ?,"
              " lease_until = NULL, last_code = nullif(?, 0), last_error = ? WHERE id = ?")
      .bind_all(attempts, context.now, code, result.error, leased.id)
      .run();
    ++summary.without_files;
    return;
  }
  const bool give_up = result.outcome == mail::Outcome::failed || too_old;
  if (give_up) {
    Statement(db,
              "UPDATE outbox SET state = 'failed', attempts = ?, lease_until = NULL,"
              " last_code = nullif(?, 0), last_error = ? WHERE id = ?")
      .bind_all(attempts, code, result.error, leased.id)
      .run();
    ++summary.failed;
    return;
  }
  // Exponential backoff: 5 minutes, doubling, at most 4 hours.
  const auto delay =
    std::min(k_longest_retry_seconds, k_first_retry_seconds << std::min(attempts - 1, 10));
  Statement(db,
            "UPDATE outbox SET attempts = ?, next_attempt_at = ?, lease_until = NULL,"
            " last_code = nullif(?, 0), last_error = ? WHERE id = ?")
    .bind_all(attempts, context.now + delay, code, result.error, leased.id)
    .run();
  ++summary.retry;
  if (result.attempt == mail::Attempt::no_connection) {
    ++summary.unreachable;
  }
}

// Templates parsed once per process, found by their text: an edited
// template is a new entry, never a stale one. The server renders on many
// threads at once: the cache is shared under a lock, and an entry stays
// alive while a render holds it even if the cache is emptied meanwhile.
std::shared_ptr<const mail::Template>
parsed_template(Database& db, const std::string& name)
{
  // Templates a secretary keeps editing would otherwise pile up.
  constexpr std::size_t k_most_templates = 64;
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<const mail::Template>> parsed;
  auto key = name + '\0' + template_text(db, name);
  {
    const std::lock_guard lock(mutex);
    if (const auto found = parsed.find(key); found != parsed.end()) {
      return found->second;
    }
  }
  auto text = std::string_view(key).substr(name.size() + 1);
  auto made = std::make_shared<const mail::Template>(mail::Template::parse(name, text));
  const std::lock_guard lock(mutex);
  if (parsed.size() >= k_most_templates) {
    parsed.clear();
  }
  return parsed.emplace(std::move(key), std::move(made)).first->second;
}

// The values a mail in the outbox holds: its facts, a JSON object of
// strings.
Values
stored_values(Database& db, std::string_view facts)
{
  Statement each(db, "SELECT key, value FROM json_each(?1) WHERE type = 'text'");
  each.bind(1, facts);
  Values values;
  while (each.step()) {
    values.emplace(each.text(0), each.text(1));
  }
  return values;
}

mail::Rendered
render_values(Database& db, const std::string& template_name, const Values& values)
{
  return parsed_template(db, template_name)->render(values);
}

} // namespace

std::string
facts_json(const Values& values)
{
  Json facts;
  facts.begin_object();
  for (const auto& [name, value] : values) {
    facts.field(name, value);
  }
  facts.end_object();
  auto text = facts.str();
  text.pop_back(); // the final newline
  return text;
}

namespace {

// Refuses a mail that could not be sent: a placeholder its template
// declares and `mail` lacks (an internal error), a template that cannot
// render or a subject that could not go into a header (ErrorKind::config),
// a recipient that could not go into one. Rendered to be checked, not kept.
void
check_mail(Database& db, const Mail& mail)
{
  require_filled(mail.template_name, mail.values);
  const auto rendered = render_values(db, mail.template_name, mail.values);
  mail::validate_header_text(rendered.subject, "subject of " + mail.template_name);
  mail::validate_header_text(mail.to_name, "recipient name");
  mail::validate_address(mail.to_address);
}

// Writes `mail` into the outbox as mail #id of `ids` (its Message-ID made
// as MailBatch says), queued at `at`.
void
insert_mail(Database& db, const MailBatch& ids, std::int64_t id, const Mail& mail, std::int64_t at)
{
  Statement(db,
            "INSERT INTO outbox(id, cause, template, member_id, to_name, to_address, facts,"
            " message_id, created_at, next_attempt_at)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '<cpd.' || ?1 || '.' || ?8 || '.'"
            " || lower(hex(randomblob(4))) || '@' || ?9 || '>', ?10, ?10)")
    .bind_all(id,
              mail.cause,
              mail.template_name,
              mail.member_id,
              mail.to_name,
              mail.to_address,
              facts_json(mail.values),
              ids.identity,
              ids.domain,
              at)
    .run();
}

} // namespace

std::string
template_text(Database& /*db*/, std::string_view name)
{
  if (name == k_rendered_template) {
    return "Subject: {subject}\n\n{body}";
  }
  const auto host = host_config();
  const auto found = host->templates.find(name);
  if (found != host->templates.end()) {
    return found->second;
  }
  const auto shipped = embedded_file("templates/" + std::string(name) + ".txt");
  if (!shipped) {
    throw Error(ErrorKind::internal, "no mail template '{}'", name);
  }
  return std::string(*shipped);
}

void
queue_mail(Database& db, const Context& context, const Mail& mail)
{
  Statement exists(db, "SELECT 1 FROM outbox WHERE cause = ?");
  exists.bind(1, mail.cause);
  if (exists.step()) {
    return;
  }
  // The id is known before the insert (this runs inside the caller's write
  // transaction), so that the row is written once with its Message-ID.
  const auto ids = start_mail_batch(db);
  Mail stored = mail;
  stored.values.try_emplace("org", ids.org);
  check_mail(db, stored);
  insert_mail(db, ids, ids.first_id, stored, context.now);
  Statement attach(db,
                   "INSERT OR IGNORE INTO outbox_attachment(outbox_id, attachment_id)"
                   " VALUES (?, ?)");
  for (const auto attachment_id : mail.attachment_ids) {
    attach.reset();
    attach.bind_all(ids.first_id, attachment_id).run();
  }
}

MailBatch
start_mail_batch(Database& db)
{
  MailBatch batch;
  batch.first_id = next_mail_id(db);
  batch.identity = database_identity(db);
  batch.domain = message_id_domain(db);
  batch.org = get_setting(db, "org.name");
  // Refuses what could not go into a Message-ID, as make_message_id() would.
  mail::make_message_id(batch.first_id, batch.identity + ".00000000", batch.domain);
  return batch;
}

MailRange
queue_mail_batch(Database& db, const MailBatch& batch, const BatchOf& of, std::int64_t count)
{
  if (count == 0) {
    return {batch.first_id, 0};
  }
  Statement(db,
            "INSERT INTO mail_batch(first_id, count, kind, year, quota, org, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind_all(batch.first_id, count, of.kind, of.year, of.quota.tenths(), batch.org, of.created_at)
    .run();
  // One mail of each template, checked now: the rest differ only in the
  // values, of the same kinds.
  make_batch_mails(db, {batch.first_id, of, batch.org}, BatchPart::samples, [&](const Mail& mail) {
    check_mail(db, mail);
  });
  return {batch.first_id, static_cast<int>(count)};
}

int
write_mail_batches(Database& db)
{
  {
    Transaction look(db, Transaction::Kind::read);
    Statement any(db, "SELECT EXISTS (SELECT 1 FROM mail_batch)");
    any.step();
    if (any.integer(0) == 0) {
      return 0;
    }
  }
  Transaction transaction(db, Transaction::Kind::write);
  int written = 0;
  const auto ids = start_mail_batch(db);
  for (;;) {
    Statement next(db,
                   "SELECT first_id, count, kind, year, quota, org, created_at FROM mail_batch"
                   " ORDER BY first_id LIMIT 1");
    if (!next.step()) {
      break;
    }
    const QueuedBatch batch{next.integer(0),
                            {next.text(2),
                             static_cast<int>(next.integer(3)),
                             Points::from_tenths(next.integer(4)),
                             next.integer(6)},
                            next.text(5)};
    const auto count = next.integer(1);
    next.reset();
    std::int64_t made = 0;
    make_batch_mails(db, batch, BatchPart::all, [&](const Mail& mail) {
      insert_mail(db, ids, batch.first_id + made, mail, batch.of.created_at);
      ++made;
    });
    if (made != count) {
      throw Error(ErrorKind::internal,
                  "the batch of mail from #{} holds {} mails, not {}; run cpd check",
                  batch.first_id,
                  made,
                  count);
    }
    Statement(db, "DELETE FROM mail_batch WHERE first_id = ?").bind(1, batch.first_id).run();
    written += static_cast<int>(count);
  }
  transaction.commit();
  return written;
}

mail::Rendered
outbox_text(Database& db, std::int64_t id)
{
  Statement mail(db, "SELECT template, facts FROM outbox WHERE id = ?");
  mail.bind(1, id);
  if (!mail.step()) {
    throw Error(ErrorKind::internal, "there is no mail #{}", id);
  }
  const auto template_name = mail.text(0);
  const auto facts = mail.text(1);
  mail.reset();
  return render_values(db, template_name, stored_values(db, facts));
}

std::vector<Recipient>
secretary_recipients(Database& db, std::optional<std::int64_t> except)
{
  const auto address = get_setting(db, "mail.secretary");
  if (!address.empty()) {
    auto name = get_setting(db, "org.name");
    return {{name.empty() ? "Membership secretary" : "Membership secretary, " + name,
             address,
             "secretary",
             std::nullopt}};
  }
  std::vector<Recipient> all;
  std::vector<Recipient> others;
  Statement query(db,
                  "SELECT id, name, email, login FROM member"
                  " WHERE role = 'secretary' AND active = 1 ORDER BY login");
  while (query.step()) {
    Recipient recipient{query.text(1), query.text(2), query.text(3), query.integer(0)};
    if (!except || query.integer(0) != *except) {
      others.push_back(recipient);
    }
    all.push_back(std::move(recipient));
  }
  return others.empty() ? all : others;
}

std::string
helo_name(Database& db, std::string_view local_hostname)
{
  auto name = get_setting(db, "mail.helo");
  if (name.empty() && fully_qualified(local_hostname)) {
    name = local_hostname;
  }
  if (name.empty()) {
    name = domain_of(get_setting(db, "mail.from"));
  }
  return name;
}

std::string
database_identity(Database& db)
{
  Statement query(db, "SELECT token FROM identity");
  if (!query.step()) {
    throw Error(ErrorKind::internal, "the database has no identity; run cpd check");
  }
  return query.text(0);
}

DeliverySummary
deliver_mail(Database& db, const Context& context, const DeliveryOptions& options)
{
  DeliverySummary summary;
  auto count_waiting = [&] {
    // With the batches not yet written out: queued, due when they were
    // queued.
    Statement waiting(
      db,
      "SELECT sum(n), min(due) FROM ("
      " SELECT count(*) AS n, min(next_attempt_at) AS due FROM outbox"
      " WHERE state = 'queued'"
      " UNION ALL SELECT coalesce(sum(count), 0), min(created_at) FROM mail_batch)");
    waiting.step();
    summary.waiting = static_cast<int>(waiting.integer(0));
    summary.next_attempt = waiting.optional_integer(1);
  };
  const auto url_text = get_setting(db, "mail.url");
  if (url_text.empty()) {
    summary.no_transport = true;
    count_waiting();
    return summary;
  }
  const auto from = get_setting(db, "mail.from");
  if (from.empty()) {
    summary.stopped =
      Error(ErrorKind::config, "mail.from is not set: cpd config set mail.from ADDRESS");
    count_waiting();
    return summary;
  }
  write_mail_batches(db);
  auto org = get_setting(db, "org.name");
  const auto from_name = org.empty() ? std::string("CPD") : org + " CPD";
  std::unique_ptr<mail::Transport> transport;
  for (;;) {
    auto batch = lease_batch(db, context, options, from, from_name);
    if (batch.empty()) {
      break;
    }
    if (!transport) {
      transport =
        mail::make_transport(mail::parse_mail_url(url_text), transport_options(db, options));
    }
    // A message that cannot be composed fails alone; the rest go out. A
    // template that cannot render stops delivery, the mail kept queued,
    // until the templates are mended.
    std::vector<mail::OutgoingMessage> outgoing;
    std::vector<std::size_t> sendable;
    std::vector<mail::DeliveryResult> results(batch.size());
    for (std::size_t i = 0; i < batch.size() && !summary.stopped; ++i) {
      auto& leased = batch[i];
      try {
        auto rendered = render_values(db, leased.template_name, stored_values(db, leased.facts));
        leased.message.subject = std::move(rendered.subject);
        leased.message.body = leased.files_note + rendered.body;
        outgoing.push_back(mail::make_outgoing(leased.message));
        sendable.push_back(i);
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::config) {
          summary.stopped = e;
        }
        results[i] = {mail::Outcome::failed, 0, e.what()};
      }
    }
    mail::DeliveryReport report;
    try {
      if (summary.stopped) {
        throw *summary.stopped; // NOLINT(cert-err09-cpp): the error kept from the batch
      }
      report = transport->deliver(outgoing);
    } catch (const Error& e) {
      summary.stopped = e;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        results[i] = {mail::Outcome::retry, 0, e.what(), mail::Attempt::not_made};
      }
    }
    for (std::size_t k = 0; k < report.results.size() && k < sendable.size(); ++k) {
      results[sendable[k]] = report.results[k];
    }
    const int resent_before = summary.without_files;
    Transaction transaction(db, Transaction::Kind::write);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      record(db, context, batch[i], results[i], summary);
    }
    transaction.commit();
    if (report.stopped) {
      summary.stopped = report.stopped;
    }
    const bool all_retry = std::all_of(results.begin(), results.end(), [](const auto& r) {
      return r.outcome == mail::Outcome::retry;
    });
    if (summary.stopped || (all_retry && summary.without_files == resent_before)) {
      break; // the server is down or misconfigured: wait for the next run
    }
  }
  count_waiting();
  return summary;
}

std::vector<OutboxMessage>
list_outbox(Database& db,
            const SecretaryOrSystem& /*context*/,
            OutboxFilter filter,
            std::size_t limit)
{
  write_mail_batches(db);
  Transaction transaction(db, Transaction::Kind::read);
  Statement query(db,
                  "SELECT id, cause, to_address, template, state, attempts, created_at,"
                  " next_attempt_at, sent_at, last_code, last_error, facts FROM outbox"
                  " WHERE ?1 = 'all' OR state = ?1 ORDER BY id DESC LIMIT ?2");
  query.bind(1,
             filter == OutboxFilter::all      ? "all"
             : filter == OutboxFilter::queued ? "queued"
                                              : "failed");
  query.bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxMessage> messages;
  while (query.step()) {
    OutboxMessage message;
    message.id = query.integer(0);
    message.cause = query.text(1);
    message.to_address = query.text(2);
    try {
      message.subject = render_values(db, query.text(3), stored_values(db, query.text(11))).subject;
    } catch (const Error& e) {
      message.subject = fmt::format("({})", e.what());
    }
    message.state = query.text(4);
    message.attempts = static_cast<int>(query.integer(5));
    message.created_at = query.integer(6);
    if (message.state == "queued") {
      message.next_attempt_at = query.integer(7);
    }
    message.sent_at = query.optional_integer(8);
    message.last_code = query.optional_integer(9);
    message.last_error = query.optional_text(10);
    messages.push_back(std::move(message));
  }
  return messages;
}

int
retry_mail(Database& db, const SecretaryOrSystem& context, const std::vector<std::int64_t>& ids)
{
  write_mail_batches(db);
  Transaction transaction(db, Transaction::Kind::write);
  // A mail being delivered right now keeps its lease: the run that holds it
  // records what happened.
  constexpr std::string_view k_due_now =
    "UPDATE outbox SET state = 'queued', next_attempt_at = ?1"
    " WHERE state IN ('queued', 'failed') AND (next_attempt_at > ?1 OR state = 'failed')";
  int count = 0;
  if (ids.empty()) {
    Statement(db, k_due_now).bind(1, context.now).run();
    count = db.changes();
  }
  Statement state(db, "SELECT state FROM outbox WHERE id = ?");
  Statement one(db, fmt::format("{} AND id = ?2", k_due_now));
  for (const auto id : ids) {
    state.reset();
    state.bind(1, id);
    if (!state.step()) {
      throw Error(ErrorKind::refused, "there is no such mail #{}; see cpd mail list", id);
    }
    if (state.text(0) == "sent") {
      throw Error(ErrorKind::refused, "mail #{} was sent already; nothing was changed", id);
    }
    one.reset();
    one.bind_all(context.now, id).run();
    // Mail already due counts too: it is sent now all the same.
    ++count;
  }
  transaction.commit();
  return count;
}

void
drop_attachments(Database& db, const std::vector<std::int64_t>& attachments)
{
  Statement drop(db, "DELETE FROM outbox_attachment WHERE attachment_id = ?");
  for (const auto id : attachments) {
    drop.reset();
    drop.bind(1, id);
    drop.run();
  }
}

} // namespace cpd
