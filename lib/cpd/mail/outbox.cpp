// The outbox: mail queued in the caller's transaction, rendered from its
// template and facts when sent, leased in batches, delivered and retried
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
  " RETURNING id, attempts, created_at, to_name, to_address, subject, body,"
  " message_id, member_id, files_dropped, template, facts";

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
  mail::Message message;     // without subject and body while they are to be rendered
  std::string template_name; // the template and facts of a mail rendered when sent
  std::optional<std::string> facts;
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
    message.subject = lease.text(5);
    message.body = lease.text(6);
    message.message_id = lease.text(7);
    leased.template_name = lease.text(10);
    leased.facts = lease.optional_text(11);
    message.date_unix = leased.created_at;
    message.utc_offset_minutes = context.utc_offset_minutes;
    if (reply_to) {
      message.reply_to = reply_to->address;
      message.reply_to_name = reply_to->name;
    }
    members.push_back(lease.optional_integer(8));
    dropped.push_back(lease.integer(9) != 0);
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

// Whether a mail being queued is checked to fill in every placeholder its
// template declares (a mail queued long ago is sent as it is).
enum class CheckFilled { no, yes };

// A mail from its template and facts: the values are made from the facts
// (see mail_values()), then filled in.
mail::Rendered
render_facts(Database& db,
             const std::string& template_name,
             std::string_view facts,
             CheckFilled check = CheckFilled::no)
{
  const auto values = mail_values(db, template_name, Facts::parse(db, facts));
  if (check == CheckFilled::yes) {
    require_filled(template_name, values);
  }
  return parsed_template(db, template_name)->render(values);
}

// Refuses a rendered mail whose subject could not go into a header.
void
validate_rendered(const std::string& template_name, const mail::Rendered& rendered)
{
  mail::validate_header_text(rendered.subject, "subject of " + template_name);
}

} // namespace

std::string
template_text(Database& /*db*/, std::string_view name)
{
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
  Json facts;
  facts.begin_object();
  for (const auto& [name, value] : mail.values) {
    facts.field(name, value);
  }
  if (!mail.values.contains("org")) {
    facts.field("org", get_setting(db, "org.name"));
  }
  facts.end_object();
  auto facts_text = facts.str();
  facts_text.pop_back(); // the final newline
  validate_rendered(mail.template_name,
                    render_facts(db, mail.template_name, facts_text, CheckFilled::yes));
  mail::validate_header_text(mail.to_name, "recipient name");
  mail::validate_address(mail.to_address);

  // The id is known before the insert (this runs inside the caller's write
  // transaction), so that the row is written once with its Message-ID.
  const auto id = next_mail_id(db);
  // The database's identity keeps ids apart across databases; the random
  // part keeps them apart after a restore from backup, when outbox ids are
  // used again.
  Statement random(db, "SELECT lower(hex(randomblob(4)))");
  random.step();
  const auto message_id =
    mail::make_message_id(id, database_identity(db) + "." + random.text(0), message_id_domain(db));
  Statement(db,
            "INSERT INTO outbox(id, cause, template, member_id, to_name, to_address, facts,"
            " message_id, created_at, next_attempt_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    .bind_all(id,
              mail.cause,
              mail.template_name,
              mail.member_id,
              mail.to_name,
              mail.to_address,
              facts_text,
              message_id,
              context.now,
              context.now)
    .run();
  Statement attach(db,
                   "INSERT OR IGNORE INTO outbox_attachment(outbox_id, attachment_id)"
                   " VALUES (?, ?)");
  for (const auto attachment_id : mail.attachment_ids) {
    attach.reset();
    attach.bind_all(id, attachment_id).run();
  }
}

