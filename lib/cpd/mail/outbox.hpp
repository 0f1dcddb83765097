#pragma once

#include <cpd/transport/template.hpp>
#include <cpd/util/actor.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/points.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

// A mail's values: its template's placeholders, filled in.
using Values = std::map<std::string, std::string>;

// The template of a mail rendered when it was queued, by a version before
// 8: its values are its subject and body ("Subject: {subject}", {body}).
inline constexpr std::string_view k_rendered_template = "rendered";

// A mail to send, before rendering.
struct Mail
{
  std::string cause;                     // unique per mail: 'claim:12:approved'
  std::string template_name;             // a file of data/templates without '.txt'
  std::optional<std::int64_t> member_id; // the member it is addressed to, if any: their
                                         // address is read again when it is sent
  std::string to_name;
  std::string to_address;
  Values values;                            // the template's placeholders, worded
  std::vector<std::int64_t> attachment_ids; // files it carries (attachment ids)
};

// Stores the mail in the outbox as its template and its values (with
// org.name), inside the caller's transaction, with links to the files it
// carries (read at delivery); it is rendered from them when it is sent or
// listed. A cause already in the outbox is left alone, so that a job run
// twice queues nothing twice. The mail is checked first: a template that
// cannot render it refuses the change (ErrorKind::config).
void queue_mail(Database& db, const Context& context, const Mail& mail);

// Mail for many members at once (a year end, a round of reminders) is
// queued as one batch: the rows it is made from are written by one INSERT
// ... SELECT each, and the batch holds the outbox ids its mails will have,
// from `first_id` on, in the order make_batch_mails() makes them. Every
// mail's Message-ID is
//   '<cpd.' || id || '.' || identity || '.' || lower(hex(randomblob(4))) || '@' || domain || '>'
// the form of make_message_id().
struct MailBatch
{
  std::int64_t first_id = 0; // the id of the batch's first mail
  std::string identity;      // the database's identity
  std::string domain;        // the domain of the Message-IDs
  std::string org;           // org.name, which every mail's facts hold
};
MailBatch start_mail_batch(Database& db);

// The mail a batch holds: ids `first` to last().
struct MailRange
{
  std::int64_t first = 0;
  int count = 0;

  std::int64_t
  last() const
  {
    return first + count - 1;
  }
};

// What a batch is: its kind (a mail_batch.kind, which make_batch_mails()
// knows), the year and its quota that its mails speak of, and when it was
// queued (every mail's Date).
struct BatchOf
{
  std::string kind;
  int year = 0;
  Points quota;
  std::int64_t created_at = 0;
};

// The values as the outbox stores them: a JSON object of strings.
std::string facts_json(const Values& values);

// A batch queued, as mail_batch holds it.
struct QueuedBatch
{
  std::int64_t first_id = 0;
  BatchOf of;
  std::string org; // org.name when it was queued
};

// Which of a batch's mails make_batch_mails() makes: all, or one of each
// template (to check them).
enum class BatchPart { all, samples };

// Queues a batch of `count` mails (none: nothing) whose rows the caller has
// just written, inside the caller's transaction; checks one mail of each
// template among them, so that a template that cannot render refuses the
// change (ErrorKind::config), as queue_mail() does for one mail.
MailRange
queue_mail_batch(Database& db, const MailBatch& batch, const BatchOf& of, std::int64_t count);

// Writes every batch out into the outbox as the mails it stands for, with
// the ids it holds, each worded from its row as queue_mail() stores one, in
// a transaction of its own; returns how many mails.
// Delivery and the secretary's views of the outbox call it first, whoever
// asks: it only puts into the outbox what was queued already.
int write_mail_batches(Database& db);

// The subject and body of a mail in the outbox, as it is (or was) sent.
mail::Rendered outbox_text(Database& db, std::int64_t id);

