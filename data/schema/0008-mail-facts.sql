-- cpd schema, version 8: mail queued as what it says, rendered when sent.
--
-- A mail is queued as its template and its facts: a JSON object of the
-- values it says, as they were when it was caused (for most mail, the
-- template's placeholders; for mail queued for many members at once by one
-- statement, the numbers and names its phrases are made from). It is
-- rendered when it is delivered (or listed), so that a year end or a round
-- of reminders queues its mail with one INSERT ... SELECT. Mail queued
-- before this version keeps the text it was rendered to (facts NULL).
--
-- SQLite cannot drop NOT NULL from a column, so the outbox is built again;
-- the links of outbox_attachment to it are checked when this commits.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE outbox_new (
  id              INTEGER PRIMARY KEY,
  cause           TEXT NOT NULL UNIQUE,  -- what caused it, e.g. 'claim:12:approved';
                                         -- queuing the same cause twice does nothing
  template        TEXT NOT NULL,         -- the template it is rendered from, e.g. 'reminder'
  member_id       INTEGER REFERENCES member(id), -- the member it is for; NULL for the secretary's address
  to_name         TEXT NOT NULL,
  to_address      TEXT NOT NULL,
  facts           TEXT,                  -- JSON object: what it says; NULL for mail rendered when queued
  subject         TEXT,                  -- rendered when queued (before version 8), UTF-8
  body            TEXT,                  -- rendered when queued (before version 8), UTF-8, \n line ends
  message_id      TEXT NOT NULL UNIQUE,  -- '<...@domain>', the same on every attempt
  created_at      INTEGER NOT NULL,      -- also the Date header
  state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,      -- not tried again before this instant
  lease_until     INTEGER,               -- a process is delivering it until then
  last_code       INTEGER,               -- the server's last reply code
  last_error      TEXT,                  -- why the last attempt failed
  sent_at         INTEGER,
  files_dropped   INTEGER NOT NULL DEFAULT 0 CHECK (files_dropped IN (0, 1)),
                                         -- 1 once a server refused it as too large
  CHECK ((facts IS NULL) = (subject IS NOT NULL AND body IS NOT NULL))
) STRICT;

INSERT INTO outbox_new(id, cause, template, member_id, to_name, to_address, facts, subject, body,
                       message_id, created_at, state, attempts, next_attempt_at, lease_until,
                       last_code, last_error, sent_at, files_dropped)
  SELECT id, cause, template, member_id, to_name, to_address, NULL, subject, body,
         message_id, created_at, state, attempts, next_attempt_at, lease_until,
         last_code, last_error, sent_at, files_dropped
  FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_member ON outbox(member_id, template, created_at);

-- The points each member has waiting for a decision, read for every member
-- at once by a year end, a round of reminders and the compliance report:
-- a small index of the pending claims alone, so that none of them reads
-- the claims themselves (status is in it so that SQLite reads nothing else).
CREATE INDEX claim_pending_member ON claim(member_id, year, status, points)
  WHERE status = 'pending';
