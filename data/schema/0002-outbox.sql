-- cpd schema, version 2: the outbox.
--
-- Every mail is written here in the same transaction as the change that
-- causes it, rendered, then delivered by whichever cpd process gets to it
-- first (right after the command, or `cpd mail send` from cron).
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  cause           TEXT NOT NULL UNIQUE,  -- what caused it, e.g. 'claim:12:approved';
                                         -- queuing the same cause twice does nothing
  template        TEXT NOT NULL,         -- the text it was rendered from, e.g. 'reminder'
  member_id       INTEGER REFERENCES member(id), -- the member it is for; NULL for the secretary's address
  to_name         TEXT NOT NULL,
  to_address      TEXT NOT NULL,
  subject         TEXT NOT NULL,         -- rendered, UTF-8
  body            TEXT NOT NULL,         -- rendered, UTF-8, \n line ends
  message_id      TEXT NOT NULL UNIQUE,  -- '<...@domain>', the same on every attempt
  created_at      INTEGER NOT NULL,      -- also the Date header
  state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,      -- not tried again before this instant
  lease_until     INTEGER,               -- a process is delivering it until then
  last_code       INTEGER,               -- the server's last reply code
  last_error      TEXT,                  -- why the last attempt failed
  sent_at         INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_member ON outbox(member_id, template, created_at);