// Who gets the secretary's mail: the address in mail.secretary, or else
// every active secretary but `except` (unless nobody else is left).
struct Recipient
{
  std::string name;
  std::string address;
  std::string key;                       // for causes: the login, or 'secretary'
  std::optional<std::int64_t> member_id; // the secretary's member id; none for mail.secretary
};
std::vector<Recipient> secretary_recipients(Database& db, std::optional<std::int64_t> except);

// The text of a mail template: from the host configuration's mail.templates
// when it has one, else the one shipped in data/templates.
std::string template_text(Database& db, std::string_view name);

// Whether delivery waits for a mail's next attempt after a failure.
enum class Backoff { respect, ignore };

// How delivery behaves.
struct DeliveryOptions
{
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds response_timeout = std::chrono::seconds(120);
  std::chrono::milliseconds total_timeout = std::chrono::seconds(300);
  // This host's fully qualified name, as the caller found it (empty when it
  // has none). The EHLO name is mail.helo when set, else this name when it
  // is fully qualified, else the domain of mail.from.
  std::string local_hostname;
  Backoff backoff = Backoff::respect; // ignore: try deferred mail now
};

// What a delivery run did.
struct DeliverySummary
{
  int sent = 0;
  int retry = 0;         // failed for now; tried again later with backoff
  int unreachable = 0;   // of those, how many found no server to talk to
  int failed = 0;        // rejected for good; listed by `cpd mail list --failed`
  int without_files = 0; // refused as too large; sent again without their files
  int waiting = 0;       // queued and not yet due (or being delivered by another run)
  std::optional<std::int64_t> next_attempt; // when the first of those is due
  bool no_transport = false;                // mail.url is not set: everything stays queued
  std::optional<Error> stopped;             // delivery stopped on a configuration problem
  std::string last_error;                   // the last failure's reason, without secrets
};

// The statement that leases a batch of due mail for delivery: here so that
// the tests check the query plan of the statement cpd really runs.
extern const char* const k_lease_mail_sql;

// Delivers every queued mail that is due (every queued mail with
// Backoff::ignore), in batches over one connection. SMTP talks happen
// outside any transaction; each message is leased while it is being sent,
// so two runs never send it twice. The recipient's address and name are
// read when the mail is sent, so that a corrected address is used.
DeliverySummary deliver_mail(Database& db, const Context& context, const DeliveryOptions& options);

// The name cpd greets an SMTP server with: mail.helo when set, else
// `local_hostname` when it is fully qualified, else the domain of mail.from
// (empty when none of them is known).
std::string helo_name(Database& db, std::string_view local_hostname);

// The database's random identity, which every Message-ID holds.
std::string database_identity(Database& db);

// One mail in the outbox, as the secretary sees it.
struct OutboxMessage
{
  std::int64_t id = 0;
  std::string cause;
  std::string to_address;
  std::string subject;
  std::string state;
  int attempts = 0; // how many times a server was asked to take it
  std::int64_t created_at = 0;
  std::optional<std::int64_t> next_attempt_at; // queued mail only
  std::optional<std::int64_t> sent_at;
  std::optional<std::int64_t> last_code;
  std::optional<std::string> last_error;
};

enum class OutboxFilter { all, queued, failed };

// The outbox, newest first (a secretary's view).
std::vector<OutboxMessage>
list_outbox(Database& db, const SecretaryOrSystem& context, OutboxFilter filter, std::size_t limit);

// Makes mail due now: failed mail is queued again, and queued mail waiting
// for its next attempt is due at once. With no ids, every failed and every
// waiting mail. An id that is no mail, or one already sent, is refused and
// nothing changes. Returns how many were changed.
int
retry_mail(Database& db, const SecretaryOrSystem& context, const std::vector<std::int64_t>& ids);

// The files `attachments` are about to be deleted (the purge of a withdrawn
// claim's evidence): mail not yet sent that would carry one goes without it.
void drop_attachments(Database& db, const std::vector<std::int64_t>& attachments);

} // namespace cpd
