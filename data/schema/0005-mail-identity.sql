-- cpd schema, version 5: Message-IDs unique across databases, and mail that
-- a server refused for its size.
--
-- Every database gets its own random identity, made when the database is
-- created (or when an older one is upgraded) and kept: it goes into each
-- Message-ID, so that two databases (a trial and the real one, a re-init)
-- never give two different mails the same id.
CREATE TABLE identity (
  one   INTEGER PRIMARY KEY CHECK (one = 1), -- a single row
  token TEXT NOT NULL CHECK (length(token) = 16 AND token NOT GLOB '*[^0-9a-f]*')
                                             -- 16 random lowercase hex digits
) STRICT;
INSERT INTO identity(one, token) VALUES (1, lower(hex(randomblob(8))));

-- 1 once a server refused the mail as too large: it is then sent without its
-- files, saying where to fetch them.
ALTER TABLE outbox ADD COLUMN files_dropped INTEGER NOT NULL DEFAULT 0
  CHECK (files_dropped IN (0, 1));
