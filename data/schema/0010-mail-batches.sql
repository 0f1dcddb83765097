-- cpd schema, version 10: a year end and a round of reminders queue their
-- mail as one batch.
--
-- The mail of a year end or of a round of reminders is one mail per member.
-- Rather than writing each into the outbox inside the transaction that
-- causes it (100,000 rows, with the outbox's indexes, while every other
-- writer waits), the transaction records what the mail will say, member by
-- member, in compact rows of its own (year_account, year_waiting, reminder)
-- and queues one batch: the outbox ids its mails will have, in order, and
-- what they all share. Delivery, `cpd mail list` and `cpd mail show` first
-- write each batch out into the outbox as the mail it stands for, with the
-- ids it reserved; then the batch is gone.

-- A batch of mail not yet written into the outbox. It holds the ids from
-- first_id to first_id + count - 1: no other mail is given one of them.
CREATE TABLE mail_batch (
  first_id   INTEGER PRIMARY KEY,           -- the outbox id of its first mail
  count      INTEGER NOT NULL CHECK (count > 0),
  kind       TEXT NOT NULL CHECK (kind IN ('year-statements', 'reminders')),
  year       INTEGER NOT NULL,              -- the year closed, or the year reminded of
  quota      INTEGER NOT NULL,              -- that year's quota, tenths
  org        TEXT NOT NULL,                 -- org.name when it was queued
  created_at INTEGER NOT NULL               -- when it was queued: every mail's Date
) STRICT;

-- Each member's account of a year as the year end that closed it found it,
-- for the years closed by one statement: the mail of the year end is made
-- from these rows, never from the ledger as it is later. A member with a
-- CPD duty has a statement (status set); a member without one but with
-- points that year has a row for what they carry.
CREATE TABLE year_account (
  year      INTEGER NOT NULL,
  member_id INTEGER NOT NULL REFERENCES member(id),
  name      TEXT NOT NULL,                  -- the member's name then
  total     INTEGER NOT NULL,               -- the year's points, carry included, tenths
  carried   INTEGER NOT NULL,               -- carried into the next year, tenths
  status    TEXT CHECK (status IN ('compliant', 'short', 'exempt')),
                                            -- the statement's; NULL: no statement
  PRIMARY KEY (year, member_id)
) STRICT, WITHOUT ROWID;

-- The claims of a closed year that were waiting for a decision when it was
-- closed (a claim's date, points and activity never change; its status
-- does).
CREATE TABLE year_waiting (
  year      INTEGER NOT NULL,
  member_id INTEGER NOT NULL REFERENCES member(id),
  claim_id  INTEGER NOT NULL REFERENCES claim(id),
  PRIMARY KEY (year, member_id, claim_id)
) STRICT, WITHOUT ROWID;

-- A reminder queued in a batch: the batch (its first_id) and what the
-- reminder says. NULL for reminders queued one by one.
ALTER TABLE reminder ADD COLUMN batch INTEGER;
ALTER TABLE reminder ADD COLUMN name TEXT;     -- the member's name then
ALTER TABLE reminder ADD COLUMN total INTEGER; -- the year's points so far, tenths
ALTER TABLE reminder ADD COLUMN pending INTEGER; -- points waiting for a decision, tenths
-- A batch's reminders, to write them out.
CREATE INDEX reminder_batch ON reminder(batch) WHERE batch IS NOT NULL;
