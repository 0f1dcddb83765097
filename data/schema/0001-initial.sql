-- cpd schema, version 1.
--
-- Canonical, append-only facts (entry, claim_event, year_close) are kept
-- apart from the current state derived from them (claim.status). Points are
-- integers counting tenths of a point; dates are 'YYYY-MM-DD' text; instants
-- are seconds since 1970-01-01 UTC.

-- Settings: the scheme's numbers, mail transport, limits. Key/value, each key
-- validated by cpd before it is written.
CREATE TABLE setting (
  key   TEXT PRIMARY KEY,  -- e.g. 'scheme.quota'
  value TEXT NOT NULL      -- the text form cpd parses, e.g. '10'
) STRICT;

-- People who may use cpd, identified by their login on the host.
CREATE TABLE member (
  id         INTEGER PRIMARY KEY,
  login      TEXT NOT NULL UNIQUE,      -- operating-system login
  name       TEXT NOT NULL,             -- full name, used in mail
  email      TEXT NOT NULL,             -- address mail is sent to
  role       TEXT NOT NULL DEFAULT 'member'
             CHECK (role IN ('member', 'secretary')),
  active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL           -- when the member was added
) STRICT;

-- The points table: what can be claimed and for how much.
CREATE TABLE activity (
  id                INTEGER PRIMARY KEY,
  code              TEXT NOT NULL UNIQUE,  -- short name typed in `cpd claim CODE`
  title             TEXT NOT NULL,         -- shown to people
  points            INTEGER NOT NULL CHECK (points > 0), -- tenths, per claim or per unit
  unit              TEXT NOT NULL DEFAULT 'claim'
                    CHECK (unit IN ('claim', 'hour', 'day', 'item')),
  max_points        INTEGER CHECK (max_points IS NULL OR max_points > 0), -- tenths, cap per claim
  evidence_required INTEGER NOT NULL DEFAULT 0 CHECK (evidence_required IN (0, 1)),
  retired           INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)) -- no new claims
) STRICT;

-- A member's claim for one activity on one day. Points are the value at
-- submission: editing the points table never changes a claim.
CREATE TABLE claim (
  id            INTEGER PRIMARY KEY,
  member_id     INTEGER NOT NULL REFERENCES member(id),
  activity_id   INTEGER NOT NULL REFERENCES activity(id),
  activity_date TEXT NOT NULL,          -- the day of the activity
  year          INTEGER NOT NULL,       -- the CPD year credited (from activity_date)
  quantity      INTEGER,                -- hundredths of hours/days/items; NULL per claim
  points        INTEGER NOT NULL CHECK (points > 0), -- tenths, as submitted
  note          TEXT,                   -- the member's description
  status        TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn', 'revoked')),
  submitted_at  INTEGER NOT NULL,
  decided_by    INTEGER REFERENCES member(id), -- the secretary of the last decision
  decided_at    INTEGER,
  reason        TEXT                    -- the last decision's note or reason
) STRICT;
CREATE INDEX claim_member_year ON claim(member_id, year);
CREATE INDEX claim_pending ON claim(status, submitted_at) WHERE status = 'pending';
CREATE INDEX claim_duplicate ON claim(member_id, activity_id, activity_date);

-- Every step in every claim's life, never changed: the audit trail.
CREATE TABLE claim_event (
  id       INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES claim(id),
  status   TEXT NOT NULL,               -- the status the claim entered
  actor_id INTEGER NOT NULL REFERENCES member(id), -- who did it
  at       INTEGER NOT NULL,
  reason   TEXT                         -- note or reason given
) STRICT;
CREATE INDEX claim_event_claim ON claim_event(claim_id);

-- Evidence attached to a claim, stored in the database itself.
CREATE TABLE attachment (
  id         INTEGER PRIMARY KEY,
  claim_id   INTEGER NOT NULL REFERENCES claim(id),
  name       TEXT NOT NULL,             -- the file's base name as given
  media_type TEXT NOT NULL,             -- e.g. 'application/pdf'
  size       INTEGER NOT NULL,          -- bytes
  sha256     TEXT NOT NULL,             -- lowercase hex of the content's SHA-256
  content    BLOB NOT NULL
) STRICT;
CREATE INDEX attachment_claim ON attachment(claim_id);
CREATE INDEX attachment_sha256 ON attachment(sha256);

-- The ledger: every change to a member's points, append-only. A balance is
-- the sum of a member's entries for a year.
CREATE TABLE entry (
  id         INTEGER PRIMARY KEY,
  member_id  INTEGER NOT NULL REFERENCES member(id),
  year       INTEGER NOT NULL,          -- the CPD year the points count in
  kind       TEXT NOT NULL CHECK (kind IN ('award', 'carry', 'revocation', 'adjustment')),
  points     INTEGER NOT NULL,          -- tenths, signed
  claim_id   INTEGER REFERENCES claim(id), -- the claim of an award or revocation
  actor_id   INTEGER REFERENCES member(id), -- who caused it; NULL for an unattended run
  at         INTEGER NOT NULL,
  reason     TEXT
) STRICT;
CREATE INDEX entry_member_year ON entry(member_id, year);
CREATE INDEX entry_claim ON entry(claim_id) WHERE claim_id IS NOT NULL;
CREATE TRIGGER entry_append_only_update BEFORE UPDATE ON entry
BEGIN
  SELECT RAISE(ABORT, 'ledger entries cannot be changed');
END;
CREATE TRIGGER entry_append_only_delete BEFORE DELETE ON entry
BEGIN
  SELECT RAISE(ABORT, 'ledger entries cannot be deleted');
END;

-- Closed CPD years, with the rules they were closed under.
CREATE TABLE year_close (
  year      INTEGER PRIMARY KEY,
  quota     INTEGER NOT NULL,           -- tenths required in that year
  carry_cap INTEGER NOT NULL,           -- tenths that could be carried out of it
  actor_id  INTEGER REFERENCES member(id), -- NULL for an unattended run
  at        INTEGER NOT NULL
) STRICT;

-- Dispensations: a member exempt from the quota for a year. A lifted
-- dispensation stays on record.
CREATE TABLE exemption (
  id          INTEGER PRIMARY KEY,
  member_id   INTEGER NOT NULL REFERENCES member(id),
  year        INTEGER NOT NULL,
  reason      TEXT NOT NULL,            -- why, e.g. 'retired', 'long illness'
  actor_id    INTEGER NOT NULL REFERENCES member(id), -- the secretary who granted it
  at          INTEGER NOT NULL,
  lifted_by   INTEGER REFERENCES member(id), -- NULL while in force
  lifted_at   INTEGER
) STRICT;
CREATE UNIQUE INDEX exemption_in_force ON exemption(member_id, year) WHERE lifted_at IS NULL;
