-- cpd schema, version 15: every mail in the outbox is its template and the
-- values that fill it in.
--
-- A mail is worded once, when it enters the outbox (a batch's mail when the
-- batch is written out), and its facts are its template's values; it is
-- rendered from them when it is sent or listed. Older versions kept three
-- other forms, converted here:
--   - mail rendered when it was queued (before version 8) keeps its text
--     as the values of the template 'rendered' ("Subject: {subject}", then
--     {body});
--   - a year-end statement, a reminder or a year-end summary whose facts
--     were the numbers it was worded from when sent (versions 8 to 14) is
--     worded now, by the step of this migration that cpd runs after this
--     SQL (lib/cpd/mail/upgrade.cpp).
--
-- The outbox is built again without the columns of rendered text; the links
-- of outbox_attachment to it are checked when this commits.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE outbox_new (
  id              INTEGER PRIMARY KEY,
  cause           TEXT NOT NULL UNIQUE,  -- what caused it, e.g. 'claim:12:approved';
                                         -- queuing the same cause twice does nothing
  template        TEXT NOT NULL,         -- the template it is rendered from, e.g. 'reminder'
  member_id       INTEGER REFERENCES member(id), -- the member it is for; NULL for the secretary's address
  to_name         TEXT NOT NULL,
  to_address      TEXT NOT NULL,
  facts           TEXT NOT NULL,         -- JSON object: the template's values, each a string
  message_id      TEXT NOT NULL UNIQUE,  -- '<...@domain>', the same on every attempt
  created_at      INTEGER NOT NULL,      -- also the Date header
  state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,      -- not tried again before this instant
  lease_until     INTEGER,               -- a process is delivering it until then
  last_code       INTEGER,               -- the server's last reply code
  last_error      TEXT,                  -- why the last attempt failed
  sent_at         INTEGER,
  files_dropped   INTEGER NOT NULL DEFAULT 0 CHECK (files_dropped IN (0, 1))
                                         -- 1 once a server refused it as too large
) STRICT;

INSERT INTO outbox_new(id, cause, template, member_id, to_name, to_address, facts,
                       message_id, created_at, state, attempts, next_attempt_at, lease_until,
                       last_code, last_error, sent_at, files_dropped)
  SELECT id, cause, CASE WHEN facts IS NULL THEN 'rendered' ELSE template END,
         member_id, to_name, to_address,
         coalesce(facts, json_object('subject', subject, 'body', body, 'org', '')),
         message_id, created_at, state, attempts, next_attempt_at, lease_until,
         last_code, last_error, sent_at, files_dropped
  FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_member ON outbox(member_id, template, created_at);
