-- cpd schema, version 6: random audits, and statements anyone can verify.

-- One draw of a random audit of a closed CPD year. The seed is kept so that
-- the same seed on the same data draws the same members again.
CREATE TABLE audit_draw (
  id       INTEGER PRIMARY KEY,
  year     INTEGER NOT NULL,           -- the CPD year audited
  percent  INTEGER NOT NULL,           -- tenths of a percent of the eligible members
  seed     TEXT NOT NULL,              -- the generator's seed, an unsigned 64-bit decimal
  eligible INTEGER NOT NULL,           -- members the sample was drawn from
  actor_id INTEGER REFERENCES member(id), -- NULL for an unattended run
  drawn_on TEXT NOT NULL,              -- YYYY-MM-DD
  at       INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_draw_year ON audit_draw(year);

-- A member drawn for an audit, and where their audit stands. "No response"
-- is not stored: it is a waiting audit past its deadline.
CREATE TABLE audit (
  id           INTEGER PRIMARY KEY,
  draw_id      INTEGER NOT NULL REFERENCES audit_draw(id),
  member_id    INTEGER NOT NULL REFERENCES member(id),
  year         INTEGER NOT NULL,       -- the CPD year audited, as in the draw
  deadline     TEXT NOT NULL,          -- evidence is due by this day, YYYY-MM-DD
  redrawn      INTEGER NOT NULL DEFAULT 0 CHECK (redrawn IN (0, 1)), -- gave no response to the audit before
  status       TEXT NOT NULL DEFAULT 'waiting'
               CHECK (status IN ('waiting', 'responded', 'passed', 'failed')),
  response     TEXT,                   -- the member's note with their answer
  responded_at INTEGER,
  decided_by   INTEGER REFERENCES member(id), -- the secretary who passed or failed it
  decided_at   INTEGER,
  reason       TEXT,                   -- the secretary's reason for the outcome
  UNIQUE (member_id, year)
) STRICT;
CREATE INDEX audit_by_draw ON audit(draw_id);

-- The approved claims an audit asked evidence for: those without files when
-- the member was drawn.
CREATE TABLE audit_claim (
  audit_id INTEGER NOT NULL REFERENCES audit(id),
  claim_id INTEGER NOT NULL REFERENCES claim(id),
  PRIMARY KEY (audit_id, claim_id)
) STRICT;

-- The key of the statements' verification codes: 32 random bytes, made when
-- the database is set up (or when the first statement of an older database
-- is issued), never printed.
CREATE TABLE statement_key (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  secret BLOB NOT NULL
) STRICT;

-- Every statement issued: the canonical text its code was computed over.
-- Issuing the same content again gives the same code; a different content
-- gives a new code, and the one before is marked superseded.
CREATE TABLE statement (
  id            INTEGER PRIMARY KEY,
  member_id     INTEGER NOT NULL REFERENCES member(id),
  year          INTEGER NOT NULL,
  code          TEXT NOT NULL UNIQUE,  -- 16 Crockford base32 digits of HMAC-SHA-256(key, content)
  content       TEXT NOT NULL,         -- the canonical encoding of what the statement says
  issued_on     TEXT NOT NULL,         -- YYYY-MM-DD
  at            INTEGER NOT NULL,
  actor_id      INTEGER NOT NULL REFERENCES member(id), -- who asked for it
  superseded_on TEXT                   -- the day a statement with other content replaced it
) STRICT;
CREATE INDEX statement_member_year ON statement(member_id, year);
