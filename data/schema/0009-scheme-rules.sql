-- cpd schema, version 9: schemes beyond one quota a year — categories of
-- the points table, join dates, dispensations of part of a year, and every
-- rule a closed year was closed under.

-- The category an activity counts in (a scheme's minimums and maximums are
-- per category). Every activity so far is in the one category 'general'.
ALTER TABLE activity ADD COLUMN category TEXT NOT NULL DEFAULT 'general';

-- The category of a claim's activity when it was made: recategorising the
-- points table never moves a claim's points, as editing it never changes
-- them. Awards and revocations count in their claim's category.
ALTER TABLE claim ADD COLUMN category TEXT NOT NULL DEFAULT 'general';

-- The category of a carry or an adjustment; NULL counts towards the total
-- only. Awards and revocations leave it NULL: their claim says.
ALTER TABLE entry ADD COLUMN category TEXT;

-- The day a member was admitted, YYYY-MM-DD: their first year's
-- requirement is pro-rated from it. NULL for a member from before the
-- records (and for those added without one): no pro-rata.
ALTER TABLE member ADD COLUMN joined TEXT;

-- Every rule a year was closed under, as the settings' text, one
-- "scheme.KEY=VALUE" a line (NULL for the years closed before: their quota
-- and carry_cap, with the defaults of every rule since).
ALTER TABLE year_close ADD COLUMN rules TEXT;

-- A dispensation for part of a year (or from a day on): the months it
-- touches are taken out of the requirement, pro rata. Dispensations of
-- whole years stay in `exemption`. A lifted one stays on record.
CREATE TABLE dispensation_period (
  id          INTEGER PRIMARY KEY,
  member_id   INTEGER NOT NULL REFERENCES member(id),
  from_date   TEXT NOT NULL,              -- YYYY-MM-DD, the first day
  until_date  TEXT CHECK (until_date IS NULL OR until_date >= from_date),
                                          -- the last day; NULL until lifted
  reason      TEXT NOT NULL,
  actor_id    INTEGER NOT NULL REFERENCES member(id), -- the secretary who granted it
  at          INTEGER NOT NULL,
  lifted_by   INTEGER REFERENCES member(id), -- NULL while in force
  lifted_at   INTEGER
) STRICT;
CREATE INDEX dispensation_period_member ON dispensation_period(member_id) WHERE lifted_at IS NULL;