Facts
Facts::parse(Database& db, std::string_view json)
{
  // The top level, an array by its length, then the members of the objects
  // in arrays: one level of nesting is all a mail's facts have.
  Statement tree(db,
                 "SELECT t.key, NULL, NULL,"
                 "   CASE t.type WHEN 'array' THEN json_array_length(t.value) ELSE t.atom END"
                 " FROM json_each(?1) t WHERE t.type NOT IN ('object', 'null')"
                 " UNION ALL"
                 " SELECT t.key, e.key, o.key, o.atom"
                 " FROM json_each(?1) t, json_each(t.value) e, json_each(e.value) o"
                 " WHERE t.type = 'array' AND e.type = 'object'"
                 "   AND o.type NOT IN ('object', 'array', 'null')");
  tree.bind(1, json);
  Facts facts;
  while (tree.step()) {
    auto key = tree.text(0);
    if (!tree.is_null(1)) {
      key += fmt::format("[{}].{}", tree.integer(1), tree.text(2));
    }
    facts.m_values.emplace(std::move(key), tree.text(3));
  }
  return facts;
}

const std::string&
Facts::text(std::string_view key) const
{
  const auto found = m_values.find(key);
  if (found == m_values.end()) {
    throw Error(ErrorKind::internal, "a queued mail has no '{}'", key);
  }
  return found->second;
}

bool
Facts::has(std::string_view key) const
{
  return m_values.find(key) != m_values.end();
}

std::int64_t
Facts::integer(std::string_view key) const
{
  const auto& value = text(key);
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw Error(ErrorKind::internal, "a queued mail's '{}' is not a number: {}", key, value);
  }
  return number;
}

std::map<std::string, std::string>
Facts::top_level() const
{
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : m_values) {
    if (key.find_first_of(".[") == std::string::npos) {
      values.emplace(key, value);
    }
  }
  return values;
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
  // One mail of each template, rendered now: the rest differ only in the
  // facts, of the same kinds.
  Statement sample(
    db,
    fmt::format("SELECT template, to_name, to_address, facts FROM ({})", batch_mail_sql(of.kind)));
  sample.bind_all(batch.first_id, batch.identity, batch.domain, 1);
  while (sample.step()) {
    validate_rendered(sample.text(0),
                      render_facts(db, sample.text(0), sample.text(3), CheckFilled::yes));
    mail::validate_header_text(sample.text(1), "recipient name");
    mail::validate_address(sample.text(2));
  }
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
    Statement next(db, "SELECT first_id, kind, count FROM mail_batch ORDER BY first_id LIMIT 1");
    if (!next.step()) {
      break;
    }
    const auto first_id = next.integer(0);
    const auto kind = next.text(1);
    const auto count = next.integer(2);
    next.reset();
    Statement(db,
              fmt::format("INSERT INTO outbox(id, cause, template, member_id, to_name, to_address,"
                          " facts, message_id, created_at, next_attempt_at) {}",
                          batch_mail_sql(kind)))
      .bind_all(first_id, ids.identity, ids.domain, 0)
      .run();
    if (db.changes() != count) {
      throw Error(ErrorKind::internal,
                  "the batch of mail from #{} holds {} mails, not {}; run cpd check",
                  first_id,
                  db.changes(),
                  count);
    }
    Statement(db, "DELETE FROM mail_batch WHERE first_id = ?").bind(1, first_id).run();
    written += static_cast<int>(count);
  }
  transaction.commit();
  return written;
}

mail::Rendered
outbox_text(Database& db, std::int64_t id)
{
  Statement mail(db, "SELECT template, facts, subject, body FROM outbox WHERE id = ?");
  mail.bind(1, id);
  if (!mail.step()) {
    throw Error(ErrorKind::internal, "there is no mail #{}", id);
  }
  if (mail.is_null(1)) {
    return {mail.text(2), mail.text(3)};
  }
  const auto template_name = mail.text(0);
  const auto facts = mail.text(1);
  mail.reset();
  return render_facts(db, template_name, facts);
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
        if (leased.facts) {
          auto rendered = render_facts(db, leased.template_name, *leased.facts);
          leased.message.subject = std::move(rendered.subject);
          leased.message.body = std::move(rendered.body);
        }
        leased.message.body.insert(0, leased.files_note);
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
                  "SELECT id, cause, to_address, subject, state, attempts, created_at,"
                  " next_attempt_at, sent_at, last_code, last_error, template, facts FROM outbox"
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
    if (query.is_null(12)) {
      message.subject = query.text(3);
    } else {
      try {
        message.subject = render_facts(db, query.text(11), query.text(12)).subject;
      } catch (const Error& e) {
        message.subject = fmt::format("({})", e.what());
      }
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

} // namespace cpd
