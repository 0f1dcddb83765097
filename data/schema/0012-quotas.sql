-- cpd schema, version 12: per-member quotas, and the evidence of withdrawn
-- claims purged after a while.

-- The day the evidence of a withdrawn claim was purged, and how many bytes
-- it held: the claim stays in the member's history with a note, and the
-- bytes still count against the member's evidence quota of the claim's year.
ALTER TABLE claim ADD COLUMN evidence_purged TEXT;
ALTER TABLE claim ADD COLUMN purged_bytes INTEGER NOT NULL DEFAULT 0;

-- A member's claims of a year, and when they were made: the claims-per-day
-- quota counts them from the index alone.
DROP INDEX claim_member_year;
CREATE INDEX claim_member_year ON claim(member_id, year, submitted_at);

-- Withdrawn claims by when they were withdrawn: the daily purge.
CREATE INDEX claim_withdrawn ON claim(decided_at) WHERE status = 'withdrawn';
